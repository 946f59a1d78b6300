"""Which parameters each allowed dSS call takes, and their types (docs/canonical-grammar.md).

Read from the 2017 dSS handlers (src/web/handler/*.cpp): the names each handler passes to
getParameter/hasParameter for that method, plus the target selection its class reads first
(device: dsuid/dsid/name; zone: id/name; device-interface verbs: groupID/groupName). A name
not listed here for a call is refused, so a parameter the policy does not know cannot reach
the dSS. Every call of the level allow-lists (rules.CONFIGURE_CALLS) has an entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from dss_addon.policy.grammar import ALWAYS_SENT, INT_MIN, Kind, ParamType
from dss_addon.policy.rules import (
    CONFIGURE_CALLS,
    DEVICE_SETTING_GETTERS,
    TEMPERATURE_GETTERS,
    Call,
)

Params = Mapping[str, ParamType]

INT = ParamType(Kind.INT)
SIGNED = ParamType(Kind.INT, minimum=INT_MIN)
BYTE = ParamType(Kind.INT, maximum=255)
# -1 is the dSS's "return at once" for event/get; other negatives make it busy-loop (§9 #12).
TIMEOUT = ParamType(Kind.INT, minimum=-1)
SCENE = ParamType(Kind.SCENE, maximum=255)
GROUP = ParamType(Kind.GROUP, maximum=255)
ZONE = ParamType(Kind.ZONE)  # non-negative; an unknown zone is the dSS's to report
DSUID = ParamType(Kind.DSUID)
DSID = ParamType(Kind.DSID)
# `true`/`false` only where the handler compares with "true" or reads getParameter<bool> (which
# takes 0/1/true/false); flags read with strToIntDef are 0/1 integers (BIT): to them "false" is
# no number, and for applyNow an unparsable value means *true* (the default).
BOOL = ParamType(Kind.BOOL)
BIT = ParamType(Kind.INT, maximum=1)
# apartment/getDevices?unassigned: any non-empty value switches it on, "false" included.
PRESENT = ParamType(Kind.INT, minimum=1, maximum=1)
DECIMAL = ParamType(Kind.DECIMAL)
NAME = ParamType(Kind.TEXT, max_length=100)
TEXT = ParamType(Kind.TEXT, max_length=1000)
WORD = ParamType(Kind.WORD)
EVENT_NAME = ParamType(Kind.EVENT_NAME)
SUBSCRIPTION = ParamType(Kind.SUBSCRIPTION)
EVENT_PARAMETER = ParamType(Kind.EVENT_PARAMETER)
PATH = ParamType(Kind.PATH)
QUERY = ParamType(Kind.QUERY)
CHANNELS = ParamType(Kind.CHANNELS)
CHANNEL_VALUES = ParamType(Kind.CHANNEL_VALUES)
JSON = ParamType(Kind.JSON)
METER_SET = ParamType(Kind.METER_SET)
CATEGORY = ParamType(Kind.CATEGORY)

_DEVICE = {"dsuid": DSUID, "dsid": DSID, "name": NAME}
_ZONE = {"id": ZONE, "name": NAME}
_GROUP = {"groupID": GROUP, "groupName": NAME}
_CIRCUIT = {"id": DSID, "dsuid": DSUID}
# deviceinterfacerequesthandler.cpp: every verb reads `category` (getCategory); the canonical
# call always carries it, as "algorithm" (grammar.CATEGORY_ALGORITHM).
_VERB = {"category": CATEGORY}
_SCENE_VERB = {**_VERB, "sceneNumber": SCENE}
_VERBS: Mapping[str, Params] = {
    "turnOn": _VERB,
    "turnOff": _VERB,
    "blink": _VERB,
    "getConsumption": _VERB,
    "setValue": {**_VERB, "value": BYTE},
    "callScene": {**_SCENE_VERB, "force": BOOL},
    "callSceneMin": _SCENE_VERB,
    "saveScene": _SCENE_VERB,
    "undoScene": _SCENE_VERB,
}
_TEMPERATURE_CONFIG = {
    "ControlMode": INT,
    "ReferenceZone": ZONE,
    "CtrlOffset": DECIMAL,
    "EmergencyValue": DECIMAL,
    "ManualValue": DECIMAL,
    "CtrlYmin": DECIMAL,
    "CtrlYmax": DECIMAL,
    "CtrlKp": DECIMAL,
    "CtrlTi": DECIMAL,
    "CtrlTs": DECIMAL,
    "CtrlKd": DECIMAL,
    "CtrlImin": DECIMAL,
    "CtrlImax": DECIMAL,
    "CtrlAntiWindUp": BOOL,
}
_TEMPERATURE_CONFIG2 = {
    "mode": WORD,
    "targetTemperatures": JSON,
    "fixedValues": JSON,
    "controlMode": INT,
    "zoneFollowerMode": JSON,
    "manualMode": JSON,
}
_TEMPERATURE_VALUES = {
    name: DECIMAL
    for name in (
        "Off",
        "Comfort",
        "Economy",
        "NotUsed",
        "Night",
        "Holiday",
        "Cooling",
        "CoolingOff",
    )
}


def _with(base: Params, methods: Iterable[str], extra: Params | None = None) -> dict[str, Params]:
    return {m: {**base, **(extra or {})} for m in methods}


_APARTMENT: dict[str, Params] = {
    **_with(
        {},
        (
            "getStructure",
            "getCircuits",
            "getReachableGroups",
            "getName",
            "getLockedScenes",
            "getClusterLocks",
            "getModelFeatures",
            "getDeviceBinaryInputs",
            *TEMPERATURE_GETTERS,
        ),
    ),
    "getDevices": {"unassigned": PRESENT, "showHidden": BOOL},
    "setName": {"newName": NAME},
    **{m: {**_GROUP, **p} for m, p in _VERBS.items()},
}

_ZONE_CALLS: dict[str, Params] = {
    **_with(
        _ZONE,
        (
            "getName",
            "getTemperatureControlStatus",
            "getTemperatureControlConfig",
            "getTemperatureControlConfig2",
            "getTemperatureControlValues",
            "getTemperatureControlInternals",
            "getAssignedSensors",
            "getSensorValues",
        ),
    ),
    "getLastCalledScene": {**_ZONE, **_GROUP},
    "getReachableScenes": {**_ZONE, **_GROUP},
    "sceneGetName": {**_ZONE, **_GROUP, "sceneNumber": SCENE},
    "sceneSetName": {**_ZONE, **_GROUP, "sceneNumber": SCENE, "newName": NAME},
    "setName": {**_ZONE, "newName": NAME},
    "setTemperatureControlState": {**_ZONE, "mode": WORD},
    "setTemperatureControlConfig": {**_ZONE, **_TEMPERATURE_CONFIG},
    "setTemperatureControlConfig2": {**_ZONE, **_TEMPERATURE_CONFIG2},
    "setTemperatureControlValues": {**_ZONE, **_TEMPERATURE_VALUES},
    "setStatusField": {**_ZONE, "field": WORD, "value": WORD},
    "setSensorSource": {**_ZONE, "dsuid": DSUID, "sensorType": INT},
    "clearSensorSource": {**_ZONE, "sensorType": INT},
    **{m: {**_ZONE, **_GROUP, **p} for m, p in _VERBS.items()},
}

_DEVICE_CALLS: dict[str, Params] = {
    **_with(
        _DEVICE,
        (
            "getName",
            "getSpec",
            "getGroups",
            "getState",
            "getTags",
            "getFirstSeen",
            "getTransmissionQuality",
            "getBinaryInputs",
            *DEVICE_SETTING_GETTERS,
            "getInfoStatic",
            "getInfoCustom",
            "lock",
            "unlock",
        ),
    ),
    "getInfo": {**_DEVICE, "filter": WORD, "lang": WORD, "gtin": WORD},
    "getInfoOperational": {**_DEVICE, "lang": WORD, "gtin": WORD},
    "hasTag": {**_DEVICE, "tag": NAME},
    "addTag": {**_DEVICE, "tag": NAME},
    "removeTag": {**_DEVICE, "tag": NAME},
    "setName": {**_DEVICE, "newName": NAME},
    "getSensorValue": {**_DEVICE, "sensorIndex": INT},
    "getSensorValue2": {**_DEVICE, "sensorType": INT, "sensorIndex": INT},
    "getSensorType": {**_DEVICE, "sensorIndex": INT},
    "getSensorEventTableEntry": {**_DEVICE, "eventIndex": INT},
    "getOutputValue": {**_DEVICE, "type": WORD, "offset": INT},
    "getOutputChannelValue": {**_DEVICE, "channels": CHANNELS},
    "getOutputChannelSceneValue2": {**_DEVICE, "sceneNumber": SCENE, "channels": CHANNELS},
    "getOutputChannelDontCareFlags": {**_DEVICE, "sceneNumber": SCENE},
    "getSceneValue": {**_DEVICE, "sceneID": SCENE},
    "getSceneMode": {**_DEVICE, "sceneID": SCENE},
    "getTransitionTime": {**_DEVICE, "dimtimeIndex": INT},
    "getLedMode": {**_DEVICE, "ledconIndex": INT},
    "getConfig": {**_DEVICE, "class": INT, "index": INT},
    "getConfigWord": {**_DEVICE, "class": INT, "index": INT},
    "addToArea": {**_DEVICE, "areaScene": SCENE},
    "removeFromArea": {**_DEVICE, "areaScene": SCENE},
    "setJokerGroup": {**_DEVICE, "groupID": GROUP},
    "setHeatingGroup": {**_DEVICE, "groupID": GROUP},
    "setButtonID": {**_DEVICE, "buttonID": INT},
    "setButtonInputMode": {**_DEVICE, "modeID": INT, "mode": WORD},
    "setButtonActiveGroup": {**_DEVICE, "groupID": GROUP},
    "setOutputMode": {**_DEVICE, "modeID": INT},
    "setSceneValue": {
        **_DEVICE,
        "sceneID": SCENE,
        "command": WORD,
        "value": INT,
        "angle": INT,
    },
    "setSceneMode": {
        **_DEVICE,
        "sceneID": SCENE,
        "dontCare": INT,
        "localPrio": INT,
        "specialMode": INT,
        "flashMode": INT,
        "ledconIndex": INT,
        "dimtimeIndex": INT,
    },
    "setTransitionTime": {**_DEVICE, "dimtimeIndex": INT, "up": INT, "down": INT},
    "setLedMode": {
        **_DEVICE,
        "ledconIndex": INT,
        "colorSelect": INT,
        "modeSelect": INT,
        "dimMode": INT,
        "rgbMode": INT,
        "groupColorMode": INT,
    },
    "setBinaryInputType": {**_DEVICE, "index": INT, "type": INT},
    "setBinaryInputTarget": {**_DEVICE, "index": INT, "groupId": GROUP},
    "setBinaryInputId": {**_DEVICE, "index": INT, "inputId": INT},
    "setAKMInputTimeouts": {**_DEVICE, "ondelay": DECIMAL, "offdelay": DECIMAL},
    "setAKMInputProperty": {**_DEVICE, "mode": WORD},
    "setSensorEventTableEntry": {
        **_DEVICE,
        "eventIndex": INT,
        "eventName": NAME,
        "sensorIndex": INT,
        "test": INT,
        "action": INT,
        "value": INT,
        "hysteresis": INT,
        "validity": INT,
        "minimalDuration": INT,
        "buttonNumber": INT,
        "clickType": INT,
    },
    "setOutputChannelSceneValue2": {**_DEVICE, "sceneNumber": SCENE, "channels": JSON},
    "setOutputChannelDontCareFlag": {
        **_DEVICE,
        "sceneNumber": SCENE,
        "channels": CHANNELS,
        "dontCare": BIT,
    },
    "setValvePwmMode": {
        **_DEVICE,
        **{
            n: SIGNED
            for n in ("pwmPeriod", "pwmMinX", "pwmMaxX", "pwmMinY", "pwmMaxY", "pwmOffset")
        },
    },
    "setValveControlMode": {
        **_DEVICE,
        **{n: BOOL for n in ("ctrlClipMinZero", "ctrlClipMinLower", "ctrlClipMaxHigher")},
        "ctrlNONC": BOOL,
    },
    "setValveTimerMode": {
        **_DEVICE,
        "valveProtectionTimer": INT,
        "emergencyValue": INT,
        "emergencyTimer": INT,
    },
    "setValveType": {**_DEVICE, "valveType": WORD},
    "setUMVRelayValue": {**_DEVICE, "value": WORD},
    "setBlinkConfig": {**_DEVICE, "count": INT, "ondelay": INT, "offdelay": INT},
    "setCardinalDirection": {**_DEVICE, "direction": WORD},
    "setWindProtectionClass": {**_DEVICE, "class": INT},
    "setFloor": {**_DEVICE, "floor": SIGNED},
    "setOutputAfterImpulse": {**_DEVICE, "output": WORD},
    "setMaxMotionTime": {**_DEVICE, "seconds": INT},
    "setVisibility": {**_DEVICE, "visibility": BIT},
    "setSwitchThreshold": {**_DEVICE, "threshold": INT},
    "setTemperatureOffset": {**_DEVICE, "offset": SIGNED},
    "setConsumptionVisualization": {**_DEVICE, "value": BIT},
    **{m: {**_DEVICE, **p} for m, p in _VERBS.items()},
}

# meteringrequesthandler.cpp getValues (getAggregatedValues is the same function and reads no
# `from`): `resolution` goes through strToIntDef(..., -1) and only -1 is refused, then
# metering.cpp Metering::getSeries divides by it (`(now / step) * step`): 0 is a SIGFPE that
# kills the dSS. Only the resolutions the dSS keeps data for (its MeteringConfigChain, answered
# by getResolutions) are canonical. `startTime`/`endTime` are read with strToIntDef(..., -1)
# and used only when > -1: non-negative integers. `valueCount` is read with strToIntDef and
# cut to the chain entry's number of values (at most 2976) by getSeries; a negative count
# would put the start after the end, so it is 0 (the whole series) up to that maximum. The
# handler compares `type` and `unit` with fixed strings: those are the only spellings.
METERING_RESOLUTIONS = frozenset(str(r) for r in (1, 60, 900, 86400, 604800, 2592000))
METERING_MAX_VALUES = 2976
RESOLUTION = ParamType(Kind.INT, minimum=1, choices=METERING_RESOLUTIONS)
TIMESTAMP = ParamType(Kind.INT)
VALUE_COUNT = ParamType(Kind.INT, maximum=METERING_MAX_VALUES)
SERIES_TYPE = ParamType(Kind.WORD, choices=frozenset({"energy", "energyDelta", "consumption"}))
LATEST_TYPE = ParamType(Kind.WORD, choices=frozenset({"energy", "consumption"}))
ENERGY_UNIT = ParamType(Kind.WORD, choices=frozenset({"Wh", "Ws"}))

_METERING: dict[str, Params] = {
    "getResolutions": {},
    "getSeries": {},
    "getValues": {
        "dsid": DSID,
        "dsuid": DSUID,
        "type": SERIES_TYPE,
        "unit": ENERGY_UNIT,
        "resolution": RESOLUTION,
        "startTime": TIMESTAMP,
        "endTime": TIMESTAMP,
        "valueCount": VALUE_COUNT,
    },
    "getLatest": {"from": METER_SET, "type": LATEST_TYPE, "unit": ENERGY_UNIT},
}
_METERING["getAggregatedValues"] = _METERING["getValues"]
_METERING["getAggregatedLatest"] = _METERING["getLatest"]

_STRUCTURE_GROUP = {"zoneID": ZONE, "groupID": GROUP}
_STRUCTURE: dict[str, Params] = {
    "zoneAddDevice": {"deviceID": DSID, "dsuid": DSUID, "zone": ZONE},
    "removeDevice": {"deviceID": DSID, "dsuid": DSUID},
    "addZone": {"zoneID": ZONE},
    "removeZone": {"zoneID": ZONE},
    "persistSet": {"set": WORD, "groupID": GROUP},
    "unpersistSet": {"set": WORD},
    "addGroup": {
        **_STRUCTURE_GROUP,
        "groupAutoSelect": WORD,
        "groupName": NAME,
        "groupColor": INT,
    },
    "removeGroup": _STRUCTURE_GROUP,
    "addCluster": {"name": NAME, "applicationType": INT, "color": INT},
    "removeCluster": {"clusterID": GROUP},
    "groupAddDevice": {"deviceID": DSID, "dsuid": DSUID, "groupID": GROUP},
    "groupRemoveDevice": {"deviceID": DSID, "dsuid": DSUID, "groupID": GROUP},
    "clusterAddDevice": {"deviceID": DSID, "dsuid": DSUID, "clusterID": GROUP},
    "clusterRemoveDevice": {"deviceID": DSID, "dsuid": DSUID, "clusterID": GROUP},
    "groupSetName": {**_STRUCTURE_GROUP, "newName": NAME},
    "groupSetColor": {**_STRUCTURE_GROUP, "newColor": INT},
    "groupGetConfiguration": _STRUCTURE_GROUP,
    "groupSetConfiguration": {
        **_STRUCTURE_GROUP,
        "applicationType": INT,
        "configuration": JSON,
    },
    "clusterSetName": {"clusterID": GROUP, "newName": NAME},
    "clusterSetColor": {"clusterID": GROUP, "newColor": INT, "configuration": JSON},
    "clusterSetConfigLock": {"clusterID": GROUP, "lock": BIT},
}

_PROPERTY: dict[str, Params] = {
    **_with(
        {"path": PATH},
        ("getString", "getInteger", "getBoolean", "getFloating", "getChildren", "getType"),
    ),
    "getFlags": {"path": PATH},
    "query": {"query": QUERY},
    "query2": {"query": QUERY},
    "setString": {"path": PATH, "value": TEXT},
    "setInteger": {"path": PATH, "value": SIGNED},
    "setBoolean": {"path": PATH, "value": BOOL},
    "setFloating": {"path": PATH, "value": DECIMAL},
}

_SYSTEM: dict[str, Params] = _with({}, ("version", "time", "getDSID", "getDSUID", "loggedInUser"))

_EVENT: dict[str, Params] = {
    "subscribe": {"name": EVENT_NAME, "subscriptionID": SUBSCRIPTION},
    "unsubscribe": {"name": EVENT_NAME, "subscriptionID": SUBSCRIPTION},
    "get": {"subscriptionID": SUBSCRIPTION, "timeout": TIMEOUT},
    "raise": {
        "name": EVENT_NAME,
        "location": NAME,
        "context": NAME,
        "parameter": EVENT_PARAMETER,
    },
}

_CLASSES: Mapping[str, Mapping[str, Params]] = {
    "apartment": _APARTMENT,
    "zone": _ZONE_CALLS,
    "device": _DEVICE_CALLS,
    "circuit": _with(_CIRCUIT, ("getName", "getConsumption", "getEnergyMeterValue"))
    | {"setName": {**_CIRCUIT, "newName": NAME}},
    "metering": _METERING,
    "structure": _STRUCTURE,
    "state": {"set": {"addon": WORD, "name": WORD, "value": WORD}},
    "property": _PROPERTY,
    "system": _SYSTEM,
    "event": _EVENT,
}


def _table() -> Mapping[Call, Params]:
    table = {
        (klass, method): MappingProxyType(dict(params))
        for klass, methods in _CLASSES.items()
        for method, params in methods.items()
        if (klass, method) in CONFIGURE_CALLS
    }
    return MappingProxyType(table)


# Only the allowed calls: a schema entry is never a reason to forward anything.
SCHEMA: Mapping[Call, Params] = _table()


def params_of(call: Call) -> Params | None:
    return SCHEMA.get(call)


def with_always_sent(call: Call, params: Mapping[str, str]) -> dict[str, str]:
    """`params` plus the parameters every canonical call of this kind carries, where absent
    (grammar.ALWAYS_SENT: a device-interface verb's category, "algorithm")."""
    out = dict(params)
    for name, kind in (params_of(call) or {}).items():
        default = ALWAYS_SENT.get(kind.kind)
        if default is not None and name not in out:
            out[name] = default
    return out
