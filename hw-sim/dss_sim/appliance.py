"""The appliance around the dSS (dss-api.md §10): lighttpd serving the configurator's pages from
its document root behind a digest login and forwarding /json to the dSS's trusted port, and that
trusted port itself, which believes any user name it is told.

With an appliance document root the dSS port serves no pages (create_sim_app leaves them out),
like the real dSS whose own web root is empty: a proxy that fetches configurator pages from the
dSS's port finds nothing. The web front reaches the trusted port in-process, so every request
the trusted listener records came from something else on the box (see `Appliance.trusted_calls`).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler

from dss_sim.app import addon_client
from dss_sim.extras import handle_cgi
from dss_sim.jsonapi import handle_json
from dss_sim.keys import SIM
from dss_sim.sim import RecordedCall, Simulator
from dss_sim.trusted import TRUSTED
from dss_sim.webfront import CSP, handle_addon, render_page

log = logging.getLogger(__name__)
REALM = "dSS"  # lighttpd's auth.require realm on the appliance
DOCROOT_TYPES = {
    ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".png": "image/png",
    ".svg": "image/svg+xml", ".gif": "image/gif", ".ico": "image/x-icon",
    ".json": "application/json",
}


@dataclass
class Appliance:
    docroot: Path
    trusted_calls: list[RecordedCall] = field(default_factory=list)
    nonces: set[str] = field(default_factory=set)


APPLIANCE: web.AppKey[Appliance] = web.AppKey("APPLIANCE", Appliance)


def write_www_pages(docroot: Path) -> None:
    """A fresh appliance's document root: the configurator's front page and its assets (the
    language picked in the browser), and another add-on's page (`/add-ons/demo-addon/`)."""
    static = resources.files("dss_sim").joinpath("static")
    (docroot / "sim-static").mkdir(parents=True, exist_ok=True)
    page = render_page(static.joinpath("index.html").read_text("utf-8"), "de")
    (docroot / "index.html").write_text(page.replace('<html lang="de">', "<html>"), "utf-8")
    for name in ("app.js", "style.css"):
        (docroot / "sim-static" / name).write_text(static.joinpath(name).read_text("utf-8"),
                                                   "utf-8")
    addon = docroot / "add-ons" / "demo-addon"
    addon.mkdir(parents=True, exist_ok=True)
    (addon / "index.html").write_text(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Demo add-on</title></head>"
        "<body><h1>Demo add-on (owner only)</h1></body></html>", "utf-8")


# ---- digest login (RFC 2617, as lighttpd's mod_auth checks it) -----------------------------

def parse_digest(header: str) -> dict[str, str] | None:
    scheme, _, rest = header.partition(" ")
    if scheme.lower() != "digest":
        return None
    fields: dict[str, str] = {}
    i = 0
    while i < len(rest):
        while i < len(rest) and rest[i] in " ,":
            i += 1
        eq = rest.find("=", i)
        if eq < 0:
            break
        key = rest[i:eq].strip().lower()
        i = eq + 1
        if i < len(rest) and rest[i] == '"':
            end = rest.find('"', i + 1)
            if end < 0:
                return None
            fields[key] = rest[i + 1:end]
            i = end + 1
        else:
            end = rest.find(",", i)
            end = len(rest) if end < 0 else end
            fields[key] = rest[i:end].strip()
            i = end
    return fields


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def digest_expected(fields: dict[str, str], method: str, password: str) -> str:
    ha1 = _md5(f"{fields.get('username', '')}:{REALM}:{password}")
    ha2 = _md5(f"{method}:{fields.get('uri', '')}")
    if fields.get("qop") == "auth":
        return _md5(f"{ha1}:{fields.get('nonce', '')}:{fields.get('nc', '')}:"
                    f"{fields.get('cnonce', '')}:auth:{ha2}")
    return _md5(f"{ha1}:{fields.get('nonce', '')}:{ha2}")


def digest_user(request: web.Request, appliance: Appliance, sim: Simulator) -> str | None:
    """The user a valid digest answer names (only dssadmin is in the digest file), else None."""
    fields = parse_digest(request.headers.get("Authorization", ""))
    if fields is None or fields.get("realm") != REALM or fields.get("username") != "dssadmin":
        return None
    if fields.get("nonce") not in appliance.nonces or fields.get("uri") != request.raw_path:
        return None
    expected = digest_expected(fields, request.method, sim.config.password)
    return fields["username"] if secrets.compare_digest(expected, fields.get("response", "")) \
        else None


@web.middleware
async def digest_login(request: web.Request, handler: Handler) -> web.StreamResponse:
    appliance = request.app[APPLIANCE]
    if digest_user(request, appliance, request.app[SIM]) is None:
        nonce = secrets.token_hex(16)
        appliance.nonces.add(nonce)
        raise web.HTTPUnauthorized(
            text="401 Unauthorized", headers={
                "WWW-Authenticate": f'Digest realm="{REALM}", nonce="{nonce}", qop="auth", '
                                    'algorithm=MD5'})
    return await handler(request)


# ---- the web front's document root ----------------------------------------------------------

def docroot_file(docroot: Path, raw_path: str) -> Path | None:
    """lighttpd's static files: the path (already decoded by aiohttp) inside the document root,
    a folder meaning its index.html; nothing outside the root, symlinks included."""
    root = docroot.resolve()
    if "\x00" in raw_path or "\\" in raw_path:
        return None
    target = (root / raw_path.lstrip("/")).resolve()
    if target != root and root not in target.parents:
        return None
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


async def handle_docroot(request: web.Request) -> web.StreamResponse:
    target = docroot_file(request.app[APPLIANCE].docroot, request.path)
    if target is None or target.suffix not in DOCROOT_TYPES:
        raise web.HTTPNotFound()
    resp = web.Response(body=target.read_bytes(), content_type=DOCROOT_TYPES[target.suffix])
    if target.suffix == ".html":
        resp.headers["Content-Security-Policy"] = CSP
    return resp


def create_webfront_app(sim: Simulator, appliance: Appliance) -> web.Application:
    """lighttpd on 443: everything behind the digest login; /json to the trusted port."""
    app = web.Application(middlewares=[digest_login])
    app[SIM] = sim
    app[APPLIANCE] = appliance
    app[TRUSTED] = True
    app.cleanup_ctx.append(addon_client)
    app.router.add_route("*", "/json/{tail:.*}", handle_json)
    app.router.add_route("*", "/add-ons/dss-share/{tail:.*}", handle_addon)
    app.router.add_route("*", "/cgi-bin/{tail:.*}", handle_cgi)
    app.router.add_get("/{tail:.*}", handle_docroot)
    return app


@web.middleware
async def record_trusted(request: web.Request, handler: Handler) -> web.StreamResponse:
    body = await request.read() if request.body_exists else b""
    log.warning("trusted port: %s %s from %s", request.method, request.path, request.remote)
    request.app[APPLIANCE].trusted_calls.append(RecordedCall(
        method=request.method, path=request.path, query=request.rel_url.raw_query_string,
        body=body.decode("utf-8", errors="replace"), headers=dict(request.headers),
        cookies=dict(request.cookies)))
    return await handler(request)


def create_trusted_app(sim: Simulator, appliance: Appliance) -> web.Application:
    """The dSS's trusted port (8088): /json as whoever `Authorization` names; it records every
    request, since on a real box anything that reaches it is dssadmin without a password."""
    app = web.Application(middlewares=[record_trusted])
    app[SIM] = sim
    app[APPLIANCE] = appliance
    app[TRUSTED] = True
    app.router.add_route("*", "/json/{tail:.*}", handle_json)
    return app
