"""circuit/*: dSMeters."""

from __future__ import annotations

from dss_sim import metering
from dss_sim.envelope import JsonValue
from dss_sim.errors import DssFail
from dss_sim.handlers.base import ApiClass, Ctx, Handler, escape
from dss_sim.model import Meter


def prepare(ctx: Ctx, method: str) -> None:
    apt = ctx.sim.apartment
    dsuid = ctx.params.get("dsuid")
    dsid = ctx.params.get("id")
    if not dsuid and not dsid:
        raise DssFail("Missing parameter dsuid")
    for meter in apt.meters.values():
        if (dsuid and meter.dsuid == dsuid.lower()) or (not dsuid and dsid
                                                        and meter.dsid == dsid.lower()):
            ctx.target = meter
            return
    raise DssFail("Could not find dSMeter with given dSUID")


def _meter(ctx: Ctx) -> Meter:
    assert isinstance(ctx.target, Meter)
    return ctx.target


async def get_name(ctx: Ctx) -> JsonValue:
    return {"name": _meter(ctx).name}


async def set_name(ctx: Ctx) -> None:
    _meter(ctx).name = escape(ctx.need("newName", "missing parameter 'newName'"))


async def get_consumption(ctx: Ctx) -> JsonValue:
    return {"consumption": metering.consumption(_meter(ctx), ctx.sim.clock.time())}


async def get_energy_meter_value(ctx: Ctx) -> JsonValue:
    meter = _meter(ctx)
    if not meter.has_metering:
        raise DssFail("Metering not supported on this device")
    return {"meterValue": metering.energy_ws(meter, ctx.sim.clock.time())}


async def harmless(ctx: Ctx) -> None:
    _meter(ctx)


HANDLERS: dict[str, Handler] = {
    "getName": get_name, "setName": set_name, "getConsumption": get_consumption,
    "getEnergyMeterValue": get_energy_meter_value,
    **dict.fromkeys(("rescan", "learnIn", "learnOut", "firmwareCheck", "firmwareUpdate",
                     "storeAccessToken", "invokeMethod"), harmless),
}
API = ApiClass(HANDLERS, prepare=prepare)
