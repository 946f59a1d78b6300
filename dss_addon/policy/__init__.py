"""The pure access policy: no aiohttp, aiosqlite, jinja2, store or dss imports here."""

from dss_addon.policy.decide import decide
from dss_addon.policy.model import Decision, DeviceRef, DssCall, Target, Topology
from dss_addon.policy.params import parse_dss_int
from dss_addon.policy.scope import (
    device_allowed,
    filter_allowed_devices,
    filter_allowed_zones,
    zone_allowed,
)

__all__ = [
    "Decision",
    "DeviceRef",
    "DssCall",
    "Target",
    "Topology",
    "decide",
    "device_allowed",
    "filter_allowed_devices",
    "filter_allowed_zones",
    "parse_dss_int",
    "zone_allowed",
]
