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
  first attempt did nothing). The dropped session is logged out all the same (best effort):
  should the dSS have refused it for another reason, it must not linger until the dSS's own
  timeout, or a share could pile up sessions towards the home's limit of 30. No path forgets a
  session without logging it out.
- revocation in the dSS: the owner may revoke a share's app token in the dSS's own token list,
  and the dSS keeps the sessions of a revoked token alive. So before a call, a session whose
  token was last confirmed more than `token_check` seconds ago (default 10) reads
  `/system/security/applicationTokens/enabled/<token>/token` with that very session (the proxy
  never lets a share read /system/security; the add-on may). A missing node ends the share:
  the session is logged out, `on_token_revoked(share_id)` revokes it in the service (actor
  "dss", audited) and the call fails with ShareEnded. Why this design: it costs one small
  read per share per 10 s of use and nothing when idle, needs no extra dSS session (an
  `ApplicationTokenDeleted` subscription would hold one open for good and need a long-poll
  task), and a login (loginApplication fails for revoked tokens) verifies the token anyway.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from dss_addon.clock import Clock
from dss_addon.dss.client import DssClient, RawReply
from dss_addon.dss.envelope import NOT_LOGGED_IN, is_not_logged_in
from dss_addon.errors import DssAuthFailed, DssError, DssRejected, DssUnavailable, ShareEnded
from dss_addon.policy.model import Topology

log = logging.getLogger(__name__)

T = TypeVar("T")
AppTokenOf = Callable[[str], Awaitable[str | None]]
TokenRevoked = Callable[[str], Awaitable[None]]
LogoutListener = Callable[[str], None]  # called with the share id

DSS_SESSION_LIMIT = 30
DEFAULT_MAX_SESSIONS = 20
IDLE_TICK = 30.0
TOPOLOGY_TTL = 60.0
TOKEN_CHECK = 10.0  # seconds a confirmation that the share's app token is enabled stays valid


class _Stale(Exception):
    """The dSS no longer knows the session (internal signal for one retry)."""


@dataclass(slots=True)
class _Session:
    share_id: str
    token: str = field(repr=False)
    app_token: str = field(repr=False)  # memory only, to check it is still enabled
    last_used: float
    verified_at: float  # monotonic time the dSS last confirmed app_token as enabled
    in_flight: int = 0
    revoked: bool = False  # the dSS no longer lists app_token: the share has ended
    verify_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)


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
        token_check: float = TOKEN_CHECK,
        on_token_revoked: TokenRevoked | None = None,
    ) -> None:
        if not 1 <= max_sessions < DSS_SESSION_LIMIT:
            raise ValueError("max_sessions must stay below the dSS's session limit")
        self._client = client
        self._clock = clock
        self._app_token_of = app_token_of
        self._idle_logout = idle_logout
        self._max_sessions = max_sessions
        self._topology_ttl = topology_ttl
        self._token_check = token_check
        self._on_token_revoked = on_token_revoked
        self._sessions: dict[str, _Session] = {}
        self._login_lock = asyncio.Lock()
        self._topology: tuple[int, float, Topology] | None = None  # (read number, time, value)
        self._topology_reads = 0
        self._topology_lock = asyncio.Lock()
        self._closed = False
        self._logout_listeners: list[LogoutListener] = []

    @property
    def open_sessions(self) -> int:
        return len(self._sessions)

    def has_session(self, share_id: str) -> bool:
        return share_id in self._sessions

    def holds_session_token(self, token: str) -> bool:
        """Whether `token` is one of our own dSS sessions (an application session standing for a
        share: never the homeowner, whatever loggedInUser says)."""
        candidate = token.encode("utf-8")
        found = False
        for session in list(self._sessions.values()):
            # Every session compared, in constant time each.
            found |= hmac.compare_digest(session.token.encode("utf-8"), candidate)
        return found

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

    async def call_if_open(
        self, share_id: str, klass: str, method: str, params: Mapping[str, str]
    ) -> RawReply | None:
        """A call in the share's open dSS session only (clean-up of state the dSS keeps per
        session: without a session there is none to clean up, so none is opened for it).
        None when the share has no session, or the dSS no longer knows it."""
        session = self._sessions.get(share_id)
        if session is None:
            return None

        async def op(token: str) -> RawReply | None:
            reply = await self._client.call(klass, method, params, token)
            return None if is_not_logged_in(reply.status, reply.body) else reply

        try:
            reply = await self._use(session, op)
        except _Stale:
            reply = None
        if reply is None:
            await self._logout(session)
        return reply

    def on_logout(self, listener: LogoutListener) -> None:
        """Call `listener(share_id)` whenever a share's dSS session is logged out or dropped
        (whatever the dSS kept for that session, event subscriptions, is gone with it)."""
        self._logout_listeners.append(listener)

    async def topology(self, share_id: str, *, fresh: bool = False) -> Topology:
        """The installation's zones and devices, shared by all shares, at most 60 s old.

        `fresh=True` returns a read that began after this call did (an older one may predate a
        change the caller must see, such as the owner moving a device out of a shared room).
        Concurrent fresh requests share one read: a caller that waited for the lock while such a
        read ran takes its answer.
        """
        asked = self._topology_reads  # reads begun so far
        async with self._topology_lock:
            cached = self._topology
            if cached is not None:
                read_number, read_at, topology = cached
                if fresh and read_number > asked:
                    return topology
                if not fresh and self._clock.monotonic() - read_at < self._topology_ttl:
                    return topology
            self._topology_reads += 1
            read_number, read_at = self._topology_reads, self._clock.monotonic()
            topology = await self._with_session(share_id, self._structure)
            self._topology = (read_number, read_at, topology)
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
            if hmac.compare_digest(_digest(session.app_token), digest):
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
            await self._logout(session)
        session = await self._session(share_id)
        try:
            return await self._use(session, op)
        except _Stale:
            await self._logout(session)
            raise DssAuthFailed("the dSS does not accept a fresh session of the share") from None

    async def _use(self, session: _Session, op: Callable[[str], Awaitable[T]]) -> T:
        session.in_flight += 1
        session.last_used = self._clock.monotonic()
        try:
            await self._verify(session)
            return await op(session.token)
        finally:
            session.in_flight -= 1
            session.last_used = self._clock.monotonic()

    async def _verify(self, session: _Session) -> None:
        """Ends the share if its app token was revoked in the dSS (see the module docstring)."""
        if self._clock.monotonic() - session.verified_at < self._token_check:
            return
        async with session.verify_lock:  # one check for concurrent calls of a share
            if session.revoked:  # found by a concurrent call while this one waited
                raise ShareEnded("This share has ended.")
            checked_at = self._clock.monotonic()
            if checked_at - session.verified_at < self._token_check:
                return
            if self._sessions.get(session.share_id) is not session:
                raise _Stale  # logged out meanwhile (revocation, idle): use a fresh one
            try:
                enabled = await self._client.app_token_enabled(session.app_token, session.token)
            except DssRejected as err:
                if err.status == 403 and err.message == NOT_LOGGED_IN:
                    raise _Stale from err
                raise
            if enabled:
                session.verified_at = checked_at
                return
            session.revoked = True
        log.warning("the app token of share %s was revoked in the dSS: ending it", session.share_id)
        await self._logout(session)
        if self._on_token_revoked is not None:
            try:
                await self._on_token_revoked(session.share_id)
            except Exception:
                log.exception(
                    "revoking share %s after its app token was revoked failed", session.share_id
                )
        raise ShareEnded("This share has ended.")

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
            now = self._clock.monotonic()
            # loginApplication succeeds only for an enabled token: verified as of now.
            session = _Session(share_id, token, app_token, last_used=now, verified_at=now)
            self._sessions[share_id] = session
            if self._shutting_down():  # close_all ran during the login: no lingering session
                await self._logout(session)
                raise DssUnavailable("the add-on is shutting down")
            log.info("dSS session opened for share %s (%d open)", share_id, len(self._sessions))
            return session

    def _shutting_down(self) -> bool:
        return self._closed  # a method, so the check after an await is not narrowed away

    async def _make_room(self) -> None:
        while len(self._sessions) >= self._max_sessions:
            idle = [s for s in self._sessions.values() if s.in_flight == 0]
            if not idle:
                raise DssUnavailable("too many shares are using the dSS at once")
            await self._logout(min(idle, key=lambda s: s.last_used))

    async def _logout(self, session: _Session) -> None:
        if self._sessions.get(session.share_id) is not session:
            return
        del self._sessions[session.share_id]
        for listener in list(self._logout_listeners):
            try:
                listener(session.share_id)
            except Exception:
                log.exception("a logout listener failed for share %s", session.share_id)
        try:
            await self._client.logout(session.token)
        except DssError as err:
            # Best effort: the dSS sweeps it after its own idle timeout.
            log.info("dSS logout for share %s failed: %s", session.share_id, err.code)
        else:
            log.info("dSS session closed for share %s", session.share_id)
