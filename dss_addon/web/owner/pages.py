"""The tab's pages: login, the list of shares, a share's detail with extend and revoke."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote

from aiohttp import web

from dss_addon.errors import BadInput, DssError, NotAuthenticated
from dss_addon.shares.model import Share
from dss_addon.shares.requests import parse_extension
from dss_addon.shares.service import Owner, seen_request
from dss_addon.web.i18n import pick_language
from dss_addon.web.owner.api import set_owner_cookie
from dss_addon.web.owner.audit_query import KINDS, audit_names, parse_audit_query
from dss_addon.web.owner.context import context
from dss_addon.web.owner.create import result_page
from dss_addon.web.owner.forms import EXTEND_PRESETS, extension_data, form_message
from dss_addon.web.owner.identity import OWNER_COOKIE, OwnerIdentity, current_owner
from dss_addon.web.owner.list_query import parse_list_query
from dss_addon.web.owner.page import (
    checked_form,
    login_page,
    owner_form,
    owner_page,
    page,
    read_form,
    root_of,
)
from dss_addon.web.owner.settings_page import link_places
from dss_addon.web.owner.views import audit_view, share_view, when

routes = web.RouteTableDef()
TIMELINE_MAX = 200


# The list's filters (issue 10, item 10): what is still running, what is over, the archive.
SHOW_FILTERS = ("current", "over", "archived")


@routes.get("/")
@owner_page
async def index(request: web.Request, owner: OwnerIdentity) -> web.Response:
    runtime, lang = context(request).runtime, pick_language(request)
    dss_reachable = await runtime.reconcile_app_tokens(owner.dss_token)
    show = request.query.get("show", "")
    show = show if show in SHOW_FILTERS else "all"
    query = parse_list_query(request.query)
    listed = await runtime.shares.page(show, before=query.before, limit=query.limit)
    now = runtime.clock.now()
    rows = [
        share_view(s, now, await runtime.shares.live_sessions(s.id), lang, {})
        for s in listed.shares
    ]
    counts = await runtime.shares.counts()
    values = {
        "shares": rows, "show": show, "next": listed.next_before, "paged": query.before is not None,
        "counts": {"all": counts.all, "current": counts.current, "over": counts.over},
        "requested": await runtime.shares.open_extension_requests(),
        "dss_down": not dss_reachable,
    }
    return page(request, "owner/index.html", values)


@routes.get("/login")
async def login_form(request: web.Request) -> web.Response:
    return login_page(request, status=200)


@routes.post("/login")
async def login(request: web.Request) -> web.Response:
    form, _ = await read_form(request)
    context(request).csrf.check_login(form.get("csrf"))
    try:
        _, cookie = await context(request).identifier.login(
            form.get("password", ""), request.remote or ""
        )
    except NotAuthenticated as exc:
        german = "Das Passwort ist falsch."
        if exc.message.startswith("Too many"):
            german = "Zu viele Versuche. Bitte warten Sie eine Minute."
        return login_page(request, error=german if pick_language(request) == "de" else exc.message)
    response = web.HTTPSeeOther(root_of(request.path) or "./")
    set_owner_cookie(request, response, cookie)
    raise response


@routes.post("/logout")
async def logout(request: web.Request) -> web.Response:
    owner = current_owner(request)
    if owner is not None:
        await checked_form(request, owner)  # logging out is a mutation: CSRF-checked too
        await context(request).identifier.logout(owner, request)
    response = web.HTTPSeeOther("login")
    response.del_cookie(OWNER_COOKIE, path="/")
    raise response


async def _zone_names(request: web.Request, owner: OwnerIdentity, share: Share) -> dict[int, str]:
    if not share.zones:
        return {}
    try:
        return await context(request).runtime.dss.zone_names(owner.dss_token)
    except DssError:  # names are a courtesy; the ids still show
        return {}


async def detail_page(
    request: web.Request, owner: OwnerIdentity, share: Share, *,
    errors: Mapping[str, str] | None = None, status: int = 200,
) -> web.Response:
    runtime, lang = context(request).runtime, pick_language(request)
    live = await runtime.shares.live_sessions(share.id)
    names = await audit_names(runtime.dss, owner.dss_token)
    view = share_view(share, runtime.clock.now(), live, lang, names.zones)
    query = parse_audit_query(request.query, default_limit=TIMELINE_MAX)
    # Newest first, one page at a time: a day of work can log thousands of calls.
    page_ = await runtime.store.audit_page(
        share.id, before=query.before, limit=query.limit, events=query.events
    )
    values = {
        "share": view, "audit": [audit_view(e, lang, names) for e in page_.entries],
        "audit_kind": query.kind, "audit_kinds": list(KINDS), "audit_next": page_.next_before,
        "audit_paged": query.before is not None,
        "presets": EXTEND_PRESETS, "errors": errors or {},
        "revocation_unsaved": runtime.shares.revocation_unsaved(share.id),
        "requested": await runtime.shares.open_extension_requests(),
    }
    here = f"shares/{quote(share.id, safe='')}"
    return page(request, "owner/detail.html", values, status=status, here=here)


@routes.get("/shares/{id}")
@owner_page
async def detail(request: web.Request, owner: OwnerIdentity) -> web.Response:
    share = await context(request).runtime.shares.get(request.match_info["id"])
    return await detail_page(request, owner, share)


def _back_to(request: web.Request, share: Share) -> web.HTTPSeeOther:
    return web.HTTPSeeOther(f"{root_of(request.path)}shares/{quote(share.id, safe='')}")


@routes.post("/shares/{id}/revoke")
@owner_form
async def revoke(
    request: web.Request, owner: OwnerIdentity, form: dict[str, str]
) -> web.Response:
    shares = context(request).runtime.shares
    share = await shares.get(request.match_info["id"])
    if form.get("confirmed") != "yes":
        return _confirm_page(request, share, "revoke", {}, "")
    await shares.revoke(share.id, actor=owner.user)
    raise _back_to(request, share)


@routes.post("/shares/{id}/extend")
@owner_form
async def extend(
    request: web.Request, owner: OwnerIdentity, form: dict[str, str]
) -> web.Response:
    runtime, lang = context(request).runtime, pick_language(request)
    share = await runtime.shares.get(request.match_info["id"])
    try:
        new_end = _new_end(request, share, form)
        if form.get("confirmed") == "yes":
            share = await runtime.shares.extend(share.id, new_end, actor=owner.user)
            raise _back_to(request, share)
    except BadInput as exc:
        message = form_message(exc, "minutes", lang, runtime.settings.max_lifetime)
        return await detail_page(request, owner, share, errors={"minutes": message}, status=400)
    carry = {k: form.get(k, "") for k in ("minutes", "ends_at", "tz")}
    return _confirm_page(request, share, "extend", carry, when(new_end, lang))


@routes.post("/shares/{id}/unlock")
@owner_form
async def unlock(
    request: web.Request, owner: OwnerIdentity, _form: dict[str, str]
) -> web.Response:
    runtime = context(request).runtime
    share, pin = await runtime.shares.unlock(request.match_info["id"], actor=owner.user)
    view = share_view(share, runtime.clock.now(), 0, pick_language(request), {})
    href = quote(share.id, safe="")
    response = page(
        request, "owner/unlocked.html", {"share": view, "pin": pin}, here=f"shares/{href}"
    )
    response.headers["Cache-Control"] = "no-store"  # the new PIN is shown once
    return response


@routes.post("/shares/{id}/reissue")
@owner_form
async def reissue(
    request: web.Request, owner: OwnerIdentity, form: dict[str, str]
) -> web.Response:
    runtime = context(request).runtime
    share = await runtime.shares.get(request.match_info["id"])
    if form.get("confirmed") != "yes":
        lang = pick_language(request)
        message = (
            "Bitte bestätigen Sie, dass der alte Link ungültig wird."
            if lang == "de" else "Please confirm that the old link stops working."
        )
        return await detail_page(request, owner, share, errors={"reissue": message}, status=400)
    created = await runtime.shares.reissue(share.id, Owner(owner.user, owner.dss_token))
    # The old link's place is not kept: the new one takes the form's default place.
    places = await link_places(request)
    zones = await _zone_names(request, owner, created.share)
    return result_page(request, created, zones, places.base(places.default), places)


@routes.post("/shares/{id}/archive")
@owner_form
async def archive(
    request: web.Request, owner: OwnerIdentity, form: dict[str, str]
) -> web.Response:
    share = await context(request).runtime.shares.archive(
        request.match_info["id"], actor=owner.user
    )
    show = form.get("show", "")
    if show in (*SHOW_FILTERS, "all"):  # archived from the list: back to the same view
        raise web.HTTPSeeOther(f"{root_of(request.path) or './'}?show={show}")
    raise _back_to(request, share)


@routes.post("/shares/{id}/extension-request/{answer:grant|decline}")
@owner_form
async def answer_extension_request(
    request: web.Request, owner: OwnerIdentity, form: dict[str, str]
) -> web.Response:
    share = await context(request).runtime.shares.answer_extension(
        request.match_info["id"],
        grant=request.match_info["answer"] == "grant",
        actor=owner.user,
        seen=seen_request(form),  # the hidden fields: the request the page showed
    )
    raise _back_to(request, share)


def _new_end(request: web.Request, share: Share, form: Mapping[str, str]) -> datetime:
    runtime = context(request).runtime
    return parse_extension(
        extension_data(form), share, runtime.clock.now(),
        max_lifetime=runtime.settings.max_lifetime,
    )


def _confirm_page(
    request: web.Request, share: Share, action: str, carry: Mapping[str, str], until: str
) -> web.Response:
    """The no-JavaScript confirmation step (owner.js asks with confirm() instead)."""
    href = quote(share.id, safe="")
    values = {
        "share": {"label": share.label, "href": href},
        "action": action,
        "carry": carry,
        "until": until,
    }
    return page(request, "owner/confirm.html", values, here=f"shares/{href}")
