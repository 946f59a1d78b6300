"""Audit trail entries of a share: who opened it, every dSS call, every denial."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypedDict
from urllib.parse import urlencode

from dss_addon.policy.model import DssCall, Target, Topology
from dss_addon.policy.params import resolve_device, resolve_zone


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


class AuditDetails(TypedDict, total=False):
    """What an audit row says besides its share, time and event (AuditEntry's other fields)."""

    call: str
    allowed: bool | None
    reason: str
    client: str
    session_id: str


# The parameters that say what a call acted on (the owner's audit shows their names). Nothing
# else of a call is kept: no value that could be a secret or personal text reaches a row.
TARGET_PARAMS = ("id", "zoneID", "dsuid", "dsid", "deviceID", "groupID", "sceneNumber", "sceneID")
# Names that address a target as well, kept per class: a zone's group by name, a property
# call's node, and the event event/raise raises. A property path is kept whole (the grammar
# bounds it to PATH_LENGTH); another value longer than NAMED_LENGTH is cut to that and ends
# in CUT, so the owner never reads a shortened name as another target.
NAMED_PARAMS: dict[str, tuple[str, ...]] = {
    "zone": ("groupName",),
    "apartment": ("groupName",),
    "property": ("path",),
    "event": ("name",),
}
NAMED_LENGTH = 80
PATH_LENGTH = 256
CUT = "…"


def named_value(name: str, value: str) -> str:
    """The value of a named parameter as the audit records it."""
    limit = PATH_LENGTH if name == "path" else NAMED_LENGTH
    return value if len(value) <= limit else value[:limit] + CUT


def audit_call(call: DssCall, topology: Topology | None = None) -> str:
    """`zone/callScene?id=3&sceneNumber=5`: the canonical values the policy decided on. A zone
    or device addressed by name (or a device by dSID) is shown with the zone id or dSUID the
    policy resolved it to from `topology`, so the owner sees what the call acted on."""
    if call.target is not Target.JSON:
        return call.path
    what = f"{call.klass}/{call.method}"
    params = call.params
    resolved = _resolved(call, topology)
    # A device by dSID is shown by the dSUID it resolved to (one device, one spelling).
    hidden = {"dsid"} if resolved and call.klass == "device" else set()
    shown = [(n, params[n]) for n in TARGET_PARAMS if n in params and n not in hidden]
    shown += resolved
    named = NAMED_PARAMS.get(call.klass, ())
    if call.klass == "event" and call.method != "raise":
        named = ()
    shown += [(name, named_value(name, params[name])) for name in named if params.get(name)]
    return f"{what}?{urlencode(shown)}" if shown else what


def _resolved(call: DssCall, topology: Topology | None) -> list[tuple[str, str]]:
    if topology is None:
        return []
    if call.klass == "device" and "dsuid" not in call.params:
        device = resolve_device(call.params, topology)
        return [] if isinstance(device, str) else [("dsuid", device.dsuid)]
    if call.klass == "zone" and "id" not in call.params:
        zone = resolve_zone(call.params, topology)
        return [] if isinstance(zone, str) else [("id", str(zone))]
    return []
