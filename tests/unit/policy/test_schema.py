"""The per-call parameter schema, and the rules that hang off parameter types.

These tests iterate the schema, so a new setter that takes a scene or a group id cannot be
added without the scene and zone rules applying to it."""

from __future__ import annotations

import pytest

from dss_addon.policy import Decision
from dss_addon.policy.grammar import Kind
from dss_addon.policy.rules import CONFIGURE_CALLS, ZONE_LOCAL_GROUPS, Call
from dss_addon.policy.schema import SCHEMA
from dss_addon.shares.model import Level
from tests.support.builders import (
    LIGHT_WOHNEN,
    decide_now,
    make_call,
    make_share,
)

# Enough to name a target in each class, so that only the parameter under test can deny.
_TARGET: dict[str, dict[str, str]] = {
    "device": {"dsuid": LIGHT_WOHNEN.dsuid},
    "zone": {"id": "989", "groupID": "1"},
    "apartment": {"groupID": "1"},
}


def _typed(kind: Kind) -> list[tuple[Call, str]]:
    return sorted(
        (call, name) for call, params in SCHEMA.items() for name, t in params.items()
        if t.kind is kind
    )  # fmt: skip


def _decide(call: Call, name: str, value: str, zones: tuple[int, ...] = ()) -> Decision:
    klass, method = call
    params = {k: v for k, v in _TARGET.get(klass, {}).items() if k in SCHEMA[call]}
    params[name] = value
    share = make_share(level=Level.CONFIGURE, zones=zones)
    return decide_now(share, make_call(klass, method, **params))


def test_every_allowed_call_has_a_schema_and_nothing_else_does() -> None:
    assert set(SCHEMA) == CONFIGURE_CALLS


def test_names_that_say_scene_or_group_are_typed_so() -> None:
    for call, params in SCHEMA.items():
        for name, kind in params.items():
            lowered = name.lower()
            if "scene" in lowered and lowered != "newname":
                assert kind.kind is Kind.SCENE, (call, name)
            if lowered in ("groupid", "clusterid"):
                assert kind.kind is Kind.GROUP, (call, name)


SCENE_PARAMS = _typed(Kind.SCENE)


def test_the_scene_setters_are_typed() -> None:
    expected = {
        (("device", "setSceneValue"), "sceneID"),
        (("device", "setSceneMode"), "sceneID"),
        (("device", "setOutputChannelSceneValue2"), "sceneNumber"),
        (("device", "setOutputChannelDontCareFlag"), "sceneNumber"),
        (("device", "addToArea"), "areaScene"),
        (("zone", "sceneSetName"), "sceneNumber"),
        (("zone", "saveScene"), "sceneNumber"),
        (("zone", "callScene"), "sceneNumber"),
        (("apartment", "undoScene"), "sceneNumber"),
    }
    assert expected <= set(SCENE_PARAMS)


@pytest.mark.parametrize(("call", "name"), SCENE_PARAMS)
@pytest.mark.parametrize("scene", ["64", "65", "68", "76", "127", "255"])
def test_apartment_scenes_are_refused_in_every_call_that_takes_a_scene(
    call: Call, name: str, scene: str
) -> None:
    decision = _decide(call, name, scene)
    assert not decision.allowed
    assert f"scene {scene} not allowed" in decision.reason


@pytest.mark.parametrize(("call", "name"), SCENE_PARAMS)
def test_a_room_scene_is_not_refused_as_a_scene(call: Call, name: str) -> None:
    decision = _decide(call, name, "5")
    assert "scene" not in decision.reason or decision.allowed


DEVICE_GROUP_PARAMS = [(c, n) for c, n in _typed(Kind.GROUP) if c[0] == "device"]


def test_the_binary_input_target_is_a_group_id() -> None:
    assert (("device", "setBinaryInputTarget"), "groupId") in DEVICE_GROUP_PARAMS


@pytest.mark.parametrize(("call", "name"), DEVICE_GROUP_PARAMS)
@pytest.mark.parametrize("group", ["0", "16", "39", "48", "64", "69", "255"])
def test_zone_restricted_shares_never_bind_a_device_to_a_group_beyond_the_zone(
    call: Call, name: str, group: str
) -> None:
    assert not _decide(call, name, group, zones=(989,)).allowed
    unrestricted = _decide(call, name, group)
    assert "reaches beyond a zone" not in unrestricted.reason


@pytest.mark.parametrize("group", sorted(ZONE_LOCAL_GROUPS))
def test_a_binary_input_may_target_a_group_of_its_own_zone(group: int) -> None:
    call = ("device", "setBinaryInputTarget")
    decision = _decide(call, "groupId", str(group), zones=(989,))
    assert decision.allowed, decision.reason


def test_a_binary_input_of_a_restricted_share_may_not_target_a_cluster() -> None:
    decision = _decide(("device", "setBinaryInputTarget"), "groupId", "16", zones=(989,))
    assert decision == Decision.deny("group 16 reaches beyond a zone (groupId)")


# meteringrequesthandler.cpp getValues reads `resolution` with strToIntDef(..., -1) and refuses
# only -1; metering.cpp Metering::getSeries divides by it: 0 kills the dSS (SIGFPE).
@pytest.mark.parametrize("method", ["getValues", "getAggregatedValues"])
@pytest.mark.parametrize("value", ["0", "7", "-5", "3600", "2592001"])
def test_a_metering_resolution_is_one_the_dss_keeps(method: str, value: str) -> None:
    decision = _decide(("metering", method), "resolution", value)
    assert not decision.allowed
    assert "resolution is not a valid" in decision.reason


@pytest.mark.parametrize("method", ["getValues", "getAggregatedValues"])
@pytest.mark.parametrize("value", ["1", "60", "900", "86400", "604800", "2592000"])
def test_the_dss_resolutions_are_allowed(method: str, value: str) -> None:
    assert _decide(("metering", method), "resolution", value).allowed


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("startTime", "-1"),
        ("startTime", "yesterday"),
        ("endTime", "2024-01-01T00:00"),
        ("valueCount", "-1"),
        ("valueCount", "2977"),
        ("valueCount", "100000"),
        ("type", "bogus"),
        ("type", "Consumption"),
        ("unit", "kWh"),
        ("from", ".meters(all)"),  # getValues/getAggregatedValues never read `from`
    ],
)
def test_metering_series_parameters_are_what_the_dss_reads(name: str, value: str) -> None:
    for method in ("getValues", "getAggregatedValues"):
        assert not _decide(("metering", method), name, value).allowed


@pytest.mark.parametrize(
    ("name", "value"),
    [("startTime", "0"), ("endTime", "1700000000"), ("valueCount", "2976"), ("valueCount", "0"),
     ("type", "energyDelta"), ("unit", "Ws")],
)  # fmt: skip
def test_metering_series_parameters_in_range_are_allowed(name: str, value: str) -> None:
    assert _decide(("metering", "getValues"), name, value).allowed


@pytest.mark.parametrize(("name", "value"), [("type", "energyDelta"), ("unit", "kWh")])
def test_latest_values_take_the_types_and_units_the_dss_compares(name: str, value: str) -> None:
    assert not _decide(("metering", "getLatest"), name, value).allowed
    assert _decide(("metering", "getLatest"), "type", "energy").allowed
