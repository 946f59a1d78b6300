"""parse_dss_request reads a request the way the dSS does (dss-api.md §1.2-1.3)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dss_addon.policy.model import Target
from dss_addon.web.dss_request import (
    configurator_path,
    parse_dss_request,
    parse_params,
    upstream_params,
    url_decode,
)


def test_json_path_gives_class_and_method() -> None:
    call = parse_dss_request("GET", "/json/apartment/getStructure", "", b"")
    assert (call.target, call.klass, call.method) == (Target.JSON, "apartment", "getStructure")
    assert call.path == "/json/apartment/getStructure"


def test_method_keeps_the_rest_of_the_path() -> None:
    call = parse_dss_request("GET", "/json/system/logChannelSeverities/3", "", b"")
    assert (call.klass, call.method) == ("system", "logChannelSeverities/3")


def test_case_is_kept_because_the_dss_is_case_sensitive() -> None:
    call = parse_dss_request("GET", "/json/System/setPassword", "", b"")
    assert (call.target, call.klass) == (Target.JSON, "System")


@pytest.mark.parametrize(
    "path",
    [
        "/JSON/system/setPassword",
        "//json/system/setPassword",
        "/json",
        "/json/",
        "/json//system/setPassword",
        "/json/system//setPassword",
        "/json/system/setPassword/",
        "/json/system%2FsetPassword",
        "/json/system%2fsetPassword",
        "/json/../browse/system",
        "/json/apartment/../../browse/system",
        "/json/%2e%2e/browse",
        "/json/system/set%50assword",
        "/json/system/setPassword%00",
        "/json/system/setPassword;x",
        "/browse/system/security",
        "/cgi-bin/reboot",
        "/icons/getDeviceIcon",
        "/getLatestLogs",
        "/websocket",
        "/",
    ],
)
def test_anything_not_a_plain_json_call_is_other(path: str) -> None:
    call = parse_dss_request("GET", path, "", b"")
    assert call.target is Target.OTHER
    assert call.path == path


def test_first_occurrence_of_a_name_wins() -> None:
    assert parse_params("id=1&id=2&x=a&x=b") == {"id": "1", "x": "a"}


def test_pairs_without_equals_are_not_parameters() -> None:
    # The dSS looks for "&token=": a bare "token" is not it, the later "token=x" is.
    assert parse_params("token&token=x") == {"token": "x"}


def test_empty_value_is_present() -> None:
    assert parse_params("name=&x=1") == {"name": "", "x": "1"}


def test_values_run_to_the_next_ampersand_and_may_hold_equals() -> None:
    assert parse_params("parameter=a=1;b=x=y") == {"parameter": "a=1;b=x=y"}


def test_encoded_names_are_not_the_decoded_name() -> None:
    # The dSS matches names byte for byte: "%74oken" is not "token" and reaches no handler.
    assert parse_params("%74oken=abc&x=1") == {"x": "1"}


@pytest.mark.parametrize(
    ("raw", "decoded"),
    [
        ("a%20b", "a b"),
        ("a+b", "a b"),
        ("A%26B", "A&B"),
        ("%C3%A4", "ä"),
        ("100%", "100%"),
        ("50%zz+x", "50%zz+x"),  # a bad escape keeps the whole raw string, + included
        ("%4", "%4"),
        ("%ff", "\ufffd"),
    ],
)
def test_url_decoding_follows_the_dss(raw: str, decoded: str) -> None:
    assert url_decode(raw) == decoded


def test_non_empty_post_body_replaces_the_query_string() -> None:
    call = parse_dss_request("POST", "/json/apartment/getName", "token=T&a=1", b"x=1")
    assert call.params == {"x": "1"}


def test_empty_post_body_falls_back_to_the_query_string() -> None:
    call = parse_dss_request("POST", "/json/apartment/getName", "a=1", b"")
    assert call.params == {"a": "1"}


def test_only_post_bodies_are_read() -> None:
    call = parse_dss_request("PUT", "/json/apartment/getName", "a=1", b"token=T")
    assert call.params == {"a": "1"}


def test_body_bytes_are_percent_decoded_as_utf8() -> None:
    call = parse_dss_request("POST", "/json/zone/setName", "", b"id=1&newName=K%C3%BCche")
    assert call.params["newName"] == "Küche"


def test_raw_utf8_bytes_in_a_body_are_read_as_utf8() -> None:
    call = parse_dss_request("POST", "/json/zone/setName", "", "id=1&newName=Küche".encode())
    assert call.params["newName"] == "Küche"


def test_invalid_bytes_become_replacement_characters() -> None:
    call = parse_dss_request("POST", "/json/zone/setName", "", b"a=\xff%zz&b=\xfe")
    assert call.params == {"a": "\ufffd%zz", "b": "\ufffd"}


def test_upstream_params_strip_token_and_callback() -> None:
    call = parse_dss_request("GET", "/json/apartment/getName", "token=T&callback=cb&x=1", b"")
    assert call.params["token"] == "T"  # the policy sees them...
    assert upstream_params(call) == {"x": "1"}  # ...the dSS never does


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        ("", "/"),
        ("index.html", "/index.html"),
        ("js/app.js", "/js/app.js"),
        ("pages/", "/pages/"),
        ("..", None),
        ("js/../../etc/passwd", None),
        ("...", None),
        (".", None),
        ("js//app.js", None),
        ("/etc/passwd", None),
        ("//evil.example/x", None),
        ("http:/evil", None),
        ("js%2Fapp.js", None),
        ("%2e%2e/x", None),
        ("json/apartment/getName", None),
        ("JSON/apartment/getName", None),
        ("browse/system/security", None),
        ("browsesystem/security", None),
        ("Browse.old/system", None),
        ("jsonx/apartment", None),
        ("cgi-bin/reboot", None),
        ("add-ons/dss-share/", None),
        ("websocket", None),
        ("a\\b", None),
        ("a b", None),
    ],
)
def test_configurator_paths_stay_under_the_root(tail: str, expected: str | None) -> None:
    assert configurator_path(tail) == expected


def test_configurator_request_is_its_own_target() -> None:
    call = parse_dss_request("GET", "/s/dss/index.html", "lang=de&token=T", b"")
    assert (call.target, call.path) == (Target.CONFIGURATOR, "/index.html")
    assert upstream_params(call) == {"lang": "de"}


def test_configurator_escape_is_other() -> None:
    call = parse_dss_request("GET", "/s/dss/json/system/setPassword", "", b"")
    assert call.target is Target.OTHER


_names = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,8}", fullmatch=True)
_values = st.text(max_size=20)


@given(st.dictionaries(_names, _values, max_size=6))
def test_urlencoded_params_round_trip(params: dict[str, str]) -> None:
    assert parse_params(urlencode(params)) == params


@given(st.text(max_size=60), st.binary(max_size=60))
def test_parsed_values_can_always_be_forwarded(raw: str, body: bytes) -> None:
    for call in (
        parse_dss_request("GET", "/json/a/b", raw, b""),
        parse_dss_request("POST", "/json/a/b", "", body),
    ):
        # urlencode (the upstream client) encodes as strict UTF-8: this must never fail.
        urlencode(upstream_params(call))
