"""Every `action` effect names the scene access category the dSS checked before it acted
(sceneaccess.cpp SceneAccess::checkAccess), or `unchecked` for calls that skip the check, so a
differential judge can tell a share's call that the wind and fire protections hold against from
one they do not (manual calls are never blocked).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from dss_sim.effects import UNCHECKED, Effect, EffectKind
from dss_sim.sim import Simulator

if TYPE_CHECKING:
    from tests.conftest import DssHttp, Structure


def _actions(sim: Simulator, mark: int) -> list[Effect]:
    return [e for e in sim.effects.since(mark) if e.kind is EffectKind.ACTION]


# deviceinterfacerequesthandler.cpp getCategory (no parameter: "manual") and
# SceneAccess::stringToCategory (anything but manual/timer/algorithm: SAC_UNKNOWN)
@pytest.mark.parametrize(
    ("suffix", "access"),
    [
        ("", "manual"),
        ("&category=manual", "manual"),
        ("&category=timer", "timer"),
        ("&category=algorithm", "algorithm"),
        ("&category=", "unknown"),
        ("&category=Manual", "unknown"),
    ],
)
@pytest.mark.parametrize(
    "verb", ["callScene?sceneNumber=5", "turnOn?x=1", "setValue?value=100", "blink?x=1",
             "undoScene?sceneNumber=5", "undoScene?x=1", "increaseValue?x=1"],
)  # fmt: skip
async def test_a_device_verb_records_the_category_it_checked(
    dss: DssHttp,
    token: str,
    sim: Simulator,
    structure: Structure,
    verb: str,
    suffix: str,
    access: str,
) -> None:
    dsuid = structure.light["dSUID"]
    mark = sim.effects.mark()
    await dss.ok(f"/json/device/{verb}&dsuid={dsuid}{suffix}", token)
    assert [e.access for e in _actions(sim, mark)] == [access]


async def test_a_zone_verb_records_the_category_it_checked(
    dss: DssHttp, token: str, sim: Simulator, structure: Structure
) -> None:
    zone = structure.room["id"]
    mark = sim.effects.mark()
    await dss.ok(f"/json/zone/callScene?id={zone}&groupID=1&sceneNumber=5&category=timer", token)
    await dss.ok(f"/json/zone/turnOff?id={zone}&groupID=1", token)
    await dss.ok("/json/apartment/callScene?groupID=1&sceneNumber=5&category=algorithm", token)
    assert [e.access for e in _actions(sim, mark)] == ["timer", "manual", "algorithm"]


# deviceinterfacerequesthandler.cpp undoScene: strToIntDef(sceneNumber, -1) == -1 ->
# undoSceneLast: no scene number, whatever was called last is undone
async def test_an_undo_of_the_last_scene_has_no_scene(
    dss: DssHttp, token: str, sim: Simulator, structure: Structure
) -> None:
    dsuid = structure.light["dSUID"]
    mark = sim.effects.mark()
    await dss.ok(f"/json/device/undoScene?dsuid={dsuid}&sceneNumber=x&category=timer", token)
    [undo] = _actions(sim, mark)
    assert (undo.scene, undo.detail, undo.access) == (None, "last", "timer")


# devicerequesthandler.cpp setOutputValue, setOutputChannelValue, lock, unlock: the output is
# driven without SceneAccess::checkAccess, whatever `category` says
@pytest.mark.parametrize(
    "call",
    [
        "setOutputValue?offset=0&value=100&category=algorithm",
        "setOutputChannelValue?channelvalues=brightness=50&category=algorithm",
    ],
)
async def test_unchecked_device_calls_say_so(
    dss: DssHttp, token: str, sim: Simulator, structure: Structure, call: str
) -> None:
    dsuid = structure.light["dSUID"]
    mark = sim.effects.mark()
    await dss.ok(f"/json/device/{call}&dsuid={dsuid}", token)
    assert [e.access for e in _actions(sim, mark)] == [UNCHECKED]


def test_the_access_category_is_described() -> None:
    effect = Effect(EffectKind.ACTION, "zone/turnOn", zone=1, group=1, scene=14, access="manual")
    assert effect.describe().endswith("access=manual")
