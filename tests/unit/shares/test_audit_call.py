"""What an audit row says a call acted on: its ids, and what a call addressed by name hit."""

from __future__ import annotations

from urllib.parse import unquote

from dss_addon.policy import DeviceRef, DssCall, Target, Topology
from dss_addon.shares.audit import CUT, NAMED_LENGTH, PATH_LENGTH, audit_call, named_value

DSUID = "303505d7f80000000000000061fc6eb300"
DSID = "303505d7f800000061fc6eb3"
TOPOLOGY = Topology(
    zones={989: "Wohnen", 990: "Bad", 991: "Bad"},
    devices=(DeviceRef(DSUID, DSID, "Deckenleuchte Küche", 990),),
)


def _json(klass: str, method: str, **params: str) -> DssCall:
    return DssCall(Target.JSON, klass, method, params)


def test_ids_are_shown_as_given() -> None:
    call = _json("zone", "callScene", id="989", groupID="1", sceneNumber="5", category="manual")
    assert audit_call(call, TOPOLOGY) == "zone/callScene?id=989&groupID=1&sceneNumber=5"


def test_a_target_by_name_is_shown_as_the_policy_resolved_it() -> None:
    zone = _json("zone", "callScene", name="Wohnen", sceneNumber="0")
    assert audit_call(zone, TOPOLOGY) == "zone/callScene?sceneNumber=0&id=989"
    device = _json("device", "turnOff", name="Deckenleuchte Küche")
    assert audit_call(device, TOPOLOGY) == f"device/turnOff?dsuid={DSUID}"
    by_dsid = _json("device", "turnOn", dsid=DSID)
    assert audit_call(by_dsid, TOPOLOGY) == f"device/turnOn?dsuid={DSUID}"
    assert audit_call(by_dsid, None) == f"device/turnOn?dsid={DSID}"
    # Unknown or ambiguous names, or no topology: nothing is made up.
    assert audit_call(_json("zone", "callScene", name="Bad"), TOPOLOGY) == "zone/callScene"
    assert audit_call(zone, None) == "zone/callScene?sceneNumber=0"


def test_group_names_paths_and_raised_events_are_shown_bounded() -> None:
    group = _json("zone", "callScene", id="989", groupName="yellow", sceneNumber="5")
    assert audit_call(group) == "zone/callScene?id=989&sceneNumber=5&groupName=yellow"
    prop = _json("property", "setString", path="/scripts/a/x", value="secret")
    assert audit_call(prop) == "property/setString?path=%2Fscripts%2Fa%2Fx"
    long_name = "e" * 500
    raised = audit_call(_json("event", "raise", name=long_name, parameter="k=v"))
    assert unquote(raised) == f"event/raise?name={'e' * NAMED_LENGTH}{CUT}"
    # A subscription's name is not what a call acted on.
    assert audit_call(_json("event", "subscribe", name="x", subscriptionID="1")) == (
        "event/subscribe"
    )


def test_a_named_value_is_kept_whole_or_visibly_cut() -> None:
    path = "/scripts/tado/" + "a" * 64 + "/b/mode"
    assert named_value("path", path) == path  # longer than NAMED_LENGTH, a node of its own
    assert named_value("path", "p" * (PATH_LENGTH + 1)) == "p" * PATH_LENGTH + CUT
    assert named_value("groupName", "g" * NAMED_LENGTH) == "g" * NAMED_LENGTH
    assert named_value("groupName", "g" * (NAMED_LENGTH + 1)) == "g" * NAMED_LENGTH + CUT
