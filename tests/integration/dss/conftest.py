"""dss-sim on a loopback socket and a DssClient pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from dss_sim.app import create_sim_app
from dss_sim.clock import ManualClock
from dss_sim.config import SimConfig
from dss_sim.sim import Simulator

from dss_addon.dss.client import DssClient
from tests.support.clock import FakeClock


@pytest.fixture
def sim_clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim(sim_clock: ManualClock) -> Simulator:
    return Simulator(config=SimConfig(), clock=sim_clock)


@pytest.fixture
async def sim_url(sim: Simulator) -> AsyncIterator[str]:
    async with TestServer(create_sim_app(sim), host="127.0.0.1") as server:
        yield str(server.make_url("")).rstrip("/")


@pytest.fixture
def dss(http: aiohttp.ClientSession, sim_url: str, clock: FakeClock) -> DssClient:
    return DssClient(http, sim_url, clock, timeout=5.0)


@pytest.fixture
async def owner_token(dss: DssClient) -> str:
    return await dss.login("dssadmin", "dssadmin")
