"""Pure helpers of the journal: the read and restore calls of a change, and value parsing."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from dss_addon.journal.table import TARGET_PARAMS, Restorer, ValueKind, restorer_of

Params = dict[str, str]


@dataclass(frozen=True, slots=True)
class Change:
    id: int
    share_id: str
    session_id: str
    actor: str  # "share", or the owner's dSS user name for an undo
    at: datetime
    call: str  # "<class>/<method>"
    target: Mapping[str, str]
    names: Mapping[str, str]  # "zone", "device": names when the change was made
    params: Mapping[str, str]
    before: str | None  # None: the old value is unknown (not restorable)
    after: str | None  # None: the journal cannot tell the new value either
    restorable: bool
    applied: bool
    undone_at: datetime | None
    undo_of: int | None

    @property
    def klass(self) -> str:
        return self.call.partition("/")[0]

    @property
    def method(self) -> str:
        return self.call.partition("/")[2]


SHARE_ACTOR = "share"


def target_of(params: Mapping[str, str]) -> Params:
    return {k: v for k, v in params.items() if k in TARGET_PARAMS}


def read_params(target: Mapping[str, str], params: Mapping[str, str], restorer: Restorer) -> Params:
    """The getter's parameters: the change's (resolved) target plus the restorer's keys."""
    keys = {k: params[k] for k in restorer.keys if k in params}
    return {**target, **keys}


def value_key(change: Change) -> str:
    """Which value a change changed: its class, the value read back (every property setter
    writes the node's one value, whatever its type), the resolved target and the keys."""
    restorer = restorer_of((change.klass, change.method))
    assert restorer is not None
    what = "value" if change.klass == "property" else restorer.getter
    getter = read_params(change.target, change.params, restorer)
    return json.dumps([change.klass, what, getter], sort_keys=True)


def value_after(klass: str, method: str, params: Mapping[str, str]) -> str | None:
    """The value the call sets, as the journal compares it; None when it cannot say."""
    restorer = restorer_of((klass, method))
    if restorer is None:
        return None
    if restorer.kind is ValueKind.TAG:
        return "true" if method == "addTag" else "false"
    if (
        klass == "device"
        and method == "setSceneValue"
        and ("angle" in params or "command" in params)
    ):
        # The shade's angle, and the scene action `command` programs on a vdc device
        # (devicerequesthandler.cpp: set before the value, and kept when the value is then
        # refused), cannot be read back: the value alone would mislead (not restorable).
        return None
    return params.get(restorer.param)


def parse_answer(body: bytes, restorer: Restorer) -> str | None:
    """The value in a getter's dSS answer ({"ok": true, "result": {field: value}}), or None."""
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    if not isinstance(answer, dict) or answer.get("ok") is not True:
        return None
    result = answer.get("result")
    if not isinstance(result, dict) or restorer.field not in result:
        return None
    return normalise(result[restorer.field], restorer)


def normalise(value: object, restorer: Restorer) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        # The dSS stores names HTML-escaped and answers them so; setName escapes again, so
        # the value to compare with and to restore is the unescaped text.
        return html.unescape(value) if restorer.kind is ValueKind.TEXT else value
    return None


def restore_call(change: Change, value: str) -> tuple[str, str, Params]:
    """(class, method, params) that set the change's value back to `value`."""
    restorer = restorer_of((change.klass, change.method))
    if restorer is None:
        raise ValueError(f"{change.call} is not restorable")
    target = dict(change.target)
    keys = {k: change.params[k] for k in restorer.keys if k in change.params}
    if restorer.kind is ValueKind.TAG:
        method = "addTag" if value == "true" else "removeTag"
        return change.klass, method, {**target, **keys}
    return change.klass, change.method, {**target, **keys, restorer.param: value}


def applied_ok(body: bytes) -> bool:
    try:
        answer = json.loads(body)
    except ValueError:
        return False
    return isinstance(answer, dict) and answer.get("ok") is True
