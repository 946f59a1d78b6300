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
  once (the event of a share locked by PIN guessing, which never gets a session): one at a
  time, at most one per BRIEF_INTERVAL, counted and kept in the session file while it stands;
- backing off: failed logins are retried after a growing, jittered pause, per share and, when
  the dSS does not answer or refuses several shares in a row, for all shares;
- persistent: the open session tokens are kept sealed on disk (session_file.py); the next run
  logs out what the last one left (`adopt_leftovers`), counting them meanwhile;
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
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from dss_addon.clock import Clock
from dss_addon.dss.client import DssClient, DssNotReached, RawReply
from dss_addon.dss.envelope import NOT_LOGGED_IN, is_not_logged_in
from dss_addon.dss.session_file import SessionFile
from dss_addon.dss.sessions import (
    DSS_SESSION_TIMEOUT,
    PHANTOM_HOLD,
    LoginBackoff,
    SessionBudget,
    login_hold_until,
    lost_login_hold,
)
from dss_addon.errors import DssAuthFailed, DssError, DssRejected, DssUnavailable, ShareEnded
from dss_addon.policy.model import Topology

log = logging.getLogger(__name__)

T = TypeVar("T")
AppTokenOf = Callable[[str], Awaitable[str | None]]
TokenRevoked = Callable[[str], Awaitable[None]]
LogoutListener = Callable[[str], None]  # called with the share id
LoginListener = Callable[[str], Awaitable[None]]  # awaited with the share id

DSS_SESSION_LIMIT = 30
DEFAULT_MAX_SESSIONS = 20
IDLE_TICK = 30.0
TOPOLOGY_TTL = 60.0
TOKEN_CHECK = 10.0  # seconds a confirmation that the share's app token is enabled stays valid
EVICT_IDLE = 5.0  # seconds a session must have been unused before it is logged out for another
BRIEF_INTERVAL = 5.0  # seconds between brief sessions (call_briefly)
CLOSE_RESERVE = 0.5  # seconds of close_all's time kept for the logouts after a late login
CLOSED_TOKENS_KEPT = 1024  # digests of closed app tokens remembered against late logins


class _Stale(Exception):
    """The dSS no longer knows the session (internal signal for one retry). `presented`: the
    dSS answered 403 to the token; else it was dropped here and never presented again."""

    def __init__(self, *, presented: bool = True) -> None:
        super().__init__()
        self.presented = presented


@dataclass(slots=True)
class _Session:
    share_id: str
    token: str = field(repr=False)
    app_token: str = field(repr=False)  # memory only, to check it is still enabled
    last_used: float
    verified_at: float  # monotonic time the dSS last confirmed app_token as enabled
    epoch: int = 0  # the dSS lifetime it was opened in, as far as the add-on knows
    in_flight: int = 0
    announced: bool = False  # the on_login listeners have been called for it
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
        session_file: SessionFile | None = None,
        backoff: LoginBackoff | None = None,
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
        self._session_file = session_file
        self._backoff = backoff or LoginBackoff()
        self._budget = SessionBudget()
        self._epoch = 0
        self._epoch_lock = asyncio.Lock()
        self._leftovers: list[str] = []  # tokens of a previous run, not yet logged out
        self._persisting: set[asyncio.Task[None]] = set()
        self._persist_lock = asyncio.Lock()
        self._leftover_lock = asyncio.Lock()
        self._logins: dict[str, asyncio.Task[_Session]] = {}  # share id -> login under way
        self._login_tickets = 0
        self._closed_tokens: dict[str, None] = {}  # digests, oldest first
        self._login_holds: dict[str, float] = {}  # ticket -> Unix time its count ends
        self._login_listeners: list[LoginListener] = []
        self._announcing: set[asyncio.Task[None]] = set()
        self._briefs: set[asyncio.Task[bool]] = set()
        self._brief_lock = asyncio.Lock()
        self._brief_not_before = 0.0
        self._brief_tokens: list[str] = []  # brief sessions standing (session file)
        # The dSS's sessionTimeoutMinutes, read once with the first session (the default till).
        self._session_timeout = DSS_SESSION_TIMEOUT
        self._session_timeout_read = False

    def occupied(self) -> int:
        """Entries of the dSS's session map the add-on holds or may hold: its sessions, the
        phantoms it caused and a previous run's tokens not yet logged out."""
        return len(self._sessions) + self._budget.charged(self._clock.monotonic())

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
        except _Stale as stale:
            await self._refused(session, stale)
            return None
        if reply is None:
            await self._refused(session, _Stale())
        return reply

    async def call_briefly(
        self, share_id: str, klass: str, method: str, calls: Sequence[Mapping[str, str]]
    ) -> bool:
        """The calls, in a session of the share's own opened for them alone and logged out at
        once (never kept, never announced, never counted as the share's session): for what
        must reach the dSS although the share has no session and may never get one (the event
        of a share locked by PIN guessing). One such session at a time, at most one per
        BRIEF_INTERVAL; counted in the budget while it stands. False when none may be opened
        now (the caller tries again later). The session runs in a task of its own: a caller
        giving up leaves it to finish and log out."""
        task = asyncio.get_running_loop().create_task(
            self._brief(share_id, klass, method, list(calls))
        )
        self._briefs.add(task)
        task.add_done_callback(self._briefs.discard)
        return await asyncio.shield(task)

    async def _brief(
        self, share_id: str, klass: str, method: str, calls: list[Mapping[str, str]]
    ) -> bool:
        if self._brief_lock.locked():
            return False  # one at a time
        async with self._brief_lock:
            now = self._clock.monotonic()
            if self._closed or now < self._brief_not_before or share_id in self._sessions:
                return False
            self._brief_not_before = now + BRIEF_INTERVAL
            async with self._login_lock:  # the cap check and the login must not interleave
                if self._backoff.wait(share_id, now) > 0:
                    return False
                await self._make_room()
                app_token = await self._app_token_of(share_id)
                if app_token is None or self._token_closed(app_token):
                    return False
                token = await self._login_counted(share_id, app_token)
                self._budget.charge(token, float("inf"))  # counted while it stands
                self._brief_tokens.append(token)  # kept on disk too, should the run die now
                await self._persist()
            try:
                for params in calls:
                    await self._client.call(klass, method, params, token)
            finally:
                await self._end_brief(token)
            log.info("a brief dSS session of share %s made %d calls", share_id, len(calls))
            return True

    async def _end_brief(self, token: str) -> None:
        try:
            await self._client.logout(token)
        except DssError as err:  # the dSS sweeps it: counted till then
            log.info("dSS logout of a brief session failed: %s", err.code)
            now = self._clock.monotonic()
            self._budget.charge(token, now + lost_login_hold(self._session_timeout))
        else:
            self._budget.release(token)
        finally:
            self._brief_tokens.remove(token)
            self._persist_soon()

    def on_login(self, listener: LoginListener) -> Callable[[], None]:
        """Run `listener(share_id)` in the background once a share's new dSS session is first
        used (never under that call's deadline; cancelled at close_all). Returns a function
        that removes it."""
        self._login_listeners.append(listener)
        return lambda: self._login_listeners.remove(listener)

    async def announced(self) -> None:
        """Wait for the on_login listeners running now (tests, and whoever must see their
        effect before going on)."""
        while self._announcing:
            await asyncio.gather(*self._announcing, return_exceptions=True)

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
        # A login under way with this token logs its session out when the answer comes.
        self._closed_tokens[digest] = None
        while len(self._closed_tokens) > CLOSED_TOKENS_KEPT:
            del self._closed_tokens[next(iter(self._closed_tokens))]
        for session in list(self._sessions.values()):
            if hmac.compare_digest(_digest(session.app_token), digest):
                await self._logout(session)

    async def close_all(self, timeout: float | None = None) -> None:  # noqa: ASYNC109
        """Log out every open session at once and, meanwhile, give logins under way what is
        left of `timeout` (at most one call's time) to answer, so their sessions are logged out
        too; logins still pending then are cancelled (counted in the session file for the next
        run). A second call (the runtime's, after serve's bounded one) waits for no login."""
        again = self._closed
        self._closed = True
        announcing = list(self._announcing)  # listeners put back what they did not send
        for task in announcing:
            task.cancel()
        await asyncio.gather(*announcing, return_exceptions=True)
        wait = 0.0 if again else self._client.timeout
        if timeout is not None:
            wait = min(wait, max(0.0, timeout - CLOSE_RESERVE))
        await asyncio.gather(
            self._settle_logins(wait), *(self._logout(s) for s in list(self._sessions.values()))
        )
        await asyncio.gather(*self._persisting, return_exceptions=True)
        await self._persist()

    async def _settle_logins(self, wait: float) -> None:
        logins: list[asyncio.Future[object]] = [
            t for t in [*self._logins.values(), *self._briefs] if not t.done()
        ]
        if not logins:
            return
        pending: set[asyncio.Future[object]] = set(logins)
        if wait > 0:  # a late answer is logged out at once (_login)
            _done, pending = await asyncio.wait(logins, timeout=wait)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    async def adopt_leftovers(self) -> int:
        """Take over the tokens a previous run left on disk (counted at once); they are logged
        out by `clear_leftovers`. Returns how many."""
        if self._session_file is None:
            return 0
        left = await self._session_file.load_all()
        tokens = left.tokens
        for token in tokens:
            self._budget.charge(token, float("inf"))
        self._leftovers = tokens
        if tokens:
            log.info("%d dSS sessions of a previous run to log out", len(tokens))
        now, wall = self._clock.monotonic(), self._clock.now().timestamp()
        held = [until for until in left.held_until if until > wall]
        for until in held:  # its logins under way or unanswered: counted till their hold ends
            self._login_tickets += 1
            self._hold(f"login {self._login_tickets}", now, now + (until - wall))
        if held:
            log.info("%d dSS logins of a previous run counted till the dSS sweeps them", len(held))
        return len(tokens)

    async def clear_leftovers(self) -> bool:
        """Log out a previous run's sessions; True when none is left. One token is asked
        first: if the dSS does not know it, a second one; both gone means the dSS restarted
        since, and the rest are dropped without being presented (each would be a phantom)."""
        async with self._leftover_lock:
            tokens = list(self._leftovers)
            if not tokens:
                return True
            now = self._clock.monotonic()
            try:
                alive = False
                for probe in tokens[:2]:
                    alive = await self._client.logged_in_user(probe) is not None
                    if alive:
                        break
                    # Gone: it is a phantom now (counted till the sweep), never asked again.
                    self._budget.charge(probe, now + PHANTOM_HOLD)
                    self._leftovers.remove(probe)
                if not alive:
                    log.info("the dSS restarted since the last run: its sessions are gone")
                    for token in self._leftovers:
                        self._budget.release(token)
                    self._leftovers = []
                for token in list(self._leftovers):
                    await self._client.logout(token)
                    self._budget.release(token)
                    self._leftovers.remove(token)
            except DssError as err:
                log.info("logging out the last run's dSS sessions failed: %s", err.code)
                return False
        await self._persist()
        log.info("the last run's dSS sessions are cleared")
        return True

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
        """The background loop: the last run's sessions first (retried every tick while the
        dSS does not answer), then one idle logout per tick."""
        while True:
            try:
                if self._leftovers:
                    await self.clear_leftovers()
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
                raise _Stale from err
            raise

    async def _with_session(self, share_id: str, op: Callable[[str], Awaitable[T]]) -> T:
        session = await self._session(share_id)
        self._announce(session)
        try:
            return await self._use(session, op)
        except _Stale as stale:
            log.info("dSS session of share %s is gone; logging in again", share_id)
            await self._refused(session, stale)
        session = await self._session(share_id)
        self._announce(session)
        try:
            return await self._use(session, op)
        except _Stale as stale:
            await self._refused(session, stale)
            raise DssAuthFailed("the dSS does not accept a fresh session of the share") from None

    async def _refused(self, session: _Session, stale: _Stale) -> None:
        """The dSS answered 403 to the session (or it was dropped here meanwhile): see the
        module docstring for the epoch check."""
        if not stale.presented:
            self._forget(session)
            return
        now = self._clock.monotonic()
        self._budget.charge(session.token, now + PHANTOM_HOLD)
        async with self._epoch_lock:
            if session.epoch != self._epoch or self._sessions.get(session.share_id) is not session:
                self._forget(session)  # settled while this one waited
                return
            others = [
                s for s in self._sessions.values() if s is not session and s.epoch == self._epoch
            ]
            witness = max(others, key=lambda s: s.last_used, default=session)
            try:
                alive = await self._client.logged_in_user(witness.token) is not None
            except DssError as err:
                log.info("asking the dSS about a session failed: %s", err.code)
                self._forget(session)
                return
            if alive:
                if witness is session:
                    self._budget.release(session.token)
                forgotten = False
            else:
                self._budget.charge(witness.token, now + PHANTOM_HOLD)
                self._epoch += 1
                stale_ones = [s for s in self._sessions.values() if s.epoch < self._epoch]
                log.info("the dSS restarted: %d sessions dropped unasked", len(stale_ones))
                for old in stale_ones:
                    self._forget(old)
                forgotten = True
        if not forgotten:
            # Refused although the dSS lives on: logged out all the same, best effort.
            await self._logout(session)

    async def _use(self, session: _Session, op: Callable[[str], Awaitable[T]]) -> T:
        session.in_flight += 1
        session.last_used = self._clock.monotonic()
        try:
            if self._epoch_lock.locked():
                async with self._epoch_lock:  # an epoch is in question: wait for the answer
                    pass
            if self._sessions.get(session.share_id) is not session:
                raise _Stale(presented=False)  # dropped meanwhile: never presented again
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
                raise _Stale(presented=False)  # logged out meanwhile: use a fresh one
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

    def _announce(self, session: _Session) -> None:
        """Runs the on_login listeners in a task of their own (tracked, cancelled at close):
        what they send never counts against the deadline of the call that opened the session."""
        if session.announced:
            return
        session.announced = True
        if not self._login_listeners:
            return
        task = asyncio.get_running_loop().create_task(self._run_login_listeners(session.share_id))
        self._announcing.add(task)
        task.add_done_callback(self._announcing.discard)

    async def _run_login_listeners(self, share_id: str) -> None:
        for listener in list(self._login_listeners):
            try:
                await listener(share_id)
            except Exception:
                log.exception("a login listener failed for share %s", share_id)

    async def _session(self, share_id: str) -> _Session:
        existing = self._sessions.get(share_id)
        if existing is not None:
            return existing
        login = self._logins.get(share_id)
        if login is None or login.done():
            if self._closed:
                raise DssUnavailable("the add-on is shutting down")
            # Its own task: no caller's deadline or cancellation cuts the login off (the dSS
            # would complete it all the same, and nobody would count or log out its session).
            login = asyncio.get_running_loop().create_task(self._login(share_id))
            self._logins[share_id] = login
            login.add_done_callback(lambda task: self._login_finished(share_id, task))
        try:
            async with asyncio.timeout(self._client.timeout):
                return await asyncio.shield(login)
        except TimeoutError:
            self._gave_up(login)
            raise DssUnavailable("the dSS did not answer the login in time") from None
        except asyncio.CancelledError:
            self._gave_up(login)
            raise

    def _gave_up(self, login: asyncio.Task[_Session]) -> None:
        """A caller stopped waiting for a login still under way: the dSS is too slow, so no
        share starts another login for a while (the one under way goes on)."""
        if not login.done():
            self._backoff.unreachable(self._clock.monotonic())

    def _login_finished(self, share_id: str, task: asyncio.Task[_Session]) -> None:
        if self._logins.get(share_id) is task:
            del self._logins[share_id]
        if not task.cancelled():
            task.exception()  # retrieved: its callers may all have given up

    async def _login(self, share_id: str) -> _Session:
        # One login at a time: the cap check and the login must not interleave.
        async with self._login_lock:
            existing = self._sessions.get(share_id)
            if existing is not None:
                return existing
            if self._closed:
                raise DssUnavailable("the add-on is shutting down")
            wait = self._backoff.wait(share_id, self._clock.monotonic())
            if wait > 0:
                raise DssUnavailable(f"logins to the dSS pause for {wait:.0f} s after failures")
            if self._leftovers:  # the dSS may be back: settle them before counting room
                await self.clear_leftovers()
            await self._make_room()
            app_token = await self._app_token_of(share_id)
            if app_token is None:
                raise DssAuthFailed("the share has no dSS application token")
            if self._token_closed(app_token):
                raise ShareEnded("This share has ended.")
            token = await self._login_counted(share_id, app_token)
            self._backoff.succeeded(share_id)
            now = self._clock.monotonic()
            # loginApplication succeeds only for an enabled token: verified as of now.
            session = _Session(
                share_id, token, app_token, last_used=now, verified_at=now, epoch=self._epoch
            )
            self._sessions[share_id] = session
            if self._shutting_down():  # close_all ran during the login: no lingering session
                await self._logout(session)
                raise DssUnavailable("the add-on is shutting down")
            if self._token_closed(app_token):  # revoked during the login
                log.info("share %s ended during its dSS login: logged out again", share_id)
                await self._logout(session)
                raise ShareEnded("This share has ended.")
            await self._persist()
            log.info("dSS session opened for share %s (%d open)", share_id, len(self._sessions))
            await self.learn_session_timeout(session.token)
            return session

    async def learn_session_timeout(self, token: str) -> None:
        """Once per run, with the first session at hand (a share's, or the homeowner's): how
        long the dSS keeps an unused session (lost logins are counted that long; never below
        the default 3 minutes). Best effort: tried again with the next session."""
        if self._session_timeout_read:
            return
        try:
            self._session_timeout = max(
                DSS_SESSION_TIMEOUT, await self._client.session_timeout(token)
            )
        except DssError as err:
            log.info("reading the dSS's session timeout failed: %s", err.code)
            return
        self._session_timeout_read = True
        log.info("the dSS keeps unused sessions for %.0f s", self._session_timeout)

    async def _login_counted(self, share_id: str, app_token: str) -> str:
        """loginApplication, counted in the budget from the moment it is sent until its answer
        (and on, when none came: the dSS may have opened the session all the same), and kept
        in the session file before it is sent (a run stopped or killed meanwhile leaves the
        next run a hold to count)."""
        self._login_tickets += 1
        ticket = f"login {self._login_tickets}"
        sent = self._clock.monotonic()
        hold = login_hold_until(sent, self._client.login_timeout, self._session_timeout)
        self._hold(ticket, sent, hold)
        await self._persist()
        try:
            token = await self._client.login_application(app_token)
        except DssAuthFailed:
            self._unhold(ticket)
            self._backoff.refused(share_id, self._clock.monotonic())
            raise
        except DssNotReached:  # never sent: nothing to count
            self._unhold(ticket)
            self._backoff.unreachable(self._clock.monotonic())
            raise
        except DssUnavailable:  # no answer: counted until the dSS would have swept it
            now = self._clock.monotonic()
            self._hold(ticket, now, now + lost_login_hold(self._session_timeout))
            self._persist_soon()
            self._backoff.unreachable(now)
            raise
        except DssRejected:  # answered: no session
            self._unhold(ticket)
            raise
        # Cancelled (shutdown only): the hold stays, the dSS may still complete it.
        self._budget.release(ticket)
        self._login_holds.pop(ticket, None)  # the session itself is saved next
        return token

    def _hold(self, ticket: str, now: float, until: float) -> None:
        """Count `ticket` until the monotonic `until`, here and in the session file."""
        self._budget.charge(ticket, until)
        self._login_holds[ticket] = self._clock.now().timestamp() + (until - now)

    def _unhold(self, ticket: str) -> None:
        self._budget.release(ticket)
        if self._login_holds.pop(ticket, None) is not None:
            self._persist_soon()

    def _token_closed(self, app_token: str) -> bool:
        return _digest(app_token) in self._closed_tokens

    def _shutting_down(self) -> bool:
        return self._closed  # a method, so the check after an await is not narrowed away

    async def _make_room(self) -> None:
        while self.occupied() >= self._max_sessions:
            now = self._clock.monotonic()
            idle = [
                s
                for s in self._sessions.values()
                if s.in_flight == 0 and now - s.last_used >= EVICT_IDLE
            ]
            if not idle:
                raise DssUnavailable("too many shares are using the dSS at once")
            await self._logout(min(idle, key=lambda s: s.last_used))

    def _forget(self, session: _Session) -> bool:
        """Drop the session here without a word to the dSS; False if it was gone already."""
        if self._sessions.get(session.share_id) is not session:
            return False
        del self._sessions[session.share_id]
        for listener in list(self._logout_listeners):
            try:
                listener(session.share_id)
            except Exception:
                log.exception("a logout listener failed for share %s", session.share_id)
        self._persist_soon()
        return True

    def _persist_soon(self) -> None:
        if self._session_file is not None:
            task = asyncio.get_running_loop().create_task(self._persist())
            self._persisting.add(task)
            task.add_done_callback(self._persisting.discard)

    async def _persist(self) -> None:
        if self._session_file is None:
            return
        async with self._persist_lock:  # FIFO: the last writer writes the latest state
            tokens = [s.token for s in self._sessions.values()]
            tokens += self._leftovers + self._brief_tokens
            wall = self._clock.now().timestamp()
            for ticket in [t for t, until in self._login_holds.items() if until <= wall]:
                del self._login_holds[ticket]  # the dSS has swept what it may have opened
            await self._session_file.save(tokens, list(self._login_holds.values()))

    async def _logout(self, session: _Session) -> None:
        if not self._forget(session):
            return
        try:
            await self._client.logout(session.token)
        except DssError as err:
            # Best effort: the dSS sweeps it after its own idle timeout.
            log.info("dSS logout for share %s failed: %s", session.share_id, err.code)
        else:
            log.info("dSS session closed for share %s", session.share_id)
