"""event/*: per-session subscriptions, the long poll and raising events."""

from __future__ import annotations

import asyncio

from dss_sim.envelope import JsonValue
from dss_sim.errors import DssFail
from dss_sim.events import drain
from dss_sim.handlers.base import ApiClass, Ctx, Handler
from dss_sim.params import parse_int

SLICE = 0.2  # seconds; the dSS checks for events and disconnects in 200 ms slices


def _session_token(ctx: Ctx) -> str:
    assert ctx.session is not None
    return ctx.session.token


async def subscribe(ctx: Ctx) -> None:
    name = ctx.params.get("name")
    sub_id = ctx.params.get("subscriptionID")
    if not sub_id:
        raise DssFail("Missing event subscription id")
    if not name:
        raise DssFail("Missing event name")
    ctx.sim.events.subscribe(_session_token(ctx), sub_id, name)


async def unsubscribe(ctx: Ctx) -> None:
    name = ctx.params.get("name")
    sub_id = ctx.params.get("subscriptionID")
    if not sub_id:
        raise DssFail("Missing event subscription id")
    if not name:
        raise DssFail("Missing event name")
    ctx.sim.events.unsubscribe(_session_token(ctx), sub_id)


async def get(ctx: Ctx) -> JsonValue:
    sub_id = ctx.params.get("subscriptionID")
    if not sub_id:
        raise DssFail("Missing event subscription id")
    raw = ctx.params.get("timeout")
    timeout = 0 if not raw else parse_int(raw)
    if timeout is None:
        raise DssFail("Could not parse timeout parameter!")
    session = ctx.session
    assert session is not None
    sub = ctx.sim.events.get(session.token, sub_id)
    if sub is None:
        raise DssFail(f" Token {sub_id} not found!")
    if sub.queue or timeout < 0:
        return {"events": drain(sub)}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout / 1000 if timeout > 0 else None
    session.in_use += 1
    try:
        while not sub.queue and not sub.closed:
            if deadline is not None and loop.time() >= deadline:
                break
            transport = ctx.request.transport
            if transport is None or transport.is_closing():
                break
            wait = SLICE if deadline is None else max(0.0, min(SLICE, deadline - loop.time()))
            try:
                await asyncio.wait_for(sub.wakeup.wait(), wait)
            except TimeoutError:
                pass
    finally:
        session.in_use -= 1
        ctx.sim.sessions.touch(session)
    return {"events": drain(sub)}


async def raise_event(ctx: Ctx) -> None:
    name = ctx.params.get("name")
    if not name:
        raise DssFail("Missing event name!")
    properties: dict[str, str] = {}
    parameter = ctx.params.get("parameter")
    if parameter:
        for pair in parameter.split(";"):
            key, _, value = pair.partition("=")
            if not key or not value:
                raise DssFail(f"Invalid parameter found: {pair}")
            properties[key] = value
    for extra in ("location", "context"):
        given = ctx.params.get(extra)
        if given:
            properties[extra] = given
    ctx.sim.raise_event(name, properties, {})


HANDLERS: dict[str, Handler] = {
    "subscribe": subscribe, "unsubscribe": unsubscribe, "get": get, "raise": raise_event,
}
API = ApiClass(HANDLERS)
