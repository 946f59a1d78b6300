"""Resource abuse by a view-level electrician: the dSS (one small box, shared with the whole home)
must not be flooded through the share site."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.support.share_site import open_share
from tests.support.stack import Stack

LIGHT = "303505d7f800000000000000cf4b9c1f00"


async def test_parallel_long_polls_of_one_share_are_bounded(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    await helper.get("/json/event/subscribe?name=callScene&subscriptionID=1")
    peak = 0

    async def sample() -> None:
        nonlocal peak
        while True:
            busy = sum(s.in_use for s in stack.sim.sessions.sessions.values())
            peak = max(peak, busy)
            await asyncio.sleep(0.01)

    sampler = asyncio.create_task(sample())
    try:
        await asyncio.gather(
            *(helper.get("/json/event/get?subscriptionID=1&timeout=1500") for _ in range(40))
        )
    finally:
        sampler.cancel()
    assert peak <= 8, f"{peak} long polls held open in the dSS by one share"


async def test_bus_loading_reads_are_rate_limited(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    mark = len(stack.sim.calls)
    calls = [
        f"/json/device/getTransmissionQuality?dsuid={LIGHT}",
        f"/json/device/getOutputValue?dsuid={LIGHT}&offset=0",
        f"/json/device/getConfig?dsuid={LIGHT}&class=3&index=0",
    ]
    for _ in range(40):
        await asyncio.gather(*(helper.get(c) for c in calls))
    reached = [c for c in stack.sim.calls[mark:] if c.path.startswith("/json/device/get")]
    assert len(reached) <= 60, f"{len(reached)} bus reads in an instant"


async def test_many_share_sessions_share_one_dss_session(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view", max_redemptions=50)
    cookies = []
    for _ in range(8):
        stack.clock.advance(6)  # the redeem rate limit refills one try every 6 s
        resp = await http.post(
            f"{stack.share_url}/s/redeem", json={"secret": helper.created.secret}
        )
        assert resp.status == 200
        cookies.append(resp.cookies["dss_share"].value)
    await asyncio.gather(
        *(
            http.get(
                f"{stack.share_url}/json/apartment/getName",
                headers={"Cookie": f"dss_share={c}"},
            )
            for c in cookies
        )
    )
    app_sessions = [s for s in stack.sim.sessions.sessions.values() if s.is_application]
    assert len(app_sessions) == 1


@pytest.mark.parametrize(
    "body",
    [
        "&".join(f"p{i}=x" for i in range(2500))[: 16 * 1024 - 8],
        "x=" + "%" * (16 * 1024 - 2),
        "x=" + "+" * 6000 + "%FF" * 3000,
    ],
    ids=["many-pairs", "raw-percent", "invalid-utf8"],
)
async def test_a_body_under_the_limit_is_forwarded_whole(
    stack: Stack, http: aiohttp.ClientSession, body: str
) -> None:
    helper = await open_share(http, stack, level="view")
    assert len(body.encode()) <= 16 * 1024
    resp = await helper.post(
        "/json/apartment/getName",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    # Refused as non-canonical (403) before the dSS, or forwarded whole (200), or too large once
    # re-encoded (400): never cut short.
    assert resp.status in (200, 400, 403, 413), await resp.text()


async def test_a_view_share_cannot_exhaust_the_dss_session_limit(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    for _ in range(16):
        await helper.post("/json/apartment/getName", data="x=" + "%" * 16000)
    app_sessions = [s for s in stack.sim.sessions.sessions.values() if s.is_application]
    assert len(app_sessions) <= 1, f"{len(app_sessions)} dSS sessions held for one share"
    # The homeowner's configurator login still works.
    assert stack.sim.sessions.create("dssadmin") is not None


async def test_a_flood_of_denied_calls_is_throttled(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    statuses: list[int] = []
    for _ in range(15):
        answers = await asyncio.gather(
            *(helper.get("/json/system/setPassword?password=x") for _ in range(100))
        )
        statuses += [a.status for a in answers]
    await stack.runtime.store.flush()
    rows = await stack.runtime.shares.audit_log(helper.created.share.id)
    assert 429 in statuses or len(rows) < 1000, f"{len(rows)} audit rows, no throttling"
