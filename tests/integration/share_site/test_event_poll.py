"""Event subscriptions through the proxy: namespaced per share session, and long polls that end
when the share does."""

from __future__ import annotations

import asyncio

import aiohttp

from tests.support.share_site import Helper, open_share, sim_calls
from tests.support.stack import Stack

ZONE = 989


async def _subscribe(helper: Helper, sub_id: str) -> None:
    resp = await helper.get(f"/json/event/subscribe?name=callScene&subscriptionID={sub_id}")
    assert await resp.json() == {"ok": True}


async def _until_polled(stack: Stack) -> None:
    """Until an event/get is open at the simulator (no fixed sleep on a busy machine)."""
    for _ in range(250):
        if any(c.path == "/json/event/get" for c in stack.sim.calls):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the long poll never reached the simulator")


async def test_events_reach_the_subscriber(stack: Stack, http: aiohttp.ClientSession) -> None:
    helper = await open_share(http, stack, level="operate")
    await _subscribe(helper, "42")
    await helper.get(f"/json/zone/callScene?id={ZONE}&groupID=1&sceneNumber=5")
    resp = await helper.get("/json/event/get?subscriptionID=42&timeout=2000")
    body = await resp.json()
    assert body["ok"] is True
    assert [e["properties"]["sceneID"] for e in body["result"]["events"]] == ["5"]


async def test_two_sessions_of_one_share_do_not_share_subscription_ids(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    first = await open_share(http, stack, level="operate", max_redemptions=2)
    resp = await http.post(f"{stack.share_url}/s/redeem", json={"secret": first.created.secret})
    second = Helper(http, stack, resp.cookies["dss_share"].value, first.created)
    await _subscribe(first, "42")
    await _subscribe(second, "42")
    await first.get(f"/json/zone/callScene?id={ZONE}&groupID=1&sceneNumber=5")
    for helper in (first, second):
        body = await (await helper.get("/json/event/get?subscriptionID=42&timeout=-1")).json()
        assert len(body["result"]["events"]) == 1  # each got its own copy
    await first.get("/json/event/unsubscribe?name=callScene&subscriptionID=42")
    body = await (await second.get("/json/event/get?subscriptionID=42&timeout=-1")).json()
    assert body["ok"] is True  # the other session's subscription is untouched
    ids = {c["subscriptionID"] for c in sim_calls(stack, "/json/event/subscribe")}
    assert len(ids) == 2
    assert all(i.endswith("42") for i in ids)


async def test_unknown_subscription_error_names_the_clients_id(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    resp = await helper.get("/json/event/get?subscriptionID=999&timeout=-1")
    assert await resp.json() == {"ok": False, "message": " Token 999 not found!"}


async def test_a_poll_without_timeout_is_capped(stack: Stack, http: aiohttp.ClientSession) -> None:
    helper = await open_share(http, stack, level="view", minutes=5)
    await _subscribe(helper, "7")
    # The share ends in 5 minutes (fake clock): "wait for ever" becomes at most that long,
    # and never more than a minute.
    task = asyncio.ensure_future(helper.get("/json/event/get?subscriptionID=7"))
    await _until_polled(stack)
    polls = sim_calls(stack, "/json/event/get")
    assert polls[-1]["timeout"] == "60000"
    task.cancel()


async def test_revocation_ends_an_open_long_poll(stack: Stack, http: aiohttp.ClientSession) -> None:
    helper = await open_share(http, stack, level="view")
    await _subscribe(helper, "1")
    poll = asyncio.ensure_future(helper.get("/json/event/get?subscriptionID=1&timeout=30000"))
    await _until_polled(stack)
    assert not poll.done()
    await stack.runtime.shares.revoke(helper.created.share.id, actor="dssadmin")
    # Generous bound: the point is "ends promptly", not a speed measurement.
    resp = await asyncio.wait_for(poll, timeout=5)
    assert resp.status == 401
    assert (await resp.json())["ok"] is False


async def test_job_done_from_another_tab_ends_the_poll(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    await _subscribe(helper, "1")
    poll = asyncio.ensure_future(helper.get("/json/event/get?subscriptionID=1&timeout=30000"))
    await _until_polled(stack)
    assert (await helper.post("/s/done", json={})).status == 200
    resp = await asyncio.wait_for(poll, timeout=5)
    assert resp.status == 401


async def test_extension_keeps_the_poll_open(stack: Stack, http: aiohttp.ClientSession) -> None:
    helper = await open_share(http, stack, level="operate")
    await _subscribe(helper, "1")
    poll = asyncio.ensure_future(helper.get("/json/event/get?subscriptionID=1&timeout=30000"))
    await _until_polled(stack)
    share = helper.created.share
    await stack.runtime.shares.extend(
        share.id, share.expires_at + (share.expires_at - share.starts_at), actor="dssadmin"
    )
    await asyncio.sleep(0.1)
    assert not poll.done()
    await helper.get(f"/json/zone/callScene?id={ZONE}&groupID=1&sceneNumber=5")
    resp = await asyncio.wait_for(poll, timeout=5)
    assert resp.status == 200
    assert len((await resp.json())["result"]["events"]) == 1
