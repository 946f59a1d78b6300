"""The audit as a CSV file for spreadsheets (pure): UTF-8 with BOM, `;` for German and `,`
for English, the home's local time, names instead of API names, formulas defused, and the
row number and chain hash of each row so it can be matched with a verified JSON export."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from dss_addon.shares.audit import AuditEntry
from dss_addon.web.i18n import Lang
from dss_addon.web.owner.audit_text import Names, describe_call, describe_reason, event_name
from dss_addon.web.owner.views import when_exact

BOM = "\ufeff"
HEADERS = {
    Lang.DE: ("Nr.", "Zeit", "Ereignis", "Aktion", "Ziel", "Erlaubt", "Grund", "Client",
              "Sitzung", "Aufruf"),
    Lang.EN: ("No.", "Time", "Event", "Action", "Target", "Allowed", "Reason", "Client",
              "Session", "Call"),
}
YES_NO = {Lang.DE: ("ja", "nein"), Lang.EN: ("yes", "no")}
# Spreadsheets run cells starting with these as formulas (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def delimiter(lang: Lang) -> str:
    # German spreadsheet programs split on `;` (the comma is their decimal separator).
    return ";" if lang is Lang.DE else ","


class _Texts:
    """Memoised descriptions: a log repeats a few calls and reasons thousands of times, and an
    export must not hold the event loop for long per page."""

    def __init__(self, lang: Lang, names: Names) -> None:
        self.lang, self.names = lang, names
        self._calls: dict[str, tuple[str, str]] = {}
        self._reasons: dict[str, str] = {}

    def call(self, call: str) -> tuple[str, str]:
        if call not in self._calls:
            described = describe_call(call, self.names, self.lang) if call else ("", "")
            self._calls[call] = described
        return self._calls[call]

    def reason(self, reason: str) -> str:
        if reason not in self._reasons:
            lang = self.lang
            self._reasons[reason] = describe_reason(
                reason, self.names, lang, lambda m: when_exact(m, lang)
            )
        return self._reasons[reason]


def _row(entry: AuditEntry, lang: Lang, texts: _Texts) -> list[str]:
    action, target = texts.call(entry.call)
    yes, no = YES_NO[lang]
    allowed = "" if entry.allowed is None else yes if entry.allowed else no
    reason = texts.reason(entry.reason)
    cells = [
        "" if entry.id is None else str(entry.id), when_exact(entry.at, lang),
        event_name(entry.event, lang), action, target, allowed, reason, entry.client,
        entry.session_id[:8], entry.call,
    ]
    return [safe_cell(cell) for cell in cells]


def _lines(rows: Iterable[list[str]], lang: Lang) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter(lang), lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue()


def csv_head(lang: Lang) -> str:
    """The BOM (so spreadsheet programs read UTF-8) and the header line."""
    return BOM + _lines([list(HEADERS[lang])], lang)


def csv_lines(entries: Iterable[AuditEntry], lang: Lang, names: Names) -> str:
    return CsvRows(lang, names).lines(entries)


class CsvRows:
    """Rows of one export (its descriptions are memoised across pages)."""

    def __init__(self, lang: Lang, names: Names) -> None:
        self._lang = lang
        self._texts = _Texts(lang, names)

    def lines(self, entries: Iterable[AuditEntry]) -> str:
        return _lines((_row(entry, self._lang, self._texts) for entry in entries), self._lang)


def audit_csv(entries: Iterable[AuditEntry], lang: Lang, names: Names) -> str:
    return csv_head(lang) + csv_lines(entries, lang, names)
