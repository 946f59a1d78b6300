"""Zone-restricted shares: zone, device, apartment and other calls stay inside the share's zones."""

from __future__ import annotations

import pytest

from dss_addon.policy import Decision
from dss_addon.policy.scope import (
    device_allowed,
    filter_allowed_devices,
    filter_allowed_zones,
    zone_allowed,
)
from dss_addon.shares.model import Level
from tests.support.builders import (
    BLIND_KUECHE,
    LAMP_SCHLAFEN,
    LIGHT_WOHNEN,
    SENSOR_KUECHE,
    SOCKET_WOHNEN,
    decide_now,
    make_call,
    make_share,
    make_topology,
)

TOPOLOGY = make_topology()
ZONES = (989, 990)  # Wohnen, Küche; not Schlafen (991)


def restricted(level: Level, klass: str, method: str, **params: str) -> Decision:
    share = make_share(level=level, zones=ZONES)
    call = make_call(klass, method, **params)
    return decide_now(share, call)


@pytest.mark.parametrize(
    ("zone_id", "allowed"),
    [
        ("989", True),
        # Every other spelling is refused, even of an allowed zone: the dSS reads them with
        # strtol base 0 (0x3dd = 01735 = 989), the canonical grammar does not.
        ("0x3dd", False),
        ("0X3DD", False),
        ("01735", False),
        (" 989", False),
        ("+989", False),
        ("990", True),
        ("0x3de", False),
        ("991", False),
        ("0x3df", False),
        ("01737", False),
        ("0", False),
        ("0x0", False),
        ("-0", False),
        ("00", False),
        ("989 ", False),
        ("989abc", False),
        ("0989", False),  # octal 0989 is invalid (9 is no octal digit)
        ("4294968285", False),  # 2**32 + 989
        ("", False),
        ("99999", False),
    ],
)
def test_zone_calls_must_target_an_allowed_zone(zone_id: str, allowed: bool) -> None:
    decision = restricted(Level.OPERATE, "zone", "callScene", id=zone_id, sceneNumber="5")
    assert decision.allowed is allowed, decision.reason


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"id": "991"}, "zone 991 outside share zones"),
        ({"id": "0x3df"}, "non-canonical request: id is not a valid zone id"),
        ({"id": "0"}, "zone 0 (whole apartment) not allowed for a zone-restricted share"),
        ({"name": "Schlafen"}, "zone 991 outside share zones"),
        ({"id": "989", "name": "Wohnen"}, "both zone id and name given"),
        ({"id": "989", "name": "Schlafen"}, "both zone id and name given"),
        ({"name": "Dachboden"}, "unknown zone"),
        ({}, "no zone given"),
    ],
)
def test_zone_denial_reasons(params: dict[str, str], reason: str) -> None:
    assert restricted(Level.VIEW, "zone", "getName", **params) == Decision.deny(reason)


def test_zone_by_name_inside_the_share() -> None:
    assert restricted(Level.VIEW, "zone", "getName", name="Küche").allowed


@pytest.mark.parametrize(
    ("params", "allowed"),
    [
        ({"dsuid": LIGHT_WOHNEN.dsuid}, True),
        # Ids are lowercase hex in a canonical call (the proxy lowercases what it reads).
        ({"dsuid": LIGHT_WOHNEN.dsuid.upper()}, False),
        ({"dsid": LIGHT_WOHNEN.dsid}, True),
        ({"dsid": LIGHT_WOHNEN.dsid.upper()}, False),
        ({"name": "Deckenlicht Wohnen"}, True),
        ({"dsuid": SENSOR_KUECHE.dsuid}, True),
        ({"dsuid": BLIND_KUECHE.dsuid, "dsid": LAMP_SCHLAFEN.dsid}, True),
        ({"dsuid": LAMP_SCHLAFEN.dsuid}, False),
        ({"dsuid": LAMP_SCHLAFEN.dsuid.upper()}, False),
        ({"dsid": LAMP_SCHLAFEN.dsid}, False),
        ({"name": "Nachttisch Schlafen"}, False),
        ({"dsuid": LAMP_SCHLAFEN.dsuid, "dsid": LIGHT_WOHNEN.dsid}, False),  # dsuid wins
        ({"dsid": LAMP_SCHLAFEN.dsid, "name": "Deckenlicht Wohnen"}, False),  # dsid wins
        ({"dsuid": "0" * 34}, False),  # unknown
        ({"dsuid": "zz"}, False),
        ({"name": "Steckdose"}, False),  # ambiguous (one in Wohnen, one in Schlafen)
        ({}, False),
    ],
)
def test_device_calls_must_target_a_device_in_an_allowed_zone(
    params: dict[str, str], allowed: bool
) -> None:
    decision = restricted(Level.OPERATE, "device", "turnOn", **params)
    assert decision.allowed is allowed, decision.reason


@pytest.mark.parametrize(
    "method",
    ["setButtonActiveGroup", "setJokerGroup", "setHeatingGroup", "addToArea", "setButtonID"],
)
def test_restricted_shares_cannot_bind_a_device_in_their_zone_to_other_groups(method: str) -> None:
    # A button in the kitchen bound to an apartment-wide cluster would act on the whole home.
    share = make_share(level=Level.CONFIGURE, zones=ZONES)
    param = {"addToArea": "areaScene", "setButtonID": "buttonID"}.get(method, "groupID")
    call = make_call("device", method, dsuid=LIGHT_WOHNEN.dsuid, **{param: "16"})
    unrestricted = make_share(level=Level.CONFIGURE)
    denied = decide_now(share, call)
    assert denied == Decision.deny(f"device/{method} not allowed for a zone-restricted share")
    other = decide_now(unrestricted, call)
    assert other.allowed, other.reason


def test_unknown_device_reason() -> None:
    decision = restricted(Level.VIEW, "device", "getName", dsuid="0" * 34)
    assert decision == Decision.deny("unknown device")


def test_device_outside_reason() -> None:
    decision = restricted(Level.VIEW, "device", "getName", dsuid=LAMP_SCHLAFEN.dsuid)
    assert decision == Decision.deny("device in zone 991 outside share zones")


@pytest.mark.parametrize(
    ("level", "klass", "method", "params", "allowed"),
    [
        (Level.VIEW, "apartment", "getStructure", {}, True),
        (Level.VIEW, "apartment", "getDevices", {}, True),
        (Level.VIEW, "apartment", "getCircuits", {}, True),
        # A dSM meters every room on its circuits together: its readings are not one room's.
        (Level.VIEW, "metering", "getLatest", {"from": ".meters(all)", "type": "energy"}, False),
        (Level.VIEW, "metering", "getAggregatedLatest", {"type": "energy"}, False),
        (Level.VIEW, "metering", "getValues", {"dsuid": "30" * 17, "resolution": "60"}, False),
        (Level.VIEW, "metering", "getAggregatedValues", {"resolution": "60"}, False),
        (Level.VIEW, "metering", "getResolutions", {}, True),
        (Level.VIEW, "metering", "getSeries", {}, True),
        (Level.VIEW, "circuit", "getConsumption", {"dsuid": "30" * 17}, False),
        (Level.VIEW, "circuit", "getEnergyMeterValue", {"dsuid": "30" * 17}, False),
        (Level.VIEW, "circuit", "getName", {"dsuid": "30" * 17}, True),
        (Level.VIEW, "apartment", "getConsumption", {}, False),
        # Answers without a zone to filter by: the share's own reads give the same.
        (Level.VIEW, "apartment", "getDeviceBinaryInputs", {}, False),
        (Level.VIEW, "apartment", "getClusterLocks", {}, False),
        (Level.VIEW, "apartment", "getName", {}, True),
        (Level.VIEW, "apartment", "getLockedScenes", {}, True),
        (Level.VIEW, "apartment", "getModelFeatures", {}, True),
        (Level.VIEW, "apartment", "getReachableGroups", {}, True),
        (Level.VIEW, "apartment", "getTemperatureControlConfig2", {}, True),
        (Level.VIEW, "apartment", "getSensorValues", {}, True),
        (Level.OPERATE, "apartment", "callScene", {"sceneNumber": "5"}, False),
        (Level.OPERATE, "apartment", "undoScene", {"sceneNumber": "5"}, False),
        (Level.CONFIGURE, "apartment", "setName", {"newName": "x"}, False),
        (Level.CONFIGURE, "apartment", "saveScene", {"sceneNumber": "5"}, False),
        (Level.CONFIGURE, "structure", "addZone", {"zoneID": "5"}, False),
        (Level.CONFIGURE, "structure", "zoneAddDevice", {"dsuid": LIGHT_WOHNEN.dsuid}, False),
        (Level.CONFIGURE, "state", "set", {"name": "heating_system", "value": "1"}, False),
        (Level.CONFIGURE, "circuit", "setName", {"dsuid": "x", "newName": "y"}, False),
        (Level.CONFIGURE, "zone", "setName", {"id": "990", "newName": "y"}, True),
        (
            Level.CONFIGURE,
            "zone",
            "setSensorSource",
            {"id": "990", "dsuid": SENSOR_KUECHE.dsuid, "sensorType": "9"},
            True,
        ),
        (
            Level.CONFIGURE,
            "zone",
            "setSensorSource",
            {"id": "990", "dsuid": LAMP_SCHLAFEN.dsuid, "sensorType": "9"},
            False,
        ),
        (Level.CONFIGURE, "device", "setName", {"dsuid": SOCKET_WOHNEN.dsuid}, True),
    ],
)
def test_apartment_wide_actions_are_denied_for_restricted_shares(
    level: Level, klass: str, method: str, params: dict[str, str], allowed: bool
) -> None:
    decision = restricted(level, klass, method, **params)
    assert decision.allowed is allowed, decision.reason


def test_unrestricted_share_needs_no_topology_for_zone_or_device_calls() -> None:
    share = make_share(level=Level.OPERATE)
    for call in (
        make_call("zone", "turnOn", id="12345"),
        make_call("device", "turnOn", dsuid="0" * 34),
    ):
        decision = decide_now(share, call)
        assert decision.allowed


def test_scope_helpers() -> None:
    share = make_share(zones=ZONES)
    everything = make_share()
    assert zone_allowed(share, 989)
    assert zone_allowed(share, 990)
    assert not zone_allowed(share, 991)
    assert not zone_allowed(share, 0)
    assert zone_allowed(everything, 0)
    assert zone_allowed(everything, 991)
    assert filter_allowed_zones(share, TOPOLOGY) == {989: "Wohnen", 990: "Küche"}
    assert filter_allowed_zones(everything, TOPOLOGY) == dict(TOPOLOGY.zones)
    assert device_allowed(share, LIGHT_WOHNEN)
    assert not device_allowed(share, LAMP_SCHLAFEN)
    assert LAMP_SCHLAFEN not in filter_allowed_devices(share, TOPOLOGY)
    assert filter_allowed_devices(everything, TOPOLOGY) == TOPOLOGY.devices
