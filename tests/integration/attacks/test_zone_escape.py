"""A malicious electrician holding a zone-restricted share tries to act outside the zones.

The share is restricted to Küche (990); Wohnen (989) is out of bounds. Every test checks the
simulator's state (what really happened), not just the status code."""

from __future__ import annotations

import aiohttp
import pytest

from tests.integration.attacks.support import exact, forwarded, owner_call
from tests.support.share_site import Helper, open_share
from tests.support.stack import Stack

KUECHE, WOHNEN = 990, 989
LIGHT_KUECHE = "303505d7f80000000000000061fc6eb300"
DSID_KUECHE = "303505d7f800000061fc6eb3"
LIGHT_WOHNEN = "303505d7f800000000000000cf4b9c1f00"
DSID_WOHNEN = "303505d7f8000000cf4b9c1f"
TOPOLOGY_TTL = 61  # seconds: the add-on reads the structure again after 60 s


async def _kueche(http: aiohttp.ClientSession, stack: Stack, level: str = "operate") -> Helper:
    return await open_share(http, stack, level=level, zones=[KUECHE])


def _wohnen_untouched(stack: Stack) -> None:
    zone = stack.sim.zone(WOHNEN)
    assert all(g.last_called_scene == 0 for g in zone.groups.values())
    assert all(
        d.last_called_scene == 0 and d.blink_count == 0 and d.value == 0
        for d in stack.sim.apartment.devices_in(WOHNEN)
    )


# -- HTML-escaped names: the policy and the dSS must compare the same strings -----------------


async def test_device_by_escaped_name_reaches_another_zone(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    # The homeowner once named the living-room light "Licht & Co" (stored "Licht &amp; Co").
    await owner_call(stack, "device", "setName", {"dsuid": LIGHT_WOHNEN, "newName": "Licht & Co"})
    helper = await _kueche(http, stack, level="configure")
    # The electrician renames a kitchen device (allowed) to the *stored* spelling.
    status, _ = await exact(
        helper,
        "GET",
        f"/json/device/setName?dsuid={LIGHT_KUECHE}&newName=Licht%20%26amp%3B%20Co",
    )
    assert status == 200
    stack.clock.advance(TOPOLOGY_TTL)
    status, _ = await exact(helper, "GET", "/json/device/turnOn?name=Licht%20%26amp%3B%20Co")
    assert stack.sim.device(LIGHT_KUECHE).last_called_scene in (0, 14)
    _wohnen_untouched(stack)


async def test_zone_by_escaped_name_reaches_another_zone(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    await owner_call(stack, "zone", "setName", {"id": str(WOHNEN), "newName": "Wohnen & Essen"})
    helper = await _kueche(http, stack, level="configure")
    status, _ = await exact(
        helper, "GET", f"/json/zone/setName?id={KUECHE}&newName=Wohnen%20%26amp%3B%20Essen"
    )
    assert status == 200
    stack.clock.advance(TOPOLOGY_TTL)
    await exact(
        helper,
        "GET",
        "/json/zone/callScene?name=Wohnen%20%26amp%3B%20Essen&groupID=1&sceneNumber=5",
    )
    _wohnen_untouched(stack)


async def test_plain_names_with_markup_still_resolve_inside_the_zone(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    """Control for the two defects: a name the dSS escaped is refused, not mis-resolved."""
    await owner_call(stack, "device", "setName", {"dsuid": LIGHT_WOHNEN, "newName": "A & B"})
    helper = await _kueche(http, stack)
    stack.clock.advance(TOPOLOGY_TTL)
    for name in ("A%20%26%20B", "A%20%26amp%3B%20B"):
        status, _ = await exact(helper, "GET", f"/json/device/turnOn?name={name}")
        assert status == 403, name
    _wohnen_untouched(stack)


# -- spellings of ids ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "zone_id",
    [
        "0x3dd",
        "0X3DD",
        "01735",
        "+989",
        "%20989",
        "%09989",
        "989",
        "-0x3dd",
        "4294968285",
        "-4294966307",
        "0x1000003dd",
        "989%00",
        "989abc",
        "9.89e2",
        "989%20",
        "%2B989",
        "0989",
        "%EF%BC%99%EF%BC%98%EF%BC%99",
    ],
)
async def test_other_spellings_of_a_forbidden_zone_do_nothing(
    stack: Stack, http: aiohttp.ClientSession, zone_id: str
) -> None:
    helper = await _kueche(http, stack)
    await exact(helper, "GET", f"/json/zone/callScene?id={zone_id}&groupID=1&sceneNumber=5")
    await exact(helper, "GET", f"/json/zone/blink?id={zone_id}&groupID=1")
    _wohnen_untouched(stack)


@pytest.mark.parametrize("zone_id", ["0", "00", "0x0", "-0", "+0", "%200", "0x00000000"])
async def test_zone_zero_is_the_whole_apartment_and_refused(
    stack: Stack, http: aiohttp.ClientSession, zone_id: str
) -> None:
    helper = await _kueche(http, stack)
    mark = len(stack.sim.calls)
    status, _ = await exact(
        helper, "GET", f"/json/zone/callScene?id={zone_id}&groupID=0&sceneNumber=5"
    )
    assert status == 403
    assert forwarded(stack, "/json/zone/callScene", mark) == []


@pytest.mark.parametrize(
    "query",
    [
        f"id={KUECHE}&id={WOHNEN}",
        f"id={KUECHE}&name=Wohnen",
        f"name=K%C3%BCche&id={WOHNEN}",
        f"id={KUECHE};id={WOHNEN}",
        f"id={KUECHE}%26id%3D{WOHNEN}",
        f"i%64={WOHNEN}&id={KUECHE}",
        f"id=&id={WOHNEN}",
        f"id&id={KUECHE}",
    ],
)
async def test_duplicate_and_smuggled_zone_ids_reach_the_dss_as_decided(
    stack: Stack, http: aiohttp.ClientSession, query: str
) -> None:
    helper = await _kueche(http, stack)
    mark = len(stack.sim.calls)
    status, _ = await exact(helper, "GET", f"/json/zone/blink?{query}&groupID=1")
    sent = forwarded(stack, "/json/zone/blink", mark)
    if status == 200:
        assert sent == [{"id": str(KUECHE), "groupID": "1"}]
    else:
        assert sent == []
    _wohnen_untouched(stack)


@pytest.mark.parametrize(
    "query",
    [
        f"dsuid={LIGHT_KUECHE}&dsid={DSID_WOHNEN}",
        f"dsid={DSID_WOHNEN}&dsuid={LIGHT_KUECHE}",
        f"dsid={DSID_KUECHE}&dsuid={LIGHT_WOHNEN}",
        f"dsuid=&dsid={DSID_WOHNEN}",
        f"dsuid={LIGHT_KUECHE.upper()}&name=Deckenleuchte%20Wohnen",
        f"dsid={DSID_KUECHE}&name=Deckenleuchte%20Wohnen",
        f"dsuid={LIGHT_WOHNEN}%00",
        f"dsuid={LIGHT_WOHNEN[:-2]}",
        f"dsuid=0x{LIGHT_WOHNEN}",
        f"dsid={DSID_WOHNEN.upper()}",
        "name=Deckenleuchte+Wohnen",
        "name=Deckenleuchte%20Wohnen",
    ],
)
async def test_device_selection_follows_the_dss_precedence(
    stack: Stack, http: aiohttp.ClientSession, query: str
) -> None:
    helper = await _kueche(http, stack)
    mark = len(stack.sim.calls)
    await exact(helper, "GET", f"/json/device/blink?{query}")
    await exact(helper, "GET", f"/json/device/callScene?{query}&sceneNumber=5")
    for sent in forwarded(stack, "/json/device/blink", mark):
        # If anything went through, it named the kitchen light first.
        assert sent.get("dsuid", "").lower() == LIGHT_KUECHE or (
            not sent.get("dsuid") and sent.get("dsid", "").lower() == DSID_KUECHE
        )
    _wohnen_untouched(stack)


async def test_broadcast_group_stays_inside_the_zone(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await _kueche(http, stack)
    for group in ("0", "0x0", "", "-1", "65535"):
        await exact(
            helper, "GET", f"/json/zone/callScene?id={KUECHE}&groupID={group}&sceneNumber=5"
        )
        await exact(helper, "GET", f"/json/zone/turnOn?id={KUECHE}&groupID={group}")
    await exact(helper, "GET", f"/json/zone/setValue?id={KUECHE}&groupID=0&value=255")
    _wohnen_untouched(stack)
    assert stack.sim.device(LIGHT_KUECHE).last_called_scene in (5, 14)


@pytest.mark.parametrize(
    "target",
    [
        "/json/apartment/callScene?sceneNumber=5",
        "/json/apartment/callScene?sceneNumber=5&groupID=1",
        "/json/apartment/turnOn",
        "/json/apartment/turnOff?groupID=1",
        "/json/apartment/setValue?value=255",
        "/json/apartment/blink",
        "/json/apartment/undoScene?sceneNumber=0",
        "/json/apartment/saveScene?sceneNumber=5",
        "/json/apartment/setName?newName=x",
        "/json/structure/zoneAddDevice?zone=990&dsuid=" + LIGHT_WOHNEN,
        "/json/state/set?name=fire&value=active",
        "/json/circuit/setName?dsuid=x&newName=y",
        "/json/event/raise?name=callScene",
        "/json/zone/callScene?id=0&sceneNumber=5",
        f"/json/zone/setSensorSource?id={KUECHE}&dsuid={LIGHT_WOHNEN}&sensorType=9",
    ],
)
async def test_apartment_wide_verbs_are_refused(
    stack: Stack, http: aiohttp.ClientSession, target: str
) -> None:
    helper = await _kueche(http, stack, level="configure")
    mark = len(stack.sim.calls)
    status, _ = await exact(helper, "GET", target)
    assert status == 403
    path = target.partition("?")[0]
    assert path not in [c.path for c in stack.sim.calls[mark:]]
    _wohnen_untouched(stack)


@pytest.mark.parametrize(
    "query",
    [
        "/apartment/zones/*/devices/*(*)",
        "/apartment/zones/zone989/devices/*(*)",
        "/apartment/*/zone989(*)",
        "/apartment/zones/zone990/../zone989(*)",
        "/apartment/zones/zone0989(*)",
        "/apartment/zones/zone0/devices/*(*)",
        "/apartment/zones/zone%2A/devices/*(*)",
        "/apartment/zones(*)/zone989(*)",
        "/apartment/zones/zone990)(/../zone989(*)",
        "/*/zones/zone989(*)",
        "//apartment//zones//zone989(*)",
    ],
)
async def test_property_queries_stay_inside_the_zone(
    stack: Stack, http: aiohttp.ClientSession, query: str
) -> None:
    helper = await _kueche(http, stack)
    for method in ("query", "query2"):
        status, text = await exact(helper, "GET", f"/json/property/{method}?query={query}")
        assert "Wohnen" not in text, (method, query)
        assert LIGHT_WOHNEN not in text.lower(), (method, query)
        if status == 200:
            assert "Deckenleuchte" not in text or "Küche" in text or "K\\u00fcche" in text


@pytest.mark.parametrize("level", ["operate", "configure"])
@pytest.mark.parametrize(
    "target",
    [
        "/json/set/turnOn?self=.zone(989)",
        "/json/set/callScene?self=.zone(989).group(1)&sceneNumber=5",
        "/json/set/getDevices?self=.zone(989)",
        "/json/set/byZone?zoneID=989",
        "/json/state/set?name=fire&value=active",
        "/json/zone/callSceneMin?id=989&groupID=1&sceneNumber=5",
        "/json/zone/pushSensorValue?id=989&groupID=0&sensorType=9&sensorValue=21",
        "/json/device/callSceneMin?dsuid=" + LIGHT_WOHNEN + "&sceneNumber=5",
    ],
)
async def test_set_algebra_and_other_verbs_outside_the_allow_lists(
    stack: Stack, http: aiohttp.ClientSession, level: str, target: str
) -> None:
    helper = await _kueche(http, stack, level=level)
    mark = len(stack.sim.calls)
    status, _ = await exact(helper, "GET", target)
    assert status == 403
    assert target.partition("?")[0] not in [c.path for c in stack.sim.calls[mark:]]
    _wohnen_untouched(stack)


@pytest.mark.parametrize(
    "path",
    [
        "/scripts/system-addon-timed-events/entries/e1/action",
        "/scripts/system-addon-scene-responder/rules/r1/targetScene",
    ],
)
async def test_restricted_share_cannot_rewrite_system_add_ons(
    stack: Stack, http: aiohttp.ClientSession, path: str
) -> None:
    helper = await _kueche(http, stack, level="configure")
    await exact(helper, "GET", f"/json/property/setString?path={path}&value=zone0-scene65")
    written = stack.sim.tree()
    for part in path.strip("/").split("/"):
        child = written.children.get(part)
        if child is None:
            return
        written = child
    assert written.value != "zone0-scene65"
