"""Which zones and devices a share covers: small helpers for the proxy and the pages."""

from __future__ import annotations

from dss_addon.policy.model import DeviceRef, Topology
from dss_addon.shares.model import Share


def zone_allowed(share: Share, zone_id: int) -> bool:
    """A share without zones covers every zone; zone 0 (the whole apartment) only then."""
    if not share.zones:
        return True
    return zone_id != 0 and zone_id in share.zones


def device_allowed(share: Share, device: DeviceRef) -> bool:
    return zone_allowed(share, device.zone_id)


def filter_allowed_zones(share: Share, topology: Topology) -> dict[int, str]:
    """Zone id -> name for the zones of the topology the share covers, in topology order."""
    return {z: name for z, name in topology.zones.items() if zone_allowed(share, z)}


def filter_allowed_devices(share: Share, topology: Topology) -> tuple[DeviceRef, ...]:
    return tuple(d for d in topology.devices if device_allowed(share, d))
