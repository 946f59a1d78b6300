"""metering/*: resolutions, series, latest values and value series."""

from __future__ import annotations

from dss_sim import metering as meters
from dss_sim.envelope import JsonValue
from dss_sim.errors import DssCrash, DssFail
from dss_sim.handlers.base import ApiClass, Ctx, Handler
from dss_sim.localtime import date_string
from dss_sim.model import Meter


async def get_resolutions(ctx: Ctx) -> JsonValue:
    return {"resolutions": [{"resolution": r} for r in meters.RESOLUTIONS]}


async def get_series(ctx: Ctx) -> JsonValue:
    return {"series": [{"dSUID": m.dsuid, "dsid": m.dsid, "type": t}
                       for m in ctx.sim.apartment.meters.values() if m.has_metering
                       for t in ("energy", "energyDelta", "consumption")]}


def _find(ctx: Ctx, ident: str) -> Meter:
    for meter in ctx.sim.apartment.meters.values():
        if ident.lower() in (meter.dsuid, meter.dsid):
            return meter
    kind = "dsid" if len(ident) <= 24 else "dsuid"
    raise ValueError(f"Could not find dsMeter with given {kind}.")


def parse_from(ctx: Ctx, text: str) -> list[Meter]:
    """`.meters(all)`, `.meters(a,b)` or a bare id (auto-wrapped)."""
    if not text.startswith("."):
        text = f".meters({text})"
    if not text.startswith(".meters("):
        raise ValueError("Expected '.meters(' at the start of the description")
    if not text.endswith(")"):
        raise ValueError("No closing ')' found")
    inner = text[len(".meters("):-1]
    if inner == "all":
        return list(ctx.sim.apartment.meters.values())
    return [_find(ctx, i.strip()) for i in inner.split(",") if i.strip()]


def _latest_inputs(ctx: Ctx) -> tuple[list[Meter], str, str]:
    kind = ctx.params.text("type")
    if kind not in ("consumption", "energy"):
        raise DssFail("Invalid or missing type parameter")
    text = ctx.params.get("from")
    if not text:
        raise DssFail("Missing 'from' parameter")
    unit = ctx.params.get("unit") or "Wh"
    if unit not in ("Wh", "Ws"):
        raise DssFail("Invalid unit parameter")
    try:
        found = parse_from(ctx, text)
    except ValueError as exc:
        raise DssFail(f"Couldn't parse parameter 'from': '{exc}'") from None
    return [m for m in found if m.has_metering], kind, unit


def _value(meter: Meter, kind: str, unit: str, now: float) -> float:
    if kind == "consumption":
        return meters.consumption(meter, now)
    ws = meters.energy_ws(meter, now)
    return ws if unit == "Ws" else round(ws / 3600, 3)


async def get_latest(ctx: Ctx) -> JsonValue:
    found, kind, unit = _latest_inputs(ctx)
    now = ctx.sim.clock.time()
    return {"values": [{"dsid": m.dsid, "dSUID": m.dsuid, "value": _value(m, kind, unit, now),
                        "date": date_string(now)} for m in found]}


async def get_aggregated_latest(ctx: Ctx) -> JsonValue:
    found, kind, unit = _latest_inputs(ctx)
    now = ctx.sim.clock.time()
    return {"dsid": [m.dsid for m in found], "dSUID": [m.dsuid for m in found],
            "value": sum(_value(m, kind, unit, now) for m in found), "date": date_string(now)}


def _values_inputs(ctx: Ctx) -> tuple[list[Meter], str, str, int, str]:
    ident = ctx.params.get("dsuid") or ctx.params.get("dsid")
    if not ident:
        raise DssFail("Missing parameter 'dsuid'")
    raw_res = ctx.params.text("resolution")
    resolution = ctx.params.int_or_none("resolution")
    if resolution is None:
        raise DssFail(f"Could not parse resolution '{raw_res}'")
    kind = ctx.params.get("type")
    if not kind:
        raise DssFail("Need a type, 'energy', 'energyDelta' or 'consumption'")
    if kind not in ("energy", "energyDelta", "consumption"):
        raise DssFail(f"Invalid type '{kind}'")
    unit = ctx.params.get("unit") or "Wh"
    if kind == "consumption":
        unit = "W"
    elif unit not in ("Wh", "Ws"):
        raise DssFail(f"Invalid unit '{unit}'")
    try:
        found = parse_from(ctx, ident)
    except ValueError as exc:
        raise DssFail(str(exc)) from None
    if not found:
        raise DssFail(f"Could not find data for '{kind}' and resolution '{raw_res}'")
    if resolution == 0:
        # metering.cpp Metering::getSeries: `(now / step) * step` with step 0, a SIGFPE.
        raise DssCrash(f"{ctx.call} with resolution 0: getSeries divides by zero")
    return found, kind, unit, resolution, ident


def _series(ctx: Ctx, meter: Meter, kind: str, unit: str, resolution: int) -> list[list[float]]:
    return meters.series(meter, kind, resolution, ctx.sim.clock.time(),
                         ctx.params.int_or_none("valueCount"),
                         ctx.params.int_or_none("startTime"),
                         ctx.params.int_or_none("endTime"), unit)


async def get_values(ctx: Ctx) -> JsonValue:
    found, kind, unit, resolution, ident = _values_inputs(ctx)
    meter_id: JsonValue = ident if not ident.startswith(".") else [m.dsuid for m in found]
    if resolution < 0:
        # An unsigned step of ~2**64 (getSeries' `long unsigned int step = _resolution`): the
        # rrd export fails and getSeries answers an empty series (never NULL).
        return {"meterID": meter_id, "type": kind, "unit": unit,
                "resolution": str(resolution), "values": []}
    values = _series(ctx, found[0], kind, unit, resolution)
    if len(found) > 1:
        for other in found[1:]:
            extra = _series(ctx, other, kind, unit, resolution)
            values = [[a[0], round(a[1] + b[1], 3)] for a, b in zip(values, extra, strict=False)]
    return {"meterID": meter_id, "type": kind, "unit": unit, "resolution": str(resolution),
            "values": values}


HANDLERS: dict[str, Handler] = {
    "getResolutions": get_resolutions, "getSeries": get_series, "getLatest": get_latest,
    "getAggregatedLatest": get_aggregated_latest, "getValues": get_values,
    "getAggregatedValues": get_values,
}
API = ApiClass(HANDLERS)
