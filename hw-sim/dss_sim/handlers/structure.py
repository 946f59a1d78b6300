"""structure/*: topology changes (structurerequesthandler.cpp). zoneAddDevice, addZone and
removeZone are modelled; the other calls are acknowledged. Every change that runs is recorded
as a `config` effect with the zone/group/device as the dSS resolved them."""

from __future__ import annotations

from dss_sim.effects import EffectKind
from dss_sim.envelope import JsonValue
from dss_sim.errors import DssFail
from dss_sim.handlers.base import ApiClass, Ctx, Handler
from dss_sim.model import Device, dsid_to_dsuid
from dss_sim.params import str2dsid, str2dsuid
from dss_sim.views import device_json


def _device(ctx: Ctx) -> Device:
    """`dsuid` or `deviceID` through ds485types.cpp dsidOrDsuid2dsuid, then
    Apartment::getDeviceByDSID (uncaught: HTTP 500)."""
    dsuid = ctx.params.text("dsuid")
    dsid = ctx.params.text("deviceID")
    if not dsuid and not dsid:
        raise DssFail("Missing parameter 'dsuid'")
    if dsuid:
        key = str2dsuid(dsuid)
        if key is None:
            raise DssFail("can not convert from string, invalid dSUID", 500)
    else:
        parsed = str2dsid(dsid)
        if parsed is None:
            raise DssFail("can not convert from string, invalid dSID", 500)
        key = dsid_to_dsuid(parsed)
        for dev in ctx.sim.apartment.devices.values():
            if dev.dsid == parsed:
                key = dev.dsuid
    device = ctx.sim.apartment.devices.get(key)
    if device is None:
        raise DssFail(key, 500)  # ItemNotFoundException(dsuid2str(dsuid))
    return device


def _zone_param(ctx: Ctx) -> int:
    """addZone/removeZone: strToIntDef(zoneID, -1) when not empty; -1 is "missing"."""
    return ctx.params.int_def("zoneID", -1)


async def zone_add_device(ctx: Ctx) -> JsonValue:
    dev = _device(ctx)
    if not dev.is_present:
        raise DssFail("cannot add nonexisting device to a zone")
    raw = ctx.params.text("zone")
    if not raw:
        raise DssFail("Need parameter 'zone'")
    zid = ctx.params.int_or_none("zone")
    if zid is None:  # strToInt throws invalid_argument, which only the web server catches
        raise DssFail(f"strToInt: Could not parse value: '{raw}'", 500)
    if zid < 1:
        raise DssFail("Could not move device: invalid zone id given!")
    if dev.zone_id == zid:
        raise DssFail(f"Device is already in zone {raw}")
    if zid not in ctx.sim.apartment.zones:
        raise DssFail("Could not find zone")
    dev.zone_id = zid
    ctx.effect(EffectKind.CONFIG, zone=zid, device=dev.dsuid, detail="zoneAddDevice")
    return {"movedDevices": [device_json(dev, ctx.sim.apartment)]}


async def add_zone(ctx: Ctx) -> None:
    zid = _zone_param(ctx)
    if zid == -1:
        raise DssFail("No or invalid zone id specified")
    if zid not in ctx.sim.apartment.zones:  # Apartment::allocateZone keeps an existing zone
        ctx.sim.apartment.add_zone(zid, "")
    ctx.effect(EffectKind.CONFIG, zone=zid, detail="addZone")


async def remove_zone(ctx: Ctx) -> None:
    zid = _zone_param(ctx)
    if zid == -1:
        raise DssFail("Missing parameter zoneID")
    apt = ctx.sim.apartment
    if zid not in apt.zones:
        raise DssFail("Could not find zone")
    if apt.devices_in(zid):
        raise DssFail("Cannot delete a non-empty zone")
    del apt.zones[zid]
    ctx.effect(EffectKind.CONFIG, zone=zid, detail="removeZone")


async def acknowledge(ctx: Ctx) -> JsonValue:
    zone = ctx.params.int_or_none("zoneID")
    group = ctx.params.int_or_none("groupID")
    ctx.effect(EffectKind.CONFIG, zone=zone, group=group, detail=ctx.call.rpartition("/")[2])
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
