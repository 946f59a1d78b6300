"""Which session is logged out when idle, or to make room (dss/eviction.py)."""

from __future__ import annotations

from dss_addon.dss.eviction import EVICT_IDLE, eviction_victim, is_idle
from dss_addon.dss.share_session import ShareSession

NOW = 1000.0


def session(share_id: str, *, unused_for: float, in_flight: int = 0) -> ShareSession:
    used = NOW - unused_for
    return ShareSession(
        share_id, f"token-{share_id}", "app", last_used=used, verified_at=used, in_flight=in_flight
    )


def test_a_session_unused_for_the_idle_time_is_idle() -> None:
    assert is_idle(session("a", unused_for=120.0), NOW, 120.0)
    assert not is_idle(session("a", unused_for=119.9), NOW, 120.0)


def test_a_session_in_use_is_never_idle() -> None:
    assert not is_idle(session("a", unused_for=10_000.0, in_flight=1), NOW, 120.0)


def test_the_least_recently_used_idle_session_makes_room() -> None:
    sessions = [
        session("recent", unused_for=EVICT_IDLE),
        session("oldest", unused_for=60.0),
        session("older", unused_for=30.0),
    ]
    victim = eviction_victim(sessions, NOW)
    assert victim is not None
    assert victim.share_id == "oldest"


def test_a_busy_or_just_used_session_never_makes_room() -> None:
    sessions = [
        session("busy", unused_for=600.0, in_flight=2),
        session("just used", unused_for=EVICT_IDLE - 0.1),
    ]
    assert eviction_victim(sessions, NOW) is None
    assert eviction_victim([], NOW) is None


def test_of_equally_old_sessions_the_first_makes_room() -> None:
    first, second = session("first", unused_for=30.0), session("second", unused_for=30.0)
    assert eviction_victim([first, second], NOW) is first
