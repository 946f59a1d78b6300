"""Reading and rewriting the audit seal inside a caller's write transaction.

The seal's MAC covers the number of chains and of rows ever written, a digest of every head and
the rows from before the chain (docs/audit.md). It is rewritten only from a state it still
covers: a head or an older row changed behind the add-on's back is never sealed afresh (the
stale MAC stays, and `audit verify` names the seal)."""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, replace

import aiosqlite

from dss_addon.store.audit_chain import Head, Legacy, Seal, seal_of, verify_seal

log = logging.getLogger(__name__)

_HEADS = "SELECT share_id, last_id, hash, written, mac FROM audit_heads"
_SEAL = "SELECT chains, written, mac FROM audit_seal WHERE id = 1"
_THROUGH = "SELECT through FROM audit_legacy WHERE id = 1"
# On the rowid: only the ids up to the marker are read (none in a database that started
# chained, and fewer as retention removes the older rows).
_UNCHAINED = "SELECT count(*) FROM audit WHERE id <= ? AND hash IS NULL"


@dataclass(frozen=True, slots=True)
class SealState:
    seal: Seal
    heads: dict[str, Head]
    legacy: Legacy

    def holds(self, key: bytes) -> bool:
        """The seal covers this state, or nothing was ever sealed (a fresh database)."""
        if self.seal.mac is None:
            return not self.heads and self.seal.written == 0
        return verify_seal(self.seal, self.heads, self.legacy, key) is None


async def _one(
    conn: aiosqlite.Connection, sql: str, params: tuple[object, ...] = ()
) -> sqlite3.Row | None:
    async with conn.execute(sql, params) as cursor:
        return await cursor.fetchone()


async def read_legacy(conn: aiosqlite.Connection) -> Legacy:
    found = await _one(conn, _THROUGH)
    through = 0 if found is None else int(found[0])
    counted = await _one(conn, _UNCHAINED, (through,))
    return Legacy(through, 0 if counted is None else int(counted[0]))


async def read_state(conn: aiosqlite.Connection) -> SealState:
    async with conn.execute(_HEADS) as cursor:
        heads = {
            row[0]: Head(row[0], row[1], bytes(row[2]), row[3], bytes(row[4]))
            for row in await cursor.fetchall()
        }
    found = await _one(conn, _SEAL)
    if found is None:
        seal = Seal(0, 0, None)
    else:
        mac = found[2]
        seal = Seal(int(found[0]), int(found[1]), None if mac is None else bytes(mac))
    return SealState(seal, heads, await read_legacy(conn))


async def write_seal(
    conn: aiosqlite.Connection, key: bytes, old: SealState, new: SealState
) -> None:
    """new: the state after the caller's change (its seal's counts, heads and legacy rows)."""
    if old.holds(key):
        mac: bytes | None = seal_of(key, new.seal.written, new.legacy, list(new.heads.values()))
    else:
        log.error("the audit seal does not cover the database any more (changed outside the"
                  " add-on?); it is not renewed: run `dss-addon audit verify`")
        mac = old.seal.mac
    await conn.execute(
        "UPDATE audit_seal SET chains = ?, written = ?, mac = ? WHERE id = 1",
        (len(new.heads), new.seal.written, mac),
    )


async def seal_audit(conn: aiosqlite.Connection, key: bytes) -> bool:
    """At start: a database never sealed (just migrated) gets its first seal, covering the
    rows from before the chain. True when it wrote one."""
    state = await read_state(conn)
    if state.seal.mac is not None or not state.holds(key):
        return False
    await write_seal(conn, key, state, replace(state, seal=Seal(0, 0, None)))
    return True
