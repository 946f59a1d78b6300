"""The readable audit (pure): names instead of API names, German reasons, local times, and a
CSV that German and English spreadsheet programs open correctly and safely."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from dss_addon.policy.model import DeviceRef, Topology
from dss_addon.shares.audit import AuditEntry
from dss_addon.web.i18n import Lang
from dss_addon.web.owner.audit_csv import BOM, audit_csv
from dss_addon.web.owner.audit_text import Names, describe_call, describe_reason, names_from
from dss_addon.web.owner.views import when_exact

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # 10:00 in the home's zone (CET)
LAMP = "302ed89f43f00e4000003a1f00000000aa"
NAMES = names_from(Topology(
    zones={3: "Wohnzimmer", 4: "K&amp;uuml;che"},
    devices=(DeviceRef(LAMP, "", "Stehlampe", 3),),
))


def _local(moment: datetime) -> str:
    return when_exact(moment, Lang.DE)


@pytest.mark.parametrize(
    ("call", "lang", "action", "target"),
    [
        ("zone/callScene?id=3&sceneNumber=5", Lang.DE, "Szene aufgerufen",
         "Wohnzimmer · Szene Stimmung 1"),
        ("zone/callScene?id=3&sceneNumber=5", Lang.EN, "Scene called",
         "Wohnzimmer · scene Preset 1"),
        ("zone/callScene?id=4&groupID=1&sceneNumber=0", Lang.DE, "Szene aufgerufen",
         "K&uuml;che · Licht · Szene Aus"),
        (f"device/turnOn?dsuid={LAMP}", Lang.DE, "Eingeschaltet", "Stehlampe"),
        ("device/turnOn?dsuid=ffffffffffffffffffffffffffffffff00", Lang.EN, "Turned on",
         "device ffffff00"),
        ("zone/callScene?id=0&sceneNumber=72", Lang.DE, "Szene aufgerufen",
         "ganze Wohnung · Szene Gehen"),
        ("zone/callScene?id=77&sceneNumber=99", Lang.EN, "Scene called", "room 77 · scene 99"),
        ("apartment/getStructure", Lang.DE, "Aufbau gelesen", ""),
        ("system/unknownThing", Lang.EN, "system/unknownThing", ""),
        ("/browse/index.html", Lang.DE, "Seite geöffnet", "/browse/index.html"),
    ],
)
def test_calls_are_described_with_names(call: str, lang: Lang, action: str, target: str) -> None:
    assert describe_call(call, NAMES, lang) == (action, target)


@pytest.mark.parametrize(
    ("reason", "lang", "text"),
    [
        ("allowed for level operate", Lang.DE, "erlaubt für Stufe operate"),
        ("allowed for level operate", Lang.EN, "allowed for level operate"),
        ("zone 3 outside share zones (id)", Lang.DE, "Wohnzimmer gehört nicht zur Freigabe"),
        ("zone 3 outside share zones", Lang.EN, "Wohnzimmer outside share zones"),
        ("always blocked: system/*", Lang.DE, "immer gesperrt: system/*"),
        ("share expired", Lang.DE, "Freigabe abgelaufen"),
        ("by dssadmin", Lang.DE, "von dssadmin"),
        ("until 2026-11-27T13:00:00+00:00 by dssadmin", Lang.DE,
         "bis 27.11.2026 14:00:00 von dssadmin"),
        ("something new", Lang.DE, "something new"),
    ],
)
def test_reasons_are_in_the_owners_language(reason: str, lang: Lang, text: str) -> None:
    assert describe_reason(reason, NAMES, lang, _local) == text


def _parse(text: str, delimiter: str) -> list[list[str]]:
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text.removeprefix(BOM)), delimiter=delimiter))


ENTRY = AuditEntry(share_id="abc123", at=NOW, event="call",
                   call="zone/callScene?id=3&sceneNumber=5", allowed=True,
                   reason="allowed for level operate", client="192.0.2.7",
                   session_id="0123456789abcdef", id=42)


def test_german_csv_uses_semicolons_local_time_and_names() -> None:
    rows = _parse(audit_csv([ENTRY], Lang.DE, NAMES), ";")
    assert rows[0][:3] == ["Nr.", "Zeit", "Ereignis"]
    assert rows[1] == ["42", "27.11.2026 10:00:00", "Aufruf", "Szene aufgerufen",
                       "Wohnzimmer · Szene Stimmung 1", "ja", "erlaubt für Stufe operate",
                       "192.0.2.7", "01234567", "zone/callScene?id=3&sceneNumber=5"]


def test_english_csv_uses_commas() -> None:
    rows = _parse(audit_csv([ENTRY], Lang.EN, Names()), ",")
    assert rows[0][:3] == ["No.", "Time", "Event"]
    assert rows[1][1:6] == ["2026-11-27 10:00:00", "Call", "Scene called",
                            "room 3 · scene Preset 1", "yes"]


def test_csv_defuses_spreadsheet_formulas() -> None:
    entry = AuditEntry(share_id="abc123", at=NOW, event="denied", call="=HYPERLINK(1)",
                       allowed=False, reason="+cmd", client="@x", session_id="-s")
    row = _parse(audit_csv([entry], Lang.EN, Names()), ",")[1]
    assert row[4] == "'=HYPERLINK(1)"  # not an API call: shown as the path it was
    assert row[6:] == ["'+cmd", "'@x", "'-s", "'=HYPERLINK(1)"]
    assert all(not cell.startswith(("=", "+", "-", "@")) for cell in row)
