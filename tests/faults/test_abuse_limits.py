"""The pure parts of the connection guard: who is admitted, what fits below the descriptor
limit, and the new settings' validation."""

from __future__ import annotations

import resource

import pytest

from dss_addon.errors import BadInput
from dss_addon.settings import settings_from_options
from dss_addon.web.connections import (
    FD_RESERVE,
    MIN_TOTAL,
    ConnectionLimits,
    ConnectionRegistry,
    descriptor_budget,
)
from tests.support.clock import FakeClock

FRONT = "10.0.0.1"


def _registry(total: int = 5, per_client: int = 2) -> ConnectionRegistry:
    return ConnectionRegistry(
        ConnectionLimits(
            max_total=total,
            max_per_client=per_client,
            header_timeout=1.0,
            body_timeout=1.0,
            keepalive_timeout=1.0,
            unlimited_peers=frozenset({FRONT}),
        ),
        FakeClock(),
    )


def test_a_client_gets_its_share_of_connections_and_no_more() -> None:
    registry = _registry()
    keys = [registry.admit("192.0.2.1") for _ in range(3)]
    assert keys[:2] == ["192.0.2.1", "192.0.2.1"]
    assert keys[2] is None
    assert registry.admit("192.0.2.2") == "192.0.2.2"
    registry.release("192.0.2.1")
    assert registry.admit("192.0.2.1") == "192.0.2.1"


def test_an_ipv6_client_is_counted_per_64() -> None:
    registry = _registry()
    assert registry.admit("2001:db8::1") is not None
    assert registry.admit("2001:db8::2") is not None
    assert registry.admit("2001:db8::3") is None
    assert registry.open_from("2001:db8::ffff") == 2


def test_the_total_caps_everyone_and_a_trusted_front_only_by_the_total() -> None:
    registry = _registry(total=5, per_client=2)
    assert all(registry.admit(FRONT) for _ in range(5))
    assert registry.total == 5
    assert registry.admit("192.0.2.9") is None
    assert registry.refused == 1
    registry.release(FRONT)
    assert registry.admit("192.0.2.9") == "192.0.2.9"


def test_the_caps_fit_below_the_soft_descriptor_limit() -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    share, owner = descriptor_budget(100_000, 64)
    assert share + owner + FD_RESERVE <= max(soft, 2 * MIN_TOTAL + FD_RESERVE)
    assert owner >= MIN_TOTAL
    assert descriptor_budget(10, 5) == (max(MIN_TOTAL, 10), MIN_TOTAL)


BASE: dict[str, object] = {"dss_url": "http://127.0.0.1:8080", "data_dir": "data"}


def test_limits_are_read_from_the_options() -> None:
    settings = settings_from_options(
        {**BASE, "header_timeout": 2, "max_connections": 50, "web_front": ["192.0.2.7"]}
    )
    assert settings.header_timeout == 2.0
    assert settings.max_connections == 50
    assert settings.web_front == frozenset({"192.0.2.7"})
    assert settings_from_options({**BASE, "web_front": []}).web_front == frozenset()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("header_timeout", 0),
        ("header_timeout", "5"),
        ("max_connections", 1.5),
        ("max_connections", True),
        ("shutdown_timeout", 1000),
        ("web_front", "127.0.0.1"),
    ],
)
def test_bad_limits_are_refused(key: str, value: object) -> None:
    with pytest.raises(BadInput):
        settings_from_options({**BASE, key: value})
