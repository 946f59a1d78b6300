"""The dSS JSON API client: every request goes through DssClient._request."""

from __future__ import annotations

import html
import logging
import secrets
import ssl as ssl_module
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote

import aiohttp
from yarl import URL

from dss_addon.clock import Clock
from dss_addon.dss.envelope import unwrap
from dss_addon.dss.structure import parse_structure, zone_display_names
from dss_addon.errors import BadInput, DssAuthFailed, DssRejected, DssUnavailable
from dss_addon.policy.grammar import form_body
from dss_addon.policy.model import Topology

log = logging.getLogger(__name__)

AUTH_FAILED = "Authentication failed"
APP_AUTH_FAILED = "Application-Authentication failed"
UNKNOWN_TOKEN = "Unknown token"  # noqa: S105  # a dSS error message, not a credential
NODE_NOT_FOUND = "Could not find node named"
APP_TOKENS_ENABLED = "/system/security/applicationTokens/enabled"
# The dSS reads at most 16 KiB of a POST body, in one read (dss-api.md §1.3). A longer body is
# cut off silently, and with it the parameters at its end: never send one.
BODY_LIMIT = 16 * 1024
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


# Seconds a login may take before the add-on stops waiting for its answer. Longer than an
# ordinary call: a login the dSS completes after the add-on hung up leaves a session the add-on
# never learns of (ShareUpstream keeps waiting for it even when its callers have given up).
LOGIN_TIMEOUT = 30.0
SESSION_TIMEOUT = "/config/subsystems/WebServer/sessionTimeoutMinutes"


class BodyTooLarge(BadInput):
    """The encoded parameters would exceed what the dSS reads (nothing was sent)."""


class DssNotReached(DssUnavailable):
    """No connection to the dSS: the request was never sent, so it did nothing there."""


@dataclass(frozen=True, slots=True)
class RawReply:
    """A dSS answer exactly as received (for the proxy)."""

    status: int
    body: bytes
    content_type: str


def _field(result: object, key: str) -> str:
    value = result.get(key) if isinstance(result, Mapping) else None
    if not isinstance(value, str) or not value:
        raise DssRejected(f"malformed answer: no {key}")
    return value


def _check_path(klass: str, method: str) -> None:
    # The dSS's web server removes dot segments before routing, so "x/../../browse" would
    # leave /json; refuse them (and empty segments) whatever the caller decided.
    segments = [klass, *method.split("/")]
    if any(segment in {"", ".", ".."} for segment in segments):
        raise BadInput("not a dSS JSON call", field="path")


class DssClient:
    """Typed calls over one `_request`. The token always travels as the `token` parameter:
    the HTTP session must have no cookie jar (a stale `token` cookie would win over it)."""

    def __init__(
        self,
        http: aiohttp.ClientSession,
        base_url: str,
        clock: Clock,
        *,
        timeout: float = 10.0,
        login_timeout: float = LOGIN_TIMEOUT,
        ssl: ssl_module.SSLContext | bool | None = None,
    ) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._clock = clock
        self._timeout = timeout
        self._login_timeout = max(timeout, login_timeout)
        # aiohttp deprecates ssl=None; None here means "default verification".
        self._ssl: ssl_module.SSLContext | bool = True if ssl is None else ssl

    @property
    def timeout(self) -> float:
        """Seconds an ordinary call waits for the dSS."""
        return self._timeout

    @property
    def login_timeout(self) -> float:
        """Seconds `login_application` waits for the dSS (at least `timeout`)."""
        return self._login_timeout

    async def _request(
        self,
        klass: str,
        method: str,
        params: Mapping[str, str],
        token: str | None = None,
        *,
        timeout: float | None = None,  # noqa: ASYNC109  # becomes the ClientTimeout of the one request
    ) -> RawReply:
        _check_path(klass, method)
        query = {k: v for k, v in params.items() if k != "token"}
        if token:
            # First: whatever happened to the end of the body, the dSS sees the session (an
            # unauthenticated call would look like a dead session to ShareUpstream).
            query = {"token": token, **query}
        path = f"/json/{quote(klass, safe='')}/{quote(method, safe='/')}"
        url = URL(f"{self._base}{path}", encoded=True)
        # Parameters travel as a form body (the dSS reads a non-empty POST body instead of the
        # query string), so passwords and session tokens never appear in a URL or access log.
        # One serialiser for every call (grammar.form_body): %XX for everything outside the
        # unreserved set, %20 for a space, so the dSS's lenient urlDecode has one reading.
        body = form_body(query).encode("ascii")
        if len(body) > BODY_LIMIT:
            # Percent-encoding may triple a body that was under the limit when it came in.
            raise BodyTooLarge("The request is too large for the dSS.", field="body")
        limit = aiohttp.ClientTimeout(total=self._timeout if timeout is None else timeout)
        started = self._clock.monotonic()
        try:
            async with self._http.post(
                url,
                data=body,
                headers=_FORM,
                timeout=limit,
                ssl=self._ssl,
                allow_redirects=False,
            ) as resp:
                answer = await resp.read()
                reply = RawReply(resp.status, answer, resp.headers.get("Content-Type", ""))
        except aiohttp.ClientConnectorError as err:
            log.warning("dSS %s/%s failed: %s", klass, method, type(err).__name__)
            raise DssNotReached(f"the dSS did not answer ({type(err).__name__})") from None
        except (TimeoutError, aiohttp.ClientError) as err:
            log.warning("dSS %s/%s failed: %s", klass, method, type(err).__name__)
            # `from None`: aiohttp's error texts may contain the request URL, and with it the
            # session token; the cause must not reach a log.
            raise DssUnavailable(f"the dSS did not answer ({type(err).__name__})") from None
        log.debug(
            "dSS %s/%s -> %d in %.3f s",
            klass,
            method,
            reply.status,
            self._clock.monotonic() - started,
        )
        return reply

    async def _result(
        self,
        klass: str,
        method: str,
        params: Mapping[str, str],
        token: str | None = None,
        *,
        timeout: float | None = None,  # noqa: ASYNC109  # becomes the ClientTimeout of the one request
    ) -> object:
        reply = await self._request(klass, method, params, token, timeout=timeout)
        return unwrap(reply.status, reply.body)

    async def call(
        self,
        klass: str,
        method: str,
        params: Mapping[str, str],
        token: str,
        *,
        timeout: float | None = None,  # noqa: ASYNC109  # becomes the ClientTimeout of the one request
    ) -> RawReply:
        """Forward one call and return the dSS answer unchanged (any status, any envelope)."""
        return await self._request(klass, method, params, token, timeout=timeout)

    async def login(self, user: str, password: str) -> str:
        try:
            result = await self._result("system", "login", {"user": user, "password": password})
        except DssRejected as err:
            if err.message == AUTH_FAILED:
                raise DssAuthFailed("the dSS refused the user name or password") from err
            raise
        return _field(result, "token")

    async def logout(self, token: str) -> None:
        await self._result("system", "logout", {}, token)

    async def logged_in_user(self, token: str) -> str | None:
        result = await self._result("system", "loggedInUser", {}, token)
        name = result.get("name") if isinstance(result, Mapping) else None
        return name if isinstance(name, str) and name else None

    async def is_user_session(self, token: str) -> bool:
        """True only for a live *user* session (system/login), False for an application
        session (loginApplication: a share's own, or another integration's) or no session.

        loggedInUser names the bound user for both kinds; enableToken tells them apart, its
        checks running in this order (dss-api.md §2.3): no session -> `Must be logged-in`,
        application session -> `Please let the user validate your tokens`, then the token
        look-up -> `Unknown token`. The probe is a fresh random token, never pending, so
        nothing is ever enabled; anything but `Unknown token` (even success) means no."""
        probe = secrets.token_hex(32)
        try:
            await self._result("system", "enableToken", {"applicationToken": probe}, token)
        except DssRejected as err:
            return err.status == 200 and err.message == UNKNOWN_TOKEN
        log.warning("the dSS enabled a random application token; session not trusted")
        return False

    async def app_token_enabled(self, app_token: str, token: str) -> bool:
        """Whether the dSS's own token list still holds `app_token` as enabled (the owner may
        revoke it there). Read with a session of the add-on; DssRejected if the dSS answers
        anything but the value or `Could not find node` (403 `not logged in` included)."""
        if not app_token.isalnum():
            raise BadInput("not an application token", field="applicationToken")
        path = f"{APP_TOKENS_ENABLED}/{app_token}/token"
        try:
            result = await self._result("property", "getString", {"path": path}, token)
        except DssRejected as err:
            if err.status == 200 and err.message.startswith(NODE_NOT_FOUND):
                return False
            raise
        value = result.get("value") if isinstance(result, Mapping) else None
        if not isinstance(value, str):
            raise DssRejected("malformed answer: no value")
        return True  # the node exists: the token is still enabled

    async def request_app_token(self, name: str) -> str:
        """Must be called without a session (the dSS refuses logged-in requests)."""
        result = await self._result("system", "requestApplicationToken", {"applicationName": name})
        return _field(result, "applicationToken")

    async def enable_token(self, app_token: str, user_token: str) -> None:
        await self._result("system", "enableToken", {"applicationToken": app_token}, user_token)

    async def login_application(self, app_token: str) -> str:
        """A new application session (waits up to `login_timeout`)."""
        try:
            result = await self._result(
                "system",
                "loginApplication",
                {"loginToken": app_token},
                timeout=self._login_timeout,
            )
        except DssRejected as err:
            if err.message == APP_AUTH_FAILED:
                # Unknown, pending or revoked token, or the dSS's session limit.
                raise DssAuthFailed("the dSS refused the application token") from err
            raise
        return _field(result, "token")

    async def session_timeout(self, token: str) -> float:
        """The dSS's idle timeout for sessions, in seconds (webserver.cpp reads
        /config/subsystems/WebServer/sessionTimeoutMinutes once at start-up)."""
        result = await self._result("property", "getInteger", {"path": SESSION_TIMEOUT}, token)
        value = result.get("value") if isinstance(result, Mapping) else None
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise DssRejected("malformed answer: no session timeout")
        return value * 60.0

    async def revoke_token(self, app_token: str, token: str) -> None:
        await self._result("system", "revokeToken", {"applicationToken": app_token}, token)

    async def structure(self, token: str) -> Topology:
        """Names as the dSS stores and matches them (HTML-escaped): for the policy."""
        return parse_structure(await self._result("apartment", "getStructure", {}, token))

    async def zone_names(self, token: str) -> dict[int, str]:
        """Zone id -> name as displayed (unescaped): for pages, never for the policy."""
        return zone_display_names(await self.structure(token))

    async def enabled_app_tokens(self, token: str) -> frozenset[str]:
        """The dSS's list of enabled application tokens. Needs a user session: shares never
        reach /system/security, the add-on reads it with the homeowner's session."""
        query = {"query": "/system/security/applicationTokens/enabled/*(token)"}
        result = await self._result("property", "query", query, token)
        entries = result.get("enabled", []) if isinstance(result, Mapping) else None
        if not isinstance(entries, list):
            raise DssRejected("malformed answer: no token list")
        tokens = (e.get("token") for e in entries if isinstance(e, Mapping))
        return frozenset(t for t in tokens if isinstance(t, str))

    async def system_time(self) -> Mapping[str, object]:
        """`system/time` (needs no session): the dSS's clock and its time zone."""
        result = await self._result("system", "time", {})
        if not isinstance(result, Mapping):
            raise DssRejected("malformed answer: no time")
        return result

    async def apartment_name(self, token: str) -> str:
        result = await self._result("apartment", "getName", {}, token)
        name = result.get("name") if isinstance(result, Mapping) else None
        if not isinstance(name, str):
            raise DssRejected("malformed answer: no name")
        return html.unescape(name)  # stored HTML-escaped by apartment/setName
