"""Logging shares in to the dSS (see upstream.py for the strategy).

A share's login runs in a task of its own that no caller's deadline or cancellation cuts off;
a share's second caller waits for the login under way. One login at a time: the cap check and
the login must not interleave. A login is counted in the budget, and kept in the session file,
from the moment it is sent until its answer, and on when none came (the dSS may have opened
the session all the same). Failed logins back off (sessions.LoginBackoff). The dSS's session
timeout, which sets how long a lost login is counted, is learnt with the first session."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from dss_addon.clock import Clock
from dss_addon.dss.client import DssClient, DssNotReached
from dss_addon.dss.epochs import Epochs
from dss_addon.dss.leftovers import LeftoverSessions
from dss_addon.dss.revocation import ClosedTokens
from dss_addon.dss.session_table import SessionTable
from dss_addon.dss.sessions import (
    DSS_SESSION_TIMEOUT,
    LoginBackoff,
    login_hold_until,
    lost_login_hold,
)
from dss_addon.dss.share_session import ShareSession
from dss_addon.errors import DssAuthFailed, DssError, DssRejected, DssUnavailable, ShareEnded

log = logging.getLogger(__name__)

AppTokenOf = Callable[[str], Awaitable[str | None]]


class Logins:
    def __init__(
        self,
        client: DssClient,
        clock: Clock,
        table: SessionTable,
        app_token_of: AppTokenOf,
        *,
        epochs: Epochs,
        leftovers: LeftoverSessions,
        closed_tokens: ClosedTokens,
        max_sessions: int,
        backoff: LoginBackoff,
    ) -> None:
        self._client = client
        self._clock = clock
        self._table = table
        self.app_token_of = app_token_of
        self._epochs = epochs
        self._leftovers = leftovers
        self.closed_tokens = closed_tokens
        self.max_sessions = max_sessions
        self.backoff = backoff
        self.lock = asyncio.Lock()  # one login at a time (brief sessions' included)
        self._tasks: dict[str, asyncio.Task[ShareSession]] = {}  # share id -> login under way
        self._session_timeout_read = False

    @property
    def session_timeout(self) -> float:
        """The dSS's sessionTimeoutMinutes in seconds, read once with the first session (the
        default till then); kept in the session table, whose lost logouts count that long."""
        return self._table.session_timeout

    def tasks(self) -> list[asyncio.Task[ShareSession]]:
        """The logins under way (or just done)."""
        return list(self._tasks.values())

    async def session(self, share_id: str) -> ShareSession:
        """The share's open session, logged in first if it has none."""
        existing = self._table.sessions.get(share_id)
        if existing is not None:
            return existing
        login = self._tasks.get(share_id)
        if login is None or login.done():
            if self._table.shutting_down():
                raise DssUnavailable("the add-on is shutting down")
            # Its own task: no caller's deadline or cancellation cuts the login off (the dSS
            # would complete it all the same, and nobody would count or log out its session).
            login = asyncio.get_running_loop().create_task(self._login(share_id))
            self._tasks[share_id] = login
            login.add_done_callback(lambda task: self._finished(share_id, task))
        try:
            async with asyncio.timeout(self._client.timeout):
                return await asyncio.shield(login)
        except TimeoutError:
            self._gave_up(login)
            raise DssUnavailable("the dSS did not answer the login in time") from None
        except asyncio.CancelledError:
            self._gave_up(login)
            raise

    def _gave_up(self, login: asyncio.Task[ShareSession]) -> None:
        """A caller stopped waiting for a login still under way: the dSS is too slow, so no
        share starts another login for a while (the one under way goes on)."""
        if not login.done():
            self.backoff.unreachable(self._clock.monotonic())

    def _finished(self, share_id: str, task: asyncio.Task[ShareSession]) -> None:
        if self._tasks.get(share_id) is task:
            del self._tasks[share_id]
        if not task.cancelled():
            task.exception()  # retrieved: its callers may all have given up

    async def _login(self, share_id: str) -> ShareSession:
        table = self._table
        # One login at a time: the cap check and the login must not interleave.
        async with self.lock:
            existing = table.sessions.get(share_id)
            if existing is not None:
                return existing
            if table.shutting_down():
                raise DssUnavailable("the add-on is shutting down")
            wait = self.backoff.wait(share_id, self._clock.monotonic())
            if wait > 0:
                raise DssUnavailable(f"logins to the dSS pause for {wait:.0f} s after failures")
            if self._leftovers.pending():  # the dSS may be back: settle them before counting room
                await self._leftovers.clear()
            await table.make_room(self.max_sessions)
            app_token = await self.app_token_of(share_id)
            if app_token is None:
                raise DssAuthFailed("the share has no dSS application token")
            if app_token in self.closed_tokens:
                raise ShareEnded("This share has ended.")
            token = await self.counted(share_id, app_token)
            self.backoff.succeeded(share_id)
            now = self._clock.monotonic()
            # loginApplication succeeds only for an enabled token: verified as of now.
            session = ShareSession(
                share_id,
                token,
                app_token,
                last_used=now,
                verified_at=now,
                epoch=self._epochs.current,
            )
            table.sessions[share_id] = session
            if table.shutting_down():  # close_all ran during the login: no lingering session
                await table.logout(session)
                raise DssUnavailable("the add-on is shutting down")
            if app_token in self.closed_tokens:  # revoked during the login
                log.info("share %s ended during its dSS login: logged out again", share_id)
                await table.logout(session)
                raise ShareEnded("This share has ended.")
            await table.persist()
            log.info("dSS session opened for share %s (%d open)", share_id, len(table.sessions))
            await self.learn_session_timeout(session.token)
            return session

    async def learn_session_timeout(self, token: str) -> None:
        """Once per run, with the first session at hand (a share's, or the homeowner's): how
        long the dSS keeps an unused session (lost logins are counted that long; never below
        the default 3 minutes). Best effort: tried again with the next session."""
        if self._session_timeout_read:
            return
        try:
            self._table.session_timeout = max(
                DSS_SESSION_TIMEOUT, await self._client.session_timeout(token)
            )
        except DssError as err:
            log.info("reading the dSS's session timeout failed: %s", err.code)
            return
        self._session_timeout_read = True
        log.info("the dSS keeps unused sessions for %.0f s", self.session_timeout)

    async def counted(self, share_id: str | None, app_token: str) -> str:
        """loginApplication, counted in the budget from the moment it is sent until its answer
        (and on, when none came: the dSS may have opened the session all the same), and kept
        in the session file before it is sent (a run stopped or killed meanwhile leaves the
        next run a hold to count). The caller holds `lock`. `share_id` None: a login to
        release the app token, whose refusal (revoked in the dSS already) backs nothing off."""
        table = self._table
        ticket = table.new_ticket()
        sent = self._clock.monotonic()
        hold = login_hold_until(sent, self._client.login_timeout, self.session_timeout)
        table.hold(ticket, sent, hold)
        await table.persist()
        try:
            token = await self._client.login_application(app_token)
        except DssAuthFailed:
            table.unhold(ticket)
            if share_id is not None:
                self.backoff.refused(share_id, self._clock.monotonic())
            raise
        except DssNotReached:  # never sent: nothing to count
            table.unhold(ticket)
            self.backoff.unreachable(self._clock.monotonic())
            raise
        except DssUnavailable:  # no answer: counted until the dSS would have swept it
            now = self._clock.monotonic()
            table.hold(ticket, now, now + lost_login_hold(self.session_timeout))
            table.persist_soon()
            self.backoff.unreachable(now)
            raise
        except DssRejected:  # answered: no session
            table.unhold(ticket)
            raise
        # Cancelled (shutdown only): the hold stays, the dSS may still complete it.
        table.answered(ticket)  # the session itself is saved next
        return token
