"""The /json classes: name -> ApiClass (handlers and the pre-dispatch target check)."""

from __future__ import annotations

from dss_sim.handlers import (
    apartment,
    circuit,
    device,
    event,
    metering,
    misc,
    property,
    structure,
    system,
    zone,
)
from dss_sim.handlers.base import ApiClass, Ctx

CLASSES: dict[str, ApiClass] = {
    "apartment": apartment.API, "zone": zone.API, "device": device.API, "circuit": circuit.API,
    "set": misc.SET, "property": property.API, "event": event.API, "system": system.API,
    "structure": structure.API, "metering": metering.API, "subscription": misc.SUBSCRIPTION,
    "database": misc.DATABASE, "state": misc.STATE,
}

__all__ = ["CLASSES", "ApiClass", "Ctx"]
