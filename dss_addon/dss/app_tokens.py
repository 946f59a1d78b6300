"""One dSS application token per share: issued while the owner is logged in, revoked at the end."""

from __future__ import annotations

import logging

from dss_addon.dss.client import DssClient
from dss_addon.errors import DssError

log = logging.getLogger(__name__)


class DssAppTokens:
    """The AppTokens protocol of the share service, backed by the dSS's own token list (so the
    owner sees every share under "access authorisations" and can revoke it there too)."""

    def __init__(self, client: DssClient) -> None:
        self._client = client

    async def issue(self, name: str, owner_dss_token: str) -> str:
        # requestApplicationToken is refused with a session, so it goes out without a token;
        # the owner's own session then enables it (an application session could not).
        app_token = await self._client.request_app_token(name)
        await self._client.enable_token(app_token, owner_dss_token)
        return app_token

    async def revoke(self, app_token: str) -> None:
        """Log in with the token itself and revoke it. A token already revoked in the dSS fails
        the login with DssAuthFailed, which the caller may treat as done. Outside the session
        budget: the add-on revokes through ShareUpstream.revoke_app_token (runtime.py)."""
        session = await self._client.login_application(app_token)
        try:
            await self._client.revoke_token(app_token, session)
        finally:
            try:
                await self._client.logout(session)
            except DssError as err:
                # Best effort: the dSS sweeps the session after its idle timeout anyway.
                log.info("logout after revoking a dSS app token failed: %s", err.code)
