"""The connection wrapper under the Store: one lock, transactions, error mapping."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

import aiosqlite

from dss_addon.errors import StoreError
from dss_addon.shares.model import Share, ShareSession
from dss_addon.store import rows
from dss_addon.store.rows import SESSION_COLUMNS, SHARE_COLUMNS

SELECT_SHARE = f"SELECT {SHARE_COLUMNS} FROM shares WHERE id = ?"  # noqa: S608 -- constant columns
SELECT_SESSION = f"SELECT {SESSION_COLUMNS}, token_digest FROM sessions"  # noqa: S608 -- constant


class Database:
    """aiosqlite runs statements one at a time on its thread, but the awaits of two coroutines
    could interleave inside one transaction on the shared connection; the lock prevents that."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        self._lock = asyncio.Lock()
        # Counts transactions that may have changed what a share or session allows. A cached
        # read is valid only while its generation is current (see Store.session_by_digest).
        self.generation = 0

    @asynccontextmanager
    async def _transaction(
        self, *, write: bool = True, affects_access: bool = True
    ) -> AsyncIterator[aiosqlite.Connection]:
        """write=True: BEGIN IMMEDIATE takes the write lock up front, so another connection
        waits (busy timeout) instead of failing half-way with SQLITE_BUSY on upgrade.
        write=False: a deferred BEGIN, a consistent snapshot for several reads."""
        async with self._lock:
            try:
                try:
                    # Inside the try: if we are cancelled while BEGIN is queued, it still runs
                    # on aiosqlite's thread, and the rollback (queued after it) undoes it.
                    await self._conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                    yield self._conn
                except BaseException:
                    await self._conn.rollback()  # a no-op when no transaction is open
                    raise
                await self._conn.commit()
            except sqlite3.Error as err:
                raise StoreError(f"database error: {err}") from err
            finally:
                if write and affects_access:
                    # After the commit (or rollback), before anyone can read again: whatever
                    # was cached before this write is not used afterwards.
                    self.generation += 1

    async def _fetchone(self, sql: str, params: Iterable[object]) -> sqlite3.Row | None:
        async with self._lock:
            try:
                async with self._conn.execute(sql, tuple(params)) as cursor:
                    return await cursor.fetchone()
            except sqlite3.Error as err:
                raise StoreError(f"database error: {err}") from err

    async def _fetchall(self, sql: str, params: Iterable[object]) -> list[sqlite3.Row]:
        async with self._lock:
            try:
                async with self._conn.execute(sql, tuple(params)) as cursor:
                    return list(await cursor.fetchall())
            except sqlite3.Error as err:
                raise StoreError(f"database error: {err}") from err

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
