"""The test seams of the simulator: recorded calls, fault switches, restart."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from dss_sim.app import create_sim_app
from dss_sim.config import SimConfig
from dss_sim.sim import Simulator
from pytest_aiohttp import AiohttpServer

if TYPE_CHECKING:
    from tests.conftest import DssHttp, Structure


async def test_calls_are_recorded_with_method_path_query_headers_and_cookies(
    dss: DssHttp, sim: Simulator, token: str
) -> None:
    await dss.get(
        f"/json/apartment/getName?token={token}&x=%41",
        cookie="lang=de",
        headers={"X-Probe": "1"},
    )
    call = sim.calls[-1]
    assert call.method == "GET"
    assert call.path == "/json/apartment/getName"
    assert call.query == f"token={token}&x=%41"
    assert call.body == ""
    assert {k.lower(): v for k, v in call.headers.items()}["x-probe"] == "1"
    assert dict(call.cookies) == {"lang": "de"}


async def test_post_bodies_are_recorded(dss: DssHttp, sim: Simulator, token: str) -> None:
    await dss.post("/json/apartment/getName?a=b", f"token={token}")
    call = sim.calls[-1]
    assert call.method == "POST"
    assert call.query == "a=b"
    assert call.body == f"token={token}"


async def test_calls_are_recorded_in_order_including_failures(dss: DssHttp, sim: Simulator) -> None:
    before = len(sim.calls)
    await dss.get("/json/apartment/getName")
    await dss.get("/json/foo/bar")
    await dss.get("/json/system/getDSID")
    paths = [c.path for c in sim.calls[before:]]
    assert paths == ["/json/apartment/getName", "/json/foo/bar", "/json/system/getDSID"]


async def test_unreachable_drops_connections_without_an_answer(
    dss: DssHttp, sim: Simulator
) -> None:
    sim.unreachable = True
    with pytest.raises(aiohttp.ClientError):
        await dss.get("/json/system/getDSID", limit=5)
    sim.unreachable = False
    assert (await dss.get("/json/system/getDSID")).status == 200


async def test_latency_delays_answers(dss: DssHttp, sim: Simulator) -> None:
    sim.latency_ms = 300
    started = time.monotonic()
    reply = await dss.get("/json/system/getDSID")
    assert reply.status == 200
    assert time.monotonic() - started >= 0.28
    sim.latency_ms = 0
    started = time.monotonic()
    await dss.get("/json/system/getDSID")
    assert time.monotonic() - started < 0.25


@pytest.fixture
async def slow_server(aiohttp_server: AiohttpServer) -> TestServer:
    return await aiohttp_server(create_sim_app(Simulator(config=SimConfig(latency_ms=250))))


async def test_configured_latency_applies_from_the_start(slow_server: TestServer) -> None:
    async with aiohttp.ClientSession() as session:
        started = time.monotonic()
        async with session.get(slow_server.make_url("/json/system/getDSID")) as resp:
            assert resp.status == 200
        assert time.monotonic() - started >= 0.23


async def test_latency_does_not_serialise_concurrent_requests(dss: DssHttp, sim: Simulator) -> None:
    sim.latency_ms = 300
    started = time.monotonic()
    replies = await asyncio.gather(*(dss.get("/json/system/getDSID") for _ in range(5)))
    assert all(r.status == 200 for r in replies)
    assert time.monotonic() - started < 1.2


async def test_restart_keeps_the_model(
    dss: DssHttp, sim: Simulator, token: str, structure: Structure
) -> None:
    zone_id = structure.room["id"]
    await dss.ok(f"/json/zone/setName?id={zone_id}&newName=Neu", token)
    await dss.subscribe(token, "callScene")
    sim.restart()
    fresh = await dss.login()
    assert await dss.ok(f"/json/zone/getName?id={zone_id}", fresh) == {"name": "Neu"}
    message = await dss.fail("/json/event/get?subscriptionID=42&timeout=-1", fresh)
    assert message == " Token 42 not found!"


async def test_data_dir_keeps_password_and_enabled_tokens_across_simulators(
    aiohttp_server: AiohttpServer, make_dss: Callable[[TestServer], DssHttp], tmp_path: Path
) -> None:
    first = await aiohttp_server(create_sim_app(Simulator(config=SimConfig(data_dir=tmp_path))))
    dss = make_dss(first)
    app_token = await dss.app_token()
    await dss.ok("/json/system/setPassword?password=persist", await dss.login())
    await first.close()

    second = await aiohttp_server(create_sim_app(Simulator(config=SimConfig(data_dir=tmp_path))))
    dss = make_dss(second)
    await dss.login(password="persist")
    await dss.ok(f"/json/system/loginApplication?loginToken={app_token}")
