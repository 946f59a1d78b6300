"""Rendering an owner page: relative links from any depth, the CSRF field, the language cookie
and the login form for anonymous visitors."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from dss_addon.web.i18n import LANG_COOKIE, Lang, pick_language
from dss_addon.web.owner.context import context
from dss_addon.web.owner.csrf import CSRF_FIELD
from dss_addon.web.owner.identity import OwnerIdentity, current_owner
from dss_addon.web.templating import render

LANG_COOKIE_AGE = 365 * 24 * 3600

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
OwnerPage = Callable[[web.Request, OwnerIdentity], Awaitable[web.StreamResponse]]
OwnerForm = Callable[[web.Request, OwnerIdentity, dict[str, str]], Awaitable[web.StreamResponse]]


def root_of(path: str) -> str:
    """The relative way back to the site's root: the pages are served at / and, through the
    dSS web front, under /add-ons/dss-share/, so no link may start with a slash."""
    return "../" * max(0, path.count("/") - 1)


def page(
    request: web.Request,
    template: str,
    values: Mapping[str, object],
    *,
    status: int = 200,
    here: str = "",
) -> web.Response:
    """`here`: the GET page (relative to the root) that the language switch leads to when this
    page answers a POST; a GET page switches language in place."""
    lang = pick_language(request)
    owner = current_owner(request)
    guard = context(request).csrf
    root = root_of(request.path)
    other = Lang.EN if lang is Lang.DE else Lang.DE
    target = "" if request.method == "GET" else root + here
    common: dict[str, object] = {
        "root": root,
        "csrf_field": CSRF_FIELD,
        "csrf": guard.token_for(owner.key) if owner else guard.login_token(),
        "owner": owner,
        "other_lang": other.value,
        "lang_href": f"{target}?lang={other.value}",
    }
    response = render(request, template, {**common, **values}, status=status, lang=lang)
    chosen = request.query.get("lang")
    if chosen in (Lang.DE, Lang.EN):
        response.set_cookie(
            LANG_COOKIE, str(chosen), path="/", max_age=LANG_COOKIE_AGE, samesite="Lax",
            secure=request.secure,
        )
    return response


def login_page(request: web.Request, *, error: str = "", status: int = 401) -> web.Response:
    return page(request, "owner/login.html", {"error": error}, status=status)


async def checked_form(
    request: web.Request, owner: OwnerIdentity
) -> tuple[dict[str, str], list[str]]:
    """An owner's posted form, read only together with the check of its CSRF field."""
    fields, zones = await read_form(request)
    context(request).csrf.check(owner.key, fields.get(CSRF_FIELD))
    return fields, zones


async def read_form(request: web.Request) -> tuple[dict[str, str], list[str]]:
    """Text fields (first value each) and the checked zones; file uploads are ignored."""
    posted = await request.post()
    fields: dict[str, str] = {}
    for name, value in posted.items():
        if isinstance(value, str) and name not in fields:
            fields[name] = value
    zones = [v for v in posted.getall("zones", []) if isinstance(v, str)]
    return fields, zones


def owner_page(handler: OwnerPage) -> Handler:
    """A page for the signed-in owner; anybody else gets the login form (401)."""

    @functools.wraps(handler)
    async def for_the_owner(request: web.Request) -> web.StreamResponse:
        owner = current_owner(request)
        if owner is None:
            return login_page(request)
        return await handler(request, owner)

    return for_the_owner


def owner_form(handler: OwnerForm) -> Handler:
    """A form the signed-in owner posts, handed over with its text fields only after its CSRF
    field checked out; anybody else gets the login form (401) and changes nothing."""

    @functools.wraps(handler)
    async def from_the_owner(request: web.Request) -> web.StreamResponse:
        owner = current_owner(request)
        if owner is None:
            return login_page(request)
        fields, _ = await checked_form(request, owner)
        return await handler(request, owner, fields)

    return from_the_owner
