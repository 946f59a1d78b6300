"""The owner site: the "Freigaben / Access sharing" tab and the owner API. LAN only; the dSS web
front forwards /add-ons/dss-share/ here. The share site never serves any of these routes."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware
from yarl import URL

from dss_addon.runtime import Runtime
from dss_addon.web.client_address import forwarded_remote_middleware
from dss_addon.web.errors import error_middleware
from dss_addon.web.headers import OWNER_FRAME_ANCESTORS, security_headers_middleware
from dss_addon.web.owner import api as owner_api
from dss_addon.web.owner import changes as owner_changes
from dss_addon.web.owner import create as owner_create
from dss_addon.web.owner import home_time
from dss_addon.web.owner import notifications as owner_notifications
from dss_addon.web.owner import pages as owner_pages
from dss_addon.web.owner import settings_page as owner_settings
from dss_addon.web.owner.context import OWNER_CONTEXT, OwnerContext
from dss_addon.web.owner.csrf import CsrfGuard
from dss_addon.web.owner.identity import Identifier, identity_middleware
from dss_addon.web.templating import TEMPLATES, Templates


def create_owner_app(runtime: Runtime) -> web.Application:
    identifier = Identifier(
        runtime.dss,
        runtime.clock,
        runtime.settings.owner_identity_ttl,
        own_session=runtime.upstream.holds_session_token,
    )
    # Order matters: the real client first (the login limit counts it, not the web front);
    # errors outermost after the prefix so that every failure (also of identification) gets
    # one translation; security headers wrap the translated error pages too; identity last,
    # right before the handler.
    prefix = runtime.settings.path_prefix
    app = web.Application(
        middlewares=[
            forwarded_remote_middleware(runtime.settings.web_front),
            *([strip_prefix_middleware(prefix)] if prefix else []),
            error_middleware(),
            security_headers_middleware(OWNER_FRAME_ANCESTORS),
            identity_middleware(identifier),
        ],
        client_max_size=64 * 1024,
    )
    app[OWNER_CONTEXT] = OwnerContext(runtime, identifier, CsrfGuard())
    app.on_shutdown.append(lambda _app: identifier.close())
    app[TEMPLATES] = Templates(runtime.settings.ui_dir)
    owner_notifications.setup(app, runtime)
    home_time.setup(app, runtime)
    tables = (
        owner_api.routes, owner_pages.routes, owner_create.routes, owner_changes.routes,
        owner_notifications.routes, owner_settings.routes,
    )
    for table in tables:
        app.add_routes(table)
    app.router.add_static("/static/", runtime.settings.ui_dir / "static")
    if prefix:
        add_prefixed_routes(app, prefix, tables, runtime.settings.ui_dir / "static")
    return app


def add_prefixed_routes(
    app: web.Application,
    prefix: str,
    tables: tuple[web.RouteTableDef, ...],
    static: Path,
) -> None:
    """The same routes once more below `prefix`, for a web front that forwards the full path
    (lighttpd 1.4.32's mod_proxy cannot strip it). The pages link relatively, so they work
    under either root."""
    for table in tables:
        for route in table:
            if not isinstance(route, web.RouteDef):
                raise TypeError(f"unexpected route definition {route!r}")
            app.router.add_route(route.method, prefix + route.path, route.handler, **route.kwargs)
    app.router.add_static(prefix + "/static/", static)

    async def to_root(request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently(prefix + "/")

    app.router.add_get(prefix, to_root)


def strip_prefix_middleware(prefix: str) -> Middleware:
    """Outermost: below the prefix, every later step (errors, identity, the views and their
    relative links) sees the path as if the site were served at /; routing already matched."""

    @web.middleware
    async def strip(request: web.Request, handler: Handler) -> web.StreamResponse:
        raw = request.rel_url.raw_path
        if raw.startswith(prefix + "/"):
            inner = URL.build(
                path=raw[len(prefix):],
                query_string=request.rel_url.raw_query_string,
                encoded=True,
            )
            request = request.clone(rel_url=inner)
        return await handler(request)

    return strip
