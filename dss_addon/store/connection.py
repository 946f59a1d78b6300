"""Opening the database: file permissions, PRAGMAs and migrations."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import aiosqlite

from dss_addon.clock import Clock, SteadyClock
from dss_addon.errors import StoreError
from dss_addon.store.audit_retention import Retention
from dss_addon.store.audit_verify import audit_key, mark_sealed, sealed_before
from dss_addon.store.checks import MOVE_AWAY, check_intact, check_ours
from dss_addon.store.reserve import RESERVE_BYTES, RESERVE_FILE, DiskReserve
from dss_addon.store.rows import from_ts
from dss_addon.store.store import Store

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
BUSY_TIMEOUT_MS = 5000

log = logging.getLogger(__name__)


def migrations() -> list[tuple[int, str]]:
    """(version, sql) in strictly increasing order, starting at 1.

    Numbers are handed out to parallel branches in advance, so a branch may lack some of them
    until they are merged; a database is then migrated to the highest one it has."""
    found: list[tuple[int, str]] = []
    for path in sorted(MIGRATIONS_DIR.iterdir()):
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path.read_text("utf-8")))
    versions = [version for version, _ in found]
    if not versions or versions[0] != 1 or versions != sorted(set(versions)):
        raise StoreError("store migrations are not numbered 0001, 0002, … in order")
    return found


@asynccontextmanager
async def open_store(
    path: Path,
    clock: Clock,
    *,
    audit_interval: float = 5.0,
    audit_rows: int = 100,
    reserve_bytes: int = RESERVE_BYTES,
    retention: Retention | None = None,
) -> AsyncIterator[Store]:
    """audit_interval (seconds) and audit_rows: the audit buffer is written when either is
    reached, and on close. Refuses (StoreError) a file that is not ours or not intact; the
    store's clock never runs behind the high-water mark stored in it."""
    scripts, key = await asyncio.to_thread(_prepare, path)
    try:
        conn = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as err:
        raise StoreError(f"cannot open the database {path}: {err}") from err
    try:
        conn.row_factory = sqlite3.Row
        # Before anything writes to the file: a foreign or damaged one stays untouched.
        await check_ours(conn, path)
        await check_intact(conn, path)
        await _configure(conn)
        await _migrate(conn, scripts)
        mark = await _high_water(conn)
        reserve = DiskReserve(path.parent / RESERVE_FILE, reserve_bytes)
        store = Store(
            conn,
            SteadyClock(clock, mark),
            audit_interval=audit_interval,
            audit_rows=audit_rows,
            audit_key=key,
            retention=retention,
            reserve=reserve,
        )
    except sqlite3.Error as err:  # e.g. not a database, or a corrupt one
        await conn.close()
        log.error("cannot use the database %s: %s", path, err)
        raise StoreError(
            f"cannot use the database {path} (SQLite: {err}); restore it from a backup or"
            f" {MOVE_AWAY}"
        ) from err
    except BaseException:
        await conn.close()
        raise
    try:
        await store.restore_reserve()
        # Sealed before the audit writer or any start-up work can append a row.
        await _seal(store, path.parent)
        store.start()
        yield store
    finally:
        await store.close()


async def _seal(store: Store, data_dir: Path) -> None:
    was_sealed = await asyncio.to_thread(sealed_before, data_dir)
    try:
        holds = await store.seal_audit(sealed_before=was_sealed)
    except StoreError:
        # A never-sealed row is left so by writes (audit_seal.py): sealed at the next start.
        log.exception("the audit seal could not be written; trying at the next start")
        return
    if holds and not was_sealed:
        await asyncio.to_thread(mark_sealed, data_dir)


async def _high_water(conn: aiosqlite.Connection) -> datetime | None:
    async with conn.execute("SELECT high_water FROM clock WHERE id = 1") as cursor:
        row = await cursor.fetchone()
    return None if row is None or not row[0] else from_ts(int(row[0]))


def _prepare(path: Path) -> tuple[list[tuple[int, str]], bytes]:
    """Creates the data directory (0700) and the database file (0600) before SQLite does,
    so share digests and encrypted app tokens are never world-readable, not even briefly.
    SQLite gives the -wal and -shm files the permissions of the database file."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    os.chmod(path, 0o600)
    return migrations(), audit_key(path.parent, create=True)


CACHE_KIB = 1024  # SQLite page cache per connection


async def _configure(conn: aiosqlite.Connection) -> None:
    async with conn.execute("PRAGMA journal_mode=WAL") as cursor:
        row = await cursor.fetchone()
    if row is None or str(row[0]).lower() != "wal":
        raise StoreError("the database cannot use write-ahead logging")
    # FULL, not NORMAL: with WAL, NORMAL may lose the last commits on power loss. A share the
    # homeowner saw created, revoked or extended must stay so (DESIGN.md §3 rule 8). The audit
    # trail is batched, so the extra fsync per commit is paid rarely.
    await conn.execute("PRAGMA synchronous=FULL")
    await conn.execute("PRAGMA foreign_keys=ON")
    await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS:d}")
    # A device has little RAM: the page cache stops at 1 MiB (SQLite's default is 2 MiB) and
    # fills to that early, so resident memory levels off instead of growing with the audit.
    await conn.execute(f"PRAGMA cache_size=-{CACHE_KIB:d}")


async def _user_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cursor:
        row = await cursor.fetchone()
    return 0 if row is None else int(row[0])


async def _migrate(conn: aiosqlite.Connection, scripts: list[tuple[int, str]]) -> None:
    current = await _user_version(conn)
    newest = scripts[-1][0] if scripts else 0
    if current > newest:
        raise StoreError(
            f"the database has schema version {current}, newer than this add-on knows"
            f" ({newest}); refusing to touch it"
        )
    for version, sql in (script for script in scripts if script[0] > current):
        # executescript() commits any open transaction first, so BEGIN/COMMIT live inside the
        # script. PRAGMA user_version cannot take a bound parameter; version is an int we
        # parsed from a file name, never outside input. The version is written in the same
        # transaction, so a migration is applied entirely or not at all.
        script = f"BEGIN IMMEDIATE;\n{sql}\nPRAGMA user_version = {version:d};\nCOMMIT;"
        try:
            await conn.executescript(script)
        except sqlite3.Error as err:
            if conn.in_transaction:
                await conn.rollback()
            raise StoreError(f"store migration {version:04d} failed: {err}") from err
