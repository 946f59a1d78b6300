"""Where a share link works: the checks of a public address and the home address (pure)."""

from __future__ import annotations

import pytest

from dss_addon.shares.model import Share
from dss_addon.web.i18n import Lang
from dss_addon.web.owner.handout import mail_text
from dss_addon.web.owner.link_place import (
    Problem,
    check_public_url,
    home_base_url,
    is_home_host,
)
from tests.unit.web.test_owner_views import SHARE


@pytest.mark.parametrize(
    ("url", "problems"),
    [
        ("https://haus.example.net", ()),
        ("https://haus.example.net:8443/", ()),
        ("https://203.0.113.7", (Problem.HOME_ADDRESS,)),  # documentation range: not global
        ("https://8.8.8.8:443", ()),
        ("http://haus.example.net", (Problem.NOT_HTTPS,)),
        ("https://127.0.0.1:8443", (Problem.HOME_ADDRESS,)),
        ("https://192.168.1.20", (Problem.HOME_ADDRESS,)),
        ("https://10.0.0.5", (Problem.HOME_ADDRESS,)),
        ("https://[::1]:8443", (Problem.HOME_ADDRESS,)),
        ("https://[fd00::1]", (Problem.HOME_ADDRESS,)),
        ("https://localhost:8443", (Problem.LOCAL_NAME,)),
        ("https://dss.local", (Problem.LOCAL_NAME,)),
        ("https://fritz.box", (Problem.LOCAL_NAME,)),
        ("https://dss.fritz.box", (Problem.LOCAL_NAME,)),
        ("https://dss", (Problem.LOCAL_NAME,)),
        ("https://user:pw@haus.example.net", (Problem.USER_INFO,)),
        ("https://haus.example.net/?x=1", (Problem.QUERY,)),
        ("https://haus.example.net/#x", (Problem.QUERY,)),
        ("https://haus.example.net:99999", (Problem.BAD_PORT,)),
        ("https://", (Problem.NO_HOST,)),
        ("https://ha<us.example.net", (Problem.BAD_HOST,)),
        ("ftp://haus.example.net", (Problem.NOT_HTTPS,)),
    ],
)
def test_a_public_address_is_checked_without_the_network(
    url: str, problems: tuple[Problem, ...]
) -> None:
    assert check_public_url(url).problems == problems


def test_an_empty_address_is_no_address_and_no_problem() -> None:
    check = check_public_url("  ")
    assert check.url == ""
    assert check.problems == ()
    assert not check.ok


def test_a_good_address_is_kept_without_its_trailing_slash() -> None:
    assert check_public_url(" https://haus.example.net/ ").url == "https://haus.example.net"


@pytest.mark.parametrize(
    ("listener", "host", "expected"),
    [
        ("https://192.168.1.20:8443", "192.168.1.20", "https://192.168.1.20:8443"),
        ("https://0.0.0.0:8443", "192.168.1.20", "https://192.168.1.20:8443"),
        ("https://0.0.0.0:8443", "192.168.1.20:443", "https://192.168.1.20:8443"),
        ("https://0.0.0.0:8443", "dss.fritz.box", "https://dss.fritz.box:8443"),
        ("https://[::]:8443", "[fe80::1]:80", "https://[fe80::1]:8443"),
        ("https://0.0.0.0:8443", "<b>x</b>", "https://0.0.0.0:8443"),  # never markup
        ("http://127.0.0.1:5000/", "example.com", "http://127.0.0.1:5000"),
    ],
)
def test_the_home_address_is_the_devices_address_with_the_share_port(
    listener: str, host: str, expected: str
) -> None:
    assert home_base_url(listener, host) == expected


@pytest.mark.parametrize(
    ("host", "home"),
    [("192.168.1.2", True), ("127.0.0.1", True), ("dss.local", True), ("example.net", False),
     ("8.8.8.8", False)],
)
def test_home_hosts(host: str, home: bool) -> None:
    assert is_home_host(host) is home


def test_the_mail_says_where_the_link_works_and_warns_of_the_certificate_only_at_home() -> None:
    from dss_addon.web.owner.link_place import Place

    share: Share = SHARE
    _, home = mail_text("https://192.168.1.20:8443/s/#x", share, Lang.DE, Place.HOME)
    assert "nur vor Ort" in home
    assert "Zertifikat" in home
    _, plain = mail_text("http://192.168.1.20:8443/s/#x", share, Lang.EN, Place.HOME)
    assert "only on site" in plain
    assert "certificate" not in plain
    _, away = mail_text("https://haus.example.net/s/#x", share, Lang.EN, Place.ANYWHERE)
    assert "from anywhere" in away
    assert "certificate" not in away
