"""Time sources: the real one and a manual one for tests."""

from __future__ import annotations

import time
from typing import Protocol


class SimClock(Protocol):
    def monotonic(self) -> float: ...

    def time(self) -> float: ...


class RealClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()


class ManualClock:
    """A clock that only moves when told to."""

    def __init__(self, start: float = 1_790_000_000.0) -> None:
        self._now = start
        self._mono = 1000.0

    def monotonic(self) -> float:
        return self._mono

    def time(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds
        self._mono += seconds
