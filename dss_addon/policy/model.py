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
    """A dSS call in the canonical grammar (grammar.py, schema.py, docs/canonical-grammar.md).

    `params` holds canonical spellings, not raw request text: each is a pure function of its
    typed value and back (plain decimal for integers, lowercase hex for ids, `true`/`false`),
    so deciding on the strings is deciding on the typed values, and the proxy serialises
    exactly these strings (grammar.form_body). Strings rather than ints keep calls hashable,
    cheap to build in tests and the bench, and identical to what is forwarded; decide()
    refuses any value that is not canonical for its type, so no other spelling gets through.
    """

    target: Target
    klass: str = ""  # e.g. "apartment" (case kept: the dSS is case-sensitive)
    method: str = ""  # e.g. "getStructure"; an identifier
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
