"""Share lifecycle writes (issue 10): re-issue, unlock, archive, the request for more time.

Like every change of a share, each one writes its audit rows in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from dss_addon.shares.audit import AuditEntry
from dss_addon.shares.model import PIN_MAX_FAILURES, ExtensionAnswer, ExtensionRequest, Share
from dss_addon.store import rows
from dss_addon.store.db import Database
from dss_addon.store.rows import bounded, to_ts

# Literal statements: SQL is never built from values (nor from other strings here).
_REVOKE_OLD = (
    "UPDATE shares SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL AND ended_at IS NULL"
)
_UNLOCK = (
    "UPDATE shares SET pin_hash = ?, pin_failures = 0 WHERE id = ? AND pin_hash IS NOT NULL"
    " AND pin_failures >= ? AND revoked_at IS NULL AND ended_at IS NULL AND expires_at > ?"
)
_ARCHIVE = (
    "UPDATE shares SET archived_at = ? WHERE id = ? AND archived_at IS NULL"
    " AND (revoked_at IS NOT NULL OR ended_at IS NOT NULL OR expires_at <= ?)"
)
_REQUEST_EXTENSION = (
    "UPDATE shares SET extension_minutes = ?, extension_message = ?, extension_at = ?,"
    " extension_answer = NULL WHERE id = ? AND revoked_at IS NULL AND ended_at IS NULL"
)
_ANSWER_EXTENSION = (
    "UPDATE shares SET extension_answer = ?, expires_at = coalesce(?, expires_at)"
    " WHERE id = ? AND extension_minutes = ? AND extension_at = ? AND extension_answer IS NULL"
    " AND revoked_at IS NULL AND ended_at IS NULL"
)


async def insert_share_row(
    conn: aiosqlite.Connection,
    share: Share,
    *,
    secret_digest: bytes,
    pin_hash: str | None,
    app_token: bytes | None,
) -> None:
    await conn.execute(
        "INSERT INTO shares (id, label, level, created_at, starts_at, expires_at, zones,"
        " secret_digest, pin_hash, max_redemptions, created_by, app_token, predecessor_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            share.id,
            share.label,
            share.level.value,
            to_ts(share.created_at),
            to_ts(share.starts_at),
            to_ts(share.expires_at),
            rows.zones_json(share.zones),
            secret_digest,
            pin_hash,
            share.max_redemptions,
            share.created_by,
            app_token,
            share.predecessor_id,
        ),
    )


class ShareLifecycle(Database):
    async def reissue(
        self,
        old_id: str,
        share: Share,
        *,
        secret_digest: bytes,
        pin_hash: str | None,
        app_token: bytes | None,
        audit: Sequence[AuditEntry],
    ) -> tuple[Share, Share]:
        """Inserts `share` (its predecessor_id is old_id) and revokes the old share with its
        sessions, all or nothing. The revocation keeps the time of its audit row."""
        revoked_at = to_ts(audit[0].at)
        async with self._transaction() as conn:
            await conn.execute(_REVOKE_OLD, (revoked_at, old_id))
            await conn.execute(
                "UPDATE sessions SET ended_at = ? WHERE share_id = ? AND ended_at IS NULL",
                (revoked_at, old_id),
            )
            await insert_share_row(
                conn, share, secret_digest=secret_digest, pin_hash=pin_hash, app_token=app_token
            )
            await self._insert_audit(conn, [bounded(entry) for entry in audit])
            return await self._share_in(conn, share.id), await self._share_in(conn, old_id)

    async def unlock(self, share_id: str, pin_hash: str, audit: AuditEntry) -> Share | None:
        """A new PIN and no failures; None unless the share is locked (and not over)."""
        params = (pin_hash, share_id, PIN_MAX_FAILURES, to_ts(audit.at))
        return await self._update_one(_UNLOCK, params, share_id, audit)

    async def archive(self, share_id: str, audit: AuditEntry) -> Share | None:
        """None unless the share is over (revoked, ended, expired) and not archived yet."""
        at = to_ts(audit.at)
        return await self._update_one(_ARCHIVE, (at, share_id, at), share_id, audit)

    async def request_extension(
        self, share_id: str, minutes: int, message: str, audit: AuditEntry
    ) -> Share | None:
        """Replaces any earlier request; None when the share is revoked or ended."""
        params = (minutes, message, to_ts(audit.at), share_id)
        return await self._update_one(_REQUEST_EXTENSION, params, share_id, audit)

    async def answer_extension(
        self,
        share_id: str,
        answer: ExtensionAnswer,
        expires_at: datetime | None,
        audit: AuditEntry,
        request: ExtensionRequest,
    ) -> Share | None:
        """None when `request` is no longer the open request (answered, replaced by the
        electrician since it was read, or the share revoked or ended)."""
        end = None if expires_at is None else to_ts(expires_at)
        params = (answer.value, end, share_id, request.minutes, to_ts(request.at))
        return await self._update_one(_ANSWER_EXTENSION, params, share_id, audit)

    async def _update_one(
        self, sql: str, params: tuple[object, ...], share_id: str, audit: AuditEntry
    ) -> Share | None:
        async with self._transaction() as conn:
            cursor = await conn.execute(sql, params)
            if cursor.rowcount != 1:
                return None
            await self._insert_audit(conn, [bounded(audit)])
            return await self._share_in(conn, share_id)
