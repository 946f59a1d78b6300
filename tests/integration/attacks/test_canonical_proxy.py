"""The canonical proxy (docs/canonical-grammar.md): requests outside the grammar never reach the
dSS, and what does reach it is serialised from typed values.

Every test judges the effect at the simulator (its recorded calls, its effects log, its model
state), not what our own parser thinks: a spelling the real dSS reads differently (dss-api.md
§9) must leave no trace there."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import aiohttp
import pytest
from dss_sim.effects import EffectKind
from dss_sim.params import Params

from dss_addon.settings import Settings
from tests.integration.attacks.support import exact, forwarded
from tests.support.share_site import Helper, open_share
from tests.support.stack import Stack, running_stack

KUECHE, WOHNEN = 990, 989
LIGHT_KUECHE = "303505d7f80000000000000061fc6eb300"
REMOTE = "/scripts/system-addon-remote-connectivity"


def _no_apartment_scene_anywhere(stack: Stack) -> None:
    for zone_id in (0, WOHNEN, KUECHE):
        assert all(g.last_called_scene < 64 for g in stack.sim.zone(zone_id).groups.values())
    assert all((e.scene or 0) < 64 for e in stack.sim.effects.items)


async def _refused(helper: Helper, target: str, path: str, **kw: object) -> None:
    mark = len(helper.stack.sim.calls)
    status, text = await exact(helper, "GET", target, **kw)
    assert status == 403, text
    assert forwarded(helper.stack, path, mark) == []


@pytest.mark.parametrize(
    "scene",
    ["%+965", "%0965", "%2065", "65%20", "+65", "%2B65", "0x41", "0X41", "0101",
     "4294967361", "65.0", "6%35"],
)  # fmt: skip
async def test_no_spelling_of_a_panic_scene_reaches_the_dss(
    stack: Stack, http: aiohttp.ClientSession, scene: str
) -> None:
    helper = await open_share(http, stack, level="operate")
    target = f"/json/zone/callScene?id={KUECHE}&groupID=1&sceneNumber={scene}"
    mark = len(stack.sim.calls)
    status, _ = await exact(helper, "GET", target)
    sent = forwarded(stack, "/json/zone/callScene", mark)
    # "6%35" is the canonical 65 once decoded and is refused by the scene rule instead.
    assert status == 403
    assert sent == []
    _no_apartment_scene_anywhere(stack)


@pytest.mark.parametrize("zone", ["%+9989", "%09989", "%2B989", "0x3dd", "01735"])
async def test_no_spelling_of_another_zone_reaches_it(
    stack: Stack, http: aiohttp.ClientSession, zone: str
) -> None:
    helper = await open_share(http, stack, level="operate", zones=[KUECHE])
    await _refused(
        helper, f"/json/zone/callScene?id={zone}&groupID=1&sceneNumber=5", "/json/zone/callScene"
    )
    assert all(g.last_called_scene == 0 for g in stack.sim.zone(WOHNEN).groups.values())


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("setSceneValue", "sceneID=65&value=255"),
        ("setSceneMode", "sceneID=72&dontCare=1"),
        ("setOutputChannelDontCareFlag", "sceneNumber=68&channels=brightness&dontCare=1"),
        ("getSceneValue", "sceneID=76"),
    ],
)
async def test_scene_setters_cannot_program_apartment_scenes(
    stack: Stack, http: aiohttp.ClientSession, method: str, params: str
) -> None:
    helper = await open_share(http, stack, level="configure")
    path = f"/json/device/{method}"
    await _refused(helper, f"{path}?dsuid={LIGHT_KUECHE}&{params}", path)
    _no_apartment_scene_anywhere(stack)


async def test_a_room_scene_value_is_forwarded_as_typed_values(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="configure")
    mark = len(stack.sim.calls)
    target = f"/json/device/setSceneValue?dsuid={LIGHT_KUECHE.upper()}&sceneID=5&value=255"
    status, text = await exact(helper, "GET", target)
    assert status == 200, text
    sent = forwarded(stack, "/json/device/setSceneValue", mark)
    assert sent == [{"dsuid": LIGHT_KUECHE, "sceneID": "5", "value": "255"}]


@pytest.mark.parametrize("group", ["0", "16", "39", "48", "64"])
async def test_a_room_binary_input_cannot_target_an_apartment_wide_group(
    stack: Stack, http: aiohttp.ClientSession, group: str
) -> None:
    helper = await open_share(http, stack, level="configure", zones=[KUECHE])
    path = "/json/device/setBinaryInputTarget"
    await _refused(helper, f"{path}?dsuid={LIGHT_KUECHE}&index=0&groupId={group}", path)


async def test_a_room_binary_input_may_target_a_group_of_its_zone(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="configure", zones=[KUECHE])
    path = "/json/device/setBinaryInputTarget"
    mark = len(stack.sim.calls)
    await exact(helper, "GET", f"{path}?dsuid={LIGHT_KUECHE}&index=0&groupId=1")
    assert forwarded(stack, path, mark) == [{"dsuid": LIGHT_KUECHE, "index": "0", "groupId": "1"}]


@pytest.mark.parametrize(
    "path",
    [
        f"{REMOTE}%5B0%5D/token",
        f"{REMOTE}%5Blast%5D/token",
        f"{REMOTE}%5Bjunk/token",
        f"{REMOTE}[0]/token",
        f"/scripts/{REMOTE[9:]}/",
        f"/scripts//{REMOTE[9:]}/token",
    ],
)
async def test_index_suffixes_never_read_the_blocked_subtree(
    stack: Stack, http: aiohttp.ClientSession, path: str
) -> None:
    helper = await open_share(http, stack, level="configure")
    mark = stack.sim.effects.mark()
    await _refused(helper, f"/json/property/getString?path={path}", "/json/property/getString")
    reads = [e for e in stack.sim.effects.since(mark) if e.kind is EffectKind.READ]
    assert not any(e.path.startswith(REMOTE) for e in reads)


@pytest.mark.parametrize(
    ("method", "key", "value"),
    [
        ("getString", "path", f"/apartment/zones%5B0%5D/zone{WOHNEN}/name"),
        ("getChildren", "path", f"/apartment/zones/zone{WOHNEN}%5B0%5D"),
        ("query", "query", f"/apartment/zones/zone{KUECHE}(name),zone{WOHNEN}(name)"),
        ("query", "query", f"/apartment/zones%5B0%5D/zone{WOHNEN}/*(*)"),
        ("query2", "query", f"/apartment/zones/zone{KUECHE}(*)/../zone{WOHNEN}(*)"),
    ],
)
async def test_property_spellings_never_leave_the_zone(
    stack: Stack, http: aiohttp.ClientSession, method: str, key: str, value: str
) -> None:
    helper = await open_share(http, stack, level="view", zones=[KUECHE])
    mark = stack.sim.effects.mark()
    path = f"/json/property/{method}"
    await _refused(helper, f"{path}?{key}={value}", path)
    reads = stack.sim.effects.since(mark)
    assert not any(f"zone{WOHNEN}" in e.path for e in reads)


async def test_a_relative_property_path_never_reaches_a_set(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    # On the real dSS a relative path in set* dereferences a NULL node: the whole home's
    # controller crashes (dss-api.md §9 #5).
    def open_tado(settings: Settings) -> Settings:
        return dataclasses.replace(settings, script_addons=frozenset({"tado"}))

    async with running_stack(tmp_path, configure=open_tado) as stack:
        helper = await open_share(http, stack, level="configure")
        for target in ("path=scripts/tado/mode&value=away", "path=tado/mode&value=away"):
            await _refused(helper, f"/json/property/setString?{target}", "/json/property/setString")
        assert stack.sim.crashes == 0
        assert not any(e.kind is EffectKind.CRASH for e in stack.sim.effects.items)
        status, _ = await exact(
            helper, "GET", "/json/property/setString?path=/scripts/tado/mode&value=away"
        )
        assert status == 200


async def test_a_body_on_a_get_never_changes_what_the_dss_does(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="operate", zones=[KUECHE])
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    body = f"id={WOHNEN}&groupID=1&sceneNumber=5".encode()
    target = f"/json/zone/callScene?id={KUECHE}&groupID=1&sceneNumber=5"
    await _refused(helper, target, "/json/zone/callScene", data=body, headers=form)
    assert stack.sim.zone(KUECHE).groups[1].last_called_scene == 0
    assert stack.sim.zone(WOHNEN).groups[1].last_called_scene == 0


async def test_values_travel_serialised_from_their_typed_form(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="configure", zones=[KUECHE])
    mark = len(stack.sim.calls)
    target = f"/json/zone/setName?id={KUECHE}&newName=K%C3%BCche+%2B%25+1&_dc=1700000000000"
    status, text = await exact(helper, "GET", target + "&token=abc")
    assert status == 200, text
    call = next(c for c in stack.sim.calls[mark:] if c.path == "/json/zone/setName")
    body = Params(call.body)
    assert body.get("newName") == "Küche +% 1"
    assert call.body.endswith(f"&id={KUECHE}&newName=K%C3%BCche%20%2B%25%201")
    assert body.get("_dc") is None
    assert body.get("token") != "abc"
    assert stack.sim.zone(KUECHE).name == "Küche +% 1"


async def test_a_refusal_is_audited_without_the_value(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="operate")
    secret = "9f2c" * 16
    await _refused(helper, f"/json/zone/getName?id={KUECHE}&{secret}=1", "/json/zone/getName")
    await _refused(helper, f"/json/zone/setName?id=0x{secret}", "/json/zone/setName")
    entries = await stack.runtime.shares.audit_log(helper.created.share.id)
    denied = [e for e in entries if e.allowed is False]
    assert len(denied) == 2
    assert all(e.reason.startswith("non-canonical request: ") for e in denied)
    assert secret[:12] not in repr(entries)


async def test_the_configurator_gets_only_canonical_query_parameters(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="configure")
    mark = len(stack.sim.calls)
    status, _ = await exact(helper, "GET", "/s/dss/index.html?lang=de&_dc=17&token=abc")
    pages = [c for c in stack.sim.calls[mark:] if c.path == "/index.html"]
    assert [c.query for c in pages] == ["lang=de"], status
    for query in ("lang=%3Cscript%3E", "lang=de&lang=en", "lang=d%zz", "callback=x", "a=%+9"):
        mark = len(stack.sim.calls)
        status, _ = await exact(helper, "GET", f"/s/dss/index.html?{query}")
        assert status == 403, query
        assert not [c for c in stack.sim.calls[mark:] if c.path == "/index.html"], query
