"""Zone decisions for actions use the installation as it is now, not a minute-old copy.

The owner may move a device out of the shared room, or rename rooms, directly on the dSS while
a zone-restricted share is in use. Judged at the simulator: what the device did."""

from __future__ import annotations

import aiohttp

from tests.support.share_site import open_share, sim_paths
from tests.support.stack import Stack

KUECHE = 990
WOHNEN = 989
LIGHT_KUECHE = "303505d7f80000000000000061fc6eb300"
STRUCTURE = "/json/apartment/getStructure"


def _structure_reads(stack: Stack, mark: int) -> int:
    return sim_paths(stack, mark).count(STRUCTURE)


async def test_device_moved_out_of_the_shared_room_is_refused_at_once(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="operate", zones=[KUECHE])
    light = stack.sim.device(LIGHT_KUECHE)
    ok = await helper.get(f"/json/device/turnOn?dsuid={LIGHT_KUECHE}")
    assert ok.status == 200
    assert light.last_called_scene == 14

    # The owner moves the light to the living room on the dSS itself; the add-on's cached
    # topology (at most a minute old) still has it in the kitchen.
    light.zone_id = WOHNEN
    ok_cached = await helper.get(f"/json/device/getName?dsuid={LIGHT_KUECHE}")
    assert ok_cached.status == 200  # a read keeps the cached topology
    denied = await helper.get(f"/json/device/turnOff?dsuid={LIGHT_KUECHE}")
    assert denied.status == 403
    assert f"device in zone {WOHNEN} outside share zones" in (await denied.json())["message"]
    assert light.last_called_scene == 14  # nothing reached the light


async def test_renamed_rooms_are_resolved_as_the_dss_resolves_them(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="operate", zones=[KUECHE])
    kitchen_name = stack.sim.zone(KUECHE).name
    by_name = {"name": kitchen_name, "groupID": "1", "sceneNumber": "5"}
    ok = await helper.get("/json/zone/callScene", params=by_name)  # caches the topology
    assert ok.status == 200
    assert stack.sim.zone(KUECHE).groups[1].last_called_scene == 5

    # The owner swaps the names: on the dSS, the kitchen's old name is now the living room.
    stack.sim.zone(KUECHE).name, stack.sim.zone(WOHNEN).name = "Neu", kitchen_name
    denied = await helper.get("/json/zone/callScene", params=by_name)
    assert denied.status == 403
    assert all(g.last_called_scene == 0 for g in stack.sim.zone(WOHNEN).groups.values())


async def test_reads_use_the_cached_topology_and_actions_read_it_afresh(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="operate", zones=[KUECHE])
    first = await helper.get(f"/json/device/getName?dsuid={LIGHT_KUECHE}")
    assert first.status == 200
    mark = len(stack.sim.calls)
    for _ in range(3):
        assert (await helper.get(f"/json/device/getName?dsuid={LIGHT_KUECHE}")).status == 200
    assert _structure_reads(stack, mark) == 0
    for _ in range(2):
        assert (await helper.get(f"/json/device/blink?dsuid={LIGHT_KUECHE}")).status == 200
    assert _structure_reads(stack, mark) == 2


async def test_a_share_without_zones_never_reads_the_topology_for_an_action(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="operate")
    mark = len(stack.sim.calls)
    assert (await helper.get(f"/json/device/blink?dsuid={LIGHT_KUECHE}")).status == 200
    assert _structure_reads(stack, mark) == 0
