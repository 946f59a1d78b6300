"""Smaller corners of the API: routing edges, logs, icons, states, tags, meters by dSID."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import quote as url_quote

if TYPE_CHECKING:
    from tests.conftest import DssHttp, Structure

HEX34 = re.compile(r"[0-9a-f]{34}")


async def test_json_without_a_second_slash_is_not_the_json_api(dss: DssHttp) -> None:
    reply = await dss.get("/json")
    assert reply.status == 404


async def test_method_is_the_whole_rest_of_the_path(dss: DssHttp, token: str) -> None:
    reply = await dss.get("/json/apartment/getName/extra", token=token)
    assert reply.status == 500
    assert reply.text == '{"ok":false,"message":"Unhandled function"}'


async def test_get_latest_logs_needs_a_session(dss: DssHttp, token: str) -> None:
    reply = await dss.get("/getLatestLogs")
    assert reply.status == 500
    assert "not logged in" in reply.text
    reply = await dss.get("/getLatestLogs", token=token)
    assert reply.status in (200, 404)
    if reply.status == 404:
        assert "File not found" in reply.text


async def test_device_icon_needs_no_session(dss: DssHttp, structure: Structure) -> None:
    reply = await dss.get(f"/icons/getDeviceIcon?dsuid={structure.light['dSUID']}")
    assert reply.status == 200
    assert reply.content_type.startswith("image/")
    reply = await dss.get(f"/icons/getDeviceIcon?dsuid={'ab' * 17}")
    assert reply.status == 500
    assert reply.json()["ok"] is False


async def test_get_dsuid_is_an_alias_of_get_dsid(dss: DssHttp) -> None:
    assert await dss.ok("/json/system/getDSUID") == await dss.ok("/json/system/getDSID")


async def test_state_set_allows_only_heating_states_without_an_addon(
    dss: DssHttp, token: str
) -> None:
    reply = await dss.get("/json/state/set?name=foo&value=1", token=token)
    assert reply.status == 500
    assert reply.json()["message"].startswith("Not allowed or not existing system state")
    await dss.ok("/json/state/set?name=heating_system&value=1", token)
    reply = await dss.get("/json/state/set?name=heating_system", token=token)
    assert reply.status == 500


async def test_unknown_state_method_is_500_unhandled_function_with_a_dot(
    dss: DssHttp, token: str
) -> None:
    reply = await dss.get("/json/state/foo", token=token)
    assert reply.status == 500
    assert reply.json()["message"].startswith("Unhandled function.")


async def test_subscription_list_has_the_documented_shape(dss: DssHttp, token: str) -> None:
    result = await dss.ok("/json/subscription/list", token)
    assert isinstance(result["subscriptions"], list)
    for subscription in result["subscriptions"]:
        assert {"id", "handlerName", "eventName"} <= set(subscription)


async def test_device_found_by_name_or_not(dss: DssHttp, token: str, structure: Structure) -> None:
    names = [d["name"] for d in structure.devices]
    unique = next(n for n in names if names.count(n) == 1 and n)
    device = next(d for d in structure.devices if d["name"] == unique)
    result = await dss.ok(f"/json/device/getSpec?name={quote(unique)}", token)
    assert result["functionID"] == device["functionID"]
    assert result["productID"] == device["productID"]
    message = await dss.fail("/json/device/getName?name=Gibtsnicht", token)
    assert message == "Could not find device named 'Gibtsnicht'"


async def test_dsuid_wins_over_dsid(dss: DssHttp, token: str, structure: Structure) -> None:
    device = structure.light
    result = await dss.ok(f"/json/device/getName?dsid=asdf&dsuid={device['dSUID']}", token)
    assert result == {"name": device["name"]}


async def test_device_with_a_dsid_is_found_by_it(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    device = next(d for d in structure.devices if d["id"])
    assert await dss.ok(f"/json/device/getName?dsid={device['id']}", token) == {
        "name": device["name"]
    }


async def test_device_tags_round_trip(dss: DssHttp, token: str, structure: Structure) -> None:
    dsuid = structure.light["dSUID"]
    assert await dss.fail(f"/json/device/addTag?dsuid={dsuid}", token) == "missing parameter 'tag'"
    await dss.ok(f"/json/device/addTag?dsuid={dsuid}&tag=flur", token)
    assert await dss.ok(f"/json/device/hasTag?dsuid={dsuid}&tag=flur", token) == {"hasTag": True}
    assert await dss.ok(f"/json/device/hasTag?dsuid={dsuid}&tag=bad", token) == {"hasTag": False}
    assert "flur" in (await dss.ok(f"/json/device/getTags?dsuid={dsuid}", token))["tags"]
    await dss.ok(f"/json/device/removeTag?dsuid={dsuid}&tag=flur", token)
    assert await dss.ok(f"/json/device/hasTag?dsuid={dsuid}&tag=flur", token) == {"hasTag": False}


async def test_device_groups_and_spec_shapes(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    device = structure.light
    groups = (await dss.ok(f"/json/device/getGroups?dsuid={device['dSUID']}", token))["groups"]
    assert {"id": 1, "name": "yellow"} in groups
    spec = await dss.ok(f"/json/device/getSpec?dsuid={device['dSUID']}", token)
    assert list(spec) == ["functionID", "productID", "revisionID"]


async def test_last_called_scene_without_a_group_is_the_broadcast_group(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    zone_id = structure.room["id"]
    await dss.ok(f"/json/zone/callScene?id={zone_id}&sceneNumber=17", token)
    assert await dss.ok(f"/json/zone/getLastCalledScene?id={zone_id}", token) == {"scene": 17}


async def test_apartment_consumption_is_an_integer(dss: DssHttp, token: str) -> None:
    result = await dss.ok("/json/apartment/getConsumption", token)
    assert list(result) == ["consumption"]
    assert type(result["consumption"]) is int


async def test_reachable_groups_skip_zone_zero_user_groups(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    zones = (await dss.ok("/json/apartment/getReachableGroups", token))["zones"]
    for zone in zones:
        assert list(zone)[:3] == ["zoneID", "name", "groups"]
        if zone["zoneID"] != 0:
            assert not {0, 6, 7, 8} & set(zone["groups"])
    assert structure.room["id"] in {z["zoneID"] for z in zones}


async def test_get_latest_from_a_meter_dsid(dss: DssHttp, token: str) -> None:
    circuits = (await dss.ok("/json/apartment/getCircuits", token))["circuits"]
    meter = next(c for c in circuits if c["hasMetering"])
    result = await dss.ok(
        f"/json/metering/getLatest?type=consumption&from=.meters({meter['dsid']})", token
    )
    assert [v["dSUID"] for v in result["values"]] == [meter["dSUID"]]


async def test_get_latest_from_an_unknown_meter_says_why(dss: DssHttp, token: str) -> None:
    message = await dss.fail(
        f"/json/metering/getLatest?type=consumption&from=.meters({'cd' * 17})", token
    )
    assert message == (
        "Couldn't parse parameter 'from': 'Could not find dsMeter with given dsuid.'"
    )


async def test_query_of_meters_uses_the_parent_name_for_a_star(dss: DssHttp, token: str) -> None:
    result = await dss.ok(
        "/json/property/query?query=/apartment/dSMeters/*(name,dSID,dSUID,isValid)", token
    )
    meters = result["dSMeters"]
    assert len(meters) == 2
    for meter in meters:
        assert list(meter) == ["name", "dSID", "dSUID", "isValid"]
        assert HEX34.fullmatch(meter["dSUID"])


async def test_query_skips_missing_property_names_silently(dss: DssHttp, token: str) -> None:
    result = await dss.ok("/json/property/query?query=/apartment/zones/*(ZoneID,nope)", token)
    assert all(list(z) == ["ZoneID"] for z in result["zones"])


async def test_query_star_list_takes_every_value_child(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    room_id = structure.room["id"]
    result = await dss.ok(f"/json/property/query?query=/apartment/zones/zone{room_id}(*)", token)
    (zone,) = result[f"zone{room_id}"]
    assert zone["ZoneID"] == room_id
    assert zone["name"] == structure.room["name"]


async def test_get_flags_reports_the_three_flags(dss: DssHttp, token: str) -> None:
    await dss.ok("/json/property/setString?path=/test/flag&value=x", token)
    flags = await dss.ok("/json/property/getFlags?path=/test/flag", token)
    assert list(flags) == ["READABLE", "WRITEABLE", "ARCHIVE"]
    assert all(type(v) is bool for v in flags.values())
    await dss.ok("/json/property/setFlag?path=/test/flag&flag=ARCHIVE&value=true", token)
    assert (await dss.ok("/json/property/getFlags?path=/test/flag", token))["ARCHIVE"] is True


def quote(text: str) -> str:
    return url_quote(text, safe="")
