"""Issue 8: the electrician's event subscription outlives the share's dSS session (logged out
for another share, a dSS restart), and one deadline covers a whole request to a hung dSS."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import aiohttp

from dss_addon.settings import Settings
from tests.support.share_site import Helper, open_share
from tests.support.stack import running_stack

ZONE = 989


async def _events(helper: Helper, timeout_ms: int) -> list[object]:
    resp = await helper.get(f"/json/event/get?subscriptionID=7&timeout={timeout_ms}")
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["ok"] is True, body  # never " Token 7 not found!"
    events = body["result"]["events"]
    assert isinstance(events, list)
    return events


async def test_the_subscription_survives_a_logout_and_a_dss_restart(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    async with running_stack(tmp_path) as stack:
        helper = await open_share(http, stack, level="operate")
        share_id = helper.created.share.id
        resp = await helper.get("/json/event/subscribe?name=callScene&subscriptionID=7")
        assert resp.status == 200
        resp = await helper.get("/json/event/subscribe?name=undoScene&subscriptionID=7")
        assert resp.status == 200
        for what in ("logout", "restart"):
            if what == "logout":  # e.g. evicted for another share, or idle
                await stack.runtime.upstream.close_share(share_id)
            else:
                stack.sim.restart()
            assert await _events(helper, -1) == [], what  # subscribed again, transparently
            await helper.get(f"/json/zone/callScene?id={ZONE}&groupID=1&sceneNumber=5")
            await helper.get(f"/json/zone/undoScene?id={ZONE}&groupID=1&sceneNumber=5")
            events = await _events(helper, 2000)
            names = sorted(e["name"] for e in events if isinstance(e, dict))
            assert names == ["callScene", "undoScene"], (what, events)


async def test_one_deadline_for_concurrent_calls_to_a_hung_dss(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    deadline = 1.0

    def short(settings: Settings) -> Settings:
        return dataclasses.replace(settings, dss_timeout=deadline)

    async with running_stack(tmp_path, configure=short) as stack:
        helper = await open_share(http, stack, level="operate")
        assert (await helper.get("/json/apartment/getName")).status == 200
        stack.clock.advance(11)  # the app token check is due on the next call
        stack.sim.latency_ms = 600_000  # the dSS accepts and never answers
        loop = asyncio.get_running_loop()
        started = loop.time()

        async def timed() -> tuple[int, float]:
            resp = await helper.get("/json/apartment/getName")
            return resp.status, loop.time() - started

        answers = await asyncio.gather(*(timed() for _ in range(4)))
        assert {status for status, _ in answers} == {502}
        # One deadline each, running together: not 1, 2, 3, 4 deadlines one after the other.
        assert max(took for _, took in answers) < 2 * deadline, answers
        stack.sim.latency_ms = 0
