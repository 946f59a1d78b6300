"""When a brief session may be opened (dss/brief_sessions.py)."""

from __future__ import annotations

from dss_addon.dss.brief_sessions import BRIEF_INTERVAL, brief_may_open


def test_one_brief_session_per_interval() -> None:
    not_before = 100.0 + BRIEF_INTERVAL
    assert not brief_may_open(not_before - 0.1, not_before, closing=False, has_session=False)
    assert brief_may_open(not_before, not_before, closing=False, has_session=False)


def test_none_while_shutting_down_or_for_a_share_with_a_session() -> None:
    assert not brief_may_open(100.0, 0.0, closing=True, has_session=False)
    assert not brief_may_open(100.0, 0.0, closing=False, has_session=True)


def test_an_unthrottled_one_does_not_wait_for_the_interval() -> None:
    not_before = 100.0 + BRIEF_INTERVAL
    assert brief_may_open(100.0, not_before, closing=False, has_session=False, throttled=False)
    assert not brief_may_open(100.0, 0.0, closing=True, has_session=False, throttled=False)
    assert not brief_may_open(100.0, 0.0, closing=False, has_session=True, throttled=False)
