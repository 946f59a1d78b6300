"""The journal's pure helpers: what a call sets, what a getter answered, how to restore."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from dss_addon.journal.table import RESTORERS
from dss_addon.journal.values import (
    Change,
    applied_ok,
    parse_answer,
    read_params,
    restore_call,
    value_after,
    value_key,
)

DSUID = "303505d7f80000000000000061fc6eb300"


def _change(call: str, params: dict[str, str], before: str, after: str) -> Change:
    return Change(
        id=1, share_id="s", session_id="x", actor="share", at=datetime(2026, 1, 1, tzinfo=UTC),
        call=call, target={"dsuid": DSUID}, names={}, params=params, before=before,
        after=after, restorable=True, applied=True, undone_at=None, undo_of=None,
    )


def test_value_after_reads_the_setters_value_parameter() -> None:
    params = {"dsuid": DSUID, "sceneID": "5", "value": "128"}
    assert value_after("device", "setSceneValue", params) == "128"
    assert value_after("device", "setName", {"dsuid": DSUID, "newName": "x"}) == "x"
    assert value_after("device", "addTag", {"dsuid": DSUID, "tag": "t"}) == "true"
    assert value_after("device", "removeTag", {"dsuid": DSUID, "tag": "t"}) == "false"


def test_values_without_a_restorer_are_unknown() -> None:
    assert value_after("device", "setLedMode", {"dsuid": DSUID}) is None
    # A shade's angle is not restored by the value alone.
    params = {"dsuid": DSUID, "sceneID": "5", "value": "1", "angle": "2"}
    assert value_after("device", "setSceneValue", params) is None


def test_read_params_keep_target_and_keys_only() -> None:
    restorer = RESTORERS[("device", "setSceneValue")]
    params = {"dsuid": DSUID, "sceneID": "5", "value": "128"}
    assert read_params({"dsuid": DSUID}, params, restorer) == {"dsuid": DSUID, "sceneID": "5"}
    # The change's resolved target, not the spelling the share used.
    named = {"name": "Lampe", "sceneID": "5", "value": "128"}
    assert read_params({"dsuid": DSUID}, named, restorer) == {"dsuid": DSUID, "sceneID": "5"}


def test_a_scene_command_makes_the_value_unknown() -> None:
    # The vdc scene action cannot be read back; the dSS keeps it even when the value fails.
    params = {"dsuid": DSUID, "sceneID": "5", "value": "77", "command": "unlock-door"}
    assert value_after("device", "setSceneValue", params) is None
    assert value_after("device", "setSceneValue", {**params, "command": ""}) is None


def test_one_value_reached_two_ways_has_one_key() -> None:
    scene = {"sceneID": "5", "value": "1"}
    by_dsuid = _change("device/setSceneValue", {"dsuid": DSUID, **scene}, "0", "1")
    by_name = replace(by_dsuid, params={"name": "Lampe", **scene})
    assert value_key(by_dsuid) == value_key(by_name)
    other_scene = replace(by_dsuid, params={"dsuid": DSUID, "sceneID": "6", "value": "1"})
    assert value_key(other_scene) != value_key(by_dsuid)
    as_string = _change("property/setString", {"path": "/scripts/a/x", "value": "1"}, "0", "1")
    as_string = replace(as_string, target={"path": "/scripts/a/x"})
    as_integer = replace(as_string, call="property/setInteger")
    assert value_key(as_string) == value_key(as_integer)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"result":{"name":"A &amp; B"},"ok":true}', "A & B"),
        (b'{"ok":false,"message":"no"}', None),
        (b'{"result":{},"ok":true}', None),
        (b"not json", None),
    ],
)
def test_names_are_parsed_and_unescaped(body: bytes, expected: str | None) -> None:
    assert parse_answer(body, RESTORERS[("device", "setName")]) == expected


def test_numbers_and_booleans_become_text() -> None:
    assert parse_answer(b'{"result":{"value":255},"ok":true}',
                        RESTORERS[("device", "setSceneValue")]) == "255"
    assert parse_answer(b'{"result":{"hasTag":false},"ok":true}',
                        RESTORERS[("device", "addTag")]) == "false"


def test_restore_calls_set_the_old_value_again() -> None:
    change = _change("device/setSceneValue", {"dsuid": DSUID, "sceneID": "5", "value": "1"},
                     "255", "1")
    assert restore_call(change, "255") == (
        "device", "setSceneValue", {"dsuid": DSUID, "sceneID": "5", "value": "255"}
    )
    tag = _change("device/addTag", {"dsuid": DSUID, "tag": "t"}, "false", "true")
    assert restore_call(tag, "false") == ("device", "removeTag", {"dsuid": DSUID, "tag": "t"})
    assert restore_call(tag, "true") == ("device", "addTag", {"dsuid": DSUID, "tag": "t"})


def test_applied_ok_reads_the_envelope() -> None:
    assert applied_ok(b'{"ok":true}')
    assert not applied_ok(b'{"ok":false,"message":"x"}')
    assert not applied_ok(b"<html>")


def test_a_renamed_device_stays_one_group_under_its_old_name() -> None:
    from dataclasses import replace

    from dss_addon.journal.present import grouped
    from dss_addon.web.i18n import Lang

    rename = replace(
        _change("device/setName", {"dsuid": DSUID, "newName": "Neu"}, "Alt", "Neu"),
        names={"device": "Alt", "zone": "Küche"},
    )
    scene = replace(
        _change("device/setSceneValue", {"dsuid": DSUID, "sceneID": "5", "value": "1"},
                "255", "1"),
        id=2, names={"device": "Neu", "zone": "Küche"},
    )
    ((title, items),) = grouped([rename, scene], Lang.DE)
    assert title == "Alt (Küche)"
    assert [c.id for c in items] == [2, 1]
