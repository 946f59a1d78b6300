"""What retention may seal: before a checkpoint's MAC vouches for removed rows, every one of
them is checked against the chain around it (docs/audit.md). Without this, retention would
sign whatever prev/hash a row carries, and anyone able to write the file could have an edited
or forged row removed under a valid checkpoint."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence

import aiosqlite

from dss_addon.store.audit_chain import (
    GENESIS,
    Checkpoint,
    head_holds,
    verify_span,
)
from dss_addon.store.audit_export import CHECKPOINT_COLUMNS, checkpoint_from
from dss_addon.store.audit_rows import CHAIN_COLUMNS, SELECT_HEAD, chain_row_from
from dss_addon.store.audit_seal import head_from

log = logging.getLogger(__name__)

_BEFORE_ROW = (
    "SELECT id, hash FROM audit WHERE share_id = ? AND id < ? AND hash IS NOT NULL"
    " ORDER BY id DESC LIMIT 1"
)
_BEFORE_CHECKPOINT = (
    f"SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints"  # noqa: S608
    " WHERE share_id = ? AND last_id < ? ORDER BY last_id DESC LIMIT 1"
)
_SPAN = (
    f"SELECT {CHAIN_COLUMNS} FROM audit WHERE share_id = ? AND id >= ?"  # noqa: S608
    " AND id <= ? AND hash IS NOT NULL ORDER BY id"
)
_NEXT = (
    f"SELECT {CHAIN_COLUMNS} FROM audit WHERE share_id = ? AND id > ?"  # noqa: S608
    " AND hash IS NOT NULL ORDER BY id LIMIT 1"
)
_CHECKPOINTS_IN = (
    f"SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints"  # noqa: S608
    " WHERE share_id = ? AND first_id > ? AND first_id <= ?"
)


async def _all(
    conn: aiosqlite.Connection, sql: str, params: tuple[object, ...]
) -> list[sqlite3.Row]:
    async with conn.execute(sql, params) as cursor:
        return list(await cursor.fetchall())


async def sealable(
    conn: aiosqlite.Connection, key: bytes, found: Sequence[sqlite3.Row],
) -> list[sqlite3.Row]:
    """The candidates retention may remove: rows from before the chain (up to the legacy
    marker), and chained rows of shares whose chain holds from the row or checkpoint before
    them, through them, to the row after them or the sealed head. The rest stays."""
    marker = await _all(conn, "SELECT through FROM audit_legacy WHERE id = 1", ())
    through = int(marker[0][0]) if marker else 0
    keep: list[sqlite3.Row] = []
    chained: dict[str, list[sqlite3.Row]] = {}
    for row in found:
        if row["hash"] is not None:
            chained.setdefault(row["share_id"], []).append(row)
        elif row["id"] <= through:
            keep.append(row)
        else:
            log.error("audit retention leaves row %d: it carries no chain hash", row["id"])
    for share_id, rows in chained.items():
        problem = await _problem(conn, key, share_id, sorted(r["id"] for r in rows))
        if problem is None:
            keep.extend(rows)
        else:
            log.error("audit retention leaves the rows of share %s and seals nothing: %s",
                      share_id, problem)
    return keep


async def _start(
    conn: aiosqlite.Connection, key: bytes, share_id: str, first: int
) -> tuple[tuple[int, bytes], str | None]:
    """What the first candidate follows: the share's row or checkpoint before it."""
    row = await _all(conn, _BEFORE_ROW, (share_id, first))
    cps = await _all(conn, _BEFORE_CHECKPOINT, (share_id, first))
    cp = checkpoint_from(cps[0]) if cps else None
    if cp is not None and (not row or cp.last_id > row[0]["id"]):
        return _checkpoint_start(key, share_id, cp)
    if row:
        return (row[0]["id"], bytes(row[0]["hash"])), None
    return (0, GENESIS), None


def _checkpoint_start(
    key: bytes, share_id: str, cp: Checkpoint
) -> tuple[tuple[int, bytes], str | None]:
    # Only its MAC is checked here (it may be extended, and must not be resealed if forged).
    _, broken = verify_span(share_id, (cp.first_id - 1, cp.before), [], [cp], key)
    return (cp.last_id, cp.after), None if broken is None else broken.message


async def _problem(
    conn: aiosqlite.Connection, key: bytes, share_id: str, ids: list[int]
) -> str | None:
    start, problem = await _start(conn, key, share_id, ids[0])
    if problem is not None:
        return problem
    span = await _all(conn, _SPAN, (share_id, ids[0], ids[-1]))
    after = await _all(conn, _NEXT, (share_id, ids[-1]))
    end = after[0]["id"] if after else 1 << 62
    checkpoints = await _all(conn, _CHECKPOINTS_IN, (share_id, start[0], end))
    rows = [chain_row_from(row) for row in span + after]
    digest, broken = verify_span(
        share_id, start, rows, [checkpoint_from(cp) for cp in checkpoints], key
    )
    if broken is not None:
        return broken.message
    head = await _all(conn, SELECT_HEAD, (share_id,))
    if not after and not head_holds(head_from(head[0]) if head else None, digest, key):
        return "the rows do not end at the chain's sealed head"
    return None
