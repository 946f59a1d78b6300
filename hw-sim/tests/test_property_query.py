"""property/query and query2 parsed and run like propertyquery.cpp (dss-api.md §9 #7)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dss_sim.effects import EffectKind
from dss_sim.properties import PropNode
from dss_sim.propquery import parse_query, query
from dss_sim.sim import Simulator

if TYPE_CHECKING:
    from tests.conftest import DssHttp, Structure

RC = "/scripts/system-addon-remote-connectivity"


def _reads(sim: Simulator, mark: int) -> list[str]:
    return [e.path for e in sim.effects.since(mark) if e.kind == EffectKind.READ]


# propertyquery.cpp parseParts / evalPropertyList / splitKeyValue
def test_parts_keys_and_property_lists_parse_like_the_dss() -> None:
    parts = parse_query("/a/b( x , y=1 ),c/d\\/e(*)")
    assert [(p.name, p.props, p.child) for p in parts] == [
        ("a", (), True),
        ("b", ("x", "y"), True),
        ("c", (), False),
        ("d/e", ("*",), True),
    ]
    assert [p.name for p in parse_query("nolead/x")] == ["x"]  # the first part is dropped


# propertyquery.cpp runFor (2017) walks every key as a level; newer firmware: same level
def test_key_lists_are_siblings_and_the_2017_walk_nests_them() -> None:
    root = PropNode("")
    root.set("/a/b/x", 1)
    root.set("/a/c/y", 2)
    assert query(root, "/a/b(x),c(y)") == {"b": [{"x": 1}], "c": [{"y": 2}]}
    assert query(root, "/a/b(x),c(y)", key_lists=False) == {"b": [{"x": 1, "c": []}]}


# propertyquery.cpp run: the query must begin with the root node's name "/"
async def test_a_query_not_starting_with_a_slash_answers_nothing(dss: DssHttp, token: str) -> None:
    reply = await dss.get("/json/property/query?query=apartment/zones/*(ZoneID)", token=token)
    assert reply.text == '{"result":{},"ok":true}'


# propertyquery.cpp evalPropertyList: a missing ')' throws std::runtime_error
async def test_a_missing_parenthesis_is_a_500(dss: DssHttp, token: str) -> None:
    message = await dss.fail("/json/property/query?query=/apartment/zones/*(ZoneID", token,
                             status=500)
    assert message == "illegal query: missing ')'"


# propertyquery.cpp splitKeyValue: data.at(0) on an empty property name
async def test_an_empty_property_name_is_a_500(dss: DssHttp, token: str) -> None:
    for query_text in ("/apartment/zones/*(ZoneID,)", "/apartment/zones/*(a,,b)",
                       "/apartment/zones/*(%20)"):
        message = await dss.fail(f"/json/property/query2?query={query_text}", token, status=500)
        assert message.startswith("vector::_M_range_check"), query_text


# newer firmware: one part lists several keys, each answered at the same level
async def test_a_key_list_names_more_than_its_first_key(
    dss: DssHttp, token: str, sim: Simulator
) -> None:
    mark = sim.effects.mark()
    result = await dss.ok(
        "/json/property/query?query=/scripts/system-addon-timed-events(version),"
        "system-addon-remote-connectivity(token)", token)
    assert result["system-addon-timed-events"] == [{"version": "1.2.1"}]
    assert result["system-addon-remote-connectivity"][0]["token"].startswith("sim-rc-token-")
    assert _reads(sim, mark) == ["/scripts/system-addon-timed-events/version", f"{RC}/token"]


# propertyquery.cpp: part names compare literally; property names use getPropertyByName
async def test_index_suffixes_work_in_property_lists_only(
    dss: DssHttp, token: str, sim: Simulator
) -> None:
    result = await dss.ok("/json/property/query?query=/scripts/"
                          "system-addon-remote-connectivity[0](token)", token)
    assert result == {"system-addon-remote-connectivity[0]": []}
    mark = sim.effects.mark()
    result = await dss.ok("/json/property/query?query=/scripts/"
                          "system-addon-remote-connectivity(token[last],dSToken[0])", token)
    assert list(result["system-addon-remote-connectivity"][0]) == ["token", "dSToken"]
    assert _reads(sim, mark) == [f"{RC}/token", f"{RC}/dSToken"]


# propertyquery.cpp runFor: an object for every matching child, value nodes too
async def test_value_nodes_matching_a_part_give_empty_objects(dss: DssHttp, token: str) -> None:
    result = await dss.ok("/json/property/query?query=/system/version/*(x)", token)
    assert result == {"version": [{}, {}]}


# propertyquery.cpp addProperty: unsigned integers are written with getAsString
async def test_unsigned_integers_are_emitted_as_strings(dss: DssHttp, token: str) -> None:
    await dss.ok("/json/property/setString?path=/test/n/u&value=s", token)
    await dss.ok("/json/property/setInteger?path=/test/n/u&value=7", token)
    assert await dss.ok("/json/property/query?query=/test/n(u)", token) == {"n": [{"u": "7"}]}


# propertyquery.cpp runFor2 with JSONWriter: same-named containers repeat their key
async def test_query2_repeats_keys_of_same_named_containers(dss: DssHttp, token: str) -> None:
    await dss.ok("/json/property/setString?path=/test/dup/x&value=a", token)
    await dss.ok("/json/property/setString?path=/test/dup%2B/x&value=b", token)
    reply = await dss.get("/json/property/query2?query=/test/*(*)", token=token)
    assert reply.text == '{"result":{"dup":{"x":"a"},"dup":{"x":"b"}},"ok":true}'
    reply = await dss.get("/json/property/query?query=/test/dup(x)", token=token)
    assert reply.text == '{"result":{"dup":[{"x":"a"},{"x":"b"}]},"ok":true}'


# Every emitted value is one read effect, with its canonical path
async def test_query_records_one_read_per_emitted_node(
    dss: DssHttp, token: str, sim: Simulator, structure: Structure
) -> None:
    mark = sim.effects.mark()
    result = await dss.ok("/json/property/query2?query=/apartment/zones/*(ZoneID)", token)
    assert sorted(_reads(sim, mark)) == sorted(
        f"/apartment/zones/zone{z['id']}/ZoneID" for z in structure.zones)
    assert len(result) == len(structure.zones)
