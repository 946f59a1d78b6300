"""The one place that reads time: UTC wall clock for stored times, monotonic for intervals."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Timezone-aware UTC time, for anything stored or compared with stored times."""
        ...

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin, for in-process intervals."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()
