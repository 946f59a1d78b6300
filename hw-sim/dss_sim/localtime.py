"""Local time of the simulated dSS (Europe/Berlin, UTC if the zone data is missing)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

try:
    TZ: dt.tzinfo = ZoneInfo("Europe/Berlin")
    TZ_NAME = "Europe/Berlin"
except ZoneInfoNotFoundError:  # pragma: no cover - minimal containers
    TZ = dt.UTC
    TZ_NAME = "UTC"


def local(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, TZ)


def date_string(epoch: float) -> str:
    return local(epoch).strftime("%Y-%m-%d %H:%M:%S")


def time_info(epoch: float, zone_name: str = TZ_NAME) -> dict[str, object]:
    try:
        zone: dt.tzinfo = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):  # pragma: no cover - minimal containers
        zone, zone_name = dt.UTC, "UTC"
    now = dt.datetime.fromtimestamp(epoch, zone)
    offset = now.utcoffset() or dt.timedelta()
    dst = now.dst() or dt.timedelta()
    return {"time": int(epoch), "offset": int(offset.total_seconds()), "daylight": bool(dst),
            "timezone": now.tzname() or "UTC", "tzoffset": int(offset.total_seconds()),
            "timezoneName": zone_name}
