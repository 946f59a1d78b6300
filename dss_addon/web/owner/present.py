"""Shares and audit rows as the owner API's JSON (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from dss_addon.shares.audit import AuditEntry
from dss_addon.shares.model import (
    OVER_STATES,
    ExtensionRequest,
    Share,
    share_state,
    time_left,
    time_to_start,
)

JsonObject = dict[str, object]


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def extension_request_json(request: ExtensionRequest | None) -> JsonObject | None:
    if request is None:
        return None
    return {"minutes": request.minutes, "message": request.message, "at": iso(request.at)}


def share_json(share: Share, now: datetime, live_sessions: int) -> JsonObject:
    """live_sessions counts only while the share can be used: a session of a share that is
    over is not live, whatever its last request (issue 10, item 10)."""
    state = share_state(share, now)
    return {
        "id": share.id,
        "label": share.label,
        "level": share.level.value,
        "state": state.value,
        "created_at": iso(share.created_at),
        "starts_at": iso(share.starts_at),
        "expires_at": iso(share.expires_at),
        "zones": list(share.zones),
        "has_pin": share.has_pin,
        "redemptions": share.redemptions,
        "max_redemptions": share.max_redemptions,
        "last_used_at": iso(share.last_used_at),
        "time_left_seconds": int(time_left(share, now).total_seconds()),
        "starts_in_seconds": int(time_to_start(share, now).total_seconds()),
        "live_sessions": 0 if state in OVER_STATES else live_sessions,
        "archived_at": iso(share.archived_at),
        "predecessor_id": share.predecessor_id,
        # Only an open request: an answered one is history (the audit keeps it).
        "extension_request": extension_request_json(share.pending_extension),
    }


def audit_json(entry: AuditEntry) -> JsonObject:
    return {
        "id": entry.id,
        "at": iso(entry.at),
        "event": entry.event,
        "call": entry.call,
        "allowed": entry.allowed,
        "reason": entry.reason,
        "client": entry.client,
        "session_id": entry.session_id,
    }
