"""Property paths resolved like the real dSS (dss-api.md §9 #4, #5, #6, #17), over a socket."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
import pytest
from dss_sim.effects import Effect, EffectKind
from dss_sim.properties import split_index
from dss_sim.sim import Simulator

if TYPE_CHECKING:
    from tests.conftest import DssHttp, Structure

RC = "/scripts/system-addon-remote-connectivity"
RC_TOKEN = "sim-rc-token-5d1e0c7a9b3f42e6a8c1d0f97e6b5a43"


def _property_effects(sim: Simulator, mark: int) -> list[tuple[EffectKind, str]]:
    return [(e.kind, e.path) for e in sim.effects.since(mark) if e.call.startswith("property/")]


# propertysystem.cpp getAndRemoveIndexFromPropertyName (atoi, trim, erase(pos, end))
@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("name", ("name", 0)),
        ("name[0]", ("name", 0)),
        ("name[2]", ("name", 2)),
        ("name[last]", ("name", -1)),
        ("name[ last\t]", ("name", -1)),
        ("name[-1]", ("name", -1)),  # atoi("-1") is the `last` marker too
        ("name[", ("name", 0)),
        ("name[junk", ("name", 0)),
        ("name[3junk", ("name", 3)),
        ("name[ +4]", ("name", 4)),
        ("ab[0]xyz", ("abyz", 0)),  # erase(pos, end) eats `end` characters
        ("[0]abc", ("]abc", 0)),
        ("a]b[1", ("a]b1", 1)),
        ("n[99999999999]", ("n", 2**31 - 1)),
    ],
)
def test_index_suffixes_parse_like_the_dss(segment: str, expected: tuple[str, int]) -> None:
    assert split_index(segment) == expected


# propertysystem.cpp getPropertyByName: an index suffix on any segment
@pytest.mark.parametrize("suffix", ["[0]", "[last]", "[", "[junk", "[%20last%20]", "[-1]", "[0"])
async def test_index_suffix_aliases_the_remote_connectivity_subtree(
    dss: DssHttp, token: str, sim: Simulator, suffix: str
) -> None:
    mark = sim.effects.mark()
    path = f"/scripts/system-addon-remote-connectivity{suffix}/token"
    assert await dss.ok(f"/json/property/getString?path={path}", token) == {"value": RC_TOKEN}
    assert _property_effects(sim, mark) == [(EffectKind.READ, f"{RC}/token")]


# propertysystem.cpp getPropertyByName: index 1 of a name that exists once
async def test_a_higher_index_than_exists_finds_nothing(dss: DssHttp, token: str) -> None:
    message = await dss.fail(f"/json/property/getString?path={RC}[1]/token", token)
    assert message == f"Could not find node named '{RC}[1]/token'"


# propertysystem.cpp getPropertyByName on /apartment/zones[0]
async def test_zones_index_zero_is_the_zones_node(
    dss: DssHttp, token: str, structure: Structure
) -> None:
    room = structure.room
    path = f"/apartment/zones[0]/zone{room['id']}[last]/name"
    assert await dss.ok(f"/json/property/getString?path={path}", token) == {"value": room["name"]}


# propertysystem.cpp createProperty ("+" suffix, index ignored) and addChild (index numbering),
# getDisplayName in getChildren
async def test_same_named_children_are_created_indexed_and_listed(
    dss: DssHttp, token: str, sim: Simulator
) -> None:
    await dss.ok("/json/property/setString?path=/test/dup/x&value=a", token)
    mark = sim.effects.mark()
    await dss.ok("/json/property/setString?path=/test/dup%2B/x&value=b", token)
    assert _property_effects(sim, mark) == [
        (EffectKind.WRITE, "/test/dup[1]"),
        (EffectKind.WRITE, "/test/dup[1]/x"),
        (EffectKind.WRITE, "/test/dup[1]/x"),
    ]
    # An index in a missing segment does not choose the index: dup[7] becomes dup[2].
    await dss.ok("/json/property/setString?path=/test/dup[7]/y&value=c", token)
    children = await dss.ok("/json/property/getChildren?path=/test", token)
    assert children == [
        {"name": "dup[0]", "type": "none"},
        {"name": "dup[1]", "type": "none"},
        {"name": "dup[2]", "type": "none"},
    ]
    get = "/json/property/getString?path="
    assert await dss.ok(f"{get}/test/dup/x", token) == {"value": "a"}
    assert await dss.ok(f"{get}/test/dup[1]/x", token) == {"value": "b"}
    assert await dss.ok(f"{get}/test/dup[last]/y", token) == {"value": "c"}
    assert await dss.ok(f"{get}/test/dup[2]/y", token) == {"value": "c"}
    # removeChild does not renumber: after removing dup[0], `dup` alone finds nothing.
    await dss.ok("/json/property/remove?path=/test/dup", token)
    assert await dss.fail(f"{get}/test/dup/x", token) == "Could not find node named '/test/dup/x'"
    assert await dss.ok(f"{get}/test/dup[1]/x", token) == {"value": "b"}
    children = await dss.ok("/json/property/getChildren?path=/test", token)
    assert [c["name"] for c in children] == ["dup[1]", "dup[2]"]


# propertysystem.cpp createProperty resolves existing segments with their index suffix
async def test_a_write_through_an_alias_lands_on_the_real_node(
    dss: DssHttp, token: str, sim: Simulator
) -> None:
    mark = sim.effects.mark()
    await dss.ok(f"/json/property/setString?path={RC}[0]/relay/host&value=evil", token)
    assert _property_effects(sim, mark) == [(EffectKind.WRITE, f"{RC}/relay/host")]
    assert await dss.ok(f"/json/property/getString?path={RC}/relay/host", token) == {
        "value": "evil"
    }


# PropertySystem::getProperty: no leading '/' finds nothing (every method that checks NULL)
@pytest.mark.parametrize(
    "call",
    [
        "getString", "getInteger", "getBoolean", "getFloating", "getChildren", "getType",
        "getFlags", "remove", "setFlag?flag=ARCHIVE&value=true",
    ],
)
async def test_a_relative_path_is_not_found(dss: DssHttp, token: str, call: str) -> None:
    method, _, extra = call.partition("?")
    raw = f"/json/property/{method}?path=system/version/version" + (f"&{extra}" if extra else "")
    assert await dss.fail(raw, token) == "Could not find node named 'system/version/version'"


# propertyrequesthandler.cpp set*: createProperty returns NULL and the handler dereferences it
@pytest.mark.parametrize(
    "call",
    [
        "setString?value=x",
        "setInteger?value=5",
        "setBoolean?value=true",
        "setFloating?value=1.5",
    ],
)
async def test_a_relative_path_in_a_set_crashes_the_dss(
    dss: DssHttp, token: str, sim: Simulator, call: str
) -> None:
    method, _, extra = call.partition("?")
    try:
        reply = await dss.get(f"/json/property/{method}?path=test/x&{extra}", token=token)
    except aiohttp.ClientError:
        pass  # the connection dropped without an answer
    else:  # aiohttp retried the GET on a fresh connection: the restarted dSS knows no session
        assert reply.status == 403
    assert sim.crashes == 1
    crash = sim.effects.items[-1]
    assert crash.kind == EffectKind.CRASH
    assert crash.call == f"property/{method}"
    assert (await dss.get("/json/apartment/getName", token=token)).status == 403  # restarted
    fresh = await dss.login()
    assert await dss.fail("/json/property/getType?path=/test/x", fresh) == (
        "Could not find node named '/test/x'"
    )


# propertyrequesthandler.cpp: values are checked before the NULL node is used
async def test_a_relative_set_with_a_bad_value_fails_without_crashing(
    dss: DssHttp, token: str, sim: Simulator
) -> None:
    assert await dss.fail("/json/property/setInteger?path=x&value=abc", token) == (
        "Could not convert parameter 'value' to integer. Got: 'abc'"
    )
    assert await dss.fail("/json/property/setBoolean?path=x&value=1", token) == (
        "Expected 'true' or 'false' for parameter 'value' but got: '1'"
    )
    assert await dss.fail("/json/property/setFloating?path=x&value=abc", token) == (
        "Could not convert parameter 'value' to std::string. Got: 'abc'"
    )
    assert sim.crashes == 0


# propertyrequesthandler.cpp setInteger: the node is created before the value is parsed
async def test_set_integer_creates_the_node_even_when_the_value_is_bad(
    dss: DssHttp, token: str, sim: Simulator
) -> None:
    mark = sim.effects.mark()
    await dss.fail("/json/property/setInteger?path=/test/n&value=x", token)
    assert _property_effects(sim, mark) == [
        (EffectKind.WRITE, "/test"),
        (EffectKind.WRITE, "/test/n"),
    ]
    assert await dss.ok("/json/property/getType?path=/test/n", token) == {"type": "none"}


# propertysystem.cpp PropertyNode::getProperty and base.cpp carCdrPath: empty segments
@pytest.mark.parametrize(
    ("path", "found"),
    [
        ("/system/version/", "/system/version"),  # one trailing '/' is the node itself
        ("/system/version//", "/system/version"),  # a rest of "/" too
        ("/system/version///", None),  # then a child named "" is looked up
        ("/system//version", None),
        ("//system/version", None),
        ("/", "/"),
        ("//", "/"),
    ],
)
async def test_empty_segments_are_not_collapsed(
    dss: DssHttp, token: str, sim: Simulator, path: str, found: str | None
) -> None:
    mark = sim.effects.mark()
    reply = await dss.get(f"/json/property/getType?path={path}", token=token)
    if found is None:
        assert reply.json()["message"] == f"Could not find node named '{path}'"
        assert _property_effects(sim, mark) == []
    else:
        assert reply.json() == {"result": {"type": "none"}, "ok": True}
        assert _property_effects(sim, mark) == [(EffectKind.READ, found)]


# propertysystem.cpp createProperty: DS_REQUIRE(!nextOne.empty()) is a std::runtime_error
async def test_creating_an_empty_segment_fails_with_500_after_creating_the_parents(
    dss: DssHttp, token: str, sim: Simulator
) -> None:
    mark = sim.effects.mark()
    message = await dss.fail("/json/property/setString?path=/made//x&value=v", token, status=500)
    assert message == (
        "Cannot create property with empty name. /x condition:!nextOne.empty() "
        "propertysystem.cpp:858 "
    )
    assert _property_effects(sim, mark) == [(EffectKind.WRITE, "/made")]
    assert await dss.ok("/json/property/getType?path=/made", token) == {"type": "none"}
    message = await dss.fail("/json/property/setString?path=/made/%2B&value=v", token, status=500)
    assert message.startswith("Cannot create property with empty name. + ")
    # "[0]" loses "[0" (erase(pos, end)) and creates a node named "]".
    await dss.ok("/json/property/setString?path=/made/[0]&value=v", token)
    assert await dss.ok("/json/property/getChildren?path=/made", token) == [
        {"name": "]", "type": "string"}
    ]


# propertysystem.cpp set*Value: a plain node takes any type; setInteger on a non-integer node
# stores an unsigned integer (getType shows it, getChildren calls it integer)
async def test_plain_nodes_change_type_and_proxies_refuse(dss: DssHttp, token: str) -> None:
    await dss.ok("/json/property/setString?path=/test/v&value=s", token)
    await dss.ok("/json/property/setInteger?path=/test/v&value=-1", token)
    assert await dss.ok("/json/property/getType?path=/test/v", token) == {
        "type": "unsignedinteger"
    }
    assert await dss.ok("/json/property/getChildren?path=/test", token) == [
        {"name": "v", "type": "integer"}
    ]
    assert await dss.ok("/json/property/getInteger?path=/test/v", token) == {"value": 2**32 - 1}
    await dss.ok("/json/property/setBoolean?path=/test/v&value=true", token)
    assert await dss.ok("/json/property/getBoolean?path=/test/v", token) == {"value": True}
    await dss.ok("/json/property/setString?path=/test&value=container", token)  # has children
    assert await dss.ok("/json/property/getString?path=/test", token) == {"value": "container"}
    message = await dss.fail("/json/property/setString?path=/system/uptime&value=x", token)
    assert message == "Error setting property: 'Property-Type mismatch: uptime'"


# propertyrequesthandler.cpp setFloating: strtod, then through an int
@pytest.mark.parametrize(
    ("raw", "stored"),
    [("21.7", 21.0), ("-2.9", -2.0), ("0x10", 16.0), ("1e3", 1000.0), ("%201.5", 1.0),
     ("inf", 2147483647.0), ("nan", 0.0)],
)
async def test_set_floating_parses_like_strtod(
    dss: DssHttp, token: str, raw: str, stored: float
) -> None:
    await dss.ok(f"/json/property/setFloating?path=/test/f&value={raw}", token)
    assert await dss.ok("/json/property/getFloating?path=/test/f", token) == {"value": stored}


# propertyrequesthandler.cpp: every path is escapeHTML'd before the look-up
async def test_quotes_in_a_path_are_escaped_before_the_look_up(dss: DssHttp, token: str) -> None:
    await dss.ok("/json/property/setString?path=/test/it's&value=v", token)
    children = await dss.ok("/json/property/getChildren?path=/test", token)
    assert children == [{"name": "it&#039;s", "type": "string"}]
    assert await dss.ok("/json/property/getString?path=/test/it's", token) == {"value": "v"}
    message = await dss.fail("/json/property/getString?path=/test/it%26%23039;s", token)
    assert message == "Could not find node named '/test/it&amp;#039;s'"  # escaped again


# The effects log names reads and flag writes by canonical path
async def test_flags_children_and_types_are_recorded(
    dss: DssHttp, token: str, sim: Simulator
) -> None:
    mark = sim.effects.mark()
    await dss.ok(f"/json/property/getChildren?path={RC}[last]", token)
    await dss.ok(f"/json/property/getFlags?path={RC}[0]/OSPToken", token)
    await dss.ok(f"/json/property/setFlag?path={RC}[/token&flag=READABLE&value=false", token)
    assert sim.effects.since(mark) == [
        Effect(EffectKind.READ, "property/getChildren", path=RC),
        Effect(EffectKind.READ, "property/getFlags", path=f"{RC}/OSPToken"),
        Effect(EffectKind.WRITE, "property/setFlag", path=f"{RC}/token"),
    ]


# dss-api.md §9 #17: the cloud connector's data is in the default tree (invented values)
async def test_default_tree_holds_the_remote_connectivity_addon(dss: DssHttp, token: str) -> None:
    names = {c["name"] for c in await dss.ok(f"/json/property/getChildren?path={RC}", token)}
    assert {"token", "OSPToken", "dSToken", "cloud", "relay"} <= names
    cloud = await dss.ok(f"/json/property/query?query={RC}/cloud(accessToken,refreshToken)", token)
    assert cloud["cloud"][0]["refreshToken"].startswith("sim-refresh-")
