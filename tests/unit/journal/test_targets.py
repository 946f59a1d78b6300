"""The journal's resolved targets: one spelling per device, zone and property node."""

from __future__ import annotations

import json

from dss_addon.journal.targets import by_group_id, groups_named, resolved_target
from dss_addon.policy import DeviceRef, Topology

DSUID = "303505d7f80000000000000061fc6eb300"
DSID = "303505d7f800000061fc6eb3"
TOPOLOGY = Topology(
    zones={989: "Wohnen", 990: "Küche", 991: "Bad", 992: "Bad"},
    devices=(DeviceRef(DSUID, DSID, "Deckenleuchte Küche", 990),),
)


def test_a_device_is_its_dsuid_however_it_was_addressed() -> None:
    for given in ({"dsuid": DSUID}, {"dsid": DSID}, {"name": "Deckenleuchte Küche"}):
        params = {**given, "sceneID": "5", "value": "1"}
        assert resolved_target("device", params, TOPOLOGY) == {"dsuid": DSUID}


def test_a_zone_is_its_id_with_the_group_as_given() -> None:
    assert resolved_target("zone", {"name": "Wohnen", "newName": "x"}, TOPOLOGY) == {"id": "989"}
    assert resolved_target("zone", {"id": "989"}, TOPOLOGY) == {"id": "989"}
    params = {"name": "Küche", "groupID": "1", "sceneNumber": "5"}
    assert resolved_target("zone", params, TOPOLOGY) == {"id": "990", "groupID": "1"}


def test_a_property_path_is_collapsed_as_the_dss_does() -> None:
    params = {"path": "//scripts//a/x/", "value": "1"}
    assert resolved_target("property", params, None) == {"path": "/scripts/a/x"}


def test_what_cannot_be_resolved_stays_as_given() -> None:
    assert resolved_target("zone", {"name": "Bad"}, TOPOLOGY) == {"name": "Bad"}  # ambiguous
    assert resolved_target("device", {"name": "Nirgends"}, TOPOLOGY) == {"name": "Nirgends"}
    assert resolved_target("device", {"dsid": DSID}, None) == {"dsid": DSID}
    assert resolved_target("circuit", {"id": DSID, "newName": "x"}, None) == {"id": DSID}


def _structure(groups: list[object]) -> bytes:
    zones = [{"id": 989, "groups": [{"id": 1, "name": "Licht"}]}, {"id": 990, "groups": groups}]
    return json.dumps({"ok": True, "result": {"apartment": {"zones": zones}}}).encode()


def test_a_group_name_is_looked_up_among_its_zones_groups_as_stored() -> None:
    groups: list[object] = [{"id": 1, "name": "Licht"}, {"id": 2, "name": "Schatten &amp; Co"}]
    assert groups_named(_structure(groups), "990", "Licht") == [1]
    assert groups_named(_structure(groups), "990", "Schatten &amp; Co") == [2]
    assert groups_named(_structure(groups), "990", "Schatten & Co") == []
    assert groups_named(_structure(groups), "991", "Licht") == []
    twice: list[object] = [{"id": 1, "name": "Licht"}, {"id": 64, "name": "Licht"}]
    assert groups_named(_structure(twice), "990", "Licht") == [1, 64]


def test_an_unreadable_structure_names_no_group() -> None:
    odd: list[object] = ["Licht", {"id": "1", "name": "Licht"}, {"id": True, "name": "Licht"}]
    for body in (b"not json", b'{"ok": false}', b'{"ok": true, "result": []}', _structure(odd)):
        assert groups_named(body, "990", "Licht") == []


def test_a_zone_target_by_group_id_drops_the_name() -> None:
    target = {"id": "990", "groupName": "Licht", "groupID": "3"}
    assert by_group_id(target, 1) == {"id": "990", "groupID": "1"}
