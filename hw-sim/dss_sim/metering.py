"""Deterministic meter readings derived from the clock."""

from __future__ import annotations

import math

from dss_sim.model import Meter

RESOLUTIONS = (1, 60, 900, 86400, 604800, 2592000)
SERIES_LENGTH = {1: 600, 60: 720, 900: 2976, 86400: 370, 604800: 260, 2592000: 60}
EPOCH = 1_600_000_000  # metering start of every simulated meter


def number_of_values(resolution: int) -> int:
    """How many values a series of this step holds (metering.cpp Metering::getSeries): those of
    the coarsest chain entry not coarser than the step, 0 below the finest."""
    fitting = [n for r, n in SERIES_LENGTH.items() if r <= resolution]
    return fitting[-1] if fitting else 0


def _phase(meter: Meter) -> float:
    return (int(meter.dsuid[-8:], 16) % 1000) / 1000 * 2 * math.pi


def consumption(meter: Meter, t: float) -> int:
    """Power in W at epoch second t: a daily wave around the meter's base load."""
    wave = math.sin(2 * math.pi * t / 86400 + _phase(meter))
    ripple = math.sin(t / 37.0 + _phase(meter))
    return max(0, round(meter.base_power * (1 + 0.4 * wave) + 5 * ripple))


def energy_ws(meter: Meter, t: float) -> int:
    """Meter reading in Ws: the integral of the base load since EPOCH (monotonic)."""
    return int(meter.base_power * max(0.0, t - EPOCH))


def series(meter: Meter, kind: str, resolution: int, now: float, count: int | None,
           start: int | None, end: int | None, unit: str) -> list[list[float]]:
    """Any positive step: the dSS exports its rrd data with that step (resolution > 0)."""
    last = int(now) - int(now) % resolution
    full = number_of_values(resolution)
    n = full if count is None else max(0, min(count, full))
    stamps = [last - (n - 1 - i) * resolution for i in range(n)]
    if start is not None:
        stamps = [s for s in stamps if s >= start]
    if end is not None:
        stamps = [s for s in stamps if s <= end]
    scale = 1 if unit == "Ws" else 3600
    values: list[list[float]] = []
    for s in stamps:
        if kind == "consumption":
            v: float = consumption(meter, s)
        elif kind == "energy":
            v = energy_ws(meter, s) / scale
        else:  # energyDelta
            v = (energy_ws(meter, s) - energy_ws(meter, s - resolution)) / scale
        values.append([s, round(v, 3)])
    return values
