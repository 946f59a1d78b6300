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
    # Names stay exactly as the dSS stores them (HTML-escaped by setName: & " ' < >), because
    # the dSS matches `name=` parameters against the stored text: the policy must resolve a name
    # to the object the dSS will resolve it to. Unescape only for display (display_name).
    return value if isinstance(value, str) else ""


def display_name(stored: str) -> str:
    """A stored (HTML-escaped) dSS name as a person reads it; templates escape it again.
    Never use the result to match a `name=` parameter."""
    return html.unescape(stored)


def zone_display_names(topology: Topology) -> dict[int, str]:
    """Zone id -> display name, for pages (the zone picker, share details)."""
    return {zone_id: display_name(name) for zone_id, name in topology.zones.items()}


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
    """Zones by id (without zone 0, the apartment) and one DeviceRef per device, names as stored.

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
