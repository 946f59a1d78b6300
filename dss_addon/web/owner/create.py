"""Creating a share from the tab: the form, and the one-time result with link, QR code, e-mail
and PIN. The result is rendered in the POST response itself (never after a redirect), so
reloading or going back cannot show the secret again."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from aiohttp import web

from dss_addon.errors import BadInput, NotAuthenticated
from dss_addon.shares.requests import parse_share_request
from dss_addon.shares.service import CreatedShare, Owner
from dss_addon.web.i18n import Lang, pick_language
from dss_addon.web.owner.api import set_owner_cookie
from dss_addon.web.owner.context import context
from dss_addon.web.owner.csrf import CSRF_FIELD
from dss_addon.web.owner.forms import (
    DURATION_PRESETS,
    ShareForm,
    carried_fields,
    form_field,
    form_message,
    share_data,
    share_form,
    vendor_support,
)
from dss_addon.web.owner.handout import mailto, qr_svg
from dss_addon.web.owner.identity import OWNER, OwnerIdentity, current_owner
from dss_addon.web.owner.link_place import Place
from dss_addon.web.owner.page import checked_form, page, read_form
from dss_addon.web.owner.settings_page import LinkPlaces, link_places
from dss_addon.web.owner.views import share_view

routes = web.RouteTableDef()


async def _zones(request: web.Request, owner: OwnerIdentity) -> Mapping[int, str]:
    return await context(request).runtime.dss.zone_names(owner.dss_token)  # as displayed


def _form_page(
    request: web.Request, form: ShareForm, zones: Mapping[int, str], places: LinkPlaces, *,
    status: int = 200, resumed: bool = False,
) -> web.Response:
    zone_list = sorted(zones.items(), key=lambda item: (item[1].casefold(), item[0]))
    values = {
        "form": form, "zones": zone_list, "presets": DURATION_PRESETS, "places": places,
        "where": _place(form, places).value, "resumed": resumed,
    }
    return page(request, "owner/new.html", values, status=status, here="new")


def _place(form: ShareForm, places: LinkPlaces) -> Place:
    return Place(form.where) if form.where in set(Place) else places.default


@routes.get("/new")
async def new_share_form(request: web.Request) -> web.Response:
    owner = current_owner(request)
    if owner is None:
        return _login_page(request, [])
    lang = pick_language(request)
    form = vendor_support(lang) if request.query.get("preset") == "support" else ShareForm()
    return _form_page(request, form, await _zones(request, owner), await link_places(request))


@routes.post("/new")
async def create_share(request: web.Request) -> web.Response:
    owner = current_owner(request)
    if owner is None:
        return await _login_in_between(request)
    fields, zone_values = await checked_form(request, owner)
    form = share_form(fields, zone_values)
    zones = await _zones(request, owner)
    places = await link_places(request)
    try:
        created = await _create(request, owner, form, zones, places)
    except BadInput as exc:
        name = form_field(exc)
        message = form_message(
            exc, name, pick_language(request), context(request).runtime.settings.max_lifetime
        )
        return _form_page(
            request, replace(form, errors={name: message}), zones, places, status=400
        )
    return result_page(request, created, zones, places.base(_place(form, places)), places)


def _login_page(
    request: web.Request, carried: list[tuple[str, str]], *, error: str = "", status: int = 401
) -> web.Response:
    """The login form; with `carried` fields it posts back to the create form (the owner's
    session ended while filling it in), which comes back filled in after the login."""
    values = {"error": error, "carried": carried, "action": "new" if carried else "login"}
    return page(request, "owner/login.html", values, status=status, here="new")


async def _login_in_between(request: web.Request) -> web.Response:
    fields, zone_values = await read_form(request)
    form = share_form(fields, zone_values)
    carried = carried_fields(form)
    if "password" not in fields:  # the session ended: keep what was typed, ask to log in
        return _login_page(request, carried)
    ctx = context(request)
    ctx.csrf.check_login(fields.get(CSRF_FIELD))
    try:
        owner, cookie = await ctx.identifier.login(fields["password"], request.remote or "")
    except NotAuthenticated as exc:
        german = "Das Passwort ist falsch."
        if exc.message.startswith("Too many"):
            german = "Zu viele Versuche. Bitte warten Sie eine Minute."
        error = german if pick_language(request) is Lang.DE else exc.message
        return _login_page(request, carried, error=error)
    # Shown again, never created here: the owner checks the form and sends it once more, with
    # a CSRF token of the new session.
    request[OWNER] = owner
    places = await link_places(request)
    response = _form_page(request, form, await _zones(request, owner), places, resumed=True)
    set_owner_cookie(request, response, cookie)
    return response


async def _create(
    request: web.Request, owner: OwnerIdentity, form: ShareForm, zones: Mapping[int, str],
    places: LinkPlaces,
) -> CreatedShare:
    runtime = context(request).runtime
    if _place(form, places) is Place.ANYWHERE and not places.anywhere:
        raise BadInput("Links that work from anywhere need a public address: add one in the "
                       "settings, or choose 'at home'.", field="where")
    share_request = parse_share_request(
        share_data(form), runtime.clock.now(), max_lifetime=runtime.settings.max_lifetime,
        known_zones=zones.keys(),
    )
    return await runtime.shares.create(share_request, Owner(owner.user, owner.dss_token))


def result_page(
    request: web.Request, created: CreatedShare, zones: Mapping[int, str], base: str,
    places: LinkPlaces,
) -> web.Response:
    lang = pick_language(request)
    # The secret travels in the fragment: it never reaches a server log or a Referer.
    link = f"{base}/s/#{created.secret}"
    place = Place.ANYWHERE if base == places.anywhere and base else Place.HOME
    values = {
        "share": share_view(created.share, context(request).runtime.clock.now(), 0, lang, zones),
        "link": link,
        "place": place.value,
        "home_is_this_device": places.home_is_this_device,
        "https_link": link.startswith("https://"),
        "qr": qr_svg(link),
        "mailto": mailto(link, created.share, lang, place),
        "pin": created.pin,
    }
    response = page(request, "owner/created.html", values)
    response.headers["Cache-Control"] = "no-store"  # shown once: never from a cache
    return response
