"""Share-site pages and the redeem / preview / done endpoints (thin handlers)."""

from __future__ import annotations

import json

from aiohttp import web

from dss_addon.errors import BadInput, ShareEnded
from dss_addon.settings import Settings
from dss_addon.shares.model import USABLE_STATES, Level, share_state, time_left
from dss_addon.web.client_address import rate_key
from dss_addon.web.i18n import pick_language, translator
from dss_addon.web.share.auth import (
    authenticate,
    clear_session_cookie,
    client_of,
    read_json_object,
    require_json,
    session_cookie,
    set_session_cookie,
)
from dss_addon.web.share.keys import REDEEM_LIMITER, RUNTIME
from dss_addon.web.share.preview import apartment_name, level_text
from dss_addon.web.templating import render

APP_PATH = "/s/app"
# The only files of ui/static the share site serves: owner scripts stay on the owner site.
SHARE_STATIC = frozenset(
    {
        "share.css", "share.js", "share-app.js", "share-overview.js", "app.css",
        "share-bar.js", "share-bar.css",
    }
)


async def landing(request: web.Request) -> web.StreamResponse:
    # Reads nothing from the request: the secret lives in the fragment, which is never sent.
    return render(request, "share/landing.html", {})


async def preview(request: web.Request) -> web.StreamResponse:
    _limit(request)
    runtime = request.app[RUNTIME]
    secret, _ = _secret_and_pin(await read_json_object(request))
    share = await runtime.shares.preview(secret)
    t = translator(pick_language(request))
    return web.json_response(
        {
            "label": share.label,
            "level": share.level.value,
            "level_text": level_text(share.level, t),
            "expires_at": share.expires_at.isoformat(),
            "needs_pin": share.has_pin,
            "apartment": await apartment_name(runtime, share.id),
        }
    )


async def redeem(request: web.Request) -> web.StreamResponse:
    _limit(request)
    runtime = request.app[RUNTIME]
    secret, pin = _secret_and_pin(await read_json_object(request))
    redemption = await runtime.shares.redeem(secret, pin, client=client_of(request))
    response = web.json_response({"ok": True, "next": APP_PATH})
    set_session_cookie(response, redemption.cookie, secure=secure_cookies(runtime.settings))
    return response


async def done(request: web.Request) -> web.StreamResponse:
    require_json(request)
    runtime = request.app[RUNTIME]
    await runtime.shares.end_by_helper(session_cookie(request), client=client_of(request))
    response = web.json_response({"ok": True})
    clear_session_cookie(response, secure=secure_cookies(runtime.settings))
    return response


async def app_page(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    share, _ = await authenticate(request)
    now = runtime.clock.now()
    if share_state(share, now) not in USABLE_STATES:
        raise ShareEnded("This share has ended.")
    t = translator(pick_language(request))
    context = {
        "label": share.label,
        "level": share.level.value,
        "level_text": level_text(share.level, t),
        "expires_at": share.expires_at.isoformat(),
        "seconds_left": int(time_left(share, now).total_seconds()),
        "apartment": await apartment_name(runtime, share.id),
        "zones_json": json.dumps(list(share.zones)),
        "can_operate": share.level in (Level.OPERATE, Level.CONFIGURE),
        "can_configure": share.level is Level.CONFIGURE,
    }
    return render(request, "share/app.html", context)


async def static_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in SHARE_STATIC:
        raise web.HTTPNotFound()
    return web.FileResponse(request.app[RUNTIME].settings.ui_dir / "static" / name)


def secure_cookies(settings: Settings) -> bool:
    """HTTPS on our own listener, or behind a TLS tunnel whose public URL is https."""
    return not settings.http or (settings.public_url or "").startswith("https://")


def _limit(request: web.Request) -> None:
    if not request.app[REDEEM_LIMITER].allow(rate_key(client_of(request))):
        raise web.HTTPTooManyRequests(
            text=json.dumps(
                {"error": "rate_limited", "message": "Too many attempts. Please wait a minute."}
            ),
            content_type="application/json",
            headers={"Retry-After": "60"},
        )


def _secret_and_pin(data: dict[str, object]) -> tuple[str, str | None]:
    secret, pin = data.get("secret"), data.get("pin")
    if not isinstance(secret, str):
        raise BadInput("The link is incomplete.", field="secret")
    if pin is not None and not isinstance(pin, str):
        raise BadInput("The PIN has 6 digits.", field="pin")
    return secret, pin or None
