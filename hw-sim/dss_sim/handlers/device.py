"""device/*: device selection (before dispatch) and the per-device calls."""

from __future__ import annotations

import hashlib

from dss_sim.effects import UNCHECKED, EffectKind
from dss_sim.envelope import JsonValue
from dss_sim.errors import DssFail
from dss_sim.handlers.base import ApiClass, Ctx, Handler, dsid_or_dsuid, escape
from dss_sim.handlers.interface import verbs
from dss_sim.localtime import local
from dss_sim.model import STANDARD_GROUPS, Device


def prepare(ctx: Ctx, method: str) -> None:
    """devicerequesthandler.cpp getDeviceFromRequest: `dsuid` (if not empty) or `dsid` through
    dsidOrDsuid2dsuid, else the first device with that `name`."""
    apt = ctx.sim.apartment
    dsuid = ctx.params.text("dsuid")
    dsid = ctx.params.text("dsid")
    name = ctx.params.text("name")
    if dsuid or dsid:
        key = dsid_or_dsuid(dsuid, dsid, ((d.dsid, d.dsuid) for d in apt.devices.values()))
        device = apt.devices.get(key)
        if device is None:
            raise DssFail(f"Could not find device with dsuid '{key}'")
    elif name:
        found = [d for d in apt.devices.values() if d.name == name]
        if len(found) > 1:
            raise DssFail(f"Multiple devices with name '{name}'")
        if not found:
            raise DssFail(f"Could not find device named '{name}'")
        device = found[0]
    else:
        raise DssFail("Need parameter name or dsuid to identify device")
    ctx.target = device


def _dev(ctx: Ctx) -> Device:
    assert isinstance(ctx.target, Device)
    return ctx.target


def _byte(ctx: Ctx, name: str, message: str) -> int:
    value = ctx.params.int_def(name, -1)  # strToIntDef(..., -1), then 0..UCHAR_MAX
    if not 0 <= value <= 255:
        raise DssFail(message)
    return value


def _hash(dev: Device, salt: str, mod: int) -> int:
    return int(hashlib.sha256((dev.dsuid + salt).encode()).hexdigest()[:8], 16) % mod


async def get_name(ctx: Ctx) -> JsonValue:
    return {"name": _dev(ctx).name}


def _config(ctx: Ctx, **fields: int | str | None) -> None:
    ctx.effect(EffectKind.CONFIG, device=_dev(ctx).dsuid, **fields)


async def set_name(ctx: Ctx) -> None:
    # hasParameter("newName"): an empty name is accepted
    _dev(ctx).name = escape(ctx.present("newName", "missing parameter 'newName'"))
    _config(ctx)


async def get_spec(ctx: Ctx) -> JsonValue:
    dev = _dev(ctx)
    return {"functionID": dev.function_id, "productID": dev.product_id,
            "revisionID": dev.revision}


async def get_groups(ctx: Ctx) -> JsonValue:
    return {"groups": [{"id": g, "name": STANDARD_GROUPS.get(g, (f"group{g}", 0, 0))[0]}
                       for g in _dev(ctx).groups]}


async def get_state(ctx: Ctx) -> JsonValue:
    return {"isOn": _dev(ctx).is_on}


async def get_tags(ctx: Ctx) -> JsonValue:
    return {"tags": list(_dev(ctx).tags)}


async def add_tag(ctx: Ctx) -> None:
    tag = escape(ctx.need("tag", "missing parameter 'tag'"))
    if tag not in _dev(ctx).tags:
        _dev(ctx).tags.append(tag)
    _config(ctx, detail=tag)


async def remove_tag(ctx: Ctx) -> None:
    tag = escape(ctx.need("tag", "missing parameter 'tag'"))
    if tag in _dev(ctx).tags:
        _dev(ctx).tags.remove(tag)
    _config(ctx, detail=tag)


async def has_tag(ctx: Ctx) -> JsonValue:
    return {"hasTag": escape(ctx.need("tag", "missing parameter 'tag'")) in _dev(ctx).tags}


async def get_output_value(ctx: Ctx) -> JsonValue:
    offset = _byte(ctx, "offset", "Invalid or missing parameter 'type' or 'offset'")
    dev = _dev(ctx)
    return {"offset": offset, "value": dev.value if offset == 0 else 0}


async def set_output_value(ctx: Ctx) -> None:
    offset = _byte(ctx, "offset", "Invalid or missing parameter 'offset'")
    value = ctx.params.int_def("value", -1)
    if not 0 <= value <= 65535:
        raise DssFail("Invalid or missing parameter 'value'")
    if offset == 0:
        _dev(ctx).value = min(value, 255)
    # devicerequesthandler.cpp: no SceneAccess::checkAccess on the way to the output
    ctx.effect(EffectKind.ACTION, device=_dev(ctx).dsuid, detail=f"offset={offset}",
               access=UNCHECKED)


async def get_sensor_value(ctx: Ctx) -> JsonValue:
    dev = _dev(ctx)
    index = ctx.params.int_or_none("sensorIndex")
    if index is None or not 0 <= index < max(1, len(dev.sensors)) or not dev.sensors:
        raise DssFail("Invalid or missing parameter 'sensorIndex'")
    return {"sensorIndex": index, "sensorValue": dev.sensors[index][1]}


async def get_sensor_type(ctx: Ctx) -> JsonValue:
    dev = _dev(ctx)
    index = ctx.params.int_or_none("sensorIndex")
    if index is None or not 0 <= index < len(dev.sensors):
        raise DssFail("Invalid or missing parameter 'sensorIndex'")
    return {"sensorIndex": index, "sensorType": dev.sensors[index][0]}


async def get_transmission_quality(ctx: Ctx) -> JsonValue:
    dev = _dev(ctx)
    return {"upstream": 60 + _hash(dev, "up", 60), "downstream": 60 + _hash(dev, "down", 60)}


async def get_first_seen(ctx: Ctx) -> JsonValue:
    return {"time": local(_dev(ctx).first_seen).isoformat()}


async def get_config(ctx: Ctx) -> JsonValue:
    cls = _byte(ctx, "class", "Invalid or missing parameter 'class'")
    index = _byte(ctx, "index", "Invalid or missing parameter 'index'")
    dev = _dev(ctx)
    value = dev.config.get((cls, index), _hash(dev, f"{cls}/{index}", 256))
    return {"class": cls, "index": index, "value": value}


async def set_config(ctx: Ctx) -> None:
    value = _byte(ctx, "value", "Invalid or missing parameter 'value'")  # the dSS checks it first
    cls = _byte(ctx, "class", "Invalid or missing parameter 'class'")
    index = _byte(ctx, "index", "Invalid or missing parameter 'index'")
    _dev(ctx).config[(cls, index)] = value
    _config(ctx, detail=f"class={cls} index={index}")


async def set_output_channel_value(ctx: Ctx) -> None:
    raw = ctx.need("channelvalues", "Missing parameter 'channelvalues'")
    dev = _dev(ctx)
    for pair in raw.split(";"):
        key, sep, value = pair.partition("=")
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not sep or not key or number != number:
            raise DssFail(f"Invalid channel value: '{pair}'")
        dev.channels[key] = number
        if key == "brightness":
            dev.value = max(0, min(255, round(number * 255 / 100)))
    ctx.effect(EffectKind.ACTION, device=dev.dsuid, detail=raw, access=UNCHECKED)


async def get_output_channel_value(ctx: Ctx) -> JsonValue:
    raw = ctx.need("channels", "Missing parameter 'channels'")
    dev = _dev(ctx)
    out = []
    for index, name in enumerate(c for c in raw.split(";") if c):
        default = dev.value * 100 / 255 if name == "brightness" else 0.0
        out.append({"channel": name, "channelId": name, "channelType": 1 if name == "brightness"
                    else 0, "index": index, "value": dev.channels.get(name, default)})
    return {"channels": out}


async def lock(ctx: Ctx) -> None:
    if not _dev(ctx).is_present:
        raise DssFail("Device is not present")
    ctx.effect(EffectKind.ACTION, device=_dev(ctx).dsuid, detail=ctx.call.rpartition("/")[2],
               access=UNCHECKED)


def _default_group(gid: int) -> bool:
    return 1 <= gid <= 15 or gid == 48  # modelconst.h isDefaultGroup


async def set_joker_group(ctx: Ctx) -> None:
    gid = ctx.params.int_def("groupID", -1)
    if not _default_group(gid) and not 64 <= gid <= 187:  # isGlobalAppDsGroup
        raise DssFail("Invalid or missing parameter 'groupID'")
    _config(ctx, group=gid)


async def set_heating_group(ctx: Ctx) -> None:
    gid = ctx.params.int_def("groupID", -1)
    if not _default_group(gid):
        raise DssFail("Invalid or missing parameter 'groupID'")
    _config(ctx, group=gid)


async def set_button_active_group(ctx: Ctx) -> None:
    gid = ctx.params.int_def("groupID", -2)
    if not -1 <= gid <= 249:  # GroupIDGlobalAppMax
        raise DssFail("Invalid or missing parameter 'groupID'")
    _config(ctx, group=gid)


async def set_scene_value(ctx: Ctx) -> None:
    scene = ctx.params.int_def("sceneID", -1)
    if not 0 <= scene <= 127:
        raise DssFail("Invalid or missing parameter 'sceneID'")
    if ctx.params.has("value") or ctx.params.has("angle"):
        value = ctx.params.int_def("value", -1)
        angle = ctx.params.int_def("angle", -1)
        if value < 0 and angle < 0:
            raise DssFail("Invalid value and/or angle parameter")
        if value > 65535:
            raise DssFail("Invalid value parameter")
        if angle > 255:
            raise DssFail("Invalid angle parameter")
        if angle != -1:
            raise DssFail("Device does not support output angle configuration")
        if value >= 0:
            _dev(ctx).scene_values[scene] = value
        _config(ctx, scene=scene, detail=f"value={value}")


def default_scene_value(scene: int) -> int:
    """What an unprogrammed output answers: full for the on scenes (5, 17-19, 14's max),
    off otherwise (a simplification of the dSS's per-device scene table)."""
    return 255 if scene in (5, 14, 17, 18, 19) else 0


async def get_scene_value(ctx: Ctx) -> JsonValue:
    # devicerequesthandler.cpp getSceneValue: strToIntDef(-1), 0..127, then {"value": ...}
    # (plus "angle" for devices with an output angle, which the simulator has none of).
    scene = ctx.params.int_def("sceneID", -1)
    if not 0 <= scene <= 127:
        raise DssFail("Invalid or missing parameter 'sceneID'")
    dev = _dev(ctx)
    return {"value": dev.scene_values.get(scene, default_scene_value(scene))}


async def set_scene_mode(ctx: Ctx) -> None:
    scene = ctx.params.int_def("sceneID", -1)
    if not 0 <= scene <= 255:
        raise DssFail("Invalid or missing parameter 'sceneID'")
    _config(ctx, scene=scene)


async def set_binary_input_target(ctx: Ctx) -> None:
    index = ctx.params.int_def("index", -1)
    if index < 0:
        raise DssFail("Invalid or missing parameter 'index'")
    gid = ctx.params.int_def("groupId", -1)
    if not 0 <= gid <= 249:
        raise DssFail("Invalid or missing parameter 'groupId'")
    _config(ctx, group=gid, detail=f"index={index}")


async def area(ctx: Ctx) -> None:
    scene = ctx.params.int_def("areaScene", -1)
    if scene < 0:
        raise DssFail("Missing parameter 'areaScene'")
    _config(ctx, scene=scene)


async def channel_scene_value(ctx: Ctx) -> None:
    raise DssFail("This call is currently only supported on vDCs")


async def configure(ctx: Ctx) -> None:
    _config(ctx, detail=ctx.call.rpartition("/")[2])


_PAIRING_MODES = ("2way", "2way_up", "2way_down", "1way_combined")
_FIRST_CLUSTER = 16  # group ids from here on are apartment-wide (modelconst.h)


def partner_dsuid(dsuid: str) -> str:
    """libdsuid dsuid_get_next_dsuid: the serial (the first 16 bytes) plus one, the function
    byte kept, as a two-input device reports its halves."""
    serial = (int(dsuid[:32], 16) + 1) % (1 << 128)
    return f"{serial:032x}{dsuid[32:]}"


async def set_button_input_mode(ctx: Ctx) -> None:
    """devicerequesthandler.cpp setButtonInputMode: the device and its partner (the next dSUID,
    wherever it is) get their button modes; for every mode but "1way" the partner is then moved
    into this device's zone and taken out of the apartment's clusters. Partner slaves of a
    "1way" un-pairing are not modelled."""
    if ctx.params.has("modeID"):
        raise DssFail("API has changed, parameter mode ID is no longer valid, please update "
                      "your code")
    mode = ctx.params.text("mode")
    if not mode:
        raise DssFail("Invalid or missing parameter 'mode'")
    dev = _dev(ctx)
    partner = ctx.sim.apartment.devices.get(partner_dsuid(dev.dsuid))
    if partner is None:
        raise DssFail(f"Could not find device with dsuid '{partner_dsuid(dev.dsuid)}'")
    if mode != "1way" and mode not in _PAIRING_MODES:
        raise DssFail("Invalid mode specified")
    _config(ctx, detail=f"setButtonInputMode {mode}")
    if mode == "1way":
        return
    # The partner's zone as it was: that is the room the call reached into.
    ctx.effect(EffectKind.CONFIG, device=partner.dsuid, zone=partner.zone_id,
               detail=f"paired with {dev.dsuid}")
    partner.zone_id = dev.zone_id
    partner.groups = [g for g in partner.groups if g < _FIRST_CLUSTER]


_SETTERS = ("setButtonID", "setOutputMode", "setProgMode",
            "setTransitionTime", "setLedMode", "setCardinalDirection", "setWindProtectionClass",
            "setFloor", "setVisibility", "setMaxMotionTime", "setProperty", "setCustomAction",
            "callAction", "setBinaryInputType", "setBinaryInputId", "setAKMInputTimeouts",
            "setAKMInputProperty", "setSensorEventTableEntry", "setOutputChannelDontCareFlag",
            "setValvePwmMode", "setValveControlMode", "setValveTimerMode", "setValveType",
            "setUMVRelayValue", "setBlinkConfig", "setOutputAfterImpulse")

HANDLERS: dict[str, Handler] = {
    **verbs(_dev),
    "getName": get_name, "setName": set_name, "getSpec": get_spec, "getGroups": get_groups,
    "getState": get_state, "getTags": get_tags, "addTag": add_tag, "removeTag": remove_tag,
    "hasTag": has_tag, "getOutputValue": get_output_value, "setOutputValue": set_output_value,
    "getSensorValue": get_sensor_value, "getSensorType": get_sensor_type,
    "getTransmissionQuality": get_transmission_quality, "getFirstSeen": get_first_seen,
    "getConfig": get_config, "getConfigWord": get_config, "setConfig": set_config,
    "setOutputChannelValue": set_output_channel_value,
    "getOutputChannelValue": get_output_channel_value, "lock": lock, "unlock": lock,
    **dict.fromkeys(_SETTERS, configure), "setJokerGroup": set_joker_group,
    "setButtonInputMode": set_button_input_mode,
    "setHeatingGroup": set_heating_group, "setButtonActiveGroup": set_button_active_group,
    "setSceneValue": set_scene_value, "getSceneValue": get_scene_value,
    "setSceneMode": set_scene_mode,
    "setBinaryInputTarget": set_binary_input_target, "addToArea": area,
    "removeFromArea": area, "setOutputChannelSceneValue2": channel_scene_value,
}
API = ApiClass(HANDLERS, prepare=prepare)
