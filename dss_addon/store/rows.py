"""Conversions between stored rows and the domain dataclasses (pure)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime

from dss_addon.shares.audit import AuditEntry
from dss_addon.shares.model import (
    ExtensionAnswer,
    ExtensionRequest,
    Level,
    Share,
    ShareSession,
)

SHARE_COLUMNS = (
    "id, label, level, created_at, starts_at, expires_at, zones, pin_hash, max_redemptions,"
    " redemptions, pin_failures, revoked_at, ended_at, last_used_at, created_by, archived_at,"
    " extension_minutes, extension_message, extension_at, extension_answer, predecessor_id"
)
SESSION_COLUMNS = "id, share_id, created_at, last_seen_at, client, ended_at"
AUDIT_COLUMNS = "share_id, at, event, call, allowed, reason, client, session_id"
AUDIT_TEXT_MAX = 500  # bounds a row whatever a caller passes as call or reason


def bounded(entry: AuditEntry) -> AuditEntry:
    return replace(entry, call=entry.call[:AUDIT_TEXT_MAX], reason=entry.reason[:AUDIT_TEXT_MAX])


def to_ts(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("naive datetimes are not stored")
    return int(moment.timestamp())


def to_ts_opt(moment: datetime | None) -> int | None:
    return None if moment is None else to_ts(moment)


def from_ts(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


def from_ts_opt(value: int | None) -> datetime | None:
    return None if value is None else from_ts(value)


def zones_json(zones: tuple[int, ...]) -> str:
    return json.dumps(list(zones))


def share_from_row(row: sqlite3.Row) -> Share:
    return Share(
        id=row["id"],
        label=row["label"],
        level=Level(row["level"]),
        created_at=from_ts(row["created_at"]),
        starts_at=from_ts(row["starts_at"]),
        expires_at=from_ts(row["expires_at"]),
        zones=tuple(int(zone) for zone in json.loads(row["zones"])),
        has_pin=row["pin_hash"] is not None,
        max_redemptions=row["max_redemptions"],
        redemptions=row["redemptions"],
        pin_failures=row["pin_failures"],
        revoked_at=from_ts_opt(row["revoked_at"]),
        ended_at=from_ts_opt(row["ended_at"]),
        last_used_at=from_ts_opt(row["last_used_at"]),
        created_by=row["created_by"],
        archived_at=from_ts_opt(row["archived_at"]),
        extension_request=extension_from_row(row),
        predecessor_id=row["predecessor_id"],
    )


def extension_from_row(row: sqlite3.Row) -> ExtensionRequest | None:
    if row["extension_minutes"] is None:
        return None
    answer = row["extension_answer"]
    return ExtensionRequest(
        minutes=row["extension_minutes"],
        message=row["extension_message"] or "",
        at=from_ts(row["extension_at"]),
        answer=None if answer is None else ExtensionAnswer(answer),
    )


def session_from_row(row: sqlite3.Row) -> ShareSession:
    return ShareSession(
        id=row["id"],
        share_id=row["share_id"],
        created_at=from_ts(row["created_at"]),
        last_seen_at=from_ts(row["last_seen_at"]),
        client=row["client"],
        ended_at=from_ts_opt(row["ended_at"]),
    )


def _row_id(row: sqlite3.Row) -> int | None:
    try:
        return int(row["id"])
    except IndexError:  # selected without its id
        return None


def audit_from_row(row: sqlite3.Row) -> AuditEntry:
    allowed = row["allowed"]
    return AuditEntry(
        share_id=row["share_id"],
        at=from_ts(row["at"]),
        event=row["event"],
        call=row["call"],
        allowed=None if allowed is None else bool(allowed),
        reason=row["reason"],
        client=row["client"],
        session_id=row["session_id"],
        id=_row_id(row),
    )
