"""The Store: every read and write of shares, sessions and the audit trail."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import aiosqlite

from dss_addon.clock import SteadyClock
from dss_addon.errors import StoreError, StoreFull
from dss_addon.shares.audit import AuditEntry
from dss_addon.shares.model import PIN_MAX_FAILURES, Share, ShareSession
from dss_addon.store import rows
from dss_addon.store.audit_retention import Retention
from dss_addon.store.audit_store import AuditStore
from dss_addon.store.db import SELECT_SESSION, SELECT_SHARE
from dss_addon.store.lifecycle import ShareLifecycle, insert_share_row
from dss_addon.store.reserve import DiskReserve
from dss_addon.store.rows import SHARE_COLUMNS, bounded, to_ts

T = TypeVar("T")
SESSION_CACHE_SIZE = 4096

_REDEEM = """
UPDATE shares SET redemptions = redemptions + 1, last_used_at = :now
WHERE id = :id AND revoked_at IS NULL AND ended_at IS NULL
  AND starts_at <= :now AND expires_at > :now
  AND (max_redemptions IS NULL OR redemptions < max_redemptions)
  AND (pin_hash IS NULL OR pin_failures < :max_failures)
"""
# Two literal statements rather than a formatted column name: SQL is never built from values.
_FINISH = {
    "revoke": "UPDATE shares SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"
    " AND ended_at IS NULL",
    "end": "UPDATE shares SET ended_at = ? WHERE id = ? AND revoked_at IS NULL"
    " AND ended_at IS NULL",
}


@dataclass(frozen=True, slots=True)
class ShareRecord:
    """A share with what only the service may see: the stored digest and PIN hash."""

    share: Share
    secret_digest: bytes
    pin_hash: str | None


@dataclass(frozen=True, slots=True)
class SessionRecord:
    share: Share
    session: ShareSession
    token_digest: bytes


class Store(ShareLifecycle, AuditStore):
    """Every method that changes a share takes the audit rows that record the change and
    writes them in the same transaction: an acknowledged change always has its row."""

    def __init__(
        self,
        conn: aiosqlite.Connection,
        clock: SteadyClock,
        *,
        audit_interval: float = 5.0,
        audit_rows: int = 100,
        audit_key: bytes,
        retention: Retention | None = None,
        reserve: DiskReserve | None = None,
    ) -> None:
        super().__init__(
            conn, clock, audit_interval=audit_interval, audit_rows=audit_rows,
            audit_key=audit_key, retention=retention,
        )
        self.reserve = reserve
        self._closed = False
        # Every proxied request looks its session up; the add-on is the only writer of this
        # database, so a record stays true until the next write: see session_by_digest.
        self._sessions: dict[bytes, tuple[int, SessionRecord]] = {}

    def start(self) -> None:
        self._audit.start()
        self._retention_task.start()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._retention_task.stop()
            await self._audit.stop()
            # Writes what is left and the clock's mark; a full disk gives up the reserve
            # rather than the audit rows.
            await self._with_reserve(lambda: self._write_buffered(mark=True))
        finally:
            await self._conn.close()

    async def _with_reserve(self, write: Callable[[], Awaitable[T]]) -> T:
        """Runs a write; when the disk is full, frees the reserve and tries once more."""
        try:
            return await write()
        except StoreFull:
            if self.reserve is None or not await asyncio.to_thread(self.reserve.release):
                raise
        return await write()

    async def restore_reserve(self) -> bool:
        """Recreates the disk reserve if it was used; False while there is no room yet."""
        return self.reserve is None or await asyncio.to_thread(self.reserve.ensure)

    # -- shares -----------------------------------------------------------------------------

    async def insert_share(
        self,
        share: Share,
        *,
        secret_digest: bytes,
        pin_hash: str | None,
        app_token: bytes | None,
        audit: AuditEntry,
    ) -> Share:
        """Returns the share as stored (times truncated to whole seconds)."""
        async with self._transaction() as conn:
            await insert_share_row(
                conn, share, secret_digest=secret_digest, pin_hash=pin_hash, app_token=app_token
            )
            await self._insert_audit(conn, [bounded(audit)])
            return await self._share_in(conn, share.id)

    async def share(self, share_id: str) -> Share | None:
        row = await self._fetchone(SELECT_SHARE, (share_id,))
        return None if row is None else rows.share_from_row(row)

    async def shares_page(
        self, *, view: str = "all", now: datetime | None = None, revoked: Sequence[str] = (),
        before: str | None = None, limit: int = 100,
    ) -> list[Share] | None:
        """Newest first: at most `limit` shares of the owner's list `view` (listing.VIEWS),
        starting after the share `before` in that order (a keyset page: what was added or
        archived meanwhile shifts nothing). `now` and `revoked` (revoked in memory, maybe not
        on disk yet) decide what is over. None when `before` names no share."""
        where, params = _view_filter(view, now, revoked)
        if before is not None:
            row = await self._fetchone("SELECT created_at FROM shares WHERE id = ?", (before,))
            if row is None:
                return None
            # Written so that SQLite seeks the index to the cursor's place.
            where += " AND created_at <= ? AND (created_at < ? OR id > ?)"
            params += (row["created_at"], row["created_at"], before)
        # The current view reads the live shares by their end (few, then sorted); the others
        # walk their list's index in order (migration 0006).
        index = "INDEXED BY shares_current " if view == "current" and now is not None else ""
        sql = (
            f"SELECT {SHARE_COLUMNS} FROM shares {index}WHERE {where}"  # noqa: S608 - fixed
            " ORDER BY created_at DESC, id LIMIT ?"
        )
        return [rows.share_from_row(row) for row in await self._fetchall(sql, (*params, limit))]

    async def share_counts(self, *, now: datetime, revoked: Sequence[str] = ()) -> tuple[int, int]:
        """(all, over) of the shares not archived: the total as kept by the triggers of
        migration 0006, the current ones counted among the live shares (index shares_current),
        so the cost follows the live shares, not every share ever made."""
        total = await self._fetchone("SELECT count FROM shares_listed_total", ())
        where, params = _view_filter("current", now, revoked)
        current = await self._fetchone(
            f"SELECT count(*) FROM shares INDEXED BY shares_current WHERE {where}",  # noqa: S608
            params,
        )
        assert total is not None
        assert current is not None
        return int(total[0]), int(total[0]) - int(current[0])

    async def shares_with_open_extension_requests(self) -> list[str]:
        """Ids of the shares not archived whose request for more time awaits an answer."""
        sql = (
            "SELECT id FROM shares WHERE archived_at IS NULL AND extension_minutes IS NOT NULL"
            " AND extension_answer IS NULL ORDER BY id"
        )
        return [str(row["id"]) for row in await self._fetchall(sql, ())]

    async def share_by_digest(self, digest: bytes) -> ShareRecord | None:
        sql = f"SELECT {SHARE_COLUMNS}, secret_digest FROM shares WHERE secret_digest = ?"  # noqa: S608
        row = await self._fetchone(sql, (digest,))
        if row is None:
            return None
        return ShareRecord(rows.share_from_row(row), bytes(row["secret_digest"]), row["pin_hash"])

    async def shares_holding_app_tokens(self) -> list[Share]:
        sql = f"SELECT {SHARE_COLUMNS} FROM shares WHERE app_token IS NOT NULL"  # noqa: S608
        return [rows.share_from_row(row) for row in await self._fetchall(sql, ())]

    async def app_token(self, share_id: str) -> bytes | None:
        row = await self._fetchone("SELECT app_token FROM shares WHERE id = ?", (share_id,))
        return None if row is None or row["app_token"] is None else bytes(row["app_token"])

    async def any_app_token(self) -> bytes | None:
        """One sealed app token, to prove at start-up that the key still opens them."""
        row = await self._fetchone(
            "SELECT app_token FROM shares WHERE app_token IS NOT NULL LIMIT 1", ()
        )
        return None if row is None else bytes(row["app_token"])

    async def set_app_token(self, share_id: str, blob: bytes | None) -> None:
        async with self._transaction() as conn:
            await conn.execute("UPDATE shares SET app_token = ? WHERE id = ?", (blob, share_id))

    async def record_pin_failure(
        self, share_id: str, audit: Callable[[int], Sequence[AuditEntry]]
    ) -> int:
        """Atomic increment with the rows audit(new count) returns; returns the new count."""
        async with self._transaction() as conn:
            async with conn.execute(
                "UPDATE shares SET pin_failures = pin_failures + 1 WHERE id = ?"
                " RETURNING pin_failures",
                (share_id,),
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                raise StoreError("no such share")
            failures = int(row[0])
            await self._insert_audit(conn, [bounded(entry) for entry in audit(failures)])
        return failures

    async def redeem(
        self,
        share_id: str,
        *,
        session_id: str,
        token_digest: bytes,
        client: str,
        audit: AuditEntry,
        max_pin_failures: int = PIN_MAX_FAILURES,
    ) -> tuple[Share, ShareSession] | None:
        """Counts a redemption and opens a session, or does nothing and returns None.

        The guard lives in the UPDATE's WHERE clause, so it also holds across connections
        and processes: parallel requests cannot redeem a share beyond max_redemptions."""
        now = to_ts(self.clock.now())
        guard = {"now": now, "id": share_id, "max_failures": max_pin_failures}
        async with self._transaction() as conn:
            cursor = await conn.execute(_REDEEM, guard)
            if cursor.rowcount != 1:
                return None
            await conn.execute(
                "INSERT INTO sessions (id, share_id, token_digest, created_at, last_seen_at,"
                " client) VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, share_id, token_digest, now, now, client),
            )
            await self._insert_audit(conn, [bounded(audit)])
            share = await self._share_in(conn, share_id)
            session = await self._session_in(conn, session_id)
        return share, session

    async def revoke(self, share_id: str, audit: AuditEntry) -> tuple[Share, bool] | None:
        """(share, changed); ends every session of the share. None for an unknown id.
        A full disk gives up the reserve for it: a revocation must be written."""
        return await self._with_reserve(lambda: self._finish("revoke", share_id, audit))

    async def end(self, share_id: str, audit: AuditEntry) -> tuple[Share, bool] | None:
        return await self._finish("end", share_id, audit)

    async def _finish(
        self, how: str, share_id: str, audit: AuditEntry
    ) -> tuple[Share, bool] | None:
        # The time of the action, not of the write: a revocation written late (disk full)
        # keeps the moment it took effect.
        now = to_ts(audit.at)
        async with self._transaction() as conn:
            cursor = await conn.execute(_FINISH[how], (now, share_id))
            changed = cursor.rowcount == 1
            await conn.execute(
                "UPDATE sessions SET ended_at = ? WHERE share_id = ? AND ended_at IS NULL",
                (now, share_id),
            )
            if changed:
                await self._insert_audit(conn, [bounded(audit)])
            async with conn.execute(SELECT_SHARE, (share_id,)) as found:
                row = await found.fetchone()
        return None if row is None else (rows.share_from_row(row), changed)

    async def extend(
        self, share_id: str, expires_at: datetime, audit: AuditEntry
    ) -> Share | None:
        """None when the share is unknown, revoked or ended."""
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "UPDATE shares SET expires_at = ? WHERE id = ? AND revoked_at IS NULL"
                " AND ended_at IS NULL",
                (to_ts(expires_at), share_id),
            )
            if cursor.rowcount != 1:
                return None
            await self._insert_audit(conn, [bounded(audit)])
            return await self._share_in(conn, share_id)

    # -- sessions ---------------------------------------------------------------------------

    async def session_by_digest(self, digest: bytes) -> SessionRecord | None:
        """Served from memory while no write has committed since it was read: a revoke, an end,
        an extension or any other change of shares or sessions is seen by the very next call.
        (This relies on the add-on being the database's only writer, as it is by design.)"""
        cached = self._sessions.get(digest)
        if cached is not None and cached[0] == self.generation:
            return cached[1]
        read_in = self.generation
        async with self._transaction(write=False) as conn:
            async with conn.execute(f"{SELECT_SESSION} WHERE token_digest = ?", (digest,)) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            share = await self._share_in(conn, row["share_id"])
        record = SessionRecord(share, rows.session_from_row(row), bytes(row["token_digest"]))
        if self.generation == read_in:  # no write committed while this read was under way
            # Entries of an earlier generation can never be served again: dropped rather than
            # kept until the cache is full (the sessions of every browser that went away).
            stale = next(iter(self._sessions.values()), (read_in,))[0] != read_in
            if stale or len(self._sessions) >= SESSION_CACHE_SIZE:
                self._sessions.clear()
            self._sessions[digest] = (read_in, record)
        return record

    async def touch_session(self, session_id: str, seen_at: datetime) -> None:
        """Writes last_seen_at of the session and last_used_at of its share.

        Bookkeeping only: the service keeps the current last-seen time in memory and decides
        idleness with it, so cached look-ups stay valid (one write a minute per session would
        otherwise send every request back to SQLite)."""
        at = to_ts(seen_at)
        async with self._transaction(affects_access=False) as conn:
            await conn.execute(
                "UPDATE sessions SET last_seen_at = max(last_seen_at, ?) WHERE id = ?",
                (at, session_id),
            )
            await conn.execute(
                "UPDATE shares SET last_used_at = max(coalesce(last_used_at, 0), ?)"
                " WHERE id = (SELECT share_id FROM sessions WHERE id = ?)",
                (at, session_id),
            )

    async def end_session(
        self,
        session_id: str,
        *,
        last_seen_at: datetime | None = None,
        audit: AuditEntry | None = None,
    ) -> bool:
        """True if this call ended it (then `audit` is written with it)."""
        now = to_ts(self.clock.now())
        seen = now if last_seen_at is None else to_ts(last_seen_at)
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "UPDATE sessions SET ended_at = ?, last_seen_at = max(last_seen_at, ?)"
                " WHERE id = ? AND ended_at IS NULL",
                (now, seen, session_id),
            )
            ended = cursor.rowcount == 1
            if ended and audit is not None:
                await self._insert_audit(conn, [bounded(audit)])
            return ended

    async def open_sessions(self, share_id: str) -> list[ShareSession]:
        sql = f"{SELECT_SESSION} WHERE share_id = ? AND ended_at IS NULL ORDER BY created_at"
        return [rows.session_from_row(row) for row in await self._fetchall(sql, (share_id,))]


def _over(now: datetime | None, revoked: Sequence[str]) -> tuple[str, tuple[object, ...]]:
    """SQL that is true for a share over at `now` (shares.model.share_state: revoked, ended or
    expired), counting the shares `revoked` in memory as revoked."""
    moment = rows.to_ts(now) if now is not None else 0
    return (
        "(revoked_at IS NOT NULL OR ended_at IS NOT NULL OR expires_at <= ?"
        " OR id IN (SELECT value FROM json_each(?)))",
        (moment, json.dumps(list(revoked))),
    )


def _view_filter(
    view: str, now: datetime | None, revoked: Sequence[str]
) -> tuple[str, tuple[object, ...]]:
    """The WHERE of a view; its first terms name the partial index the view reads."""
    if view == "archived":
        return "archived_at IS NOT NULL", ()
    if view not in ("current", "over") or now is None:
        return "archived_at IS NULL", ()
    over, params = _over(now, revoked)
    if view == "over":
        return f"archived_at IS NULL AND {over}", params
    return (
        "archived_at IS NULL AND revoked_at IS NULL AND ended_at IS NULL AND expires_at > ?"
        f" AND NOT {over}",
        (params[0], *params),
    )
