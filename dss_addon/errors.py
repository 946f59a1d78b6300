"""Domain errors. They are raised inside and translated to HTTP in exactly one place
(dss_addon/web/errors.py)."""

from __future__ import annotations


class AddonError(Exception):
    """Base of every error the add-on raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(AddonError):
    """The caller sent something we refuse; nothing was changed. `field` names the culprit."""

    code = "bad_input"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class NotAuthenticated(AddonError):
    code = "not_authenticated"


class CsrfFailed(AddonError):
    code = "csrf"


class AccessDenied(AddonError):
    """The policy said no. `reason` is the policy's reason (safe to show and to audit)."""

    code = "denied"


class ShareNotFound(AddonError):
    """Unknown share id (owner side) or unknown/expired/revoked/used-up secret (share side).

    The share side must answer every one of those cases identically: no oracle."""

    code = "not_found"


class WrongPin(AddonError):
    code = "wrong_pin"

    def __init__(self, message: str, *, tries_left: int) -> None:
        super().__init__(message)
        self.tries_left = tries_left


class ShareLocked(AddonError):
    code = "locked"


class RateLimited(AddonError):
    """Too many requests (or long polls) at once; nothing was forwarded. Retry after
    `retry_after` seconds."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int = 1) -> None:
        super().__init__(message)
        self.retry_after = max(1, retry_after)


class Conflict(AddonError):
    """The request does not fit the current state (unlocking a share that is not locked,
    archiving a live one, answering a request for more time that is not open)."""

    code = "conflict"


class ShareEnded(AddonError):
    """A share session whose share is no longer usable (revoked, expired, ended)."""

    code = "ended"


class StoreError(AddonError):
    code = "store"


class StoreFull(StoreError):
    """The disk (or quota) is full: SQLite answered SQLITE_FULL. Nothing was written."""

    code = "store_full"


class ClockUnsynchronised(AddonError):
    """The wall clock lies before the build date: it was never set (no time server yet).
    New shares and new redemptions wait until it is; nothing was changed."""

    code = "clock_unsynchronised"


class DssError(AddonError):
    code = "dss"


class DssUnavailable(DssError):
    """The dSS did not answer (connection refused, timeout, TLS failure)."""

    code = "dss_unavailable"


class DssRejected(DssError):
    """The dSS answered ok:false. `message` is the dSS's own text; `status` its HTTP status."""

    code = "dss_rejected"

    def __init__(self, message: str, *, status: int = 200) -> None:
        super().__init__(message)
        self.status = status


class DssAuthFailed(DssError):
    """Logging in to the dSS failed (bad password, revoked app token, session limit)."""

    code = "dss_auth_failed"
