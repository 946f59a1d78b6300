"""Brief dSS sessions: a session of a share's own opened for a few calls and logged out at once
(never kept, never announced, never counted as the share's session), for what must reach the
dSS although the share has no session and may never get one (the event of a share locked by
PIN guessing, or of a job reported done just before the share's app token goes). One at a
time; counted in the budget and kept in the session file while it stands.

Throttled (the default): at most one per BRIEF_INTERVAL, and none when another one is under
way, since whoever guesses at a PIN link can cause one without any session. Unthrottled
(`throttled=False`) is for what only an authenticated electrician can cause, once per share
(the job done): it waits its turn instead of being refused, and pushes the throttled ones'
next chance BRIEF_INTERVAL on all the same."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence

from dss_addon.clock import Clock
from dss_addon.dss.client import DssClient
from dss_addon.dss.logins import Logins
from dss_addon.dss.session_table import SessionTable
from dss_addon.errors import DssUnavailable

log = logging.getLogger(__name__)

BRIEF_INTERVAL = 5.0  # seconds between brief sessions (call_briefly)


def brief_may_open(
    now: float, not_before: float, *, closing: bool, has_session: bool, throttled: bool = True
) -> bool:
    """Whether a brief session may be opened at `now`: not while shutting down, not for a
    share with a session, and, when `throttled`, not before `not_before` (BRIEF_INTERVAL after
    the last one)."""
    return not closing and not has_session and (now >= not_before or not throttled)


class BriefSessions:
    def __init__(
        self, client: DssClient, clock: Clock, table: SessionTable, logins: Logins
    ) -> None:
        self._client = client
        self._clock = clock
        self._table = table
        self._logins = logins
        self._tasks: set[asyncio.Task[bool]] = set()
        self._lock = asyncio.Lock()
        self._not_before = 0.0

    def tasks(self) -> list[asyncio.Task[bool]]:
        """The brief sessions under way (or just done)."""
        return list(self._tasks)

    async def call(
        self,
        share_id: str,
        klass: str,
        method: str,
        calls: Sequence[Mapping[str, str]],
        *,
        throttled: bool = True,
    ) -> bool:
        """The calls in a brief session; False when none may be opened now (the caller tries
        again later). The session runs in a task of its own: a caller giving up leaves it to
        finish and log out (an unthrottled one waiting for its turn goes on waiting)."""
        task = asyncio.get_running_loop().create_task(
            self._brief(share_id, klass, method, list(calls), throttled=throttled)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return await asyncio.shield(task)

    async def _brief(
        self,
        share_id: str,
        klass: str,
        method: str,
        calls: list[Mapping[str, str]],
        *,
        throttled: bool,
    ) -> bool:
        if throttled and self._lock.locked():
            return False  # one at a time
        table, logins = self._table, self._logins
        async with self._lock:
            now = self._clock.monotonic()
            if not brief_may_open(
                now,
                self._not_before,
                closing=table.shutting_down(),
                has_session=share_id in table.sessions,
                throttled=throttled,
            ):
                return False
            self._not_before = max(self._not_before, now + BRIEF_INTERVAL)
            async with logins.lock:  # the cap check and the login must not interleave
                if logins.backoff.wait(share_id, now) > 0:
                    return False
                app_token = await logins.app_token_of(share_id)
                if app_token is None or app_token in logins.closed_tokens:
                    return False
                token = await self._open(share_id, app_token)
            try:
                for params in calls:
                    await self._client.call(klass, method, params, token)
            finally:
                await self._end(token)
            log.info("a brief dSS session of share %s made %d calls", share_id, len(calls))
            return True

    async def revoke(self, app_token: str) -> None:
        """Revoke `app_token` in the dSS in a brief session of its own (loginApplication with
        the token itself, revokeToken, logout), counted like any other. A token already revoked
        in the dSS fails the login with DssAuthFailed, which the caller may treat as done."""
        async with self._logins.lock:  # the cap check and the login must not interleave
            if self._table.shutting_down():
                raise DssUnavailable("the add-on is shutting down")
            token = await self._open(None, app_token)
        try:
            await self._client.revoke_token(app_token, token)
        finally:
            await self._end(token)

    async def _open(self, share_id: str | None, app_token: str) -> str:
        """Logs in with `app_token` under the cap; counted, and kept in the session file,
        while the session stands. The caller holds the logins' lock."""
        table = self._table
        await table.make_room(self._logins.max_sessions)
        token = await self._logins.counted(share_id, app_token)
        table.budget.charge(token, float("inf"))  # counted while it stands
        table.brief_tokens.append(token)  # kept on disk too, should the run die now
        await table.persist()
        return token

    async def _end(self, token: str) -> None:
        """Logs the session out: a logout without an answer, or cancelled at shutdown, stays
        counted until the dSS would have swept the session, in the session file too."""
        table = self._table
        # From a brief token to a logout under way, with no write in between.
        table.brief_tokens.remove(token)
        table.budget.release(token)
        await table.log_out_token(token, "a brief session")
