"""Creating a share from the tab: the form, and the one-time result with link, QR code, e-mail
and PIN. The result is rendered in the POST response itself (never after a redirect), so
reloading or going back cannot show the secret again."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from aiohttp import web

from dss_addon.errors import BadInput
from dss_addon.shares.requests import parse_share_request
from dss_addon.shares.service import CreatedShare, Owner
from dss_addon.web.i18n import pick_language
from dss_addon.web.owner.api import share_link
from dss_addon.web.owner.context import context
from dss_addon.web.owner.forms import (
    DURATION_PRESETS,
    VENDOR_SUPPORT,
    ShareForm,
    form_field,
    form_message,
    share_data,
    share_form,
)
from dss_addon.web.owner.handout import mailto, qr_svg
from dss_addon.web.owner.identity import OwnerIdentity, current_owner
from dss_addon.web.owner.page import checked_form, login_page, page
from dss_addon.web.owner.views import share_view

routes = web.RouteTableDef()


async def _zones(request: web.Request, owner: OwnerIdentity) -> Mapping[int, str]:
    return await context(request).runtime.dss.zone_names(owner.dss_token)  # as displayed


def _form_page(
    request: web.Request, form: ShareForm, zones: Mapping[int, str], *, status: int = 200
) -> web.Response:
    zone_list = sorted(zones.items(), key=lambda item: (item[1].casefold(), item[0]))
    values = {"form": form, "zones": zone_list, "presets": DURATION_PRESETS}
    return page(request, "owner/new.html", values, status=status)


@routes.get("/new")
async def new_share_form(request: web.Request) -> web.Response:
    owner = current_owner(request)
    if owner is None:
        return login_page(request)
    form = VENDOR_SUPPORT if request.query.get("preset") == "support" else ShareForm()
    return _form_page(request, form, await _zones(request, owner))


@routes.post("/new")
async def create_share(request: web.Request) -> web.Response:
    owner = current_owner(request)
    if owner is None:
        return login_page(request)
    fields, zone_values = await checked_form(request, owner)
    form = share_form(fields, zone_values)
    zones = await _zones(request, owner)
    try:
        created = await _create(request, owner, form, zones)
    except BadInput as exc:
        name = form_field(exc)
        message = form_message(
            exc, name, pick_language(request), context(request).runtime.settings.max_lifetime
        )
        return _form_page(request, replace(form, errors={name: message}), zones, status=400)
    return result_page(request, created, zones)


async def _create(
    request: web.Request, owner: OwnerIdentity, form: ShareForm, zones: Mapping[int, str]
) -> CreatedShare:
    runtime = context(request).runtime
    share_request = parse_share_request(
        share_data(form), runtime.clock.now(), max_lifetime=runtime.settings.max_lifetime,
        known_zones=zones.keys(),
    )
    return await runtime.shares.create(share_request, Owner(owner.user, owner.dss_token))


def result_page(
    request: web.Request, created: CreatedShare, zones: Mapping[int, str]
) -> web.Response:
    lang = pick_language(request)
    link = share_link(request, created.secret)
    values = {
        "share": share_view(created.share, context(request).runtime.clock.now(), 0, lang, zones),
        "link": link,
        "qr": qr_svg(link),
        "mailto": mailto(link, created.share, lang),
        "pin": created.pin,
    }
    response = page(request, "owner/created.html", values)
    response.headers["Cache-Control"] = "no-store"  # shown once: never from a cache
    return response
