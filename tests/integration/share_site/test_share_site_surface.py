"""What the share site exposes: no owner route, and security headers on every answer."""

from __future__ import annotations

import aiohttp
import pytest

from dss_addon.web.share.app import create_share_app
from tests.support.share_site import open_share
from tests.support.stack import Stack


@pytest.mark.parametrize(
    "path",
    [
        "/api/shares",
        "/api/session",
        "/api/shares/abc/revoke",
        "/add-ons/dss-share/",
        "/add-ons/dss-share/api/shares",
        "/owner",
        "/owner/",
        "/static/app.js",
        "/s",
        "/s/unknown",
    ],
)
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_no_owner_route_on_the_share_site(
    stack: Stack, http: aiohttp.ClientSession, path: str, method: str
) -> None:
    resp = await http.request(method, f"{stack.share_url}{path}", json={})
    assert resp.status == 404, path


def _assert_security_headers(resp: aiohttp.ClientResponse) -> None:
    csp = resp.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Cache-Control"] == "no-store"
    assert resp.headers["X-Frame-Options"] == "DENY"


async def test_security_headers_on_pages_json_and_errors(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="configure")
    answers = [
        await helper.get("/s/"),
        await helper.get("/s/app"),
        await helper.get("/s/static/share.js"),
        await helper.get("/json/apartment/getName"),
        await helper.get("/json/system/setPassword?password=x"),
        await helper.get("/json/system/login"),
        await helper.get("/s/dss/"),
        await helper.post("/json/apartment/getName", data=b"x=" + b"a" * 20_000),
        await http.get(f"{stack.share_url}/json/apartment/getName"),
        await http.get(f"{stack.share_url}/api/shares"),
        await http.get(f"{stack.share_url}/s/app"),
        await http.post(f"{stack.share_url}/s/redeem", json={"secret": "nope"}),
        await http.post(f"{stack.share_url}/s/redeem", data="{", headers={"X": "y"}),
    ]
    for resp in answers:
        _assert_security_headers(resp)


def test_the_share_app_registers_only_share_routes(stack: Stack) -> None:
    app = create_share_app(stack.runtime)
    paths = {r.resource.canonical for r in app.router.routes() if r.resource is not None}
    assert paths == {
        "/s/",
        "/s/preview",
        "/s/redeem",
        "/s/done",
        "/s/app",
        "/s/state",
        "/s/extension-request",
        "/s/static/{name}",
        "/s/dss/{tail}",
        "/json/{tail}",
    }
