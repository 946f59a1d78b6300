"""HTTP transport of /json: status codes, reason phrases, envelopes, parameter parsing (§1)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.conftest import DssHttp

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


# dss-api.md §6 #1
async def test_call_without_token_is_403_not_logged_in(dss: DssHttp) -> None:
    reply = await dss.get("/json/apartment/getName")
    assert reply.status == 403
    assert reply.reason == "Forbidden"
    assert reply.text == '{"ok":false,"message":"not logged in"}'
    assert reply.content_type == JSON_CONTENT_TYPE


# dss-api.md §6 #2
async def test_call_with_unknown_token_is_403_not_logged_in(dss: DssHttp) -> None:
    reply = await dss.get("/json/apartment/getName?token=0000")
    assert reply.status == 403
    assert reply.text == '{"ok":false,"message":"not logged in"}'


# dss-api.md §6 #3
async def test_unknown_class_is_404_with_reason_ok_before_the_session_check(
    dss: DssHttp,
) -> None:
    reply = await dss.get("/json/foo/bar")
    assert reply.status == 404
    assert reply.reason == "OK"
    assert reply.text == '{"ok":false,"message":"Call to unknown function"}'
    assert reply.content_type == JSON_CONTENT_TYPE


async def test_empty_class_is_404_call_to_unknown_function(dss: DssHttp, token: str) -> None:
    reply = await dss.get("/json/", token=token)
    assert reply.status == 404
    assert reply.reason == "OK"
    assert reply.text == '{"ok":false,"message":"Call to unknown function"}'


# dss-api.md §6 #4
async def test_unknown_method_of_known_class_is_500_unhandled_function(
    dss: DssHttp, token: str
) -> None:
    reply = await dss.get("/json/apartment/doesNotExist", token=token)
    assert reply.status == 500
    assert reply.reason == "Internal Server Error"
    assert reply.text == '{"ok":false,"message":"Unhandled function"}'
    assert reply.content_type == JSON_CONTENT_TYPE


# dss-api.md §6 #5
async def test_unknown_system_method_is_500_without_a_session(dss: DssHttp) -> None:
    reply = await dss.get("/json/system/doesNotExist")
    assert reply.status == 500
    assert reply.text == '{"ok":false,"message":"Unhandled function"}'


async def test_success_envelope_puts_result_first_and_ok_last(dss: DssHttp, token: str) -> None:
    reply = await dss.get("/json/apartment/getName", token=token)
    assert reply.status == 200
    assert reply.reason == "OK"
    assert reply.content_type == JSON_CONTENT_TYPE
    name = reply.json()["result"]["name"]
    assert reply.text.startswith('{"result":{"name":')
    assert reply.text.endswith('},"ok":true}')
    assert reply.json() == {"result": {"name": name}, "ok": True}


async def test_plain_success_is_just_ok_true(dss: DssHttp, token: str) -> None:
    reply = await dss.get("/json/property/setString?path=/test/plain&value=x", token=token)
    assert reply.text == '{"ok":true}'


# dss-api.md §6 #52
async def test_jsonp_callback_wraps_the_body_and_stays_application_json(
    dss: DssHttp, token: str
) -> None:
    plain = await dss.get("/json/apartment/getName", token=token)
    reply = await dss.get("/json/apartment/getName?callback=cb", token=token)
    assert reply.status == 200
    assert reply.text == f"cb({plain.text})"
    assert reply.content_type == JSON_CONTENT_TYPE
    assert plain.text.startswith('{"result":{"name":')


async def test_non_empty_post_body_replaces_the_query_string(dss: DssHttp) -> None:
    reply = await dss.post(
        "/json/system/login?user=dssadmin&password=wrong", "user=dssadmin&password=dssadmin"
    )
    assert reply.status == 200
    assert reply.json()["ok"] is True
    reply = await dss.post(
        "/json/system/login?user=dssadmin&password=dssadmin", "user=dssadmin&password=wrong"
    )
    assert reply.text == '{"ok":false,"message":"Authentication failed"}'


async def test_empty_post_body_falls_back_to_the_query_string(dss: DssHttp) -> None:
    reply = await dss.post("/json/system/login?user=dssadmin&password=dssadmin", "")
    assert reply.status == 200
    assert reply.json()["ok"] is True


async def test_first_occurrence_of_a_parameter_wins(dss: DssHttp, token: str) -> None:
    await dss.ok("/json/property/setString?path=/test/first&value=one&value=two", token)
    assert await dss.ok("/json/property/getString?path=/test/first", token) == {"value": "one"}
    reply = await dss.get(f"/json/apartment/getName?token={token}&token=0000")
    assert reply.status == 200
    reply = await dss.get(f"/json/apartment/getName?token=0000&token={token}")
    assert reply.status == 403


async def test_parameter_names_match_exactly_not_as_a_suffix(dss: DssHttp, token: str) -> None:
    # The lookup searches for "&name=" in "&" + query, so "xvalue=" is not "value=".
    await dss.ok("/json/property/setString?path=/test/suffix&xvalue=bad&value=good", token)
    result = await dss.ok("/json/property/getString?path=/test/suffix", token)
    assert result == {"value": "good"}


async def test_percent_escapes_are_decoded(dss: DssHttp, token: str) -> None:
    await dss.ok("/json/property/setString?path=/test/pct&value=%41%62%2F%3D", token)
    assert await dss.ok("/json/property/getString?path=/test/pct", token) == {"value": "Ab/="}


async def test_invalid_percent_escape_returns_the_raw_undecoded_value(
    dss: DssHttp, token: str
) -> None:
    await dss.ok("/json/property/setString?path=/test/raw&value=%41%zz", token)
    assert await dss.ok("/json/property/getString?path=/test/raw", token) == {"value": "%41%zz"}


async def test_plus_decodes_to_a_space(dss: DssHttp, token: str) -> None:
    await dss.ok("/json/property/setString?path=/test/plus&value=a+b%2Bc", token)
    assert await dss.ok("/json/property/getString?path=/test/plus", token) == {"value": "a b+c"}


async def test_integers_are_parsed_with_base_zero(dss: DssHttp, token: str) -> None:
    await dss.ok("/json/property/setInteger?path=/test/hex&value=0x11", token)
    await dss.ok("/json/property/setInteger?path=/test/oct&value=010", token)
    await dss.ok("/json/property/setInteger?path=/test/dec&value=-12", token)
    assert await dss.ok("/json/property/getInteger?path=/test/hex", token) == {"value": 17}
    assert await dss.ok("/json/property/getInteger?path=/test/oct", token) == {"value": 8}
    assert await dss.ok("/json/property/getInteger?path=/test/dec", token) == {"value": -12}


async def test_integer_with_trailing_garbage_is_rejected(dss: DssHttp, token: str) -> None:
    message = await dss.fail("/json/property/setInteger?path=/test/bad&value=12abc", token)
    assert message == "Could not convert parameter 'value' to integer. Got: '12abc'"


async def test_output_is_compact_ascii_json_with_unicode_escapes(dss: DssHttp, token: str) -> None:
    await dss.ok("/json/property/setString?path=/test/umlaut&value=K%C3%BCche", token)
    reply = await dss.get("/json/property/getString?path=/test/umlaut", token=token)
    assert reply.text.isascii()
    assert reply.text.lower() == '{"result":{"value":"k\\u00fcche"},"ok":true}'
    assert reply.json() == {"result": {"value": "Küche"}, "ok": True}
    assert reply.headers["Content-Length"] == str(len(reply.text))


async def test_structure_is_sent_as_compact_ascii_json(dss: DssHttp, token: str) -> None:
    reply = await dss.get("/json/apartment/getStructure", token=token)
    assert reply.text.isascii()
    # Compact separators and \uXXXX escapes, exactly what json.dumps produces (hex case aside).
    compact = json.dumps(reply.json(), separators=(",", ":"))
    assert reply.text.lower() == compact.lower()


async def test_setters_html_escape_their_input(dss: DssHttp, token: str) -> None:
    await dss.ok("/json/apartment/setName?newName=%3Cb%3E%22A%22%20%26%20%27B%27", token)
    result = await dss.ok("/json/apartment/getName", token)
    assert result == {"name": "&lt;b&gt;&quot;A&quot; &amp; &#039;B&#039;"}


async def test_any_http_method_is_accepted(dss: DssHttp, token: str) -> None:
    reply = await dss.request("PUT", f"/json/apartment/getName?token={token}")
    assert reply.status == 200
    assert reply.json()["ok"] is True
