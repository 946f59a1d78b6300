"""Parsing apartment/getStructure and getDevices into the policy's Topology."""

from __future__ import annotations

from typing import Any

import pytest

from dss_addon.dss.structure import (
    display_name,
    parse_devices,
    parse_structure,
    zone_display_names,
)
from dss_addon.errors import DssRejected
from dss_addon.policy.model import DeviceRef

LAMP = {
    "id": "3504175FE0000000000012AB",
    "dSUID": "3504175FE0000000000012AB00",
    "name": "Decke &amp; Wand",
    "zoneID": 989,
}
BLIND = {"id": "", "dSUID": "303505d7f8000000000000400000000a00", "name": "Rollo", "zoneID": 990}


def structure(*zones: dict[str, Any]) -> dict[str, Any]:
    return {"apartment": {"clusters": [], "zones": list(zones)}}


def test_zones_exclude_the_apartment_and_devices_come_once() -> None:
    topology = parse_structure(
        structure(
            {"id": 0, "name": "", "devices": [LAMP, BLIND], "groups": []},
            {"id": 989, "name": "Wohnen", "devices": [LAMP], "groups": []},
            {"id": 990, "name": "K&uuml;che", "devices": [BLIND], "groups": []},
        )
    )
    # Names as the dSS stores and matches them (`name=` parameters): escaped.
    assert dict(topology.zones) == {989: "Wohnen", 990: "K&uuml;che"}
    assert topology.devices == (
        DeviceRef(
            dsuid="3504175fe0000000000012ab00",
            dsid="3504175fe0000000000012ab",
            name="Decke &amp; Wand",
            zone_id=989,
        ),
        DeviceRef(dsuid="303505d7f8000000000000400000000a00", dsid="", name="Rollo", zone_id=990),
    )


def test_devices_missing_from_zone_0_are_still_collected() -> None:
    topology = parse_structure(
        structure({"id": 0, "devices": []}, {"id": 989, "name": "Wohnen", "devices": [LAMP]})
    )
    assert [d.zone_id for d in topology.devices] == [989]


@pytest.mark.parametrize(
    "result",
    [
        None,
        [],
        {"apartment": {}},
        {"apartment": {"zones": {}}},
        structure("zone"),  # type: ignore[arg-type]  # deliberately malformed
        structure({"id": "989", "devices": []}),
        structure({"id": True, "devices": []}),
        structure({"id": 1, "devices": {}}),
        structure({"id": 1, "devices": ["x"]}),
        structure({"id": 1, "devices": [{"name": "no dsuid", "zoneID": 1}]}),
        structure({"id": 1, "devices": [{**LAMP, "zoneID": "1"}]}),
    ],
)
def test_malformed_structures_are_rejected(result: object) -> None:
    with pytest.raises(DssRejected, match="malformed structure"):
        parse_structure(result)


def test_device_list_parses_and_rejects_non_lists() -> None:
    assert [d.name for d in parse_devices([LAMP, BLIND])] == ["Decke &amp; Wand", "Rollo"]
    with pytest.raises(DssRejected):
        parse_devices({"devices": []})


def test_names_are_unescaped_only_for_display() -> None:
    topology = parse_structure(
        structure(
            {"id": 989, "name": "Wohnen &amp; Essen", "devices": [LAMP]},
            {"id": 990, "name": "Licht &amp;amp; Co", "devices": []},
        )
    )
    # The policy resolves `name=` against these: exactly the dSS's stored text.
    assert topology.zones[989] == "Wohnen &amp; Essen"
    assert topology.zones[990] == "Licht &amp;amp; Co"
    assert zone_display_names(topology) == {989: "Wohnen & Essen", 990: "Licht &amp; Co"}
    assert display_name(topology.devices[0].name) == "Decke & Wand"
