"""Per-share dSS sessions for the proxy and the policy's topology.

Session strategy (the dSS allows 30 sessions for the whole home, with no eviction):
- lazy: a share logs in (loginApplication with its own app token) on its first upstream call;
- reused: one session per share, shared by all of that share's requests;
- idle logout: a session unused for `idle_logout` seconds (default 120, below the dSS's 180 s
  idle timeout, checked every 30 s) is logged out; requests in flight, long event/get polls
  included, keep it open, and every request refreshes it on the dSS side, so no keep-alive
  traffic is needed;
- capped: at most `max_sessions` (default 20) at once, so at least 10 stay free for the owner
  and the home's other integrations; at the cap the least recently used idle session is logged
  out first, and if every session is busy the call fails with DssUnavailable;
- self-healing: a 403 "not logged in" (dSS restart, sweep) drops the session, logs in again and
  retries the call exactly once (the dSS checks the session before running the handler, so the
  first attempt did nothing).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from dss_addon.clock import Clock
from dss_addon.dss.client import DssClient, RawReply
from dss_addon.dss.envelope import NOT_LOGGED_IN, is_not_logged_in
from dss_addon.errors import DssAuthFailed, DssError, DssRejected, DssUnavailable
from dss_addon.policy.model import Topology

log = logging.getLogger(__name__)

T = TypeVar("T")
AppTokenOf = Callable[[str], Awaitable[str | None]]

DSS_SESSION_LIMIT = 30
DEFAULT_MAX_SESSIONS = 20
IDLE_TICK = 30.0
TOPOLOGY_TTL = 60.0


class _Stale(Exception):
    """The dSS no longer knows the session (internal signal for one retry)."""


@dataclass(slots=True)
class _Session:
    share_id: str
    token: str
    app_token_digest: str
    last_used: float
    in_flight: int = 0


def _digest(app_token: str) -> str:
    return hashlib.sha256(app_token.encode("utf-8")).hexdigest()


class ShareUpstream:
    def __init__(
        self,
        client: DssClient,
        clock: Clock,
        app_token_of: AppTokenOf,
        *,
        idle_logout: float = 120.0,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        topology_ttl: float = TOPOLOGY_TTL,
    ) -> None:
        if not 1 <= max_sessions < DSS_SESSION_LIMIT:
            raise ValueError("max_sessions must stay below the dSS's session limit")
        self._client = client
        self._clock = clock
        self._app_token_of = app_token_of
        self._idle_logout = idle_logout
        self._max_sessions = max_sessions
        self._topology_ttl = topology_ttl
        self._sessions: dict[str, _Session] = {}
        self._login_lock = asyncio.Lock()
        self._topology: tuple[float, Topology] | None = None
        self._topology_lock = asyncio.Lock()
        self._closed = False

    @property
    def open_sessions(self) -> int:
        return len(self._sessions)

    def has_session(self, share_id: str) -> bool:
        return share_id in self._sessions

    async def call(
        self,
        share_id: str,
        klass: str,
        method: str,
        params: Mapping[str, str],
        *,
        timeout: float | None = None,  # noqa: ASYNC109  # becomes the ClientTimeout of the one request
    ) -> RawReply:
        async def op(token: str) -> RawReply:
            reply = await self._client.call(klass, method, params, token, timeout=timeout)
            if is_not_logged_in(reply.status, reply.body):
                raise _Stale
            return reply

        return await self._with_session(share_id, op)

    async def topology(self, share_id: str) -> Topology:
        """The installation's zones and devices, shared by all shares, at most 60 s old."""
        async with self._topology_lock:
            cached = self._topology
            if cached is not None and self._clock.monotonic() - cached[0] < self._topology_ttl:
                return cached[1]
            topology = await self._with_session(share_id, self._structure)
            self._topology = (self._clock.monotonic(), topology)
            return topology

    def invalidate_topology(self) -> None:
        self._topology = None

    async def close_share(self, share_id: str) -> None:
        session = self._sessions.get(share_id)
        if session is not None:
            await self._logout(session)

    async def close_app_token(self, app_token: str) -> None:
        """Log out the session opened with this app token (before the token is revoked)."""
        digest = _digest(app_token)
        for session in list(self._sessions.values()):
            if session.app_token_digest == digest:
                await self._logout(session)

    async def close_all(self) -> None:
        self._closed = True
        await asyncio.gather(*(self._logout(s) for s in list(self._sessions.values())))

    async def sweep_idle(self) -> int:
        """Log out every session unused for `idle_logout` seconds; returns how many."""
        closed = 0
        for session in list(self._sessions.values()):
            # Checked one by one: a session may get used while another one is logged out.
            if self._is_idle(session):
                await self._logout(session)
                closed += 1
        return closed

    def _is_idle(self, session: _Session) -> bool:
        if self._sessions.get(session.share_id) is not session or session.in_flight:
            return False
        return self._clock.monotonic() - session.last_used >= self._idle_logout

    async def run(self, tick: float = IDLE_TICK) -> None:
        """The background idle-logout loop: one wake-up per tick, nothing else."""
        while True:
            await asyncio.sleep(tick)
            try:
                await self.sweep_idle()
            except Exception:
                log.exception("idle logout of dSS sessions failed")

    async def _structure(self, token: str) -> Topology:
        try:
            return await self._client.structure(token)
        except DssRejected as err:
            if err.status == 403 and err.message == NOT_LOGGED_IN:
                raise _Stale from err
            raise

    async def _with_session(self, share_id: str, op: Callable[[str], Awaitable[T]]) -> T:
        session = await self._session(share_id)
        try:
            return await self._use(session, op)
        except _Stale:
            log.info("dSS session of share %s is gone; logging in again", share_id)
            self._forget(session)
        session = await self._session(share_id)
        try:
            return await self._use(session, op)
        except _Stale:
            self._forget(session)
            raise DssAuthFailed("the dSS does not accept a fresh session of the share") from None

    async def _use(self, session: _Session, op: Callable[[str], Awaitable[T]]) -> T:
        session.in_flight += 1
        session.last_used = self._clock.monotonic()
        try:
            return await op(session.token)
        finally:
            session.in_flight -= 1
            session.last_used = self._clock.monotonic()

    async def _session(self, share_id: str) -> _Session:
        existing = self._sessions.get(share_id)
        if existing is not None:
            return existing
        # One login at a time: two first requests of a share must not open two sessions, and
        # the cap check and the login must not interleave.
        async with self._login_lock:
            existing = self._sessions.get(share_id)
            if existing is not None:
                return existing
            if self._closed:
                raise DssUnavailable("the add-on is shutting down")
            await self._make_room()
            app_token = await self._app_token_of(share_id)
            if app_token is None:
                raise DssAuthFailed("the share has no dSS application token")
            token = await self._client.login_application(app_token)
            session = _Session(share_id, token, _digest(app_token), self._clock.monotonic())
            self._sessions[share_id] = session
            log.info("dSS session opened for share %s (%d open)", share_id, len(self._sessions))
            return session

    async def _make_room(self) -> None:
        while len(self._sessions) >= self._max_sessions:
            idle = [s for s in self._sessions.values() if s.in_flight == 0]
            if not idle:
                raise DssUnavailable("too many shares are using the dSS at once")
            await self._logout(min(idle, key=lambda s: s.last_used))

    def _forget(self, session: _Session) -> None:
        if self._sessions.get(session.share_id) is session:
            del self._sessions[session.share_id]

    async def _logout(self, session: _Session) -> None:
        if self._sessions.get(session.share_id) is not session:
            return
        del self._sessions[session.share_id]
        try:
            await self._client.logout(session.token)
        except DssError as err:
            # Best effort: the dSS sweeps it after its own idle timeout.
            log.info("dSS logout for share %s failed: %s", session.share_id, err.code)
        else:
            log.info("dSS session closed for share %s", session.share_id)
