"""The notifications' SQL on the Store's connection (see dss_addon/journal/store.py)."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime

from dss_addon.notifications.model import ALL_KINDS, ONCE, Kind, Notification
from dss_addon.shares.model import PIN_MAX_FAILURES
from dss_addon.store import Store
from dss_addon.store.rows import from_ts, to_ts

_COLUMNS = "id, share_id, at, kind, label, detail, read_at"


def _notification(row: sqlite3.Row) -> Notification:
    return Notification(
        id=int(row["id"]),
        share_id=row["share_id"],
        at=from_ts(row["at"]),
        kind=Kind(row["kind"]),
        label=row["label"],
        detail=row["detail"],
        read=row["read_at"] is not None,
    )


class NotificationStore:
    def __init__(self, store: Store) -> None:
        self._store = store

    async def add(
        self, share_id: str, kind: Kind, label: str, detail: str, at: datetime
    ) -> int | None:
        """The new row's id; None when a one-off kind was told for this share already."""
        verb = "INSERT OR IGNORE" if kind in ONCE else "INSERT"
        sql = (
            f"{verb} INTO notifications (share_id, at, kind, label, detail)"
            " VALUES (?, ?, ?, ?, ?) RETURNING id"
        )
        async with self._store._transaction(affects_access=False) as conn:
            async with conn.execute(sql, (share_id, to_ts(at), kind.value, label, detail)) as cur:
                row = await cur.fetchone()
        return None if row is None else int(row[0])

    async def all(self, limit: int = 200) -> list[Notification]:
        sql = f"SELECT {_COLUMNS} FROM notifications ORDER BY id DESC LIMIT ?"  # noqa: S608
        return [_notification(r) for r in await self._store._fetchall(sql, (limit,))]

    async def mark_read(self, notification_id: int, at: datetime) -> bool:
        async with self._store._transaction(affects_access=False) as conn:
            cursor = await conn.execute(
                "UPDATE notifications SET read_at = coalesce(read_at, ?) WHERE id = ?",
                (to_ts(at), notification_id),
            )
            return cursor.rowcount == 1

    async def kinds(self, share_id: str) -> frozenset[Kind]:
        rows = await self._store._fetchall(
            "SELECT kinds FROM notification_prefs WHERE share_id = ?", (share_id,)
        )
        if not rows:
            return ALL_KINDS
        return frozenset(Kind(k) for k in json.loads(rows[0]["kinds"]) if k in set(Kind))

    async def set_kinds(self, share_id: str, kinds: frozenset[Kind]) -> None:
        async with self._store._transaction(affects_access=False) as conn:
            await conn.execute(
                "INSERT INTO notification_prefs (share_id, kinds) VALUES (?, ?)"
                " ON CONFLICT (share_id) DO UPDATE SET kinds = excluded.kinds",
                (share_id, json.dumps(sorted(kinds))),
            )

    async def ending_within(self, now: datetime, seconds: int) -> list[tuple[str, str]]:
        """(id, label) of usable shares that end within `seconds` and were not told yet;
        locked shares are left out (whoever locked it needed only the link)."""
        rows = await self._store._fetchall(
            "SELECT id, label FROM shares WHERE revoked_at IS NULL AND ended_at IS NULL"
            " AND starts_at <= ? AND expires_at > ? AND expires_at <= ?"
            " AND NOT (pin_hash IS NOT NULL AND pin_failures >= ?)"
            " AND id NOT IN (SELECT share_id FROM notifications WHERE kind = 'ending_soon')",
            (to_ts(now), to_ts(now), to_ts(now) + seconds, PIN_MAX_FAILURES),
        )
        return [(row["id"], row["label"]) for row in rows]
