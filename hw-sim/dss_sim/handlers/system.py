"""system/*: login, sessions, passwords, application tokens, version and time."""

from __future__ import annotations

import re

from dss_sim.effects import Effect, EffectKind
from dss_sim.envelope import COOKIE_REVOKE, COOKIE_SET, JsonValue
from dss_sim.errors import DssFail
from dss_sim.handlers.base import ApiClass, Ctx, Handler, escape
from dss_sim.localtime import time_info
from dss_sim.properties import EmptyNameError
from dss_sim.tree import DISTRO, VERSION

_NON_ALNUM = re.compile(r"[^A-Za-z0-9]")


async def login(ctx: Ctx) -> JsonValue:
    if ctx.session is not None:
        ctx.cookie = COOKIE_SET.format(token=ctx.session.token)
        return {"token": ctx.session.token}
    user = _NON_ALNUM.sub("", ctx.params.text("user"))
    if not user:
        raise DssFail("Missing parameter 'user'")
    password = ctx.need("password", "Missing parameter 'password'")
    if not ctx.sim.security.check(user, password):
        raise DssFail("Authentication failed")
    session = ctx.sim.sessions.create(user)
    if session is None:
        raise DssFail("Authentication failed")
    ctx.cookie = COOKIE_SET.format(token=session.token)
    return {"token": session.token}


async def login_application(ctx: Ctx) -> JsonValue:
    token = _NON_ALNUM.sub("", ctx.params.text("loginToken"))
    if not token:
        raise DssFail("Missing parameter 'loginToken'")
    enabled = ctx.sim.security.enabled.get(token)
    if enabled is None or enabled.user not in ctx.sim.security.users:
        raise DssFail("Application-Authentication failed")
    session = ctx.sim.sessions.create(enabled.user, app_token=token)
    if session is None:
        raise DssFail("Application-Authentication failed")
    ctx.cookie = COOKIE_SET.format(token=session.token)
    return {"token": session.token}


async def logout(ctx: Ctx) -> None:
    if ctx.token:
        ctx.sim.sessions.remove(ctx.token)
        ctx.sim.events.drop_session(ctx.token)
    ctx.cookie = COOKIE_REVOKE


async def logged_in_user(ctx: Ctx) -> JsonValue:
    return {"name": ctx.session.user} if ctx.session else {}


async def set_password(ctx: Ctx) -> None:
    if ctx.session is None:
        raise DssFail("Need to be logged in to change password")
    password = ctx.need("password", "Missing parameter 'password'")
    ctx.sim.security.set_password(ctx.session.user, password)
    ctx.message = "Password changed, have a nice day!"


async def request_application_token(ctx: Ctx) -> JsonValue:
    if ctx.session is not None:
        raise DssFail("Must not be logged-in to request a token")
    name = ctx.need("applicationName", "Need parameter 'applicationName'")
    return {"applicationToken": ctx.sim.security.request_token(escape(name))}


async def enable_token(ctx: Ctx) -> None:
    if ctx.session is None:
        raise DssFail("Must be logged-in")
    if ctx.session.is_application:
        raise DssFail("Please let the user validate your tokens")
    # security.cpp enableToken: the token is a property path below applicationTokens/pending.
    token = ctx.need("applicationToken", "Need parameter 'applicationToken'")
    touched: list[str] = []
    try:
        enabled = ctx.sim.security.enable(token, ctx.session.user, touched)
    except EmptyNameError as exc:
        raise DssFail(str(exc), 500) from None
    finally:
        _record_writes(ctx, "system/enableToken", touched)
    if not enabled:
        raise DssFail("Unknown token")


async def revoke_token(ctx: Ctx) -> None:
    if ctx.session is None:
        raise DssFail("Must be logged-in")
    # security.cpp revokeToken: looks up applicationTokens/enabled/<token>, unfiltered.
    token = ctx.need("applicationToken", "Need parameter 'applicationToken'")
    touched: list[str] = []
    try:
        revoked = ctx.sim.security.revoke(token, touched)
    finally:
        _record_writes(ctx, "system/revokeToken", touched)
    if not revoked:
        raise DssFail("Unknown token")
    ctx.sim.raise_event("ApplicationTokenDeleted", {"ApplicationToken": token})


def _record_writes(ctx: Ctx, call: str, paths: list[str]) -> None:
    seen: set[str] = set()
    for path in paths:
        if path not in seen:
            seen.add(path)
            ctx.sim.record(Effect(EffectKind.WRITE, call, path=path))


async def version(ctx: Ctx) -> JsonValue:
    return {"version": VERSION, "distroVersion": DISTRO, "Hardware": " dSS20",
            "Revision": " 0001", "Serial": " 0000000000ab12", "EthernetID": "a8:99:5c:00:ab:12",
            "MachineID": "5f0c3a2b9d8e4f61a7b2c3d4e5f60718", "Kernel": "Linux version 4.9.0-dss"}


async def get_time(ctx: Ctx) -> JsonValue:
    return time_info(ctx.sim.clock.time(), ctx.sim.config.timezone)


async def get_dsid(ctx: Ctx) -> JsonValue:
    return {"dSID": ctx.sim.apartment.dsid, "dSUID": ctx.sim.apartment.dsuid}


HANDLERS: dict[str, Handler] = {
    "login": login, "loginApplication": login_application, "logout": logout,
    "loggedInUser": logged_in_user, "setPassword": set_password,
    "requestApplicationToken": request_application_token, "enableToken": enable_token,
    "revokeToken": revoke_token, "version": version, "time": get_time,
    "getDSID": get_dsid, "getDSUID": get_dsid,
}
API = ApiClass(HANDLERS, public=True)
