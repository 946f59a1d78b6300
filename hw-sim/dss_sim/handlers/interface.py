"""The device-interface verbs shared by apartment, zone and device
(deviceinterfacerequesthandler.cpp). The target is resolved before the verb runs; each verb
parses its own parameters like the dSS and records what it did in the effects log."""

from __future__ import annotations

from collections.abc import Callable

from dss_sim import actions
from dss_sim.actions import Target, target_fields
from dss_sim.effects import EffectKind
from dss_sim.errors import DssFail
from dss_sim.handlers.base import Ctx, Handler
from dss_sim.params import str2dsid, str2dsuid

Resolver = Callable[[Ctx], Target]
MAX_SCENE = 127  # SceneHelper::isInRange(scene, 0): the interface verbs always pass zone 0


def category(ctx: Ctx) -> str:
    """getCategory: the `category` parameter when present (even empty), else "manual"."""
    return ctx.params.text("category") if ctx.params.has("category") else "manual"


def access(ctx: Ctx) -> str:
    """The category SceneAccess::checkAccess is given: SceneAccess::stringToCategory of
    getCategory, named as categoryToString names it (anything unknown is "unknown")."""
    text = category(ctx)
    return text if text in ("manual", "timer", "algorithm") else "unknown"


def scene_number(ctx: Ctx) -> int:
    """callScene/callSceneMin/saveScene: strToIntDef(sceneNumber, -1), -1 invalid, 0..127."""
    raw = ctx.params.text("sceneNumber")
    scene = ctx.params.int_def("sceneNumber", -1)
    if scene == -1:
        raise DssFail(f"Invalid sceneNumber: '{raw}'")
    if not 0 <= scene <= MAX_SCENE:
        raise DssFail(f"Parameter 'sceneNumber' out of bounds ('{raw}')")
    return scene


def verbs(resolve: Resolver) -> dict[str, Handler]:
    def act(ctx: Ctx, target: Target, scene: int | None = None, detail: str = "") -> None:
        """Every verb that drives an output checked the scene access category first."""
        ctx.effect(EffectKind.ACTION, scene=scene, detail=detail, access=access(ctx),
                   **target_fields(target))

    def checked(ctx: Ctx) -> Target:
        target = resolve(ctx)
        actions.check_access(ctx.sim, target, category(ctx))
        return target

    async def turn_on(ctx: Ctx) -> None:
        target = checked(ctx)
        actions.call_scene(ctx.sim, target, 14, ctx.origin_token)
        act(ctx, target, 14)

    async def turn_off(ctx: Ctx) -> None:
        target = checked(ctx)
        actions.call_scene(ctx.sim, target, 13, ctx.origin_token)
        act(ctx, target, 13)

    async def call_scene(ctx: Ctx) -> None:
        target = resolve(ctx)
        scene = scene_number(ctx)
        forced = ctx.params.text("force") == "true"  # exactly "true", nothing else
        actions.check_access(ctx.sim, target, category(ctx))
        actions.call_scene(ctx.sim, target, scene, ctx.origin_token, forced)
        act(ctx, target, scene, "forced" if forced else "")

    async def call_scene_min(ctx: Ctx) -> None:
        target = resolve(ctx)
        scene = scene_number(ctx)
        actions.check_access(ctx.sim, target, category(ctx))
        actions.call_scene(ctx.sim, target, scene, ctx.origin_token)
        act(ctx, target, scene)

    async def save_scene(ctx: Ctx) -> None:
        target = resolve(ctx)
        scene = scene_number(ctx)
        ctx.effect(EffectKind.CONFIG, scene=scene, **target_fields(target))

    async def undo_scene(ctx: Ctx) -> None:
        # strToIntDef(sceneNumber, -1): anything unparsable (or "-1") undoes the last scene;
        # any other number is passed on without a range check.
        target = checked(ctx)
        scene = ctx.params.int_def("sceneNumber", -1)
        if scene == -1:
            actions.undo_scene(ctx.sim, target, None, ctx.origin_token)
            act(ctx, target, None, "last")
        else:
            actions.undo_scene(ctx.sim, target, scene, ctx.origin_token)
            act(ctx, target, scene)

    async def set_value(ctx: Ctx) -> None:
        target = resolve(ctx)
        raw = ctx.params.text("value")
        value = ctx.params.int_def("value", -1)
        if not 0 <= value <= 255:
            raise DssFail(f"Invalid or missing parameter value: '{raw}'")
        actions.check_access(ctx.sim, target, category(ctx))
        actions.set_value(ctx.sim, target, value)
        act(ctx, target, None, f"value={value}")

    async def increase(ctx: Ctx) -> None:
        target = checked(ctx)
        actions.step_value(ctx.sim, target, 11)
        act(ctx, target, 12)  # SceneInc

    async def decrease(ctx: Ctx) -> None:
        target = checked(ctx)
        actions.step_value(ctx.sim, target, -11)
        act(ctx, target, 11)  # SceneDec

    async def blink(ctx: Ctx) -> None:
        target = checked(ctx)
        actions.blink(ctx.sim, target)
        act(ctx, target, None, "blink")

    async def get_consumption(ctx: Ctx) -> dict[str, int]:
        return {"consumption": actions.consumption(ctx.sim, resolve(ctx))}

    async def ventilation_only(ctx: Ctx) -> None:
        target = resolve(ctx)
        if isinstance(target, actions.GroupTarget) and target.group.application_type == 10:
            # Group::nextScene/previousScene go through callScene: checkAccess
            actions.check_access(ctx.sim, target, category(ctx))
            act(ctx, target, None, ctx.call.rpartition("/")[2])
            return
        raise DssFail("Operation allowed only on Ventilation groups.")

    async def channel_verb(ctx: Ctx) -> None:
        target = resolve(ctx)
        channel = ctx.params.text("channel")
        if not channel:
            raise DssFail("Missing parameter 'channel'")
        actions.check_access(ctx.sim, target, category(ctx))
        act(ctx, target, None, f"channel={channel}")

    async def push_sensor(ctx: Ctx) -> None:
        target = resolve(ctx)
        # dsidOrDsuid2dsuid(sourceDSID, sourceDSUID) when either is given; it throws (500)
        source_dsuid, source_dsid = ctx.params.text("sourceDSUID"), ctx.params.text("sourceDSID")
        if source_dsuid and str2dsuid(source_dsuid) is None:
            raise DssFail("can not convert from string, invalid dSUID", 500)
        if not source_dsuid and source_dsid and str2dsid(source_dsid) is None:
            raise DssFail("can not convert from string, invalid dSID", 500)
        if ctx.params.int_def("sensorType", -1) == -1 or not ctx.params.text("sensorValue"):
            raise DssFail("Need valid parameter 'sensorType' and 'sensorValue'")
        actions.check_access(ctx.sim, target, category(ctx))  # AddressableModelItem::pushSensor
        act(ctx, target, None, "pushSensorValue")

    return {
        "turnOn": turn_on, "turnOff": turn_off, "callScene": call_scene,
        "callSceneMin": call_scene_min, "saveScene": save_scene, "undoScene": undo_scene,
        "setValue": set_value, "increaseValue": increase, "decreaseValue": decrease,
        "blink": blink, "getConsumption": get_consumption, "nextScene": ventilation_only,
        "previousScene": ventilation_only, "increaseOutputChannelValue": channel_verb,
        "decreaseOutputChannelValue": channel_verb, "stopOutputChannelValue": channel_verb,
        "pushSensorValue": push_sensor,
    }
