"""The real third-party client pydigitalstrom 1.4.0 works against the simulator unchanged."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from dss_sim.app import create_sim_app
from dss_sim.clock import ManualClock
from dss_sim.sim import Simulator
from dss_sim.tls import server_context, write_self_signed
from pydigitalstrom.apptokenhandler import DSAppTokenHandler
from pydigitalstrom.client import DSClient
from pydigitalstrom.constants import SCENE_PRESENT
from pydigitalstrom.devices.scene import DSColorScene, DSScene
from pytest_aiohttp import AiohttpServer


@pytest.fixture
def quiet_pydigitalstrom() -> Iterator[None]:
    logger = logging.getLogger("pydigitalstrom")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
async def tls_server(
    aiohttp_server: AiohttpServer, sim: Simulator, clock: ManualClock, tmp_path: Path
) -> TestServer:
    # pydigitalstrom hard-codes https:// (and skips verification), so serve TLS with the
    # simulator's own self-signed certificate.
    now = datetime.fromtimestamp(clock.time(), UTC)
    cert, key = write_self_signed(tmp_path, "127.0.0.1", now)
    return await aiohttp_server(create_sim_app(sim), ssl=server_context(cert, key))


async def wait_for_call(sim: Simulator, path: str, within: float = 5.0) -> Any:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        for call in sim.calls:
            if call.path == path:
                return call
        await asyncio.sleep(0.02)
    raise AssertionError(f"{path} was never called; calls: {[c.path for c in sim.calls]}")


@pytest.mark.usefixtures("quiet_pydigitalstrom")
async def test_pydigitalstrom_gets_a_token_reads_scenes_and_calls_one(
    tls_server: TestServer, sim: Simulator
) -> None:
    host, port = "127.0.0.1", tls_server.port
    assert port is not None

    handler = DSAppTokenHandler(host=host, port=port, username="dssadmin", password="dssadmin")
    app_token = await handler.request_apptoken()
    assert isinstance(app_token, str)
    assert len(app_token) == 64

    client = DSClient(
        host=host, port=port, apptoken=app_token, apartment_name="Wohnung", stack_delay=10
    )
    await client.initialize()
    scenes: dict[str, Any] = client.get_scenes()
    assert scenes

    token = sim.login_token()
    zones = [z for z in sim_zones(await structure_of(client)) if z["id"] != 0]
    assert zones
    # Every named room got the generic apartment scenes.
    for zone in zones:
        scene = scenes[f"{zone['id']}_{SCENE_PRESENT}"]
        assert isinstance(scene, DSScene)
        assert scene.zone_name == zone["name"]
    assert all(isinstance(s, DSScene | DSColorScene) for s in scenes.values())

    room = zones[0]["id"]
    await client.stack.start()
    try:
        await scenes[f"{room}_{SCENE_PRESENT}"].turn_on()
        call = await wait_for_call(sim, "/json/zone/callScene")
    finally:
        task = client.stack.task
        await client.stack.stop()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert f"id={room}" in call.query
    assert f"sceneNumber={SCENE_PRESENT}" in call.query

    last = await client.raw_request(
        f"/json/zone/getLastCalledScene?id={room}", params={"token": token}
    )
    assert last["result"] == {"scene": SCENE_PRESENT}


async def structure_of(client: Any) -> dict[str, Any]:
    data: dict[str, Any] = await client.request(url="/json/apartment/getStructure")
    return data


def sim_zones(structure: dict[str, Any]) -> list[dict[str, Any]]:
    zones: list[dict[str, Any]] = structure["result"]["apartment"]["zones"]
    return zones
