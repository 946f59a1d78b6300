"""The audit buffer: per-call rows are appended in memory and written in batches (flash wear).

Rows of owner and share actions do not wait here: they are written in the transaction of the
change they record. Every write transaction takes the buffered rows with it first, so the
trail keeps the order in which things happened."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from dss_addon.errors import StoreError
from dss_addon.shares.audit import AuditEntry
from dss_addon.store.background import BackgroundTask

log = logging.getLogger(__name__)

MAX_BUFFERED = 10_000  # if the disk keeps failing, memory must not grow without bound


class AuditBuffer:
    def __init__(
        self,
        write: Callable[[], Awaitable[None]],
        *,
        interval: float,
        max_rows: int,
    ) -> None:
        """write: opens a write transaction, which takes the buffered rows (see take())."""
        self._write = write
        self._interval = interval
        self._max_rows = max_rows
        self._rows: list[AuditEntry] = []
        self._pending = asyncio.Event()  # at least one row waits
        self._full = asyncio.Event()  # max_rows wait: flush now
        self._flusher = BackgroundTask(self._run, "audit-flush")

    def append(self, entry: AuditEntry) -> None:
        self._rows.append(entry)
        if len(self._rows) > MAX_BUFFERED:
            del self._rows[0]
            log.warning("audit buffer full: dropped the oldest row")
        self._pending.set()
        if len(self._rows) >= self._max_rows:
            self._full.set()

    def take(self) -> list[AuditEntry]:
        """Called inside a write transaction: its rows go to the disk with it."""
        rows, self._rows = self._rows, []
        self._pending.clear()
        self._full.clear()
        return rows

    def put_back(self, rows: list[AuditEntry]) -> None:
        """The transaction failed: the rows wait for the next one, ahead of newer rows."""
        if rows:
            self._rows[:0] = rows
            del self._rows[:-MAX_BUFFERED]
            self._pending.set()

    def waiting(self) -> list[AuditEntry]:
        return list(self._rows)

    def start(self) -> None:
        self._flusher.start()

    async def flush(self) -> None:
        if self._rows:
            await self._write()

    async def stop(self) -> None:
        """Stops the background flush; the caller writes what is left."""
        await self._flusher.stop()

    async def _run(self) -> None:
        # Sleeps on events, never polls: nothing happens while no audit row is pending.
        while True:
            await self._pending.wait()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), self._interval)
            try:
                await self.flush()
            except StoreError:
                log.exception("writing the audit trail failed; retrying later")
                await asyncio.sleep(self._interval)
