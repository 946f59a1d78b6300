"""When each share session was last seen: current in memory, written at most once a minute."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from dss_addon.clock import Clock
from dss_addon.shares.model import ShareSession

SEEN_WRITE_INTERVAL = 60.0  # seconds between last_seen_at writes per session (flash wear)
PRUNE_EVERY = 1000  # sightings between two prunings of sessions idle beyond the timeout


@dataclass(slots=True)
class _Seen:
    at: datetime  # current last-seen time, possibly newer than the stored one
    written: float  # monotonic time of the last write


class LastSeen:
    def __init__(self, clock: Clock, idle_timeout: timedelta | None = None) -> None:
        self._clock = clock
        self._idle = idle_timeout
        self._seen: dict[str, _Seen] = {}
        self._marks = 0

    def get(self, session: ShareSession) -> datetime:
        seen = self._seen.get(session.id)
        return session.last_seen_at if seen is None else max(seen.at, session.last_seen_at)

    def written(self, session: ShareSession) -> None:
        """The stored value is current (a new session)."""
        self._seen[session.id] = _Seen(session.last_seen_at, self._clock.monotonic())

    def mark(self, session: ShareSession, now: datetime) -> bool:
        """Records a sighting; True when it is time to write it to the store."""
        self._marks += 1
        if self._marks % PRUNE_EVERY == 0:
            self._prune(now)
        mono = self._clock.monotonic()
        seen = self._seen.get(session.id)
        if seen is None:  # first sight since start-up: the stored value tells the age
            age = (now - session.last_seen_at).total_seconds()
            seen = self._seen[session.id] = _Seen(session.last_seen_at, mono - age)
        seen.at = max(seen.at, now)
        if mono - seen.written < SEEN_WRITE_INTERVAL:
            return False
        seen.written = mono
        return True

    def forget(self, session_id: str) -> None:
        self._seen.pop(session_id, None)

    def _prune(self, now: datetime) -> None:
        """Forget sessions last seen longer ago than the idle timeout: they are over whatever
        the store says (its value is older still), and a browser that went away never comes
        back to have its entry forgotten."""
        if self._idle is None:
            return
        horizon = now - self._idle
        for session_id in [key for key, seen in self._seen.items() if seen.at < horizon]:
            del self._seen[session_id]
