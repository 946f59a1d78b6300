"""One process, two listeners: the owner site (plain HTTP, LAN) and the share site (HTTPS
unless --http), both built from the same Runtime."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from dss_addon.clock import Clock, SystemClock
from dss_addon.runtime import Runtime, open_runtime
from dss_addon.settings import Listen, Settings
from dss_addon.tls import ensure_certificate, server_context
from dss_addon.web.connections import (
    ConnectionGuard,
    ConnectionLimits,
    GuardedSite,
    descriptor_budget,
)
from dss_addon.web.log_escape import PathOnlyAccessLogger

log = logging.getLogger(__name__)

# Of the shutdown timeout: the share open requests (event long polls) get before their
# sockets close; the rest is for the dSS logouts and closing the store.
REQUEST_SHARE = 0.6
STORE_CLOSE_RESERVE = 0.3  # seconds kept for the audit flush and closing the database


def share_ssl_context(settings: Settings, clock: Clock) -> ssl.SSLContext:
    hosts = [settings.share_listen.host]
    if settings.public_url:
        hosts.append(urlsplit(settings.public_url).hostname or "")
    return server_context(*ensure_certificate(settings.data_dir, hosts, clock))


def connection_limits(settings: Settings) -> tuple[ConnectionLimits, ConnectionLimits]:
    """(share, owner): the configured caps, lowered to fit the descriptor limit."""
    share_total, owner_total = descriptor_budget(
        settings.max_connections, settings.owner_max_connections
    )
    share = ConnectionLimits(
        max_total=share_total,
        max_per_client=min(settings.max_connections_per_client, share_total),
        header_timeout=settings.header_timeout,
        body_timeout=settings.body_timeout,
        keepalive_timeout=settings.keepalive_timeout,
        unlimited_peers=settings.trusted_proxies,
    )
    # Every owner request comes through the dSS web front: no per-client cap there.
    owner = replace(share, max_total=owner_total, max_per_client=owner_total,
                    unlimited_peers=frozenset())  # fmt: skip
    return share, owner


async def _start(
    app: web.Application,
    listen: Listen,
    ssl_context: ssl.SSLContext | None,
    limits: ConnectionLimits,
    settings: Settings,
    clock: Clock,
) -> web.AppRunner:
    guard = ConnectionGuard(limits, clock)
    # Outermost, before the app's own middlewares: the deadlines follow every request.
    app.middlewares.insert(0, guard.middleware())
    runner = web.AppRunner(
        app,
        access_log_class=PathOnlyAccessLogger,
        shutdown_timeout=_request_budget(settings),
        keepalive_timeout=settings.keepalive_timeout,
    )
    await runner.setup()
    site = GuardedSite(runner, listen.host, listen.port, guard, ssl_context=ssl_context)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


def _url(runner: web.AppRunner, listen: Listen, tls: bool) -> str:
    port = int(runner.addresses[0][1])  # the bound port: the configured one may be 0
    return f"{'https' if tls else 'http'}://{Listen(listen.host, port)}"


def _request_budget(settings: Settings) -> float:
    """Of the shutdown timeout, what open requests get; the rest is for the dSS logouts."""
    return settings.shutdown_timeout * REQUEST_SHARE


async def _shut_down(runners: list[web.AppRunner], runtime: Runtime) -> None:
    """Stop accepting on every listener at once, then let both sites finish their requests in
    parallel (kept-alive connections get no further request), then log out of the dSS in
    what is left of the shutdown timeout (the runtime then closes the store)."""
    # What the runtime waits for while closing (app-token releases under way, their logouts)
    # is bounded by this deadline too.
    runtime.shutdown.start(runtime.settings.shutdown_timeout - STORE_CLOSE_RESERVE)
    for runner in runners:
        for site in list(runner.sites):
            await site.stop()
    await asyncio.gather(*(runner.cleanup() for runner in runners))
    try:
        # Each logout forgets its session first: closing the runtime later finds none left.
        budget = max(0.1, runtime.shutdown.left() or 0.0)
        async with asyncio.timeout(budget):
            await runtime.upstream.close_all(timeout=budget)
    except TimeoutError:
        log.warning("dSS logouts did not finish in time; the dSS ends those sessions")


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
    """Run both sites until `stop` is set, then shut down within settings.shutdown_timeout:
    listeners, open requests, dSS sessions, the store with its audit flush, HTTP session."""
    clock = clock or SystemClock()
    announce = announce or _print_flushed
    async with open_runtime(settings, clock) as runtime, AsyncExitStack() as stack:
        runners: list[web.AppRunner] = []
        stack.push_async_callback(_shut_down, runners, runtime)
        share_ssl = None
        if not settings.http:
            share_ssl = await asyncio.to_thread(share_ssl_context, settings, clock)
        owner_app, share_app = _create_apps(runtime)
        share_limits, owner_limits = connection_limits(settings)
        owner = await _start(
            owner_app, settings.owner_listen, None, owner_limits, settings, runtime.clock
        )
        runners.append(owner)
        share = await _start(
            share_app, settings.share_listen, share_ssl, share_limits, settings, runtime.clock
        )
        runners.append(share)
        owner_url = _url(owner, settings.owner_listen, tls=False)
        share_url = _url(share, settings.share_listen, tls=share_ssl is not None)
        runtime.share_url = share_url
        announce(f"dss-addon owner site on {owner_url}")
        announce(f"dss-addon share site on {share_url}")
        await stop.wait()
        log.info("shutting down")
