"""parse_dss_request turns a share-site request into a canonical dSS call, or refuses it
(docs/canonical-grammar.md)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dss_addon.policy.grammar import form_body
from dss_addon.policy.model import DssCall, Target
from dss_addon.web.share.dss_request import (
    Refused,
    configurator_path,
    parse_dss_request,
    upstream_params,
    url_decode,
)

KUECHE_LIGHT = "303505d7f8000000000000400002a4f000"


def _call(method: str, path: str, query: str = "", body: bytes = b"") -> DssCall:
    parsed = parse_dss_request(method, path, query, body)
    assert isinstance(parsed, DssCall), parsed
    return parsed


def _refused(method: str, path: str, query: str = "", body: bytes = b"") -> str:
    parsed = parse_dss_request(method, path, query, body)
    assert isinstance(parsed, Refused), parsed
    assert parsed.reason.startswith("non-canonical request: ")
    return parsed.reason


def test_json_path_gives_class_and_method() -> None:
    call = _call("GET", "/json/apartment/getStructure")
    assert (call.target, call.klass, call.method) == (Target.JSON, "apartment", "getStructure")
    assert call.path == "/json/apartment/getStructure"


def test_case_is_kept_because_the_dss_is_case_sensitive() -> None:
    call = _call("GET", "/json/System/setPassword")
    assert (call.target, call.klass) == (Target.JSON, "System")


@pytest.mark.parametrize(
    "path",
    [
        "/json/",
        "/json/system",
        "/json//system/setPassword",
        "/json/system//setPassword",
        "/json/system/setPassword/",
        "/json/system/logChannelSeverities/3",
        "/json/system%2FsetPassword",
        "/json/system%2fsetPassword",
        "/json/../browse/system",
        "/json/apartment/../../browse/system",
        "/json/%2e%2e/browse",
        "/json/system/set%50assword",
        "/json/zone/call%53cene",
        "/json/system/setPassword%00",
        "/json/system/setPassword;x",
        "/json/_x/getName",
    ],
)
def test_a_json_path_that_is_not_class_and_method_identifiers_is_refused(path: str) -> None:
    assert "identifiers" in _refused("GET", path)


@pytest.mark.parametrize(
    "path",
    [
        "/JSON/system/setPassword",
        "//json/system/setPassword",
        "/json",
        "/browse/system/security",
        "/cgi-bin/reboot",
        "/icons/getDeviceIcon",
        "/getLatestLogs",
        "/websocket",
        "/",
    ],
)
def test_anything_not_under_json_is_other(path: str) -> None:
    call = _call("GET", path)
    assert call.target is Target.OTHER
    assert call.path == path


def test_canonical_values_are_kept_and_ids_lowercased() -> None:
    call = _call("GET", "/json/device/getSceneValue", f"dsuid={KUECHE_LIGHT.upper()}&sceneID=5")
    assert call.params == {"dsuid": KUECHE_LIGHT, "sceneID": "5"}


# deviceinterfacerequesthandler.cpp getCategory: no `category` is "manual", and
# sceneaccess.cpp SceneAccess::checkAccess never blocks manual calls (wind, fire): every verb
# is forwarded as "algorithm" (a remote helper is not a person at the switch).
@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/json/device/callScene", f"dsuid={KUECHE_LIGHT}&sceneNumber=5"),
        ("/json/device/setValue", f"dsuid={KUECHE_LIGHT}&value=255"),
        ("/json/device/undoScene", f"dsuid={KUECHE_LIGHT}&sceneNumber=5"),
        ("/json/zone/turnOn", "id=990&groupID=2"),
        ("/json/zone/blink", "id=990&groupID=2"),
        ("/json/apartment/callScene", "sceneNumber=5&groupID=2"),
    ],
)
@pytest.mark.parametrize("category", [None, "algorithm", "timer"])
def test_every_device_interface_verb_is_forwarded_as_algorithm(
    path: str, query: str, category: str | None
) -> None:
    given = query if category is None else f"{query}&category={category}"
    call = _call("GET", path, given)
    assert call.params["category"] == "algorithm"
    assert "category=algorithm" in form_body(upstream_params(call))
    assert {k: v for k, v in call.params.items() if k != "category"} == dict(
        pair.split("=") for pair in query.split("&")
    )


@pytest.mark.parametrize("category", ["manual", "Manual", "", "unknown", "algorithm%20"])
def test_a_manual_or_other_category_is_refused(category: str) -> None:
    reason = _refused(
        "GET", "/json/zone/callScene", f"id=990&groupID=2&sceneNumber=5&category={category}"
    )
    assert "category is not a valid scene access category" in reason


def test_calls_that_are_no_verbs_get_no_category() -> None:
    call = _call("GET", "/json/zone/getName", "id=990")
    assert call.params == {"id": "990"}


@pytest.mark.parametrize(
    "value",
    ["0x41", "065", " 65", "+65", "%+965", "% 965", "65 ", "%2065", "%0965", "6%35x", "-0",
     "4294967361", "1e2", "65.0", "", "%36%35%00", "６５"],
)  # fmt: skip
def test_non_canonical_numbers_are_refused(value: str) -> None:
    reason = _refused("GET", "/json/zone/callScene", f"id=990&sceneNumber={value}")
    assert value not in reason or value in ("", "-0")


@pytest.mark.parametrize(
    ("query", "what"),
    [
        ("id=990&id=989", "given twice"),
        ("id=990&ID=989", "unknown parameter ID"),
        ("id=990&i%64=989", "identifier name"),
        ("id=990&%20id=989", "identifier name"),
        ("id=990&&groupID=1", "identifier name"),
        ("id=990&", "identifier name"),
        ("id", "identifier name"),
        ("id=990&foo=1", "unknown parameter foo"),
        ("id=990&callback=cb", "JSONP"),
        ("id=990&CallBack=cb", "JSONP"),
        ("id=990&%63allback=cb", "identifier name"),
        ("id=990%zz", "percent escape"),
        ("id=990%4", "percent escape"),
        ("id=990%", "percent escape"),
        ("id=9%+90", "percent escape"),
        ("name=K%FCche", "not UTF-8"),
        ("name=a b", "percent-encoded"),
        ("name=a\tb", "percent-encoded"),
        ("name=K\udcfcche", "percent-encoded"),
        ("name=a%09b", "not a valid text"),
        ("name=a%00b", "not a valid text"),
        ("name=a%E2%80%AEb", "not a valid text"),  # right-to-left override
        ("name=" + "x" * 101, "not a valid text"),
    ],
)
def test_requests_outside_the_grammar_are_refused(query: str, what: str) -> None:
    assert what in _refused("GET", "/json/zone/getName", query)


def test_a_reason_never_echoes_a_long_or_secret_looking_name() -> None:
    secret = "9f2c" * 16
    reason = _refused("GET", "/json/zone/getName", f"id=990&{secret}=1")
    assert secret[:12] not in reason
    assert len(reason) < 120


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/json/property/getString", "path=scripts/tado"),  # relative: crashes the dSS on set*
        ("/json/property/getString", "path=/scripts/system-addon-remote-connectivity%5B0%5D/x"),
        ("/json/property/getString", "path=/apartment/zones%5B0%5D/zone990/name"),
        ("/json/property/getString", "path=/scripts//tado"),
        ("/json/property/getString", "path=/scripts/./tado"),
        ("/json/property/getString", "path=/scripts/../system"),
        ("/json/property/getString", "path=/scripts/tado/"),
        ("/json/property/getString", "path=/scripts/*"),
        ("/json/property/query", "query=/apartment/zones/zone990(name),zone989(name)"),
        ("/json/property/query", "query=/apartment/zones/zone990%5Blast%5D/*(*)"),
        ("/json/property/query", "query=apartment/zones/*(*)"),
        ("/json/property/query", "query=/apartment/zones/*(*)/.."),
        ("/json/event/raise", "name=x&parameter=a=1%5C;b=2"),
        ("/json/event/raise", "name=x&parameter=a=1;;b=2"),
        ("/json/event/get", "subscriptionID=1&timeout=-2"),
        ("/json/device/callScene", "dsuid=303505d7f8000000000000400002a4f0&sceneNumber=5"),
        ("/json/device/callScene", f"dsuid={'zz' + KUECHE_LIGHT[2:]}&sceneNumber=5"),
        ("/json/device/callScene", f"dsuid={KUECHE_LIGHT}&sceneNumber=5&force=1"),
    ],
)
def test_typed_values_outside_their_type_are_refused(path: str, query: str) -> None:
    _refused("GET", path, query)


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/json/property/query", "query=/apartment/zones/*(*)/groups/*(*)/scenes/*(*)"),
        ("/json/property/query", "query=/apartment/dSMeters/*(name,dSID,dSUID,isValid)/zones/*(*)"),
        ("/json/property/getString", "path=/scripts/tado/config"),
        ("/json/event/raise", "name=my.event&parameter=a%3D1%3Bb%3Dx"),
        ("/json/event/get", "subscriptionID=42&timeout=-1"),
        ("/json/metering/getLatest", "type=consumption&from=.meters(all)"),
        ("/json/zone/sceneSetName", "id=990&groupID=1&sceneNumber=5&newName=K%C3%BCche+hell"),
        ("/json/device/getOutputChannelValue", f"dsuid={KUECHE_LIGHT}&channels=brightness;x"),
    ],
)  # fmt: skip
def test_canonical_calls_are_accepted(path: str, query: str) -> None:
    assert _call("GET", path, query).target is Target.JSON


def test_token_and_cache_buster_are_read_and_dropped() -> None:
    call = _call("GET", "/json/apartment/getName", "token=T&_dc=1700000000000")
    assert call.params == {}
    assert upstream_params(call) == {}


def test_non_empty_post_body_is_the_source() -> None:
    call = _call("POST", "/json/zone/getName", "token=T", b"id=990")
    assert call.params == {"id": "990"}


def test_empty_post_body_falls_back_to_the_query_string() -> None:
    assert _call("POST", "/json/zone/getName", "id=990", b"").params == {"id": "990"}


def test_same_params_in_body_and_query_are_accepted() -> None:
    assert _call("POST", "/json/zone/getName", "id=990", b"id=990&token=T").params == {"id": "990"}


def test_different_body_and_query_on_post_are_refused() -> None:
    assert "differ" in _refused("POST", "/json/zone/getName", "id=990", b"id=989")


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_a_body_on_a_non_post_request_is_refused(method: str) -> None:
    assert "a body on a" in _refused(method, "/json/zone/getName", "id=990", b"id=989")


def test_raw_non_ascii_in_a_body_is_refused() -> None:
    assert "non-ASCII" in _refused("POST", "/json/zone/setName", "", "id=1&newName=Küche".encode())


def test_body_bytes_are_percent_decoded_as_utf8() -> None:
    call = _call("POST", "/json/zone/setName", "", b"id=1&newName=K%C3%BCche")
    assert call.params["newName"] == "Küche"


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
def test_url_decode_reads_like_the_dss(raw: str, decoded: str) -> None:
    assert url_decode(raw) == decoded


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
    call = _call("GET", "/s/dss/index.html", "lang=de&token=T&_dc=12")
    assert (call.target, call.path) == (Target.CONFIGURATOR, "/index.html")
    assert upstream_params(call) == {"lang": "de"}


@pytest.mark.parametrize("query", ["lang=d%20e", "lang=de&lang=en", "x=%3Cscript%3E", "a=%zz"])
def test_configurator_query_outside_the_grammar_is_refused(query: str) -> None:
    _refused("GET", "/s/dss/index.html", query)


def test_configurator_escape_is_other() -> None:
    assert _call("GET", "/s/dss/json/system/setPassword").target is Target.OTHER


@given(st.text(max_size=60), st.binary(max_size=60))
def test_parsing_never_raises_and_accepted_values_can_always_be_forwarded(
    raw: str, body: bytes
) -> None:
    for parsed in (
        parse_dss_request("GET", "/json/zone/setName", raw, b""),
        parse_dss_request("POST", "/json/zone/setName", "", body),
        parse_dss_request("GET", "/json/unknown/call", raw, b""),
    ):
        if isinstance(parsed, DssCall) and parsed.target is Target.JSON:
            form_body(upstream_params(parsed)).encode("ascii")
