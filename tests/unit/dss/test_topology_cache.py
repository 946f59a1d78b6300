"""When the cached topology answers a request (dss/topology_cache.py)."""

from __future__ import annotations

from dss_addon.dss.topology_cache import TOPOLOGY_TTL, CachedRead, serves
from dss_addon.policy.model import Topology


def cached(number: int, read_at: float) -> CachedRead:
    return CachedRead(number, read_at, Topology(zones={}))


def test_a_read_younger_than_the_ttl_serves() -> None:
    read = cached(3, read_at=100.0)
    assert serves(read, asked=3, fresh=False, now=100.0 + TOPOLOGY_TTL - 0.1, ttl=TOPOLOGY_TTL)
    assert not serves(read, asked=3, fresh=False, now=100.0 + TOPOLOGY_TTL, ttl=TOPOLOGY_TTL)


def test_a_fresh_request_takes_only_a_read_begun_after_it() -> None:
    read = cached(3, read_at=100.0)
    assert not serves(read, asked=3, fresh=True, now=100.0, ttl=TOPOLOGY_TTL)
    assert serves(read, asked=2, fresh=True, now=100.0 + 10 * TOPOLOGY_TTL, ttl=TOPOLOGY_TTL)
