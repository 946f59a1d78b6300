"""The journal's SQL, run on the Store's one connection and inside its transactions, so a
change row is written together with the audit rows buffered before it (the call's own row)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from dss_addon.journal.values import Change
from dss_addon.shares.audit import AuditEntry
from dss_addon.store import Store
from dss_addon.store.rows import bounded, from_ts, from_ts_opt, to_ts

_COLUMNS = (
    "id, share_id, session_id, actor, at, call, target, names, params, before, after,"
    " restorable, applied, undone_at, undo_of"
)
_INSERT = (
    "INSERT INTO changes (share_id, session_id, actor, at, call, target, names, params, before,"
    " after, restorable, undo_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
)


@dataclass(frozen=True, slots=True)
class NewChange:
    share_id: str
    session_id: str
    actor: str
    at: datetime
    call: str
    target: dict[str, str]
    names: dict[str, str]
    params: dict[str, str]
    before: str | None
    after: str | None
    undo_of: int | None = None

    @property
    def restorable(self) -> bool:
        return self.before is not None and self.after is not None


def _change(row: sqlite3.Row) -> Change:
    return Change(
        id=int(row["id"]),
        share_id=row["share_id"],
        session_id=row["session_id"],
        actor=row["actor"],
        at=from_ts(row["at"]),
        call=row["call"],
        target=json.loads(row["target"]),
        names=json.loads(row["names"]),
        params=json.loads(row["params"]),
        before=None if row["before"] is None else json.loads(row["before"]),
        after=None if row["after"] is None else json.loads(row["after"]),
        restorable=bool(row["restorable"]),
        applied=bool(row["applied"]),
        undone_at=from_ts_opt(row["undone_at"]),
        undo_of=row["undo_of"],
    )


def _params(new: NewChange) -> tuple[object, ...]:
    restorable = new.restorable
    return (
        new.share_id,
        new.session_id,
        new.actor,
        to_ts(new.at),
        new.call,
        json.dumps(new.target, sort_keys=True),
        json.dumps(new.names, sort_keys=True),
        json.dumps(new.params, sort_keys=True),
        None if new.before is None else json.dumps(new.before),
        None if new.after is None else json.dumps(new.after),
        int(restorable),
        new.undo_of,
    )


class JournalStore:
    # The Store keeps its transaction and look-up helpers protected; the journal is a part of
    # the store that lives next to its feature, so it uses them directly.
    def __init__(self, store: Store) -> None:
        self._store = store

    async def record(self, new: NewChange) -> int:
        """Written in one transaction with every audit row buffered so far (the call's row)."""
        async with self._store._transaction(affects_access=False) as conn:
            async with conn.execute(_INSERT, _params(new)) as cursor:
                row = await cursor.fetchone()
        assert row is not None
        return int(row[0])

    async def refused(self, change_id: int) -> None:
        """The dSS did not apply the call: nothing to undo."""
        async with self._store._transaction(affects_access=False) as conn:
            await conn.execute("UPDATE changes SET applied = 0 WHERE id = ?", (change_id,))

    async def changes(self, share_id: str) -> list[Change]:
        sql = f"SELECT {_COLUMNS} FROM changes WHERE share_id = ? ORDER BY id"  # noqa: S608
        return [_change(row) for row in await self._store._fetchall(sql, (share_id,))]

    async def undone(
        self,
        undone: Sequence[int],
        rows: Sequence[NewChange],
        audit: Sequence[AuditEntry],
        at: datetime,
    ) -> None:
        """Marks changes undone and records the undo rows and their audit rows, together."""
        async with self._store._transaction(affects_access=False) as conn:
            await conn.executemany(
                "UPDATE changes SET undone_at = ? WHERE id = ? AND undone_at IS NULL",
                [(to_ts(at), change_id) for change_id in undone],
            )
            for new in rows:
                await conn.execute(_INSERT, _params(new))
            await self._store._insert_audit(conn, [bounded(entry) for entry in audit])
