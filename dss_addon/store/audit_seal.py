"""Renewing the audit seal inside a caller's write transaction.

The seal's MAC covers the number of chains and of rows ever written, the heads digest (every
head) and the rows from before the chain (docs/audit.md). A write renews it from what the seal
row says it covers, changed by the heads it rewrites: O(changed heads), not O(all heads). A
head or an older row changed behind the add-on's back is thus never sealed afresh: either the
seal no longer holds (the stale MAC stays) or the renewed digest still differs from the
database, and `audit verify` names the seal."""

from __future__ import annotations

import hmac
import logging
import sqlite3
from collections.abc import Sequence

import aiosqlite

from dss_addon.store.audit_chain import (
    Head,
    Legacy,
    Seal,
    first_seal_mac,
    head_element,
    heads_digest,
    seal_blob,
    seal_from,
    seal_holds,
    sealed,
    xor,
)

log = logging.getLogger(__name__)

_SEAL = "SELECT chains, written, mac FROM audit_seal WHERE id = 1"
_WRITE = "UPDATE audit_seal SET chains = ?, written = ?, mac = ? WHERE id = 1"
_THROUGH = "SELECT through FROM audit_legacy WHERE id = 1"
# On the rowid: only the ids up to the marker are read, and only when first sealing.
_UNCHAINED = "SELECT count(*) FROM audit WHERE id <= ? AND hash IS NULL"
_ANY_HISTORY = (
    "SELECT EXISTS (SELECT 1 FROM audit) OR EXISTS (SELECT 1 FROM shares)"
)
_HEADS = "SELECT share_id, last_id, hash, written, mac FROM audit_heads"


async def _one(
    conn: aiosqlite.Connection, sql: str, params: tuple[object, ...] = ()
) -> sqlite3.Row | None:
    async with conn.execute(sql, params) as cursor:
        return await cursor.fetchone()


async def read_seal(conn: aiosqlite.Connection) -> Seal:
    found = await _one(conn, _SEAL)
    if found is None:
        return Seal(0, 0, None)
    return seal_from(int(found[0]), int(found[1]), found[2])


async def read_legacy(conn: aiosqlite.Connection) -> Legacy:
    found = await _one(conn, _THROUGH)
    through = 0 if found is None else int(found[0])
    counted = await _one(conn, _UNCHAINED, (through,))
    return Legacy(through, 0 if counted is None else int(counted[0]))


def head_from(row: sqlite3.Row) -> Head:
    return Head(row[0], row[1], bytes(row[2]), row[3], bytes(row[4]))


def _never_sealed(seal: Seal) -> bool:
    return seal.mac is None and seal.chains == 0 and seal.written == 0


async def _base(conn: aiosqlite.Connection, key: bytes, seal: Seal) -> Seal | None:
    """What to renew from: the seal when it holds, or None. A database never sealed gets its
    first seal only at start (seal_audit), never from a write."""
    if seal_holds(seal, key):
        return seal
    if not _never_sealed(seal):
        log.error("the audit seal does not hold (changed outside the add-on?); it is not"
                  " renewed: run `dss-addon audit verify`")
    return None


async def _write(conn: aiosqlite.Connection, seal: Seal) -> None:
    await conn.execute(_WRITE, (seal.chains, seal.written, seal_blob(seal)))


async def renew_for_heads(
    conn: aiosqlite.Connection, key: bytes, changed: Sequence[tuple[Head | None, Head]],
    *, added: int,
) -> None:
    """changed: (head before, head after) of each chain written to (None: a new chain)."""
    seal = await read_seal(conn)
    chains = seal.chains + sum(1 for before, _ in changed if before is None)
    written = seal.written + added
    base = await _base(conn, key, seal)
    if base is None:
        if not _never_sealed(seal):  # a never-sealed row stays so: sealed at the next start
            await conn.execute(_WRITE, (chains, written, seal_blob(seal)))
        return
    digest = base.heads
    for before, after in changed:
        if before is not None:
            digest = xor(digest, head_element(key, before))
        digest = xor(digest, head_element(key, after))
    await _write(conn, sealed(key, chains, written, base.legacy, digest))


async def renew_for_legacy(conn: aiosqlite.Connection, key: bytes, removed: int) -> None:
    """Retention removed `removed` rows from before the chain."""
    base = await _base(conn, key, await read_seal(conn))
    if base is not None:
        legacy = Legacy(base.legacy.through, base.legacy.unchained - removed)
        await _write(conn, sealed(key, base.chains, base.written, legacy, base.heads))


async def _heads(conn: aiosqlite.Connection) -> list[Head]:
    async with conn.execute(_HEADS) as cursor:
        return [head_from(row) for row in await cursor.fetchall()]


async def _history(conn: aiosqlite.Connection) -> bool:
    """The database holds a share or an audit row (it is not a fresh, empty one)."""
    found = await _one(conn, _ANY_HISTORY)
    return found is not None and bool(found[0])


async def seal_audit(conn: aiosqlite.Connection, key: bytes, *, sealed_before: bool) -> bool:
    """At start, before anything else writes: a database never sealed (just migrated) gets
    its first seal over its heads and the rows from before the chain; a seal of the first
    chained release (counts only) that still holds is renewed over every head.
    sealed_before: this device has sealed a database before (keys/audit.sealed); then a
    "never sealed" database that holds any history is not sealed afresh (a reset seal would
    otherwise launder a rewritten file) and verification reports the missing seal.
    True when the database holds a seal afterwards."""
    seal = await read_seal(conn)
    if _never_sealed(seal):
        if sealed_before and await _history(conn):
            log.error("the audit seal was removed from a database this device had sealed"
                      " (keys/audit.sealed); it is not sealed afresh: run `dss-addon audit"
                      " verify`")
            return False
        heads = await _heads(conn)
        await _write(conn, sealed(key, len(heads), sum(h.written for h in heads),
                                  await read_legacy(conn), heads_digest(key, heads)))
        return True
    if seal.mac is None:
        return False
    if seal_holds(seal, key) or len(seal.mac) != len(first_seal_mac(key, 0, 0)) or not (
        hmac.compare_digest(seal.mac, first_seal_mac(key, seal.chains, seal.written))
    ):
        return True
    heads = await _heads(conn)
    if (len(heads), sum(h.written for h in heads)) != (seal.chains, seal.written):
        return True
    digest = heads_digest(key, heads)
    await _write(conn, sealed(key, seal.chains, seal.written, await read_legacy(conn), digest))
    return True
