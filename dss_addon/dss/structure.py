"""Parsing apartment/getStructure into the policy's Topology (pure; dSS data is untrusted)."""

from __future__ import annotations

import html
from collections.abc import Mapping

from dss_addon.errors import DssRejected
from dss_addon.policy.model import DeviceRef, Topology

APARTMENT_ZONE = 0


def _malformed(what: str) -> DssRejected:
    return DssRejected(f"malformed structure: {what}")


def _text(value: object) -> str:
    # Names are stored HTML-escaped by the dSS (setName escapes & " ' < >); templates escape
    # again, so undo it once here.
    return html.unescape(value) if isinstance(value, str) else ""


def _device(raw: object, fallback_zone: int) -> DeviceRef:
    if not isinstance(raw, Mapping):
        raise _malformed("device is not an object")
    dsuid = raw.get("dSUID")
    if not isinstance(dsuid, str) or not dsuid:
        raise _malformed("device without dSUID")
    dsid = raw.get("id")
    zone_id = raw.get("zoneID", fallback_zone)
    if not isinstance(zone_id, int) or isinstance(zone_id, bool):
        raise _malformed("device zoneID is not an integer")
    return DeviceRef(
        dsuid=dsuid.lower(),
        dsid=dsid.lower() if isinstance(dsid, str) else "",
        name=_text(raw.get("name")),
        zone_id=zone_id,
    )


def parse_structure(result: object) -> Topology:
    """Zones by id (without zone 0, the apartment) and one DeviceRef per device.

    Zone 0 lists every device; devices are also collected from the rooms so that nothing is
    lost if a firmware leaves them out of zone 0. The first occurrence of a dSUID wins.
    """
    apartment = result.get("apartment") if isinstance(result, Mapping) else None
    zones = apartment.get("zones") if isinstance(apartment, Mapping) else None
    if not isinstance(zones, list):
        raise _malformed("no zone list")
    names: dict[int, str] = {}
    devices: dict[str, DeviceRef] = {}
    for zone in zones:
        if not isinstance(zone, Mapping):
            raise _malformed("zone is not an object")
        zone_id = zone.get("id")
        if not isinstance(zone_id, int) or isinstance(zone_id, bool):
            raise _malformed("zone id is not an integer")
        if zone_id != APARTMENT_ZONE:
            names[zone_id] = _text(zone.get("name"))
        zone_devices = zone.get("devices", [])
        if not isinstance(zone_devices, list):
            raise _malformed("zone devices is not a list")
        for raw in zone_devices:
            device = _device(raw, zone_id)
            devices.setdefault(device.dsuid, device)
    return Topology(zones=names, devices=tuple(devices.values()))


def parse_devices(result: object) -> tuple[DeviceRef, ...]:
    """The array answered by apartment/getDevices."""
    if not isinstance(result, list):
        raise _malformed("device list is not a list")
    return tuple(_device(raw, APARTMENT_ZONE) for raw in result)
