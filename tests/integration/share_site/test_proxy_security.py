"""Hardening of the /json proxy and the configurator route: nothing dangerous reaches the dSS."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.support.share_site import (
    Helper,
    open_share,
    raw_get,
    raw_request,
    sim_params,
    sim_paths,
    sim_traffic,
)
from tests.support.stack import Stack

LEVELS = ("view", "operate", "configure")
BLOCKED = [
    "/json/system/setPassword?password=owned",
    "/json/system/requestApplicationToken?applicationName=x",
    "/json/system/enableToken?applicationToken=abc",
    "/json/system/revokeToken?applicationToken=abc",
    "/json/property/getString?path=/system/security/users/dssadmin/password",
    "/json/property/query?query=/system/security/applicationTokens/enabled/*(*)",
    "/json/property/query2?query=/system/security/*(*)",
    "/json/property/setString?path=/config/subsystems/WebServer/trustedPort&value=8088",
    "/json/property/remove?path=/apartment",
    "/json/property/setFlag?path=/apartment&flag=ARCHIVE&value=false",
    "/json/subscription/list",
    "/json/subscription/add?eventName=running&handlerName=javascript&filename1=/x.js",
    "/json/database/query?database=x&sql=select%201",
    "/json/event/raise?name=running",
    "/json/event/raise?name=sendmail",
    "/json/circuit/firmwareUpdate?dsuid=x",
    "/json/circuit/learnIn?dsuid=x",
    "/json/device/setConfig?dsuid=x&class=1&index=1&value=1",
    "/json/device/setOutputValue?dsuid=x&offset=0&value=1",
    "/json/apartment/removeMeter?dsuid=x",
    "/json/apartment/callScene?sceneNumber=65",
    "/json/apartment/callScene?sceneNumber=0x4c",
    "/json/apartment/getName?callback=steal",
    "/json/apartment/getName?callback=",
]


def _blocked_path(url: str) -> str:
    return url.partition("?")[0]


@pytest.mark.parametrize("level", LEVELS)
@pytest.mark.parametrize("url", BLOCKED)
async def test_always_blocked_calls_are_refused_at_every_level(
    stack: Stack, http: aiohttp.ClientSession, level: str, url: str
) -> None:
    helper = await open_share(http, stack, level=level)
    mark = len(stack.sim.calls)
    resp = await helper.get(url)
    assert resp.status == 403, await resp.text()
    body = await resp.json()
    assert body["ok"] is False
    assert body["message"]
    assert _blocked_path(url) not in sim_paths(stack, mark)


@pytest.mark.parametrize("level", LEVELS)
async def test_always_blocked_calls_are_refused_in_post_bodies(
    stack: Stack, http: aiohttp.ClientSession, level: str
) -> None:
    helper = await open_share(http, stack, level=level)
    mark = len(stack.sim.calls)
    # Harmless query, dangerous body: the body is what the dSS would read.
    resp = await helper.post(
        "/json/property/getString?path=/apartment/zones",
        data="path=/system/security/users/dssadmin/password",
    )
    assert resp.status == 403
    assert "/json/property/getString" not in sim_paths(stack, mark)


@pytest.mark.parametrize(
    "path",
    [
        "/browse/system/security",
        "/browse",
        "/cgi-bin/reboot",
        "/icons/getDeviceIcon?dsuid=x",
        "/getLatestLogs",
        "/websocket",
        "/add-ons/dss-share/",
        "/sim-static/app.js",
        "/",
        "/JSON/system/setPassword?password=x",
        "/json/System/setPassword?password=x",
    ],
)
async def test_non_json_targets_are_refused(
    stack: Stack, http: aiohttp.ClientSession, path: str
) -> None:
    helper = await open_share(http, stack, level="configure")
    mark = len(stack.sim.calls)
    resp = await helper.get(path)
    assert resp.status in (403, 404)
    traffic = sim_paths(stack, mark)
    assert not [p for p in traffic if p.startswith(("/browse", "/cgi-bin", "/icons", "/get"))]
    assert "/json/System/setPassword" not in traffic
    assert "/json/system/setPassword" not in traffic


@pytest.mark.parametrize(
    "target",
    [
        "//json/system/setPassword?password=x",
        "/json//system/setPassword?password=x",
        "/json/system//setPassword?password=x",
        "/json/system%2FsetPassword?password=x",
        "/json/system%2fsetPassword?password=x",
        "/json/../browse/system/security",
        "/json/apartment/../../browse/system",
        "/json/%2e%2e/browse/system",
        "/json/apartment/..%2F..%2Fbrowse",
        "/json/system/setPassword%00?password=x",
        "/json/system/set%50assword?password=x",
        "/s/dss/../json/system/setPassword?password=x",
        "/s/dss/..%2Fjson/system/setPassword?password=x",
        "/s/dss/%2e%2e/browse/system",
        "/s/dss//browse/system",
        "/s/dss/json/system/setPassword?password=x",
        "/s/dss/browse/system/security",
        "/s/dss/cgi-bin/reboot",
        "/s/dss/add-ons/dss-share/",
        "/s/dss/http://evil.example/",
        "http://evil.example/json/apartment/getName",
    ],
)
async def test_path_tricks_never_reach_the_dss(
    stack: Stack, http: aiohttp.ClientSession, target: str
) -> None:
    helper = await open_share(http, stack, level="configure")
    before = len(stack.sim.calls)
    status, _ = await raw_request(
        stack.share_url, raw_get(target, headers=f"Cookie: dss_share={helper.cookie}\r\n")
    )
    assert status in (400, 403, 404)
    new = stack.sim.calls[before:]
    assert [c.path for c in new if c.path != "/json/apartment/getStructure"] == []


async def _smuggle(helper: Helper, stolen: str) -> None:
    await helper.get(f"/json/apartment/getName?token={stolen}")
    await helper.post("/json/apartment/getName", data=f"token={stolen}")
    await helper.get(
        "/json/apartment/getName",
        headers={"Cookie": f"dss_share={helper.cookie}; token={stolen}"},
    )
    await helper.get(
        "/json/apartment/getName",
        headers={"Authorization": f'Digest username="dssadmin", token="{stolen}"'},
    )
    await helper.get(
        "/json/apartment/getName",
        headers={"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Host": stolen},
    )


async def test_client_tokens_never_reach_the_dss(stack: Stack, http: aiohttp.ClientSession) -> None:
    helper = await open_share(http, stack, level="view")
    stolen = stack.sim.login_token()  # a real, valid dssadmin session
    mark = len(stack.sim.calls)
    await _smuggle(helper, stolen)
    forwarded = [c for c in stack.sim.calls if c.path == "/json/apartment/getName"]
    assert len(forwarded) == 5
    assert stolen not in sim_traffic(stack, mark)
    for call in forwarded:
        assert "Authorization" not in call.headers
        assert not any(h.lower().startswith("x-forwarded") for h in call.headers)
        assert "token" not in call.cookies
        assert helper.cookie not in repr(dict(call.headers))
        # The share's own dSS session, added upstream, and nothing else of the client's.
        assert sim_params(call).keys() == {"token"}


async def test_the_dss_session_used_is_the_shares_own(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    one = await open_share(http, stack, level="view", label="Eins")
    two = await open_share(http, stack, level="view", label="Zwei")
    await one.get("/json/apartment/getName")
    await two.get("/json/apartment/getName")
    forwarded = [c for c in stack.sim.calls if c.path == "/json/apartment/getName"]
    tokens = [sim_params(c).get("token", "") for c in forwarded]
    assert len(tokens) == 2
    assert all(tokens)
    assert tokens[0] != tokens[1]


@pytest.mark.parametrize(
    "header",
    ["X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"],
)
async def test_method_override_headers_change_nothing_and_are_not_forwarded(
    stack: Stack, http: aiohttp.ClientSession, header: str
) -> None:
    helper = await open_share(http, stack, level="view")
    resp = await helper.get("/json/system/setPassword?password=x", headers={header: "GET"})
    assert resp.status == 403
    resp = await helper.post(
        "/json/apartment/getName", headers={header: "DELETE", "X-Forwarded-Proto": "https"}
    )
    assert resp.status == 200
    forwarded = [c for c in stack.sim.calls if c.path == "/json/apartment/getName"]
    assert forwarded
    assert all(header not in c.headers for c in forwarded)


async def test_oversize_bodies_are_refused_before_anything_is_forwarded(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    before = len(stack.sim.calls)
    resp = await helper.post(
        "/json/apartment/getName",
        data=b"x=" + b"a" * (16 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status == 413
    assert len(stack.sim.calls) == before


async def test_oversize_chunked_bodies_are_refused(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    before = len(stack.sim.calls)

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: sent chunked
        for _ in range(20):
            yield b"a" * 1024

    resp = await helper.post("/json/apartment/getName", data=chunks())
    assert resp.status == 413
    assert len(stack.sim.calls) == before


async def test_jsonp_is_refused_even_in_the_body(stack: Stack, http: aiohttp.ClientSession) -> None:
    helper = await open_share(http, stack, level="view")
    mark = len(stack.sim.calls)
    resp = await helper.post("/json/apartment/getName", data="callback=cb")
    assert resp.status == 403
    assert "JSONP" in (await resp.json())["message"]
    assert "/json/apartment/getName" not in sim_paths(stack, mark)


async def test_cookie_replay_after_revoke_is_refused(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="operate")
    await stack.runtime.shares.revoke(helper.created.share.id, actor="dssadmin")
    before = len(stack.sim.calls)
    for path in ("/json/apartment/getName", "/s/app", "/json/zone/callScene?id=989&sceneNumber=5"):
        resp = await helper.get(path)
        assert resp.status == 401, path
    resp = await helper.post("/s/done", json={})
    assert resp.status == 401
    assert len(stack.sim.calls) == before


async def test_unknown_cookie_gets_401_in_the_dss_envelope(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    for cookie in ("", "dss_share=nope", "token=" + stack.sim.login_token()):
        resp = await http.get(
            f"{stack.share_url}/json/apartment/getName", headers={"Cookie": cookie}
        )
        assert resp.status == 401
        body = await resp.json()
        assert body["ok"] is False
    assert "/json/apartment/getName" not in sim_paths(stack)


async def test_the_secret_appears_in_no_response_log_or_dss_call(
    stack: Stack, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    helper = await open_share(http, stack, level="configure")
    mark = len(stack.sim.calls)
    secret = helper.created.secret
    seen: list[str] = []
    for path in ("/s/", "/s/app", "/json/apartment/getStructure", "/s/dss/", "/json/x/y"):
        resp = await helper.get(path)
        seen.append(await resp.text())
        seen.append(repr(dict(resp.headers)))
    resp = await http.post(f"{stack.share_url}/s/redeem", json={"secret": secret})
    seen.append(await resp.text() + repr(dict(resp.headers)))
    resp = await http.post(f"{stack.share_url}/s/preview", json={"secret": secret})
    seen.append(await resp.text() + repr(dict(resp.headers)))
    assert all(secret not in text for text in seen)
    assert all(helper.cookie not in text for text in seen)
    assert secret not in caplog.text
    assert helper.cookie not in caplog.text
    traffic = sim_traffic(stack, mark)
    assert secret not in traffic
    assert helper.cookie not in traffic
