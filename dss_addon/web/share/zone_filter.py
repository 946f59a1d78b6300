"""A zone-restricted share's view of the apartment-wide reads (pure): only its zones and the
devices in them (rules.ZONE_SHARE_FILTERED_READS).

Answer shapes, from the 2017 dSS (apartmentrequesthandler.cpp, jsonhelper.cpp toJSON):

- getStructure: `{"apartment": {"clusters": [cluster], "zones": [zone]}}`, a zone
  `{"id", "name", "isPresent", "devices": [device], "groups": [group]}`, a group or cluster with
  `"devices": [dSUID]`. Zone 0 is the apartment and lists every device. Kept: the share's zones;
  zone 0 with only the devices of those zones; every group's and cluster's device list cut to
  those devices.
- getDevices: `[device]`, each with its `zoneID`: only the share's zones' devices.
- getReachableGroups: `{"zones": [{"zoneID", "name", "groups"}]}`; the temperature getters,
  getAssignedSensors and getSensorValues: `{"zones": [{"id", "name", ...}]}`
  (getTemperatureControlConfig2: `{"zones": {"<id>": {...}}}`). Only the share's zones are
  kept; getSensorValues' outdoor and weather values are the home's, no room's, and stay.

An error answer (`"ok": false`, no result) passes. An answer of any other shape is not
forwarded (DssRejected): what cannot be read cannot be checked. Re-serialised compactly in
ASCII, like the event answers (event_poll.scrub_event_answer).
"""

from __future__ import annotations

from collections.abc import Iterable

from dss_addon.dss.envelope import compact, read_object
from dss_addon.errors import DssRejected
from dss_addon.policy.rules import ZONE_SHARE_FILTERED_READS, Call

JsonObject = dict[str, object]


class _Unrecognised(Exception):
    """The answer does not have the shape the filter knows."""


def needs_filter(call: Call, zones: tuple[int, ...]) -> bool:
    return bool(zones) and call in ZONE_SHARE_FILTERED_READS


def filter_answer(call: Call, body: bytes, zones: tuple[int, ...]) -> bytes:
    """`body` as a share restricted to `zones` may see it (see the module docstring)."""
    answer = read_object(body, "dSS answer")
    if answer.get("ok") is True or "result" in answer:
        try:
            answer = {**answer, "result": _filter_result(call[1], answer.get("result"), zones)}
        except _Unrecognised as err:
            raise DssRejected("dSS answer of an unknown shape") from err
    elif answer.get("ok") is not False:
        raise DssRejected("dSS answer of an unknown shape")
    return compact(answer)


def _filter_result(method: str, result: object, zones: tuple[int, ...]) -> object:
    if method == "getStructure":
        return _structure(result, zones)
    if method == "getDevices":
        return [d for d in _list(result) if _zone_id(_dict(d), "zoneID") in zones]
    key = "zoneID" if method == "getReachableGroups" else "id"
    out = dict(_dict(result))
    out["zones"] = _zones(out.get("zones"), zones, key)
    return out


def _structure(result: object, zones: tuple[int, ...]) -> JsonObject:
    outer = _dict(result)
    apartment = _dict(outer.get("apartment"))
    all_zones = [_dict(z) for z in _list(apartment.get("zones"))]
    kept = [z for z in all_zones if _zone_id(z, "id") in zones]
    shown = _devices_of(kept, zones)
    out_zones = [
        _zone_part(z, shown, zones) for z in all_zones if _zone_id(z, "id") in (0, *zones)
    ]
    clusters = [_with_devices(_dict(c), shown) for c in _list(apartment.get("clusters"))]
    return {**outer, "apartment": {**apartment, "clusters": clusters, "zones": out_zones}}


def _devices_of(zones_kept: Iterable[JsonObject], zones: tuple[int, ...]) -> frozenset[str]:
    """The dSUIDs of the devices listed in the kept zones (and placed in them)."""
    found: set[str] = set()
    for zone in zones_kept:
        for device in _list(zone.get("devices")):
            item = _dict(device)
            if _zone_id(item, "zoneID") in zones:
                found.add(_text(item.get("dSUID")))
    return frozenset(found)


def _zone_part(zone: JsonObject, shown: frozenset[str], zones: tuple[int, ...]) -> JsonObject:
    out = dict(zone)
    if "devices" in zone:
        out["devices"] = [
            d
            for d in _list(zone["devices"])
            if _zone_id(_dict(d), "zoneID") in zones and _text(_dict(d).get("dSUID")) in shown
        ]
    if "groups" in zone:
        out["groups"] = [_with_devices(_dict(g), shown) for g in _list(zone["groups"])]
    return out


def _with_devices(holder: JsonObject, shown: frozenset[str]) -> JsonObject:
    """A group or cluster with its device list (dSUIDs) cut to the shown devices."""
    return {**holder, "devices": [d for d in _list(holder.get("devices")) if _text(d) in shown]}


def _zones(value: object, zones: tuple[int, ...], key: str) -> object:
    if isinstance(value, dict):  # getTemperatureControlConfig2: keyed by the zone id
        return {k: v for k, v in value.items() if _id_key(k) in zones}
    return [z for z in _list(value) if _zone_id(_dict(z), key) in zones]


def _id_key(key: str) -> int | None:
    return int(key) if key.isascii() and key.isdigit() and key == str(int(key)) else None


def _zone_id(item: JsonObject, key: str) -> int:
    value = item.get(key)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _Unrecognised(key)


def _dict(value: object) -> JsonObject:
    if not isinstance(value, dict):
        raise _Unrecognised("object")
    return value


def _list(value: object) -> list[object]:
    if not isinstance(value, list):
        raise _Unrecognised("array")
    return value


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _Unrecognised("string")
    return value
