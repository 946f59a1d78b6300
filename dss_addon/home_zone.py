"""The home's time zone: the dSS's clock says it in `system/time`, and the owner's pages and the
audit's spreadsheet file show times in it.

The 2017 firmware answers only the zone's abbreviation ("CET") and its current offset; newer
firmware also names the zone ("Europe/Zurich"). From a name the rules follow exactly; the
abbreviations of the market (central European time) map to Europe/Berlin, whose rules the
neighbouring zones share since 1980; anything else keeps the current offset (a fixed zone,
wrong by an hour across a change of daylight saving time, and said so in the log)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

MARKET_ZONE = ZoneInfo("Europe/Berlin")  # the market's zone, until the dSS has said its own
_CENTRAL_EUROPE = frozenset({"CET", "CEST", "MET", "MEST"})
_MAX_OFFSET = 18 * 3600


def zone_from_time(answer: Mapping[str, object]) -> dt.tzinfo | None:
    """The zone of a `system/time` result, or None when it says nothing usable."""
    for key in ("timezoneName", "timezone"):
        name = answer.get(key)
        if isinstance(name, str) and "/" in name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    abbreviation = answer.get("timezone")
    if isinstance(abbreviation, str) and abbreviation.upper() in _CENTRAL_EUROPE:
        return MARKET_ZONE
    for key in ("tzoffset", "offset"):
        offset = answer.get(key)
        if isinstance(offset, int) and not isinstance(offset, bool) and abs(offset) <= _MAX_OFFSET:
            return dt.timezone(dt.timedelta(seconds=offset))
    return None


class HomeZone:
    """The one place that knows the home's zone; the market's zone until the dSS answered."""

    def __init__(self) -> None:
        self.zone: dt.tzinfo = MARKET_ZONE
        self.learned = False

    def reset(self) -> None:
        self.zone, self.learned = MARKET_ZONE, False

    def learn(self, answer: Mapping[str, object]) -> None:
        zone = zone_from_time(answer)
        if zone is None:
            log.info("the dSS did not say its time zone: times stay in Europe/Berlin")
            return
        if isinstance(zone, dt.timezone):
            log.info("the dSS named no zone rules: times use its current offset %s", zone)
        self.zone, self.learned = zone, True


HOME = HomeZone()


def home_zone() -> dt.tzinfo:
    return HOME.zone
