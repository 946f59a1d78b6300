"""The whole system on loopback sockets in the test's event loop: dss-sim, the runtime (with a
FakeClock) and the owner and share sites (plain HTTP)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestServer
from dss_sim.clock import ManualClock
from dss_sim.config import SimConfig
from dss_sim.sim import Simulator

from dss_addon.runtime import Runtime, open_runtime
from dss_addon.settings import Listen, Settings
from tests.support.clock import FakeClock

LOOPBACK = "127.0.0.1"


@dataclass
class Stack:
    sim: Simulator
    clock: FakeClock  # the add-on's clock
    runtime: Runtime
    sim_url: str  # no trailing slash
    owner_url: str  # "" when started with owner=False
    share_url: str  # "" when started with share=False
    sim_clock: ManualClock  # the simulator's own clock (session idle timeouts)


def stack_settings(sim_url: str, data_dir: Path) -> Settings:
    return Settings(
        dss_url=sim_url,
        data_dir=data_dir,
        owner_listen=Listen(LOOPBACK, 0),
        share_listen=Listen(LOOPBACK, 0),
        http=True,
        dss_timeout=5.0,
    )


async def _serve(stack: AsyncExitStack, app: web.Application) -> str:
    server = TestServer(app, host=LOOPBACK)
    await stack.enter_async_context(server)
    return str(server.make_url("")).rstrip("/")


@asynccontextmanager
async def running_stack(
    tmp_path: Path,
    *,
    clock: FakeClock | None = None,
    sim_config: SimConfig | None = None,
    owner: bool = True,
    share: bool = True,
    configure: Callable[[Settings], Settings] | None = None,
    prepare_sim: Callable[[Simulator], None] | None = None,
    prepare_share_app: Callable[[web.Application, Runtime], None] | None = None,
) -> AsyncIterator[Stack]:
    """`configure` may replace settings fields (dataclasses.replace) before the runtime opens;
    `prepare_sim` sets up the simulator before it serves, `prepare_share_app` the share app
    before it starts (e.g. other rate limits)."""
    # Imported here so this module imports before every piece exists.
    from dss_sim.app import create_sim_app

    clock = clock or FakeClock()
    sim_clock = ManualClock()
    sim = Simulator(config=sim_config or SimConfig(), clock=sim_clock)
    if prepare_sim is not None:
        prepare_sim(sim)
    async with AsyncExitStack() as stack:
        sim_url = await _serve(stack, create_sim_app(sim))
        settings = stack_settings(sim_url, tmp_path / "data")
        if configure is not None:
            settings = configure(settings)
        runtime = await stack.enter_async_context(open_runtime(settings, clock))
        owner_url = share_url = ""
        if share:
            from dss_addon.web.share.app import create_share_app

            share_app = create_share_app(runtime)
            if prepare_share_app is not None:
                prepare_share_app(share_app, runtime)
            share_url = await _serve(stack, share_app)
            runtime.share_url = share_url
        if owner:
            from dss_addon.web.owner.app import create_owner_app

            owner_url = await _serve(stack, create_owner_app(runtime))
            # The simulator plays the dSS web front: /add-ons/dss-share/ goes to the owner site.
            sim.config.addon_url = owner_url + "/"
        yield Stack(sim, clock, runtime, sim_url, owner_url, share_url, sim_clock)
