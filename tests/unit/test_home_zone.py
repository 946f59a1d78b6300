"""The home's zone from the dSS's `system/time` answer (dss_addon.home_zone)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dss_addon.home_zone import MARKET_ZONE, HomeZone, zone_from_time


def test_a_named_zone_wins() -> None:
    answer = {"timezone": "EST", "offset": -18000, "timezoneName": "America/New_York"}
    assert zone_from_time(answer) == ZoneInfo("America/New_York")


def test_newer_firmware_names_the_zone_in_timezone() -> None:
    assert zone_from_time({"timezone": "Europe/Zurich", "tzoffset": 3600}) == ZoneInfo(
        "Europe/Zurich"
    )


@pytest.mark.parametrize("abbreviation", ["CET", "CEST", "MET", "cest"])
def test_the_2017_firmwares_central_european_abbreviations_keep_the_rules(
    abbreviation: str,
) -> None:
    assert zone_from_time({"timezone": abbreviation, "offset": 3600}) is MARKET_ZONE


def test_another_abbreviation_keeps_the_current_offset() -> None:
    zone = zone_from_time({"timezone": "GMT", "offset": 0, "daylight": False})
    assert zone == dt.timezone(dt.timedelta(0))
    assert zone_from_time({"timezone": "EEST", "offset": 10800}) == dt.timezone(
        dt.timedelta(hours=3)
    )


@pytest.mark.parametrize(
    "answer",
    [{}, {"timezone": "Mars/Olympus"}, {"offset": True}, {"offset": 10**9}, {"offset": "3600"}],
)
def test_nothing_usable_is_none(answer: dict[str, object]) -> None:
    assert zone_from_time(answer) is None


def test_the_holder_starts_with_the_market_zone_and_keeps_it_on_nonsense() -> None:
    home = HomeZone()
    home.learn({"timezone": "??"})
    assert home.zone is MARKET_ZONE
    assert not home.learned
    home.learn({"timezoneName": "Asia/Tokyo"})
    assert home.zone == ZoneInfo("Asia/Tokyo")
    home.reset()
    assert home.zone is MARKET_ZONE
