"""The one place that reads time: UTC wall clock for stored times, monotonic for intervals."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

# A wall clock earlier than this is not synchronised (a device without a battery-backed clock
# boots in 1970 or 2000). The release process sets it to the first day of the month the version
# is released in; 0.1.0 was built in November 2026. Raise it with every release.
BUILD_DATE = datetime(2026, 11, 1, tzinfo=UTC)


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


class SteadyClock:
    """Wall time that never runs backwards, for every share decision (DESIGN.md §3 rule 8).

    now() is the later of the wall clock and the high-water mark; while the wall clock lags
    behind the mark (it was set back), the mark keeps running on the monotonic clock, so
    shares still expire on time. The store persists the mark, so a restart keeps it too."""

    def __init__(self, inner: Clock, mark: datetime | None = None) -> None:
        self._inner = inner
        self._mark = mark if mark is not None else inner.now()
        self._mark_mono = inner.monotonic()

    def now(self) -> datetime:
        wall, mono = self._inner.now(), self._inner.monotonic()
        running = self._mark + timedelta(seconds=max(0.0, mono - self._mark_mono))
        self._mark, self._mark_mono = max(wall, running), mono
        return self._mark

    def monotonic(self) -> float:
        return self._inner.monotonic()

    def wall(self) -> datetime:
        """The wall clock as it is, for judging whether it can be trusted."""
        return self._inner.now()


class AcceleratedClock:
    """Both clocks running `rate` times faster than real time from the moment it is made, for
    soak runs that want hours of share lifetimes, idle timeouts and rate-limit refills in
    minutes. A development tool: `dss-addon serve` never uses it (scripts/soak.py does)."""

    def __init__(self, rate: float, inner: Clock | None = None) -> None:
        if rate <= 0:
            raise ValueError("the clock rate must be positive")
        self._inner = inner or SystemClock()
        self._rate = rate
        self._wall0, self._mono0 = self._inner.now(), self._inner.monotonic()

    def now(self) -> datetime:
        return self._wall0 + timedelta(seconds=self._elapsed())

    def monotonic(self) -> float:
        return self._mono0 + self._elapsed()

    def _elapsed(self) -> float:
        return (self._inner.monotonic() - self._mono0) * self._rate


def synchronised(clock: Clock) -> bool:
    """False while the wall clock lies before the build date (never set since boot)."""
    wall = clock.wall() if isinstance(clock, SteadyClock) else clock.now()
    return wall >= BUILD_DATE
