"""A share's audit chain as JSON that a third party can verify, and back (pure but for
read_chain)."""

from __future__ import annotations

import sqlite3

import aiosqlite

from dss_addon.store.audit_chain import ChainRow, Checkpoint, Head
from dss_addon.store.audit_rows import CHAIN_COLUMNS, SELECT_HEAD, chain_row_from
from dss_addon.store.audit_seal import head_from

JsonObject = dict[str, object]
FORMAT = "dss-share-audit-chain/1"
CHECKPOINT_COLUMNS = "share_id, at, first_id, last_id, count, before, after, mac"
ROW_FIELDS = ("id", "share_id", "at", "event", "call", "allowed", "reason", "client",
              "session_id")


def checkpoint_from(row: sqlite3.Row) -> Checkpoint:
    return Checkpoint(
        row["share_id"], row["at"], row["first_id"], row["last_id"], row["count"],
        bytes(row["before"]), bytes(row["after"]), bytes(row["mac"]),
    )


async def read_chain(
    conn: aiosqlite.Connection, share_id: str
) -> tuple[list[ChainRow], list[Checkpoint], Head | None]:
    # Rows from before the chain existed carry no hash: they are not part of the export.
    sql = (
        f"SELECT {CHAIN_COLUMNS} FROM audit WHERE share_id = ? AND hash IS NOT NULL"  # noqa: S608
        " ORDER BY id"
    )
    async with conn.execute(sql, (share_id,)) as cursor:
        rows = [chain_row_from(row) for row in await cursor.fetchall()]
    sql = f"SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE share_id = ?"  # noqa: S608
    async with conn.execute(sql, (share_id,)) as cursor:
        checkpoints = [checkpoint_from(row) for row in await cursor.fetchall()]
    async with conn.execute(SELECT_HEAD, (share_id,)) as cursor:
        found = await cursor.fetchone()
    return rows, checkpoints, None if found is None else head_from(found)


def _hex(value: bytes | None) -> str | None:
    return None if value is None else value.hex()


def chain_json(
    share_id: str, rows: list[ChainRow], checkpoints: list[Checkpoint], head: Head | None
) -> JsonObject:
    return {
        "format": FORMAT,
        "share_id": share_id,
        "rows": [
            {**{name: getattr(row, name) for name in ROW_FIELDS},
             "prev": _hex(row.prev), "hash": _hex(row.hash)}
            for row in rows
        ],
        "checkpoints": [
            {"at": cp.at, "first_id": cp.first_id, "last_id": cp.last_id, "count": cp.count,
             "before": cp.before.hex(), "after": cp.after.hex(), "mac": cp.mac.hex()}
            for cp in checkpoints
        ],
        "head": None if head is None else {
            "last_id": head.last_id, "hash": head.hash.hex(), "written": head.written,
            "mac": head.mac.hex(),
        },
    }


def _bytes(value: object) -> bytes | None:
    return None if value is None else bytes.fromhex(str(value))


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"not an integer: {value!r}")
    return value


def _obj(value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise ValueError("not an object")
    return value


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise ValueError("not a list")
    return value


def chain_from_json(
    data: object,
) -> tuple[str, list[ChainRow], list[Checkpoint], Head | None]:
    """Raises ValueError for anything that is not an export of this format."""
    doc = _obj(data)
    if doc.get("format") != FORMAT:
        raise ValueError("not an audit chain export")
    share_id = str(doc.get("share_id"))
    rows = []
    for item in map(_obj, _list(doc.get("rows"))):
        allowed = item.get("allowed")
        rows.append(ChainRow(
            id=_int(item["id"]), share_id=str(item["share_id"]), at=_int(item["at"]),
            event=str(item["event"]), call=str(item["call"]),
            allowed=allowed if isinstance(allowed, bool) else None, reason=str(item["reason"]),
            client=str(item["client"]), session_id=str(item["session_id"]),
            prev=_bytes(item.get("prev")), hash=_bytes(item.get("hash")),
        ))
    checkpoints = [
        Checkpoint(share_id, _int(cp["at"]), _int(cp["first_id"]), _int(cp["last_id"]),
                   _int(cp["count"]), bytes.fromhex(str(cp["before"])),
                   bytes.fromhex(str(cp["after"])), bytes.fromhex(str(cp["mac"])))
        for cp in map(_obj, _list(doc.get("checkpoints")))
    ]
    raw_head = doc.get("head")
    head = None
    if raw_head is not None:
        h = _obj(raw_head)
        head = Head(share_id, _int(h["last_id"]), bytes.fromhex(str(h["hash"])),
                    _int(h["written"]), bytes.fromhex(str(h["mac"])))
    return share_id, rows, checkpoints, head
