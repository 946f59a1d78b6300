"""Share-site pages and the redeem / preview / done endpoints (thin handlers)."""

from __future__ import annotations

import asyncio
import contextlib
import json

from aiohttp import web

from dss_addon.errors import BadInput, NotAuthenticated, ShareEnded, ShareLocked, WrongPin
from dss_addon.settings import Settings
from dss_addon.shares.model import (
    USABLE_STATES,
    Level,
    ShareState,
    share_state,
    time_left,
    time_to_start,
)
from dss_addon.shares.requests import parse_extension_request
from dss_addon.web.i18n import pick_language, translator
from dss_addon.web.share import live
from dss_addon.web.share.auth import (
    authenticate,
    clear_session_cookie,
    client_of,
    read_json_object,
    require_json,
    session_cookie,
    set_session_cookie,
)
from dss_addon.web.share.keys import (
    LIVE_WAITS,
    REDEEM_LIMITER,
    RUNTIME,
    SESSION_COOKIE,
    SHARE_REDEEM_LIMITER,
)
from dss_addon.web.share.live import ended_state
from dss_addon.web.share.preview import apartment_name, level_text
from dss_addon.web.share.redeem_limits import address_key, check, share_key
from dss_addon.web.templating import render

APP_PATH = "/s/app"
# The only files of ui/static the share site serves: owner scripts stay on the owner site.
SHARE_STATIC = frozenset(
    {
        "share.css", "share.js", "share-app.js", "share-overview.js", "share-live.js",
        "app.css", "share-bar.js", "share-bar.css",
    }
)
MAX_WAIT = 25.0  # seconds a live-state request may be held open
# States whose secret gets an answer of its own (not the uniform 404): a preview of these is
# free, a redemption pays from the share's own bucket.
SHOWN_STATES = frozenset({ShareState.ACTIVE, ShareState.SCHEDULED, ShareState.LOCKED})
REDEEMABLE_STATES = frozenset({ShareState.ACTIVE, ShareState.LOCKED})


async def landing(request: web.Request) -> web.StreamResponse:
    # Reads nothing from the request: the secret lives in the fragment, which is never sent.
    return render(request, "share/landing.html", {})


async def preview(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    secret, _ = _secret_and_pin(await read_json_object(request))
    known = await runtime.shares.look_up(secret)
    if known is not None and await _holds_session_of(request, known.id):
        # A once-only link opened again in the browser that redeemed it (issue 10, item 6).
        return web.json_response({"open": True, "next": APP_PATH})
    now = runtime.clock.now()
    if known is None or share_state(known, now) not in SHOWN_STATES:
        # Only answers that look like an unknown secret pay (per address, like guesses do, so
        # that the limit tells a dead secret from an unknown one no more than the answer does).
        check(request.app[REDEEM_LIMITER], address_key(client_of(request)))
    share = await runtime.shares.preview(secret)
    t = translator(pick_language(request))
    return web.json_response(
        {
            "label": share.label,
            "level": share.level.value,
            "level_text": level_text(share.level, t),
            "state": share_state(share, now).value,
            "starts_at": share.starts_at.isoformat(),
            "expires_at": share.expires_at.isoformat(),
            "seconds_to_start": int(time_to_start(share, now).total_seconds()),
            "needs_pin": share.has_pin,
            "apartment": await apartment_name(runtime, share.id),
        }
    )


async def redeem(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    secret, pin = _secret_and_pin(await read_json_object(request))
    client = client_of(request)
    known = await runtime.shares.look_up(secret)
    if known is not None and share_state(known, runtime.clock.now()) in REDEEMABLE_STATES:
        check(request.app[SHARE_REDEEM_LIMITER], share_key(known.id))
    else:
        check(request.app[REDEEM_LIMITER], address_key(client))
    try:
        redemption = await runtime.shares.redeem(secret, pin, client=client)
    except WrongPin as exc:
        body = {"error": exc.code, "message": exc.message, "tries_left": exc.tries_left}
        return web.json_response(body, status=401)
    except ShareLocked as exc:
        # Permanent until the owner gives a new PIN: no Retry-After, nothing to wait for.
        body = {"error": exc.code, "message": exc.message, "tries_left": 0, "permanent": True}
        return web.json_response(body, status=429)
    response = web.json_response({"ok": True, "next": APP_PATH})
    set_session_cookie(response, redemption.cookie, secure=secure_cookies(runtime.settings))
    return response


async def _holds_session_of(request: web.Request, share_id: str) -> bool:
    if not request.cookies.get(SESSION_COOKIE):
        return False
    try:
        share, _ = await authenticate(request)
    except NotAuthenticated:
        return False
    now = request.app[RUNTIME].clock.now()
    return share.id == share_id and share_state(share, now) in USABLE_STATES


async def live_state(request: web.Request) -> web.StreamResponse:
    """The share's state for the electrician's page. ?wait=N (seconds, at most 25) with the
    `version` the page knows holds the answer until that changes (the owner extends, revokes or
    answers a request) or the share ends; with no or another version it answers at once."""
    runtime = request.app[RUNTIME]
    try:
        share, _ = await authenticate(request)
    except NotAuthenticated:
        return web.json_response(ended_state(runtime.clock.now()), status=401)
    wait = _wait_seconds(request.query.get("wait", "0"))
    now = runtime.clock.now()
    known = request.query.get("version") == live.version(share, now)
    waits = request.app[LIVE_WAITS]
    if wait > 0 and known and share_state(share, now) in USABLE_STATES and waits.acquire(share.id):
        try:
            left = time_left(share, now).total_seconds()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(runtime.shares.watch(share.id).wait(), min(wait, left + 1))
        finally:
            waits.release(share.id)
        try:
            share, _ = await authenticate(request)
        except NotAuthenticated:
            return web.json_response(ended_state(runtime.clock.now()), status=401)
    return web.json_response(live.live_state(share, runtime.clock.now()))


async def extension_request(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    data = await read_json_object(request)
    minutes, message = parse_extension_request(data, max_lifetime=runtime.shares.max_lifetime)
    share = await runtime.shares.request_extension(
        session_cookie(request), minutes, message, client=client_of(request)
    )
    body = {"ok": True, "extension_request": live.extension_json(share.extension_request)}
    return web.json_response(body, status=202)


def _wait_seconds(text: str) -> float:
    try:
        wait = float(text)
    except ValueError as err:
        raise BadInput("wait must be a number of seconds.", field="wait") from err
    if not 0 <= wait <= MAX_WAIT:  # also refuses nan
        raise BadInput(f"wait must be between 0 and {MAX_WAIT} seconds.", field="wait")
    return wait


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
        "expires_at": live.utc(share.expires_at),
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


def _secret_and_pin(data: dict[str, object]) -> tuple[str, str | None]:
    secret, pin = data.get("secret"), data.get("pin")
    if not isinstance(secret, str):
        raise BadInput("The link is incomplete.", field="secret")
    if pin is not None and not isinstance(pin, str):
        raise BadInput("The PIN has 6 digits.", field="pin")
    return secret, pin or None
