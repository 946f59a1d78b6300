"""Device-interface verbs on groups and devices (scene calls, values, blink) with their events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dss_sim.errors import DssFail
from dss_sim.model import ON_SCENES, Device, Group, Zone
from dss_sim.sim import Simulator

ZERO_DSUID = "0" * 34


@dataclass
class GroupTarget:
    zone: Zone
    group: Group


Target = GroupTarget | Device


def target_fields(target: Target) -> dict[str, Any]:
    """The effect fields naming a target as the dSS resolved it."""
    if isinstance(target, Device):
        return {"device": target.dsuid}
    return {"zone": target.zone.id, "group": target.group.id}


def _devices(sim: Simulator, target: Target) -> list[Device]:
    if isinstance(target, Device):
        return [target]
    return sim.apartment.devices_in(target.zone.id, target.group.id)


def _apply_scene(dev: Device, scene: int) -> None:
    dev.previous_scene = dev.last_called_scene
    dev.last_called_scene = scene
    if scene in ON_SCENES:
        dev.value = 255
    elif scene in (0, 13, 67, 68):
        dev.value = 0


def source_of(target: Target) -> dict[str, object]:
    if isinstance(target, Device):
        return {"set": f"dsid({target.dsuid})", "dsid": target.dsuid, "zoneID": target.zone_id,
                "isApartment": False, "isGroup": False, "isDevice": True}
    zid, gid = target.zone.id, target.group.id
    return {"set": f".zone({zid}).group({gid})", "groupID": gid, "zoneID": zid,
            "isApartment": zid == 0 and gid == 0, "isGroup": True, "isDevice": False}


def _scene_props(target: Target, scene: int, origin_token: str, forced: bool) -> dict[str, str]:
    props = {"sceneID": str(scene)}
    if isinstance(target, GroupTarget):
        props.update(groupID=str(target.group.id), zoneID=str(target.zone.id),
                     originDSUID=ZERO_DSUID)
    props.update(callOrigin="2", originToken=origin_token)
    if forced:
        props["forced"] = "true"
    return props


def check_access(sim: Simulator, target: Target, category: str) -> None:
    """sceneaccess.cpp SceneAccess::checkAccess: anything but the category "manual" (an unknown
    or empty category included) on shades is blocked while fire or wind is active."""
    if category == "manual":
        return
    shades = 2 in target.groups if isinstance(target, Device) else target.group.id == 2
    if not shades:
        return
    fire, wind = sim.state("fire") == "active", sim.state("wind") == "active"
    if fire and wind:
        raise DssFail("Execution blocked: fire and wind alarms are active", 500)
    for state, active in (("fire", fire), ("wind", wind)):
        if active:
            raise DssFail(f"Execution blocked: {state} is active", 500)


def call_scene(sim: Simulator, target: Target, scene: int, origin_token: str = "",
               forced: bool = False) -> None:
    for dev in _devices(sim, target):
        _apply_scene(dev, scene)
    if isinstance(target, GroupTarget):
        target.group.previous_scene = target.group.last_called_scene
        target.group.last_called_scene = scene
    sim.raise_event("callScene", _scene_props(target, scene, origin_token, forced),
                    source_of(target))


def undo_scene(sim: Simulator, target: Target, scene: int | None, origin_token: str) -> None:
    if isinstance(target, Device):
        if scene is None or target.last_called_scene == scene:
            target.last_called_scene = target.previous_scene
        current = target.last_called_scene
    else:
        group = target.group
        if scene is None or group.last_called_scene == scene:
            group.last_called_scene = group.previous_scene
            for dev in _devices(sim, target):
                dev.last_called_scene = dev.previous_scene
        current = group.last_called_scene
    props = _scene_props(target, scene if scene is not None else current, origin_token, False)
    sim.raise_event("undoScene", props, source_of(target))


def set_value(sim: Simulator, target: Target, value: int) -> None:
    for dev in _devices(sim, target):
        dev.value = value


def step_value(sim: Simulator, target: Target, delta: int) -> None:
    for dev in _devices(sim, target):
        dev.value = max(0, min(255, dev.value + delta))


def blink(sim: Simulator, target: Target) -> None:
    for dev in _devices(sim, target):
        dev.blink_count += 1
    sim.raise_event("blink", {"callOrigin": "2"}, source_of(target))


def consumption(sim: Simulator, target: Target) -> int:
    return sum(3 + (dev.value * 60) // 255 for dev in _devices(sim, target))
