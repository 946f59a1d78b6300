"""/browse/<path>: the unauthenticated HTML property browser (a real dSS quirk).

webserver.cpp httpBrowseProperties: the path, child names and values are written into the
HTML unescaped (reflected markup on the dSS origin), and a missing node is an empty list with
status 200."""

from __future__ import annotations

from aiohttp import web

from dss_sim import properties as props
from dss_sim.keys import SIM
from dss_sim.properties import PropNode


def _value(node: PropNode) -> str:
    if node.type == "boolean":
        return "1" if node.value else "0"  # ostream << bool
    if node.type == "integer":
        return str(node.value)
    if node.type == "none":
        return ""
    if node.type == "string":
        return "" if node.value is None else str(node.value)
    return "unknown value"


def browse_page(root: PropNode, path: str) -> str:
    node = props.find(root, path)
    parts = ['<html><meta http-equiv="Content-Type" content="text/html; charset=utf-8"><body>',
             f"<h1>{path}</h1>", "<ul>"]
    if node is not None:
        for entry in node.children.values():
            child = props.resolved(entry)  # an alias shows its own name, its target's data
            parts.append("<li>")
            if child.children:
                parts.append(f'<a href="/browse{path}/{entry.name}">{entry.name}</a>')
            else:
                parts.append(entry.name)
            parts.append(f" : {child.type} : {_value(child)}")
    parts.append("</ul></body></html>")
    return "".join(parts)


async def handle_browse(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    path = "/" + request.match_info.get("tail", "")
    return web.Response(text=browse_page(sim.tree(), path), content_type="text/html")
