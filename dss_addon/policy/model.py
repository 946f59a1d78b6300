"""What the policy decides about: a parsed dSS call, the installation's topology, a decision."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Target(StrEnum):
    """What kind of upstream resource a share-site request aims at."""

    JSON = "json"  # /json/<class>/<method>
    CONFIGURATOR = "configurator"  # the dSS web configurator pages (configure level only)
    OTHER = "other"  # /browse, /cgi-bin, /icons, /getLatestLogs, /websocket, anything else


@dataclass(frozen=True, slots=True)
class DssCall:
    """A dSS request as the dSS itself would read it.

    `params` must be built with dSS semantics (dss_addon/web/dss_request.py): the first
    occurrence of a name wins, a non-empty POST body replaces the query string, %XX and +
    decoded. The proxy forwards exactly these params, never the raw request, so
    what was decided is what the dSS receives.
    """

    target: Target
    klass: str = ""  # e.g. "apartment" (case kept: the dSS is case-sensitive)
    method: str = ""  # e.g. "getStructure"; may contain "/" (the dSS keeps the rest of the path)
    params: Mapping[str, str] = field(default_factory=dict)
    path: str = ""  # raw request path, for OTHER/CONFIGURATOR targets and for the audit log


@dataclass(frozen=True, slots=True)
class DeviceRef:
    dsuid: str  # 34 lowercase hex
    dsid: str  # 24 lowercase hex or ""
    name: str
    zone_id: int


@dataclass(frozen=True, slots=True)
class Topology:
    """The installation as last read from the dSS: which device sits in which zone."""

    zones: Mapping[int, str]  # zone id -> name
    devices: tuple[DeviceRef, ...] = ()
    # Look-up indexes, built once per Topology so that decide() stays cheap per call.
    _by_dsuid: dict[str, DeviceRef] = field(init=False, repr=False, compare=False)
    _by_dsid: dict[str, DeviceRef] = field(init=False, repr=False, compare=False)
    _by_name: dict[str, tuple[DeviceRef, ...]] = field(init=False, repr=False, compare=False)
    _zones_by_name: dict[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_dsuid: dict[str, DeviceRef] = {}
        by_dsid: dict[str, DeviceRef] = {}
        by_name: dict[str, tuple[DeviceRef, ...]] = {}
        for device in self.devices:
            by_dsuid[device.dsuid.lower()] = device
            if device.dsid:
                by_dsid[device.dsid.lower()] = device
            by_name[device.name] = (*by_name.get(device.name, ()), device)
        zones_by_name: dict[str, tuple[int, ...]] = {}
        for zone_id, name in self.zones.items():
            zones_by_name[name] = (*zones_by_name.get(name, ()), zone_id)
        object.__setattr__(self, "_by_dsuid", by_dsuid)
        object.__setattr__(self, "_by_dsid", by_dsid)
        object.__setattr__(self, "_by_name", by_name)
        object.__setattr__(self, "_zones_by_name", zones_by_name)

    def device_by_dsuid(self, dsuid: str) -> DeviceRef | None:
        """`dsuid` in lowercase hex."""
        return self._by_dsuid.get(dsuid)

    def device_by_dsid(self, dsid: str) -> DeviceRef | None:
        """`dsid` in lowercase hex."""
        return self._by_dsid.get(dsid)

    def devices_named(self, name: str) -> tuple[DeviceRef, ...]:
        return self._by_name.get(name, ())

    def zones_named(self, name: str) -> tuple[int, ...]:
        return self._zones_by_name.get(name, ())


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str  # short, English, no secrets; goes to the audit log

    @classmethod
    def allow(cls, reason: str) -> Decision:
        return cls(True, reason)

    @classmethod
    def deny(cls, reason: str) -> Decision:
        return cls(False, reason)
