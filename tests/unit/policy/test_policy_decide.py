"""decide(): sessions, share states, targets, JSONP, levels, scenes, property paths."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import pytest

from dss_addon.policy import Decision, DssCall, Target, decide
from dss_addon.shares.model import Level, Share, ShareSession
from tests.support.builders import (
    IDLE_TIMEOUT,
    LIGHT_WOHNEN,
    NOW,
    decide_now,
    make_call,
    make_session,
    make_share,
    make_topology,
)

V, OP, C = Level.VIEW, Level.OPERATE, Level.CONFIGURE
TOPOLOGY = make_topology()


def run(share: Share, call: DssCall, session: ShareSession | str | None = "default") -> Decision:
    if session == "default":
        session = make_session(share)
    assert not isinstance(session, str)
    return decide(share, session, call, NOW, topology=TOPOLOGY, idle_timeout=IDLE_TIMEOUT)


def at_level(level: Level, klass: str, method: str, **params: str) -> Decision:
    return run(make_share(level=level), make_call(klass, method, **params))


GET_STRUCTURE = make_call("apartment", "getStructure")


# --- sessions and share states -------------------------------------------------------------


def test_no_session_is_denied() -> None:
    assert run(make_share(), GET_STRUCTURE, None) == Decision.deny("no session")


@pytest.mark.parametrize(
    ("session_overrides", "reason"),
    [
        ({"last_seen_at": NOW - IDLE_TIMEOUT}, "session idle"),
        ({"last_seen_at": NOW - timedelta(hours=2)}, "session idle"),
        ({"ended_at": NOW - timedelta(seconds=1)}, "session ended"),
        ({"share_id": "shr_other"}, "session belongs to another share"),
    ],
)
def test_unusable_session_is_denied(session_overrides: Mapping[str, Any], reason: str) -> None:
    share = make_share()
    session = make_session(share, **session_overrides)
    assert run(share, GET_STRUCTURE, session) == Decision.deny(reason)


def test_session_just_inside_idle_timeout_is_usable() -> None:
    share = make_share()
    session = make_session(share, last_seen_at=NOW - IDLE_TIMEOUT + timedelta(seconds=1))
    assert run(share, GET_STRUCTURE, session).allowed


@pytest.mark.parametrize(
    ("share_overrides", "reason"),
    [
        ({"starts_at": NOW + timedelta(minutes=1)}, "share scheduled"),
        ({"expires_at": NOW}, "share expired"),
        ({"expires_at": NOW - timedelta(days=1)}, "share expired"),
        ({"revoked_at": NOW - timedelta(minutes=1)}, "share revoked"),
        ({"ended_at": NOW - timedelta(minutes=1)}, "share ended"),
        (
            {"revoked_at": NOW - timedelta(minutes=1), "expires_at": NOW - timedelta(seconds=1)},
            "share revoked",
        ),
    ],
)
def test_unusable_share_states_deny_every_call(
    share_overrides: Mapping[str, Any], reason: str
) -> None:
    share = make_share(level=Level.CONFIGURE, **share_overrides)
    assert run(share, GET_STRUCTURE) == Decision.deny(reason)
    assert run(share, make_call("zone", "setName", id="989", newName="x")) == Decision.deny(reason)


@pytest.mark.parametrize(
    "share_overrides",
    [
        {"max_redemptions": 1, "redemptions": 1},  # used up: no new redemption, sessions go on
        {"has_pin": True, "pin_failures": 5},  # locked: same
        {},
    ],
)
def test_used_up_and_locked_shares_stay_usable_for_existing_sessions(
    share_overrides: Mapping[str, Any],
) -> None:
    assert run(make_share(**share_overrides), GET_STRUCTURE).allowed


# --- targets and JSONP ----------------------------------------------------------------------


@pytest.mark.parametrize("level", list(Level))
@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/browse/system/security", "target /browse not allowed"),
        ("/cgi-bin/reboot.cgi", "target /cgi-bin not allowed"),
        ("/icons/getDeviceIcon", "target /icons not allowed"),
        ("/getLatestLogs", "target /getLatestLogs not allowed"),
        ("/websocket", "target /websocket not allowed"),
        ("/something/else", "target not allowed"),
        ("", "target not allowed"),
    ],
)
def test_other_targets_are_denied_at_every_level(level: Level, path: str, reason: str) -> None:
    call = DssCall(Target.OTHER, path=path)
    assert run(make_share(level=level), call) == Decision.deny(reason)


@pytest.mark.parametrize(
    ("level", "path", "allowed"),
    [
        (C, "/index.html", True),
        (C, "/js/dss/dss-setup.js", True),
        (OP, "/index.html", False),
        (V, "/index.html", False),
        (C, "/cgi-bin/doupdate.cgi", False),
        (C, "/browse/system", False),
        (C, "/x/../cgi-bin/reboot", False),
    ],
)
def test_configurator_only_for_configure(level: Level, path: str, allowed: bool) -> None:
    call = DssCall(Target.CONFIGURATOR, path=path)
    assert run(make_share(level=level), call).allowed is allowed


def test_json_target_without_class_or_method_is_denied() -> None:
    assert not run(make_share(), make_call("", "")).allowed
    assert not run(make_share(), make_call("apartment", "")).allowed


@pytest.mark.parametrize("level", list(Level))
@pytest.mark.parametrize("callback", ["cb", "", "jQuery123"])
def test_jsonp_is_denied_at_every_level(level: Level, callback: str) -> None:
    decision = at_level(level, "apartment", "getName", callback=callback)
    assert decision == Decision.deny("JSONP callback not allowed")


# --- levels ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "klass", "method", "params", "allowed"),
    [
        (V, "apartment", "getStructure", {}, True),
        (V, "apartment", "getDevices", {}, True),
        (V, "system", "version", {}, True),
        (V, "metering", "getLatest", {"type": "consumption", "from": ".meters(all)"}, True),
        (V, "circuit", "getConsumption", {"dsuid": "30" * 17}, True),
        (V, "device", "getName", {"dsuid": LIGHT_WOHNEN.dsuid}, True),
        (V, "event", "get", {"subscriptionID": "42", "timeout": "1000"}, True),
        (V, "event", "unsubscribe", {"subscriptionID": "42", "name": "callScene"}, True),
        (V, "zone", "callScene", {"id": "989", "sceneNumber": "5"}, False),
        (V, "device", "turnOn", {"dsuid": LIGHT_WOHNEN.dsuid}, False),
        (V, "apartment", "callScene", {"sceneNumber": "5"}, False),
        (V, "zone", "setName", {"id": "989", "newName": "x"}, False),
        (OP, "zone", "callScene", {"id": "989", "sceneNumber": "5"}, True),
        (OP, "zone", "blink", {"id": "989"}, True),
        (OP, "device", "turnOn", {"dsuid": LIGHT_WOHNEN.dsuid}, True),
        (OP, "apartment", "callScene", {"sceneNumber": "5"}, True),
        (OP, "apartment", "undoScene", {"sceneNumber": "5"}, True),
        (OP, "zone", "setName", {"id": "989", "newName": "x"}, False),
        (OP, "device", "setName", {"dsuid": LIGHT_WOHNEN.dsuid, "newName": "x"}, False),
        (OP, "structure", "addZone", {"zoneID": "5"}, False),
        (OP, "apartment", "saveScene", {"sceneNumber": "5"}, False),
        (C, "zone", "setName", {"id": "989", "newName": "Wohnzimmer"}, True),
        (C, "apartment", "setName", {"newName": "Haus"}, True),
        (C, "device", "setName", {"dsuid": LIGHT_WOHNEN.dsuid, "newName": "x"}, True),
        (C, "zone", "sceneSetName", {"id": "989", "groupID": "1", "sceneNumber": "5"}, True),
        (C, "structure", "addZone", {"zoneID": "5"}, True),
        (C, "state", "set", {"name": "heating_system", "value": "1"}, True),
        (C, "apartment", "saveScene", {"sceneNumber": "17"}, True),
        (C, "device", "setLedMode", {"dsuid": LIGHT_WOHNEN.dsuid}, True),
        # unknown classes and methods, wrong case: deny by default
        (C, "apartment", "doesNotExist", {}, False),
        (C, "Apartment", "getStructure", {}, False),
        (C, "apartment", "GetStructure", {}, False),
        (C, "apartment", "getStructure/extra", {}, False),
        (C, "foo", "bar", {}, False),
        (C, "set", "byZone", {}, False),
        (C, "zone", "callAction", {"id": "989"}, False),
    ],
)
def test_level_allow_lists(
    level: Level, klass: str, method: str, params: dict[str, str], allowed: bool
) -> None:
    decision = at_level(level, klass, method, **params)
    assert decision.allowed is allowed, decision.reason
    if not allowed and klass in {"zone", "device", "apartment", "structure", "foo", "set"}:
        assert decision.reason == f"not in allow-list for level {level}"


def test_allowed_decision_names_the_level() -> None:
    assert at_level(OP, "zone", "turnOn", id="989") == Decision.allow("allowed for level operate")


# --- scenes ---------------------------------------------------------------------------------


_BAD_SCENE = "non-canonical request: sceneNumber is not a valid scene number"


@pytest.mark.parametrize("level", [OP, C])
@pytest.mark.parametrize(
    ("method", "scene", "reason"),
    [
        ("callScene", "5", None),
        ("callScene", "63", None),
        ("callScene", "64", "apartment scene 64 not allowed"),
        ("callScene", "65", "apartment scene 65 not allowed"),
        ("callScene", "76", "apartment scene 76 not allowed"),
        ("callScene", "127", "apartment scene 127 not allowed"),
        # Other spellings of a number are refused by the grammar, whatever their value: the
        # dSS reads 0x40 and 0100 as 64, and 2**32 + 65 as 65 on a 64-bit build.
        ("callScene", "0x3f", _BAD_SCENE),
        ("callScene", "077", _BAD_SCENE),
        ("callScene", "0x40", _BAD_SCENE),
        ("callScene", "0100", _BAD_SCENE),
        ("callScene", "-1", _BAD_SCENE),
        ("callScene", "4294967361", _BAD_SCENE),
        ("callScene", "65abc", _BAD_SCENE),
        ("callScene", "08", _BAD_SCENE),
        ("callScene", " 65", _BAD_SCENE),
        ("callScene", "+65", _BAD_SCENE),
        ("callScene", "\t65", _BAD_SCENE),
        ("callScene", "", _BAD_SCENE),
        ("undoScene", "65", "apartment scene 65 not allowed"),
        ("undoScene", "", _BAD_SCENE),
    ],
)
def test_apartment_scenes_from_64_are_denied(
    level: Level, method: str, scene: str, reason: str | None
) -> None:
    decision = at_level(level, "apartment", method, sceneNumber=scene)
    assert decision.allowed is (reason is None)
    if reason:
        assert decision.reason == reason


def test_apartment_scene_call_without_scene_number_is_denied() -> None:
    assert at_level(OP, "apartment", "callScene") == Decision.deny(
        "apartment scene number required"
    )


@pytest.mark.parametrize(
    ("params", "allowed"),
    [
        ({"id": "989", "sceneNumber": "5"}, True),
        ({"id": "989", "sceneNumber": "65"}, False),
        ({"id": "0", "sceneNumber": "65"}, False),  # zone 0 is the apartment
        ({"id": "0x0", "sceneNumber": "0x41"}, False),
        ({"id": "0", "sceneNumber": "5"}, True),
        ({"id": "989", "name": "Wohnen", "sceneNumber": "5"}, False),
        ({"sceneNumber": "5"}, False),
        ({"name": "Küche", "sceneNumber": "5"}, True),
        ({"name": "Unbekannt", "sceneNumber": "5"}, False),
    ],
)
def test_zone_scene_rules(params: dict[str, str], allowed: bool) -> None:
    assert at_level(OP, "zone", "callScene", **params).allowed is allowed


@pytest.mark.parametrize(
    ("params", "allowed"),
    [
        # Without a number the dSS undoes whatever the room called last: maybe the panic
        # scene (an apartment scene reaches every room).
        ({"id": "989"}, False),
        ({"id": "0"}, False),
        ({"id": "989", "sceneNumber": "5"}, True),
        ({"id": "989", "sceneNumber": "70"}, False),
    ],
)
def test_zone_undo_scene(params: dict[str, str], allowed: bool) -> None:
    assert at_level(OP, "zone", "undoScene", **params).allowed is allowed


@pytest.mark.parametrize(
    ("method", "scene", "allowed"),
    [
        ("callScene", "14", True),
        ("callScene", "68", False),
        ("callScene", "", False),
        # Empty or absent, the dSS would undo the last scene, which may be an apartment scene.
        ("undoScene", "", False),
        ("undoScene", None, False),
        ("undoScene", "5", True),
        ("undoScene", "x", False),
    ],
)
def test_device_scene_rules(method: str, scene: str | None, allowed: bool) -> None:
    params = {"dsuid": LIGHT_WOHNEN.dsuid}
    if scene is not None:
        params["sceneNumber"] = scene
    assert at_level(OP, "device", method, **params).allowed is allowed


# --- events ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "allowed"),
    [
        ("callScene", True),
        ("undoScene", True),
        ("buttonClick", True),
        ("deviceSensorValue", True),
        ("deviceBinaryInputEvent", True),
        ("stateChange", True),
        ("zoneSensorValue", True),
        ("scene_name_changed", True),
        ("ApplicationTokenDeleted", False),
        ("sendmail", False),
        ("running", False),
        ("model_ready", False),
        ("highlevelevent", False),
        ("CallScene", False),
        ("", False),
    ],
)
def test_event_subscribe_allow_list(name: str, allowed: bool) -> None:
    decision = at_level(V, "event", "subscribe", name=name, subscriptionID="42")
    assert decision.allowed is allowed


def test_event_raise_denied_without_allow_list_at_every_level() -> None:
    for level in Level:
        assert not at_level(level, "event", "raise", name="tado.config").allowed


@pytest.mark.parametrize(
    ("level", "name", "allowed"),
    [
        (C, "tado.config", True),
        (C, "tado.response", True),
        (C, "tadox.config", False),
        (C, "other", False),
        (C, "running", False),
        (C, "", False),
        (OP, "tado.config", False),
        (V, "tado.config", False),
    ],
)
def test_event_raise_with_allow_list(level: Level, name: str, allowed: bool) -> None:
    share = make_share(level=level)
    call = make_call("event", "raise", name=name)
    decision = decide_now(share, call, raise_allowed=frozenset({"tado.*", "running"}))
    assert decision.allowed is allowed


def test_lone_star_does_not_open_event_raise() -> None:
    share = make_share(level=C)
    call = make_call("event", "raise", name="sendmail")
    for allow in (frozenset({"*"}), frozenset({"sendmail", "*"})):
        decision = decide_now(share, call, raise_allowed=allow)
        assert not decision.allowed


# --- the scene access category of device-interface verbs -------------------------------------


def _verb(method: str, **params: str) -> DssCall:
    """A verb exactly as given: make_call would add the category the proxy adds."""
    return DssCall(Target.JSON, "device", method, params, f"/json/device/{method}")


@pytest.mark.parametrize(
    ("params", "allowed"),
    [
        ({"category": "algorithm"}, True),
        # Missing: the dSS would take the call as "manual", which its wind and fire
        # protections never block (sceneaccess.cpp SceneAccess::checkAccess).
        ({}, False),
        ({"category": "manual"}, False),
        ({"category": "timer"}, False),  # the proxy normalises it to "algorithm"
        ({"category": ""}, False),
    ],
)
@pytest.mark.parametrize("method", ["turnOn", "setValue", "callScene", "undoScene", "blink"])
def test_device_interface_verbs_carry_the_algorithm_category(
    method: str, params: dict[str, str], allowed: bool
) -> None:
    extra = {"value": "255"} if method == "setValue" else {}
    if method in ("callScene", "undoScene"):
        extra = {"sceneNumber": "5"}
    call = _verb(method, dsuid=LIGHT_WOHNEN.dsuid, **extra, **params)
    assert run(make_share(level=OP), call).allowed is allowed


# --- state/set of add-on states ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("addon", "allowed"),
    [
        ("tado", True),
        ("", True),  # the dSS's own white list of system states decides
        ("other-addon", False),
        ("system-addon-user-defined-states", False),
        ("system-addon-scene-responder", False),
    ],
)
def test_state_set_only_for_listed_add_ons(addon: str, allowed: bool) -> None:
    params = {"name": "heating_system" if not addon else "alarm1", "value": "active"}
    if addon:
        params["addon"] = addon
    share = make_share(level=C)
    decision = decide_now(
        share,
        make_call("state", "set", **params),
        script_addons=frozenset({"tado", "system-addon-user-defined-states"}),
    )
    assert decision.allowed is allowed, decision.reason


def test_state_set_is_refused_for_a_zone_restricted_share() -> None:
    share = make_share(level=C, zones=(989,))
    decision = decide_now(
        share,
        make_call("state", "set", addon="tado", name="alarm1", value="active"),
        script_addons=frozenset({"tado"}),
    )
    assert decision == Decision.deny("state/* not allowed for a zone-restricted share")
