"""The other non-JSON endpoints: /icons, /getLatestLogs and lighttpd's /cgi-bin."""

from __future__ import annotations

import base64
from html import escape

from aiohttp import web

from dss_sim.auth import request_token
from dss_sim.envelope import failure, json_response
from dss_sim.keys import SIM
from dss_sim.params import Params

# a 1x1 PNG (yellow) standing in for the device icon files
ICON = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)


async def handle_icon(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    params = Params(request.rel_url.raw_query_string)
    ident = (params.get("dsuid") or params.get("dsid") or "").lower()
    if request.match_info.get("tail") != "getDeviceIcon" or not ident:
        return json_response(failure("Missing parameter 'dsuid'"), 500)
    for dev in sim.apartment.devices.values():
        if ident in (dev.dsuid, dev.dsid):
            return web.Response(body=ICON, content_type="image/png")
    return json_response(failure(f"Could not find device with dsuid '{ident}'"), 500)


async def handle_latest_logs(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    params = Params(request.rel_url.raw_query_string)
    if sim.sessions.resolve(request_token(request.headers, params)) is None:
        return web.Response(status=500, text="not logged in")
    return web.Response(status=404, text="File not found")


async def handle_cgi(request: web.Request) -> web.Response:
    """lighttpd's setup CGIs (reboot, firmware, network...): answered, recorded, never auth."""
    name = request.match_info.get("tail", "")
    page = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>dSS setup</title></head>"
            f"<body><h1>{escape(name)}</h1><p>OK</p></body></html>")
    return web.Response(text=page, content_type="text/html")
