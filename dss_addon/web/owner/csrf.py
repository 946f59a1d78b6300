"""CSRF tokens for the owner site: an HMAC of the owner's credential digest with a key that
lives only in this process (a restart invalidates open forms, which is fine)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from dss_addon.errors import CsrfFailed

CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf"
_LOGIN_FORM = "login-form"  # the password form has no identity yet; SOP still hides the value


class CsrfGuard:
    def __init__(self, key: bytes | None = None) -> None:
        self._key = key or secrets.token_bytes(32)

    def token_for(self, identity_key: str) -> str:
        return hmac.new(self._key, b"csrf\0" + identity_key.encode(), hashlib.sha256).hexdigest()

    def login_token(self) -> str:
        return self.token_for(_LOGIN_FORM)

    def check(self, identity_key: str, presented: object) -> None:
        if not isinstance(presented, str) or not hmac.compare_digest(
            presented.encode(), self.token_for(identity_key).encode()
        ):
            raise CsrfFailed("Missing or wrong CSRF token.")

    def check_login(self, presented: object) -> None:
        self.check(_LOGIN_FORM, presented)
