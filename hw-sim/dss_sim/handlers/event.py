"""event/*: per-session subscriptions, the long poll and raising events."""

from __future__ import annotations

import asyncio

from dss_sim.effects import EffectKind
from dss_sim.envelope import JsonValue
from dss_sim.errors import DssFail
from dss_sim.events import drain
from dss_sim.handlers.base import ApiClass, Ctx, Handler

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


APARTMENT_SOURCE = {"set": ".zone(0).group(0)", "groupID": 0, "zoneID": 0,
                    "isApartment": True, "isGroup": False, "isDevice": False}


def split_string(source: str, delimiter: str = ";") -> list[str]:
    """base.cpp splitString: `\\;` is a literal `;` (the backslash removed); a trailing
    delimiter adds an empty field; an empty source has no fields."""
    result: list[str] = []
    cur = source
    start = skip = 0
    while start < len(cur):
        pos = cur.find(delimiter, skip)
        if pos > 0 and cur[pos - 1] == "\\":
            cur = cur[: pos - 1] + cur[pos:]
            skip = pos
            continue
        if pos < 0:
            result.append(cur[start:])
            break
        result.append(cur[start:pos])
        skip = start = pos + 1
        if len(cur) == skip:
            result.append("")
    return result


async def get(ctx: Ctx) -> JsonValue:
    """eventrequesthandler.cpp get: timeout by strToInt (missing or empty: 0, wait forever);
    -1 returns at once; any other negative value makes the dSS busy-loop until an event
    arrives or the client disconnects (recorded as a `busy_poll` effect)."""
    sub_id = ctx.params.get("subscriptionID")
    if not sub_id:
        raise DssFail("Missing event subscription id")
    raw = ctx.params.text("timeout")
    timeout = 0 if not raw else ctx.params.int_or_none("timeout")
    if timeout is None:
        raise DssFail("Could not parse timeout parameter!")
    session = ctx.session
    assert session is not None
    sub = ctx.sim.events.get(session.token, sub_id)
    if sub is None:
        raise DssFail(f" Token {sub_id} not found!")
    if sub.queue or timeout == -1:
        return {"events": drain(sub)}
    if timeout < 0:
        ctx.effect(EffectKind.BUSY_POLL, detail=f"timeout={timeout}")
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
    """eventrequesthandler.cpp raise: `parameter` split by splitString (`\\;` literal), each
    part `key=value` with both non-empty; `location`/`context` are set on the event, not as
    properties; the event is raised at the apartment."""
    name = ctx.params.text("name")
    if not name:
        raise DssFail("Missing event name!")
    properties: dict[str, str] = {}
    for pair in split_string(ctx.params.text("parameter")):
        key, sep, value = pair.partition("=")
        if not sep:
            key = value = ""  # splitIntoKeyValue without '=': both empty
        if not key or not value:
            raise DssFail(f"Invalid parameter found: {pair}")
        properties[key] = value
    ctx.sim.raise_event(name, properties, APARTMENT_SOURCE)
    ctx.effect(EffectKind.RAISE, detail=name)


HANDLERS: dict[str, Handler] = {
    "subscribe": subscribe, "unsubscribe": unsubscribe, "get": get, "raise": raise_event,
}
API = ApiClass(HANDLERS)
