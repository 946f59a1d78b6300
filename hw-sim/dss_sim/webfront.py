"""The dSS web front's role: the configurator page and /add-ons/dss-share/ forwarding."""

from __future__ import annotations

import logging
from html import escape
from importlib import resources

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from dss_sim.keys import ADDON_CLIENT, SIM

log = logging.getLogger(__name__)
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
                        "te", "trailer", "trailers", "transfer-encoding", "upgrade", "host",
                        "content-length"})
CSP = ("default-src 'self'; frame-src 'self'; img-src 'self' data:; "
       "style-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'")
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html"}
ADDON_PREFIX = "/add-ons/dss-share/"


def pick_language(request: web.Request) -> str:
    lang = request.query.get("lang", "")
    if lang in ("de", "en"):
        return lang
    for part in request.headers.get("Accept-Language", "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in ("de", "en"):
            return code
    return "de"


PAGE_TEXT = {
    "de": {"title": "digitalSTROM Konfigurator", "login": "Anmelden", "user": "Benutzer",
           "password": "Passwort", "submit": "Anmelden", "logout": "Abmelden",
           "overview": "Übersicht", "sharing": "Freigaben"},
    "en": {"title": "digitalSTROM configurator", "login": "Log in", "user": "User",
           "password": "Password", "submit": "Log in", "logout": "Log out",
           "overview": "Overview", "sharing": "Access sharing"},
}


def render_page(template: str, lang: str) -> str:
    page = template.replace("{{lang}}", lang)
    for key, text in PAGE_TEXT[lang].items():
        page = page.replace("{{" + key + "}}", escape(text))
    return page


def _static(name: str) -> str:
    return resources.files("dss_sim").joinpath("static", name).read_text("utf-8")


async def handle_index(request: web.Request) -> web.Response:
    page = render_page(_static("index.html"), pick_language(request))
    resp = web.Response(text=page, content_type="text/html")
    resp.headers["Content-Security-Policy"] = CSP
    return resp


async def handle_static(request: web.Request) -> web.Response:
    name = request.match_info.get("name", "")
    suffix = name[name.rfind("."):] if "." in name else ""
    if "/" in name or name.startswith(".") or suffix not in STATIC_TYPES:
        raise web.HTTPNotFound()
    try:
        text = _static(name)
    except FileNotFoundError:
        raise web.HTTPNotFound() from None
    return web.Response(text=text, content_type=STATIC_TYPES[suffix])


def forward_headers(headers: CIMultiDict[str]) -> CIMultiDict[str]:
    return CIMultiDict((k, v) for k, v in headers.items() if k.lower() not in HOP_BY_HOP)


async def handle_addon(request: web.Request) -> web.StreamResponse:
    sim = request.app[SIM]
    if sim.config.addon_url is None:
        raise web.HTTPNotFound(text="no add-on configured")
    rest = request.rel_url.raw_path[len(ADDON_PREFIX):]
    url = sim.config.addon_url.rstrip("/") + "/" + rest
    if request.rel_url.raw_query_string:
        url += "?" + request.rel_url.raw_query_string
    client = request.app[ADDON_CLIENT]
    body = await request.read()
    try:
        async with client.request(request.method, url, headers=forward_headers(
                CIMultiDict(request.headers)), data=body or None, allow_redirects=False,
                auto_decompress=False) as upstream:
            resp = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            for key, value in upstream.headers.items():
                if key.lower() not in HOP_BY_HOP:
                    resp.headers.add(key, value)
            await resp.prepare(request)
            async for chunk in upstream.content.iter_any():
                await resp.write(chunk)
            await resp.write_eof()
            return resp
    except (aiohttp.ClientConnectionError, TimeoutError) as exc:
        log.info("add-on at %s unreachable: %s", sim.config.addon_url, type(exc).__name__)
        page = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>502</title></head>"
                "<body><h1>502 Bad Gateway</h1><p>Das Add-on antwortet nicht. "
                "The add-on is not responding.</p></body></html>")
        return web.Response(status=502, text=page, content_type="text/html")
