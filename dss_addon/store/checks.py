"""Start-up checks of the database file: is it ours, and is it intact? Refuse it otherwise."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import aiosqlite

from dss_addon.errors import StoreError

log = logging.getLogger(__name__)

APPLICATION_ID = int.from_bytes(b"dssS", "big")  # PRAGMA application_id of our databases
OUR_TABLES = frozenset({"shares", "sessions", "audit"})
MOVE_AWAY = "move it away to start without shares"


async def _one(conn: aiosqlite.Connection, sql: str) -> object:
    async with conn.execute(sql) as cursor:
        row = await cursor.fetchone()
    return None if row is None else row[0]


async def check_ours(conn: aiosqlite.Connection, path: Path) -> None:
    """A new (empty) file, or one of ours: marked with our application id, or from before the
    mark (schema version set and our tables present; migration 0002 marks it)."""
    app_id = await _one(conn, "PRAGMA application_id")
    if app_id == APPLICATION_ID:
        return
    version = await _one(conn, "PRAGMA user_version")
    async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cursor:
        tables = {str(row[0]) for row in await cursor.fetchall()}
    if app_id == 0 and version == 0 and not tables:
        return
    if app_id == 0 and isinstance(version, int) and version >= 1 and OUR_TABLES <= tables:
        return
    raise StoreError(
        f"{path} is a SQLite database of another program (application id {app_id}), not the"
        f" add-on's; refusing to touch it: point --data-dir elsewhere or {MOVE_AWAY}"
    )


async def check_intact(conn: aiosqlite.Connection, path: Path) -> None:
    """PRAGMA quick_check: a damaged file is refused at start-up rather than answering 500 to
    every request later. Reads every page once (seconds on a large file, only at start-up)."""
    try:
        async with conn.execute("PRAGMA quick_check(5)") as cursor:
            problems = [str(row[0]) for row in await cursor.fetchall()]
    except sqlite3.Error as err:
        problems = [str(err)]
    if problems == ["ok"]:
        return
    # One row may hold several lines ("*** in database main ***", then one per page).
    lines = [line.strip() for row in problems for line in row.splitlines()]
    found = [line for line in lines if line and not line.startswith("***")] or ["unknown"]
    log.error("integrity check of %s failed: %s", path, "; ".join(found))
    raise StoreError(
        f"the database {path} is damaged (SQLite: {found[0]}); restore it from a backup"
        f" or {MOVE_AWAY}"
    )
