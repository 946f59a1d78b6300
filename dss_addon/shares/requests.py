"""Validation of the owner API bodies that create and extend shares (pure)."""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from dss_addon.errors import BadInput
from dss_addon.shares.model import FINAL_STATES, Level, Share, share_state

LABEL_MAX = 80
MIN_DURATION_MINUTES = 5
MAX_REDEMPTIONS = 100
MAX_ZONE_ID = 0xFFFF
START_GRACE = timedelta(seconds=60)  # browser clocks drift; a start this far back means "now"
MAX_START_AHEAD = timedelta(days=365)

_SHARE_KEYS = frozenset(
    {
        "label",
        "level",
        "duration_minutes",
        "expires_at",
        "starts_at",
        "zones",
        "pin",
        "max_redemptions",
    }
)
_EXTEND_KEYS = frozenset({"minutes", "expires_at"})
_EXTENSION_REQUEST_KEYS = frozenset({"minutes", "message"})
EXTENSION_MESSAGE_MAX = 200


@dataclass(frozen=True)
class ShareRequest:
    label: str
    level: Level
    starts_at: datetime  # UTC
    expires_at: datetime  # UTC
    zones: tuple[int, ...]
    with_pin: bool
    max_redemptions: int | None


def parse_share_request(
    data: Mapping[str, object],
    now: datetime,
    *,
    max_lifetime: timedelta,
    known_zones: Collection[int] | None = None,
) -> ShareRequest:
    _reject_unknown(data, _SHARE_KEYS)
    label = _label(data.get("label"))
    level = _level(data.get("level"))
    starts_at = _starts_at(data.get("starts_at"), now)
    expires_at = _end(data, starts_at, now, max_lifetime)
    return ShareRequest(
        label=label,
        level=level,
        starts_at=starts_at,
        expires_at=expires_at,
        zones=_zones(data.get("zones"), known_zones),
        with_pin=_pin(data.get("pin")),
        max_redemptions=_max_redemptions(data.get("max_redemptions")),
    )


def parse_extension(
    data: Mapping[str, object], share: Share, now: datetime, *, max_lifetime: timedelta
) -> datetime:
    """The new end: later than the current end and than now, at most max_lifetime from now.

    The cap counts from now (not from starts_at) so a long job can be extended day by day,
    while no single extension hands out more than max_lifetime of future access."""
    _reject_unknown(data, _EXTEND_KEYS)
    if share_state(share, now) in FINAL_STATES:
        raise BadInput("This share has been revoked or ended and cannot be extended.")
    has_minutes, has_end = "minutes" in data, "expires_at" in data
    if has_minutes == has_end:
        raise BadInput("Give either minutes or expires_at.", field="minutes")
    if has_minutes:
        minutes = _int(data["minutes"], "minutes", 1, _minutes(max_lifetime))
        new_end = max(share.expires_at, now) + timedelta(minutes=minutes)
        field = "minutes"
    else:
        new_end = _datetime(data["expires_at"], "expires_at")
        field = "expires_at"
    if new_end <= share.expires_at or new_end <= now:
        raise BadInput("The new end must be later than the current end.", field=field)
    if new_end > now + max_lifetime:
        raise BadInput(f"A share can run at most {_human(max_lifetime)} from now.", field=field)
    return new_end


def parse_extension_request(
    data: Mapping[str, object], *, max_lifetime: timedelta
) -> tuple[int, str]:
    """The electrician's request for more time: (minutes, message)."""
    _reject_unknown(data, _EXTENSION_REQUEST_KEYS)
    minutes = _int(data.get("minutes"), "minutes", 1, _minutes(max_lifetime))
    message = data.get("message", "")
    if message is None:
        message = ""
    if not isinstance(message, str):
        raise BadInput("The message must be text.", field="message")
    message = " ".join(message.split())  # one line: no control characters, no layout
    if len(message) > EXTENSION_MESSAGE_MAX:
        raise BadInput(
            f"The message can have at most {EXTENSION_MESSAGE_MAX} characters.", field="message"
        )
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in message):
        raise BadInput("The message must not contain control characters.", field="message")
    return minutes, message


def _reject_unknown(data: Mapping[str, object], allowed: frozenset[str]) -> None:
    for key in data:
        if key not in allowed:
            raise BadInput(f"Unknown field {key[:40]!r}.", field=key[:40])


def _label(value: object) -> str:
    if not isinstance(value, str):
        raise BadInput("The label is required and must be text.", field="label")
    label = value.strip()
    if not 1 <= len(label) <= LABEL_MAX:
        raise BadInput(f"The label must have 1 to {LABEL_MAX} characters.", field="label")
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in label):
        raise BadInput("The label must not contain control characters.", field="label")
    return label


def _level(value: object) -> Level:
    if isinstance(value, str) and value in Level._value2member_map_:
        return Level(value)
    choices = ", ".join(level.value for level in Level)
    raise BadInput(f"The level must be one of: {choices}.", field="level")


def _starts_at(value: object, now: datetime) -> datetime:
    if value is None:
        return now
    starts_at = _datetime(value, "starts_at")
    if starts_at < now - START_GRACE:
        raise BadInput("The start must not lie in the past.", field="starts_at")
    if starts_at > now + MAX_START_AHEAD:
        raise BadInput("The start must lie within one year.", field="starts_at")
    return max(starts_at, now)


def _end(
    data: Mapping[str, object], starts_at: datetime, now: datetime, max_lifetime: timedelta
) -> datetime:
    has_duration, has_end = "duration_minutes" in data, "expires_at" in data
    if has_duration == has_end:
        raise BadInput("Give either duration_minutes or expires_at.", field="duration_minutes")
    if has_duration:
        minutes = _int(
            data["duration_minutes"],
            "duration_minutes",
            MIN_DURATION_MINUTES,
            _minutes(max_lifetime),
        )
        return starts_at + timedelta(minutes=minutes)
    expires_at = _datetime(data["expires_at"], "expires_at")
    if expires_at <= now:
        raise BadInput("The end must lie in the future.", field="expires_at")
    if expires_at <= starts_at:
        raise BadInput("The end must be later than the start.", field="expires_at")
    if expires_at > max(now, starts_at) + max_lifetime:
        raise BadInput(f"A share can run at most {_human(max_lifetime)}.", field="expires_at")
    return expires_at


def _zones(value: object, known_zones: Collection[int] | None) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise BadInput("Zones must be a list of zone numbers.", field="zones")
    zones: list[int] = []
    for item in value:
        if type(item) is not int or not 0 < item <= MAX_ZONE_ID:
            raise BadInput("Each zone must be a zone number other than 0.", field="zones")
        if known_zones is not None and item not in known_zones:
            raise BadInput(f"Zone {item} does not exist.", field="zones")
        if item in zones:
            raise BadInput(f"Zone {item} is listed twice.", field="zones")
        zones.append(item)
    return tuple(zones)


def _pin(value: object) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise BadInput("pin must be true or false.", field="pin")
    return value


def _max_redemptions(value: object) -> int | None:
    if value is None:
        return None
    return _int(value, "max_redemptions", 1, MAX_REDEMPTIONS)


def _int(value: object, field: str, low: int, high: int) -> int:
    # bool is a subclass of int in Python; JSON true is not a number.
    if type(value) is not int:
        raise BadInput(f"{field} must be a whole number.", field=field)
    if not low <= value <= high:
        raise BadInput(f"{field} must be between {low} and {high}.", field=field)
    return value


def _datetime(value: object, field: str) -> datetime:
    if not isinstance(value, str) or len(value) > 40:
        raise BadInput(f"{field} must be an ISO 8601 date and time.", field=field)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as err:
        raise BadInput(f"{field} must be an ISO 8601 date and time.", field=field) from err
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise BadInput(f"{field} needs a time zone (e.g. Z or +01:00).", field=field)
    try:
        return parsed.astimezone(UTC)
    except OverflowError as err:
        raise BadInput(f"{field} is out of range.", field=field) from err


def _minutes(span: timedelta) -> int:
    return int(span.total_seconds() // 60)


def _human(span: timedelta) -> str:
    if span.days and span == timedelta(days=span.days):
        return f"{span.days} days"
    return f"{_minutes(span)} minutes"
