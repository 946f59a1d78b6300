"""What every /json handler gets and returns."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from dss_sim.effects import Effect, EffectKind
from dss_sim.envelope import JsonValue
from dss_sim.errors import DssFail
from dss_sim.model import Group, Zone, dsid_to_dsuid
from dss_sim.params import Params, str2dsid, str2dsuid
from dss_sim.sessions import Session
from dss_sim.sim import Simulator


@dataclass
class Ctx:
    sim: Simulator
    params: Params
    session: Session | None
    token: str | None  # the token the request presented (cookie first, then parameter)
    request: web.Request
    cookie: str | None = None  # Set-Cookie value to send
    message: str | None = None  # message of a plain success
    target: Any = None  # set by the class's prepare step
    call: str = ""  # "<class>/<method>", for the effects log

    def effect(self, kind: EffectKind, **fields: Any) -> None:
        """Record what the dSS resolved and did for this call."""
        self.sim.record(Effect(kind, self.call, **fields))

    def need(self, name: str, message: str) -> str:
        value = self.params.get(name)
        if not value:
            raise DssFail(message)
        return value

    def present(self, name: str, message: str) -> str:
        """hasParameter, then getParameter: present (even empty) or fail with `message`."""
        if not self.params.has(name):
            raise DssFail(message)
        return self.params.text(name)

    @property
    def origin_token(self) -> str:
        return self.session.app_token or "" if self.session else ""


Handler = Callable[[Ctx], Awaitable[JsonValue | None]]


@dataclass(frozen=True)
class ApiClass:
    handlers: Mapping[str, Handler]
    prepare: Callable[[Ctx, str], None] | None = None
    unknown: str = "Unhandled function"
    public: bool = False  # True only for system: no session needed


def escape(text: str) -> str:
    """The dSS's HTML escaping of stored names."""
    return (text.replace("&", "&amp;").replace('"', "&quot;").replace("'", "&#039;")
            .replace("<", "&lt;").replace(">", "&gt;"))


def bool_param(raw: str | None, default: bool = False) -> bool:
    if raw is None or raw == "":
        return default
    return raw.lower() in ("1", "true", "yes")


def find_group(ctx: Ctx, zone: Zone, *, id_word: str) -> Group | None:
    """The group named by `groupName` or `groupID`, None if neither is given. The dSS words the
    parse error differently per class ("group ID" for apartment, "group id" for zone)."""
    name = ctx.params.get("groupName")
    if name:
        for group in zone.groups.values():
            if group.name == name:
                return group
        raise DssFail(f"Could not find group with name '{name}'")
    raw = ctx.params.get("groupID")
    if not raw:
        return None
    gid = ctx.params.int_def("groupID", -1)  # strToIntDef(..., -1): "-1" is unparsable too
    if gid == -1:
        raise DssFail(f"Could not parse group {id_word} '{raw}'")
    if gid not in zone.groups:
        raise DssFail(f"Could not find group with ID '{raw}'")
    return zone.groups[gid]


def dsid_or_dsuid(dsuid: str, dsid: str, known: Iterable[tuple[str, str]]) -> str:
    """dsidOrDsuid2dsuid: the dSUID given (if not empty), else the one of the dSID, matched
    against `known` (dSID, dSUID) pairs before the SGTIN mapping is used."""
    if dsuid:
        key = str2dsuid(dsuid)
        if key is None:
            raise DssFail("can not convert from string, invalid dSUID")
        return key
    parsed = str2dsid(dsid)
    if parsed is None:
        raise DssFail("can not convert from string, invalid dSID")
    for known_dsid, known_dsuid in known:
        if known_dsid == parsed:
            return known_dsuid
    return dsid_to_dsuid(parsed)
