"""circuit/*: dSMeters."""

from __future__ import annotations

from dss_sim import metering
from dss_sim.effects import EffectKind
from dss_sim.envelope import JsonValue
from dss_sim.errors import DssFail
from dss_sim.handlers.base import ApiClass, Ctx, Handler, dsid_or_dsuid, escape
from dss_sim.model import Meter


def prepare(ctx: Ctx, method: str) -> None:
    """circuitrequesthandler.cpp: `dsuid` (if not empty) or `id` (a dSID) through
    dsidOrDsuid2dsuid, then the meter with that dSUID."""
    apt = ctx.sim.apartment
    dsuid = ctx.params.text("dsuid")
    dsid = ctx.params.text("id")
    if not dsuid and not dsid:
        raise DssFail("Missing parameter dsuid")
    key = dsid_or_dsuid(dsuid, dsid, ((m.dsid, m.dsuid) for m in apt.meters.values()))
    for meter in apt.meters.values():
        if meter.dsuid == key:
            ctx.target = meter
            return
    raise DssFail("Could not find dSMeter with given dSUID")


def _meter(ctx: Ctx) -> Meter:
    assert isinstance(ctx.target, Meter)
    return ctx.target


async def get_name(ctx: Ctx) -> JsonValue:
    return {"name": _meter(ctx).name}


async def set_name(ctx: Ctx) -> None:
    # hasParameter("newName"): an empty name is accepted
    _meter(ctx).name = escape(ctx.present("newName", "missing parameter 'newName'"))
    ctx.effect(EffectKind.CONFIG, device=_meter(ctx).dsuid, detail="setName")


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
