"""A grant of more time names the request the owner saw; anything else names none."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dss_addon.shares.model import ExtensionRequest
from dss_addon.shares.service import SeenRequest, request_matches, seen_request

AT = datetime(2026, 11, 27, 9, 25, 0, 123456, tzinfo=UTC)
REQUEST = ExtensionRequest(minutes=15, message="Kabel", at=AT)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"minutes": 15}, SeenRequest(15)),
        ({"minutes": "15", "at": ""}, SeenRequest(15)),  # the page's hidden fields
        ({"minutes": 15, "at": "2026-11-27T09:25:00Z"}, SeenRequest(15, AT.replace(microsecond=0))),
        ({}, None),
        ({"minutes": True}, None),
        ({"minutes": 15.0}, None),
        ({"minutes": "0x0f"}, None),
        ({"minutes": "１５"}, None),  # full-width digits are no number here
        ({"minutes": "9" * 10}, None),
        ({"minutes": 15, "at": "2026-11-27T09:25:00"}, None),  # no zone: which moment?
        ({"minutes": 15, "at": "gestern"}, None),
        ({"minutes": 15, "at": 1}, None),
    ],
)
def test_what_the_owner_saw_is_read_strictly(
    data: dict[str, object], expected: SeenRequest | None
) -> None:
    assert seen_request(data) == expected


def test_only_the_request_the_owner_saw_matches() -> None:
    assert request_matches(REQUEST, SeenRequest(15))
    assert request_matches(REQUEST, SeenRequest(15, AT.replace(microsecond=0)))
    assert not request_matches(REQUEST, None)
    assert not request_matches(REQUEST, SeenRequest(43200))
    later = datetime(2026, 11, 27, 9, 26, tzinfo=UTC)
    assert not request_matches(REQUEST, SeenRequest(15, later))  # replaced since
