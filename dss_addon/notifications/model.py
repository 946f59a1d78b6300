"""What the homeowner is told, and in which words (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from dss_addon.web.i18n import Lang


class Kind(StrEnum):
    FIRST_USE = "first_use"  # the share was opened for the first time
    LOCKED = "locked"  # too many wrong PINs
    DONE = "done"  # the helper pressed "Job erledigt"
    EXTENSION_REQUEST = "extension_request"  # the helper asks for more time
    ENDING_SOON = "ending_soon"  # the share ends within the hour


ALL_KINDS: frozenset[Kind] = frozenset(Kind)
# Told once per share (the store refuses a second row); extension requests may repeat.
ONCE: frozenset[Kind] = ALL_KINDS - {Kind.EXTENSION_REQUEST}
ENDING_SOON_WITHIN = 3600  # seconds


@dataclass(frozen=True, slots=True)
class Notification:
    id: int
    share_id: str
    at: datetime
    kind: Kind
    label: str  # the share's label when it happened
    detail: str
    read: bool


_TEXTS: dict[Kind, tuple[str, str]] = {
    Kind.FIRST_USE: (
        "Die Freigabe „{label}“ wurde zum ersten Mal geöffnet.",
        "The share “{label}” was opened for the first time.",
    ),
    Kind.LOCKED: (
        "Die Freigabe „{label}“ ist nach zu vielen falschen PINs gesperrt.",
        "The share “{label}” is locked after too many wrong PINs.",
    ),
    Kind.DONE: (
        "„{label}“ hat die Arbeit als erledigt gemeldet; die Freigabe ist beendet.",
        "“{label}” reported the job done; the share has ended.",
    ),
    Kind.EXTENSION_REQUEST: (
        "„{label}“ bittet um mehr Zeit{detail}.",
        "“{label}” asks for more time{detail}.",
    ),
    Kind.ENDING_SOON: (
        "Die Freigabe „{label}“ endet in weniger als einer Stunde.",
        "The share “{label}” ends in less than an hour.",
    ),
}


def text(kind: Kind, label: str, detail: str, lang: Lang) -> str:
    german, english = _TEXTS[kind]
    suffix = f" ({detail})" if detail else ""
    template = german if lang is Lang.DE else english
    return template.format(label=label, detail=suffix)


def parse_kinds(value: object) -> frozenset[Kind] | None:
    """A list of kind names from the owner, or None when it is not one."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    try:
        return frozenset(Kind(v) for v in value)
    except ValueError:
        return None


def event_parameter(pairs: dict[str, str]) -> str:
    """event/raise's `parameter`: k=v pairs joined by `;`, a literal `;` written `\\;`
    (base.cpp splitString); keys and values must not be empty."""
    escaped = []
    for key, value in pairs.items():
        clean = value.replace("\\", "/").replace(";", "\\;") or "-"
        escaped.append(f"{key}={clean}")
    return ";".join(escaped)
