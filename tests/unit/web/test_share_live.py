"""Pure parts of the share's lifecycle (issue 10): the electrician's live state, the request for
more time, and what the owner's list shows for each state."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dss_addon.errors import BadInput
from dss_addon.shares.model import (
    PIN_MAX_FAILURES,
    ExtensionAnswer,
    ExtensionRequest,
    Level,
    Share,
)
from dss_addon.shares.requests import parse_extension_request
from dss_addon.web.i18n import Lang
from dss_addon.web.owner.present import share_json
from dss_addon.web.owner.views import share_view
from dss_addon.web.share.live import live_state, version

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SHARE = Share(
    id="s1", label="Elektro Müller", level=Level.OPERATE, created_at=NOW, starts_at=NOW,
    expires_at=NOW + timedelta(hours=1), zones=(), has_pin=True, max_redemptions=None,
)
REQUEST = ExtensionRequest(minutes=30, message="Küche", at=NOW)


def test_live_state_counts_whole_seconds_from_the_servers_now() -> None:
    state = live_state(SHARE, NOW + timedelta(minutes=59, seconds=40))
    assert state["seconds_left"] == 20
    assert state["state"] == "active"
    assert state["now"] == "2026-11-27T09:59:40Z"
    assert state["expires_at"] == "2026-11-27T10:00:00Z"
    assert state["extension_request"] is None


def test_the_version_changes_with_what_the_page_shows_not_with_the_time() -> None:
    base = version(SHARE, NOW)
    assert version(SHARE, NOW + timedelta(minutes=5)) == base
    assert version(replace(SHARE, expires_at=SHARE.expires_at + timedelta(hours=1)), NOW) != base
    asked = replace(SHARE, extension_request=REQUEST)
    assert version(asked, NOW) != base
    answered = replace(asked, extension_request=replace(REQUEST, answer=ExtensionAnswer.DECLINED))
    assert version(answered, NOW) != version(asked, NOW)
    assert version(SHARE, SHARE.expires_at) != base  # expired


def test_only_an_open_request_is_shown_to_the_owner() -> None:
    asked = replace(SHARE, extension_request=REQUEST)
    assert share_json(asked, NOW, 0)["extension_request"] == {
        "minutes": 30, "message": "Küche", "at": "2026-11-27T09:00:00Z",
    }
    answered = replace(asked, extension_request=replace(REQUEST, answer=ExtensionAnswer.GRANTED))
    assert share_json(answered, NOW, 0)["extension_request"] is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"minutes": 30}, (30, "")),
        ({"minutes": 60, "message": "  Noch\n\tdie  Küche "}, (60, "Noch die Küche")),
        ({"minutes": 60, "message": None}, (60, "")),
    ],
)
def test_a_request_for_more_time_is_parsed(
    body: dict[str, object], expected: tuple[int, str]
) -> None:
    assert parse_extension_request(body, max_lifetime=timedelta(days=30)) == expected


@pytest.mark.parametrize(
    "body",
    [
        {}, {"minutes": 0}, {"minutes": True}, {"minutes": 30.5}, {"minutes": 30 * 1440 + 1},
        {"minutes": 30, "message": "x" * 201}, {"minutes": 30, "message": ["x"]},
        {"minutes": 30, "message": "a\u202eb"}, {"minutes": 30, "extra": 1},
    ],
)
def test_a_bad_request_for_more_time_is_refused(body: dict[str, object]) -> None:
    with pytest.raises(BadInput):
        parse_extension_request(body, max_lifetime=timedelta(days=30))


def test_the_list_shows_a_scheduled_share_counting_to_its_start() -> None:
    later = replace(SHARE, starts_at=NOW + timedelta(hours=3), expires_at=NOW + timedelta(hours=5))
    view = share_view(later, NOW, 0, Lang.EN, {})
    assert view["state"] == "scheduled"
    assert view["seconds_to_start"] == 3 * 3600
    assert view["starts_in"] == "3 h 0 min"


def test_the_list_shows_no_time_left_for_a_locked_share() -> None:
    locked = replace(SHARE, pin_failures=PIN_MAX_FAILURES)
    view = share_view(locked, NOW, 1, Lang.DE, {})
    assert view["state"] == "locked"
    assert view["seconds_left"] == 0
    assert view["time_left"] == "—"
    assert view["live"] == 1  # a live session goes on while the share is locked


def test_a_share_that_is_over_has_no_live_session() -> None:
    view = share_view(SHARE, SHARE.expires_at, 2, Lang.DE, {})
    assert view["state"] == "expired"
    assert view["live"] == 0
    assert view["over"] is True
    assert share_json(SHARE, SHARE.expires_at, 2)["live_sessions"] == 0
