"""The proxy's protections of the dSS and of the home's credentials: dSS tokens scrubbed from
events, long polls capped to the share's end and in number, and request rates limited."""

from __future__ import annotations

import asyncio

import aiohttp

from dss_addon.web.share.event_poll import MAX_POLL_MS
from dss_addon.web.share.limits import (
    BUS_READ_BURST,
    POLLS_PER_SESSION,
    POLLS_PER_SHARE,
    RATE_LIMITED,
    REQUEST_BURST,
)
from tests.support.share_site import Helper, open_share, sim_calls, sim_paths
from tests.support.stack import Stack

ZONE = 989
LIGHT = "303505d7f800000000000000cf4b9c1f00"


async def _subscribe(helper: Helper, sub_id: str) -> None:
    resp = await helper.get(f"/json/event/subscribe?name=callScene&subscriptionID={sub_id}")
    assert await resp.json() == {"ok": True}


async def _until_polls(stack: Stack, count: int) -> None:
    for _ in range(250):
        if sum(s.in_use for s in stack.sim.sessions.sessions.values()) >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{count} long polls never reached the simulator")


async def _assert_throttled(resp: aiohttp.ClientResponse) -> None:
    assert resp.status == 429
    assert int(resp.headers["Retry-After"]) >= 1
    body = await resp.json()
    assert body["ok"] is False
    assert body["message"]


async def test_scene_events_carry_no_app_token(stack: Stack, http: aiohttp.ClientSession) -> None:
    helper = await open_share(http, stack, level="operate")
    app_token = await stack.runtime.shares.app_token(helper.created.share.id)
    assert app_token
    await _subscribe(helper, "1")
    await helper.get(f"/json/zone/callScene?id={ZONE}&groupID=1&sceneNumber=5")
    resp = await helper.get("/json/event/get?subscriptionID=1&timeout=-1")
    text = await resp.text()
    assert app_token not in text
    event = (await resp.json())["result"]["events"][0]
    assert event["properties"]["sceneID"] == "5"
    assert event["properties"]["originToken"] == ""


async def test_an_overlong_timeout_is_forwarded_capped(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    await _subscribe(helper, "1")
    await helper.get("/json/event/get?subscriptionID=1&timeout=-1")
    await helper.get("/json/event/get?subscriptionID=1&timeout=1")  # 1 ms
    polls = sim_calls(stack, "/json/event/get")
    assert [p["timeout"] for p in polls] == ["-1", "1"]
    task = asyncio.ensure_future(helper.get("/json/event/get?subscriptionID=1&timeout=2000000000"))
    await _until_polls(stack, 1)
    assert sim_calls(stack, "/json/event/get")[-1]["timeout"] == str(MAX_POLL_MS)
    task.cancel()


async def test_long_polls_are_capped_per_session_and_per_share(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    first = await open_share(http, stack, level="operate", max_redemptions=3)
    others = []
    for _ in range(2):
        resp = await http.post(f"{stack.share_url}/s/redeem", json={"secret": first.created.secret})
        others.append(Helper(http, stack, resp.cookies["dss_share"].value, first.created))
    second, third = others
    polls = []
    for helper in (first, second):
        for i in range(POLLS_PER_SESSION):
            await _subscribe(helper, str(i))
            url = f"/json/event/get?subscriptionID={i}&timeout=30000"
            polls.append(asyncio.ensure_future(helper.get(url)))
    await _until_polls(stack, POLLS_PER_SHARE)
    mark = len(stack.sim.calls)
    await _subscribe(third, "9")
    await _assert_throttled(await first.get("/json/event/get?subscriptionID=0&timeout=30000"))
    await _assert_throttled(await third.get("/json/event/get?subscriptionID=9&timeout=-1"))
    assert "/json/event/get" not in sim_paths(stack, mark)  # nothing forwarded
    # One scene call ends every poll; the slots are free again.
    await first.get(f"/json/zone/callScene?id={ZONE}&groupID=1&sceneNumber=5")
    answers = await asyncio.wait_for(asyncio.gather(*polls), timeout=5)
    assert [a.status for a in answers] == [200] * POLLS_PER_SHARE
    assert (await third.get("/json/event/get?subscriptionID=9&timeout=-1")).status == 200


async def test_bus_reads_are_rate_limited_per_share(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    url = f"/json/device/getOutputValue?dsuid={LIGHT}&offset=0"
    for _ in range(BUS_READ_BURST):
        assert (await helper.get(url)).status == 200
    mark = len(stack.sim.calls)
    await _assert_throttled(await helper.get(f"/json/device/getConfig?dsuid={LIGHT}&class=3"))
    assert sim_paths(stack, mark) == []
    assert (await helper.get(f"/json/device/getName?dsuid={LIGHT}")).status == 200
    stack.clock.advance(seconds=1)
    assert (await helper.get(url)).status == 200


async def test_a_flood_is_throttled_with_one_audit_row(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    share_id = helper.created.share.id
    await stack.runtime.store.flush()
    before = len(await stack.runtime.shares.audit_log(share_id))
    statuses = [
        (await helper.get("/json/system/setPassword?password=x")).status
        for _ in range(REQUEST_BURST + 30)
    ]
    assert statuses == [403] * REQUEST_BURST + [429] * 30
    mark = len(stack.sim.calls)
    await _assert_throttled(await helper.get("/json/apartment/getName"))
    assert sim_paths(stack, mark) == []
    await stack.runtime.store.flush()
    rows = (await stack.runtime.shares.audit_log(share_id))[before:]
    assert len(rows) == REQUEST_BURST + 1
    assert [r.event for r in rows].count(RATE_LIMITED) == 1
    stack.clock.advance(seconds=1)
    assert (await helper.get("/json/apartment/getName")).status == 200


async def test_more_sessions_of_one_link_share_one_request_budget(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    first = await open_share(http, stack, level="view", max_redemptions=8)
    share_id = first.created.share.id
    helpers = [first]
    for _ in range(7):
        resp = await http.post(f"{stack.share_url}/s/redeem", json={"secret": first.created.secret})
        assert resp.status == 200
        helpers.append(Helper(http, stack, resp.cookies["dss_share"].value, first.created))
    await stack.runtime.store.flush()
    before = len(await stack.runtime.shares.audit_log(share_id))
    statuses = [
        (await helper.get("/json/apartment/getName")).status
        for _ in range(REQUEST_BURST // len(helpers) + 10)
        for helper in helpers
    ]
    assert statuses.count(200) == REQUEST_BURST
    assert statuses.count(429) == len(statuses) - REQUEST_BURST
    await stack.runtime.store.flush()
    rows = (await stack.runtime.shares.audit_log(share_id))[before:]
    assert len(rows) <= REQUEST_BURST + 1  # the budget of one share, not of eight sessions
    assert [r.event for r in rows].count(RATE_LIMITED) == 1


async def test_configurator_pages_draw_on_the_shares_request_budget(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="configure")
    mark = len(stack.sim.calls)
    statuses = [(await helper.get("/s/dss/")).status for _ in range(REQUEST_BURST + 10)]
    assert statuses == [200] * REQUEST_BURST + [429] * 10
    fetched = [p for p in sim_paths(stack, mark) if not p.startswith("/json/")]
    assert len(fetched) == REQUEST_BURST  # the throttled ones never reached the dSS
    await _assert_throttled(await helper.get("/json/apartment/getName"))  # one budget for both
