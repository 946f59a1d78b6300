"""Small in-memory limits on the monotonic clock: a token bucket per key, and a count of requests
in flight per key. Both keep bounded state: idle keys are forgotten."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice

from dss_addon.clock import Clock

MAX_KEYS = 10_000  # bounded memory: the least recently used buckets are forgotten first


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float
    throttled: bool = False  # the last attempt was refused


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    # The first refusal after an allowed attempt: worth one audit row, the rest of the burst not.
    first_refusal: bool = False
    retry_after: float = 0.0  # seconds until the next attempt would be allowed


class RateLimiter:
    """`capacity` attempts at once, refilled at `per_second`; `allow()` spends one."""

    def __init__(self, clock: Clock, *, capacity: float, per_second: float) -> None:
        self._clock = clock
        self._capacity = capacity
        self._rate = per_second
        self._buckets: dict[str, _Bucket] = {}

    def allow(self, key: str) -> bool:
        return self.take(key).allowed

    def take(self, key: str) -> Verdict:
        """Spend one token of `key` if there is one."""
        now = self._clock.monotonic()
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(self._capacity, now)
        bucket.tokens = min(self._capacity, bucket.tokens + (now - bucket.at) * self._rate)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            bucket.throttled = False
            verdict = Verdict(allowed=True)
        else:
            wait = (1.0 - bucket.tokens) / self._rate if self._rate > 0 else float("inf")
            verdict = Verdict(allowed=False, first_refusal=not bucket.throttled, retry_after=wait)
            bucket.throttled = True
        self._buckets[key] = bucket  # re-inserted last: dict order is least recently used first
        while len(self._buckets) > MAX_KEYS:
            del self._buckets[next(iter(self._buckets))]
        self._forget_full(now)
        return verdict

    def _forget_full(self, now: float) -> None:
        """Drop the least recently used buckets that have refilled: a full bucket is the same
        as none. Keys of sessions that ended would otherwise stay until MAX_KEYS pushes them
        out; at most a few per call, oldest first, stopping at the first one still spent."""
        for key in list(islice(self._buckets, 2)):
            bucket = self._buckets[key]
            if bucket.tokens + (now - bucket.at) * self._rate < self._capacity:
                return
            del self._buckets[key]


class ConcurrencyLimit:
    """At most `limit` holders per key at once. Only keys in use are kept."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._in_use: dict[str, int] = {}

    def acquire(self, key: str) -> bool:
        held = self._in_use.get(key, 0)
        if held >= self._limit:
            return False
        self._in_use[key] = held + 1
        return True

    def release(self, key: str) -> None:
        held = self._in_use.get(key, 0) - 1
        if held > 0:
            self._in_use[key] = held
        else:
            self._in_use.pop(key, None)

    def in_use(self, key: str) -> int:
        return self._in_use.get(key, 0)
