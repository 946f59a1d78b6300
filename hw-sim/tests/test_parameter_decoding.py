"""Property-based: any text survives URL decoding, HTML escaping and ASCII JSON (§1.3, §1.5)."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import quote

import aiohttp
from aiohttp.test_utils import TestServer
from dss_sim.app import create_sim_app
from dss_sim.sim import Simulator
from hypothesis import given, settings
from hypothesis import strategies as st
from yarl import URL

ESCAPES = {"&": "&amp;", '"': "&quot;", "'": "&#039;", "<": "&lt;", ">": "&gt;"}


def html_escaped(text: str) -> str:
    return "".join(ESCAPES.get(ch, ch) for ch in text)


async def round_trip(session: aiohttp.ClientSession, root: str, token: str, text: str) -> None:
    value = quote(text, safe="")
    set_url = URL(f"{root}/json/property/setString?path=/fuzz/v&value={value}&token={token}",
                  encoded=True)  # fmt: skip
    async with session.get(set_url) as resp:
        assert resp.status == 200
        assert json.loads(await resp.text()) == {"ok": True}
    get_url = URL(f"{root}/json/property/getString?path=/fuzz/v&token={token}", encoded=True)
    async with session.get(get_url) as resp:
        raw = (await resp.read()).decode("ascii")
    assert json.loads(raw) == {"result": {"value": html_escaped(text)}, "ok": True}


def test_any_text_round_trips_html_escaped_through_set_string() -> None:
    loop = asyncio.new_event_loop()
    server = TestServer(create_sim_app(Simulator()))
    session: aiohttp.ClientSession | None = None
    try:
        loop.run_until_complete(server.start_server())

        async def open_session() -> aiohttp.ClientSession:
            return aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())

        session = loop.run_until_complete(open_session())
        root = str(server.make_url("/")).rstrip("/")
        login = URL(f"{root}/json/system/login?user=dssadmin&password=dssadmin", encoded=True)

        async def log_in(client: aiohttp.ClientSession) -> str:
            async with client.get(login) as resp:
                token: str = (await resp.json())["result"]["token"]
                return token

        token = loop.run_until_complete(log_in(session))
        client = session

        @settings(max_examples=75, deadline=None, database=None)
        @given(st.text(min_size=1, max_size=40))
        def check(text: str) -> None:
            loop.run_until_complete(round_trip(client, root, token, text))

        check()
    finally:
        if session is not None:
            loop.run_until_complete(session.close())
        loop.run_until_complete(server.close())
        loop.close()
