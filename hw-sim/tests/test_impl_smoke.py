"""Implementation smoke tests of dss-sim internals (pure helpers, persistence, forwarding)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from dss_sim.app import create_sim_app
from dss_sim.clock import ManualClock
from dss_sim.config import SimConfig
from dss_sim.params import Params, parse_int, url_decode
from dss_sim.properties import PropNode
from dss_sim.propquery import query, query2
from dss_sim.sim import Simulator
from pytest_aiohttp import AiohttpServer


@pytest.mark.parametrize(
    ("text", "expected"),
    [("17", 17), ("0x11", 17), ("010", 8), ("0", 0), ("-3", -3), ("12abc", None), ("", None),
     ("0x", None), ("09", None), (" 5", 5)],
)
def test_parse_int_is_strtol_base_0(text: str, expected: int | None) -> None:
    assert parse_int(text) == expected


def test_params_first_occurrence_and_decoding() -> None:
    params = Params("a=1&b=x+y%26z&a=2&c=&d=50%zz")
    assert params.get("a") == "1"
    assert params.get("b") == "x y&z"
    assert params.has("c")
    assert params.get("c") == ""
    assert params.get("d") == "50%zz"
    assert params.get("missing") is None
    assert url_decode("K%C3%BCche") == "Küche"


def test_params_body_replaces_query() -> None:
    assert Params.from_request_parts("token=T", b"x=1").get("token") is None
    assert Params.from_request_parts("token=T", b"").get("token") == "T"


def _tree() -> PropNode:
    root = PropNode("")
    for zid, name in ((0, ""), (989, "Wohnen")):
        root.set(f"/apartment/zones/zone{zid}/ZoneID", zid)
        root.set(f"/apartment/zones/zone{zid}/name", name)
        root.set(f"/apartment/zones/zone{zid}/groups/group1/group", 1)
        root.set(f"/apartment/zones/zone{zid}/groups/group1/color", 1)
    root.set("/apartment/zones/zone989/groups/group1/scenes/scene5/scene", 5)
    root.set("/apartment/zones/zone989/groups/group1/scenes/scene5/name", "TV")
    return root


def test_query_and_query2_shapes() -> None:
    root = _tree()
    assert query(root, "/apartment/zones/*(ZoneID,name)") == {
        "zones": [{"ZoneID": 0, "name": ""}, {"ZoneID": 989, "name": "Wohnen"}]}
    result = query2(root, "/apartment/zones/*(*)/groups/*(*)/scenes/*(*)")
    assert result["zone989"]["group1"]["scene5"] == {"scene": 5, "name": "TV"}
    assert result["zone0"] == {"ZoneID": 0, "name": "", "group1": {"group": 1, "color": 1}}


def test_enabled_tokens_and_password_persist(tmp_path: Path) -> None:
    sim = Simulator(SimConfig(data_dir=tmp_path), ManualClock())
    token = sim.security.request_token("app")
    assert sim.security.enable(token, "dssadmin")
    sim.security.set_password("dssadmin", "neu")
    again = Simulator(SimConfig(data_dir=tmp_path), ManualClock())
    assert token in again.security.enabled
    assert again.security.check("dssadmin", "neu")
    assert not again.security.check("dssadmin", "dssadmin")
    assert json.loads((tmp_path / "security.json").read_text())["enabled"][token]["user"] == (
        "dssadmin")


def test_model_accessors() -> None:
    sim = Simulator(clock=ManualClock())
    zone = sim.zone(989)
    assert zone.name == "Wohnen"
    assert zone.last_called_scene(1) == 0
    assert zone.last_called_scene[1] == 0
    dev = next(iter(sim.apartment.devices.values()))
    assert sim.device(dev.dsuid.upper()) is dev
    assert dev.is_on is False


async def test_websocket_pushes_events(aiohttp_server: AiohttpServer) -> None:
    sim = Simulator(clock=ManualClock())
    server = await aiohttp_server(create_sim_app(sim))
    token = sim.login_token()
    async with aiohttp.ClientSession() as client:
        async with client.ws_connect(server.make_url(f"/websocket?token={token}")) as ws:
            assert await ws.receive_str(timeout=2) == '{ "ok": true }'
            await client.get(server.make_url(
                f"/json/zone/callScene?id=989&groupID=1&sceneNumber=5&token={token}"))
            event = json.loads(await ws.receive_str(timeout=2))
            assert event["name"] == "callScene"
            assert event["properties"]["sceneID"] == "5"
        resp = await client.get(server.make_url("/websocket"))
        assert resp.status == 403


async def test_addon_forwarding_keeps_cookies_and_status(aiohttp_server: AiohttpServer) -> None:
    async def addon(request: web.Request) -> web.Response:
        resp = web.Response(status=201, text=f"{request.path_qs}|{request.headers.get('Cookie')}")
        resp.set_cookie("a", "1")
        resp.set_cookie("b", "2")
        return resp

    upstream = web.Application()
    upstream.router.add_route("*", "/{tail:.*}", addon)
    up = await aiohttp_server(upstream)
    sim = Simulator(SimConfig(addon_url=str(up.make_url("/"))), ManualClock())
    server = await aiohttp_server(create_sim_app(sim))
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as client:
        resp = await client.get(server.make_url("/add-ons/dss-share/x/y?q=1"),
                                headers={"Cookie": "token=abc"})
        assert resp.status == 201
        assert await resp.text() == "/x/y?q=1|token=abc"
        assert len(resp.headers.getall("Set-Cookie")) == 2
    await up.close()
    async with aiohttp.ClientSession() as client:
        resp = await client.get(server.make_url("/add-ons/dss-share/"))
        assert resp.status == 502


async def test_cli_https_prints_its_url(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "dss-sim"), "--listen", "127.0.0.1:0",
        "--data-dir", str(tmp_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 20)).decode().strip()
        assert line.startswith("dss-sim listening on https://127.0.0.1:")
        url = line.rsplit(" ", 1)[1]
        async with aiohttp.ClientSession() as client:
            resp = await client.get(f"{url}/json/system/getDSID", ssl=False)
            assert (await resp.json())["ok"] is True
        assert (tmp_path / "dsscert.pem").exists()
    finally:
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), 10) == 0


async def test_restart_closes_websockets(aiohttp_server: AiohttpServer) -> None:
    sim = Simulator(clock=ManualClock())
    server = await aiohttp_server(create_sim_app(sim))
    token = sim.login_token()
    async with aiohttp.ClientSession() as client:
        async with client.ws_connect(server.make_url(f"/websocket?token={token}")) as ws:
            assert await ws.receive_str(timeout=2) == '{ "ok": true }'
            sim.restart()
            msg = await ws.receive(timeout=2)
            assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def test_timer_scene_on_shades_is_blocked_while_wind_is_active(
    aiohttp_server: AiohttpServer,
) -> None:
    sim = Simulator(clock=ManualClock())
    server = await aiohttp_server(create_sim_app(sim))
    token = sim.login_token()
    base = f"/json/zone/callScene?id=989&groupID=2&sceneNumber=14&token={token}"
    async with aiohttp.ClientSession() as client:
        resp = await client.get(server.make_url(
            f"/json/property/setString?path=/usr/states/wind/state&value=active&token={token}"))
        assert (await resp.json())["ok"] is True
        resp = await client.get(server.make_url(base + "&category=timer"))
        assert resp.status == 500
        assert (await resp.json())["message"] == "Execution blocked: wind is active"
        resp = await client.get(server.make_url(base))
        assert resp.status == 200
