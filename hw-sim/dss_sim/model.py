"""The apartment: zones, groups, devices and meters, loaded from a JSON fixture."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

# group id -> (name, color, applicationType), created in every zone
STANDARD_GROUPS: dict[int, tuple[str, int, int]] = {
    0: ("broadcast", 0, 0), 1: ("yellow", 1, 1), 2: ("gray", 2, 2), 3: ("heating", 3, 3),
    4: ("cyan", 4, 4), 5: ("magenta", 5, 5), 6: ("reserved1", 0, 0), 7: ("reserved2", 0, 0),
    8: ("black", 8, 8), 9: ("cooling", 3, 9), 10: ("ventilation", 3, 10), 11: ("window", 3, 11),
    12: ("recirculation", 3, 12), 48: ("controltemperature", 3, 48),
}
OFF_SCENES = frozenset({0, 13, 67, 68})
ON_SCENES = frozenset({5, 6, 7, 8, 9, 14, 17, 18, 19})


def dsid_to_dsuid(dsid: str) -> str:
    """The SGTIN dSID -> dSUID mapping of the dSS (6 bytes, 4 zero bytes, 6 bytes, index 0)."""
    return (dsid[:12] + "00000000" + dsid[12:] + "00").lower()


@dataclass
class Group:
    id: int
    name: str
    color: int
    application_type: int
    last_called_scene: int = 0
    scene_names: dict[int, str] = field(default_factory=dict)
    previous_scene: int = 0


class SceneMap(dict[int, int]):
    """Last called scene per group id; also callable: `zone.last_called_scene(1)`."""

    def __call__(self, group_id: int = 0) -> int:
        return self.get(group_id, 0)


@dataclass
class Zone:
    id: int
    name: str
    groups: dict[int, Group]

    @property
    def last_called_scene(self) -> SceneMap:
        return SceneMap({g.id: g.last_called_scene for g in self.groups.values()})


@dataclass
class Device:
    dsuid: str
    dsid: str
    name: str
    zone_id: int
    groups: list[int]
    meter_dsuid: str
    function_id: int = 0
    product_id: int = 0
    revision: int = 0x0360
    hw_info: str = "GE-KM200"
    gtin: str = ""
    output_mode: int = 0
    button_id: int = 0
    bus_id: int = 0
    first_seen: float = 1_700_000_000.0
    is_present: bool = True
    tags: list[str] = field(default_factory=list)
    last_called_scene: int = 0
    previous_scene: int = 0
    value: int = 0
    channels: dict[str, float] = field(default_factory=dict)
    config: dict[tuple[int, int], int] = field(default_factory=dict)
    scene_values: dict[int, int] = field(default_factory=dict)  # sceneID -> programmed value
    sensors: list[tuple[int, float]] = field(default_factory=list)  # (sensorType, value)
    blink_count: int = 0

    @property
    def is_on(self) -> bool:
        return self.last_called_scene not in OFF_SCENES

    @property
    def has_output(self) -> bool:
        return self.output_mode != 0


@dataclass
class Meter:
    dsuid: str
    dsid: str
    name: str
    hw_name: str = "dSM12"
    sw_version: str = "1.34.0.0"
    has_metering: bool = True
    base_power: int = 150
    is_present: bool = True


@dataclass
class Apartment:
    name: str
    dsid: str
    dsuid: str
    zones: dict[int, Zone]
    devices: dict[str, Device]
    meters: dict[str, Meter]

    def devices_in(self, zone_id: int, group_id: int = 0) -> list[Device]:
        return [d for d in self.devices.values()
                if (zone_id == 0 or d.zone_id == zone_id)
                and (group_id == 0 or group_id in d.groups)]

    def add_zone(self, zone_id: int, name: str = "") -> Zone:
        zone = Zone(zone_id, name, make_groups())
        self.zones[zone_id] = zone
        return zone


def make_groups() -> dict[int, Group]:
    return {gid: Group(gid, n, c, a) for gid, (n, c, a) in STANDARD_GROUPS.items()}


def load_apartment(path: Path | None) -> Apartment:
    if path is None:
        text = resources.files("dss_sim").joinpath("fixtures/apartment.json").read_text("utf-8")
    else:
        text = path.read_text("utf-8")
    return apartment_from_json(json.loads(text))


def apartment_from_json(data: dict[str, Any]) -> Apartment:
    apt = Apartment(data["name"], data["dSID"], data["dSUID"], {}, {}, {})
    apt.add_zone(0, "")
    for z in data["zones"]:
        zone = apt.add_zone(int(z["id"]), z["name"])
        for entry in z.get("sceneNames", []):
            zone.groups[int(entry["group"])].scene_names[int(entry["scene"])] = entry["name"]
    for m in data["meters"]:
        apt.meters[m["dSUID"]] = Meter(m["dSUID"], m["dSID"], m["name"], m.get("hwName", "dSM12"),
                                       m.get("swVersion", "1.34.0.0"), m.get("hasMetering", True),
                                       int(m.get("basePower", 150)))
    for i, d in enumerate(data["devices"]):
        dev = Device(
            dsuid=d.get("dSUID") or dsid_to_dsuid(d["dSID"]), dsid=d.get("dSID", ""),
            name=d["name"], zone_id=int(d["zoneID"]), groups=[int(g) for g in d["groups"]],
            meter_dsuid=d["meter"], function_id=int(d.get("functionID", 0)),
            product_id=int(d.get("productID", 0)), revision=int(d.get("revisionID", 0x0360)),
            hw_info=d.get("hwInfo", "GE-KM200"), gtin=d.get("GTIN", ""),
            output_mode=int(d.get("outputMode", 0)), button_id=int(d.get("buttonID", 0)),
            bus_id=i + 1, first_seen=float(d.get("firstSeen", 1_700_000_000)),
            tags=list(d.get("tags", [])),
            sensors=[(int(s["type"]), float(s["value"])) for s in d.get("sensors", [])],
        )
        apt.devices[dev.dsuid] = dev
    return apt
