"""Zone-restricted shares through the proxy (decisions that need the installation's topology),
the dSS being away, and client addresses behind a trusted proxy."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import aiohttp

from dss_addon.settings import Settings
from tests.support.share_site import open_share, sim_calls, sim_paths
from tests.support.stack import Stack, running_stack

KUECHE = 990
WOHNEN = 989
LIGHT_KUECHE = "303505d7f80000000000000061fc6eb300"
LIGHT_WOHNEN = "303505d7f800000000000000cf4b9c1f00"


async def test_zone_restricted_share_acts_only_in_its_zones(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="operate", zones=[KUECHE])
    mark = len(stack.sim.calls)
    ok = await helper.get(f"/json/zone/callScene?id={KUECHE}&groupID=1&sceneNumber=5")
    assert ok.status == 200
    denied = await helper.get(f"/json/zone/callScene?id={WOHNEN}&groupID=1&sceneNumber=5")
    assert denied.status == 403
    assert "outside share zones" in (await denied.json())["message"]
    ok = await helper.get(f"/json/device/blink?dsuid={LIGHT_KUECHE}")
    assert ok.status == 200
    denied = await helper.get(f"/json/device/blink?dsuid={LIGHT_WOHNEN}")
    assert denied.status == 403
    denied = await helper.get("/json/zone/callScene?name=Wohnen&groupID=1&sceneNumber=5")
    assert denied.status == 403
    scene_calls = sim_calls(stack, "/json/zone/callScene", mark)
    assert [c["id"] for c in scene_calls] == [str(KUECHE)]
    blinks = sim_calls(stack, "/json/device/blink", mark)
    assert [c["dsuid"] for c in blinks] == [LIGHT_KUECHE]


async def test_zone_restricted_share_sees_only_events_of_its_zones(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view", zones=[KUECHE])
    subscribed = await helper.get("/json/event/subscribe?name=callScene&subscriptionID=7")
    assert subscribed.status == 200
    owner = stack.sim.login_token()
    async with aiohttp.ClientSession() as dss:
        for zone in (WOHNEN, KUECHE, 0):
            url = f"{stack.sim_url}/json/zone/callScene"
            query = {"id": str(zone), "groupID": "1", "sceneNumber": "5", "token": owner}
            async with dss.get(url, params=query) as resp:
                assert (await resp.json())["ok"] is True
    polled = await helper.get("/json/event/get?subscriptionID=7&timeout=-1")
    assert polled.status == 200
    events = (await polled.json())["result"]["events"]
    assert [event["properties"]["zoneID"] for event in events] == [str(KUECHE)]


async def test_a_renamed_device_is_decided_with_its_new_name_at_once(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="configure", zones=[KUECHE])
    assert (await helper.get(f"/json/device/blink?dsuid={LIGHT_KUECHE}")).status == 200
    renamed = await helper.get(f"/json/device/setName?dsuid={LIGHT_KUECHE}&newName=Neu")
    assert renamed.status == 200
    # Within the topology cache's lifetime: the rename itself must refresh it.
    by_name = await helper.get("/json/device/blink?name=Neu")
    assert by_name.status == 200, await by_name.text()


async def test_add_on_settings_are_writable_only_when_the_homeowner_lists_the_add_on(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    path = "/json/property/setString?path=/scripts/tado/mode&value=away"
    async with running_stack(tmp_path / "closed") as closed:
        helper = await open_share(http, closed, level="configure")
        assert (await helper.get(path)).status == 403

    def open_tado(settings: Settings) -> Settings:
        return dataclasses.replace(settings, script_addons=frozenset({"tado"}))

    async with running_stack(tmp_path / "open", configure=open_tado) as opened:
        helper = await open_share(http, opened, level="configure")
        assert (await helper.get(path)).status == 200
        assert (await helper.get(path.replace("tado", "system-addon-timed-events"))).status == 403


async def test_zone_names_are_resolved_with_the_topology(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="operate", zones=[KUECHE])
    resp = await helper.get("/json/zone/callScene?name=K%C3%BCche&groupID=1&sceneNumber=5")
    assert resp.status == 200
    assert stack.sim.zone(KUECHE).name == "Küche"


async def test_unreachable_dss_gives_a_502_envelope(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    stack.sim.unreachable = True
    resp = await helper.get("/json/apartment/getName")
    assert resp.status == 502
    body = await resp.json()
    assert body["ok"] is False
    assert body["message"] == "The digitalSTROM Server does not answer."


async def test_app_page_works_while_the_dss_is_away(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    stack.sim.unreachable = True
    resp = await helper.get("/s/app")
    assert resp.status == 200  # without the installation's name


async def test_trusted_proxy_forwards_the_client_address(tmp_path: Path) -> None:
    def trust_loopback(settings: Settings) -> Settings:
        return dataclasses.replace(settings, trusted_proxies=frozenset({"127.0.0.1"}))

    async with (
        running_stack(tmp_path, owner=False, configure=trust_loopback) as stack,
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
    ):
        url = f"{stack.share_url}/s/redeem"
        for _ in range(10):
            resp = await http.post(url, json={"secret": "q" * 43}, headers=_xff("203.0.113.1"))
            assert resp.status == 404
        resp = await http.post(url, json={"secret": "q" * 43}, headers=_xff("203.0.113.1"))
        assert resp.status == 429
        resp = await http.post(url, json={"secret": "q" * 43}, headers=_xff("203.0.113.2"))
        assert resp.status == 404
        helper = await open_share(http, stack, level="view")
        await helper.get("/json/apartment/getName", headers=_xff("198.51.100.4"))
        await stack.runtime.store.flush()
        log = await stack.runtime.shares.audit_log(helper.created.share.id)
        assert [e.client for e in log if e.event == "call"] == ["198.51.100.4"]
        assert "/json/apartment/getName" in sim_paths(stack)


def _xff(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}
