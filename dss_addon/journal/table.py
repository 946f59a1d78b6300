"""Which configuration calls the journal records, and how to read and restore each value.

Pure data, derived from the policy's tables: every call a `configure` share may make beyond
`operate` (rules.CONFIGURE_CALLS - rules.OPERATE_CALLS) is either journaled, with a way to read
its old value back (a getter of the 2017 dSS, src/web/handler/*.cpp) or marked not restorable,
or listed in NOT_CONFIGURATION with the reason it changes no setting. tests/unit/journal checks
that no allowed setter is forgotten.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from dss_addon.policy.rules import CONFIGURE_CALLS, OPERATE_CALLS, Call


class ValueKind(StrEnum):
    TEXT = "text"  # a string, HTML-escaped by the dSS when stored (names)
    PLAIN = "plain"  # a string or number, returned as set
    TAG = "tag"  # present or not (device/hasTag), restored with addTag/removeTag


@dataclass(frozen=True, slots=True)
class Restorer:
    """Read the value with `getter` (same class, the setter's target parameters plus `keys`),
    take `field` from its result; restore by calling the setter again with `param` = old."""

    getter: str
    field: str
    param: str
    keys: tuple[str, ...] = ()
    kind: ValueKind = ValueKind.PLAIN


# The parameters that name what a call changes (schema.py: _DEVICE, _ZONE, _GROUP, _CIRCUIT).
TARGET_PARAMS: frozenset[str] = frozenset(
    {"dsuid", "dsid", "name", "id", "groupID", "groupName", "path"}
)

_NAME = Restorer("getName", "name", "newName", kind=ValueKind.TEXT)

RESTORERS: Mapping[Call, Restorer] = MappingProxyType(
    {
        # apartmentrequesthandler.cpp getName: json.add("name", ...)
        ("apartment", "setName"): _NAME,
        # zonerequesthandler.cpp getName / sceneGetName: json.add("name", ...)
        ("zone", "setName"): _NAME,
        ("zone", "sceneSetName"): Restorer(
            "sceneGetName", "name", "newName", ("sceneNumber",), ValueKind.TEXT
        ),
        # devicerequesthandler.cpp
        ("device", "setName"): _NAME,
        ("device", "addTag"): Restorer("hasTag", "hasTag", "tag", ("tag",), ValueKind.TAG),
        ("device", "removeTag"): Restorer("hasTag", "hasTag", "tag", ("tag",), ValueKind.TAG),
        # getSceneValue: json.add("value", getSceneValue(id)) (+ "angle" for shades)
        ("device", "setSceneValue"): Restorer("getSceneValue", "value", "value", ("sceneID",)),
        ("device", "setCardinalDirection"): Restorer(
            "getCardinalDirection", "direction", "direction"
        ),
        ("device", "setWindProtectionClass"): Restorer("getWindProtectionClass", "class", "class"),
        ("device", "setFloor"): Restorer("getFloor", "floor", "floor"),
        ("device", "setSwitchThreshold"): Restorer("getSwitchThreshold", "threshold", "threshold"),
        ("device", "setTemperatureOffset"): Restorer(
            "getTemperatureOffset", "offset", "offset"
        ),
        ("device", "setOutputAfterImpulse"): Restorer(
            "getOutputAfterImpulse", "output", "output"
        ),
        # circuitrequesthandler.cpp getName: json.add("name", ...)
        ("circuit", "setName"): _NAME,
        # propertyrequesthandler.cpp get*: json.add("value", ...); add-on settings (/scripts)
        ("property", "setString"): Restorer("getString", "value", "value"),
        ("property", "setInteger"): Restorer("getInteger", "value", "value"),
        ("property", "setBoolean"): Restorer("getBoolean", "value", "value"),
        ("property", "setFloating"): Restorer("getFloating", "value", "value"),
    }
)

# Allowed beyond `operate` but no setting changes (nothing to journal).
NOT_CONFIGURATION: Mapping[Call, str] = MappingProxyType(
    {
        ("structure", "groupGetConfiguration"): "a read",
        # Messages to add-on scripts (UI to backend); the settings they keep are property
        # writes under /scripts, which are journaled.
        ("event", "raise"): "a message, not a setting",
    }
)

JOURNALED: frozenset[Call] = frozenset(CONFIGURE_CALLS - OPERATE_CALLS - NOT_CONFIGURATION.keys())


def restorer_of(call: Call) -> Restorer | None:
    """None for a journaled call whose old value the dSS cannot tell (not restorable)."""
    return RESTORERS.get(call)


def is_journaled(call: Call) -> bool:
    return call in JOURNALED
