"""/websocket: pushes every event to authenticated clients."""

from __future__ import annotations

import asyncio
import json

from aiohttp import WSMsgType, web

from dss_sim.auth import request_token
from dss_sim.events import Event
from dss_sim.keys import SIM
from dss_sim.params import Params

MAX_CLIENTS = 5


async def handle_websocket(request: web.Request) -> web.StreamResponse:
    sim = request.app[SIM]
    params = Params(request.rel_url.raw_query_string)
    session = sim.sessions.resolve(request_token(request.headers, params))
    if session is None:
        raise web.HTTPForbidden(text="not logged in")
    if sim.websocket_clients >= MAX_CLIENTS:
        raise web.HTTPServiceUnavailable(text="too many websocket clients")
    ws = web.WebSocketResponse(heartbeat=None)
    await ws.prepare(request)
    queue: asyncio.Queue[Event | None] = asyncio.Queue()
    sim.websocket_clients += 1
    sim.events.listeners.append(queue)
    try:
        await ws.send_str('{ "ok": true }')
        reader = asyncio.ensure_future(_drain_incoming(ws))
        while not ws.closed and not reader.done():
            getter = asyncio.ensure_future(queue.get())
            done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
            if getter in done:
                event = getter.result()
                if event is None:
                    break
                await ws.send_str(json.dumps(event.to_json(), separators=(",", ":")))
            else:
                getter.cancel()
        reader.cancel()
    finally:
        sim.events.listeners.remove(queue)
        sim.websocket_clients -= 1
        await ws.close()
    return ws


async def _drain_incoming(ws: web.WebSocketResponse) -> None:
    async for msg in ws:
        if msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
            break
