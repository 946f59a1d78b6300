"""The share site: the only listener that may face the internet. It serves no owner route."""

from __future__ import annotations

from aiohttp import web

from dss_addon.runtime import Runtime
from dss_addon.web.errors import error_middleware
from dss_addon.web.headers import SHARE_FRAME_ANCESTORS, security_headers_middleware
from dss_addon.web.rate_limit import ConcurrencyLimit, RateLimiter
from dss_addon.web.share.configurator import configurator
from dss_addon.web.share.keys import LIVE_WAITS, REDEEM_LIMITER, RUNTIME, SHARE_REDEEM_LIMITER
from dss_addon.web.share.limits import PROXY_LIMITS, ProxyLimits
from dss_addon.web.share.proxy import json_proxy
from dss_addon.web.share.views import (
    app_page,
    done,
    extension_request,
    landing,
    live_state,
    preview,
    redeem,
    static_file,
)
from dss_addon.web.templating import TEMPLATES, Templates

# Redeem attempts per share (known secrets) and per client address (unknown secrets, also in
# previews): a burst of 10, then one every 6 seconds.
REDEEM_BURST = 10
REDEEM_PER_SECOND = 1 / 6
# Live-state long polls per share at once (a few tabs or phones); more answer without waiting.
LIVE_WAITS_PER_SHARE = 4


def create_share_app(runtime: Runtime) -> web.Application:
    """Sync, no I/O: the runtime (store, dSS sessions) is opened and closed by the caller."""
    app = web.Application(
        middlewares=[
            # Outermost: security headers on everything that comes back. It must sit outside
            # the error mapping, or the error answers the mapping builds would miss them.
            security_headers_middleware(SHARE_FRAME_ANCESTORS),
            # Then the one error mapping: domain errors become dSS envelopes, JSON or pages.
            error_middleware(),
        ],
        # The proxy reads bodies itself (16 KiB for /json, 4 KiB for JSON endpoints).
        client_max_size=64 * 1024,
    )
    app[RUNTIME] = runtime
    app[TEMPLATES] = Templates(runtime.settings.ui_dir)
    app[REDEEM_LIMITER] = RateLimiter(
        runtime.clock, capacity=REDEEM_BURST, per_second=REDEEM_PER_SECOND
    )
    app[SHARE_REDEEM_LIMITER] = RateLimiter(
        runtime.clock, capacity=REDEEM_BURST, per_second=REDEEM_PER_SECOND
    )
    app[LIVE_WAITS] = ConcurrencyLimit(LIVE_WAITS_PER_SHARE)
    app[PROXY_LIMITS] = ProxyLimits.create(runtime.clock)
    setup_share_routes(app)
    return app


def setup_share_routes(app: web.Application) -> None:
    """The share site's only URLs. Anything else is a 404, owner URLs included."""
    app.router.add_get("/s/", landing, name="landing")
    app.router.add_post("/s/preview", preview, name="preview")
    app.router.add_post("/s/redeem", redeem, name="redeem")
    app.router.add_post("/s/done", done, name="done")
    app.router.add_get("/s/app", app_page, name="app_page")
    app.router.add_get("/s/state", live_state, name="live_state")
    app.router.add_post("/s/extension-request", extension_request, name="extension_request")
    app.router.add_get("/s/static/{name}", static_file, name="static")
    app.router.add_get("/s/dss/{tail:.*}", configurator, name="configurator")
    # Any method, like the dSS (an empty POST means GET, #11669).
    app.router.add_route("*", "/json/{tail:.*}", json_proxy, name="json")
