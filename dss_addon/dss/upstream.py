"""Per-share dSS sessions for the proxy and the policy's topology.

Session strategy (the dSS allows 30 sessions for the whole home, with no eviction):
- lazy: a share logs in (loginApplication with its own app token) on its first upstream call;
- reused: one session per share, shared by all of that share's requests;
- idle logout: a session unused for `idle_logout` seconds (default 120, below the dSS's 180 s
  idle timeout, checked every 30 s) is logged out; requests in flight, long event/get polls
  included, keep it open, and every request refreshes it on the dSS side, so no keep-alive
  traffic is needed;
- capped: at most `max_sessions` (default 20) entries of the dSS's session map at once, phantoms
  and a previous run's leftovers included (sessions.py), so at least 10 stay free for the owner
  and the home's other integrations; at the cap the least recently used session idle for
  EVICT_IDLE seconds is logged out first (never one in use, never one just used: that would
  only trade logins), else the call fails at once with DssUnavailable;
- logins are never abandoned: a login runs in a task of its own that no caller's deadline or
  cancellation cuts off (callers wait for it at most one ordinary call timeout, then fail
  with DssUnavailable and make every share's next login pause); it is counted in the budget
  from the moment it is sent, and a late answer registers the session like any other (the idle
  logout ends it). A login whose answer never comes stays counted until the dSS would have
  swept the session it may have opened (sessions.py). A share's second caller waits for the
  login under way instead of starting another;
- revocation during a login: `close_app_token` remembers the closed app token, and a login
  answered for it afterwards is logged out at once and fails with ShareEnded;
- announced: `on_login` listeners run in a background task once a share's new session is first
  used (the notifier raises what it could not raise without a session: it never logs one in
  itself), never under the deadline of the electrician's call;
- brief: `call_briefly` opens a session of a share's own for a few calls and logs it out at
  once (the event of a share locked by PIN guessing, which never gets a session, or of a job
  reported done): one at a time, at most one per BRIEF_INTERVAL unless an authenticated
  electrician caused it, counted and kept in the session file while it stands; releasing a
  share's app token (`revoke_app_token`: login with the token itself, revokeToken, logout)
  is such a session too;
- backing off: failed logins are retried after a growing, jittered pause, per share and, when
  the dSS does not answer or refuses several shares in a row, for all shares;
- persistent: the open session tokens are kept sealed on disk (session_file.py); the next run
  logs out what the last one left (`adopt_leftovers`, leftovers.py), counting them meanwhile;
- self-healing: a 403 "not logged in" drops the session, logs in again and retries the call
  exactly once (the dSS checks the session before running the handler, so the first attempt
  did nothing). The dSS answers 403 only for a token it does not hold (webserver.cpp: the
  session map lookup found nothing), so the token is not presented again to log it out: every
  stale token presented adds a phantom entry. Sessions belong to an epoch (one dSS lifetime as
  far as the add-on knows): the first 403 of an epoch asks once, with loggedInUser, whether
  another session of the same epoch is alive (or the refused one itself, when it is the only
  one). Dead: the dSS restarted, and every session of the epoch is dropped without a word, so
  a restart costs two phantoms at most instead of one per share. Alive: only this one was
  refused, and it is logged out (best effort) should the dSS have refused it for any other
  reason. Calls starting on a session of an epoch under question wait for the answer.
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
import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from dss_addon.clock import Clock
from dss_addon.dss.brief_sessions import BriefSessions
from dss_addon.dss.client import DssClient, RawReply
from dss_addon.dss.envelope import NOT_LOGGED_IN, is_not_logged_in
from dss_addon.dss.epochs import Epochs
from dss_addon.dss.eviction import is_idle
from dss_addon.dss.leftovers import LeftoverSessions
from dss_addon.dss.login_listeners import LoginListener, LoginListeners
from dss_addon.dss.logins import AppTokenOf, Logins
from dss_addon.dss.revocation import (
    TOKEN_CHECK,
    ClosedTokens,
    TokenCheck,
    TokenRevoked,
    token_digest,
)
from dss_addon.dss.session_file import SessionFile
from dss_addon.dss.session_table import LogoutListener, SessionTable
from dss_addon.dss.sessions import LoginBackoff
from dss_addon.dss.share_session import ShareSession, Stale
from dss_addon.dss.topology_cache import TOPOLOGY_TTL, TopologyCache
from dss_addon.errors import DssAuthFailed, DssRejected
from dss_addon.policy.model import Topology

log = logging.getLogger(__name__)

T = TypeVar("T")

DSS_SESSION_LIMIT = 30
DEFAULT_MAX_SESSIONS = 20
IDLE_TICK = 30.0
CLOSE_RESERVE = 0.5  # seconds of close_all's time kept for the logouts after a late login


def login_grace(call_timeout: float, timeout: float | None, *, again: bool) -> float:
    """How long close_all lets logins under way answer: one call's time, within what is left
    of `timeout` after CLOSE_RESERVE for the logouts; nothing on a second close_all."""
    wait = 0.0 if again else call_timeout
    if timeout is not None:
        wait = min(wait, max(0.0, timeout - CLOSE_RESERVE))
    return wait


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
        session_file: SessionFile | None = None,
        backoff: LoginBackoff | None = None,
    ) -> None:
        if not 1 <= max_sessions < DSS_SESSION_LIMIT:
            raise ValueError("max_sessions must stay below the dSS's session limit")
        self._client = client
        self._clock = clock
        self._idle_logout = idle_logout
        self._table = SessionTable(client, clock, session_file)
        self._epochs = Epochs(client, clock, self._table)
        self._leftovers = LeftoverSessions(client, clock, self._table, session_file)
        self._closed_tokens = ClosedTokens()
        self._token_check = TokenCheck(
            client, clock, self._table, token_check=token_check, on_token_revoked=on_token_revoked
        )
        self._logins = Logins(
            client,
            clock,
            self._table,
            app_token_of,
            epochs=self._epochs,
            leftovers=self._leftovers,
            closed_tokens=self._closed_tokens,
            max_sessions=max_sessions,
            backoff=backoff or LoginBackoff(),
        )
        self._briefs = BriefSessions(client, clock, self._table, self._logins)
        self._login_listeners = LoginListeners()
        self._topology = TopologyCache(clock, topology_ttl)

    def occupied(self) -> int:
        """Entries of the dSS's session map the add-on holds or may hold: its sessions, the
        phantoms it caused and a previous run's tokens not yet logged out."""
        return self._table.occupied()

    @property
    def open_sessions(self) -> int:
        return len(self._table.sessions)

    def has_session(self, share_id: str) -> bool:
        return share_id in self._table.sessions

    def holds_session_token(self, token: str) -> bool:
        """Whether `token` is one of our own dSS sessions (an application session standing for a
        share: never the homeowner, whatever loggedInUser says)."""
        return self._table.holds_token(token)

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
                raise Stale
            return reply

        return await self._with_session(share_id, op)

    async def call_if_open(
        self, share_id: str, klass: str, method: str, params: Mapping[str, str]
    ) -> RawReply | None:
        """A call in the share's open dSS session only (clean-up of state the dSS keeps per
        session: without a session there is none to clean up, so none is opened for it).
        None when the share has no session, or the dSS no longer knows it."""
        session = self._table.sessions.get(share_id)
        if session is None:
            return None

        async def op(token: str) -> RawReply | None:
            reply = await self._client.call(klass, method, params, token)
            return None if is_not_logged_in(reply.status, reply.body) else reply

        try:
            reply = await self._use(session, op)
        except Stale as stale:
            await self._epochs.refused(session, stale)
            return None
        if reply is None:
            await self._epochs.refused(session, Stale())
        return reply

    async def call_briefly(
        self,
        share_id: str,
        klass: str,
        method: str,
        calls: Sequence[Mapping[str, str]],
        *,
        throttled: bool = True,
    ) -> bool:
        """The calls, in a session of the share's own opened for them alone and logged out at
        once (brief_sessions.py): False when none may be opened now (the caller tries again
        later). `throttled=False` only for what an authenticated electrician causes once per
        share: it waits its turn instead of BRIEF_INTERVAL."""
        return await self._briefs.call(share_id, klass, method, calls, throttled=throttled)

    def on_login(self, listener: LoginListener) -> Callable[[], None]:
        """Run `listener(share_id)` in the background once a share's new dSS session is first
        used (never under that call's deadline; cancelled at close_all). Returns a function
        that removes it."""
        return self._login_listeners.add(listener)

    async def announced(self) -> None:
        """Wait for the on_login listeners running now (tests, and whoever must see their
        effect before going on)."""
        await self._login_listeners.announced()

    def on_logout(self, listener: LogoutListener) -> None:
        """Call `listener(share_id)` whenever a share's dSS session is logged out or dropped
        (whatever the dSS kept for that session, event subscriptions, is gone with it)."""
        self._table.on_logout(listener)

    async def learn_session_timeout(self, token: str) -> None:
        """Once per run, with the first session at hand (a share's, or the homeowner's): how
        long the dSS keeps an unused session (logins.py)."""
        await self._logins.learn_session_timeout(token)

    async def topology(self, share_id: str, *, fresh: bool = False) -> Topology:
        """The installation's zones and devices, shared by all shares, at most 60 s old.

        `fresh=True` returns a read that began after this call did (an older one may predate a
        change the caller must see, such as the owner moving a device out of a shared room).
        Concurrent fresh requests share one read: a caller that waited for the lock while such a
        read ran takes its answer.
        """
        return await self._topology.get(
            lambda: self._with_session(share_id, self._structure), fresh=fresh
        )

    def invalidate_topology(self) -> None:
        self._topology.invalidate()

    async def close_share(self, share_id: str) -> None:
        session = self._table.sessions.get(share_id)
        if session is not None:
            await self._table.logout(session)

    async def close_app_token(self, app_token: str) -> None:
        """Log out the session opened with this app token (before the token is revoked)."""
        # A login under way with this token logs its session out when the answer comes.
        digest = self._closed_tokens.add(app_token)
        for session in list(self._table.sessions.values()):
            if hmac.compare_digest(token_digest(session.app_token), digest):
                await self._table.logout(session)

    async def revoke_app_token(self, app_token: str) -> None:
        """Log out the session opened with this app token, then revoke the token in the dSS in
        a brief session of its own (counted in the budget, kept in the session file while it
        stands, a lost logout held like any other: brief_sessions.py). Refused with
        DssUnavailable while shutting down (the periodic release does it on the next run)."""
        await self.close_app_token(app_token)
        await self._briefs.revoke(app_token)

    async def close_all(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Log out every open session at once and, meanwhile, give logins under way what is
        left of `timeout` (at most one call's time) to answer, so their sessions are logged out
        too; logins still pending then are cancelled (counted in the session file for the next
        run). No logout waits past `timeout` from now, this one's or a later one's (held like a
        lost logout: session_table.py). A second call (the runtime's, after serve's bounded
        one) waits for no login."""
        again = self._table.close(within=timeout)
        await self._login_listeners.cancel()  # they put back what they did not send
        wait = login_grace(self._client.timeout, timeout, again=again)
        await asyncio.gather(
            self._settle_logins(wait),
            *(self._table.logout(s) for s in list(self._table.sessions.values())),
        )
        await self._table.flush()

    async def _settle_logins(self, wait: float) -> None:
        logins: list[asyncio.Future[object]] = [
            t for t in [*self._logins.tasks(), *self._briefs.tasks()] if not t.done()
        ]
        if not logins:
            return
        pending: set[asyncio.Future[object]] = set(logins)
        if wait > 0:  # a late answer is logged out at once (Logins._login)
            _done, pending = await asyncio.wait(logins, timeout=wait)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def adopt_leftovers(self) -> int:
        """Take over the tokens a previous run left on disk (counted at once); they are logged
        out by `clear_leftovers`. Returns how many."""
        return await self._leftovers.adopt()

    async def clear_leftovers(self) -> bool:
        """Log out a previous run's sessions; True when none is left (leftovers.py)."""
        return await self._leftovers.clear()

    async def sweep_idle(self) -> int:
        """Log out every session unused for `idle_logout` seconds; returns how many."""
        closed = 0
        for session in list(self._table.sessions.values()):
            # Checked one by one: a session may get used while another one is logged out.
            if self._table.is_current(session) and is_idle(
                session, self._clock.monotonic(), self._idle_logout
            ):
                await self._table.logout(session)
                closed += 1
        return closed

    async def run(self, tick: float = IDLE_TICK) -> None:
        """The background loop: the last run's sessions first (retried every tick while the
        dSS does not answer), then one idle logout per tick."""
        while True:
            try:
                if self._leftovers.pending():
                    await self._leftovers.clear()
            except Exception:
                log.exception("logging out the last run's dSS sessions failed")
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
                raise Stale from err
            raise

    async def _with_session(self, share_id: str, op: Callable[[str], Awaitable[T]]) -> T:
        session = await self._logins.session(share_id)
        self._login_listeners.announce(session)
        try:
            return await self._use(session, op)
        except Stale as stale:
            log.info("dSS session of share %s is gone; logging in again", share_id)
            await self._epochs.refused(session, stale)
        session = await self._logins.session(share_id)
        self._login_listeners.announce(session)
        try:
            return await self._use(session, op)
        except Stale as stale:
            await self._epochs.refused(session, stale)
            raise DssAuthFailed("the dSS does not accept a fresh session of the share") from None

    async def _use(self, session: ShareSession, op: Callable[[str], Awaitable[T]]) -> T:
        session.in_flight += 1
        session.last_used = self._clock.monotonic()
        try:
            await self._epochs.settled()  # an epoch in question: wait for the answer
            if not self._table.is_current(session):
                raise Stale(presented=False)  # dropped meanwhile: never presented again
            await self._token_check.verify(session)
            return await op(session.token)
        finally:
            session.in_flight -= 1
            session.last_used = self._clock.monotonic()
