"""Red team, round 3: attacks on the round-2 fixes and on what the earlier rounds did not cover,
read against the real dSS source (packi/dss-mainline, 2017). Each test drives the real stack
and judges the effect at the simulator (its recorded calls, effects log or model state).

A test marked xfail(strict=True) is an open finding: it passes once the product is fixed."""

from __future__ import annotations

import aiohttp
import pytest

from tests.integration.attacks.support import exact, forwarded
from tests.support.share_site import open_share
from tests.support.stack import Stack

KUECHE, WOHNEN = 990, 989
METER_EG = "3504175fe000000000000000000043a700"  # dSM Erdgeschoss: Wohnen and Küche


# meteringrequesthandler.cpp getValues: `resolution = strToIntDef(resolutionString, -1)` refuses
# only -1, so "0" passes; metering.cpp Metering::getSeries then does `long unsigned int step =
# _resolution; time_t end = (iCurrentTimeStamp.secondsSinceEpoch() / step) * step;`: an
# integer division by zero (SIGFPE on x86; on ARM libgcc's __aeabi_idiv0 raises SIGFPE too).
# The dSS process dies, for a view share, with one GET. The schema types `resolution` as a
# non-negative integer; the dSS only has data for its six resolutions (getResolutions).
@pytest.mark.parametrize("method", ["getValues", "getAggregatedValues"])
@pytest.mark.parametrize("zones", [None, [KUECHE]])
async def test_a_view_share_cannot_crash_the_dss_with_a_zero_metering_resolution(
    stack: Stack, http: aiohttp.ClientSession, method: str, zones: list[int] | None
) -> None:
    helper = await open_share(http, stack, level="view", zones=zones)
    path = f"/json/metering/{method}"
    mark = len(stack.sim.calls)
    await exact(helper, "GET", f"{path}?dsuid={METER_EG}&type=consumption&resolution=0")
    sent = forwarded(stack, path, mark)
    # No call with a resolution the dSS divides by zero reaches it.
    assert [p for p in sent if p.get("resolution") == "0"] == []


# The one that works must keep working (not a finding).
async def test_a_view_share_reads_a_metering_series(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    status, text = await exact(
        helper, "GET", f"/json/metering/getValues?dsuid={METER_EG}&type=consumption&resolution=60"
    )
    assert status == 200, text
    assert '"ok":true' in text


def _other_room_devices(stack: Stack) -> list[str]:
    devices = [d.dsuid for d in stack.sim.apartment.devices_in(WOHNEN)]
    assert devices
    return devices


# Round 2 closed the dSM alias (/apartment/dSMeters/<m>/zones/<other>) because it showed a
# zone-restricted share another room's names, devices, groups and heating values. The same data
# was one allowed view call away (every apartment/* read passed for a zone share):
# apartmentrequesthandler.cpp getStructure walks every zone with its devices and groups
# (jsonhelper.cpp toJSON), getDevices every device of the apartment. Now each such read is
# answered unchanged, filtered to the share's zones (web/zone_filter.py) or refused.
@pytest.mark.parametrize("method", ["getStructure", "getDevices"])
async def test_a_room_share_cannot_list_another_rooms_devices_through_apartment_reads(
    stack: Stack, http: aiohttp.ClientSession, method: str
) -> None:
    helper = await open_share(http, stack, level="view", zones=[KUECHE])
    others = _other_room_devices(stack)
    status, text = await exact(helper, "GET", f"/json/apartment/{method}")
    leaked = [d for d in others if d in text]
    assert (status, leaked) == (403, []) or (status == 200 and leaked == [])
