"""zone_filter: apartment-wide answers cut to a zone-restricted share's zones (pure)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dss_addon.errors import DssRejected
from dss_addon.web.share.zone_filter import filter_answer, needs_filter

ZONES = (990,)
K1, K2, W1 = "aa" * 17, "ab" * 17, "bb" * 17  # two devices in 990, one in 989


def _device(dsuid: str, zone: int) -> dict[str, object]:
    return {"dSUID": dsuid, "name": f"dev {dsuid[:2]}", "zoneID": zone}


def _group(gid: int, devices: list[str]) -> dict[str, object]:
    return {"id": gid, "name": f"g{gid}", "devices": devices}


def _run(method: str, result: object) -> Any:
    body = json.dumps({"ok": True, "result": result}).encode()
    out = filter_answer(("apartment", method), body, ZONES)
    assert out.isascii()
    return json.loads(out)["result"]


def test_only_the_filtered_reads_of_restricted_shares_need_the_filter() -> None:
    assert needs_filter(("apartment", "getStructure"), ZONES)
    assert not needs_filter(("apartment", "getStructure"), ())
    assert not needs_filter(("apartment", "getName"), ZONES)
    assert not needs_filter(("zone", "getName"), ZONES)


def test_the_structure_shows_the_shares_zones_and_their_devices_only() -> None:
    devices = [_device(K1, 990), _device(K2, 990), _device(W1, 989)]
    structure = {
        "apartment": {
            "clusters": [_group(17, [K1, W1])],
            "zones": [
                {"id": 0, "name": "", "devices": devices, "groups": [_group(64, [K2, W1])]},
                {"id": 989, "name": "Wohnen", "devices": devices[2:], "groups": [_group(1, [W1])]},
                {"id": 990, "name": "Küche", "devices": devices[:2], "groups": [_group(1, [K1])]},
            ],
        }
    }
    out = _run("getStructure", structure)
    text = json.dumps(out)
    assert W1 not in text
    assert "Wohnen" not in text
    zones = out["apartment"]["zones"]
    assert [z["id"] for z in zones] == [0, 990]
    assert [d["dSUID"] for d in zones[0]["devices"]] == [K1, K2]
    assert zones[0]["groups"] == [_group(64, [K2])]
    assert [d["dSUID"] for d in zones[1]["devices"]] == [K1, K2]
    assert zones[1]["name"] == "Küche"
    assert out["apartment"]["clusters"] == [_group(17, [K1])]


def test_the_device_list_keeps_the_shares_zones_devices() -> None:
    out = _run("getDevices", [_device(K1, 990), _device(W1, 989), _device(K2, 0)])
    assert out == [_device(K1, 990)]


@pytest.mark.parametrize(
    ("method", "key"),
    [
        ("getReachableGroups", "zoneID"),
        ("getTemperatureControlStatus", "id"),
        ("getTemperatureControlConfig", "id"),
        ("getTemperatureControlValues", "id"),
        ("getAssignedSensors", "id"),
        ("getSensorValues", "id"),
    ],
)
def test_zone_lists_keep_the_shares_zones(method: str, key: str) -> None:
    zones = [{key: z, "name": f"z{z}"} for z in (0, 989, 990)]
    out = _run(method, {"outdoor": {"temperature": {"value": 3}}, "zones": zones})
    assert out == {"outdoor": {"temperature": {"value": 3}}, "zones": [zones[2]]}


def test_the_config2_zones_keyed_by_id_keep_the_shares_zones() -> None:
    zones = {"989": {"name": "Wohnen"}, "990": {"name": "Küche"}, "0990": {"name": "x"}}
    assert _run("getTemperatureControlConfig2", {"zones": zones}) == {
        "zones": {"990": {"name": "Küche"}}
    }


def test_an_error_answer_passes() -> None:
    body = b'{"ok":false,"message":"no"}'
    assert json.loads(filter_answer(("apartment", "getDevices"), body, ZONES)) == {
        "ok": False,
        "message": "no",
    }


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("getDevices", b"not json"),
        ("getDevices", b"[]"),
        ("getDevices", b'{"ok":true,"result":{"devices":[]}}'),
        ("getDevices", b'{"ok":true,"result":[{"dSUID":"x","zoneID":"990"}]}'),
        ("getDevices", b'{"result":[{"dSUID":"x"}]}'),
        ("getStructure", b'{"ok":true,"result":{"zones":[]}}'),
        ("getStructure", b'{"ok":true,"result":{"apartment":{"zones":[{"id":true}]}}}'),
        ("getReachableGroups", b'{"ok":true,"result":{"zones":[{"id":990}]}}'),
        ("getSensorValues", b'{"ok":true,"result":{"zones":"all"}}'),
        ("getSensorValues", b'{"ok":"yes","message":"x"}'),
    ],
)
def test_an_answer_of_an_unknown_shape_is_not_forwarded(method: str, body: bytes) -> None:
    with pytest.raises(DssRejected):
        filter_answer(("apartment", method), body, ZONES)
