"""structure/*: topology changes (zones, devices, groups), mostly acknowledged stubs."""

from __future__ import annotations

from dss_sim.envelope import JsonValue
from dss_sim.errors import DssFail
from dss_sim.handlers.base import ApiClass, Ctx, Handler, escape
from dss_sim.model import Device
from dss_sim.params import parse_int


def _zone_id(ctx: Ctx, name: str = "zoneID") -> int:
    zid = parse_int(ctx.params.get(name))
    if zid is None:
        raise DssFail(f"Missing parameter '{name}'")
    return zid


def _device(ctx: Ctx) -> Device:
    ident = (ctx.params.get("dsuid") or ctx.params.get("devid") or "").lower()
    for dev in ctx.sim.apartment.devices.values():
        if ident in (dev.dsuid, dev.dsid):
            return dev
    raise DssFail("Could not find device")


async def zone_add_device(ctx: Ctx) -> None:
    dev = _device(ctx)
    zid = _zone_id(ctx, "zone")
    if zid not in ctx.sim.apartment.zones:
        raise DssFail(f"Could not find zone with id '{zid}'")
    dev.zone_id = zid


async def add_zone(ctx: Ctx) -> None:
    zid = _zone_id(ctx)
    if zid in ctx.sim.apartment.zones:
        raise DssFail("Zone already exists")
    ctx.sim.apartment.add_zone(zid, escape(ctx.params.text("name")))


async def remove_zone(ctx: Ctx) -> None:
    zid = _zone_id(ctx)
    apt = ctx.sim.apartment
    if zid not in apt.zones or zid == 0:
        raise DssFail(f"Could not find zone with id '{zid}'")
    if apt.devices_in(zid):
        raise DssFail("Cannot delete a non-empty zone")
    del apt.zones[zid]


async def acknowledge(ctx: Ctx) -> JsonValue:
    return None


async def group_get_configuration(ctx: Ctx) -> JsonValue:
    return {"configuration": {}}


HANDLERS: dict[str, Handler] = {
    "zoneAddDevice": zone_add_device, "addZone": add_zone, "removeZone": remove_zone,
    "groupGetConfiguration": group_get_configuration,
    **dict.fromkeys(("removeDevice", "persistSet", "unpersistSet", "addGroup", "removeGroup",
                     "addCluster", "removeCluster", "groupAddDevice", "groupRemoveDevice",
                     "clusterAddDevice", "clusterRemoveDevice", "groupSetName", "groupSetColor",
                     "groupSetConfiguration", "clusterSetName", "clusterSetColor",
                     "clusterSetConfigLock"), acknowledge),
}
API = ApiClass(HANDLERS)
