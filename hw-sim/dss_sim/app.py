"""The aiohttp application: routes, call recording, fault switches, background sweep."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp
from aiohttp import web

from dss_sim.browse import handle_browse
from dss_sim.extras import handle_cgi, handle_icon, handle_latest_logs
from dss_sim.jsonapi import handle_json
from dss_sim.keys import ADDON_CLIENT, SIM
from dss_sim.sim import RecordedCall, Simulator
from dss_sim.webfront import handle_addon, handle_index, handle_static
from dss_sim.websocket import handle_websocket

HandlerFn = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Dropped(Exception):
    """Raised after the connection was closed on purpose (`Simulator.unreachable`)."""


@web.middleware
async def record_and_faults(request: web.Request, handler: HandlerFn) -> web.StreamResponse:
    sim = request.app[SIM]
    body = b""
    if request.body_exists and not request.headers.get("Upgrade"):
        body = await request.read()
    sim.calls.append(RecordedCall(
        method=request.method, path=request.path, query=request.rel_url.raw_query_string,
        body=body.decode("utf-8", errors="replace"), headers=dict(request.headers),
        cookies=dict(request.cookies)))
    if sim.unreachable:
        transport = request.transport
        if transport is not None:
            transport.abort()
        raise asyncio.CancelledError  # the connection is gone: no answer at all
    return await handler(request)


async def _sweeper(app: web.Application) -> AsyncIterator[None]:
    sim = app[SIM]

    async def loop() -> None:
        while True:
            await asyncio.sleep(sim.config.sweep_interval)
            sim.sweep()

    task = asyncio.create_task(loop())
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def addon_client(app: web.Application) -> AsyncIterator[None]:
    timeout = aiohttp.ClientTimeout(total=60, connect=5)
    async with aiohttp.ClientSession(timeout=timeout, cookie_jar=aiohttp.DummyCookieJar(),
                                     auto_decompress=False) as client:
        app[ADDON_CLIENT] = client
        yield


def create_sim_app(sim: Simulator) -> web.Application:
    app = web.Application(middlewares=[record_and_faults], client_max_size=16 * 1024 * 1024)
    app[SIM] = sim
    app.cleanup_ctx.append(_sweeper)
    app.cleanup_ctx.append(addon_client)
    app.router.add_route("*", "/json/{tail:.*}", handle_json)
    # The dSS splits the URI at its second slash: only "/browse/..." is the property browser;
    # "/browse" alone or "/browsesystem" is some other top level (civetweb's static files).
    app.router.add_route("*", "/browse/{tail:.*}", handle_browse)
    app.router.add_route("*", "/icons/{tail:.*}", handle_icon)
    app.router.add_route("*", "/getLatestLogs", handle_latest_logs)
    app.router.add_get("/websocket", handle_websocket)
    if sim.config.www_pages is not None:
        # The appliance: lighttpd serves the pages, CGIs and add-ons (dss_sim.appliance); the
        # dSS's own web root is empty.
        return app
    app.router.add_route("*", "/cgi-bin/{tail:.*}", handle_cgi)
    app.router.add_route("*", "/add-ons/dss-share/{tail:.*}", handle_addon)
    app.router.add_get("/", handle_index)
    app.router.add_get("/sim-static/{name}", handle_static)
    return app
