"""Simulator fidelity found by the red team (round 3): places where the simulator answers
differently from the 2017 dSS source, in a way a defence of the add-on depends on.

Each test cites the source function (they were xfail(strict=True) until the simulator was fixed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
import pytest
from dss_sim.effects import EffectKind
from dss_sim.sim import Simulator

if TYPE_CHECKING:
    from tests.conftest import DssHttp

METER_EG = "3504175fe000000000000000000043a700"  # dSM Erdgeschoss, a metered meter


# meteringrequesthandler.cpp getValues: `resolution = strToIntDef(resolutionString, -1)`
# refuses only -1; metering.cpp Metering::getSeries: `long unsigned int step = _resolution;
# time_t end = (iCurrentTimeStamp.secondsSinceEpoch() / step) * step;`, a division by zero
# for resolution 0 (SIGFPE): the dSS process dies. The simulator answers "Could not find data"
# for any resolution outside its six, so a proxy that forwards resolution=0 looks harmless.
@pytest.mark.parametrize("method", ["getValues", "getAggregatedValues"])
async def test_a_zero_metering_resolution_crashes_the_dss(
    dss: DssHttp, token: str, sim: Simulator, method: str
) -> None:
    try:
        await dss.get(
            f"/json/metering/{method}?dsuid={METER_EG}&type=consumption&resolution=0",
            token=token,
        )
    except aiohttp.ClientError:
        pass  # the connection dropped without an answer
    assert sim.crashes == 1
    assert sim.effects.items[-1].kind == EffectKind.CRASH


# metering.cpp Metering::getSeries: any positive resolution is used as the rrd xport step
# (numberOfValues comes from the finest chain entry not finer than it); only the data's own
# steps exist, but "7" is no error: the dSS answers a series. The simulator refuses it.
async def test_any_positive_metering_resolution_is_served(dss: DssHttp, token: str) -> None:
    reply = await dss.ok(
        f"/json/metering/getValues?dsuid={METER_EG}&type=consumption&resolution=7", token
    )
    assert reply["resolution"] == "7"
