"""Audit retention: per-call rows older than the retention time or beyond a share's cap are
removed in small batches; owner and share actions stay. Each removed run of a chain leaves a
sealed checkpoint, so the kept rows still verify (docs/audit.md)."""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass

import aiosqlite

from dss_addon.store.audit_chain import Checkpoint, checkpoint_holds, checkpoint_mac
from dss_addon.store.audit_retention_check import sealable
from dss_addon.store.audit_rows import CHAIN_COLUMNS, PER_CALL_EVENTS
from dss_addon.store.audit_seal import renew_for_legacy

log = logging.getLogger(__name__)

_EVENTS = json.dumps(list(PER_CALL_EVENTS))
# Never the newest row of the table: ids come from max(id) + 1 and must never be reused.
_BY_AGE = (
    f"SELECT {CHAIN_COLUMNS} FROM audit WHERE at < ?"  # noqa: S608
    " AND event IN (SELECT value FROM json_each(?)) AND id < (SELECT max(id) FROM audit)"
    " ORDER BY at, id LIMIT ?"
)
_OVER_CAP = "SELECT share_id FROM audit_heads WHERE written > ?"
_CAP_BOUNDARY = (
    "SELECT id FROM audit WHERE share_id = ? AND event IN (SELECT value FROM json_each(?))"
    " ORDER BY id DESC LIMIT 1 OFFSET ?"
)
_BY_CAP = (
    f"SELECT {CHAIN_COLUMNS} FROM audit WHERE share_id = ? AND id <= ?"  # noqa: S608
    " AND event IN (SELECT value FROM json_each(?)) AND id < (SELECT max(id) FROM audit)"
    " ORDER BY id LIMIT ?"
)
_FOLLOWS = (
    "SELECT id, at, first_id, last_id, count, before, after, mac FROM audit_checkpoints"
    " WHERE share_id = ? AND after = ? AND last_id < ?"
)
# A checkpoint is extended only where it stands: no kept chained row of the share from its
# first removed row up to the run (inside it or between them).
_ROWS_FROM = (
    "SELECT count(*) FROM audit WHERE share_id = ? AND id >= ? AND id < ? AND hash IS NOT NULL"
)


@dataclass(frozen=True, slots=True)
class Retention:
    keep_seconds: int = 90 * 24 * 3600  # per-call rows older than this go
    per_share_cap: int = 20_000  # and those beyond the newest this many of a share
    batch: int = 200  # rows per transaction: the loop never waits long on the connection


@dataclass(slots=True)
class _Run:
    share_id: str
    first_id: int
    last_id: int
    count: int
    before: bytes
    after: bytes


async def _rows(conn: aiosqlite.Connection, sql: str, params: tuple[object, ...]) -> list[
    sqlite3.Row
]:
    async with conn.execute(sql, params) as cursor:
        return list(await cursor.fetchall())


async def candidates(
    conn: aiosqlite.Connection, now: int, rules: Retention
) -> list[sqlite3.Row]:
    """The next batch of removable rows, oldest first."""
    found = await _rows(conn, _BY_AGE, (now - rules.keep_seconds, _EVENTS, rules.batch))
    if found:
        return found
    for (share_id,) in await _rows(conn, _OVER_CAP, (rules.per_share_cap,)):
        boundary = await _rows(conn, _CAP_BOUNDARY, (share_id, _EVENTS, rules.per_share_cap))
        if boundary:
            found = await _rows(conn, _BY_CAP, (share_id, boundary[0][0], _EVENTS, rules.batch))
            if found:
                return found
    return []


def runs(found: list[sqlite3.Row]) -> list[_Run]:
    """Consecutive rows of one chain (each one's prev is the one before's hash) form a run."""
    open_runs: dict[str, _Run] = {}
    done: list[_Run] = []
    for row in sorted(found, key=lambda r: r["id"]):
        if row["hash"] is None:
            continue  # written before the chain existed: nothing to keep linked
        prev, digest = bytes(row["prev"]), bytes(row["hash"])
        run = open_runs.get(row["share_id"])
        if run is not None and run.after == prev:
            run.last_id, run.count, run.after = row["id"], run.count + 1, digest
            continue
        if run is not None:
            done.append(run)
        open_runs[row["share_id"]] = _Run(row["share_id"], row["id"], row["id"], 1, prev, digest)
    return done + list(open_runs.values())


async def prune(conn: aiosqlite.Connection, key: bytes, now: int, rules: Retention) -> int:
    """One batch inside the caller's write transaction; returns the number of rows removed.
    Only rows whose chain holds around them are removed and sealed (audit_retention_check)."""
    found = await candidates(conn, now, rules)
    if not found:
        return 0
    found = await sealable(conn, key, found)
    if not found:
        return 0
    ids = json.dumps([row["id"] for row in found])
    await conn.execute("INSERT INTO audit_prune_permit (id) VALUES (1)")
    await conn.execute("DELETE FROM audit WHERE id IN (SELECT value FROM json_each(?))", (ids,))
    await conn.execute("DELETE FROM audit_prune_permit")
    for run in runs(found):
        await _checkpoint(conn, key, now, run)
    older = sum(1 for row in found if row["hash"] is None)
    if older:  # the seal counts the rows from before the chain that are left
        await renew_for_legacy(conn, key, older)
    return len(found)


async def _extendable(
    conn: aiosqlite.Connection, key: bytes, run: _Run
) -> tuple[int, Checkpoint] | None:
    """The earlier checkpoint the run continues, if it is sealed by this device and stands
    right before the run; a forged or misplaced one is never resealed (it stays, and
    `audit verify` names it)."""
    for row in await _rows(conn, _FOLLOWS, (run.share_id, run.before, run.first_id)):
        cp = Checkpoint(run.share_id, int(row["at"]), int(row["first_id"]), int(row["last_id"]),
                        int(row["count"]), bytes(row["before"]), bytes(row["after"]),
                        bytes(row["mac"]))
        if not checkpoint_holds(cp, key):
            log.error("audit retention does not extend the checkpoint of rows %d-%d: it is not"
                      " sealed by this device", cp.first_id, cp.last_id)
            continue
        between = await _rows(conn, _ROWS_FROM, (run.share_id, cp.first_id, run.first_id))
        if int(between[0][0]) == 0:
            return int(row["id"]), cp
    return None


async def _checkpoint(conn: aiosqlite.Connection, key: bytes, now: int, run: _Run) -> None:
    """A run that continues an earlier checkpoint extends it: one row per kept gap."""
    earlier = await _extendable(conn, key, run)
    if earlier is not None:
        cp_id, cp = earlier
        run = _Run(run.share_id, cp.first_id, run.last_id, cp.count + run.count, cp.before,
                   run.after)
        await conn.execute("DELETE FROM audit_checkpoints WHERE id = ?", (cp_id,))
    mac = checkpoint_mac(
        key, run.share_id, now, (run.first_id, run.last_id), run.count, run.before, run.after
    )
    await conn.execute(
        "INSERT INTO audit_checkpoints (share_id, at, first_id, last_id, count, before, after,"
        " mac) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (run.share_id, now, run.first_id, run.last_id, run.count, run.before, run.after, mac),
    )
