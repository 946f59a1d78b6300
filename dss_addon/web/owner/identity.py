"""Who the homeowner is: the dSS `token` cookie forwarded by the dSS web front, or the add-on's
own owner session after a password login. Both end in a dSS token that the dSS itself confirms
(system/loggedInUser) as a *user* session: an application session (a share's own, or another
integration's) is named dssadmin by loggedInUser too, but is no homeowner, so enableToken is
probed as well (DssClient.is_user_session), and the add-on's own upstream sessions are refused
outright. Both answers are cached together, briefly, on the monotonic clock."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from dss_addon.clock import Clock
from dss_addon.dss.client import DssClient
from dss_addon.errors import DssAuthFailed, DssError, DssUnavailable, NotAuthenticated
from dss_addon.web.client_address import rate_key
from dss_addon.web.rate_limit import RateLimiter

log = logging.getLogger(__name__)

DSS_COOKIE = "token"  # set by the dSS on system/login (path=/), forwarded by its web front
OWNER_COOKIE = "dss_share_owner"
OWNER_USER = "dssadmin"
CACHE_SIZE = 256
MAX_OWNER_SESSIONS = 16
OWNER_SESSION_IDLE = 8 * 3600.0  # seconds; the dSS session behind it may end sooner
MAX_CREDENTIAL_LENGTH = 256
# Password tries per client address: 5 at once, then one every 10 s. Behind the dSS web front
# every request comes from the front, so this also caps guessing through the add-on overall.
LOGIN_BURST = 5
LOGIN_REFILL_PER_SECOND = 0.1
OWNER_LOGOUT_TIMEOUT = 1.0  # seconds the shutdown gives the owner sessions' dSS logouts
DSS_DOWN_MEMO = 15.0  # seconds the dSS is not asked to verify an owner after it did not answer


@dataclass(frozen=True, slots=True)
class OwnerIdentity:
    user: str
    dss_token: str = field(repr=False)  # memory only: never rendered, logged or stored
    key: str  # non-secret digest naming the credential; CSRF tokens are bound to it
    via_session: bool  # True: our own owner session (password login), False: dSS cookie


OWNER: web.RequestKey[OwnerIdentity] = web.RequestKey("owner", OwnerIdentity)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class IdentityCache:
    """Bounded map credential digest -> verified user (or None), valid for `ttl` seconds."""

    def __init__(self, clock: Clock, ttl: float, size: int = CACHE_SIZE) -> None:
        self._clock = clock
        self._ttl = ttl
        self._size = size
        self._entries: OrderedDict[str, tuple[float, str | None]] = OrderedDict()

    def lookup(self, key: str) -> tuple[bool, str | None]:
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        checked_at, user = entry
        if self._clock.monotonic() - checked_at >= self._ttl:
            del self._entries[key]
            return False, None
        return True, user

    def store(self, key: str, user: str | None) -> None:
        self._entries[key] = (self._clock.monotonic(), user)
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def forget(self, key: str) -> None:
        self._entries.pop(key, None)


@dataclass(slots=True)
class _OwnerSession:
    user: str
    dss_token: str = field(repr=False)
    last_seen: float


class OwnerSessions:
    """The add-on's own owner sessions, in memory only (a restart logs the owner out)."""

    def __init__(self, clock: Clock, idle: float = OWNER_SESSION_IDLE) -> None:
        self._clock = clock
        self._idle = idle
        self._sessions: OrderedDict[str, _OwnerSession] = OrderedDict()

    def open(self, user: str, dss_token: str) -> tuple[str, list[str]]:
        """Returns the cookie value and the dSS tokens of sessions pushed out (to log out)."""
        cookie = secrets.token_urlsafe(32)
        self._sessions[digest(cookie)] = _OwnerSession(user, dss_token, self._clock.monotonic())
        evicted: list[str] = []
        while len(self._sessions) > MAX_OWNER_SESSIONS:
            evicted.append(self._sessions.popitem(last=False)[1].dss_token)
        return cookie, evicted

    def find(self, key: str) -> _OwnerSession | None:
        session = self._sessions.get(key)
        if session is None:
            return None
        now = self._clock.monotonic()
        if now - session.last_seen >= self._idle:
            del self._sessions[key]
            return None
        session.last_seen = now
        self._sessions.move_to_end(key)
        return session

    def close(self, key: str) -> str | None:
        session = self._sessions.pop(key, None)
        return None if session is None else session.dss_token

    def close_all(self) -> list[str]:
        """Forgets every session (the add-on stops): their dSS tokens, to log out."""
        tokens = [session.dss_token for session in self._sessions.values()]
        self._sessions.clear()
        return tokens


class Identifier:
    def __init__(
        self,
        dss: DssClient,
        clock: Clock,
        ttl: float,
        *,
        own_session: Callable[[str], bool] | None = None,
    ) -> None:
        """`own_session(token)` says whether a dSS token is one of the add-on's own sessions
        (ShareUpstream.holds_session_token): those never identify the homeowner."""
        self._dss = dss
        self._clock = clock
        self._own_session = own_session
        self._cache = IdentityCache(clock, ttl)
        self._dss_down_until = 0.0  # monotonic: a dSS that did not answer is not asked again
        self._login_limit = RateLimiter(
            clock, capacity=LOGIN_BURST, per_second=LOGIN_REFILL_PER_SECOND
        )
        self.sessions = OwnerSessions(clock)

    async def identify(self, request: web.Request) -> OwnerIdentity | None:
        # The dSS cookie first: inside the configurator it is the owner's live dSS session.
        token = _cookie(request, DSS_COOKIE)
        if token:
            key = "dss:" + digest(token)
            try:
                user = await self._verified_user(key, token)
            except DssUnavailable:
                user = None  # cannot be checked while the dSS is down
            if user:
                return OwnerIdentity(user, token, key, via_session=False)
        cookie = _cookie(request, OWNER_COOKIE)
        if cookie:
            key = "owner:" + digest(cookie)
            session = self.sessions.find(digest(cookie))
            if session is None:
                return None
            try:
                verified = await self._verified_user(key, session.dss_token) is not None
            except DssUnavailable:
                # The add-on's own owner session (opened with the dSS password) stands while
                # the dSS is down, so the tab shows the shares from local data (issue 8).
                log.info("the dSS is not reachable: the owner session is taken as it is")
                verified = not self._is_own(session.dss_token)
            if verified:
                return OwnerIdentity(session.user, session.dss_token, key, via_session=True)
        return None

    def _is_own(self, dss_token: str) -> bool:
        return self._own_session is not None and self._own_session(dss_token)

    async def _verified_user(self, key: str, dss_token: str) -> str | None:
        if self._own_session is not None and self._own_session(dss_token):
            log.warning("a request presented a dSS session of the add-on itself as the owner")
            return None
        hit, user = self._cache.lookup(key)
        if not hit:
            if self._clock.monotonic() < self._dss_down_until:
                raise DssUnavailable("the dSS did not answer a moment ago")
            try:
                user = await self._user_of(dss_token)
            except DssUnavailable:
                # Every page of the tab would wait for it again otherwise (a hung dSS).
                self._dss_down_until = self._clock.monotonic() + DSS_DOWN_MEMO
                raise
            self._cache.store(key, user)
        return user

    async def _user_of(self, dss_token: str) -> str | None:
        """The user of a dSS *user* session; None for no session or an application session."""
        user = await self._dss.logged_in_user(dss_token)
        if user is None:
            return None
        if not await self._dss.is_user_session(dss_token):
            log.info("an application session of the dSS was refused as the owner")
            return None
        return user

    async def login(self, password: str, client: str) -> tuple[OwnerIdentity, str]:
        """Checks the dssadmin password with the dSS; the password is not kept anywhere."""
        if not self._login_limit.allow(rate_key(client)):
            raise NotAuthenticated("Too many attempts. Please wait a minute.")
        if not password or len(password) > MAX_CREDENTIAL_LENGTH:
            raise NotAuthenticated("Wrong password.")
        try:
            dss_token = await self._dss.login(OWNER_USER, password)
        except DssAuthFailed as err:
            raise NotAuthenticated("Wrong password.") from err
        cookie, evicted = self.sessions.open(OWNER_USER, dss_token)
        for old in evicted:
            await self._logout_quietly(old)
        key = "owner:" + digest(cookie)
        self._cache.store(key, OWNER_USER)
        return OwnerIdentity(OWNER_USER, dss_token, key, via_session=True), cookie

    async def logout(self, identity: OwnerIdentity, request: web.Request) -> None:
        """Ends our own owner session and its dSS session; a dSS cookie session stays the
        configurator's to end."""
        self._cache.forget(identity.key)
        cookie = _cookie(request, OWNER_COOKIE)
        if identity.via_session and cookie:
            dss_token = self.sessions.close(digest(cookie))
            if dss_token:
                await self._logout_quietly(dss_token)

    async def close(self) -> None:
        """At shutdown: the owner sessions live in memory only, so their dSS sessions would
        otherwise hold places in the dSS's table until its idle timeout. Best effort, bounded."""
        tokens = self.sessions.close_all()
        if not tokens:
            return
        try:
            async with asyncio.timeout(OWNER_LOGOUT_TIMEOUT):
                await asyncio.gather(*(self._logout_quietly(token) for token in tokens))
        except TimeoutError:
            log.warning("dSS logouts of owner sessions did not finish in time")

    async def _logout_quietly(self, dss_token: str) -> None:
        try:
            await self._dss.logout(dss_token)
        except DssError as err:  # the dSS session times out on its own anyway
            log.info("dSS logout of an owner session failed: %s", err.code)


def _cookie(request: web.Request, name: str) -> str | None:
    value = request.cookies.get(name)
    if not value or len(value) > MAX_CREDENTIAL_LENGTH:
        return None
    return value


def identity_middleware(identifier: Identifier) -> Middleware:
    """Only identifies; the views decide what an anonymous request gets (401 or login page)."""

    @web.middleware
    async def identify(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.path.startswith("/static/"):
            identity = await identifier.identify(request)
            if identity is not None:
                request[OWNER] = identity
        return await handler(request)

    return identify


def current_owner(request: web.Request) -> OwnerIdentity | None:
    return request.get(OWNER)


def require_owner(request: web.Request) -> OwnerIdentity:
    identity = current_owner(request)
    if identity is None:
        raise NotAuthenticated("Log in first, with the password of the dSS (user dssadmin).")
    return identity
