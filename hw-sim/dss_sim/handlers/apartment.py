"""apartment/*: structure, devices, circuits, names and apartment-wide device verbs."""

from __future__ import annotations

from dss_sim.actions import GroupTarget
from dss_sim.effects import EffectKind
from dss_sim.envelope import JsonValue
from dss_sim.handlers.base import ApiClass, Ctx, Handler, escape, find_group
from dss_sim.handlers.interface import verbs
from dss_sim.metering import consumption
from dss_sim.views import device_json, meter_json, zone_json


def resolve_group(ctx: Ctx) -> GroupTarget:
    zone = ctx.sim.apartment.zones[0]
    return GroupTarget(zone, find_group(ctx, zone, id_word="ID") or zone.groups[0])


async def get_structure(ctx: Ctx) -> JsonValue:
    apt = ctx.sim.apartment
    return {"apartment": {"clusters": [],
                          "zones": [zone_json(z, apt) for z in apt.zones.values()]}}


async def get_devices(ctx: Ctx) -> JsonValue:
    apt = ctx.sim.apartment
    devices = list(apt.devices.values())
    if ctx.params.get("unassigned"):
        devices = [d for d in devices if d.zone_id == 0]
    return [device_json(d, apt) for d in devices]


async def get_circuits(ctx: Ctx) -> JsonValue:
    apt = ctx.sim.apartment
    return {"circuits": [meter_json(m, apt) for m in apt.meters.values()]}


async def get_vdcs(ctx: Ctx) -> JsonValue:
    ctx.need("implementationId", "Missing parameter 'implementationId'")
    return {"vdcs": []}


async def get_name(ctx: Ctx) -> JsonValue:
    return {"name": ctx.sim.apartment.name}


async def set_name(ctx: Ctx) -> None:
    # hasParameter("newName"): an empty name is accepted
    ctx.sim.apartment.name = escape(ctx.present("newName", "missing parameter 'newName'"))
    ctx.effect(EffectKind.CONFIG, zone=0, detail="setName")


async def get_consumption(ctx: Ctx) -> JsonValue:
    now = ctx.sim.clock.time()
    return {"consumption": sum(consumption(m, now) for m in ctx.sim.apartment.meters.values())}


async def get_reachable_groups(ctx: Ctx) -> JsonValue:
    apt = ctx.sim.apartment
    zones = []
    for zone in apt.zones.values():
        if zone.id == 0:
            groups = [g.id for g in zone.groups.values() if g.id >= 64]
        else:
            groups = [g.id for g in zone.groups.values() if g.id not in (0, 6, 7, 8)
                      and any(d.has_output for d in apt.devices_in(zone.id, g.id))]
        zones.append({"zoneID": zone.id, "name": zone.name, "groups": groups})
    return {"zones": zones}


async def get_locked_scenes(ctx: Ctx) -> JsonValue:
    return {"lockedScenes": []}


async def get_temperature_status(ctx: Ctx) -> JsonValue:
    zones = []
    for zone in ctx.sim.apartment.zones.values():
        if zone.id == 0:
            continue
        temps = [v for d in ctx.sim.apartment.devices_in(zone.id) for t, v in d.sensors if t == 9]
        zones.append({"id": zone.id, "name": zone.name, "ControlMode": 1, "ControlState": 0,
                      "OperationMode": 1, "TemperatureValue": temps[0] if temps else 21.0,
                      "NominalValue": 21.0, "ControlValue": 40.0})
    return {"zones": zones}


async def get_sensor_values(ctx: Ctx) -> JsonValue:
    return {"weather": {}, "outdoor": {}, "zones": []}


async def get_model_features(ctx: Ctx) -> JsonValue:
    return {"reference": {}, "features": {}}


async def harmless(ctx: Ctx) -> None:
    return None


HANDLERS: dict[str, Handler] = {
    "getStructure": get_structure, "getDevices": get_devices, "getCircuits": get_circuits,
    "getVdcs": get_vdcs, "getName": get_name, "setName": set_name,
    "getReachableGroups": get_reachable_groups, "getLockedScenes": get_locked_scenes,
    "getTemperatureControlStatus": get_temperature_status,
    "getTemperatureControlConfig": get_temperature_status,
    "getTemperatureControlConfig2": get_temperature_status,
    "getTemperatureControlValues": get_temperature_status,
    "getAssignedSensors": get_sensor_values, "getSensorValues": get_sensor_values,
    "getModelFeatures": get_model_features,
    "getClusterLocks": get_locked_scenes, "getDeviceBinaryInputs": get_sensor_values,
    "rescan": harmless, "removeInactiveMeters": harmless, "removeMeter": harmless,
    "setDevicesFirstSeen": harmless,
    **verbs(resolve_group),
}
HANDLERS["getConsumption"] = get_consumption
API = ApiClass(HANDLERS)
