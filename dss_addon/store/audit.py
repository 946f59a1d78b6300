"""The audit buffer: rows are appended in memory and written in batches (flash wear)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from dss_addon.errors import StoreError
from dss_addon.shares.audit import AuditEntry

log = logging.getLogger(__name__)

MAX_BUFFERED = 10_000  # if the disk keeps failing, memory must not grow without bound


class AuditBuffer:
    def __init__(
        self,
        write: Callable[[list[AuditEntry]], Awaitable[None]],
        *,
        interval: float,
        max_rows: int,
    ) -> None:
        self._write = write
        self._interval = interval
        self._max_rows = max_rows
        self._rows: list[AuditEntry] = []
        self._pending = asyncio.Event()  # at least one row waits
        self._full = asyncio.Event()  # max_rows wait: flush now
        self._flush_lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    def append(self, entry: AuditEntry) -> None:
        self._rows.append(entry)
        if len(self._rows) > MAX_BUFFERED:
            del self._rows[0]
            log.warning("audit buffer full: dropped the oldest row")
        self._pending.set()
        if len(self._rows) >= self._max_rows:
            self._full.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="audit-flush")

    async def flush(self) -> None:
        async with self._flush_lock:
            rows, self._rows = self._rows, []
            self._pending.clear()
            self._full.clear()
            if not rows:
                return
            try:
                await self._write(rows)
            except BaseException:
                # Keep them for the next attempt, in order, ahead of rows added meanwhile.
                self._rows[:0] = rows
                self._pending.set()
                raise

    async def stop(self) -> None:
        """Stops the background flush, then writes what is left."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

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
