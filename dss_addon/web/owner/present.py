"""Shares and audit rows as the owner API's JSON (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from dss_addon.shares.audit import AuditEntry
from dss_addon.shares.model import Share, share_state, time_left

JsonObject = dict[str, object]


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def share_json(share: Share, now: datetime, live_sessions: int) -> JsonObject:
    return {
        "id": share.id,
        "label": share.label,
        "level": share.level.value,
        "state": share_state(share, now).value,
        "created_at": iso(share.created_at),
        "starts_at": iso(share.starts_at),
        "expires_at": iso(share.expires_at),
        "zones": list(share.zones),
        "has_pin": share.has_pin,
        "redemptions": share.redemptions,
        "max_redemptions": share.max_redemptions,
        "last_used_at": iso(share.last_used_at),
        "time_left_seconds": int(time_left(share, now).total_seconds()),
        "live_sessions": live_sessions,
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
