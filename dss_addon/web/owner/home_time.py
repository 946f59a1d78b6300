"""Learns the home's time zone from the dSS while the owner site runs (dss_addon.home_zone):
once at start-up (briefly, so a dSS that is down delays nothing) and then every hour, or every
minute until the dSS has answered."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from dss_addon.errors import AddonError
from dss_addon.home_zone import HOME
from dss_addon.runtime import Runtime

log = logging.getLogger(__name__)

FIRST_TRY_S = 2.0
RELEARN_S = 3600.0
RETRY_S = 60.0


async def learn_once(runtime: Runtime) -> None:
    try:
        async with asyncio.timeout(FIRST_TRY_S):
            HOME.learn(await runtime.dss.system_time())
    except (AddonError, TimeoutError) as err:
        log.info("the dSS's time zone is not known yet: %s", type(err).__name__)


def setup(app: web.Application, runtime: Runtime) -> None:
    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        HOME.reset()
        await learn_once(runtime)

        async def relearn() -> None:
            while True:
                await asyncio.sleep(RELEARN_S if HOME.learned else RETRY_S)
                await learn_once(runtime)

        task = asyncio.get_running_loop().create_task(relearn(), name="home-zone")
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            HOME.reset()

    app.cleanup_ctx.append(lifecycle)
