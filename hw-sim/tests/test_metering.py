"""Metering: resolutions, latest values, series and circuit readings (§3.6, §3.9)."""

from __future__ import annotations

import itertools
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.conftest import DssHttp

DATE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")
RESOLUTIONS = (
    '{"result":{"resolutions":[{"resolution":1},{"resolution":60},{"resolution":900},'
    '{"resolution":86400},{"resolution":604800},{"resolution":2592000}]},"ok":true}'
)


async def metered_circuits(dss: DssHttp, token: str) -> list[dict[str, Any]]:
    circuits = (await dss.ok("/json/apartment/getCircuits", token))["circuits"]
    metered = [c for c in circuits if c["hasMetering"]]
    assert metered
    return metered


# dss-api.md §6 #50
async def test_get_resolutions_lists_the_six_rrd_resolutions(dss: DssHttp, token: str) -> None:
    reply = await dss.get("/json/metering/getResolutions", token=token)
    assert reply.status == 200
    assert reply.text == RESOLUTIONS


async def test_metering_needs_a_session(dss: DssHttp) -> None:
    assert (await dss.get("/json/metering/getResolutions")).status == 403


async def test_get_series_has_three_entries_per_metered_meter(dss: DssHttp, token: str) -> None:
    metered = await metered_circuits(dss, token)
    series = (await dss.ok("/json/metering/getSeries", token))["series"]
    assert len(series) == 3 * len(metered)
    for circuit in metered:
        types = {s["type"] for s in series if s["dSUID"] == circuit["dSUID"]}
        assert types == {"energy", "energyDelta", "consumption"}


# dss-api.md §6 #50
async def test_get_latest_consumption_of_all_meters(dss: DssHttp, token: str) -> None:
    metered = await metered_circuits(dss, token)
    reply = await dss.get(
        "/json/metering/getLatest?type=consumption&from=.meters(all)", token=token
    )
    assert reply.status == 200
    assert reply.text.startswith('{"result":{"values":[{"dsid":')
    values = reply.json()["result"]["values"]
    assert {v["dSUID"] for v in values} == {c["dSUID"] for c in metered}
    for value in values:
        assert list(value) == ["dsid", "dSUID", "value", "date"]
        assert isinstance(value["value"], int | float)
        assert not isinstance(value["value"], bool)
        assert DATE.fullmatch(value["date"])
        circuit = next(c for c in metered if c["dSUID"] == value["dSUID"])
        assert value["dsid"] == circuit["dsid"]


async def test_get_latest_accepts_a_single_meter_id(dss: DssHttp, token: str) -> None:
    meter = (await metered_circuits(dss, token))[0]
    result = await dss.ok(f"/json/metering/getLatest?type=energy&from={meter['dSUID']}", token)
    assert [v["dSUID"] for v in result["values"]] == [meter["dSUID"]]
    wh = result["values"][0]["value"]
    result = await dss.ok(
        f"/json/metering/getLatest?type=energy&unit=Ws&from=.meters({meter['dSUID']})", token
    )
    assert abs(result["values"][0]["value"] - wh * 3600) <= 3600


# dss-api.md §6 #50
async def test_get_latest_validates_its_parameters(dss: DssHttp, token: str) -> None:
    assert await dss.fail("/json/metering/getLatest?type=foo&from=.meters(all)", token) == (
        "Invalid or missing type parameter"
    )
    assert await dss.fail("/json/metering/getLatest?type=consumption", token) == (
        "Missing 'from' parameter"
    )
    assert (
        await dss.fail("/json/metering/getLatest?type=energy&from=.meters(all)&unit=kWh", token)
        == "Invalid unit parameter"
    )
    message = await dss.fail("/json/metering/getLatest?type=energy&from=.meters(all", token)
    assert message == "Couldn't parse parameter 'from': 'No closing ')' found'"


async def test_get_aggregated_latest_sums_the_meters(dss: DssHttp, token: str) -> None:
    latest = await dss.ok("/json/metering/getLatest?type=consumption&from=.meters(all)", token)
    total = await dss.ok(
        "/json/metering/getAggregatedLatest?type=consumption&from=.meters(all)", token
    )
    assert list(total)[:2] == ["dsid", "dSUID"]
    assert sorted(total["dSUID"]) == sorted(v["dSUID"] for v in latest["values"])
    assert abs(total["value"] - sum(v["value"] for v in latest["values"])) < 1e-6


# dss-api.md §6 #51
async def test_get_values_reports_the_resolution_as_a_string(dss: DssHttp, token: str) -> None:
    meter = (await metered_circuits(dss, token))[0]["dSUID"]
    reply = await dss.get(
        f"/json/metering/getValues?dsuid={meter}&type=energy&resolution=60", token=token
    )
    assert reply.status == 200
    result = reply.json()["result"]
    assert result["meterID"] == meter
    assert result["type"] == "energy"
    assert result["unit"] == "Wh"
    assert result["resolution"] == "60"
    assert isinstance(result["values"], list)
    assert result["values"]
    for point in result["values"]:
        assert isinstance(point, list)
        assert len(point) == 2
        assert type(point[0]) is int
        assert isinstance(point[1], int | float)
    epochs = [p[0] for p in result["values"]]
    assert epochs == sorted(epochs)
    assert all(b - a == 60 for a, b in itertools.pairwise(epochs))


async def test_get_values_of_consumption_is_in_watts(dss: DssHttp, token: str) -> None:
    meter = (await metered_circuits(dss, token))[0]["dSUID"]
    result = await dss.ok(
        f"/json/metering/getValues?dsuid={meter}&type=consumption&resolution=1&unit=Wh", token
    )
    assert result["unit"] == "W"
    assert result["resolution"] == "1"


# dss-api.md §6 #51
async def test_get_values_validates_its_parameters(dss: DssHttp, token: str) -> None:
    meter = (await metered_circuits(dss, token))[0]["dSUID"]
    assert await dss.fail(f"/json/metering/getValues?dsuid={meter}&type=energy", token) == (
        "Could not parse resolution ''"
    )
    assert await dss.fail("/json/metering/getValues?type=energy&resolution=60", token) == (
        "Missing parameter 'dsuid'"
    )
    assert (
        await dss.fail(f"/json/metering/getValues?dsuid={meter}&type=bogus&resolution=60", token)
        == "Invalid type 'bogus'"
    )


async def test_circuit_readings(dss: DssHttp, token: str) -> None:
    meter = (await metered_circuits(dss, token))[0]["dSUID"]
    consumption = await dss.ok(f"/json/circuit/getConsumption?dsuid={meter}", token)
    assert list(consumption) == ["consumption"]
    assert type(consumption["consumption"]) is int
    energy = await dss.ok(f"/json/circuit/getEnergyMeterValue?dsuid={meter}", token)
    assert list(energy) == ["meterValue"]
    assert await dss.fail("/json/circuit/getName", token) == "Missing parameter dsuid"
    assert await dss.fail(f"/json/circuit/getName?dsuid={'ee' * 17}", token) == (
        "Could not find dSMeter with given dSUID"
    )


# metering.cpp Metering::getSeries: the number of values is the coarsest chain entry's not
# coarser than the step; a negative resolution is an unsigned step of ~2**64, an empty series.
async def test_a_series_of_any_step_has_the_chain_entrys_length(dss: DssHttp, token: str) -> None:
    meter = (await metered_circuits(dss, token))[0]["dSUID"]
    base = f"/json/metering/getValues?dsuid={meter}&type=consumption"
    seven = await dss.ok(f"{base}&resolution=7", token)
    epochs = [p[0] for p in seven["values"]]
    assert len(epochs) == 600
    assert all(b - a == 7 for a, b in itertools.pairwise(epochs))
    assert len((await dss.ok(f"{base}&resolution=3600", token))["values"]) == 2976
    negative = await dss.ok(f"{base}&resolution=-5", token)
    assert (negative["resolution"], negative["values"]) == ("-5", [])
