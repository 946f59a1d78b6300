"""The web front the simulator plays: configurator page, /cgi-bin, the add-on forward (§4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from dss_sim.app import create_sim_app
from dss_sim.config import SimConfig
from dss_sim.sim import Simulator
from pytest_aiohttp import AiohttpServer

if TYPE_CHECKING:
    from tests.conftest import DssHttp


async def test_configurator_page_is_german_by_default_with_the_share_tab(dss: DssHttp) -> None:
    reply = await dss.get("/")
    assert reply.status == 200
    assert reply.content_type.startswith("text/html")
    assert '<html lang="de"' in reply.text
    assert "Freigaben" in reply.text


async def test_configurator_page_follows_a_german_browser(dss: DssHttp) -> None:
    reply = await dss.get("/", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.8"})
    assert "Freigaben" in reply.text


async def test_configurator_page_is_english_for_an_english_browser(dss: DssHttp) -> None:
    german = await dss.get("/")
    reply = await dss.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert reply.status == 200
    assert '<html lang="en"' in reply.text
    # The served page itself is English (not only after client-side script runs).
    assert "Access sharing" in reply.text
    assert "Freigaben" not in reply.text
    assert reply.text != german.text


async def test_cgi_bin_is_answered_and_recorded(dss: DssHttp, sim: Simulator) -> None:
    reply = await dss.get("/cgi-bin/reboot.cgi?now=1")
    assert reply.status == 200
    assert any(call.path == "/cgi-bin/reboot.cgi" for call in sim.calls)


async def test_add_on_path_is_404_without_an_add_on_url(dss: DssHttp) -> None:
    reply = await dss.get("/add-ons/dss-share/x?y=1")
    assert reply.status == 404


async def echo(request: web.Request) -> web.Response:
    body = await request.text()
    response = web.json_response(
        {
            "method": request.method,
            "path": request.path,
            "query": request.query_string,
            "cookie": request.headers.get("Cookie"),
            "body": body,
        }
    )
    response.headers.add("Set-Cookie", "addon=abc; Path=/; HttpOnly")
    return response


@pytest.fixture
async def addon_server(aiohttp_server: AiohttpServer) -> TestServer:
    addon = web.Application()
    addon.router.add_route("*", "/{tail:.*}", echo)
    return await aiohttp_server(addon)


@pytest.fixture
async def forwarding_sim(aiohttp_server: AiohttpServer, addon_server: TestServer) -> TestServer:
    sim = Simulator(config=SimConfig(addon_url=str(addon_server.make_url("/"))))
    return await aiohttp_server(create_sim_app(sim))


async def test_add_on_path_is_forwarded_with_cookies_both_ways(
    forwarding_sim: TestServer,
) -> None:
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session,
        session.get(
            forwarding_sim.make_url("/add-ons/dss-share/x?y=1"),
            headers={"Cookie": "token=abc123; lang=de"},
        ) as resp,
    ):
        assert resp.status == 200
        seen = await resp.json()
        assert seen["method"] == "GET"
        assert seen["path"] == "/x"
        assert seen["query"] == "y=1"
        assert seen["cookie"] == "token=abc123; lang=de"
        assert resp.headers.getall("Set-Cookie") == ["addon=abc; Path=/; HttpOnly"]


async def test_add_on_forward_passes_method_and_body(forwarding_sim: TestServer) -> None:
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session,
        session.post(
            forwarding_sim.make_url("/add-ons/dss-share/api/shares"),
            data=b'{"label":"x"}',
            headers={"Content-Type": "application/json"},
        ) as resp,
    ):
        assert resp.status == 200
        seen = await resp.json()
        assert seen["method"] == "POST"
        assert seen["path"] == "/api/shares"
        assert seen["body"] == '{"label":"x"}'
