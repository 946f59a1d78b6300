"""View models, JSON, CSV and hand-out texts of the owner side (pure)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest

from dss_addon.shares.model import Level, Share
from dss_addon.web.i18n import Lang
from dss_addon.web.owner.handout import mail_text, mailto, qr_svg
from dss_addon.web.owner.link_place import Place
from dss_addon.web.owner.present import iso, share_json
from dss_addon.web.owner.views import duration_text, share_view, when

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SHARE = Share(
    id="abc123", label="Elektro Müller", level=Level.OPERATE, created_at=NOW, starts_at=NOW,
    expires_at=NOW + timedelta(hours=4), zones=(989,), has_pin=True, max_redemptions=None,
)
LINK = "https://dss.example:8443/s/#secret-value"


@pytest.mark.parametrize(
    ("seconds", "de", "en"),
    [
        (0, "0 Min.", "0 min"),
        (59, "0 Min.", "0 min"),
        (3 * 60, "3 Min.", "3 min"),
        (4 * 3600 + 120, "4 Std. 2 Min.", "4 h 2 min"),
        (86400 + 3600, "1 Tag 1 Std.", "1 day 1 h"),
        (3 * 86400, "3 Tage 0 Std.", "3 days 0 h"),
        (-5, "0 Min.", "0 min"),
    ],
)
def test_duration_text(seconds: int, de: str, en: str) -> None:
    assert duration_text(seconds, Lang.DE) == de
    assert duration_text(seconds, Lang.EN) == en


def test_times_show_in_the_homes_zone() -> None:
    assert when(NOW, Lang.DE) == "27.11.2026, 10:00"
    assert when(NOW, Lang.EN) == "27 Nov 2026, 10:00"
    assert when(None, Lang.DE) == "—"
    assert iso(NOW) == "2026-11-27T09:00:00Z"


def test_share_json_has_the_contract_fields() -> None:
    body = share_json(SHARE, NOW + timedelta(hours=1), live_sessions=2)
    assert body["state"] == "active"
    assert body["expires_at"] == "2026-11-27T13:00:00Z"
    assert body["time_left_seconds"] == 3 * 3600
    assert body["last_used_at"] is None
    assert body["live_sessions"] == 2


def test_a_revoked_share_shows_no_time_left() -> None:
    view = share_view(replace(SHARE, revoked_at=NOW), NOW, 0, Lang.DE, {989: "Wohnen"})
    assert view["state"] == "revoked"
    assert view["final"] is True
    assert view["time_left"] == "—"
    assert view["zones"] == ["Wohnen"]


@pytest.mark.parametrize("lang", [Lang.DE, Lang.EN])
def test_mail_carries_the_link_and_never_a_pin(lang: Lang) -> None:
    subject, body = mail_text(LINK, SHARE, lang, Place.ANYWHERE)
    assert subject
    assert LINK in body
    assert ("PIN bekommen Sie getrennt" if lang is Lang.DE else "PIN separately") in body
    address = mailto(LINK, SHARE, lang, Place.ANYWHERE)
    assert address.startswith("mailto:?subject=")
    assert "#" not in address  # the fragment is encoded, not cut off
    assert LINK in unquote(address)


def test_mail_without_pin_does_not_mention_one() -> None:
    _, body = mail_text(LINK, replace(SHARE, has_pin=False), Lang.DE, Place.HOME)
    assert "PIN" not in body


def test_qr_code_is_plain_svg_without_style_or_text() -> None:
    svg = str(qr_svg(LINK))
    assert svg.startswith("<svg")
    assert "style" not in svg
    assert "secret" not in svg
    assert "<?xml" not in svg
