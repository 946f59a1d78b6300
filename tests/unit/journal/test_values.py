"""The journal's pure helpers: what a call sets, what a getter answered, how to restore."""

from __future__ import annotations

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
    assert read_params(params, restorer) == {"dsuid": DSUID, "sceneID": "5"}


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
