"""Notifications in the tab (issue 11): the owner API, the list page, and the badge that the
layout shows on every page (a Jinja global fed by a small middleware)."""

from __future__ import annotations

import contextvars
from urllib.parse import quote

from aiohttp import web
from aiohttp.typedefs import Handler

from dss_addon.errors import BadInput, ShareNotFound
from dss_addon.notifications.model import Kind, Notification, parse_kinds, text
from dss_addon.notifications.service import NOTIFIER, Notifier, install
from dss_addon.runtime import Runtime
from dss_addon.web.i18n import Lang, pick_language
from dss_addon.web.owner.context import context, read_json, require_api_mutation
from dss_addon.web.owner.identity import OwnerIdentity, current_owner, require_owner
from dss_addon.web.owner.page import login_page, owner_form, page, root_of
from dss_addon.web.owner.views import when
from dss_addon.web.templating import TEMPLATES

routes = web.RouteTableDef()
_UNREAD: contextvars.ContextVar[int | None] = contextvars.ContextVar("unread", default=None)


def _iso(notification: Notification) -> str:
    return notification.at.isoformat().replace("+00:00", "Z")


def notification_json(notification: Notification, lang: Lang) -> dict[str, object]:
    return {
        "id": notification.id,
        "at": _iso(notification),
        "share_id": notification.share_id,
        "kind": notification.kind.value,
        "text": text(notification.kind, notification.label, notification.detail, lang),
        "read": notification.read,
    }


def _notifier(request: web.Request) -> Notifier:
    return request.app[NOTIFIER]


def _id(request: web.Request) -> int:
    raw = request.match_info["nid"]
    if not raw.isdigit() or len(raw) > 18:
        raise BadInput("No such notification.", field="id")
    return int(raw)


@routes.get("/api/notifications")
async def list_notifications(request: web.Request) -> web.Response:
    require_owner(request)
    notifier = _notifier(request)
    await notifier.check_ending_soon()
    lang = pick_language(request)
    items = await notifier.store.all()
    return web.json_response({
        "notifications": [notification_json(n, lang) for n in items],
        "unread": sum(1 for n in items if not n.read),
    })


@routes.post("/api/notifications/{nid}/read")
async def mark_read(request: web.Request) -> web.Response:
    require_api_mutation(request)
    notifier = _notifier(request)
    if not await notifier.store.mark_read(_id(request), notifier.runtime.clock.now()):
        raise ShareNotFound("No such notification.")
    return web.json_response({"ok": True})


@routes.get("/api/shares/{id}/notifications")
async def get_kinds(request: web.Request) -> web.Response:
    require_owner(request)
    share = await context(request).runtime.shares.get(request.match_info["id"])
    kinds = await _notifier(request).store.kinds(share.id)
    return web.json_response({"kinds": sorted(kinds)})


@routes.post("/api/shares/{id}/notifications")
async def set_kinds(request: web.Request) -> web.Response:
    """{"kinds": [...]}: the kinds the owner wants to hear about for this share."""
    require_api_mutation(request)
    share = await context(request).runtime.shares.get(request.match_info["id"])
    kinds = parse_kinds((await read_json(request)).get("kinds"))
    if kinds is None:
        raise BadInput("kinds: a list of " + ", ".join(k.value for k in Kind), field="kinds")
    await _notifier(request).store.set_kinds(share.id, kinds)
    return web.json_response({"kinds": sorted(kinds)})


# -- pages ------------------------------------------------------------------------------------


@routes.get("/notifications")
async def notifications_page(request: web.Request) -> web.Response:
    if current_owner(request) is None:
        return login_page(request)
    notifier, lang = _notifier(request), pick_language(request)
    await notifier.check_ending_soon()
    items = [
        {
            "id": n.id,
            "at": when(n.at, lang),
            "kind": n.kind.value,
            "text": text(n.kind, n.label, n.detail, lang),
            "read": n.read,
            "share_href": quote(n.share_id, safe=""),
        }
        for n in await notifier.store.all()
    ]
    return page(request, "owner/notifications.html", {"notifications": items})


@routes.post("/notifications/{nid}/read")
@owner_form
async def mark_read_form(
    request: web.Request, owner: OwnerIdentity, _form: dict[str, str]
) -> web.Response:
    notifier = _notifier(request)
    await notifier.store.mark_read(_id(request), notifier.runtime.clock.now())
    raise web.HTTPSeeOther(f"{root_of(request.path)}notifications")


@web.middleware
async def unread_badge(request: web.Request, handler: Handler) -> web.StreamResponse:
    """For the owner's pages: the number of unread notifications, read by the layout's badge."""
    if request.method != "GET" or request.path.startswith(("/api/", "/static/")):
        return await handler(request)
    if current_owner(request) is None:
        return await handler(request)
    environment = request.app[TEMPLATES].environment
    environment.globals.setdefault("notifications_unread", _UNREAD.get)
    items = await _notifier(request).store.all()
    token = _UNREAD.set(sum(1 for n in items if not n.read))
    try:
        return await handler(request)
    finally:
        _UNREAD.reset(token)


@routes.get("/shares/{id}/notifications")
async def kinds_page(request: web.Request) -> web.Response:
    if current_owner(request) is None:
        return login_page(request)
    share = await context(request).runtime.shares.get(request.match_info["id"])
    chosen = await _notifier(request).store.kinds(share.id)
    href = quote(share.id, safe="")
    values = {
        "share": {"label": share.label, "href": href},
        "kinds": [{"value": k.value, "checked": k in chosen} for k in Kind],
    }
    return page(request, "owner/share_notifications.html", values)


@routes.post("/shares/{id}/notifications")
@owner_form
async def kinds_form(
    request: web.Request, owner: OwnerIdentity, _form: dict[str, str]
) -> web.Response:
    posted = await request.post()
    share = await context(request).runtime.shares.get(request.match_info["id"])
    kinds = parse_kinds([v for v in posted.getall("kinds", []) if isinstance(v, str)])
    if kinds is None:
        raise BadInput("Unknown kind of notification.", field="kinds")
    await _notifier(request).store.set_kinds(share.id, kinds)
    href = quote(share.id, safe="")
    raise web.HTTPSeeOther(f"{root_of(request.path)}shares/{href}/notifications")


def setup(app: web.Application, runtime: Runtime) -> None:
    """The notifier (listening to the share service while the app runs) and the badge; the
    routes are registered with the app's other tables."""
    install(app, runtime)
    app.middlewares.append(unread_badge)
