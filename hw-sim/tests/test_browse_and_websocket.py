"""The unauthenticated /browse tree view and the /websocket event push (§1.2, §1.7)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from dss_sim.sim import Simulator

if TYPE_CHECKING:
    from tests.conftest import DssHttp, Structure


# dss-api.md §6 #53
async def test_browse_shows_the_security_tree_without_a_session(dss: DssHttp) -> None:
    reply = await dss.get("/browse/system/security")
    assert reply.status == 200
    assert reply.content_type.startswith("text/html")
    assert "users" in reply.text
    assert "applicationTokens" in reply.text


async def test_browse_shows_values_including_enabled_app_tokens(dss: DssHttp) -> None:
    app_token = await dss.app_token("browse")
    reply = await dss.get("/browse/system/security/applicationTokens/enabled")
    assert reply.status == 200
    assert app_token in reply.text


async def test_browse_of_the_apartment_lists_zones(dss: DssHttp, structure: Structure) -> None:
    reply = await dss.get("/browse/apartment/zones")
    assert reply.status == 200
    assert f"zone{structure.room['id']}" in reply.text


@pytest.mark.parametrize("path", ["/browsesystem/security", "/browse", "/browse.x/system"])
async def test_only_the_browse_top_level_is_the_browser(dss: DssHttp, path: str) -> None:
    # §1.2: the URI is split at its second slash; any other top level is not the dSS's.
    reply = await dss.get(path)
    assert reply.status == 404
    assert "applicationTokens" not in reply.text


def ws_url(server: TestServer, query: str = "") -> str:
    return str(server.make_url("/websocket")) + query


# dss-api.md §6 #54
async def test_websocket_greets_then_pushes_every_event(
    server: TestServer, dss: DssHttp, token: str, structure: Structure
) -> None:
    zone_id = structure.room["id"]
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session,
        session.ws_connect(ws_url(server), headers={"Cookie": f"token={token}"}) as ws,
    ):
        hello = await ws.receive(timeout=5)
        assert hello.type is aiohttp.WSMsgType.TEXT
        assert hello.data == '{ "ok": true }'
        await dss.ok(f"/json/zone/callScene?id={zone_id}&groupID=1&sceneNumber=5", token)
        frame = await ws.receive(timeout=5)
        assert frame.type is aiohttp.WSMsgType.TEXT
        assert frame.data.startswith('{"name":"callScene","properties":{')
        event = json.loads(frame.data)
        assert list(event) == ["name", "properties", "source"]
        assert event["properties"]["sceneID"] == "5"
        assert event["properties"]["zoneID"] == str(zone_id)
        assert event["source"]["isGroup"] is True
        # No subscription needed: raised events come through as well.
        await dss.ok("/json/event/raise?name=my.evt&parameter=a=1", token)
        frame = await ws.receive(timeout=5)
        assert json.loads(frame.data) == {
            "name": "my.evt",
            "properties": {"a": "1"},
            "source": {"set": ".zone(0).group(0)", "groupID": 0, "zoneID": 0,
                       "isApartment": True, "isGroup": False, "isDevice": False},
        }


async def test_websocket_does_not_push_internal_events(
    server: TestServer, dss: DssHttp, token: str, sim: Simulator
) -> None:
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session,
        session.ws_connect(ws_url(server), headers={"Cookie": f"token={token}"}) as ws,
    ):
        assert (await ws.receive(timeout=5)).data == '{ "ok": true }'
        sim.sweep()
        await dss.ok("/json/event/raise?name=after.sweep", token)
        frame = await ws.receive(timeout=5)
        assert json.loads(frame.data)["name"] == "after.sweep"


async def test_websocket_accepts_the_token_parameter(
    server: TestServer, dss: DssHttp, token: str
) -> None:
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session,
        session.ws_connect(ws_url(server, f"?token={token}")) as ws,
    ):
        hello = await ws.receive(timeout=5)
        assert hello.data == '{ "ok": true }'


# dss-api.md §6 #54
async def test_websocket_without_a_session_is_refused(server: TestServer) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        with pytest.raises(aiohttp.WSServerHandshakeError):
            async with session.ws_connect(ws_url(server)):
                pass
        with pytest.raises(aiohttp.WSServerHandshakeError):
            async with session.ws_connect(ws_url(server, "?token=deadbeef")):
                pass


async def test_websocket_with_a_stale_cookie_is_refused_even_with_a_valid_parameter(
    server: TestServer, token: str
) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        with pytest.raises(aiohttp.WSServerHandshakeError):
            async with session.ws_connect(
                ws_url(server, f"?token={token}"), headers={"Cookie": "token=stale"}
            ):
                pass


async def test_websocket_allows_at_most_five_clients(server: TestServer, token: str) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        sockets = [await session.ws_connect(ws_url(server, f"?token={token}")) for _ in range(5)]
        try:
            with pytest.raises(aiohttp.WSServerHandshakeError):
                async with session.ws_connect(ws_url(server, f"?token={token}")):
                    pass
        finally:
            for ws in sockets:
                await ws.close()
