"""The owner pages' form translation and texts (pure)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dss_addon.errors import BadInput
from dss_addon.web.i18n import Lang
from dss_addon.web.owner.forms import (
    ShareForm,
    browser_zone,
    extension_data,
    form_field,
    form_message,
    share_data,
    share_form,
)
from dss_addon.web.owner.page import root_of


def test_form_becomes_the_api_body() -> None:
    form = share_form(
        {"label": "Elektro Müller", "level": "operate", "duration": "1440", "pin": "on",
         "max_redemptions": " 3 ", "tz": "Europe/Berlin"},
        ["989", "990"],
    )
    assert share_data(form) == {
        "label": "Elektro Müller", "level": "operate", "pin": True, "duration_minutes": 1440,
        "zones": [989, 990], "max_redemptions": 3,
    }


def test_local_dates_use_the_browser_zone() -> None:
    form = ShareForm(label="x", duration="end", ends_at="2026-07-01T10:00",
                     starts_at="2026-06-30T08:30", tz="Europe/Berlin")
    data = share_data(form)
    assert data["expires_at"] == "2026-07-01T10:00:00+02:00"
    assert data["starts_at"] == "2026-06-30T08:30:00+02:00"


@pytest.mark.parametrize("name", ["", "Mars/Olympus", "../../etc/passwd", "x" * 80, "UTC;rm"])
def test_unknown_zones_fall_back_to_berlin(name: str) -> None:
    assert browser_zone(name).key == "Europe/Berlin"


@pytest.mark.parametrize(
    ("form", "field"),
    [
        (ShareForm(label="x", duration="17"), "duration"),
        (ShareForm(label="x", duration=""), "duration"),
        (ShareForm(label="x", duration="end", ends_at=""), "ends_at"),
        (ShareForm(label="x", duration="end", ends_at="morgen"), "ends_at"),
        (ShareForm(label="x", starts_at="32.13.2026"), "starts_at"),
        (ShareForm(label="x", zones=("989", "Bad")), "zones"),
        (ShareForm(label="x", max_redemptions="-1"), "max_redemptions"),
    ],
)
def test_form_errors_name_the_form_field(form: ShareForm, field: str) -> None:
    with pytest.raises(BadInput) as caught:
        share_data(form)
    assert form_field(caught.value) == field


def test_api_fields_map_to_form_fields() -> None:
    assert form_field(BadInput("x", field="duration_minutes")) == "duration"
    assert form_field(BadInput("x", field="expires_at")) == "ends_at"
    assert form_field(BadInput("x", field="label")) == "label"
    assert form_field(BadInput("x")) == "form"


def test_extension_choices() -> None:
    assert extension_data({"minutes": "60"}) == {"minutes": 60}
    assert extension_data({"minutes": "end", "ends_at": "2026-12-01T10:00", "tz": "UTC"}) == {
        "expires_at": "2026-12-01T10:00:00+00:00"
    }
    for bad in ({}, {"minutes": "61"}, {"minutes": "-60"}):
        with pytest.raises(BadInput):
            extension_data(bad)


def test_messages_are_german_by_field_and_english_from_the_validation() -> None:
    exc = BadInput("The label must have 1 to 80 characters.", field="label")
    assert form_message(exc, "label", Lang.EN, timedelta(days=30)) == exc.message
    assert "für wen" in form_message(exc, "label", Lang.DE, timedelta(days=30))
    assert "30 Tage" in form_message(exc, "duration", Lang.DE, timedelta(days=30))
    assert form_message(exc, "unheard-of", Lang.DE, timedelta(days=30)) == "Ungültige Eingabe."


@pytest.mark.parametrize(
    ("path", "root"),
    [("/", ""), ("/new", ""), ("/shares/abc", "../"), ("/shares/abc/extend", "../../")],
)
def test_links_lead_back_to_the_root_relatively(path: str, root: str) -> None:
    assert root_of(path) == root
