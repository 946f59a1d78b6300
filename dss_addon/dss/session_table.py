"""The add-on's entries in the dSS's session map: its open sessions (one per share), what the
budget counts beyond them (sessions.py), and their sealed copy on disk (session_file.py).

Everything here is shared state of ShareUpstream's parts: the logins add sessions and login
holds, the leftovers and brief sessions add tokens kept on disk, and any part may log a
session out. Logging out or dropping a session tells the logout listeners and rewrites the
session file. A logout the dSS never answered leaves the session standing there until its own
idle timeout (`session_timeout`, learnt by the logins) and the sweep after it: it stays counted
that long, here and in the session file, like a login whose answer never came. Once the table
is closed with a deadline (close_all at SIGTERM), no logout is awaited past it: one cut off
there is held the same way (the supervisor's SIGKILL must not cut the store's close)."""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Callable, Mapping

from dss_addon.clock import Clock
from dss_addon.dss.client import DssClient
from dss_addon.dss.eviction import eviction_victim
from dss_addon.dss.session_file import SessionFile
from dss_addon.dss.sessions import (
    DSS_SESSION_TIMEOUT,
    SessionBudget,
    lost_login_hold,
)
from dss_addon.dss.share_session import ShareSession
from dss_addon.errors import DssError, DssUnavailable

log = logging.getLogger(__name__)

LogoutListener = Callable[[str], None]  # called with the share id


def live_holds(holds: Mapping[str, float], wall: float) -> list[str]:
    """The tickets of `holds` (ticket -> Unix time its count ends) still counted at `wall`."""
    return [ticket for ticket, until in holds.items() if until > wall]


def time_left(deadline: float | None, now: float) -> float | None:
    """What is left at `now` until `deadline` (the same clock), never below 0; None when there
    is no deadline."""
    return None if deadline is None else max(0.0, deadline - now)


class SessionTable:
    def __init__(self, client: DssClient, clock: Clock, session_file: SessionFile | None) -> None:
        self._client = client
        self._clock = clock
        self._session_file = session_file
        self.sessions: dict[str, ShareSession] = {}
        self.budget = SessionBudget()
        self.leftovers: list[str] = []  # tokens of a previous run, not yet logged out
        self.brief_tokens: list[str] = []  # brief sessions standing (session file)
        self._logging_out: list[str] = []  # sessions whose logout is under way (session file)
        # The dSS's sessionTimeoutMinutes in seconds (Logins learns it with the first session).
        self.session_timeout = DSS_SESSION_TIMEOUT
        self._closed = False
        self._deadline: float | None = None  # event-loop time the shutdown must be done by
        self._tickets = 0
        self._login_holds: dict[str, float] = {}  # ticket -> Unix time its count ends
        self._logout_listeners: list[LogoutListener] = []
        self._persisting: set[asyncio.Task[None]] = set()
        self._persist_lock = asyncio.Lock()

    def occupied(self) -> int:
        """Entries of the dSS's session map the add-on holds or may hold: its sessions, the
        phantoms it caused and a previous run's tokens not yet logged out."""
        return len(self.sessions) + self.budget.charged(self._clock.monotonic())

    def holds_token(self, token: str) -> bool:
        """Whether `token` is one of the open sessions' tokens."""
        candidate = token.encode("utf-8")
        found = False
        for session in list(self.sessions.values()):
            # Every session compared, in constant time each.
            found |= hmac.compare_digest(session.token.encode("utf-8"), candidate)
        return found

    def is_current(self, session: ShareSession) -> bool:
        """Whether `session` is still its share's open session (not dropped meanwhile)."""
        return self.sessions.get(session.share_id) is session

    def close(self, within: float | None = None) -> bool:
        """No session may be opened from now on, and no logout is awaited more than `within`
        seconds from now (the earliest deadline of all the calls holds); returns whether the
        table was closed already."""
        again = self._closed
        self._closed = True
        if within is not None:
            deadline = asyncio.get_running_loop().time() + within
            self._deadline = deadline if self._deadline is None else min(self._deadline, deadline)
        return again

    def shutdown_left(self) -> float | None:
        """Seconds left of the shutdown's deadline; None while there is none."""
        return time_left(self._deadline, asyncio.get_running_loop().time())

    def shutting_down(self) -> bool:
        return self._closed  # a method, so the check after an await is not narrowed away

    def on_logout(self, listener: LogoutListener) -> None:
        self._logout_listeners.append(listener)

    def new_ticket(self) -> str:
        """A name for one login in the budget and the session file."""
        self._tickets += 1
        return f"login {self._tickets}"

    def hold(self, ticket: str, now: float, until: float) -> None:
        """Count `ticket` until the monotonic `until`, here and in the session file."""
        self.budget.charge(ticket, until)
        self._login_holds[ticket] = self._clock.now().timestamp() + (until - now)

    def unhold(self, ticket: str) -> None:
        self.budget.release(ticket)
        if self._login_holds.pop(ticket, None) is not None:
            self.persist_soon()

    def answered(self, ticket: str) -> None:
        """The login answered with a session: counted as that session from now on (saved with
        the next write)."""
        self.budget.release(ticket)
        self._login_holds.pop(ticket, None)

    async def make_room(self, max_sessions: int) -> None:
        """Log out idle sessions until a login fits under `max_sessions` (eviction.py). A logout
        the dSS did not answer frees nothing (the session stays counted): no further session
        is evicted for that login, which fails like one at the cap."""
        while self.occupied() >= max_sessions:
            victim = eviction_victim(self.sessions.values(), self._clock.monotonic())
            if victim is None:
                raise DssUnavailable("too many shares are using the dSS at once")
            if not await self.logout(victim):
                raise DssUnavailable("the dSS did not answer a logout: no room for a login")

    def forget(self, session: ShareSession) -> bool:
        """Drop the session here without a word to the dSS; False if it was gone already."""
        if not self.is_current(session):
            return False
        del self.sessions[session.share_id]
        for listener in list(self._logout_listeners):
            try:
                listener(session.share_id)
            except Exception:
                log.exception("a logout listener failed for share %s", session.share_id)
        self.persist_soon()
        return True

    async def logout(self, session: ShareSession) -> bool:
        """Logs the session out at the dSS; False when it may still stand there (counted until
        the dSS would have swept it) or was gone here already. Counted, and kept in the
        session file, while the logout is under way."""
        if not self.forget(session):
            return False
        if not await self.log_out_token(session.token, f"share {session.share_id}"):
            return False
        log.info("dSS session closed for share %s", session.share_id)
        return True

    async def log_out_token(self, token: str, what: str) -> bool:
        """Logs out a session that is not (or no longer) one of the open sessions: counted,
        and kept in the session file, while the logout is under way; a logout without an
        answer, cancelled or cut off at the shutdown's deadline is held like a lost login
        (`_lost`, session file too). Returns whether the dSS answered."""
        ticket = self.new_ticket()  # a count of its own: a phantom charged for the token stays
        self.budget.charge(ticket, float("inf"))
        self._logging_out.append(token)  # in forget's rewrite, which runs after this
        left = self.shutdown_left()
        try:
            if left is not None and left <= 0:
                raise TimeoutError  # nothing left to wait for an answer with: not sent
            async with asyncio.timeout(left):
                await self._client.logout(token)
        except TimeoutError:
            # The shutdown's deadline: it may have arrived or not; the next run counts it.
            log.info("dSS logout of %s cut off by the shutdown", what)
            self._lost(ticket)
            return False
        except DssError as err:
            # No answer, or not the dSS's (system/logout answers ok for any token, session or
            # not, dss-api.md §2.3): it may not have arrived.
            log.info("dSS logout of %s failed: %s", what, err.code)
            self._lost(ticket)
            return False
        except asyncio.CancelledError:  # shutdown: it may have arrived or not
            self._lost(ticket)
            raise
        finally:
            self._logging_out.remove(token)
            self.persist_soon()
        self.budget.release(ticket)
        return True

    def _lost(self, ticket: str) -> None:
        """A logout that may not have reached the dSS: the session stands there till the dSS's
        idle timeout and the sweep after it, and is counted that long (session file too)."""
        now = self._clock.monotonic()
        self.budget.release(ticket)
        self.hold(ticket, now, now + lost_login_hold(self.session_timeout))

    def persist_soon(self) -> None:
        if self._session_file is not None:
            task = asyncio.get_running_loop().create_task(self.persist())
            self._persisting.add(task)
            task.add_done_callback(self._persisting.discard)

    async def persist(self) -> None:
        if self._session_file is None:
            return
        async with self._persist_lock:  # FIFO: the last writer writes the latest state
            tokens = [s.token for s in self.sessions.values()]
            tokens += self.leftovers + self.brief_tokens + self._logging_out
            live = live_holds(self._login_holds, self._clock.now().timestamp())
            # The dSS has swept what the other logins may have opened.
            self._login_holds = {ticket: self._login_holds[ticket] for ticket in live}
            await self._session_file.save(tokens, list(self._login_holds.values()))

    async def flush(self) -> None:
        """Wait for the writes under way, then write the latest state."""
        await asyncio.gather(*self._persisting, return_exceptions=True)
        await self.persist()
