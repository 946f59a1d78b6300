from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dss_addon.errors import BadInput
from dss_addon.shares.model import Level, Share
from dss_addon.shares.requests import parse_extension, parse_share_request

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
LIFETIME = timedelta(days=30)
ZONES = {1, 2, 5}
BASE: dict[str, object] = {"label": "Elektro Müller", "level": "operate", "duration_minutes": 60}


def body(**changes: object) -> dict[str, object]:
    data = {**BASE, **changes}
    return {key: value for key, value in data.items() if value is not DROP}


DROP = object()


def test_minimal_body_defaults() -> None:
    request = parse_share_request(BASE, NOW, max_lifetime=LIFETIME)
    assert request.label == "Elektro Müller"
    assert request.level is Level.OPERATE
    assert request.starts_at == NOW
    assert request.expires_at == NOW + timedelta(hours=1)
    assert request.zones == ()
    assert request.with_pin is False
    assert request.max_redemptions is None


@pytest.mark.parametrize(
    ("changes", "attribute", "expected"),
    [
        ({"label": "  Support  "}, "label", "Support"),
        ({"label": "x" * 80}, "label", "x" * 80),
        ({"level": "view"}, "level", Level.VIEW),
        ({"level": "configure"}, "level", Level.CONFIGURE),
        ({"duration_minutes": 5}, "expires_at", NOW + timedelta(minutes=5)),
        ({"duration_minutes": 30 * 24 * 60}, "expires_at", NOW + LIFETIME),
        (
            {"duration_minutes": DROP, "expires_at": "2026-11-27T12:00:00+01:00"},
            "expires_at",
            datetime(2026, 11, 27, 11, 0, tzinfo=UTC),
        ),
        (
            {"duration_minutes": DROP, "expires_at": "2026-11-28T09:00:00Z"},
            "expires_at",
            NOW + timedelta(days=1),
        ),
        ({"starts_at": "2026-11-28T08:00:00Z"}, "starts_at", NOW + timedelta(hours=23)),
        (
            {"starts_at": "2026-11-28T08:00:00Z"},
            "expires_at",
            NOW + timedelta(hours=24),
        ),
        ({"starts_at": "2026-11-27T08:59:30Z"}, "starts_at", NOW),  # within the grace: now
        ({"starts_at": None}, "starts_at", NOW),
        ({"zones": [1, 5]}, "zones", (1, 5)),
        ({"zones": []}, "zones", ()),
        ({"pin": True}, "with_pin", True),
        ({"pin": False}, "with_pin", False),
        ({"max_redemptions": 1}, "max_redemptions", 1),
        ({"max_redemptions": 100}, "max_redemptions", 100),
        ({"max_redemptions": None}, "max_redemptions", None),
    ],
)
def test_valid_bodies(changes: dict[str, object], attribute: str, expected: object) -> None:
    request = parse_share_request(body(**changes), NOW, max_lifetime=LIFETIME, known_zones=ZONES)
    assert getattr(request, attribute) == expected


def test_expires_at_may_reach_max_lifetime_from_a_later_start() -> None:
    data = body(
        duration_minutes=DROP, starts_at="2026-11-30T09:00:00Z", expires_at="2026-12-30T09:00:00Z"
    )
    request = parse_share_request(data, NOW, max_lifetime=LIFETIME)
    assert request.expires_at - request.starts_at == LIFETIME


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"label": DROP}, "label"),
        ({"label": ""}, "label"),
        ({"label": "   "}, "label"),
        ({"label": "x" * 81}, "label"),
        ({"label": "a\nb"}, "label"),
        ({"label": "a\x00b"}, "label"),
        ({"label": "a\u2028b"}, "label"),
        ({"label": 5}, "label"),
        ({"level": "admin"}, "level"),
        ({"level": "VIEW"}, "level"),
        ({"level": None}, "level"),
        ({"duration_minutes": 4}, "duration_minutes"),
        ({"duration_minutes": 30 * 24 * 60 + 1}, "duration_minutes"),
        ({"duration_minutes": True}, "duration_minutes"),
        ({"duration_minutes": 60.0}, "duration_minutes"),
        ({"duration_minutes": "60"}, "duration_minutes"),
        ({"duration_minutes": DROP}, "duration_minutes"),
        ({"expires_at": "2026-11-28T09:00:00Z"}, "duration_minutes"),  # both given
        ({"duration_minutes": DROP, "expires_at": "2026-11-28T09:00:00"}, "expires_at"),
        ({"duration_minutes": DROP, "expires_at": "tomorrow"}, "expires_at"),
        ({"duration_minutes": DROP, "expires_at": 1764234000}, "expires_at"),
        ({"duration_minutes": DROP, "expires_at": "2026-11-27T08:00:00Z"}, "expires_at"),
        ({"duration_minutes": DROP, "expires_at": "2026-12-27T09:00:01Z"}, "expires_at"),
        ({"duration_minutes": DROP, "expires_at": "9999-12-31T23:59:59+00:00"}, "expires_at"),
        (
            {
                "duration_minutes": DROP,
                "starts_at": "2026-11-28T10:00:00Z",
                "expires_at": "2026-11-28T09:00:00Z",
            },
            "expires_at",
        ),
        ({"starts_at": "2026-11-27T08:58:59Z"}, "starts_at"),
        ({"starts_at": "2026-11-28T09:00:00"}, "starts_at"),
        ({"starts_at": "2028-01-01T00:00:00Z"}, "starts_at"),
        ({"starts_at": 0}, "starts_at"),
        ({"zones": [0]}, "zones"),
        ({"zones": [-1]}, "zones"),
        ({"zones": [3]}, "zones"),  # not a known zone
        ({"zones": [1, 1]}, "zones"),
        ({"zones": [True]}, "zones"),
        ({"zones": ["1"]}, "zones"),
        ({"zones": 1}, "zones"),
        ({"zones": {"1": 1}}, "zones"),
        ({"pin": "yes"}, "pin"),
        ({"pin": 1}, "pin"),
        ({"max_redemptions": 0}, "max_redemptions"),
        ({"max_redemptions": 101}, "max_redemptions"),
        ({"max_redemptions": True}, "max_redemptions"),
        ({"max_redemptions": "3"}, "max_redemptions"),
        ({"secret": "x"}, "secret"),
        ({"created_by": "me"}, "created_by"),
    ],
)
def test_invalid_bodies_name_the_field(changes: dict[str, object], field: str) -> None:
    with pytest.raises(BadInput) as caught:
        parse_share_request(body(**changes), NOW, max_lifetime=LIFETIME, known_zones=ZONES)
    assert caught.value.field == field
    assert caught.value.message


def test_zones_are_not_checked_without_a_zone_list() -> None:
    request = parse_share_request(body(zones=[3, 700]), NOW, max_lifetime=LIFETIME)
    assert request.zones == (3, 700)


SHARE = Share(
    id="abcdefghij",
    label="x",
    level=Level.VIEW,
    created_at=NOW,
    starts_at=NOW,
    expires_at=NOW + timedelta(hours=4),
    zones=(),
    has_pin=False,
    max_redemptions=None,
)


@pytest.mark.parametrize(
    ("data", "share", "expected"),
    [
        ({"minutes": 60}, SHARE, SHARE.expires_at + timedelta(hours=1)),
        ({"minutes": 1}, SHARE, SHARE.expires_at + timedelta(minutes=1)),
        # an expired share is extended from now, not from its old end
        (
            {"minutes": 60},
            replace(SHARE, expires_at=NOW - timedelta(hours=1)),
            NOW + timedelta(hours=1),
        ),
        ({"expires_at": "2026-11-28T09:00:00Z"}, SHARE, NOW + timedelta(days=1)),
        ({"expires_at": "2026-12-27T09:00:00Z"}, SHARE, NOW + LIFETIME),
    ],
)
def test_valid_extensions(data: dict[str, object], share: Share, expected: datetime) -> None:
    assert parse_extension(data, share, NOW, max_lifetime=LIFETIME) == expected


@pytest.mark.parametrize(
    ("data", "share", "field"),
    [
        ({}, SHARE, "minutes"),
        ({"minutes": 5, "expires_at": "2026-11-28T09:00:00Z"}, SHARE, "minutes"),
        ({"minutes": 0}, SHARE, "minutes"),
        ({"minutes": -5}, SHARE, "minutes"),
        ({"minutes": True}, SHARE, "minutes"),
        ({"minutes": 30 * 24 * 60 + 1}, SHARE, "minutes"),
        ({"minutes": 30 * 24 * 60}, SHARE, "minutes"),  # 30 days after the end: too far
        ({"expires_at": "2026-11-27T12:00:00Z"}, SHARE, "expires_at"),  # earlier than the end
        ({"expires_at": "2026-11-27T13:00:00Z"}, SHARE, "expires_at"),  # equal to the end
        ({"expires_at": "2026-12-27T09:00:01Z"}, SHARE, "expires_at"),
        ({"expires_at": "2026-11-28T09:00:00"}, SHARE, "expires_at"),
        ({"days": 1}, SHARE, "days"),
        ({"minutes": 60}, replace(SHARE, revoked_at=NOW), None),
        ({"minutes": 60}, replace(SHARE, ended_at=NOW), None),
    ],
)
def test_invalid_extensions(data: dict[str, object], share: Share, field: str | None) -> None:
    with pytest.raises(BadInput) as caught:
        parse_extension(data, share, NOW, max_lifetime=LIFETIME)
    assert caught.value.field == field
