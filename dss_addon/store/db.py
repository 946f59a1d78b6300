"""The connection wrapper under the Store: one lock, transactions, error mapping, and what
every write transaction carries along (buffered audit rows, the clock's high-water mark)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import aiosqlite

from dss_addon.clock import SteadyClock
from dss_addon.errors import StoreError, StoreFull
from dss_addon.shares.audit import AuditEntry
from dss_addon.shares.model import Share, ShareSession
from dss_addon.store import rows
from dss_addon.store.audit import AuditBuffer
from dss_addon.store.audit_rows import append_audit
from dss_addon.store.rows import SESSION_COLUMNS, SHARE_COLUMNS, to_ts

SELECT_SHARE = f"SELECT {SHARE_COLUMNS} FROM shares WHERE id = ?"  # noqa: S608 -- constant columns
SELECT_SESSION = f"SELECT {SESSION_COLUMNS}, token_digest FROM sessions"  # noqa: S608 -- constant
MARK_EVERY = 60.0  # seconds of use between writes of the clock's high-water mark
SQLITE_FULL = 13


def store_error(err: sqlite3.Error) -> StoreError:
    """SQLITE_FULL (disk or quota full) is told apart: a revocation then frees the reserve."""
    code = getattr(err, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF == SQLITE_FULL:
        return StoreFull(f"database error: {err}")
    return StoreError(f"database error: {err}")


class Database:
    """aiosqlite runs statements one at a time on its thread, but the awaits of two coroutines
    could interleave inside one transaction on the shared connection; the lock prevents that."""

    def __init__(
        self,
        conn: aiosqlite.Connection,
        clock: SteadyClock,
        *,
        audit_interval: float = 5.0,
        audit_rows: int = 100,
        audit_key: bytes,
    ) -> None:
        self._conn = conn
        self._audit_key = audit_key  # seals the audit chain's heads (store/audit_chain.py)
        self.clock = clock
        self._lock = asyncio.Lock()
        self._audit = AuditBuffer(
            self._write_buffered, interval=audit_interval, max_rows=audit_rows
        )
        self._mark_written_at: float | None = None  # monotonic time of the last mark write
        # Counts transactions that may have changed what a share or session allows. A cached
        # read is valid only while its generation is current (see Store.session_by_digest).
        self.generation = 0

    @asynccontextmanager
    async def _transaction(
        self, *, write: bool = True, affects_access: bool = True, mark: bool = False
    ) -> AsyncIterator[aiosqlite.Connection]:
        """write=True: BEGIN IMMEDIATE takes the write lock up front, so another connection
        waits (busy timeout) instead of failing half-way with SQLITE_BUSY on upgrade.
        write=False: a deferred BEGIN, a consistent snapshot for several reads.

        A write first takes the buffered audit rows (they happened before this change) and,
        for a change of access or once a minute of use, advances the clock's high-water mark."""
        async with self._lock:
            buffered: list[AuditEntry] = []
            try:
                try:
                    # Inside the try: if we are cancelled while BEGIN is queued, it still runs
                    # on aiosqlite's thread, and the rollback (queued after it) undoes it.
                    await self._conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                    if write:
                        buffered = self._audit.take()
                        await self._insert_audit(self._conn, buffered)
                    yield self._conn
                    if write:
                        await self._write_mark(force=affects_access or mark)
                except BaseException:
                    self._audit.put_back(buffered)
                    await self._conn.rollback()  # a no-op when no transaction is open
                    raise
                try:
                    await self._conn.commit()
                except BaseException:
                    self._audit.put_back(buffered)
                    await self._conn.rollback()
                    raise
            except sqlite3.Error as err:
                raise store_error(err) from err
            finally:
                if write and affects_access:
                    # After the commit (or rollback), before anyone can read again: whatever
                    # was cached before this write is not used afterwards.
                    self.generation += 1

    async def _write_buffered(self, *, mark: bool = False) -> None:
        """mark: write the clock's high-water mark even if it was written a moment ago."""
        async with self._transaction(affects_access=False, mark=mark):
            pass  # the transaction itself takes the buffered rows

    async def _write_mark(self, *, force: bool) -> None:
        mono = self.clock.monotonic()
        if not force and self._mark_written_at is not None:
            if mono - self._mark_written_at < MARK_EVERY:
                return
        await self._conn.execute(
            "UPDATE clock SET high_water = max(high_water, ?) WHERE id = 1",
            (to_ts(self.clock.now()),),
        )
        self._mark_written_at = mono

    async def _insert_audit(
        self, conn: aiosqlite.Connection, entries: Iterable[AuditEntry]
    ) -> None:
        await append_audit(conn, entries, self._audit_key)

    async def _fetchone(self, sql: str, params: Iterable[object]) -> sqlite3.Row | None:
        async with self._lock:
            try:
                async with self._conn.execute(sql, tuple(params)) as cursor:
                    return await cursor.fetchone()
            except sqlite3.Error as err:
                raise store_error(err) from err

    async def _fetchall(self, sql: str, params: Iterable[object]) -> list[sqlite3.Row]:
        async with self._lock:
            try:
                async with self._conn.execute(sql, tuple(params)) as cursor:
                    return list(await cursor.fetchall())
            except sqlite3.Error as err:
                raise store_error(err) from err

    @staticmethod
    async def _share_in(conn: aiosqlite.Connection, share_id: str) -> Share:
        async with conn.execute(SELECT_SHARE, (share_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise StoreError("share vanished inside a transaction")
        return rows.share_from_row(row)

    @staticmethod
    async def _session_in(conn: aiosqlite.Connection, session_id: str) -> ShareSession:
        async with conn.execute(f"{SELECT_SESSION} WHERE id = ?", (session_id,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise StoreError("session vanished inside a transaction")
        return rows.session_from_row(row)
