"""The Store's audit surface: buffered per-call rows, pages, exports and retention."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import aiosqlite

from dss_addon.clock import SteadyClock
from dss_addon.errors import StoreError
from dss_addon.shares.audit import AuditEntry
from dss_addon.store.audit_chain import ChainRow, Checkpoint, Head
from dss_addon.store.audit_export import read_chain
from dss_addon.store.audit_retention import Retention, prune
from dss_addon.store.audit_rows import AuditPage, audit_page, audit_since
from dss_addon.store.audit_seal import seal_audit
from dss_addon.store.background import BackgroundTask
from dss_addon.store.db import Database
from dss_addon.store.rows import AUDIT_COLUMNS, audit_from_row, bounded, to_ts

log = logging.getLogger(__name__)
AUDIT_TEXT_MAX = 500  # bounds a row whatever a caller passes as call or reason
RETENTION_INTERVAL = 600.0  # seconds between retention passes while nothing is left to do
RETENTION_BATCHES = 2000  # per pass at most; the next pass goes on
RETENTION_PAUSE = 0.05  # seconds between two batches of one pass: requests get their turn


class AuditStore(Database):
    """Append-only for every caller: the only deletion is retention's, which leaves a sealed
    checkpoint for each run of rows it removes."""

    def __init__(
        self,
        conn: aiosqlite.Connection,
        clock: SteadyClock,
        *,
        audit_interval: float,
        audit_rows: int,
        audit_key: bytes,
        retention: Retention | None,
    ) -> None:
        super().__init__(
            conn, clock, audit_interval=audit_interval, audit_rows=audit_rows,
            audit_key=audit_key,
        )
        self.retention = retention or Retention()
        self._retention_task = RetentionTask(self)

    def audit(self, entry: AuditEntry) -> None:
        """Cheap and synchronous: buffered, written by the background flush or flush()."""
        self._audit.append(bounded(entry))

    async def flush(self) -> None:
        await self._audit.flush()

    async def audit_log(self, share_id: str) -> list[AuditEntry]:
        """Every row of a share, oldest first: for small logs and tests; pages use audit_page.
        The rows on disk, then those still waiting in memory (when the disk refuses them, the
        owner still sees what happened)."""
        with contextlib.suppress(StoreError):
            await self.flush()
        sql = f"SELECT id, {AUDIT_COLUMNS} FROM audit WHERE share_id = ? ORDER BY id"  # noqa: S608
        stored = [audit_from_row(row) for row in await self._fetchall(sql, (share_id,))]
        return stored + self._waiting(share_id)

    def _waiting(self, share_id: str) -> list[AuditEntry]:
        return [entry for entry in self._audit.waiting() if entry.share_id == share_id]

    async def audit_page(
        self, share_id: str, *, before: int | None = None, limit: int = 100,
        events: tuple[str, ...] = (),
    ) -> AuditPage:
        """Newest first. The first page also shows rows the disk has not taken yet."""
        with contextlib.suppress(StoreError):
            await self.flush()
        async with self._transaction(write=False) as conn:
            page = await audit_page(conn, share_id, before=before, limit=limit, events=events)
        if before is None:
            waiting = [e for e in self._waiting(share_id) if not events or e.event in events]
            page = AuditPage([*reversed(waiting), *page.entries], page.next_before)
        return page

    async def audit_since(
        self, share_id: str, *, after: int = 0, limit: int = 1000, events: tuple[str, ...] = ()
    ) -> list[AuditEntry]:
        async with self._transaction(write=False) as conn:
            return await audit_since(conn, share_id, after=after, limit=limit, events=events)

    async def audit_chain(
        self, share_id: str
    ) -> tuple[list[ChainRow], list[Checkpoint], Head | None]:
        """One share's chain as stored, for a verifiable export."""
        with contextlib.suppress(StoreError):
            await self.flush()
        async with self._transaction(write=False) as conn:
            return await read_chain(conn, share_id)

    async def seal_audit(self, *, sealed_before: bool) -> bool:
        """At open, before anything can append: the first seal of a database just migrated
        to the chain, or the upgrade of a first-release seal (audit_seal.py). True when the
        database holds a seal afterwards."""
        async with self._transaction(affects_access=False) as conn:
            return await seal_audit(conn, self._audit_key, sealed_before=sealed_before)

    async def prune_audit(self) -> int:
        """One retention batch; returns the number of rows removed (0: nothing is due)."""
        now = to_ts(self.clock.now())
        async with self._transaction(affects_access=False) as conn:
            return await prune(conn, self._audit_key, now, self.retention)


class RetentionTask:
    """Sleeps between passes and pauses between batches: never busy, never long on the
    connection, whatever the size of the backlog."""

    def __init__(self, store: AuditStore) -> None:
        self._store = store
        self._passes = BackgroundTask(self._run, "audit-prune")

    def start(self) -> None:
        """Runs the passes (the seal is written at open: connection.open_store)."""
        self._passes.start()

    async def stop(self) -> None:
        await self._passes.stop()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(RETENTION_INTERVAL)
            try:
                await self.run_pass()
            except StoreError:
                log.exception("audit retention failed; trying again later")

    async def run_pass(self) -> None:
        """Batches until nothing is due (or the pass's share of batches is done)."""
        for _ in range(RETENTION_BATCHES):
            if await self._store.prune_audit() < self._store.retention.batch:
                return
            await asyncio.sleep(RETENTION_PAUSE)
