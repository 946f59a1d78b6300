"""/browse/<path>: the unauthenticated HTML property browser (a real dSS quirk)."""

from __future__ import annotations

from html import escape

from aiohttp import web

from dss_sim import properties as props
from dss_sim.keys import SIM


async def handle_browse(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    path = "/" + request.match_info.get("tail", "").strip("/")
    node = props.find(sim.tree(), path)
    if node is None:
        return web.Response(status=404, text=f"Could not find node named '{path}'")
    rows = []
    base = path.rstrip("/")
    for child in node.children.values():
        link = f"/browse{base}/{child.name}"
        value = "" if child.is_container else str(child.value)
        rows.append(f'<tr><td><a href="{escape(link)}">{escape(child.name)}</a></td>'
                    f"<td>{escape(props.public_type(child))}</td><td>{escape(value)}</td></tr>")
    up = escape("/browse" + (base.rsplit("/", 1)[0] or "/"))
    page = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{escape(path)}</title>"
            f"</head><body><h1>{escape(path)}</h1><p><a href=\"{up}\">..</a></p>"
            f"<table><tr><th>Name</th><th>Type</th><th>Value</th></tr>{''.join(rows)}</table>"
            "</body></html>")
    return web.Response(text=page, content_type="text/html")
