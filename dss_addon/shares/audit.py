"""Audit trail entries of a share: who opened it, every dSS call, every denial."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from urllib.parse import urlencode

from dss_addon.policy.model import DssCall, Target


class AuditEvent(StrEnum):
    CREATED = "created"
    OPENED = "opened"  # a redemption succeeded
    PIN_FAILED = "pin_failed"
    LOCKED = "locked"
    REDEEM_REFUSED = "redeem_refused"
    CALL = "call"  # a proxied dSS call the policy allowed
    DENIED = "denied"
    REVOKED = "revoked"
    EXTENDED = "extended"
    ENDED = "ended"  # "job done" by the helper
    SESSION_EXPIRED = "session_expired"
    APP_TOKEN_REVOKE_FAILED = "app_token_revoke_failed"  # noqa: S105 -- an event name
    RATE_LIMITED = "rate_limited"  # once per throttled burst, not per refused request
    UNLOCKED = "unlocked"  # a locked share got a new PIN from the owner
    REISSUED = "reissued"  # the owner replaced the share by a new one with a new link
    ARCHIVED = "archived"
    EXTENSION_REQUESTED = "extension_requested"  # the electrician asks for more time
    EXTENSION_DECLINED = "extension_declined"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """Never holds a secret, PIN, cookie or token: callers pass ids, calls and reasons only."""

    share_id: str
    at: datetime
    event: str
    call: str = ""
    allowed: bool | None = None
    reason: str = ""
    client: str = ""
    session_id: str = ""
    id: int | None = None  # the row's number once stored (the audit chain's and pages' key)


# The parameters that say what a call acted on (the owner's audit shows their names). Nothing
# else of a call is kept: no value that could be a secret or personal text reaches a row.
TARGET_PARAMS = ("id", "zoneID", "dsuid", "dsid", "deviceID", "groupID", "sceneNumber", "sceneID")


def audit_call(call: DssCall) -> str:
    """`zone/callScene?id=3&sceneNumber=5`: the canonical values the policy decided on."""
    if call.target is not Target.JSON:
        return call.path
    what = f"{call.klass}/{call.method}"
    shown = [(name, call.params[name]) for name in TARGET_PARAMS if name in call.params]
    return f"{what}?{urlencode(shown)}" if shown else what
