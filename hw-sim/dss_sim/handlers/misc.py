"""set/*, state/*, subscription/* and database/*: small but real endpoints."""

from __future__ import annotations

from dss_sim.effects import EffectKind
from dss_sim.envelope import JsonValue
from dss_sim.errors import DssFail
from dss_sim.handlers.base import ApiClass, Ctx
from dss_sim.properties import find
from dss_sim.sim import SystemSubscription
from dss_sim.views import device_json

SYSTEM_STATES = frozenset({"heating_system", "heating_system_mode", "heating_water_system"})


# ---- set ---------------------------------------------------------------------------------------

async def from_apartment(ctx: Ctx) -> JsonValue:
    return {"self": "."}


async def by_zone(ctx: Ctx) -> JsonValue:
    return {"self": f".zone({ctx.params.text('zoneID')})"}


async def by_group(ctx: Ctx) -> JsonValue:
    return {"self": f".group({ctx.params.text('groupID')})"}


async def by_dsuid(ctx: Ctx) -> JsonValue:
    return {"self": f".dsuid({ctx.params.text('dsuid')})"}


async def by_dsid(ctx: Ctx) -> JsonValue:
    return {"self": f".dsid({ctx.params.text('dsid')})"}


async def set_get_devices(ctx: Ctx) -> JsonValue:
    apt = ctx.sim.apartment
    return [device_json(d, apt) for d in apt.devices.values()]


async def set_algebra(ctx: Ctx) -> JsonValue:
    return {"self": ctx.params.text("self")}


SET = ApiClass({"fromApartment": from_apartment, "byZone": by_zone, "byGroup": by_group,
                "byDSUID": by_dsuid, "byDSID": by_dsid, "getDevices": set_get_devices,
                "add": set_algebra, "subtract": set_algebra})


# ---- state -------------------------------------------------------------------------------------

async def state_set(ctx: Ctx) -> None:
    name = ctx.params.get("name")
    value = ctx.params.get("value")
    if not name or not value:
        raise DssFail("Missing parameter 'name' or 'value'", 500)
    addon = ctx.params.get("addon")
    if not addon and name not in SYSTEM_STATES:
        raise DssFail(f"Not allowed or not existing system state '{name}'", 500)
    if addon and find(ctx.sim.tree(), f"/usr/addon-states/{addon}/{name}/state") is None:
        # apartment.cpp Apartment::getState(identifier, name): only states an add-on
        # registered (provider service == addon); else DS_FAIL_REQUIRE("State not found", name).
        raise DssFail(f"State not found name:{name} apartment.cpp:570 ", 500)
    base = f"/usr/addon-states/{addon}" if addon else "/usr/states"
    ctx.sim.tree().set(f"{base}/{name}/state", value)
    ctx.effect(EffectKind.CONFIG, path=f"{base}/{name}/state", detail=value)


STATE = ApiClass({"set": state_set}, unknown="Unhandled function.")


# ---- subscription ------------------------------------------------------------------------------

async def sub_list(ctx: Ctx) -> JsonValue:
    return {"subscriptions": [{"id": s.id, "handlerName": s.handler_name,
                               "eventName": s.event_name, "options": dict(s.options),
                               "filter": {}} for s in ctx.sim.system_subscriptions]}


async def sub_add(ctx: Ctx) -> JsonValue:
    event = ctx.need("eventName", "Missing parameter 'eventName'")
    handler = ctx.need("handlerName", "Missing parameter 'handlerName'")
    options = {}
    for pair in ctx.params.text("parameter").split(";"):
        key, sep, value = pair.partition("=")
        if sep and key:
            options[key] = value
    new_id = max((s.id for s in ctx.sim.system_subscriptions), default=0) + 1
    ctx.sim.system_subscriptions.append(SystemSubscription(new_id, event, handler, options))
    return {"id": new_id}


async def sub_remove(ctx: Ctx) -> None:
    raw = ctx.need("id", "Missing parameter 'id'")
    before = len(ctx.sim.system_subscriptions)
    ctx.sim.system_subscriptions[:] = [s for s in ctx.sim.system_subscriptions
                                       if str(s.id) != raw]
    if len(ctx.sim.system_subscriptions) == before:
        raise DssFail(f"Subscription with id '{raw}' not found")


SUBSCRIPTION = ApiClass({"list": sub_list, "add": sub_add, "remove": sub_remove})


# ---- database ----------------------------------------------------------------------------------

async def db_query(ctx: Ctx) -> JsonValue:
    database = ctx.need("database", "Missing parameter 'database'")
    if any(c in database for c in "./\\$"):
        raise DssFail("Invalid database name")
    ctx.need("sql", "Missing parameter 'sql'")
    return {"data": []}


DATABASE = ApiClass({"query": db_query})
