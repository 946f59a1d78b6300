"""Parser differentials: does the dSS read exactly what the policy decided on?

The oracle is the simulator's own parameter reader (dss_sim.params, which mirrors restful.cpp):
what the dSS would have read from the electrician's ORIGINAL request must equal what it reads
from the add-on's forwarded form body, parameter by parameter, except `token` and `callback`,
which must never arrive. A zone-restricted operate share makes any slip visible as a real
action in a forbidden zone."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from dss_sim.params import Params

from tests.integration.attacks.support import exact, forwarded
from tests.support.share_site import Helper, open_share, raw_request
from tests.support.stack import Stack

KUECHE, WOHNEN = 990, 989
READ_BY_HANDLERS = ("id", "name", "groupID", "groupName", "sceneNumber", "force", "category")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _dss_view(raw: str) -> dict[str, str | None]:
    params = Params(raw)
    return {name: params.get(name) for name in READ_BY_HANDLERS}


def _wohnen_untouched(stack: Stack) -> None:
    assert all(g.last_called_scene == 0 for g in stack.sim.zone(WOHNEN).groups.values())


async def _check(
    stack: Stack, helper: Helper, method: str, target: str, body: bytes = b"", **kw: object
) -> tuple[int, str]:
    mark = len(stack.sim.calls)
    status, text = await exact(helper, method, target, data=body or None, **kw)
    path, _, query = target.partition("?")
    sent = forwarded(stack, path, mark)
    if status == 200:
        assert len(sent) == 1, (target, status, text)
        original = body.decode("latin-1") if method == "POST" and body else query
        received = "&".join(f"{k}={v}" for k, v in sent[0].items())
        # Re-read the forwarded form body with the dSS's own rules.
        fwd = next(c for c in stack.sim.calls[mark:] if c.path == path)
        dss_view, asked = _dss_view(fwd.body), _dss_view(original)
        # Every device-interface verb goes out as category=algorithm, whatever the client sent
        # or left out (without one the dSS takes the call as "manual", which its wind and fire
        # protections never block); the proxy refuses "manual" and anything but "timer".
        assert dss_view.pop("category") == "algorithm", (target, received)
        assert asked.pop("category") in (None, "algorithm", "timer"), (target, received)
        assert dss_view == asked, (target, received)
        assert "token" not in sent[0]
        assert "callback" not in sent[0]
    else:
        assert sent == [], (target, status, text)
    _wohnen_untouched(stack)
    return status, text


@pytest.fixture
async def kueche(stack: Stack, http: aiohttp.ClientSession) -> Helper:
    return await open_share(http, stack, level="operate", zones=[KUECHE])


Q = f"/json/zone/callScene?groupID=1&sceneNumber=5&id={KUECHE}"


@pytest.mark.parametrize(
    "target",
    [
        f"/json/zone/callScene?id={KUECHE}&id={WOHNEN}&groupID=1&sceneNumber=5",
        f"/json/zone/callScene?id={KUECHE};id={WOHNEN}&groupID=1&sceneNumber=5",
        f"/json/zone/callScene?id={KUECHE}%3Bid={WOHNEN}&groupID=1&sceneNumber=5",
        f"/json/zone/callScene?id={KUECHE}%00{WOHNEN}&groupID=1&sceneNumber=5",
        f"/json/zone/callScene?id={KUECHE}%26id={WOHNEN}&groupID=1&sceneNumber=5",
        f"/json/zone/callScene?id={KUECHE}&groupID=1&sceneNumber=5%00",
        f"/json/zone/callScene?id={KUECHE}&groupID=1&sceneNumber=5%C0%AF",
        f"/json/zone/callScene?id={KUECHE}&groupID=1&sceneNumber=%35",
        f"/json/zone/callScene?id={KUECHE}&groupID=1&sceneNumber=+5",
        f"/json/zone/callScene?id={KUECHE}&groupID=1&sceneNumber=%2B5",
        f"/json/zone/callScene?id={KUECHE}&groupID=1&sceneNumber=%205",
        f"/json/zone/callScene?id={KUECHE}&groupID=1&sceneNumber=5%",
        f"/json/zone/callScene?id={KUECHE}&groupID=1&sceneNumber=5%zz",
        f"/json/zone/callScene?id={KUECHE}&groupID=1&sceneNumber=5%2",
        "/json/zone/callScene?name=K%FCche&groupID=1&sceneNumber=5",
        "/json/zone/callScene?name=K%C3%BCche&groupID=1&sceneNumber=5",
        "/json/zone/callScene?name=K%C3%BCche&groupID=1&sceneNumber=5&name=Wohnen",
        "/json/zone/callScene?name=Wohnen%00&groupID=1&sceneNumber=5",
        f"/json/zone/callScene?i%64={WOHNEN}&id={KUECHE}&groupID=1&sceneNumber=5",
        f"/json/zone/callScene?ID={WOHNEN}&id={KUECHE}&groupID=1&sceneNumber=5",
        f"/json/zone/callScene?%69d={WOHNEN}&groupID=1&sceneNumber=5",
        f"/json/zone/callScene?id+={WOHNEN}&id={KUECHE}&groupID=1&sceneNumber=5",
        f"/json/zone/callScene?%20id={WOHNEN}&id={KUECHE}&groupID=1&sceneNumber=5",
        f"/json/zone/callScene?&&id={KUECHE}&&groupID=1&sceneNumber=5&",
        f"/json/zone/callScene?=&id={KUECHE}&groupID=1&sceneNumber=5",
        f"/json/zone/callScene?id={KUECHE}&groupID=1&sceneNumber=5&tok%65n=x&%63allback=cb",
        f"/json/zone/callScene?id={KUECHE}&groupID=1&sceneNumber=5&category=timer&force=1",
        f"/json/zone/callScene?id={KUECHE}?id={WOHNEN}&groupID=1&sceneNumber=5",
    ],
)
async def test_query_string_tricks(stack: Stack, kueche: Helper, target: str) -> None:
    await _check(stack, kueche, "GET", target)


@pytest.mark.parametrize(
    ("query", "body"),
    [
        (f"id={KUECHE}&groupID=1&sceneNumber=5", f"id={WOHNEN}&groupID=1&sceneNumber=5"),
        (f"id={WOHNEN}&groupID=1&sceneNumber=5", f"id={KUECHE}&groupID=1&sceneNumber=5"),
        (f"id={KUECHE}&groupID=1&sceneNumber=5", "x"),
        (f"id={KUECHE}&groupID=1&sceneNumber=5", "&"),
        (f"id={KUECHE}&groupID=1&sceneNumber=5", "\r\n"),
        (f"id={KUECHE}", f"&id={WOHNEN}&groupID=1&sceneNumber=5"),
        ("", f"id={KUECHE}\r\n&id={WOHNEN}&groupID=1&sceneNumber=5"),
        ("", f"id={KUECHE}&groupID=1&sceneNumber=5\r\nid={WOHNEN}"),
        ("", f'{{"id": {WOHNEN}, "groupID": 1, "sceneNumber": 5}}'),
        ("", f'--b\r\nContent-Disposition: form-data; name="id"\r\n\r\n{WOHNEN}\r\n--b--'),
        ("", f"id={KUECHE}&groupID=1&sceneNumber=5&token=x&callback=y"),
        ("", f"id={KUECHE}&groupID=1&sceneNumber=5&tok%65n=x&%63allback=y"),
        ("", "name=K\xfcche&groupID=1&sceneNumber=5"),
    ],
)
@pytest.mark.parametrize(
    "content_type",
    [
        "application/x-www-form-urlencoded",
        "application/json",
        "text/plain",
        "multipart/form-data; boundary=b",
        "application/x-www-form-urlencoded; charset=utf-16",
    ],
)
async def test_body_and_query_together(
    stack: Stack, kueche: Helper, query: str, body: str, content_type: str
) -> None:
    await _check(
        stack,
        kueche,
        "POST",
        f"/json/zone/callScene?{query}",
        body.encode("latin-1"),
        headers={"Content-Type": content_type},
    )


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS"])
async def test_bodies_of_other_methods_are_refused(
    stack: Stack, kueche: Helper, method: str
) -> None:
    # The dSS reads a body only for POST (dss-api.md §1.3): a client that sends one with another
    # method means something the dSS will not do, so the request is refused as a whole.
    status, _ = await _check(
        stack, kueche, method, Q, f"id={WOHNEN}&groupID=1&sceneNumber=5".encode(), headers=FORM
    )
    assert status == 403
    assert stack.sim.zone(KUECHE).groups[1].last_called_scene == 0


async def test_empty_post_body_falls_back_to_the_query(stack: Stack, kueche: Helper) -> None:
    status, _ = await _check(stack, kueche, "POST", Q, b"", headers=FORM)
    assert status == 200


async def test_chunked_body_is_read_like_a_plain_one(stack: Stack, kueche: Helper) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for piece in (b"id=", str(WOHNEN).encode(), b"&groupID=1&scene", b"Number=5"):
            yield piece

    mark = len(stack.sim.calls)
    status, _ = await exact(kueche, "POST", Q, data=chunks(), headers=FORM)
    assert status == 403  # the body (Wohnen) replaced the query (Küche)
    assert forwarded(stack, "/json/zone/callScene", mark) == []
    _wohnen_untouched(stack)


async def test_gzip_encoded_body_is_decided_on_what_is_forwarded(
    stack: Stack, kueche: Helper
) -> None:
    import gzip

    body = gzip.compress(f"id={WOHNEN}&groupID=1&sceneNumber=5".encode())
    await _check(stack, kueche, "POST", Q, body, headers={**FORM, "Content-Encoding": "gzip"})


async def test_raw_non_ascii_bytes_in_the_request_target(stack: Stack, kueche: Helper) -> None:
    mark = len(stack.sim.calls)
    for target in (
        "/json/zone/callScene?name=K\xfcche&groupID=1&sceneNumber=5".encode("latin-1"),
        "/json/zone/callScene?name=Küche&groupID=1&sceneNumber=5".encode(),
        f"/json/zone/callScene?name=Wohnen\x00&id={KUECHE}&groupID=1&sceneNumber=5".encode(),
        f"/json/zone/callScene?id={KUECHE}&groupID=1&sceneNumber=5\xff&id={WOHNEN}".encode(
            "latin-1"
        ),
    ):
        request = (
            b"GET " + target + b" HTTP/1.1\r\nHost: share.example\r\n"
            b"Cookie: dss_share=" + kueche.cookie.encode() + b"\r\nConnection: close\r\n\r\n"
        )
        status, _ = await raw_request(kueche.stack.share_url, request)
        assert status in (200, 400, 403), target
    for sent in forwarded(stack, "/json/zone/callScene", mark):
        assert sent.get("id", str(KUECHE)) == str(KUECHE)
        assert sent.get("name", "Küche") == "Küche"
    _wohnen_untouched(stack)


@pytest.mark.parametrize("spelling", ["%63allback", "c%61llback", "CALLBACK", "callback%00"])
async def test_jsonp_spellings_never_turn_the_answer_into_script(
    stack: Stack, http: aiohttp.ClientSession, spelling: str
) -> None:
    helper = await open_share(http, stack, level="view")
    status, text = await exact(helper, "GET", f"/json/apartment/getName?{spelling}=alert")
    assert not text.startswith("alert")
    assert "alert(" not in text
    if status == 200:
        assert text.startswith("{")


@pytest.mark.parametrize("spelling", ["tok%65n", "TOKEN", "token%00", "%74oken", "token "])
async def test_token_spellings_never_reach_the_dss(
    stack: Stack, http: aiohttp.ClientSession, spelling: str
) -> None:
    helper = await open_share(http, stack, level="view")
    stolen = stack.sim.login_token()
    mark = len(stack.sim.calls)
    for target in (
        f"/json/apartment/getName?{spelling}={stolen}",
        f"/json/apartment/getName?x=1&{spelling}={stolen}",
    ):
        await exact(helper, "GET", target)
        await exact(helper, "POST", "/json/apartment/getName", data=target.split("?")[1])
    for call in stack.sim.calls[mark:]:
        # Whatever else travels (the dSS matches names byte for byte, so "TOKEN" is no token),
        # the dSS never reads the stolen session as the request's token.
        assert Params(call.body).get("token") != stolen
        assert Params(call.query).get("token") != stolen
        assert "token" not in call.cookies
