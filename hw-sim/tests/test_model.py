"""System info, apartment structure, zones, devices and circuits (§3.1-§3.6, §3.10)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from dss_sim.clock import ManualClock

if TYPE_CHECKING:
    from tests.conftest import DssHttp, Structure

HEX24 = re.compile(r"[0-9a-f]{24}")
HEX34 = re.compile(r"[0-9a-f]{34}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
ZERO_DSUID = "0" * 34
UNKNOWN_DSUID = "ff" * 17

# §3.2: DEVICE fields in emission order (conditional vDC and valve fields left out).
DEVICE_FIELDS = [
    "id", "DisplayID", "dSUID", "GTIN", "name", "dSUIDIndex", "functionID", "productRevision",
    "productID", "hwInfo", "OemStatus", "OemEanNumber", "OemSerialNumber", "OemPartNumber",
    "OemProductInfoState", "OemProductURL", "OemInternetState", "OemIsIndependent",
    "modelFeatures", "isVdcDevice", "meterDSID", "meterDSUID", "meterName", "busID", "zoneID",
    "isPresent", "isValid", "lastDiscovered", "firstSeen", "inactiveSince", "on", "locked",
    "configurationLocked", "outputMode", "buttonID", "buttonActiveGroup",
    "buttonGroupMembership", "buttonInputMode", "buttonInputIndex", "buttonInputCount",
    "AKMInputProperty", "groups", "binaryInputCount", "binaryInputs", "sensorInputCount",
    "sensors", "sensorDataValid", "outputChannels", "pairedDevices",
]  # fmt: skip
ZONE_GROUPS = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 48}


def is_subsequence(keys: list[str], order: list[str]) -> bool:
    known = [k for k in keys if k in order]
    return known == [k for k in order if k in known]


# -- system -------------------------------------------------------------------------------------


# dss-api.md §6 #25
async def test_system_time_works_without_a_session(dss: DssHttp, clock: ManualClock) -> None:
    reply = await dss.get("/json/system/time")
    assert reply.status == 200
    result = reply.json()["result"]
    assert type(result["time"]) is int
    assert type(result["offset"]) is int
    assert type(result["daylight"]) is bool
    assert isinstance(result["timezone"], str)
    assert result["timezone"]
    assert is_subsequence(list(result), ["time", "offset", "daylight", "timezone"])
    assert abs(result["time"] - clock.time()) <= 1
    assert reply.text.startswith('{"result":{"time":')


async def test_system_time_follows_the_injected_clock(dss: DssHttp, clock: ManualClock) -> None:
    before = (await dss.ok("/json/system/time"))["time"]
    clock.advance(3600)
    after = (await dss.ok("/json/system/time"))["time"]
    assert after - before == 3600


# dss-api.md §6 #26
async def test_get_dsid_works_without_a_session(dss: DssHttp) -> None:
    reply = await dss.get("/json/system/getDSID")
    assert reply.status == 200
    result = reply.json()["result"]
    assert list(result) == ["dSID", "dSUID"]
    assert HEX24.fullmatch(result["dSID"])
    assert HEX34.fullmatch(result["dSUID"])
    dsid, dsuid = result["dSID"], result["dSUID"]
    assert reply.text == f'{{"result":{{"dSID":"{dsid}","dSUID":"{dsuid}"}},"ok":true}}'


# dss-api.md §6 #27
async def test_system_version_names_the_dss_and_the_distro(dss: DssHttp) -> None:
    result = await dss.ok("/json/system/version")
    assert result["version"].startswith("dSS v")
    assert isinstance(result["distroVersion"], str)


# -- structure ----------------------------------------------------------------------------------


# dss-api.md §6 #28
async def test_structure_has_zone_zero_with_every_device(structure: Structure) -> None:
    zone0 = structure.zone(0)
    assert zone0["name"] == ""
    all_dsuids = {d["dSUID"] for d in zone0["devices"]}
    assert len(all_dsuids) >= 30
    for zone in structure.room_zones:
        assert {d["dSUID"] for d in zone["devices"]} <= all_dsuids
    in_rooms = {d["dSUID"] for z in structure.room_zones for d in z["devices"]}
    assert in_rooms <= all_dsuids
    assert in_rooms


async def test_structure_is_a_realistic_apartment(structure: Structure) -> None:
    rooms = structure.room_zones
    assert len(rooms) >= 6
    names = [z["name"] for z in rooms]
    assert all(names), names
    assert len(set(names)) == len(names)
    assert len({z["id"] for z in structure.zones}) == len(structure.zones)


async def test_structure_keys_are_in_emission_order(structure: Structure) -> None:
    assert list(structure.raw) == ["apartment"]
    assert list(structure.raw["apartment"]) == ["clusters", "zones"]
    for zone in structure.zones:
        assert list(zone)[:5] == ["id", "name", "isPresent", "devices", "groups"]
        assert type(zone["id"]) is int
        assert zone["isPresent"] is True
        for group in zone["groups"]:
            keys = list(group)
            assert keys[:6] == ["id", "name", "color", "applicationType", "isPresent", "isValid"]
            assert keys[-1] == "devices"


# dss-api.md §6 #28
async def test_every_zone_has_the_standard_groups_with_dsuid_lists(
    structure: Structure,
) -> None:
    for zone in structure.zones:
        ids = {g["id"] for g in zone["groups"]}
        assert ZONE_GROUPS <= ids, (zone["id"], ids)
        for group in zone["groups"]:
            assert isinstance(group["devices"], list)
            for dsuid in group["devices"]:
                assert isinstance(dsuid, str)
                assert HEX34.fullmatch(dsuid)
        yellow = next(g for g in zone["groups"] if g["id"] == 1)
        assert yellow["name"] == "yellow"
        assert yellow["applicationType"] == 1


async def test_group_device_lists_match_device_group_membership(structure: Structure) -> None:
    for zone in structure.room_zones:
        for device in zone["devices"]:
            for group_id in device["groups"]:
                group = next((g for g in zone["groups"] if g["id"] == group_id), None)
                if group is not None and group_id < 16:
                    assert device["dSUID"] in group["devices"], (zone["id"], group_id)


# dss-api.md §6 #29
async def test_get_devices_is_an_array_result_of_typed_devices(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    reply = await dss.get("/json/apartment/getDevices", token=token)
    assert reply.status == 200
    assert reply.text.startswith('{"result":[{')
    assert reply.text.endswith('}],"ok":true}')
    devices: list[dict[str, Any]] = reply.json()["result"]
    assert len(devices) >= 30
    for device in devices:
        assert HEX34.fullmatch(device["dSUID"])
        assert isinstance(device["id"], str)
        assert device["id"] == "" or HEX24.fullmatch(device["id"])
        assert type(device["zoneID"]) is int
        assert all(type(g) is int for g in device["groups"])
        assert type(device["isPresent"]) is bool
        assert type(device["outputMode"]) is int
        assert type(device["on"]) is bool
    assert {d["dSUID"] for d in devices} == {d["dSUID"] for d in structure.devices}


async def test_devices_have_every_documented_field_in_order(structure: Structure) -> None:
    for device in structure.devices:
        keys = list(device)
        missing = [k for k in DEVICE_FIELDS if k not in keys]
        assert missing == [], (device["dSUID"], missing)
        assert is_subsequence(keys, DEVICE_FIELDS), keys
        for key in ("lastDiscovered", "firstSeen", "inactiveSince"):
            assert DATE.fullmatch(device[key]), (key, device[key])
        assert HEX34.fullmatch(device["meterDSUID"])
        for channel in device["outputChannels"]:
            assert list(channel) == ["channelId", "channelType", "channelIndex", "channelName"]


async def test_devices_hang_on_the_listed_meters(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    circuits = (await dss.ok("/json/apartment/getCircuits", token))["circuits"]
    meters = {c["dSUID"]: c for c in circuits}
    for device in structure.devices:
        meter = meters[device["meterDSUID"]]
        assert device["meterDSID"] == meter["dsid"]
        assert device["meterName"] == meter["name"]


# dss-api.md §6 #30
async def test_get_circuits_lists_two_meters(dss: DssHttp, token: str) -> None:
    reply = await dss.get("/json/apartment/getCircuits", token=token)
    assert reply.text.startswith('{"result":{"circuits":[{')
    circuits = reply.json()["result"]["circuits"]
    assert len(circuits) == 2
    for circuit in circuits:
        assert list(circuit)[:3] == ["name", "dsid", "dSUID"]
        assert isinstance(circuit["name"], str)
        assert HEX24.fullmatch(circuit["dsid"])
        assert HEX34.fullmatch(circuit["dSUID"])
        assert type(circuit["hasMetering"]) is bool
        assert type(circuit["isPresent"]) is bool
    assert any(c["hasMetering"] for c in circuits)


async def test_apartment_name_round_trips(dss: DssHttp, token: str) -> None:
    assert await dss.fail("/json/apartment/setName", token) == "missing parameter 'newName'"
    await dss.ok("/json/apartment/setName?newName=Wohnung%20M%C3%BCller", token)
    assert await dss.ok("/json/apartment/getName", token) == {"name": "Wohnung Müller"}


# -- zones --------------------------------------------------------------------------------------


# dss-api.md §6 #31
async def test_zone_calls_name_their_identification_errors(dss: DssHttp, token: str) -> None:
    assert await dss.fail("/json/zone/getName", token) == (
        "Need parameter name or id to identify zone"
    )
    assert await dss.fail("/json/zone/getName?id=99999", token) == (
        "Could not find zone with id '99999'"
    )
    assert await dss.fail("/json/zone/getName?id=abc", token) == "Could not parse id 'abc'"
    assert await dss.fail("/json/zone/getName?name=Nirgendwo", token) == (
        "Could not find zone named 'Nirgendwo'"
    )


async def test_zone_is_found_by_id_or_by_name(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    room = structure.room
    assert await dss.ok(f"/json/zone/getName?id={room['id']}", token) == {"name": room["name"]}
    assert await dss.ok(f"/json/zone/getName?id={hex(room['id'])}", token) == {"name": room["name"]}
    await dss.ok(f"/json/zone/setName?id={room['id']}&newName=Bad", token)
    assert await dss.ok("/json/zone/getName?name=Bad", token) == {"name": "Bad"}


# dss-api.md §6 #32
async def test_zone_zero_cannot_be_renamed(dss: DssHttp, token: str) -> None:
    message = await dss.fail("/json/zone/setName?id=0&newName=x", token)
    assert message == "changing name for zone 0 is not allowed"


# dss-api.md §6 #32
async def test_zone_set_name_stores_html_escaped_text(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    zone_id = structure.room["id"]
    reply = await dss.get(f"/json/zone/setName?id={zone_id}&newName=A%26B", token=token)
    assert reply.text == '{"ok":true}'
    reply = await dss.get(f"/json/zone/getName?id={zone_id}", token=token)
    assert reply.text == '{"result":{"name":"A&amp;B"},"ok":true}'
    assert await dss.fail(f"/json/zone/setName?id={zone_id}", token) == (
        "missing parameter 'newName'"
    )


# dss-api.md §6 #33
async def test_zone_call_scene_raises_a_group_call_scene_event(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    zone_id = structure.room["id"]
    await dss.subscribe(token, "callScene")
    reply = await dss.get(f"/json/zone/callScene?id={zone_id}&groupID=1&sceneNumber=5", token=token)
    assert reply.text == '{"ok":true}'
    event = await dss.wait_event(token, "callScene")
    assert list(event) == ["name", "properties", "source"]
    props = event["properties"]
    assert props["sceneID"] == "5"
    assert props["groupID"] == "1"
    assert props["zoneID"] == str(zone_id)
    assert props["callOrigin"] == "2"
    assert props["originDSUID"] == ZERO_DSUID
    assert all(isinstance(v, str) for v in props.values())
    source = event["source"]
    assert list(source) == ["set", "groupID", "zoneID", "isApartment", "isGroup", "isDevice"]
    assert source == {
        "set": f".zone({zone_id}).group(1)",
        "groupID": 1,
        "zoneID": zone_id,
        "isApartment": False,
        "isGroup": True,
        "isDevice": False,
    }


# dss-api.md §6 #34
async def test_zone_scene_numbers_are_validated_and_parsed_base_zero(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    zone_id = structure.room["id"]
    base = f"/json/zone/callScene?id={zone_id}&groupID=1"
    assert await dss.fail(f"{base}&sceneNumber=200", token) == (
        "Parameter 'sceneNumber' out of bounds ('200')"
    )
    assert await dss.fail(f"{base}&sceneNumber=abc", token) == "Invalid sceneNumber: 'abc'"
    assert await dss.fail(base, token) == "Invalid sceneNumber: ''"
    await dss.ok(f"{base}&sceneNumber=0x11", token)
    result = await dss.ok(f"/json/zone/getLastCalledScene?id={zone_id}&groupID=1", token)
    assert result == {"scene": 17}


# dss-api.md §6 #35
async def test_last_called_scene_follows_zone_scene_calls(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    zone_id = structure.room["id"]
    await dss.ok(f"/json/zone/callScene?id={zone_id}&groupID=1&sceneNumber=5", token)
    reply = await dss.get(f"/json/zone/getLastCalledScene?id={zone_id}&groupID=1", token=token)
    assert reply.text == '{"result":{"scene":5},"ok":true}'


async def test_zone_scene_name_round_trips_and_raises_an_event(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    zone_id = structure.room["id"]
    await dss.subscribe(token, "scene_name_changed")
    await dss.ok(
        f"/json/zone/sceneSetName?id={zone_id}&groupID=1&sceneNumber=17&newName=Lesen", token
    )
    result = await dss.ok(f"/json/zone/sceneGetName?id={zone_id}&groupID=1&sceneNumber=17", token)
    assert result == {"name": "Lesen"}
    event = await dss.wait_event(token, "scene_name_changed")
    assert event["properties"]["sceneId"] == "17"
    assert event["properties"]["newSceneName"] == "Lesen"
    assert await dss.fail(f"/json/zone/sceneGetName?id={zone_id}&sceneNumber=17", token) == (
        "Need group to work"
    )


# -- devices ------------------------------------------------------------------------------------


# dss-api.md §6 #36
async def test_device_calls_name_their_identification_errors(dss: DssHttp, token: str) -> None:
    assert await dss.fail("/json/device/getName", token) == (
        "Need parameter name or dsuid to identify device"
    )
    assert await dss.fail("/json/device/getName?dsid=asdf", token) == (
        "can not convert from string, invalid dSID"
    )
    assert await dss.fail(f"/json/device/getName?dsuid={UNKNOWN_DSUID}", token) == (
        f"Could not find device with dsuid '{UNKNOWN_DSUID}'"
    )


async def test_device_is_found_by_dsuid_in_any_case(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    device = structure.light
    result = await dss.ok(f"/json/device/getName?dsuid={device['dSUID'].upper()}", token)
    assert result == {"name": device["name"]}


# dss-api.md §6 #37
async def test_device_set_value_checks_the_range(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    dsuid = structure.light["dSUID"]
    message = await dss.fail(f"/json/device/setValue?dsuid={dsuid}&value=256", token)
    assert message == "Invalid or missing parameter value: '256'"
    reply = await dss.get(f"/json/device/setValue?dsuid={dsuid}&value=128", token=token)
    assert reply.text == '{"ok":true}'


# dss-api.md §6 #38
async def test_device_turn_on_and_off_call_scenes_14_and_13(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    dsuid = structure.light["dSUID"]
    await dss.subscribe(token, "callScene")
    reply = await dss.get(f"/json/device/turnOn?dsuid={dsuid}", token=token)
    assert reply.text == '{"ok":true}'
    event = await dss.wait_event(token, "callScene")
    assert event["properties"]["sceneID"] == "14"
    assert event["properties"]["callOrigin"] == "2"
    source = event["source"]
    assert source["set"] == f"dsid({dsuid})"
    assert source["dsid"] == dsuid
    assert source["isDevice"] is True
    assert source["isGroup"] is False
    assert source["isApartment"] is False
    assert await dss.ok(f"/json/device/getState?dsuid={dsuid}", token) == {"isOn": True}
    await dss.ok(f"/json/device/turnOff?dsuid={dsuid}", token)
    event = await dss.wait_event(token, "callScene")
    assert event["properties"]["sceneID"] == "13"
    assert await dss.ok(f"/json/device/getState?dsuid={dsuid}", token) == {"isOn": False}


async def test_device_on_flag_follows_turn_on(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    dsuid = structure.light["dSUID"]
    await dss.ok(f"/json/device/turnOff?dsuid={dsuid}", token)
    await dss.ok(f"/json/device/turnOn?dsuid={dsuid}", token)
    devices = await dss.ok("/json/apartment/getDevices", token)
    assert next(d for d in devices if d["dSUID"] == dsuid)["on"] is True


# dss-api.md §6 #39
async def test_unknown_device_method_is_500_only_when_the_device_resolves(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    dsuid = structure.light["dSUID"]
    reply = await dss.get(f"/json/device/doesNotExist?dsuid={dsuid}", token=token)
    assert reply.status == 500
    assert reply.text == '{"ok":false,"message":"Unhandled function"}'
    reply = await dss.get("/json/device/doesNotExist", token=token)
    assert reply.status == 200
    assert reply.text == '{"ok":false,"message":"Need parameter name or dsuid to identify device"}'


async def test_unknown_zone_method_is_200_without_a_zone_and_500_with_one(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    reply = await dss.get("/json/zone/foo", token=token)
    assert reply.status == 200
    assert reply.json()["message"] == "Need parameter name or id to identify zone"
    reply = await dss.get(f"/json/zone/foo?id={structure.room['id']}", token=token)
    assert reply.status == 500
    assert reply.json()["message"] == "Unhandled function"


async def test_device_set_name_html_escapes_and_round_trips(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    dsuid = structure.light["dSUID"]
    await dss.ok(f"/json/device/setName?dsuid={dsuid}&newName=Licht%20%3C1%3E", token)
    assert await dss.ok(f"/json/device/getName?dsuid={dsuid}", token) == {"name": "Licht &lt;1&gt;"}
    assert await dss.fail(f"/json/device/setName?dsuid={dsuid}", token) == (
        "missing parameter 'newName'"
    )


async def test_group_errors_are_worded_per_class_as_the_dss_does(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    # dss-api.md §3.3/§3.4: the apartment says "group ID", the zone "group id".
    zone = structure.room["id"]
    apartment = await dss.get("/json/apartment/turnOn?groupID=x", token=token)
    assert apartment.json() == {"ok": False, "message": "Could not parse group ID 'x'"}
    in_zone = await dss.get(f"/json/zone/turnOn?id={zone}&groupID=x", token=token)
    assert in_zone.json() == {"ok": False, "message": "Could not parse group id 'x'"}
    missing = await dss.get(f"/json/zone/turnOn?id={zone}&groupName=nope", token=token)
    assert missing.json() == {"ok": False, "message": "Could not find group with name 'nope'"}
