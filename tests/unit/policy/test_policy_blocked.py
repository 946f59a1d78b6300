"""Always-blocked calls: denied at every level with any parameters; the tables are consistent."""

from __future__ import annotations

import pytest

from dss_addon.policy.rules import (
    ALWAYS_BLOCKED_CALLS,
    ALWAYS_BLOCKED_CLASSES,
    CONFIGURE_CALLS,
    LEVEL_CALLS,
    OPERATE_CALLS,
    VIEW_CALLS,
)
from dss_addon.shares.model import Level
from tests.support.builders import (
    decide_now,
    make_call,
    make_share,
)

BLOCKED = sorted(ALWAYS_BLOCKED_CALLS)
# Parameters that would make the call allowed if it were allow-listed at all.
HELPFUL_PARAMS = {"path": "/scripts/tado/x", "query": "/scripts/tado/x", "name": "tado.config"}


@pytest.mark.parametrize("level", list(Level))
@pytest.mark.parametrize(("klass", "method"), BLOCKED)
@pytest.mark.parametrize("params", [{}, HELPFUL_PARAMS])
def test_every_always_blocked_call_is_denied_at_every_level(
    level: Level, klass: str, method: str, params: dict[str, str]
) -> None:
    share = make_share(level=level)
    decision = decide_now(
        share,
        make_call(klass, method, **params),
        raise_allowed=frozenset({"tado.*"}),
    )
    assert not decision.allowed
    assert decision.reason.startswith("always blocked: ")


@pytest.mark.parametrize("klass", sorted(ALWAYS_BLOCKED_CLASSES))
@pytest.mark.parametrize("method", ["list", "add", "remove", "query", "anything"])
def test_blocked_classes_are_blocked_for_every_method(klass: str, method: str) -> None:
    share = make_share(level=Level.CONFIGURE)
    call = make_call(klass, method)
    decision = decide_now(share, call)
    assert decision.reason == f"always blocked: {klass}/*"


@pytest.mark.parametrize(
    ("klass", "method"),
    [
        ("system", "setPassword"),
        ("system", "requestApplicationToken"),
        ("system", "enableToken"),
        ("system", "revokeToken"),
        ("system", "login"),
        ("system", "loginApplication"),
        ("system", "logout"),
        ("property", "remove"),
        ("property", "setFlag"),
        ("device", "setConfig"),
        ("device", "setOutputValue"),
        ("device", "setOutputChannelValue"),
        ("device", "setOutputChannelValue2"),
        ("device", "setProgMode"),
        ("device", "setProperty"),
        ("device", "setCustomAction"),
        ("device", "callAction"),
        ("circuit", "firmwareUpdate"),
        ("circuit", "firmwareCheck"),
        ("circuit", "learnIn"),
        ("circuit", "learnOut"),
        ("circuit", "storeAccessToken"),
        ("circuit", "invokeMethod"),
        ("circuit", "rescan"),
        ("apartment", "removeMeter"),
        ("apartment", "removeInactiveMeters"),
        ("apartment", "rescan"),
        ("apartment", "setDevicesFirstSeen"),
        ("subscription", "add"),
        ("subscription", "remove"),
        ("database", "query"),
    ],
)
def test_blocked_table_covers_dss_api_5_4(klass: str, method: str) -> None:
    assert (klass, method) in ALWAYS_BLOCKED_CALLS


def test_levels_are_cumulative() -> None:
    assert VIEW_CALLS < OPERATE_CALLS < CONFIGURE_CALLS
    assert [LEVEL_CALLS[level] for level in Level] == [VIEW_CALLS, OPERATE_CALLS, CONFIGURE_CALLS]


def test_no_level_allows_a_blocked_call() -> None:
    assert not CONFIGURE_CALLS & ALWAYS_BLOCKED_CALLS
    assert not {k for k, _ in CONFIGURE_CALLS} & ALWAYS_BLOCKED_CLASSES


def test_view_is_read_only() -> None:
    writes = {
        (k, m)
        for k, m in VIEW_CALLS
        if not m.startswith(("get", "has", "query", "sceneGet")) and k not in {"event", "system"}
    }
    assert writes == set()
    assert {m for k, m in VIEW_CALLS if k == "event"} == {"subscribe", "get", "unsubscribe"}
