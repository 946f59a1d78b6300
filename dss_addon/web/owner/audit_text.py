"""Audit rows in the owner's words (pure): what was done, to which room, device or scene (by
name, from the dSS structure read at render time), and why, in German or English."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qsl

from dss_addon.dss.structure import display_name, zone_display_names
from dss_addon.policy.model import Topology
from dss_addon.web.i18n import Lang

Words = tuple[str, str]  # (German, English)


@dataclass(frozen=True, slots=True)
class Names:
    """What the installation calls its rooms and devices; empty when the dSS did not answer
    (the ids show instead)."""

    zones: Mapping[int, str] = field(default_factory=dict)
    devices: Mapping[str, str] = field(default_factory=dict)  # dSUID or dSID (lowercase) -> name


def names_from(topology: Topology) -> Names:
    """Display names (the dSS stores them HTML-escaped)."""
    devices: dict[str, str] = {}
    for device in topology.devices:
        devices[device.dsuid.lower()] = display_name(device.name)
        if device.dsid:
            devices[device.dsid.lower()] = display_name(device.name)
    return Names(zones=zone_display_names(topology), devices=devices)


METHODS: Mapping[str, Words] = {
    "callScene": ("Szene aufgerufen", "Scene called"),
    "undoScene": ("Szene zurückgenommen", "Scene undone"),
    "saveScene": ("Szene gespeichert", "Scene saved"),
    "turnOn": ("Eingeschaltet", "Turned on"),
    "turnOff": ("Ausgeschaltet", "Turned off"),
    "increaseValue": ("Heller/höher", "Increased"),
    "decreaseValue": ("Dunkler/tiefer", "Decreased"),
    "setValue": ("Wert gesetzt", "Value set"),
    "blink": ("Blinken", "Blink"),
    "setName": ("Umbenannt", "Renamed"),
    "getStructure": ("Aufbau gelesen", "Structure read"),
    "getDevices": ("Geräte gelesen", "Devices read"),
    "getName": ("Name gelesen", "Name read"),
    "getConsumption": ("Verbrauch gelesen", "Consumption read"),
    "getEnergyMeterValue": ("Zählerstand gelesen", "Meter reading read"),
    "getSensorValues": ("Messwerte gelesen", "Sensor values read"),
    "getTemperatureControlStatus": ("Heizung gelesen", "Heating read"),
    "subscribe": ("Ereignisse abonniert", "Events subscribed"),
    "unsubscribe": ("Ereignisse abbestellt", "Events unsubscribed"),
    "get": ("Ereignisse abgeholt", "Events fetched"),
    "query": ("Eigenschaften gelesen", "Properties read"),
}
# The dS standard scenes (dS-Basics: scene numbers), the ones a home uses every day.
SCENES: Mapping[int, Words] = {
    0: ("Aus", "Off"), 5: ("Stimmung 1", "Preset 1"), 17: ("Stimmung 2", "Preset 2"),
    18: ("Stimmung 3", "Preset 3"), 19: ("Stimmung 4", "Preset 4"), 13: ("Minimum", "Minimum"),
    14: ("Maximum", "Maximum"), 15: ("Stopp", "Stop"), 40: ("Aus (langsam)", "Off (slow)"),
    64: ("Automatisch Aus", "Auto off"), 65: ("Panik", "Panic"), 67: ("Standby", "Standby"),
    68: ("Tiefschlaf", "Deep off"), 69: ("Schlafen", "Sleeping"), 70: ("Aufwachen", "Wake up"),
    71: ("Kommen", "Present"), 72: ("Gehen", "Absent"), 73: ("Klingel", "Door bell"),
    74: ("Alarm", "Alarm"),
}
GROUPS: Mapping[int, Words] = {
    1: ("Licht", "Light"), 2: ("Schatten", "Shade"), 3: ("Heizung", "Heating"),
    4: ("Audio", "Audio"), 5: ("Video", "Video"), 8: ("Joker", "Joker"),
    9: ("Kühlung", "Cooling"), 10: ("Lüftung", "Ventilation"),
}
EVENTS: Mapping[str, Words] = {
    "created": ("Erstellt", "Created"), "opened": ("Link geöffnet", "Link opened"),
    "pin_failed": ("Falsche PIN", "Wrong PIN"),
    "locked": ("Gesperrt (zu viele falsche PINs)", "Locked (too many wrong PINs)"),
    "redeem_refused": ("Öffnen abgelehnt", "Opening refused"), "call": ("Aufruf", "Call"),
    "denied": ("Abgelehnt", "Denied"), "revoked": ("Widerrufen", "Revoked"),
    "extended": ("Verlängert", "Extended"), "ended": ("Als erledigt beendet", "Ended as done"),
    "session_expired": ("Sitzung abgelaufen", "Session expired"),
    "rate_limited": ("Zu viele Anfragen (gebremst)", "Too many requests (throttled)"),
    "app_token_revoke_failed": (
        "dSS-Zugang konnte nicht entfernt werden", "dSS access could not be removed"
    ),
}
ZONE_PARAMS = ("id", "zoneID")
DEVICE_PARAMS = ("dsuid", "dsid", "deviceID")
SCENE_PARAMS = ("sceneNumber", "sceneID")


def _pick(lang: Lang, words: Words) -> str:
    return words[0] if lang is Lang.DE else words[1]


def event_name(event: str, lang: Lang) -> str:
    return _pick(lang, EVENTS[event]) if event in EVENTS else event


def zone_name(zone_id: int, names: Names, lang: Lang) -> str:
    if zone_id == 0:
        return _pick(lang, ("ganze Wohnung", "whole home"))
    room = _pick(lang, ("Raum", "room"))
    return names.zones.get(zone_id) or f"{room} {zone_id}"


def _number(text: str) -> int | None:
    return int(text) if text.isdigit() else None


def describe_call(call: str, names: Names, lang: Lang) -> tuple[str, str]:
    """(action, target) for a recorded call such as `zone/callScene?id=3&sceneNumber=5`."""
    head, _, query = call.partition("?")
    if "/" not in head or head.startswith("/"):
        return _pick(lang, ("Seite geöffnet", "Page opened")), head
    klass, _, method = head.partition("/")
    params = dict(parse_qsl(query))
    action = _pick(lang, METHODS[method]) if method in METHODS else head
    parts: list[str] = []
    for name in DEVICE_PARAMS:
        if name in params:
            device = params[name].lower()
            parts.append(names.devices.get(device) or _pick(lang, ("Gerät", "device")) + " "
                         + device[-8:])
    for name in ZONE_PARAMS if klass != "device" else ():
        if name in params and (zone := _number(params[name])) is not None:
            parts.append(zone_name(zone, names, lang))
    if (group := _number(params.get("groupID", ""))) is not None and group in GROUPS:
        parts.append(_pick(lang, GROUPS[group]))
    for name in SCENE_PARAMS:
        if name in params and (scene := _number(params[name])) is not None:
            label = _pick(lang, SCENES[scene]) if scene in SCENES else str(scene)
            parts.append(f"{_pick(lang, ('Szene', 'scene'))} {label}")
    return action, " · ".join(parts)


_REASONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), german) for pattern, german in (
        (r"^allowed for level (\w+)$", "erlaubt für Stufe {0}"),
        (r"^configurator for level (\w+)$", "Konfigurator für Stufe {0}"),
        (r"^not in allow-list for level (\w+)$", "für Stufe {0} nicht freigegeben"),
        (r"^configurator not allowed for level (\w+)$", "Konfigurator für Stufe {0} gesperrt"),
        (r"^always blocked: (.+)$", "immer gesperrt: {0}"),
        (r"^zone (\d+) outside share zones(.*)$", "{zone0} gehört nicht zur Freigabe"),
        (r"^device in zone (\d+) outside share zones$", "Gerät in {zone0}, nicht freigegeben"),
        (r"^scene (\d+) not allowed(.*)$", "Szene {0} nicht erlaubt"),
        (r"^share (\w+)$", "Freigabe {state0}"),
        (r"^session ended$", "Sitzung beendet"),
        (r"^session idle$", "Sitzung wegen Inaktivität beendet"),
        (r"^no session$", "keine Sitzung"),
        (r"^non-canonical request: (.+)$", "ungültige Anfrage: {0}"),
        (r"^target (.+) not allowed$", "Ziel {0} nicht erlaubt"),
        (r"^JSONP callback not allowed$", "JSONP-Rückruf nicht erlaubt"),
        (r"^by dss$", "im dSS widerrufen"),
        (r"^by ([^ ]+)$", "von {0}"),
        (r"^race$", "gleichzeitige Einlösung"),
    )
)
_UNTIL = re.compile(r"^until (\S+) by (.+)$")
STATES_DE: Mapping[str, str] = {
    "expired": "abgelaufen", "revoked": "widerrufen", "ended": "beendet",
    "scheduled": "noch nicht gültig", "used_up": "aufgebraucht", "locked": "gesperrt",
}


def _until(reason: str, lang: Lang, local: Callable[[datetime], str]) -> str | None:
    match = _UNTIL.match(reason)
    if match is None:
        return None
    try:
        moment = datetime.fromisoformat(match.group(1))
    except ValueError:
        return None
    words = ("bis {0} von {1}", "until {0} by {1}")
    return _pick(lang, words).format(local(moment), match.group(2))


def describe_reason(
    reason: str, names: Names, lang: Lang, local: Callable[[datetime], str]
) -> str:
    """German for the policy's and the service's reasons; English stays as written. Zone ids
    become the room's name and stored UTC times the home's local time, in both languages."""
    until = _until(reason, lang, local)
    if until is not None:
        return until
    for pattern, german in _REASONS:
        match = pattern.match(reason)
        if match is None:
            continue
        groups = match.groups()
        if lang is not Lang.DE:
            if pattern.pattern.startswith(("^zone", "^device in zone")):
                return reason.replace(f"zone {groups[0]}", zone_name(int(groups[0]), names, lang))
            return reason
        values = {
            "zone0": zone_name(int(groups[0]), names, lang) if groups and groups[0].isdigit()
            else "",
            "state0": STATES_DE.get(groups[0], groups[0]) if groups else "",
        }
        return german.format(*groups, **values)
    return reason
