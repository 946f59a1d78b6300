"""One process, two listeners: the owner site (plain HTTP, LAN) and the share site (HTTPS
unless --http), both built from the same Runtime."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from dss_addon.clock import Clock, SystemClock
from dss_addon.runtime import Runtime, open_runtime
from dss_addon.settings import Listen, Settings
from dss_addon.tls import ensure_certificate, server_context
from dss_addon.web.log_escape import PathOnlyAccessLogger

log = logging.getLogger(__name__)

SHUTDOWN_TIMEOUT = 5.0  # seconds open requests (event long polls) get before the sockets close


def share_ssl_context(settings: Settings, clock: Clock) -> ssl.SSLContext:
    hosts = [settings.share_listen.host]
    if settings.public_url:
        hosts.append(urlsplit(settings.public_url).hostname or "")
    return server_context(*ensure_certificate(settings.data_dir, hosts, clock))


async def _start(
    stack: AsyncExitStack,
    app: web.Application,
    listen: Listen,
    ssl_context: ssl.SSLContext | None,
) -> str:
    runner = web.AppRunner(
        app,
        access_log_class=PathOnlyAccessLogger,
        shutdown_timeout=SHUTDOWN_TIMEOUT,
    )
    await runner.setup()
    stack.push_async_callback(runner.cleanup)
    site = web.TCPSite(runner, listen.host, listen.port, ssl_context=ssl_context)
    await site.start()
    port = int(runner.addresses[0][1])  # the bound port: the configured one may be 0
    scheme = "https" if ssl_context is not None else "http"
    return f"{scheme}://{Listen(listen.host, port)}"


def _print_flushed(line: str) -> None:
    print(line, flush=True)


def _create_apps(runtime: Runtime) -> tuple[web.Application, web.Application]:
    from dss_addon.web.owner.app import create_owner_app
    from dss_addon.web.share.app import create_share_app

    return create_owner_app(runtime), create_share_app(runtime)


async def serve(
    settings: Settings,
    stop: asyncio.Event,
    *,
    clock: Clock | None = None,
    announce: Callable[[str], Any] | None = None,
) -> None:
    """Run both sites until `stop` is set, then shut down in reverse order (sites, dSS
    sessions, store with its audit flush, HTTP session)."""
    clock = clock or SystemClock()
    announce = announce or _print_flushed
    async with open_runtime(settings, clock) as runtime, AsyncExitStack() as sites:
        share_ssl = None
        if not settings.http:
            share_ssl = await asyncio.to_thread(share_ssl_context, settings, clock)
        owner_app, share_app = _create_apps(runtime)
        owner_url = await _start(sites, owner_app, settings.owner_listen, None)
        share_url = await _start(sites, share_app, settings.share_listen, share_ssl)
        runtime.share_url = share_url
        announce(f"dss-addon owner site on {owner_url}")
        announce(f"dss-addon share site on {share_url}")
        await stop.wait()
        log.info("shutting down")
