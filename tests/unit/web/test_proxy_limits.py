"""Pure parts of the proxy's protections: token scrubbing of event answers, and the limits that
keep one share from flooding the dSS."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping

import pytest

from dss_addon.errors import DssRejected, RateLimited
from dss_addon.policy.model import DssCall, Target
from dss_addon.policy.rules import EVENT_SUBSCRIBE_NAMES
from dss_addon.web.rate_limit import ConcurrencyLimit, RateLimiter
from dss_addon.web.share.event_poll import namespace, scrub_event_answer
from dss_addon.web.share.event_subscriptions import (
    ABANDONED_AFTER,
    MAX_IDS_PER_SESSION,
    MAX_IDS_PER_SHARE,
    SWEEP_INTERVAL,
    Released,
    SubscriptionLedger,
)
from dss_addon.web.share.limits import (
    BUS_READ_BURST,
    POLLS_PER_SESSION,
    POLLS_PER_SHARE,
    REQUEST_BURST,
    ProxyLimits,
    is_bus_read,
    poll_slot,
)
from tests.support.clock import FakeClock

APP_TOKEN = "b898e2b2ea48955a9cddd9e2b0189d9d570ace570905bfef8db5c2572264134c"


def _answer(*events: Mapping[str, object]) -> bytes:
    return json.dumps({"result": {"events": list(events)}, "ok": True}).encode()


def test_scene_events_lose_their_origin_token() -> None:
    event = {
        "name": "callScene",
        "properties": {"sceneID": "5", "callOrigin": "2", "originToken": APP_TOKEN},
        "source": {"set": ".zone(989).group(1)", "zoneID": 989, "isGroup": True},
    }
    out = scrub_event_answer(_answer(event), "s1")
    assert APP_TOKEN.encode() not in out
    scrubbed = json.loads(out)["result"]["events"][0]
    assert scrubbed["properties"] == {"sceneID": "5", "callOrigin": "2", "originToken": ""}
    assert scrubbed["source"] == event["source"]
    assert b", " not in out  # compact
    assert b": " not in out


def test_every_property_naming_a_token_is_blanked() -> None:
    deleted = {"name": "ApplicationTokenDeleted", "properties": {"ApplicationToken": APP_TOKEN}}
    nested = {"name": "x", "properties": {"a": "1"}, "source": {"deep": [{"TOKEN": APP_TOKEN}]}}
    out = scrub_event_answer(_answer(deleted, nested), "s1")
    assert APP_TOKEN.encode() not in out
    events = json.loads(out)["result"]["events"]
    assert events[0]["properties"] == {"ApplicationToken": ""}
    assert events[1]["properties"] == {"a": "1"}


def test_a_zone_restricted_share_sees_only_events_of_its_zones() -> None:
    group = {"name": "callScene", "properties": {"zoneID": "990"}, "source": {"zoneID": 990}}
    device = {"name": "callScene", "properties": {"sceneID": "14"}, "source": {"zoneID": 989}}
    elsewhere = {"name": "callScene", "properties": {"zoneID": "991"}, "source": {"zoneID": 991}}
    apartment = {"name": "callScene", "properties": {"zoneID": "0"}, "source": {"zoneID": 0}}
    raised = {"name": "my.evt", "properties": {"a": "1"}, "source": {}}
    body = _answer(group, device, elsewhere, apartment, raised)
    kept = json.loads(scrub_event_answer(body, "s1", (989, 990)))["result"]["events"]
    assert [e["source"].get("zoneID") for e in kept] == [990, 989]
    everything = json.loads(scrub_event_answer(body, "s1"))["result"]["events"]
    assert len(everything) == 5


def test_scrubbed_answers_are_ascii_and_stripped_of_the_namespace() -> None:
    raised = {"name": "my.evt", "properties": {"text": "Küche \u2028"}, "source": {}}
    out = scrub_event_answer(_answer(raised), "s1")
    assert out.isascii()
    assert json.loads(out)["result"]["events"][0]["properties"]["text"] == "Küche \u2028"
    error = f'{{"ok":false,"message":" Token {namespace("s1")}42 not found!"}}'.encode()
    assert scrub_event_answer(error, "s1") == b'{"ok":false,"message":" Token 42 not found!"}'


@pytest.mark.parametrize(
    "body", [b"", b"<html>500</html>", b'{"ok":true', b"[1,2]", b'"ok"', b"\xff\xfe"]
)
def test_an_unreadable_event_answer_is_not_forwarded(body: bytes) -> None:
    with pytest.raises(DssRejected):
        scrub_event_answer(body, "s1")


def test_refusals_report_the_first_of_a_burst_and_when_to_retry() -> None:
    clock = FakeClock()
    limiter = RateLimiter(clock, capacity=2, per_second=0.5)
    assert [limiter.take("a").allowed for _ in range(2)] == [True, True]
    first, second = limiter.take("a"), limiter.take("a")
    assert not first.allowed
    assert first.first_refusal
    assert first.retry_after == pytest.approx(2)
    assert not second.allowed
    assert not second.first_refusal
    clock.advance(seconds=2)
    assert limiter.take("a").allowed
    again = limiter.take("a")
    assert not again.allowed
    assert again.first_refusal  # a new burst is reported again


def test_concurrency_limit_counts_holders_and_forgets_idle_keys() -> None:
    limit = ConcurrencyLimit(2)
    assert [limit.acquire("a") for _ in range(3)] == [True, True, False]
    assert limit.acquire("b")
    limit.release("a")
    assert limit.acquire("a")
    for key in ("a", "a", "b"):
        limit.release(key)
    assert limit.in_use("a") == limit.in_use("b") == 0
    assert limit._in_use == {}  # bounded: nothing is kept for idle keys


def _device(method: str) -> DssCall:
    return DssCall(Target.JSON, "device", method, {})


def test_bus_reads() -> None:
    assert is_bus_read(_device("getConfig"))
    assert is_bus_read(_device("getTransmissionQuality"))
    assert not is_bus_read(_device("getName"))
    assert not is_bus_read(DssCall(Target.JSON, "zone", "getConfig", {}))


def test_default_limits_are_generous_for_a_page_but_bounded() -> None:
    limits = ProxyLimits.create(FakeClock())
    assert sum(limits.requests.allow("session") for _ in range(500)) == REQUEST_BURST
    assert sum(limits.bus_reads.allow("share") for _ in range(100)) == BUS_READ_BURST


async def test_poll_slots_are_capped_per_session_and_share_and_released() -> None:
    limits = ProxyLimits.create(FakeClock())
    release = asyncio.Event()
    held: list[str] = []

    async def poll(session: str) -> None:
        async with poll_slot(limits, share_id="share", session_id=session):
            held.append(session)
            await release.wait()

    tasks = [asyncio.ensure_future(poll("one")) for _ in range(POLLS_PER_SESSION)]
    await asyncio.sleep(0)
    with pytest.raises(RateLimited):
        async with poll_slot(limits, share_id="share", session_id="one"):
            pass
    others = POLLS_PER_SHARE - POLLS_PER_SESSION
    tasks += [asyncio.ensure_future(poll(f"s{i}")) for i in range(others)]
    await asyncio.sleep(0)
    with pytest.raises(RateLimited):
        async with poll_slot(limits, share_id="share", session_id="fresh"):
            pass
    assert limits.session_polls.in_use("fresh") == 0  # a refused slot holds nothing
    assert len(held) == POLLS_PER_SHARE
    release.set()
    await asyncio.gather(*tasks)
    assert limits.share_polls.in_use("share") == 0
    assert limits.session_polls.in_use("one") == 0


# -- standing event subscriptions (event_subscriptions.SubscriptionLedger) ---------------------


def test_the_ledger_caps_new_ids_but_not_a_standing_one() -> None:
    ledger = SubscriptionLedger()
    for i in range(MAX_IDS_PER_SESSION):
        assert ledger.admit("share", "a", str(i), "callScene", 0.0) == ""
        ledger.subscribed("share", "a", str(i), 0.0)
    assert "session" in ledger.admit("share", "a", "new", "callScene", 0.0)
    assert ledger.admit("share", "a", "0", "buttonClick", 0.0) == ""  # the same id: no new one
    assert ledger.count("share", "a") == MAX_IDS_PER_SESSION
    for i in range(MAX_IDS_PER_SHARE - MAX_IDS_PER_SESSION):
        assert ledger.admit("share", "b", str(i), "callScene", 0.0) == ""
    assert "share" in ledger.admit("share", "c", "1", "callScene", 0.0)
    assert ledger.count("share") == MAX_IDS_PER_SHARE
    assert ledger.admit("other", "d", "1", "callScene", 0.0) == ""  # per share


def test_a_logout_lapses_ids_to_restore_and_unsubscribe_frees_them() -> None:
    # Issue 8: a dSS session logged out under a share (idle, evicted, dSS restart) must not drop
    # the electrician's subscriptions silently, so the ids stay, lapsed, with all their names.
    ledger = SubscriptionLedger()
    ledger.admit("share", "a", "1", "callScene", 0.0)
    ledger.admit("share", "a", "1", "undoScene", 0.0)
    ledger.subscribed("share", "a", "1", 0.0)
    ledger.subscribed("share", "a", "1", 0.0)
    ledger.admit("share", "a", "2", "callScene", 0.0)  # still in flight
    assert ledger.to_restore("share", "a", "1") == []
    ledger.forget_share("share")  # the dSS session was logged out
    assert ledger.count("share") == 2
    assert ledger.to_restore("share", "a", "1") == ["callScene", "undoScene"]
    ledger.restored("share", "a", "1")
    assert ledger.to_restore("share", "a", "1") == []
    ledger.lapse("share", "a", "1")  # a poll met "Token 1 not found"
    assert ledger.to_restore("share", "a", "1") == ["callScene", "undoScene"]
    ledger.subscribed("share", "a", "2", 0.0)
    ledger.unsubscribed("share", "a", "2")
    ledger.unsubscribed("share", "a", "1")
    assert ledger.count("share") == 0
    assert ledger.shares() == []


def test_abandoned_ids_are_taken_but_polled_ones_stay() -> None:
    ledger = SubscriptionLedger()
    for sub_id in ("polled", "idle", "touched"):
        ledger.admit("share", "a", sub_id, "callScene", 0.0)
        ledger.subscribed("share", "a", sub_id, 0.0)
    later = ABANDONED_AFTER + 1
    ledger.touch("share", "a", "touched", later - 1)
    with ledger.polling("share", "a", "polled", 0.0):
        taken = ledger.take_abandoned("share", later)
    assert taken == [Released("a", "idle", "callScene")]
    assert sorted(r.sub_id for r in ledger.take_share("share")) == ["polled", "touched"]
    assert ledger.count("share") == 0


def test_the_event_names_per_id_are_bounded_by_the_allow_list() -> None:
    # The dSS keeps a set of names per id (EventSubscriptionSession::subscribe); the policy
    # admits only the allow-list's names, so a set holds at most that many.
    assert len(EVENT_SUBSCRIBE_NAMES) <= 32


def test_a_sweep_is_due_at_most_every_interval() -> None:
    ledger = SubscriptionLedger()
    assert ledger.sweep_due(0.0)
    assert not ledger.sweep_due(SWEEP_INTERVAL - 1)
    assert ledger.sweep_due(SWEEP_INTERVAL)
