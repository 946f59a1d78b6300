"""Which session is asked whether the dSS still lives after a 403 (dss/epochs.py)."""

from __future__ import annotations

from dss_addon.dss.epochs import epoch_witness
from dss_addon.dss.share_session import ShareSession


def session(share_id: str, *, last_used: float, epoch: int = 0) -> ShareSession:
    return ShareSession(
        share_id, f"token-{share_id}", "app", last_used=last_used, verified_at=0.0, epoch=epoch
    )


def test_the_most_recently_used_other_session_of_the_epoch_is_asked() -> None:
    refused = session("refused", last_used=50.0)
    older, newer = session("older", last_used=10.0), session("newer", last_used=40.0)
    assert epoch_witness(refused, [refused, older, newer], 0) is newer


def test_sessions_of_an_earlier_epoch_are_never_asked() -> None:
    refused = session("refused", last_used=50.0, epoch=1)
    before_restart = session("before", last_used=49.0, epoch=0)
    assert epoch_witness(refused, [before_restart, refused], 1) is refused


def test_the_only_session_is_asked_about_itself() -> None:
    refused = session("refused", last_used=5.0)
    assert epoch_witness(refused, [refused], 0) is refused
    assert epoch_witness(refused, [], 0) is refused
