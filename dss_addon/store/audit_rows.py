"""Writing chained audit rows inside a caller's transaction, and reading them back in pages.

append_audit() is the one way a row gets into the audit table: any module that records a
change (the change journal, say) calls it with the connection of its own transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import aiosqlite

from dss_addon.shares.audit import AuditEntry
from dss_addon.store.audit_chain import GENESIS, ChainRow, Head, head_mac, row_hash
from dss_addon.store.audit_seal import head_from, renew_for_heads
from dss_addon.store.rows import AUDIT_COLUMNS, audit_from_row, to_ts

CHAIN_COLUMNS = f"id, {AUDIT_COLUMNS}, prev, hash"
INSERT_CHAINED = (
    f"INSERT INTO audit ({CHAIN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"  # noqa: S608
)
SELECT_HEAD = "SELECT share_id, last_id, hash, written, mac FROM audit_heads WHERE share_id = ?"
UPSERT_HEAD = (
    "INSERT INTO audit_heads (share_id, last_id, hash, written, mac) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (share_id) DO UPDATE SET last_id = excluded.last_id, hash = excluded.hash,"
    " written = excluded.written, mac = excluded.mac"
)
PER_CALL_EVENTS = ("call", "denied", "rate_limited")  # what retention may remove


@dataclass(frozen=True, slots=True)
class AuditPage:
    entries: list[AuditEntry]  # newest first
    next_before: int | None  # the cursor of the next (older) page; None: this is the last


def chain_row(entry: AuditEntry, row_id: int, prev: bytes | None = None) -> ChainRow:
    return ChainRow(
        id=row_id, share_id=entry.share_id, at=to_ts(entry.at), event=entry.event,
        call=entry.call, allowed=entry.allowed, reason=entry.reason, client=entry.client,
        session_id=entry.session_id, prev=prev, hash=None,
    )


def chain_row_from(row: sqlite3.Row) -> ChainRow:
    allowed = row["allowed"]
    return ChainRow(
        id=row["id"], share_id=row["share_id"], at=row["at"], event=row["event"],
        call=row["call"], allowed=None if allowed is None else bool(allowed),
        reason=row["reason"], client=row["client"], session_id=row["session_id"],
        prev=None if row["prev"] is None else bytes(row["prev"]),
        hash=None if row["hash"] is None else bytes(row["hash"]),
    )


def _params(row: ChainRow, digest: bytes) -> tuple[object, ...]:
    allowed = None if row.allowed is None else int(row.allowed)
    return (
        row.id, row.share_id, row.at, row.event, row.call, allowed, row.reason, row.client,
        row.session_id, row.prev, digest,
    )


async def _scalar(conn: aiosqlite.Connection, sql: str, params: Sequence[object] = ()) -> int:
    async with conn.execute(sql, tuple(params)) as cursor:
        found = await cursor.fetchone()
    return 0 if found is None or found[0] is None else int(found[0])


async def append_audit(
    conn: aiosqlite.Connection, entries: Iterable[AuditEntry], key: bytes
) -> None:
    """Chains and inserts the rows; the caller holds a write transaction (BEGIN IMMEDIATE),
    so nobody else appends between reading the heads and writing them back."""
    batch = list(entries)
    if not batch:
        return
    next_id = await _scalar(conn, "SELECT max(id) FROM audit") + 1
    before: dict[str, Head | None] = {}
    heads: dict[str, tuple[int, bytes, int]] = {}  # share -> (last id, hash, written)
    params: list[tuple[object, ...]] = []
    for entry in batch:
        if entry.share_id not in heads:
            async with conn.execute(SELECT_HEAD, (entry.share_id,)) as cursor:
                found = await cursor.fetchone()
            before[entry.share_id] = None if found is None else head_from(found)
            heads[entry.share_id] = (0, GENESIS, 0) if found is None else (
                found[1], bytes(found[2]), found[3]
            )
        _, prev, written = heads[entry.share_id]
        row = chain_row(entry, next_id, prev)
        digest = row_hash(prev, row)
        params.append(_params(row, digest))
        heads[entry.share_id] = (next_id, digest, written + 1)
        next_id += 1
    await conn.executemany(INSERT_CHAINED, params)
    await write_heads(conn, before, heads, key, added=len(batch))


async def write_heads(
    conn: aiosqlite.Connection, before: dict[str, Head | None],
    heads: dict[str, tuple[int, bytes, int]], key: bytes, *, added: int,
) -> None:
    """Writes the changed heads and renews the seal over them (audit_seal.py)."""
    after = [
        Head(share, last, digest, written, head_mac(key, share, last, digest, written))
        for share, (last, digest, written) in heads.items()
    ]
    # The seal first: a first seal looks for heads that existed before it.
    await renew_for_heads(conn, key, [(before[h.share_id], h) for h in after], added=added)
    await conn.executemany(
        UPSERT_HEAD, [(h.share_id, h.last_id, h.hash, h.written, h.mac) for h in after]
    )


_PAGE = (
    f"SELECT id, {AUDIT_COLUMNS} FROM audit WHERE share_id = ? AND id < ?"  # noqa: S608
    " ORDER BY id DESC LIMIT ?"
)
_PAGE_OF_KIND = (
    f"SELECT id, {AUDIT_COLUMNS} FROM audit INDEXED BY audit_by_share_event"  # noqa: S608
    " WHERE share_id = ? AND event = ? AND id < ? ORDER BY id DESC LIMIT ?"
)


async def audit_page(
    conn: aiosqlite.Connection, share_id: str, *, before: int | None, limit: int,
    events: Sequence[str] = (),
) -> AuditPage:
    """Keyset pagination on (share_id, id): a page costs the same at row 10 and row 300,000.
    A filtered page reads each event's newest rows on (share_id, event, id) and merges them:
    one scan with `event IN (...)` would walk every row of the share for a rare event."""
    start = before if before is not None else 1 << 62
    found: list[sqlite3.Row] = []
    if not events:
        async with conn.execute(_PAGE, (share_id, start, limit + 1)) as cursor:
            found = list(await cursor.fetchall())
    for event in dict.fromkeys(events):
        async with conn.execute(_PAGE_OF_KIND, (share_id, event, start, limit + 1)) as cursor:
            found += await cursor.fetchall()
    found.sort(key=lambda row: row["id"], reverse=True)
    more = len(found) > limit
    found = found[:limit]
    entries = [audit_from_row(row) for row in found]
    return AuditPage(entries, int(found[-1]["id"]) if more and found else None)


_SINCE = (
    f"SELECT id, {AUDIT_COLUMNS} FROM audit WHERE share_id = ? AND id > ?"  # noqa: S608
    " ORDER BY id LIMIT ?"
)
_SINCE_OF_KIND = (
    f"SELECT id, {AUDIT_COLUMNS} FROM audit INDEXED BY audit_by_share_event"  # noqa: S608
    " WHERE share_id = ? AND event = ? AND id > ? ORDER BY id LIMIT ?"
)


async def audit_since(
    conn: aiosqlite.Connection, share_id: str, *, after: int, limit: int,
    events: Sequence[str] = (),
) -> list[AuditEntry]:
    """Oldest first, from the row after `after`: exports walk the whole log in bounded reads
    (per event on its index when filtered, as audit_page does)."""
    found: list[sqlite3.Row] = []
    if not events:
        async with conn.execute(_SINCE, (share_id, after, limit)) as cursor:
            found = list(await cursor.fetchall())
    for event in dict.fromkeys(events):
        async with conn.execute(_SINCE_OF_KIND, (share_id, event, after, limit)) as cursor:
            found += await cursor.fetchall()
    found.sort(key=lambda row: row["id"])
    return [audit_from_row(row) for row in found[:limit]]
