"""The owner pages' forms: raw form values, their translation into the owner API's data (so that
pages and API validate alike), and error texts in both languages (pure)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dss_addon.errors import BadInput
from dss_addon.web.i18n import Lang

DEFAULT_ZONE = ZoneInfo("Europe/Berlin")  # the market's zone, when the browser did not say
DURATION_PRESETS = (60, 240, 1440, 4320, 10080)  # minutes: 1 h, 4 h, 1 day, 3 days, 7 days
EXTEND_PRESETS = DURATION_PRESETS
END_CHOICE = "end"
_TZ_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$")


@dataclass(frozen=True, slots=True)
class ShareForm:
    """What the owner typed, kept as text so that a rejected form comes back as typed."""

    label: str = ""
    level: str = "view"
    duration: str = "240"
    ends_at: str = ""
    starts_at: str = ""
    # On by default: with a PIN, a forwarded or overheard link alone opens nothing.
    pin: bool = True
    zones: tuple[str, ...] = ()
    max_redemptions: str = ""
    tz: str = ""
    where: str = ""  # link_place.Place; "" = the default (from anywhere when configured)
    errors: Mapping[str, str] = field(default_factory=dict)


# The preset's label, named for users in their language.
VENDOR_SUPPORT_LABEL = {Lang.DE: "Hersteller-Support", Lang.EN: "Vendor support"}


def vendor_support(lang: Lang) -> ShareForm:
    return ShareForm(label=VENDOR_SUPPORT_LABEL[lang], level="view", duration="4320", pin=True)


def share_form(form: Mapping[str, str], zones: Sequence[str]) -> ShareForm:
    return ShareForm(
        label=form.get("label", "")[:200],
        level=form.get("level", ""),
        duration=form.get("duration", ""),
        ends_at=form.get("ends_at", "")[:40],
        starts_at=form.get("starts_at", "")[:40],
        pin=form.get("pin") == "on",
        zones=tuple(z[:8] for z in zones[:100]),
        max_redemptions=form.get("max_redemptions", "")[:8],
        tz=form.get("tz", "")[:64],
        where=form.get("where", "")[:16],
    )


def carried_fields(form: ShareForm) -> list[tuple[str, str]]:
    """The form as hidden fields, to come back as typed after a login in between."""
    pairs = [
        ("label", form.label), ("level", form.level), ("duration", form.duration),
        ("ends_at", form.ends_at), ("starts_at", form.starts_at),
        ("max_redemptions", form.max_redemptions), ("tz", form.tz), ("where", form.where),
    ]
    if form.pin:
        pairs.append(("pin", "on"))
    pairs.extend(("zones", zone) for zone in form.zones)
    return pairs


def browser_zone(name: str) -> ZoneInfo:
    if _TZ_NAME.match(name) and ".." not in name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return DEFAULT_ZONE


def local_input(value: str, zone: ZoneInfo, field: str) -> str:
    """A datetime-local value ("2026-11-28T10:00") in the browser's zone as ISO 8601."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as err:
        raise BadInput(f"{field}: enter a date and time.", field=field) from err
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.isoformat()


def share_data(form: ShareForm) -> dict[str, object]:
    """The owner API's body for this form; raises BadInput naming the form's field."""
    zone = browser_zone(form.tz)
    data: dict[str, object] = {"label": form.label, "level": form.level, "pin": form.pin}
    if form.duration == END_CHOICE:
        data["expires_at"] = local_input(form.ends_at, zone, "ends_at")
    elif form.duration.isdigit() and int(form.duration) in DURATION_PRESETS:
        data["duration_minutes"] = int(form.duration)
    else:
        raise BadInput("Choose a duration.", field="duration")
    if form.starts_at:
        data["starts_at"] = local_input(form.starts_at, zone, "starts_at")
    if form.zones:
        if not all(z.isdigit() for z in form.zones):
            raise BadInput("Choose zones from the list.", field="zones")
        data["zones"] = [int(z) for z in form.zones]
    if form.max_redemptions.strip():
        text = form.max_redemptions.strip()
        if not text.isdigit():
            raise BadInput("max_redemptions must be a whole number.", field="max_redemptions")
        data["max_redemptions"] = int(text)
    return data


def extension_data(form: Mapping[str, str]) -> dict[str, object]:
    choice = form.get("minutes", "")
    if choice == END_CHOICE:
        zone = browser_zone(form.get("tz", "")[:64])
        return {"expires_at": local_input(form.get("ends_at", "")[:40], zone, "ends_at")}
    if choice.isdigit() and int(choice) in EXTEND_PRESETS:
        return {"minutes": int(choice)}
    raise BadInput("Choose how long to extend.", field="minutes")


# Form field for each field name of the API validation (shares/requests.py).
_FORM_FIELD = {"duration_minutes": "duration", "expires_at": "ends_at"}


def form_field(exc: BadInput) -> str:
    name = exc.field or ""
    return _FORM_FIELD.get(name, name) or "form"


def form_message(exc: BadInput, form_field_name: str, lang: Lang, max_lifetime: timedelta) -> str:
    if lang is Lang.EN:
        return exc.message
    days = max(1, max_lifetime.days)
    german = {
        "label": "Bitte geben Sie an, für wen die Freigabe ist (1 bis 80 Zeichen, ohne "
        "Steuerzeichen).",
        "level": "Bitte wählen Sie eine Zugriffsstufe.",
        "duration": f"Bitte wählen Sie eine Dauer (höchstens {days} Tage).",
        "ends_at": "Das Ende muss in der Zukunft und nach dem Beginn liegen, höchstens "
        f"{days} Tage entfernt. Bitte Datum und Uhrzeit angeben.",
        "starts_at": "Der Beginn darf nicht in der Vergangenheit und höchstens ein Jahr in der "
        "Zukunft liegen.",
        "zones": "Bitte wählen Sie nur Räume aus der Liste.",
        "pin": "Ungültige Angabe zur PIN.",
        "max_redemptions": "Bitte eine ganze Zahl von 1 bis 100 angeben oder das Feld leer "
        "lassen.",
        "where": "Für Links von unterwegs fehlt eine öffentliche Adresse: bitte in den "
        "Einstellungen eintragen oder „vor Ort“ wählen.",
        "minutes": f"Das neue Ende muss nach dem bisherigen Ende liegen, höchstens {days} Tage "
        "ab jetzt. Widerrufene oder beendete Freigaben lassen sich nicht verlängern.",
    }
    return german.get(form_field_name, "Ungültige Eingabe.")
