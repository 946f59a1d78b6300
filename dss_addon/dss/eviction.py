"""Which sessions may be logged out while nobody uses them (pure decisions, no I/O): the idle
logout of the background sweep, and the one session given up for another share's login at
the cap. Never a session in use; at the cap, never one just used (that would only trade
logins)."""

from __future__ import annotations

from collections.abc import Iterable

from dss_addon.dss.share_session import ShareSession

EVICT_IDLE = 5.0  # seconds a session must have been unused before it is logged out for another


def is_idle(session: ShareSession, now: float, idle_logout: float) -> bool:
    """Whether the sweep logs `session` out: no request in flight, unused for `idle_logout`."""
    return not session.in_flight and now - session.last_used >= idle_logout


def eviction_victim(
    sessions: Iterable[ShareSession], now: float, evict_idle: float = EVICT_IDLE
) -> ShareSession | None:
    """The session logged out to make room: the least recently used one of those unused for
    `evict_idle` seconds (the first of equals); None when every session is busy or fresh."""
    idle = [s for s in sessions if s.in_flight == 0 and now - s.last_used >= evict_idle]
    return min(idle, key=lambda s: s.last_used, default=None)
