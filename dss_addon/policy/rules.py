"""The decision tables, as data: per-level allow-lists and what is blocked for every share.

Sources: dss-api.md §5.1 (view), §5.2 (operate), §5.3 (configure), §5.4 and DESIGN.md §3
(always blocked). Levels are cumulative: view ⊂ operate ⊂ configure. The UI may read these
tables to explain a level; it must not copy them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from dss_addon.shares.model import Level

Call = tuple[str, str]  # (class, method), case-sensitive like the dSS


def _calls(klass: str, methods: Iterable[str]) -> frozenset[Call]:
    return frozenset((klass, m) for m in methods)


# The temperature-control getters the apartment and a zone both answer (view level).
TEMPERATURE_GETTERS = (
    "getTemperatureControlStatus",
    "getTemperatureControlConfig",
    "getTemperatureControlConfig2",
    "getTemperatureControlValues",
    "getAssignedSensors",
    "getSensorValues",
)

# Getters of one device setting that take the device and nothing else (the schema types them
# so; the view level allows them).
DEVICE_SETTING_GETTERS = (
    "getAKMInputTimeouts",
    "getValvePwmMode",
    "getValveControlMode",
    "getValveTimerMode",
    "getValveType",
    "getCardinalDirection",
    "getWindProtectionClass",
    "getFloor",
    "getOutputAfterImpulse",
    "getMaxMotionTime",
    "getVisibility",
    "getSwitchThreshold",
    "getTemperatureOffset",
    "getBlinkConfig",
    "getUMVRelayValue",
)

VIEW_CALLS: frozenset[Call] = (
    _calls("system", ("version", "time", "getDSID", "getDSUID", "loggedInUser"))
    | _calls(
        "apartment",
        (
            "getStructure",
            "getDevices",
            "getCircuits",
            "getReachableGroups",
            "getName",
            "getConsumption",
            "getLockedScenes",
            "getClusterLocks",
            "getModelFeatures",
            "getDeviceBinaryInputs",
            *TEMPERATURE_GETTERS,
        ),
    )
    | _calls(
        "zone",
        (
            "getName",
            "getLastCalledScene",
            "sceneGetName",
            "getReachableScenes",
            "getConsumption",
            "getTemperatureControlInternals",
            *TEMPERATURE_GETTERS,
        ),
    )
    | _calls(
        "device",
        (
            "getName",
            "getSpec",
            "getGroups",
            "getState",
            "getTags",
            "hasTag",
            "getFirstSeen",
            "getTransmissionQuality",
            "getSensorValue",
            "getSensorValue2",
            "getSensorType",
            "getSensorEventTableEntry",
            "getBinaryInputs",
            "getOutputValue",
            "getOutputChannelValue",
            "getOutputChannelSceneValue2",
            "getOutputChannelDontCareFlags",
            "getSceneValue",
            "getSceneMode",
            "getTransitionTime",
            "getLedMode",
            "getConfig",
            "getConfigWord",
            "getConsumption",
            *DEVICE_SETTING_GETTERS,
            "getInfo",
            "getInfoStatic",
            "getInfoCustom",
            "getInfoOperational",
        ),
    )
    | _calls("circuit", ("getName", "getConsumption", "getEnergyMeterValue"))
    | _calls(
        "metering",
        (
            "getResolutions",
            "getSeries",
            "getLatest",
            "getAggregatedLatest",
            "getValues",
            "getAggregatedValues",
        ),
    )
    | _calls(
        "property",
        (
            "query",
            "query2",
            "getString",
            "getInteger",
            "getBoolean",
            "getFloating",
            "getChildren",
            "getType",
            "getFlags",
        ),
    )
    | _calls("event", ("subscribe", "get", "unsubscribe"))
)

OPERATE_CALLS: frozenset[Call] = (
    VIEW_CALLS
    | _calls("zone", ("callScene", "undoScene", "turnOn", "turnOff", "setValue", "blink"))
    | _calls(
        "device",
        (
            "turnOn",
            "turnOff",
            "setValue",
            "callScene",
            "undoScene",
            "blink",
        ),
    )
    # Scenes >= 64 are refused by a parameter rule (SCENE_LIMIT).
    | _calls("apartment", ("callScene", "undoScene"))
)

CONFIGURE_CALLS: frozenset[Call] = (
    OPERATE_CALLS
    | _calls("apartment", ("setName", "saveScene"))
    | _calls(
        "zone",
        (
            "setName",
            "sceneSetName",
            "saveScene",
            "setTemperatureControlState",
            "setTemperatureControlConfig",
            "setTemperatureControlConfig2",
            "setTemperatureControlValues",
            "setSensorSource",
            "clearSensorSource",
            "setStatusField",
        ),
    )
    | _calls(
        "device",
        (
            "setName",
            "addTag",
            "removeTag",
            "saveScene",
            "lock",
            "unlock",
            "addToArea",
            "removeFromArea",
            "setJokerGroup",
            "setHeatingGroup",
            "setButtonID",
            "setButtonInputMode",
            "setButtonActiveGroup",
            "setOutputMode",
            "setSceneValue",
            "setSceneMode",
            "setTransitionTime",
            "setLedMode",
            "setBinaryInputType",
            "setBinaryInputTarget",
            "setBinaryInputId",
            "setAKMInputTimeouts",
            "setAKMInputProperty",
            "setSensorEventTableEntry",
            "setOutputChannelSceneValue2",
            "setOutputChannelDontCareFlag",
            "setValvePwmMode",
            "setValveControlMode",
            "setValveTimerMode",
            "setValveType",
            "setUMVRelayValue",
            "setBlinkConfig",
            "setCardinalDirection",
            "setWindProtectionClass",
            "setFloor",
            "setOutputAfterImpulse",
            "setMaxMotionTime",
            "setVisibility",
            "setSwitchThreshold",
            "setTemperatureOffset",
            "setConsumptionVisualization",
        ),
    )
    | _calls("circuit", ("setName",))
    | _calls(
        "structure",
        (
            "zoneAddDevice",
            "removeDevice",
            "addZone",
            "removeZone",
            "persistSet",
            "unpersistSet",
            "addGroup",
            "removeGroup",
            "addCluster",
            "removeCluster",
            "groupAddDevice",
            "groupRemoveDevice",
            "clusterAddDevice",
            "clusterRemoveDevice",
            "groupSetName",
            "groupSetColor",
            "groupGetConfiguration",
            "groupSetConfiguration",
            "clusterSetName",
            "clusterSetColor",
            "clusterSetConfigLock",
        ),
    )
    | _calls("state", ("set",))
    # Paths: PROPERTY_WRITE_PREFIXES. Names: the raise allow-list passed to decide().
    | _calls("property", ("setString", "setInteger", "setBoolean", "setFloating"))
    | _calls("event", ("raise",))
)

LEVEL_CALLS: Mapping[Level, frozenset[Call]] = MappingProxyType(
    {Level.VIEW: VIEW_CALLS, Level.OPERATE: OPERATE_CALLS, Level.CONFIGURE: CONFIGURE_CALLS}
)

# Denied at every level, whatever the parameters. Wins over every allow-list.
ALWAYS_BLOCKED_CALLS: frozenset[Call] = (
    # Credentials: the add-on answers login/loginApplication/logout itself, never forwards them.
    _calls(
        "system",
        (
            "setPassword",
            "requestApplicationToken",
            "enableToken",
            "revokeToken",
            "login",
            "loginApplication",
            "logout",
        ),
    )
    | _calls("property", ("remove", "setFlag", "vdcquery"))
    | _calls(
        "device",
        (
            # Raw channel writes skip the dSS's scene access check (devicerequesthandler.cpp
            # setOutputChannelValue never calls SceneAccess::checkAccess): they would move a
            # blind during a wind or fire alarm. Shares drive outputs through the verbs.
            "setOutputChannelValue",
            "setOutputChannelValue2",
            "setConfig",
            "setOutputValue",
            "setProgMode",
            "setProperty",
            "setCustomAction",
            "callAction",
        ),
    )
    | _calls(
        "circuit",
        (
            "firmwareUpdate",
            "firmwareCheck",
            "learnIn",
            "learnOut",
            "storeAccessToken",
            "invokeMethod",
            "rescan",
        ),
    )
    | _calls("apartment", ("removeMeter", "removeInactiveMeters", "rescan", "setDevicesFirstSeen"))
    | _calls("subscription", ("list", "add", "remove"))
    | _calls("database", ("query",))
)
# Every method of these classes, known or not: subscription/add runs arbitrary scripts,
# database/query runs arbitrary SQL.
ALWAYS_BLOCKED_CLASSES: frozenset[str] = frozenset({"subscription", "database"})

# Scene calls: scenes >= 64 are apartment scenes (panic, alarms, fire, deep off).
SCENE_LIMIT = 64
SCENE_METHODS: frozenset[str] = frozenset({"callScene", "undoScene", "saveScene", "callSceneMin"})

Path = tuple[str, ...]

# Property reads (get*, getChildren, getType, getFlags, query, query2): §5.1.
PROPERTY_READ_PREFIXES: tuple[Path, ...] = (
    ("apartment",),
    ("usr", "states"),
    ("usr", "addon-states"),
    ("system", "version"),
    ("system", "uptime"),
    ("system", "dSID"),
    ("system", "dSUID"),
    ("system", "host"),
)
# Add-on data (read by proxied add-on UIs) is readable for configure only.
PROPERTY_CONFIGURE_READ_PREFIXES: tuple[Path, ...] = (*PROPERTY_READ_PREFIXES, ("scripts",))
LEVEL_READ_PREFIXES: Mapping[Level, tuple[Path, ...]] = MappingProxyType(
    {
        Level.VIEW: PROPERTY_READ_PREFIXES,
        Level.OPERATE: PROPERTY_READ_PREFIXES,
        Level.CONFIGURE: PROPERTY_CONFIGURE_READ_PREFIXES,
    }
)
# Property writes (configure only).
PROPERTY_WRITE_PREFIXES: tuple[Path, ...] = (("scripts",),)
# Never read nor written: password hashes and app tokens; the cloud connector's tokens.
PROPERTY_BLOCKED_PREFIXES: tuple[Path, ...] = (
    ("system", "security"),
    ("scripts", "system-addon-remote-connectivity"),
)
# Never written, whatever an allow-list says.
PROPERTY_WRITE_BLOCKED_PREFIXES: tuple[Path, ...] = (("config",), ("system",), ("apartment",))

PROPERTY_QUERY_METHODS: frozenset[str] = frozenset({"query", "query2"})
PROPERTY_PATH_READ_METHODS: frozenset[str] = frozenset(
    {"getString", "getInteger", "getBoolean", "getFloating", "getChildren", "getType", "getFlags"}
)
PROPERTY_WRITE_METHODS: frozenset[str] = frozenset(
    {"setString", "setInteger", "setBoolean", "setFloating"}
)

# event/subscribe: model events only, no system plumbing.
EVENT_SUBSCRIBE_NAMES: frozenset[str] = frozenset(
    {
        "callScene",
        "callSceneBus",
        "undoScene",
        "buttonClick",
        "buttonClickBus",
        "deviceSensorValue",
        "deviceSensorEvent",
        "deviceBinaryInputEvent",
        "deviceStatusEvent",
        "deviceInvalidSensor",
        "deviceActionEvent",
        "deviceStateEvent",
        "deviceEventEvent",
        "stateChange",
        "addonStateChange",
        "zoneSensorValue",
        "zoneSensorError",
        "scene_name_changed",
        "blink",
        "operation_lock",
        "cluster_config_lock",
    }
)
# event/raise: never, even if the owner's raise allow-list names them (system scripts).
EVENT_RAISE_NEVER: frozenset[str] = frozenset(
    {
        "running",
        "model_ready",
        "dsMeter_ready",
        "sendmail",
        "highlevelevent",
        "ApplicationTokenDeleted",
        "webSessionCleanup",
        "devices_first_seen",
        # The add-on's own notification (dss_addon/notifications): a sendmail subscription
        # on it takes `to` from the event when set, so a share raising it could mail anyone.
        "dss-share.notification",
    }
)

# What a zone-restricted share reads outside its zones (deny by default: every read not listed
# here is refused for such a share; the filtered ones are answered through
# dss_addon/web/share/zone_filter.py, which keeps only the share's zones and their devices).
# Plain: answers that carry no room's data.
#   apartment/getName: the home's name. getLockedScenes: scene numbers locked on the bus
#   (CommChannel), no zone. getModelFeatures: product model features, no device or zone.
#   getCircuits, circuit/getName: the dSMs (jsonhelper.cpp toJSON(DSMeter): names, ids, firmware,
#   capabilities), no zone or device. metering/getResolutions: the metering configuration;
#   metering/getSeries: meter ids and the three series types, no readings.
# Refused (neither plain nor filtered): every consumption or energy reading (apartment and
#   circuit getConsumption, circuit/getEnergyMeterValue, metering getLatest,
#   getAggregatedLatest, getValues, getAggregatedValues): a dSM meters every room on its
#   circuits together, so its readings tell a room share when people cook or watch TV in the
#   others; the room's own consumption stays readable through zone/ and device/getConsumption.
#   apartment/getDeviceBinaryInputs (devices by dSUID only, no zone in the answer) and
#   getClusterLocks (locks of apartment-wide clusters): the share's own devices and zones
#   answer the same through device/getBinaryInputs and the zone reads.
ZONE_SHARE_PLAIN_READS: frozenset[Call] = _calls(
    "apartment", ("getName", "getLockedScenes", "getModelFeatures", "getCircuits")
) | _calls("circuit", ("getName",)) | _calls("metering", ("getResolutions", "getSeries"))
ZONE_SHARE_FILTERED_READS: frozenset[Call] = _calls(
    "apartment",
    ("getStructure", "getDevices", "getReachableGroups", *TEMPERATURE_GETTERS),
)
ZONE_SHARE_APARTMENT_READS: frozenset[Call] = ZONE_SHARE_PLAIN_READS | ZONE_SHARE_FILTERED_READS
# The classes whose reads ZONE_SHARE_APARTMENT_READS decides for a zone-restricted share.
ZONE_SHARE_SCOPED_CLASSES: frozenset[str] = frozenset({"apartment", "circuit", "metering"})
# Classes that act on the whole installation, refused for zone-restricted shares.
RESTRICTED_SHARE_BLOCKED_CLASSES: frozenset[str] = frozenset({"structure", "state"})
# Device settings that bind a device's buttons or outputs to a group, which may be an
# apartment-wide one (user clusters 16-39, applications >= 64): a room's button pressed later
# would act on the whole home, so zone-restricted shares may not change them.
RESTRICTED_SHARE_BLOCKED_DEVICE_METHODS: frozenset[str] = frozenset(
    {
        "setButtonActiveGroup",
        "setButtonID",
        "setJokerGroup",
        "setHeatingGroup",
        "addToArea",
        "removeFromArea",
        "setSensorEventTableEntry",
        # A binary input's type decides which apartment-wide state it drives
        # (system_states.cpp: a SmokeDetector input sets the apartment's `fire` state, a
        # WindDetector/RainDetector input the `wind`/`rain` states): a room's contact retyped
        # into a smoke detector raises the home's fire alarm, and the type stays in the device
        # after the share ends.
        "setBinaryInputType",
        # Pairing a button (2way, 2way_up/down, 1way_combined) takes the device with the next
        # dSUID as its partner wherever it is, moves it into this device's zone and rebinds it
        # (devicerequesthandler.cpp setButtonInputMode: addDeviceToZone, setJokerGroup): a
        # room share would pull another room's device in and then act on it.
        "setButtonInputMode",
    }
)
# Sensor types a zone's sensor source may take from a zone-restricted share: the room's own
# (modelconst.h SensorType). zonerequesthandler.cpp setSensorSource assigns the outdoor types
# (10, 12, 14-20: temperature, brightness, humidity outdoors, air pressure, gusts, wind,
# precipitation) to zone 0, the whole home's weather that heating and automations read.
ROOM_SENSOR_TYPES: frozenset[int] = frozenset({4, 5, 6, 9, 11, 13, 21, 22, 25, 50, 51, 64, 65})

# Group ids a device of a zone-restricted share may be bound to (every "group id" parameter of a
# device call, schema.py): the standard application groups 1-12 that the dSS creates in every
# zone (dss-api.md §3.1), addressed in the device's own zone. Not 0 (broadcast: zone 0 is the
# apartment), not 16-39 (clusters, apartment-wide user groups), not 48 (the zone's temperature
# control, driven by the heating controller, not by a device binding) and not >= 64 (apartment
# applications: apartment ventilation, recirculation).
ZONE_LOCAL_GROUPS: frozenset[int] = frozenset(range(1, 13))

# Non-JSON targets, named in denial reasons (anything else is just "target not allowed").
KNOWN_OTHER_TARGETS: frozenset[str] = frozenset(
    {"browse", "cgi-bin", "icons", "getLatestLogs", "websocket", "www", "json"}
)
