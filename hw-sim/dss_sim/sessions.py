"""Web sessions (sessionmanager.cpp): idle timeout, 30 s sweep, hard limit, no eviction."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from dss_sim.clock import SimClock


@dataclass
class Session:
    token: str
    user: str
    is_application: bool
    app_token: str | None
    last_touched: float
    in_use: int = 0  # number of event/get calls blocked on this session


def new_token() -> str:
    return secrets.token_hex(32)


class SessionManager:
    def __init__(self, clock: SimClock, timeout: float, limit: int) -> None:
        self._clock = clock
        self.timeout = timeout
        self.limit = limit
        self.sessions: dict[str, Session] = {}
        # the dSS quirk: looking up an unknown token inserts an empty map entry that counts
        # toward the limit until the next sweep
        self.phantoms: set[str] = set()

    def create(self, user: str, app_token: str | None = None) -> Session | None:
        """A new session, or None at the limit."""
        if len(self.sessions) + len(self.phantoms) >= self.limit:
            return None
        session = Session(new_token(), user, app_token is not None, app_token,
                          self._clock.monotonic())
        self.sessions[session.token] = session
        return session

    def resolve(self, token: str | None) -> Session | None:
        """Look up and touch; an expired but unswept session still works."""
        if not token:
            return None
        session = self.sessions.get(token)
        if session is None:
            self.phantoms.add(token)
        else:
            session.last_touched = self._clock.monotonic()
        return session

    def remove(self, token: str | None) -> None:
        if token:
            self.sessions.pop(token, None)

    def expired(self, session: Session) -> bool:
        idle = self._clock.monotonic() - session.last_touched
        return idle > self.timeout and session.in_use == 0

    def sweep(self) -> list[str]:
        self.phantoms.clear()
        gone = [t for t, s in self.sessions.items() if self.expired(s)]
        for token in gone:
            del self.sessions[token]
        return gone

    def clear(self) -> None:
        self.sessions.clear()
        self.phantoms.clear()

    def touch(self, session: Session) -> None:
        session.last_touched = self._clock.monotonic()
