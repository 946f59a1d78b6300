"""How the add-on learns that a share's app token was revoked, and ends its session.

Revoked through the add-on (`close_app_token`): the token's digest is remembered, so a login
answered for it afterwards is logged out at once. Revoked in the dSS's own token list (which
keeps the token's sessions alive): before a call, a session whose token was last confirmed more
than `token_check` seconds ago reads `/system/security/applicationTokens/enabled/<token>/token`
with that very session; a missing node ends the share (see upstream.py for why)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable

from dss_addon.clock import Clock
from dss_addon.dss.client import DssClient
from dss_addon.dss.envelope import NOT_LOGGED_IN
from dss_addon.dss.session_table import SessionTable
from dss_addon.dss.share_session import ShareSession, Stale
from dss_addon.errors import DssRejected, ShareEnded

log = logging.getLogger(__name__)

TokenRevoked = Callable[[str], Awaitable[None]]

TOKEN_CHECK = 10.0  # seconds a confirmation that the share's app token is enabled stays valid
CLOSED_TOKENS_KEPT = 1024  # digests of closed app tokens remembered against late logins


def token_digest(app_token: str) -> str:
    return hashlib.sha256(app_token.encode("utf-8")).hexdigest()


def check_due(verified_at: float, now: float, token_check: float) -> bool:
    """Whether a token confirmed as enabled at `verified_at` must be checked again at `now`."""
    return now - verified_at >= token_check


class ClosedTokens:
    """The digests of the app tokens closed here, the newest `kept` of them."""

    def __init__(self, kept: int = CLOSED_TOKENS_KEPT) -> None:
        self._kept = kept
        self._digests: dict[str, None] = {}  # oldest first

    def add(self, app_token: str) -> str:
        """Remember `app_token` as closed (forgetting the oldest beyond `kept`); its digest."""
        digest = token_digest(app_token)
        self._digests[digest] = None
        while len(self._digests) > self._kept:
            del self._digests[next(iter(self._digests))]
        return digest

    def __contains__(self, app_token: object) -> bool:
        return isinstance(app_token, str) and token_digest(app_token) in self._digests


class TokenCheck:
    """Ends the share of a session whose app token the dSS no longer lists."""

    def __init__(
        self,
        client: DssClient,
        clock: Clock,
        table: SessionTable,
        *,
        token_check: float,
        on_token_revoked: TokenRevoked | None,
    ) -> None:
        self._client = client
        self._clock = clock
        self._table = table
        self._token_check = token_check
        self._on_token_revoked = on_token_revoked

    async def verify(self, session: ShareSession) -> None:
        if not check_due(session.verified_at, self._clock.monotonic(), self._token_check):
            return
        async with session.verify_lock:  # one check for concurrent calls of a share
            if session.revoked:  # found by a concurrent call while this one waited
                raise ShareEnded("This share has ended.")
            checked_at = self._clock.monotonic()
            if not check_due(session.verified_at, checked_at, self._token_check):
                return
            if not self._table.is_current(session):
                raise Stale(presented=False)  # logged out meanwhile: use a fresh one
            try:
                enabled = await self._client.app_token_enabled(session.app_token, session.token)
            except DssRejected as err:
                if err.status == 403 and err.message == NOT_LOGGED_IN:
                    raise Stale from err
                raise
            if enabled:
                session.verified_at = checked_at
                return
            session.revoked = True
        log.warning("the app token of share %s was revoked in the dSS: ending it", session.share_id)
        await self._table.logout(session)
        if self._on_token_revoked is not None:
            try:
                await self._on_token_revoked(session.share_id)
            except Exception:
                log.exception(
                    "revoking share %s after its app token was revoked failed", session.share_id
                )
        raise ShareEnded("This share has ended.")
