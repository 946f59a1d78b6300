"""The installation's zones and devices, read with some share's session and shared by all
shares, at most `ttl` seconds old; a fresh request gets a read that began after it did."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from dss_addon.clock import Clock
from dss_addon.policy.model import Topology

TOPOLOGY_TTL = 60.0


@dataclass(frozen=True, slots=True)
class CachedRead:
    number: int  # reads begun before it, itself included
    read_at: float  # monotonic time it began
    topology: Topology


def serves(cached: CachedRead, *, asked: int, fresh: bool, now: float, ttl: float) -> bool:
    """Whether `cached` answers a request made when `asked` reads had begun: a fresh request
    takes only a read begun after it; any other one a read younger than `ttl`."""
    if fresh:
        return cached.number > asked
    return now - cached.read_at < ttl


class TopologyCache:
    def __init__(self, clock: Clock, ttl: float = TOPOLOGY_TTL) -> None:
        self._clock = clock
        self._ttl = ttl
        self._cached: CachedRead | None = None
        self._reads = 0
        self._lock = asyncio.Lock()

    async def get(self, read: Callable[[], Awaitable[Topology]], *, fresh: bool) -> Topology:
        """The cached topology, or `read()`'s. Concurrent fresh requests share one read: a
        caller that waited for the lock while such a read ran takes its answer."""
        asked = self._reads  # reads begun so far
        async with self._lock:
            cached = self._cached
            if cached is not None and serves(
                cached, asked=asked, fresh=fresh, now=self._clock.monotonic(), ttl=self._ttl
            ):
                return cached.topology
            self._reads += 1
            number, read_at = self._reads, self._clock.monotonic()
            topology = await read()
            self._cached = CachedRead(number, read_at, topology)
            return topology

    def invalidate(self) -> None:
        self._cached = None
