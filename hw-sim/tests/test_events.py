"""Event subscriptions, long polls and raised events (§3.8, §2.2 "in use")."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING

from dss_sim.clock import ManualClock
from dss_sim.sim import Simulator

if TYPE_CHECKING:
    from tests.conftest import DssHttp, Structure

# event.cpp Event(name): raised at the apartment (erlApartment)
APARTMENT_SOURCE = {"set": ".zone(0).group(0)", "groupID": 0, "zoneID": 0,
                    "isApartment": True, "isGroup": False, "isDevice": False}


# dss-api.md §6 #44
async def test_subscribe_needs_a_subscription_id_and_a_name(dss: DssHttp, token: str) -> None:
    assert await dss.fail("/json/event/subscribe?name=callScene", token) == (
        "Missing event subscription id"
    )
    assert await dss.fail("/json/event/subscribe?subscriptionID=42", token) == (
        "Missing event name"
    )
    reply = await dss.get("/json/event/subscribe?name=callScene&subscriptionID=42", token=token)
    assert reply.text == '{"ok":true}'


async def test_event_calls_need_a_session(dss: DssHttp) -> None:
    reply = await dss.get("/json/event/subscribe?name=callScene&subscriptionID=42")
    assert reply.status == 403


# dss-api.md §6 #45
async def test_event_get_without_events_waits_for_the_timeout(dss: DssHttp, token: str) -> None:
    await dss.subscribe(token, "callScene")
    started = time.monotonic()
    reply = await dss.get("/json/event/get?subscriptionID=42&timeout=300", token=token)
    elapsed = time.monotonic() - started
    assert reply.text == '{"result":{"events":[]},"ok":true}'
    assert 0.25 <= elapsed < 3.0


# dss-api.md §6 #45
async def test_event_get_with_timeout_minus_one_returns_at_once(dss: DssHttp, token: str) -> None:
    await dss.subscribe(token, "callScene")
    started = time.monotonic()
    reply = await dss.get("/json/event/get?subscriptionID=42&timeout=-1", token=token)
    assert time.monotonic() - started < 0.5
    assert reply.text == '{"result":{"events":[]},"ok":true}'


# dss-api.md §6 #45
async def test_event_get_rejects_a_non_integer_timeout(dss: DssHttp, token: str) -> None:
    await dss.subscribe(token, "callScene")
    message = await dss.fail("/json/event/get?subscriptionID=42&timeout=abc", token)
    assert message == "Could not parse timeout parameter!"


async def test_event_get_needs_a_subscription_id(dss: DssHttp, token: str) -> None:
    assert await dss.fail("/json/event/get?timeout=-1", token) == "Missing event subscription id"


# dss-api.md §6 #46
async def test_event_get_for_an_unknown_id_names_it_with_a_leading_space(
    dss: DssHttp, token: str
) -> None:
    reply = await dss.get("/json/event/get?subscriptionID=999", token=token)
    assert reply.status == 200
    assert reply.text == '{"ok":false,"message":" Token 999 not found!"}'


# dss-api.md §6 #47
async def test_unsubscribe_drops_the_whole_subscription_id(dss: DssHttp, token: str) -> None:
    await dss.subscribe(token, "foo")
    await dss.subscribe(token, "bar")
    reply = await dss.get("/json/event/unsubscribe?name=foo&subscriptionID=42", token=token)
    assert reply.text == '{"ok":true}'
    message = await dss.fail("/json/event/get?subscriptionID=42&timeout=-1", token)
    assert message == " Token 42 not found!"


# dss-api.md §6 #47
async def test_unsubscribe_of_an_unknown_id_is_ok(dss: DssHttp, token: str) -> None:
    reply = await dss.get("/json/event/unsubscribe?name=foo&subscriptionID=777", token=token)
    assert reply.text == '{"ok":true}'


async def test_unsubscribe_drops_queued_events(dss: DssHttp, token: str) -> None:
    await dss.subscribe(token, "my.evt")
    await dss.ok("/json/event/raise?name=my.evt", token)
    await asyncio.sleep(0.1)
    await dss.ok("/json/event/unsubscribe?name=my.evt&subscriptionID=42", token)
    await dss.subscribe(token, "other")
    assert await dss.events(token, timeout_ms=-1) == []


# dss-api.md §6 #48
async def test_raised_event_reaches_the_subscriber_with_string_properties(
    dss: DssHttp, token: str
) -> None:
    await dss.subscribe(token, "my.evt")
    reply = await dss.get(
        "/json/event/raise?name=my.evt&parameter=a=1;b=x=y&location=L", token=token
    )
    assert reply.text == '{"ok":true}'
    event = await dss.wait_event(token, "my.evt")
    assert event == {
        "name": "my.evt",
        "properties": {"a": "1", "b": "x=y"},  # location is set on the event, not a property
        "source": APARTMENT_SOURCE,
    }
    assert list(event) == ["name", "properties", "source"]


async def test_event_get_returns_events_in_the_documented_raw_shape(
    dss: DssHttp, token: str
) -> None:
    await dss.subscribe(token, "my.evt")
    await dss.ok("/json/event/raise?name=my.evt&parameter=k=v", token)
    await asyncio.sleep(0.2)
    reply = await dss.get("/json/event/get?subscriptionID=42&timeout=2000", token=token)
    assert reply.text == (
        '{"result":{"events":[{"name":"my.evt","properties":{"k":"v"},"source":{"set":'
        '".zone(0).group(0)","groupID":0,"zoneID":0,"isApartment":true,"isGroup":false,'
        '"isDevice":false}}]},"ok":true}'
    )


# dss-api.md §6 #48
async def test_event_raise_validates_name_and_parameters(dss: DssHttp, token: str) -> None:
    assert await dss.fail("/json/event/raise?name=my.evt&parameter=a", token) == (
        "Invalid parameter found: a"
    )
    assert await dss.fail("/json/event/raise?parameter=a=1", token) == "Missing event name!"


async def test_event_get_drains_every_queued_event_in_order(dss: DssHttp, token: str) -> None:
    await dss.subscribe(token, "my.evt")
    for n in range(5):
        await dss.ok(f"/json/event/raise?name=my.evt&parameter=n={n}", token)
    await asyncio.sleep(0.3)
    events = await dss.events(token, timeout_ms=2000)
    assert [e["properties"]["n"] for e in events] == ["0", "1", "2", "3", "4"]
    assert await dss.events(token, timeout_ms=-1) == []


async def test_one_subscription_id_can_carry_several_names_without_duplicates(
    dss: DssHttp, token: str
) -> None:
    await dss.subscribe(token, "a.evt")
    await dss.subscribe(token, "a.evt")
    await dss.subscribe(token, "b.evt")
    await dss.ok("/json/event/raise?name=a.evt", token)
    await dss.ok("/json/event/raise?name=b.evt", token)
    await dss.ok("/json/event/raise?name=c.evt", token)
    await asyncio.sleep(0.3)
    events = await dss.events(token, timeout_ms=2000)
    assert [e["name"] for e in events] == ["a.evt", "b.evt"]


async def test_event_get_returns_as_soon_as_an_event_arrives(dss: DssHttp, token: str) -> None:
    await dss.subscribe(token, "my.evt")
    other = await dss.login()
    poll = asyncio.create_task(dss.events(token, timeout_ms=10000))
    await asyncio.sleep(0.3)
    assert not poll.done()
    started = time.monotonic()
    await dss.ok("/json/event/raise?name=my.evt", other)
    events = await asyncio.wait_for(poll, 5)
    assert time.monotonic() - started < 2
    assert [e["name"] for e in events] == ["my.evt"]


# dss-api.md §6 #49
async def test_subscriptions_are_per_session(dss: DssHttp, token: str) -> None:
    await dss.subscribe(token, "callScene")
    other = await dss.login()
    message = await dss.fail("/json/event/get?subscriptionID=42&timeout=-1", other)
    assert message == " Token 42 not found!"


async def test_every_subscribed_session_gets_its_own_copy(dss: DssHttp, token: str) -> None:
    other = await dss.login()
    await dss.subscribe(token, "my.evt")
    await dss.subscribe(other, "my.evt", "7")
    await dss.ok("/json/event/raise?name=my.evt", token)
    assert (await dss.wait_event(token, "my.evt"))["name"] == "my.evt"
    assert (await dss.wait_event(other, "my.evt", "7"))["name"] == "my.evt"


# dss-api.md §6 #55
async def test_long_poll_keeps_the_session_alive_beyond_the_timeout(
    dss: DssHttp, token: str, sim: Simulator, clock: ManualClock
) -> None:
    await dss.subscribe(token, "my.evt")
    poll = asyncio.create_task(dss.events(token, timeout_ms=0))
    await asyncio.sleep(0.3)
    assert not poll.done()
    clock.advance(400)
    sim.sweep()
    other = await dss.login()
    await dss.ok("/json/event/raise?name=my.evt", other)
    events = await asyncio.wait_for(poll, 5)
    assert [e["name"] for e in events] == ["my.evt"]
    # Touched on exit: a sweep right after the poll keeps it too.
    sim.sweep()
    assert (await dss.get(f"/json/apartment/getName?token={token}")).status == 200


async def test_zone_scene_event_carries_the_app_token_as_origin(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    app_token = await dss.app_token()
    app_session = (await dss.ok(f"/json/system/loginApplication?loginToken={app_token}"))["token"]
    await dss.subscribe(token, "callScene")
    zone_id = structure.room["id"]
    await dss.ok(f"/json/zone/callScene?id={zone_id}&groupID=1&sceneNumber=5", app_session)
    event = await dss.wait_event(token, "callScene")
    assert event["properties"]["originToken"] == app_token


async def test_forced_scene_call_marks_the_event(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    await dss.subscribe(token, "callScene")
    zone_id = structure.room["id"]
    await dss.ok(f"/json/zone/callScene?id={zone_id}&sceneNumber=5&force=true", token)
    event = await dss.wait_event(token, "callScene")
    assert event["properties"]["forced"] == "true"
    assert event["properties"]["groupID"] == "0"
    assert event["source"]["set"] == f".zone({zone_id}).group(0)"


async def test_event_get_without_a_timeout_waits_until_an_event_arrives(
    dss: DssHttp, token: str
) -> None:
    await dss.subscribe(token, "my.evt")
    poll = asyncio.create_task(dss.get("/json/event/get?subscriptionID=42", token=token, limit=10))
    await asyncio.sleep(0.5)
    assert not poll.done()
    await dss.ok("/json/event/raise?name=my.evt", await dss.login())
    reply = await asyncio.wait_for(poll, 5)
    assert [e["name"] for e in reply.json()["result"]["events"]] == ["my.evt"]


async def test_abandoned_long_poll_releases_the_session_for_expiry(
    dss: DssHttp, token: str, sim: Simulator, clock: ManualClock
) -> None:
    await dss.subscribe(token, "my.evt")
    poll = asyncio.create_task(dss.events(token, timeout_ms=0))
    await asyncio.sleep(0.3)
    poll.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await poll
    # The dSS notices the disconnect within 200 ms and stops treating the session as in use.
    await asyncio.sleep(0.6)
    clock.advance(400)
    sim.sweep()
    assert (await dss.get(f"/json/apartment/getName?token={token}")).status == 403


async def test_events_raised_before_subscribing_are_not_delivered(dss: DssHttp, token: str) -> None:
    await dss.ok("/json/event/raise?name=early.evt", token)
    await asyncio.sleep(0.2)
    await dss.subscribe(token, "early.evt")
    assert await dss.events(token, timeout_ms=300) == []


async def test_raised_event_location_and_context_are_not_properties(
    dss: DssHttp, token: str
) -> None:
    # eventrequesthandler.cpp raise: Event::setLocation/setContext, not setProperty
    await dss.subscribe(token, "my.evt")
    await dss.ok("/json/event/raise?name=my.evt&location=Flur&context=test", token)
    event = await dss.wait_event(token, "my.evt")
    assert event["properties"] == {}
    assert event["source"] == APARTMENT_SOURCE
