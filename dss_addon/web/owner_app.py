"""The owner site: the "Freigaben / Access sharing" tab and the owner API. LAN only; the dSS web
front forwards /add-ons/dss-share/ here. The share site never serves any of these routes."""

from __future__ import annotations

from aiohttp import web

from dss_addon.runtime import Runtime
from dss_addon.web import owner_api, owner_create, owner_pages
from dss_addon.web.errors import error_middleware
from dss_addon.web.headers import OWNER_FRAME_ANCESTORS, security_headers_middleware
from dss_addon.web.owner_context import OWNER_CONTEXT, OwnerContext
from dss_addon.web.owner_csrf import CsrfGuard
from dss_addon.web.owner_identity import Identifier, identity_middleware
from dss_addon.web.templating import TEMPLATES, Templates


def create_owner_app(runtime: Runtime) -> web.Application:
    identifier = Identifier(
        runtime.dss,
        runtime.clock,
        runtime.settings.owner_identity_ttl,
        own_session=runtime.upstream.holds_session_token,
    )
    # Order matters: errors outermost so that every failure (also of identification) gets
    # one translation; security headers wrap the translated error pages too; identity last,
    # right before the handler.
    app = web.Application(
        middlewares=[
            error_middleware(),
            security_headers_middleware(OWNER_FRAME_ANCESTORS),
            identity_middleware(identifier),
        ],
        client_max_size=64 * 1024,
    )
    app[OWNER_CONTEXT] = OwnerContext(runtime, identifier, CsrfGuard())
    app[TEMPLATES] = Templates(runtime.settings.ui_dir)
    app.add_routes(owner_api.routes)
    app.add_routes(owner_pages.routes)
    app.add_routes(owner_create.routes)
    app.router.add_static("/static/", runtime.settings.ui_dir / "static")
    return app
