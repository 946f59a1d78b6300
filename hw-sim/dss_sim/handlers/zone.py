"""zone/*: zone selection (before dispatch), names, scene names and zone device verbs."""

from __future__ import annotations

import json
from dataclasses import dataclass

from dss_sim.actions import GroupTarget
from dss_sim.effects import EffectKind
from dss_sim.envelope import JsonValue
from dss_sim.errors import DssFail
from dss_sim.handlers.base import ApiClass, Ctx, Handler, escape, find_group
from dss_sim.handlers.interface import verbs
from dss_sim.model import Group, Zone


@dataclass
class ZoneSelection:
    zone: Zone
    group: Group | None


def prepare(ctx: Ctx, method: str) -> None:
    apt = ctx.sim.apartment
    raw_id = ctx.params.text("id")
    name = ctx.params.text("name")
    if raw_id:
        zid = ctx.params.int_def("id", -1)  # strToIntDef(id, -1): "-1" is unparsable too
        if zid == -1:
            raise DssFail(f"Could not parse id '{raw_id}'")
        if zid not in apt.zones:
            raise DssFail(f"Could not find zone with id '{raw_id}'")
        zone = apt.zones[zid]
    elif name:
        found = [z for z in apt.zones.values() if z.name == name]
        if not found:
            raise DssFail(f"Could not find zone named '{name}'")
        zone = found[0]
    else:
        raise DssFail("Need parameter name or id to identify zone")
    ctx.target = ZoneSelection(zone, find_group(ctx, zone, id_word="id"))


def _sel(ctx: Ctx) -> ZoneSelection:
    assert isinstance(ctx.target, ZoneSelection)
    return ctx.target


def resolve_target(ctx: Ctx) -> GroupTarget:
    sel = _sel(ctx)
    return GroupTarget(sel.zone, sel.group or sel.zone.groups[0])


def _need_group(ctx: Ctx) -> Group:
    group = _sel(ctx).group
    if group is None:
        raise DssFail("Need group to work")
    return group


def _scene_number(ctx: Ctx, group: Group) -> int:
    """sceneGetName/sceneSetName: strToIntDef(-1), SceneHelper::isInRange(scene, group zone);
    the bounds message shows the parsed number (intToString), not the raw text."""
    scene = ctx.params.int_def("sceneNumber", -1)
    if scene == -1:
        raise DssFail("Need valid parameter 'sceneNumber'")
    limit = 127 if _sel(ctx).zone.id == 0 else 63
    if not 0 <= scene <= limit:
        raise DssFail(f"Parameter 'sceneNumber' out of bounds ('{scene}')")
    return scene


async def get_name(ctx: Ctx) -> JsonValue:
    return {"name": _sel(ctx).zone.name}


async def set_name(ctx: Ctx) -> None:
    # hasParameter("newName") first (an empty name is accepted), then the zone 0 check
    ctx.present("newName", "missing parameter 'newName'")
    zone = _sel(ctx).zone
    if zone.id == 0:
        raise DssFail("changing name for zone 0 is not allowed")
    zone.name = escape(ctx.params.text("newName"))
    ctx.effect(EffectKind.CONFIG, zone=zone.id, detail="setName")


async def get_last_called_scene(ctx: Ctx) -> JsonValue:
    return {"scene": resolve_target(ctx).group.last_called_scene}


async def scene_get_name(ctx: Ctx) -> JsonValue:
    group = _need_group(ctx)
    return {"name": group.scene_names.get(_scene_number(ctx, group), "")}


async def scene_set_name(ctx: Ctx) -> None:
    group = _need_group(ctx)
    scene = _scene_number(ctx, group)
    name = escape(ctx.present("newName", "missing parameter 'newName'"))
    group.scene_names[scene] = name
    ctx.effect(EffectKind.CONFIG, zone=_sel(ctx).zone.id, group=group.id, scene=scene,
               detail="sceneSetName")
    ctx.sim.raise_event("scene_name_changed", {
        "zone": str(_sel(ctx).zone.id), "group": str(group.id), "sceneId": str(scene),
        "newSceneName": name})


async def get_reachable_scenes(ctx: Ctx) -> JsonValue:
    group = _need_group(ctx)
    reachable = [0, 5, 6, 7, 8, 9, 13, 14, 15, 17, 18, 19, 40]
    return {"reachableScenes": reachable,
            "userSceneNames": [{"sceneNr": s, "sceneName": n}
                               for s, n in sorted(group.scene_names.items())]}


async def climate(ctx: Ctx) -> JsonValue:
    zone = _sel(ctx).zone
    if zone.id == 0:
        raise DssFail("Zone id 0 is invalid")
    return {"ControlMode": 1, "ControlState": 0, "OperationMode": 1,
            "TemperatureValue": 21.0, "NominalValue": 21.0, "ControlValue": 40.0}


async def climate_set(ctx: Ctx) -> None:
    await climate(ctx)
    zone = _sel(ctx).zone.id
    ctx.effect(EffectKind.CONFIG, zone=zone, detail=ctx.call.rpartition("/")[2])
    reference = _reference_zone(ctx)
    if reference is not None and reference != zone:
        # zonerequesthandler.cpp / zone.cpp parseFollowerMode: this zone's valves now follow
        # the reference zone's controller, and its reads show that zone's heating.
        ctx.effect(EffectKind.CONFIG, zone=reference, detail=f"zone {zone} follows")


def _reference_zone(ctx: Ctx) -> int | None:
    """The zone a heating follower copies: `ReferenceZone` (setTemperatureControlConfig) or
    `referenceZone` inside the JSON `zoneFollowerMode` (setTemperatureControlConfig2)."""
    if ctx.params.text("ReferenceZone"):
        value = ctx.params.int_def("ReferenceZone", -1)
        return value if value >= 0 else None
    raw = ctx.params.text("zoneFollowerMode")
    if not raw:
        return None
    try:
        mode = json.loads(raw)
    except ValueError:
        raise DssFail("Invalid parameter 'zoneFollowerMode'") from None
    reference = mode.get("referenceZone") if isinstance(mode, dict) else None
    return reference if isinstance(reference, int) and not isinstance(reference, bool) else None


# modelconst.h SensorType: the outdoor types zonerequesthandler.cpp setSensorSource assigns to
# the apartment (zone 0), and the room types it assigns to the named zone.
OUTDOOR_SENSOR_TYPES = frozenset({10, 12, 14, 15, 16, 17, 18, 19, 20})
ROOM_SENSOR_TYPES = frozenset({4, 5, 6, 9, 11, 13, 21, 22, 25, 50, 51, 64, 65})


async def set_sensor_source(ctx: Ctx) -> None:
    """zonerequesthandler.cpp setSensorSource: an outdoor sensor type names the apartment's
    sensor (zone 0), whatever zone the call names."""
    zone = _sel(ctx).zone
    if zone.id == 0:
        raise DssFail("Not allowed to assign sensor for zone 0")
    raw = ctx.params.text("dsuid")
    if not raw:
        raise DssFail("Missing parameter 'dsuid'")
    sensor_type = ctx.params.int_def("sensorType", -1)
    if sensor_type < 0:
        raise DssFail("Missing or invalid parameter 'sensorType'")
    if sensor_type in OUTDOOR_SENSOR_TYPES:
        target = 0
    elif sensor_type in ROOM_SENSOR_TYPES:
        target = zone.id
    else:
        raise DssFail(f"Invalid parameter 'sensorType': {sensor_type}")
    ctx.effect(EffectKind.CONFIG, zone=target, device=raw.lower(),
               detail=f"setSensorSource {sensor_type}")


HANDLERS: dict[str, Handler] = {
    **verbs(resolve_target),
    "getName": get_name, "setName": set_name, "getLastCalledScene": get_last_called_scene,
    "sceneGetName": scene_get_name, "sceneSetName": scene_set_name,
    "getReachableScenes": get_reachable_scenes,
    "getTemperatureControlStatus": climate, "getTemperatureControlConfig": climate,
    "getTemperatureControlConfig2": climate, "getTemperatureControlValues": climate,
    "getTemperatureControlInternals": climate, "getAssignedSensors": climate,
    "getSensorValues": climate, "setTemperatureControlConfig": climate_set,
    "setTemperatureControlConfig2": climate_set, "setTemperatureControlValues": climate_set,
    "setTemperatureControlState": climate_set, "setStatusField": climate_set,
    "setSensorSource": set_sensor_source, "clearSensorSource": climate_set,
}
API = ApiClass(HANDLERS, prepare=prepare)
