"""A small in-memory token bucket per key (client address), on the monotonic clock."""

from __future__ import annotations

from dataclasses import dataclass

from dss_addon.clock import Clock

MAX_KEYS = 10_000  # bounded memory: the oldest buckets are forgotten first


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """`capacity` attempts at once, refilled at `per_second`; `allow()` spends one."""

    def __init__(self, clock: Clock, *, capacity: float, per_second: float) -> None:
        self._clock = clock
        self._capacity = capacity
        self._rate = per_second
        self._buckets: dict[str, _Bucket] = {}

    def allow(self, key: str) -> bool:
        now = self._clock.monotonic()
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(self._capacity, now)
        bucket.tokens = min(self._capacity, bucket.tokens + (now - bucket.at) * self._rate)
        bucket.at = now
        allowed = bucket.tokens >= 1.0
        if allowed:
            bucket.tokens -= 1.0
        self._buckets[key] = bucket  # re-inserted last: dict order is least recently used first
        while len(self._buckets) > MAX_KEYS:
            del self._buckets[next(iter(self._buckets))]
        return allowed
