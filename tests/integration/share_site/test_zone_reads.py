"""What a zone-restricted share reads of the apartment (rules.ZONE_SHARE_* and
web/zone_filter.py), judged at the simulator: its own rooms, never another's."""

from __future__ import annotations

import aiohttp
import pytest

from tests.support.share_site import open_share, sim_paths
from tests.support.stack import Stack

KUECHE, WOHNEN = 990, 989
LIGHT_KUECHE = "303505d7f80000000000000061fc6eb300"
METER_EG = "3504175fe000000000000000000043a700"


async def test_a_room_share_sees_its_room_in_the_structure_and_no_other(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view", zones=[KUECHE])
    others = [d.dsuid for d in stack.sim.apartment.devices_in(WOHNEN)]
    mine = [d.dsuid for d in stack.sim.apartment.devices_in(KUECHE)]
    resp = await helper.get("/json/apartment/getStructure")
    assert resp.status == 200
    zones = (await resp.json())["result"]["apartment"]["zones"]
    assert {z["id"] for z in zones} <= {0, KUECHE}
    kueche = next(z for z in zones if z["id"] == KUECHE)
    assert sorted(d["dSUID"] for d in kueche["devices"]) == sorted(mine)
    text = await resp.text()
    assert [d for d in others if d in text] == []
    devices = await (await helper.get("/json/apartment/getDevices")).json()
    assert sorted(d["dSUID"] for d in devices["result"]) == sorted(mine)


@pytest.mark.parametrize(
    ("method", "key"),
    [("getReachableGroups", "zoneID"), ("getTemperatureControlStatus", "id")],
)
async def test_a_room_shares_zone_lists_hold_its_room_only(
    stack: Stack, http: aiohttp.ClientSession, method: str, key: str
) -> None:
    helper = await open_share(http, stack, level="view", zones=[KUECHE])
    resp = await helper.get(f"/json/apartment/{method}")
    assert resp.status == 200
    assert [z[key] for z in (await resp.json())["result"]["zones"]] == [KUECHE]


# A dSM meters every room on its circuits together: a room share reads no meter readings.
@pytest.mark.parametrize(
    "target",
    [
        "/json/metering/getLatest?type=consumption&from=.meters(all)",
        f"/json/metering/getValues?dsuid={METER_EG}&type=consumption&resolution=60",
        f"/json/circuit/getConsumption?dsuid={METER_EG}",
        "/json/apartment/getConsumption",
        "/json/apartment/getDeviceBinaryInputs",
    ],
)
async def test_a_room_share_reads_no_whole_home_readings(
    stack: Stack, http: aiohttp.ClientSession, target: str
) -> None:
    helper = await open_share(http, stack, level="view", zones=[KUECHE])
    mark = len(stack.sim.calls)
    resp = await helper.get(target)
    assert resp.status == 403
    assert sim_paths(stack, mark) == []


# A binary input's type decides which apartment-wide state it drives (smoke, fire, wind, rain):
# a room share may not retype its room's inputs (the setting outlives the share).
async def test_a_room_share_cannot_retype_a_binary_input(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="configure", zones=[KUECHE])
    mark = len(stack.sim.calls)
    resp = await helper.get(f"/json/device/setBinaryInputType?dsuid={LIGHT_KUECHE}&index=0&type=5")
    assert resp.status == 403
    assert "/json/device/setBinaryInputType" not in sim_paths(stack, mark)
    whole_home = await open_share(http, stack, level="configure")
    resp = await whole_home.get(
        f"/json/device/setBinaryInputType?dsuid={LIGHT_KUECHE}&index=0&type=5"
    )
    assert "/json/device/setBinaryInputType" in sim_paths(stack, mark)
