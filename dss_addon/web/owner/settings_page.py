"""The tab's link settings page: where share links can work, and the public HTTPS address that
*from anywhere* links use (checked before it is stored)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from dss_addon.web.owner.context import context
from dss_addon.web.owner.identity import OwnerIdentity, current_owner
from dss_addon.web.owner.link_place import (
    Place,
    Problem,
    check_public_url,
    home_base_url,
    is_loopback_host,
    link_host,
)
from dss_addon.web.owner.link_settings import LinkSettings, load_link_settings, save_link_settings
from dss_addon.web.owner.page import login_page, owner_form, page

routes = web.RouteTableDef()


@dataclass(frozen=True, slots=True)
class LinkPlaces:
    """The link bases the create form offers: always *at home*, *from anywhere* only with a
    public address (from the command line, which wins, or from the settings page)."""

    home: str
    anywhere: str
    fixed: bool  # the public address comes from the command line / config file

    @property
    def home_is_this_device(self) -> bool:
        return is_loopback_host(link_host(self.home))

    def base(self, place: Place) -> str:
        return self.anywhere if place is Place.ANYWHERE else self.home

    @property
    def default(self) -> Place:
        return Place.ANYWHERE if self.anywhere else Place.HOME


async def link_places(request: web.Request) -> LinkPlaces:
    runtime = context(request).runtime
    settings = runtime.settings
    listener = runtime.share_url or (
        f"{'http' if settings.http else 'https'}://{settings.share_listen}"
    )
    home = home_base_url(listener, request.host)
    if settings.public_url:
        return LinkPlaces(home, settings.public_url.rstrip("/"), fixed=True)
    stored = await load_link_settings(settings.data_dir)
    return LinkPlaces(home, stored.public_url, fixed=False)


def _settings_page(
    request: web.Request, places: LinkPlaces, *, typed: str, problems: tuple[Problem, ...] = (),
    saved: bool = False, status: int = 200,
) -> web.Response:
    values = {
        "places": places,
        "typed": typed,
        "problems": [p.value for p in problems],
        "saved": saved,
        "https_site": not context(request).runtime.settings.http,
    }
    return page(request, "owner/settings.html", values, status=status, here="settings")


@routes.get("/settings")
async def settings_form(request: web.Request) -> web.Response:
    if current_owner(request) is None:
        return login_page(request)
    places = await link_places(request)
    return _settings_page(request, places, typed="" if places.fixed else places.anywhere)


@routes.post("/settings")
@owner_form
async def save_settings(
    request: web.Request, owner: OwnerIdentity, fields: dict[str, str]
) -> web.Response:
    places = await link_places(request)
    typed = fields.get("public_url", "")[:400]
    check = check_public_url(typed)
    if places.fixed or check.problems:
        return _settings_page(request, places, typed=typed, problems=check.problems, status=400)
    await save_link_settings(context(request).runtime.settings.data_dir, LinkSettings(check.url))
    places = await link_places(request)
    return _settings_page(request, places, typed=check.url, saved=True)
