"""The property tree: typed getters and setters, children, queries (§3.7)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.conftest import DssHttp, Structure


# dss-api.md §6 #40
async def test_get_string_reads_the_version(dss: DssHttp, token: str) -> None:
    reply = await dss.get("/json/property/getString?path=/system/version/version", token=token)
    assert reply.status == 200
    body = reply.json()
    assert list(body) == ["result", "ok"]
    assert list(body["result"]) == ["value"]
    assert body["result"]["value"].startswith("dSS v")
    version = await dss.ok("/json/system/version", token)
    assert body["result"]["value"] == version["version"]


# dss-api.md §6 #40
async def test_get_string_on_an_integer_node_is_a_type_mismatch(dss: DssHttp, token: str) -> None:
    reply = await dss.get("/json/property/getString?path=/system/uptime", token=token)
    assert reply.status == 200
    assert reply.text == (
        '{"ok":false,"message":"Error getting property: \'Property-Type mismatch: uptime\'"}'
    )


# dss-api.md §6 #40
async def test_get_string_of_a_missing_node_names_the_path(dss: DssHttp, token: str) -> None:
    message = await dss.fail("/json/property/getString?path=/nope", token)
    assert message == "Could not find node named '/nope'"


# dss-api.md §6 #40
async def test_property_calls_need_a_path(dss: DssHttp, token: str) -> None:
    for method in ("getString", "setString", "getChildren", "getType", "remove", "foo"):
        message = await dss.fail(f"/json/property/{method}", token)
        assert message == "Need parameter 'path' for property operations", method


async def test_property_calls_need_a_session(dss: DssHttp) -> None:
    reply = await dss.get("/json/property/getString?path=/system/version/version")
    assert reply.status == 403


# dss-api.md §6 #41
async def test_set_string_creates_the_node_and_children_list_it(dss: DssHttp, token: str) -> None:
    reply = await dss.get("/json/property/setString?path=/test/a&value=x", token=token)
    assert reply.text == '{"ok":true}'
    reply = await dss.get("/json/property/getType?path=/test/a", token=token)
    assert reply.text == '{"result":{"type":"string"},"ok":true}'
    reply = await dss.get("/json/property/getChildren?path=/test", token=token)
    assert reply.text == '{"result":[{"name":"a","type":"string"}],"ok":true}'
    assert await dss.ok("/json/property/getString?path=/test/a", token) == {"value": "x"}


async def test_property_types_are_reported(dss: DssHttp, token: str) -> None:
    await dss.ok("/json/property/setInteger?path=/t/i&value=5", token)
    await dss.ok("/json/property/setBoolean?path=/t/b&value=true", token)
    await dss.ok("/json/property/setString?path=/t/s&value=v", token)
    await dss.ok("/json/property/setFloating?path=/t/f&value=2", token)
    assert await dss.ok("/json/property/getType?path=/t", token) == {"type": "none"}
    assert await dss.ok("/json/property/getType?path=/t/i", token) == {"type": "integer"}
    assert await dss.ok("/json/property/getType?path=/t/b", token) == {"type": "boolean"}
    assert await dss.ok("/json/property/getType?path=/t/f", token) == {"type": "floating"}
    children = await dss.ok("/json/property/getChildren?path=/t", token)
    assert sorted(children, key=lambda c: c["name"]) == [
        {"name": "b", "type": "boolean"},
        {"name": "f", "type": "floating"},
        {"name": "i", "type": "integer"},
        {"name": "s", "type": "string"},
    ]
    assert await dss.ok("/json/property/getInteger?path=/t/i", token) == {"value": 5}
    assert await dss.ok("/json/property/getBoolean?path=/t/b", token) == {"value": True}
    message = await dss.fail("/json/property/getInteger?path=/t/s", token)
    assert message == "Error getting property: 'Property-Type mismatch: s'"


# dss-api.md §6 #42
async def test_set_boolean_accepts_only_true_or_false(dss: DssHttp, token: str) -> None:
    message = await dss.fail("/json/property/setBoolean?path=/test/b&value=1", token)
    assert message == "Expected 'true' or 'false' for parameter 'value' but got: '1'"


async def test_set_floating_truncates_to_an_integer_like_the_real_dss(
    dss: DssHttp, token: str
) -> None:
    await dss.ok("/json/property/setFloating?path=/test/f&value=21.7", token)
    reply = await dss.get("/json/property/getFloating?path=/test/f", token=token)
    assert reply.json() == {"result": {"value": 21.0}, "ok": True}
    assert type(reply.json()["result"]["value"]) is float


async def test_property_path_is_html_escaped(dss: DssHttp, token: str) -> None:
    await dss.ok("/json/property/setString?path=/test/a%26b&value=v", token)
    children = await dss.ok("/json/property/getChildren?path=/test", token)
    assert {"name": "a&amp;b", "type": "string"} in children
    assert await dss.ok("/json/property/getString?path=/test/a%26b", token) == {"value": "v"}


async def test_set_string_value_is_html_escaped(dss: DssHttp, token: str) -> None:
    await dss.ok("/json/property/setString?path=/test/h&value=%3Cscript%3E", token)
    assert await dss.ok("/json/property/getString?path=/test/h", token) == {
        "value": "&lt;script&gt;"
    }


async def test_remove_deletes_a_node_but_not_the_root(dss: DssHttp, token: str) -> None:
    await dss.ok("/json/property/setString?path=/test/gone&value=x", token)
    await dss.ok("/json/property/remove?path=/test/gone", token)
    assert await dss.fail("/json/property/getString?path=/test/gone", token) == (
        "Could not find node named '/test/gone'"
    )
    assert await dss.fail("/json/property/remove?path=/", token) == "Can't remove root node"


async def test_security_tree_is_readable_by_any_session(dss: DssHttp, token: str) -> None:
    children = await dss.ok("/json/property/getChildren?path=/system/security", token)
    names = {c["name"] for c in children}
    assert {"users", "roles", "applicationTokens"} <= names


# dss-api.md §6 #43
async def test_query_lists_zone_ids_and_names(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    reply = await dss.get("/json/property/query?query=/apartment/zones/*(ZoneID,name)", token=token)
    assert reply.status == 200
    assert reply.text.startswith('{"result":{"zones":[{"ZoneID":')
    zones = reply.json()["result"]["zones"]
    assert {"ZoneID": 0, "name": ""} in zones
    for zone in zones:
        assert list(zone) == ["ZoneID", "name"]
    assert {(z["ZoneID"], z["name"]) for z in zones} == {
        (z["id"], z["name"]) for z in structure.zones
    }


async def test_query_nests_deeper_parts(dss: DssHttp, token: str, structure: Structure) -> None:
    result = await dss.ok(
        "/json/property/query?query=/apartment/zones/*(ZoneID)/groups/*(group,name)", token
    )
    room_id = structure.room["id"]
    room = next(z for z in result["zones"] if z["ZoneID"] == room_id)
    assert list(room) == ["ZoneID", "groups"]
    assert {"group": 0, "name": "broadcast"} in room["groups"]
    assert {"group": 1, "name": "yellow"} in room["groups"]


# dss-api.md §6 #43
async def test_query2_keys_zones_by_node_name(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    reply = await dss.get("/json/property/query2?query=/apartment/zones/*(ZoneID)", token=token)
    assert reply.status == 200
    assert reply.text.startswith('{"result":{"zone')
    result = reply.json()["result"]
    assert result == {f"zone{z['id']}": {"ZoneID": z["id"]} for z in structure.zones}
    assert result["zone0"] == {"ZoneID": 0}


async def test_query2_nests_groups_and_scenes(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    result = await dss.ok(
        "/json/property/query2?query=/apartment/zones/*(*)/groups/*(*)/scenes/*(*)", token
    )
    room = result[f"zone{structure.room['id']}"]
    assert room["ZoneID"] == structure.room["id"]
    assert room["name"] == structure.room["name"]
    assert room["group1"]["group"] == 1
    assert room["group1"]["color"] == 1


# dss-api.md §6 #43
async def test_query_needs_a_query(dss: DssHttp, token: str) -> None:
    assert await dss.fail("/json/property/query", token) == "Need parameter 'query'"
    assert await dss.fail("/json/property/query2", token) == "Need parameter 'query'"


async def test_query_with_a_star_at_the_second_level_yields_one_array_per_child(
    dss: DssHttp, token: str
) -> None:
    result = await dss.ok("/json/property/query?query=/apartment/*/*(ZoneID,name,dSUID)", token)
    assert {"zones", "dSMeters"} <= set(result)
    assert {"ZoneID": 0, "name": ""} in result["zones"]
    assert len(result["dSMeters"]) == 2
