"""The device-interface verbs shared by apartment, zone and device."""

from __future__ import annotations

from collections.abc import Callable

from dss_sim import actions
from dss_sim.actions import Target, scene_param, value_param
from dss_sim.errors import DssFail
from dss_sim.handlers.base import Ctx, Handler, bool_param
from dss_sim.params import parse_int

Resolver = Callable[[Ctx], Target]


def verbs(resolve: Resolver) -> dict[str, Handler]:
    async def turn_on(ctx: Ctx) -> None:
        actions.call_scene(ctx.sim, resolve(ctx), 14, ctx.origin_token)

    async def turn_off(ctx: Ctx) -> None:
        actions.call_scene(ctx.sim, resolve(ctx), 13, ctx.origin_token)

    async def call_scene(ctx: Ctx) -> None:
        scene = scene_param(ctx.params)
        assert scene is not None
        forced = bool_param(ctx.params.get("force"))
        target = resolve(ctx)
        actions.check_access(ctx.sim, target, ctx.params.get("category") or "manual")
        actions.call_scene(ctx.sim, target, scene, ctx.origin_token, forced)

    async def call_scene_min(ctx: Ctx) -> None:
        scene = scene_param(ctx.params)
        assert scene is not None
        actions.call_scene(ctx.sim, resolve(ctx), scene, ctx.origin_token)

    async def save_scene(ctx: Ctx) -> None:
        scene_param(ctx.params)
        resolve(ctx)

    async def undo_scene(ctx: Ctx) -> None:
        scene = scene_param(ctx.params, required=False)
        actions.undo_scene(ctx.sim, resolve(ctx), scene, ctx.origin_token)

    async def set_value(ctx: Ctx) -> None:
        value = value_param(ctx.params)
        actions.set_value(ctx.sim, resolve(ctx), value)

    async def increase(ctx: Ctx) -> None:
        actions.step_value(ctx.sim, resolve(ctx), 11)

    async def decrease(ctx: Ctx) -> None:
        actions.step_value(ctx.sim, resolve(ctx), -11)

    async def blink(ctx: Ctx) -> None:
        actions.blink(ctx.sim, resolve(ctx))

    async def get_consumption(ctx: Ctx) -> dict[str, int]:
        return {"consumption": actions.consumption(ctx.sim, resolve(ctx))}

    async def ventilation_only(ctx: Ctx) -> None:
        target = resolve(ctx)
        if isinstance(target, actions.GroupTarget) and target.group.application_type == 10:
            return
        raise DssFail("Operation allowed only on Ventilation groups.")

    async def channel_verb(ctx: Ctx) -> None:
        ctx.need("channel", "Missing parameter 'channel'")
        resolve(ctx)

    async def push_sensor(ctx: Ctx) -> None:
        if parse_int(ctx.params.get("sensorType")) is None or not ctx.params.get("sensorValue"):
            raise DssFail("Need valid parameter 'sensorType' and 'sensorValue'")
        resolve(ctx)

    return {
        "turnOn": turn_on, "turnOff": turn_off, "callScene": call_scene,
        "callSceneMin": call_scene_min, "saveScene": save_scene, "undoScene": undo_scene,
        "setValue": set_value, "increaseValue": increase, "decreaseValue": decrease,
        "blink": blink, "getConsumption": get_consumption, "nextScene": ventilation_only,
        "previousScene": ventilation_only, "increaseOutputChannelValue": channel_verb,
        "decreaseOutputChannelValue": channel_verb, "stopOutputChannelValue": channel_verb,
        "pushSensorValue": push_sensor,
    }
