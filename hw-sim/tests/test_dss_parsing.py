"""dss-sim parses requests the way the real dSS does (dss-api.md §9), over real sockets.

Each test names the dSS source function it follows. The effects log says what the simulated dSS
resolved and did, so a request is judged by its meaning on the device.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest
from dss_sim.auth import cookie_token
from dss_sim.config import SimConfig
from dss_sim.effects import Effect, EffectKind
from dss_sim.params import str2dsid, str_to_int, str_to_uint, url_decode_bytes
from dss_sim.sim import Simulator

if TYPE_CHECKING:
    from tests.conftest import DssHttp, Structure

# ---- pure parsers ---------------------------------------------------------------------------


# base.cpp urlDecode: strtol(pair, &end, 16) must consume both characters
@pytest.mark.parametrize(("raw", "decoded"), [
    ("%41", "A"),
    ("%+9", "\t"),  # sign accepted by strtol
    ("% 9", "\t"),  # leading space skipped by strtol
    ("%\t9", "\t"),
    ("%-1", "\xff"),  # -1 as a char
    ("%-f", "\xf1"),
    ("%zz", "%zz"),  # invalid escape: the whole value undecoded
    ("a+b%zz", "a+b%zz"),  # ... '+' included
    ("%0x", "%0x"),
    ("%  ", "%  "),  # no digits: end == start
    ("a+b%4", "a b%4"),  # fewer than two characters after '%': the rest kept, '+' a space
    ("x%41%", "xA%"),
    ("%%41", "%%41"),  # "%4" is not a full hex pair
    ("+%2B+", " + "),
])
def test_url_decode_follows_strtol(raw: str, decoded: str) -> None:
    assert url_decode_bytes(raw) == decoded


# base.cpp strToInt: strtol(s, &end, 0), *end must be NUL; long -> int
@pytest.mark.parametrize(("text", "bits32", "bits64"), [
    ("65", 65, 65),
    (" \t\n\v\f\r65", 65, 65),
    ("+65", 65, 65),
    ("0x41", 65, 65),
    ("0X41", 65, 65),
    ("0101", 65, 65),  # octal
    ("-1", -1, -1),
    ("", None, None),
    (" ", None, None),
    ("-", None, None),
    ("0x", None, None),  # strtol stops after the 0: 'x' left over
    ("65 ", None, None),  # trailing space is not consumed
    ("6 5", None, None),
    ("65\0junk", 65, 65),  # the C string ends at the NUL
    ("\0", 0, 0),
    ("2147483648", 2**31 - 1, -(2**31)),  # ARM saturates; x86-64 wraps
    ("4294967361", 2**31 - 1, 65),
    ("-2147483649", -(2**31), 2**31 - 1),
    ("99999999999999999999", 2**31 - 1, -1),  # LONG_MAX (2**63 - 1) as int
])
def test_str_to_int_models_the_build(text: str, bits32: int | None, bits64: int | None) -> None:
    assert str_to_int(text, 32) == bits32
    assert str_to_int(text, 64) == bits64


def test_str_to_uint_negates_modulo() -> None:
    # base.cpp strToUInt: strtoul accepts a sign and negates in the unsigned type
    assert str_to_uint("-1", 32) == 2**32 - 1
    assert str_to_uint("4294967361", 32) == 2**32 - 1
    assert str_to_uint("4294967361", 64) == 65


# ds485types.cpp str2dsid: only the length is checked; pairs via strtol(pair, NULL, 16)
@pytest.mark.parametrize(("text", "dsid"), [
    ("3504175fe0000000000012ab", "3504175fe0000000000012ab"),
    ("3504175FE0000000000012AB", "3504175fe0000000000012ab"),
    ("zz04175fe0000000000012ab", "0004175fe0000000000012ab"),
    ("  04175fe0000000000012ab", "0004175fe0000000000012ab"),
    ("-104175fe0000000000012ab", "ff04175fe0000000000012ab"),
    (" 504175fe0000000000012ab", "0504175fe0000000000012ab"),
    ("5z04175fe0000000000012ab", "0504175fe0000000000012ab"),  # no end check
    ("3504175fe0000000000012a", None),
])
def test_str2dsid(text: str, dsid: str | None) -> None:
    assert str2dsid(text) == dsid


# ---- over the socket ------------------------------------------------------------------------


def _actions(sim: Simulator, mark: int) -> list[Effect]:
    return [e for e in sim.effects.since(mark) if e.kind is EffectKind.ACTION]


# base.cpp urlDecode + strToIntDef: "%+965" is TAB + "65", and strtol skips the TAB
async def test_escaped_scene_number_is_the_scene_the_dss_calls(
    dss: DssHttp, token: str, sim: Simulator, structure: Structure
) -> None:
    zone_id = structure.room["id"]
    mark = sim.effects.mark()
    await dss.ok(f"/json/zone/callScene?id=%+9{zone_id}&groupID=1&sceneNumber=%+965", token)
    assert [(e.call, e.zone, e.group, e.scene) for e in _actions(sim, mark)] == [
        ("zone/callScene", zone_id, 1, 65)]


# base.cpp strToIntDef on the ARM build: 4294967361 saturates, out of bounds
async def test_32_bit_long_saturates(dss: DssHttp, token: str, structure: Structure) -> None:
    zone_id = structure.room["id"]
    assert await dss.fail(
        f"/json/zone/callScene?id={zone_id}&groupID=1&sceneNumber=4294967361", token
    ) == "Parameter 'sceneNumber' out of bounds ('4294967361')"


# base.cpp strToIntDef on a 64-bit build: long 4294967361 converted to int is 65
@pytest.mark.parametrize("sim_config", [SimConfig(int_width=64)])
async def test_64_bit_long_wraps_to_a_scene(dss: DssHttp, token: str, sim: Simulator) -> None:
    mark = sim.effects.mark()
    await dss.ok("/json/apartment/callScene?groupID=1&sceneNumber=4294967361", token)
    assert [(e.zone, e.group, e.scene) for e in _actions(sim, mark)] == [(0, 1, 65)]


# zonerequesthandler.cpp: strToIntDef(id, -1), so "-1" is "Could not parse"
async def test_zone_id_minus_one_is_unparsable(dss: DssHttp, token: str) -> None:
    assert await dss.fail("/json/zone/getName?id=-1", token) == "Could not parse id '-1'"
    assert await dss.fail("/json/zone/getName?id=0&groupID=-1", token) == (
        "Could not parse group id '-1'")


# devicerequesthandler.cpp getDeviceByDSID -> ds485types.cpp str2dsid
async def test_device_found_by_a_dsid_with_junk_pairs(
    dss: DssHttp, token: str, sim: Simulator, structure: Structure
) -> None:
    light = structure.light
    dsid: str = light["id"]
    spelled = "-1" + dsid[2:] if dsid.startswith("ff") else None
    assert await dss.ok(f"/json/device/getName?dsid={dsid.upper()}", token) == {
        "name": light["name"]}
    if spelled is not None:
        assert await dss.ok(f"/json/device/getName?dsid={spelled}", token) == {
            "name": light["name"]}
    # two spaces are 0x00: another device (or none), never an error about the format
    message = await dss.fail("/json/device/getName?dsid=%20%20" + dsid[2:], token)
    assert message.startswith("Could not find device with dsuid '00")
    assert await dss.fail("/json/device/getName?dsid=abc", token) == (
        "can not convert from string, invalid dSID")


# webserver.cpp extractRequest: only a POST body is read
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
async def test_bodies_of_other_methods_are_ignored(dss: DssHttp, token: str, method: str) -> None:
    reply = await dss.request(method, f"/json/apartment/getName?token={token}", body="x=1")
    assert reply.status == 200
    assert reply.json()["ok"] is True


async def test_post_body_replaces_the_query_and_an_empty_one_falls_back(
    dss: DssHttp, token: str
) -> None:
    assert (await dss.post(f"/json/apartment/getName?token={token}", "x=1")).status == 403
    assert (await dss.post(f"/json/apartment/getName?token={token}", "")).status == 200
    assert (await dss.post("/json/apartment/getName", f"token={token}")).status == 200


# webserver.cpp extractToken: "; token=" searched in "; " + Cookie
@pytest.mark.parametrize(("cookie", "param_used"), [
    ("token=T", False),
    ("a=1; token=T", False),
    ("a=1;token=T", True),  # no space: not found, the parameter is used
    ("token=", True),  # empty value: the parameter is used
    ("xtoken=1; token=T", False),
])
async def test_cookie_token_extraction(
    dss: DssHttp, token: str, cookie: str, param_used: bool
) -> None:
    cookie = cookie.replace("=T", f"={token}")
    # the parameter names a stale token: it wins only when the cookie was not found
    reply = await dss.get("/json/apartment/getName?token=stale", cookie=cookie)
    assert reply.status == (403 if param_used else 200)
    if param_used and "=" + token in cookie:
        reply = await dss.get(f"/json/apartment/getName?token={token}", cookie=cookie)
        assert reply.status == 200


def test_cookie_token_needs_the_exact_separator() -> None:
    # webserver.cpp extractToken on the header value (HTTP strips a leading space before it
    # gets there, so " token=X" only matters after another cookie: "a=1;  token=X")
    assert cookie_token(" token=X") is None
    assert cookie_token("a=1;  token=X") is None
    assert cookie_token("a=1; token=X ; b=2") == "X "
    assert cookie_token("token=; token=Y") is None


# webserver.cpp jsonHandler: callback.empty() is not JSONP; 403/500 are never wrapped
async def test_jsonp_only_for_a_non_empty_callback_on_200(dss: DssHttp, token: str) -> None:
    assert (await dss.get("/json/apartment/getName?callback=", token=token)).text.startswith(
        '{"result"')
    assert (await dss.get("/json/apartment/getName?callback=cb", token=token)).text.startswith(
        'cb({"result"')
    denied = await dss.get("/json/apartment/getName?callback=cb")
    assert denied.status == 403
    assert denied.text.startswith('{"ok":false')
    unknown = await dss.get("/json/apartment/nope?callback=cb", token=token)
    assert unknown.status == 500
    assert unknown.text.startswith('{"ok":false')


# deviceinterfacerequesthandler.cpp callScene: force == "true" exactly
@pytest.mark.parametrize(("force", "forced"), [
    ("true", True), ("1", False), ("TRUE", False), ("yes", False), ("", False)])
async def test_force_only_when_exactly_true(
    dss: DssHttp, token: str, sim: Simulator, force: str, forced: bool
) -> None:
    mark = sim.effects.mark()
    await dss.ok(f"/json/apartment/callScene?groupID=1&sceneNumber=5&force={force}", token)
    assert [e.detail == "forced" for e in _actions(sim, mark)] == [forced]
    assert ("forced" in sim.event_history[-1].properties) is forced


# deviceinterfacerequesthandler.cpp callScene/callSceneMin/saveScene: bounds and messages
@pytest.mark.parametrize("verb", ["callScene", "callSceneMin", "saveScene"])
async def test_scene_number_messages(dss: DssHttp, token: str, verb: str,
                                     structure: Structure) -> None:
    light = structure.light["dSUID"]
    for target in ("apartment/{v}?groupID=1", "zone/{v}?id=0&groupID=1",
                   f"device/{{v}}?dsuid={light}"):
        url = "/json/" + target.format(v=verb)
        assert await dss.fail(url + "&sceneNumber=abc", token) == "Invalid sceneNumber: 'abc'"
        assert await dss.fail(url, token) == "Invalid sceneNumber: ''"
        assert await dss.fail(url + "&sceneNumber=-1", token) == "Invalid sceneNumber: '-1'"
        assert await dss.fail(url + "&sceneNumber=128", token) == (
            "Parameter 'sceneNumber' out of bounds ('128')")
        assert await dss.fail(url + "&sceneNumber=-2", token) == (
            "Parameter 'sceneNumber' out of bounds ('-2')")
        await dss.ok(url + "&sceneNumber=0x7f", token)


# deviceinterfacerequesthandler.cpp undoScene: strToIntDef(-1) -> undoSceneLast; no bounds
async def test_undo_scene_with_junk_undoes_the_last_scene(
    dss: DssHttp, token: str, sim: Simulator
) -> None:
    mark = sim.effects.mark()
    await dss.ok("/json/apartment/undoScene?groupID=1&sceneNumber=junk", token)
    await dss.ok("/json/apartment/undoScene?groupID=1&sceneNumber=300", token)
    assert [(e.scene, e.detail) for e in _actions(sim, mark)] == [(None, "last"), (300, "")]


# deviceinterfacerequesthandler.cpp getCategory: hasParameter -> an empty category is not manual
async def test_empty_category_is_not_manual(dss: DssHttp, token: str, sim: Simulator) -> None:
    await dss.ok("/json/property/setString?path=/usr/states/wind/state&value=active", token)
    if sim.state("wind") != "active":
        pytest.skip("the fixture has no wind state")
    await dss.ok("/json/apartment/callScene?groupID=2&sceneNumber=5", token)
    assert await dss.fail("/json/apartment/callScene?groupID=2&sceneNumber=5&category=",
                          token, status=500) == "Execution blocked: wind is active"


# eventrequesthandler.cpp get: timeout -1 at once; other negatives busy-loop until an event
async def test_negative_timeout_busy_polls_until_an_event(
    dss: DssHttp, token: str, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    await dss.subscribe(token, "my.evt")
    assert await dss.ok("/json/event/get?subscriptionID=42&timeout=-1", token) == {"events": []}
    busy = asyncio.Event()
    record = sim.record

    def observe(effect: Effect) -> None:
        record(effect)
        if effect.kind is EffectKind.BUSY_POLL:
            busy.set()

    monkeypatch.setattr(sim, "record", observe)
    poll = asyncio.create_task(dss.ok("/json/event/get?subscriptionID=42&timeout=-2", token))
    await asyncio.wait_for(busy.wait(), 5)
    assert not poll.done()
    await dss.ok("/json/event/raise?name=my.evt", token)
    result = await asyncio.wait_for(poll, 5)
    assert [e["name"] for e in result["events"]] == ["my.evt"]
    assert await dss.fail("/json/event/get?subscriptionID=42&timeout=5%20", token) == (
        "Could not parse timeout parameter!")


# eventrequesthandler.cpp raise + base.cpp splitString: "\;" is a literal ';'
async def test_raise_splits_parameters_like_split_string(
    dss: DssHttp, token: str, sim: Simulator
) -> None:
    await dss.subscribe(token, "my.evt")
    mark = sim.effects.mark()
    await dss.ok("/json/event/raise?name=my.evt&parameter=a=1%5C;2;b=x=y", token)
    event = await dss.wait_event(token, "my.evt")
    assert event["properties"] == {"a": "1;2", "b": "x=y"}
    assert event["source"]["isApartment"] is True
    assert [(e.kind, e.detail) for e in sim.effects.since(mark)] == [(EffectKind.RAISE, "my.evt")]
    assert await dss.fail("/json/event/raise?name=my.evt&parameter=a=1;", token) == (
        "Invalid parameter found: ")


# zone/device/apartment/circuit setName: hasParameter("newName"), so empty is accepted
async def test_set_name_accepts_an_empty_name(
    dss: DssHttp, token: str, sim: Simulator, structure: Structure
) -> None:
    zone_id = structure.room["id"]
    light = structure.light["dSUID"]
    meter = (await dss.ok("/json/apartment/getCircuits", token))["circuits"][0]["dSUID"]
    mark = sim.effects.mark()
    for url in (f"/json/zone/setName?id={zone_id}&newName=", f"/json/device/setName?dsuid="
                f"{light}&newName=", "/json/apartment/setName?newName=",
                f"/json/circuit/setName?dsuid={meter}&newName="):
        await dss.ok(url, token)
        assert await dss.fail(url.replace("&newName=", "").replace("?newName=", ""),
                              token) == "missing parameter 'newName'"
    assert [e.call for e in sim.effects.since(mark)] == [
        "zone/setName", "device/setName", "apartment/setName", "circuit/setName"]
    assert sim.zone(zone_id).name == ""


# devicerequesthandler.cpp setSceneValue / setBinaryInputTarget: what they program
async def test_device_setters_record_what_they_program(
    dss: DssHttp, token: str, sim: Simulator, structure: Structure
) -> None:
    light = structure.light["dSUID"]
    mark = sim.effects.mark()
    await dss.ok(f"/json/device/setSceneValue?dsuid={light}&sceneID=0x41&value=200", token)
    await dss.ok(f"/json/device/setBinaryInputTarget?dsuid={light}&index=0&groupId=%2B8", token)
    assert await dss.fail(f"/json/device/setSceneValue?dsuid={light}&sceneID=128&value=1",
                          token) == "Invalid or missing parameter 'sceneID'"
    assert await dss.fail(f"/json/device/setBinaryInputTarget?dsuid={light}&index=0&groupId=250",
                          token) == "Invalid or missing parameter 'groupId'"
    assert [(e.kind, e.device, e.scene, e.group) for e in sim.effects.since(mark)] == [
        (EffectKind.CONFIG, light, 65, None), (EffectKind.CONFIG, light, None, 8)]


# webserver.cpp httpBrowseProperties: unescaped, 200 with an empty list for a missing node
async def test_browse_is_unescaped_and_missing_nodes_are_empty(
    dss: DssHttp, token: str
) -> None:
    reply = await dss.get("/browse/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert reply.status == 200
    assert "<h1>/<script>alert(1)</script></h1>" in reply.text
    await dss.ok("/json/property/setInteger?path=/test/n&value=7", token)
    assert "<li>n : integer : 7</ul>" in (await dss.get("/browse/test")).text
    missing = await dss.get("/browse/no/such/node")
    assert missing.status == 200
    assert "<h1>/no/such/node</h1><ul></ul>" in missing.text


# structurerequesthandler.cpp zoneAddDevice/addZone/removeZone: parameters and what they change
async def test_structure_calls_parse_like_the_dss(
    dss: DssHttp, token: str, sim: Simulator, structure: Structure
) -> None:
    light = structure.light
    mark = sim.effects.mark()
    await dss.ok("/json/structure/addZone?zoneID=0x7d0", token)  # 2000
    await dss.ok("/json/structure/addZone?zoneID=2000", token)  # allocateZone keeps it
    assert await dss.fail("/json/structure/addZone?zoneID=-1", token) == (
        "No or invalid zone id specified")
    assert await dss.fail("/json/structure/zoneAddDevice?zone=0&dsuid=" + light["dSUID"],
                          token) == "Could not move device: invalid zone id given!"
    assert await dss.fail("/json/structure/zoneAddDevice?zone=x&dsuid=" + light["dSUID"],
                          token, status=500) == "strToInt: Could not parse value: 'x'"
    moved = await dss.ok(f"/json/structure/zoneAddDevice?zone=%2B2000&deviceID={light['id']}",
                         token)
    assert [d["dSUID"] for d in moved["movedDevices"]] == [light["dSUID"]]
    assert await dss.fail("/json/structure/removeZone?zoneID=2000", token) == (
        "Cannot delete a non-empty zone")
    assert [(e.call, e.zone, e.device) for e in sim.effects.since(mark)] == [
        ("structure/addZone", 2000, None), ("structure/addZone", 2000, None),
        ("structure/zoneAddDevice", 2000, light["dSUID"])]


# deviceinterfacerequesthandler.cpp pushSensorValue: the source id is parsed first
async def test_push_sensor_value_parses_the_source_id(dss: DssHttp, token: str) -> None:
    url = "/json/apartment/pushSensorValue?groupID=1&sensorType=9&sensorValue=20"
    await dss.ok(url + "&sourceDSID=zz" + "0" * 22, token)
    assert await dss.fail(url + "&sourceDSID=abc", token, status=500) == (
        "can not convert from string, invalid dSID")


# devicerequesthandler.cpp setConfig: value is checked before class and index
async def test_set_config_checks_value_first(
    dss: DssHttp, token: str, sim: Simulator, structure: Structure
) -> None:
    url = f"/json/device/setConfig?dsuid={structure.light['dSUID']}"
    assert await dss.fail(url + "&class=999&index=999&value=999", token) == (
        "Invalid or missing parameter 'value'")
    mark = sim.effects.mark()
    await dss.ok(url + "&class=%2B3&index=0x1&value=0101", token)
    assert [(e.kind, e.detail) for e in sim.effects.since(mark)] == [
        (EffectKind.CONFIG, "class=3 index=1")]


METER_EG = "3504175fe000000000000000000043a700"  # dSM Erdgeschoss: Wohnen, Küche, ...


# zone.cpp Zone::addToDSMeter: `zones/<id>` below a dSM is an alias of /apartment/zones/zone<id>
# (propertysystem.cpp PropertyNode::alias: look-ups, children, values and queries go on in the
# target); what is read through it is the zone node, so effects name the zone's own path.
async def test_a_meter_zone_entry_reads_as_the_zone_node(
    dss: DssHttp, token: str, sim: Simulator
) -> None:
    base = f"/apartment/dSMeters/{METER_EG}/zones"
    entries = await dss.ok(f"/json/property/getChildren?path={base}", token)
    assert {"name": "989", "type": "none"} in entries
    mark = sim.effects.mark()
    assert await dss.ok(f"/json/property/getString?path={base}/989/name", token) == {
        "value": "Wohnen"
    }
    found = await dss.ok(f"/json/property/query?query={base}/*(name)", token)
    assert {"name": "Wohnen"} in found["zones"]
    assert {"name": "Küche"} in found["zones"]
    reads = {e.path for e in sim.effects.since(mark) if e.kind is EffectKind.READ}
    assert "/apartment/zones/zone989/name" in reads
    assert not [p for p in reads if p.startswith("/apartment/dSMeters")]
    deep = await dss.ok(f"/json/property/query?query={base}/989/groups/*(name)", token)
    assert deep == await dss.ok(
        "/json/property/query?query=/apartment/zones/zone989/groups/*(name)", token
    )


# staterequesthandler.cpp set -> apartment.cpp Apartment::getState(identifier, name): an
# add-on state nobody registered is DS_FAIL_REQUIRE("State not found", name): 500, nothing set;
# a registered one (the fixture's tado/heating) is set.
async def test_state_set_of_an_add_on_state_needs_a_registered_state(
    dss: DssHttp, token: str, sim: Simulator
) -> None:
    reply = await dss.get("/json/state/set?addon=tado&name=nope&value=active", token=token)
    assert reply.status == 500
    assert reply.json()["message"] == "State not found name:nope apartment.cpp:570 "
    mark = sim.effects.mark()
    await dss.ok("/json/state/set?addon=tado&name=heating&value=active", token)
    configs = [e for e in sim.effects.since(mark) if e.kind is EffectKind.CONFIG]
    assert [e.path for e in configs] == ["/usr/addon-states/tado/heating/state"]
