"""The fuzzer's raw material (pure data): legitimate requests per share level for the default
dss-sim fixture, and the dangerous values a mutation may put in their place."""

from __future__ import annotations

from dataclasses import dataclass

# hw-sim/dss_sim/fixtures/apartment.json
ZONE_WOHNEN, ZONE_KUECHE, ZONE_SCHLAFEN = 989, 990, 991
WOHNEN_LIGHT = "303505d7f800000000000000cf4b9c1f00"  # Deckenleuchte Wohnen, zone 989
WOHNEN_LIGHT_DSID = "303505d7f8000000cf4b9c1f"
WOHNEN_BLIND = "303505d7f8000000000000007f9e700e00"  # Rollladen Terrasse, zone 989
KUECHE_LIGHT = "303505d7f800000000000000be9aa91800"  # Unterbauleuchte, zone 990
KUECHE_LIGHT_DSID = "303505d7f8000000be9aa918"
SCHLAFEN_LIGHT = "303505d7f8000000000000001534cd4e00"  # zone 991
# The next dSUID after the living room's light: its button partner (dsuid_get_next_dsuid),
# installed by differential.install_attack_fixture in the bedroom, zone 991.
WOHNEN_LIGHT_PARTNER = "303505d7f800000000000000cf4b9c2000"
ZONE_SCHLAFEN = 991
METER = "3504175fe000000000000000000043a700"
# The add-on the harness opens to configure shares, and the events they may raise.
FUZZ_ADDON = "fuzz-addon"
RAISE_ALLOWED = frozenset({"fuzz.event", "fuzzprefix.*"})
SUBSCRIPTION = "42"
# What the harness installs besides (tests.support.differential.install_attack_fixture): an
# add-on not opened to shares; both keep an account below config/ like the tado add-on does
# (config/user, config/password); a state provided by a device (state.cpp: device/inputIndex,
# device/stateName below the state's own values); an add-on state of the listed add-on, of the
# unlisted one and of two system add-ons, so that state/set of each reaches the dSS.
OTHER_ADDON = "other-addon"
ADDON_CONFIG = ("config/user", "config/password")
SENSOR_STATE = "fuzzsensor"
ADDON_STATE = "fuzzstate"
STATE_ADDONS = (FUZZ_ADDON, OTHER_ADDON, "system-addon-user-defined-states",
                "system-addon-scene-responder")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Base:
    """One legitimate call: decoded parameter values, in the order they are sent."""

    level: str  # the weakest level meant to be allowed it
    klass: str
    method: str
    params: tuple[tuple[str, str], ...] = ()


def _b(level: str, call: str, *params: tuple[str, str]) -> Base:
    klass, _, method = call.partition("/")
    return Base(level, klass, method, params)


def _dev(dsuid: str = WOHNEN_LIGHT) -> tuple[str, str]:
    return ("dsuid", dsuid)


Z = ("id", str(ZONE_WOHNEN))
G1 = ("groupID", "1")

CORPUS: tuple[Base, ...] = (
    # view (dss-api.md §5.1)
    _b("view", "system/version"),
    _b("view", "system/time"),
    _b("view", "system/getDSID"),
    _b("view", "apartment/getName"),
    _b("view", "apartment/getStructure"),
    _b("view", "apartment/getDevices"),
    _b("view", "apartment/getCircuits"),
    _b("view", "apartment/getReachableGroups"),
    _b("view", "zone/getName", Z),
    _b("view", "zone/getLastCalledScene", Z, G1),
    _b("view", "zone/sceneGetName", Z, G1, ("sceneNumber", "5")),
    _b("view", "zone/getReachableScenes", ("id", str(ZONE_KUECHE)), G1),
    _b("view", "device/getName", _dev()),
    _b("view", "device/getState", _dev(KUECHE_LIGHT)),
    _b("view", "device/getGroups", ("dsid", WOHNEN_LIGHT_DSID)),
    _b("view", "device/getOutputValue", _dev(), ("offset", "0")),
    _b("view", "device/getSpec", _dev(WOHNEN_BLIND)),
    _b("view", "circuit/getName", ("id", METER)),
    _b("view", "metering/getResolutions"),
    _b("view", "metering/getLatest", ("type", "consumption"), ("from", ".meters(all)")),
    _b("view", "property/getString", ("path", "/system/version/version")),
    _b("view", "property/getString", ("path", f"/apartment/zones/zone{ZONE_WOHNEN}/name")),
    _b("view", "property/getChildren", ("path", f"/apartment/zones/zone{ZONE_WOHNEN}")),
    _b("view", "property/getString", ("path", "/usr/states/presence/state")),
    _b("view", "property/getType", ("path", "/system/uptime")),
    _b("view", "property/query", ("query", "/apartment/zones/*(ZoneID,name)")),
    _b("view", "property/query2", ("query", f"/apartment/zones/zone{ZONE_WOHNEN}/groups/*(*)")),
    _b("view", "event/subscribe", ("name", "callScene"), ("subscriptionID", SUBSCRIPTION)),
    _b("view", "event/get", ("subscriptionID", SUBSCRIPTION), ("timeout", "-1")),
    _b("view", "event/get", ("subscriptionID", SUBSCRIPTION), ("timeout", "5")),
    _b("view", "event/unsubscribe", ("name", "callScene"), ("subscriptionID", SUBSCRIPTION)),
    # operate (§5.2)
    _b("operate", "zone/callScene", Z, G1, ("sceneNumber", "5")),
    _b("operate", "zone/callScene", ("id", str(ZONE_KUECHE)), G1, ("sceneNumber", "0")),
    _b("operate", "zone/undoScene", Z, G1, ("sceneNumber", "5")),
    _b("operate", "zone/turnOn", Z, G1),
    _b("operate", "zone/setValue", Z, ("groupID", "2"), ("value", "128")),
    _b("operate", "zone/blink", Z, G1),
    _b("operate", "device/turnOn", _dev()),
    _b("operate", "device/turnOff", ("dsid", WOHNEN_LIGHT_DSID)),
    _b("operate", "device/callScene", _dev(), ("sceneNumber", "17")),
    _b("operate", "device/undoScene", _dev(), ("sceneNumber", "17")),
    _b("operate", "device/setValue", _dev(WOHNEN_BLIND), ("value", "100")),
    _b("operate", "device/blink", _dev()),
    _b("operate", "apartment/callScene", G1, ("sceneNumber", "5")),
    _b("operate", "apartment/undoScene", G1, ("sceneNumber", "5")),
    # configure (§5.3)
    _b("configure", "zone/setName", Z, ("newName", "Wohnzimmer")),
    _b("configure", "zone/sceneSetName", Z, G1, ("sceneNumber", "17"), ("newName", "Lesen")),
    _b("configure", "zone/saveScene", Z, G1, ("sceneNumber", "17")),
    _b("configure", "device/setName", _dev(), ("newName", "Decke")),
    _b("configure", "device/addTag", _dev(), ("tag", "fuzz")),
    _b("configure", "device/saveScene", _dev(), ("sceneNumber", "17")),
    _b("configure", "device/setSceneValue", _dev(), ("sceneID", "17"), ("value", "200")),
    _b("configure", "device/setJokerGroup", _dev(), ("groupID", "1")),
    _b("configure", "device/setButtonActiveGroup", _dev(), ("groupID", "1")),
    _b("configure", "apartment/setName", ("newName", "Zuhause")),
    _b("configure", "apartment/saveScene", G1, ("sceneNumber", "5")),
    _b("configure", "circuit/setName", ("id", METER), ("newName", "dSM EG")),
    _b("configure", "structure/groupSetName", ("zoneID", "989"), G1, ("newName", "Licht")),
    _b("configure", "property/setString", ("path", f"/scripts/{FUZZ_ADDON}/note"), ("value", "x")),
    _b("configure", "property/setInteger", ("path", f"/scripts/{FUZZ_ADDON}/n"), ("value", "7")),
    _b("configure", "property/setBoolean", ("path", f"/scripts/{FUZZ_ADDON}/b"), ("value", "true")),
    _b("configure", "property/getString", ("path", f"/scripts/{FUZZ_ADDON}/note")),
    _b("configure", "event/raise", ("name", "fuzz.event"), ("parameter", "a=1")),
    _b("configure", "state/set", ("name", "fuzz"), ("value", "1")),
    # the red team's vectors (tests/integration/attacks/test_redteam_round2.py), each in its
    # legitimate form where it has one; DANGEROUS and the mutations make the attacks of them
    _b("configure", "property/getString", ("path", f"/scripts/{FUZZ_ADDON}/config/user")),
    _b("configure", "property/getChildren", ("path", f"/scripts/{FUZZ_ADDON}/config")),
    _b("configure", "property/getChildren", ("path", f"/scripts/{FUZZ_ADDON}")),
    _b("configure", "property/query", ("query", f"/scripts/{FUZZ_ADDON}/config(user)")),
    _b("view", "property/getString", ("path", f"/apartment/dSMeters/{METER}/name")),
    _b("view", "property/getChildren", ("path", f"/apartment/dSMeters/{METER}/zones")),
    _b("view", "property/getChildren", ("path", f"/usr/states/{SENSOR_STATE}")),
    _b("view", "property/getString", ("path", f"/usr/states/{SENSOR_STATE}/device/stateName")),
    _b("view", "property/query", ("query", "/usr/states/*(state)")),
    _b("configure", "state/set", ("addon", FUZZ_ADDON), ("name", ADDON_STATE), ("value", "1")),
    _b("configure", "state/set", ("name", "heating_system"), ("value", "1")),
    _b("operate", "zone/callScene", Z, ("groupID", "2"), ("sceneNumber", "5"),
       ("category", "algorithm")),
    _b("operate", "device/setValue", _dev(WOHNEN_BLIND), ("value", "100"), ("category", "timer")),
    _b("operate", "apartment/turnOff", ("groupID", "2"), ("category", "algorithm")),
    _b("operate", "zone/undoScene", Z, G1),
    _b("operate", "device/undoScene", _dev()),
    _b("operate", "apartment/undoScene", G1),
    _b("operate", "device/setOutputChannelValue", _dev(WOHNEN_BLIND),
       ("channelvalues", "brightness=50")),
    _b("operate", "device/setOutputValue", _dev(WOHNEN_BLIND), ("offset", "0"), ("value", "100")),
    _b("operate", "device/increaseValue", _dev(WOHNEN_BLIND)),
    _b("operate", "zone/callSceneMin", Z, ("groupID", "2"), ("sceneNumber", "5")),
    # Red team, round 4: calls that reach beyond the named room on the dSS.
    _b("configure", "device/setButtonInputMode", _dev(), ("mode", "2way")),
    _b("configure", "device/setButtonInputMode", _dev(), ("mode", "1way_combined")),
    _b("configure", "device/setButtonInputMode", _dev(), ("mode", "1way")),
    _b("configure", "zone/setSensorSource", Z, _dev(), ("sensorType", "9")),
    _b("configure", "zone/setSensorSource", Z, _dev(), ("sensorType", "10")),
    _b("configure", "zone/setSensorSource", Z, _dev(), ("sensorType", "18")),
    _b("configure", "zone/setTemperatureControlConfig", Z, ("ControlMode", "2"),
       ("ReferenceZone", str(ZONE_SCHLAFEN))),
    _b("configure", "zone/setTemperatureControlConfig2", Z,
       ("zoneFollowerMode", f'{{"referenceZone":{ZONE_SCHLAFEN}}}')),
)  # fmt: skip

# What a mutation may put in place of a parameter's value, by parameter name: the targets no
# share may reach (apartment scenes, other zones, the whole apartment, the secrets subtrees,
# relative paths, writes outside /scripts/<add-on>/, busy polls, system events).
DANGEROUS: dict[str, tuple[str, ...]] = {
    "sceneNumber": ("64", "65", "74", "76", "127", "-1", "128", "4294967361", "x", ""),
    "sceneID": ("65", "76", "127"),
    "id": ("0", str(ZONE_KUECHE), str(ZONE_SCHLAFEN), "12345", METER),
    "zoneID": ("0", str(ZONE_KUECHE)),
    "groupID": ("0", "16", "17", "48", "64", "69"),
    "dsuid": (KUECHE_LIGHT, SCHLAFEN_LIGHT, METER, KUECHE_LIGHT.upper()),
    "dsid": (KUECHE_LIGHT_DSID, KUECHE_LIGHT_DSID.upper()),
    "path": (
        "/system/security/applicationTokens/enabled",
        "/system/security",
        "/scripts/system-addon-remote-connectivity/token",
        "/scripts/system-addon-remote-connectivity[0]/token",
        f"/apartment/zones/zone{ZONE_KUECHE}/name",
        "/apartment/zones/zone0/name",
        f"scripts/{FUZZ_ADDON}/note",
        "system/version",
        "/config/subsystems/WebServer/listen",
        "/scripts/other-addon/x",
        f"/scripts/{FUZZ_ADDON}",
        "/system/security[0]/applicationTokens",
        "/usr/states/fire/state",
        # secret-like names and add-on data outside the listed add-on
        f"/scripts/{FUZZ_ADDON}/config/password",
        f"/scripts/{FUZZ_ADDON}/config/PASSWORD",
        f"/scripts/{OTHER_ADDON}/config/password",
        f"/scripts/{OTHER_ADDON}/config/user",
        f"/scripts/{OTHER_ADDON}/config",
        f"/scripts/{OTHER_ADDON}",
        "/scripts",
        "/scripts/system-addon-timed-events/version",
        "/scripts/system-addon-remote-connectivity/cloud/accessToken",
        # another room through the dSM's zone alias; a state's device entries
        f"/apartment/dSMeters/{METER}/zones/{ZONE_KUECHE}/name",
        f"/apartment/dSMeters/{METER}/zones/{ZONE_WOHNEN}/devices",
        f"/apartment/dSMeters/{METER}/zones/{ZONE_KUECHE}",
        f"/usr/states/{SENSOR_STATE}/device/inputIndex",
        f"/usr/states/{SENSOR_STATE}/device",
    ),
    "query": (
        "/system/security/*(*)",
        "/*(*)",
        "/scripts/*(*)",
        "/apartment/zones/*(*)",
        f"/apartment/zones/zone{ZONE_KUECHE}(*)",
        "/system(*)/security(*)",
        f"/scripts/{FUZZ_ADDON}/*(*)",
        f"/scripts/{FUZZ_ADDON}/config(*)",
        f"/scripts/{FUZZ_ADDON}(*)",
        f"/scripts/{OTHER_ADDON}/config(*)",
        f"/scripts/{FUZZ_ADDON}/config(password)",
        "/apartment/dSMeters/*/zones/*(*)",
        f"/apartment/dSMeters/{METER}/zones/{ZONE_KUECHE}/groups/*/scenes/*(*)",
        "/usr/states/*/device(*)",
        f"/usr/states/{SENSOR_STATE}/device(*)",
        "/usr/states/*(*)",
    ),
    "name": ("running", "highlevelevent", "webSessionCleanup", "fire", "fuzzprefix.x"),
    "timeout": ("-2", "-100", "-1"),
    "value": ("true", "-1", "4294967296"),
    "newName": ("<script>", ""),
    "from": (".meters(all)", ".meters(" + METER + ")"),
    "addon": (
        OTHER_ADDON,
        "system-addon-user-defined-states",
        "system-addon-scene-responder",
        FUZZ_ADDON.upper(),
        "",
    ),
    # sceneaccess.cpp: manual (or no category) is never blocked by the wind/fire protection
    "category": ("manual", "timer", "", "Manual", "manual ", "algorithm"),
    "channelvalues": ("brightness=100", "shadePositionOutside=100;brightness=0"),
}
TOKEN = "0" * 63 + "1"  # a plausible dSS session token (64 hex)
