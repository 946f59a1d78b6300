"""Pure helpers of the share site: forwarded client addresses, the rate limiter, event polls."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from dss_addon.policy.model import DssCall, Target
from dss_addon.web.client_address import forwarded_client, rate_key
from dss_addon.web.rate_limit import RateLimiter
from dss_addon.web.share.configurator import rebase_html
from dss_addon.web.share.event_poll import (
    MAX_POLL_MS,
    namespace,
    namespaced_params,
    poll_timeout_ms,
    strip_namespace,
)
from tests.support.clock import DEFAULT_START, FakeClock

PROXY = "10.0.0.1"
TRUSTED = frozenset({PROXY, "10.0.0.2"})


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        ("192.0.2.7", ["203.0.113.9"], "192.0.2.7"),  # untrusted peer: header ignored
        (PROXY, [], PROXY),
        (PROXY, ["203.0.113.9"], "203.0.113.9"),
        (PROXY, ["198.51.100.1, 203.0.113.9"], "203.0.113.9"),  # left part is client-written
        (PROXY, ["203.0.113.9, 10.0.0.2"], "203.0.113.9"),  # two trusted hops
        (PROXY, ["198.51.100.1", "203.0.113.9"], "203.0.113.9"),  # repeated headers
        (PROXY, ["not-an-ip"], PROXY),
        (PROXY, ["10.0.0.2"], PROXY),
        (PROXY, ["2001:db8::1"], "2001:db8::1"),
    ],
)
def test_forwarded_client(peer: str, forwarded: list[str], expected: str) -> None:
    assert forwarded_client(peer, forwarded, TRUSTED) == expected


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.7", "192.0.2.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.7", "192.0.2.7"),
        ("unknown", "unknown"),
    ],
)
def test_rate_limits_count_a_whole_ipv6_64_as_one_client(address: str, key: str) -> None:
    assert rate_key(address) == key


def test_rate_limiter_allows_a_burst_then_refills() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, capacity=3, per_second=0.5)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")  # per key
    clock.advance(seconds=2)
    assert limiter.allow("a")
    assert not limiter.allow("a")
    clock.advance(seconds=100)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]


def _event(method: str, params: dict[str, str]) -> DssCall:
    return DssCall(Target.JSON, "event", method, params)


def test_subscription_ids_are_namespaced_per_session() -> None:
    params = {"subscriptionID": "42", "name": "callScene"}
    one = namespaced_params(_event("subscribe", params), params, "session-a")
    two = namespaced_params(_event("subscribe", params), params, "session-b")
    assert one["subscriptionID"] != two["subscriptionID"]
    assert one["subscriptionID"].endswith("42")
    assert one["name"] == "callScene"
    assert namespaced_params(_event("get", {}), {}, "session-a") == {}
    other = DssCall(Target.JSON, "zone", "getName", {"subscriptionID": "1"})
    assert namespaced_params(other, {"subscriptionID": "1"}, "s")["subscriptionID"] == "1"


def test_namespace_is_removed_from_answers() -> None:
    body = f'{{"ok":false,"message":" Token {namespace("s1")}42 not found!"}}'.encode()
    assert strip_namespace(body, "s1") == b'{"ok":false,"message":" Token 42 not found!"}'


END = DEFAULT_START + timedelta(minutes=10)


@pytest.mark.parametrize(
    ("timeout", "now", "expected"),
    [
        (None, DEFAULT_START, MAX_POLL_MS),  # missing: "for ever" is capped
        ("0", DEFAULT_START, MAX_POLL_MS),
        ("1000", DEFAULT_START, 1000),
        ("0x3e8", DEFAULT_START, MAX_POLL_MS),  # not canonical (the proxy refuses it): capped
        ("120000", DEFAULT_START, MAX_POLL_MS),
        ("30000", END - timedelta(seconds=5), 5000),  # capped to the share's end
        (None, END - timedelta(seconds=5), 5000),
        ("30000", END + timedelta(seconds=5), 1),
        ("-1", DEFAULT_START, -1),  # immediate: kept
        ("-0x1", DEFAULT_START, MAX_POLL_MS),
        ("abc", DEFAULT_START, MAX_POLL_MS),  # what might the dSS read into it? Capped.
        ("99999999999", DEFAULT_START, MAX_POLL_MS),  # beyond a C int: strtol clamps
        ("99999999999", END - timedelta(seconds=1), 1000),
        ("4294967296", DEFAULT_START, MAX_POLL_MS),  # 2**32: a long -> int cast makes it 0
        ("-4294967296", DEFAULT_START, MAX_POLL_MS),
        ("-2", DEFAULT_START, MAX_POLL_MS),  # only an exact -1 means "at once"
        ("2147483647", END - timedelta(seconds=5), 5000),
        ("1000 ", DEFAULT_START, MAX_POLL_MS),  # trailing junk
    ],
)
def test_poll_timeout(timeout: str | None, now: datetime, expected: int) -> None:
    params = {} if timeout is None else {"timeout": timeout}
    assert poll_timeout_ms(params, now, END) == expected


def test_configurator_pages_load_assets_through_the_prefix() -> None:
    page = b'<script src="/js/a.js"></script><link href="/c.css"><a href="//cdn.example/x">'
    assert rebase_html(page) == (
        b'<script src="/s/dss/js/a.js"></script><link href="/s/dss/c.css">'
        b'<a href="//cdn.example/x">'
    )
