"""Fixtures for black-box tests of dss-sim over a real loopback socket."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from dss_sim.app import create_sim_app
from dss_sim.clock import ManualClock
from dss_sim.config import SimConfig
from dss_sim.sim import Simulator
from multidict import CIMultiDictProxy
from pytest_aiohttp import AiohttpServer
from yarl import URL

HEX64 = re.compile(r"[0-9a-f]{64}")
DSSADMIN = "dssadmin"


@dataclass(frozen=True)
class Reply:
    """One HTTP answer, with the body kept as raw text (key order and escaping are under test)."""

    status: int
    reason: str
    text: str
    headers: CIMultiDictProxy[str]

    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def set_cookies(self) -> list[str]:
        return self.headers.getall("Set-Cookie", [])

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


def with_token(raw: str, token: str | None) -> str:
    if token is None:
        return raw
    return f"{raw}{'&' if '?' in raw else '?'}token={token}"


class DssHttp:
    """A cookie-less HTTP client that sends paths and query strings byte for byte."""

    def __init__(self, session: aiohttp.ClientSession, root: str) -> None:
        self.session = session
        self.root = root.rstrip("/")

    def url(self, raw: str) -> URL:
        return URL(self.root + raw, encoded=True)

    async def request(
        self,
        method: str,
        raw: str,
        *,
        body: str | bytes | None = None,
        cookie: str | None = None,
        headers: Mapping[str, str] | None = None,
        limit: float = 15.0,
    ) -> Reply:
        all_headers = dict(headers or {})
        if cookie is not None:
            all_headers["Cookie"] = cookie
        if body is not None:
            all_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        async with self.session.request(
            method,
            self.url(raw),
            data=body,
            headers=all_headers,
            allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=limit),
        ) as resp:
            # Byte-exact decoding; binary bodies (icons) must not break the helper.
            text = (await resp.read()).decode("utf-8", errors="replace")
            return Reply(resp.status, resp.reason or "", text, resp.headers)

    async def get(
        self,
        raw: str,
        *,
        token: str | None = None,
        cookie: str | None = None,
        headers: Mapping[str, str] | None = None,
        limit: float = 15.0,
    ) -> Reply:
        return await self.request(
            "GET", with_token(raw, token), cookie=cookie, headers=headers, limit=limit
        )

    async def post(
        self, raw: str, body: str | bytes, *, cookie: str | None = None, limit: float = 15.0
    ) -> Reply:
        return await self.request("POST", raw, body=body, cookie=cookie, limit=limit)

    async def ok(self, raw: str, token: str | None = None, *, limit: float = 15.0) -> Any:
        """Call, require HTTP 200 and ok:true, return `result` (or None for plain success)."""
        reply = await self.get(raw, token=token, limit=limit)
        assert reply.status == 200, (raw, reply.status, reply.text)
        body = reply.json()
        assert body.get("ok") is True, (raw, reply.text)
        return body.get("result")

    async def fail(self, raw: str, token: str | None = None, *, status: int = 200) -> str:
        """Call, require the given status and ok:false, return the message."""
        reply = await self.get(raw, token=token)
        assert reply.status == status, (raw, reply.status, reply.text)
        body = reply.json()
        assert body["ok"] is False, (raw, reply.text)
        message = body["message"]
        assert isinstance(message, str)
        return message

    async def login(self, user: str = DSSADMIN, password: str = DSSADMIN) -> str:
        result = await self.ok(f"/json/system/login?user={user}&password={password}")
        token = result["token"]
        assert isinstance(token, str)
        assert HEX64.fullmatch(token), token
        return token

    async def app_token(self, name: str = "tests") -> str:
        """Request a pending application token and enable it with a fresh user session."""
        result = await self.ok(f"/json/system/requestApplicationToken?applicationName={name}")
        app_token = result["applicationToken"]
        assert isinstance(app_token, str)
        user_token = await self.login()
        await self.ok(f"/json/system/enableToken?applicationToken={app_token}", user_token)
        return app_token

    async def subscribe(self, token: str, name: str, subscription_id: str = "42") -> None:
        await self.ok(f"/json/event/subscribe?name={name}&subscriptionID={subscription_id}", token)

    async def events(
        self, token: str, subscription_id: str = "42", *, timeout_ms: int = 2000
    ) -> list[dict[str, Any]]:
        result = await self.ok(
            f"/json/event/get?subscriptionID={subscription_id}&timeout={timeout_ms}",
            token,
            limit=max(timeout_ms, 0) / 1000 + 10,
        )
        events = result["events"]
        assert isinstance(events, list)
        return events

    async def wait_event(
        self, token: str, name: str, subscription_id: str = "42", *, within: float = 5.0
    ) -> dict[str, Any]:
        """Poll until an event called `name` arrives (raised events are queued asynchronously)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        seen: list[dict[str, Any]] = []
        while loop.time() < deadline:
            for event in await self.events(token, subscription_id, timeout_ms=500):
                seen.append(event)
                if event.get("name") == name:
                    return event
        raise AssertionError(f"no {name!r} event within {within} s; saw {seen!r}")


@dataclass(frozen=True)
class Structure:
    """The apartment as the simulator reports it through apartment/getStructure."""

    raw: dict[str, Any]

    @property
    def zones(self) -> list[dict[str, Any]]:
        zones = self.raw["apartment"]["zones"]
        assert isinstance(zones, list)
        return zones

    def zone(self, zone_id: int) -> dict[str, Any]:
        return next(z for z in self.zones if z["id"] == zone_id)

    @property
    def room_zones(self) -> list[dict[str, Any]]:
        return [z for z in self.zones if z["id"] != 0]

    @property
    def room(self) -> dict[str, Any]:
        """A room (zone != 0) that has devices."""
        return next(z for z in self.room_zones if z["devices"])

    @property
    def devices(self) -> list[dict[str, Any]]:
        devices = self.zone(0)["devices"]
        assert isinstance(devices, list)
        return devices

    @property
    def light(self) -> dict[str, Any]:
        """A present device in a room, in the yellow (light) group."""
        return next(
            d for d in self.devices if d["zoneID"] != 0 and d["isPresent"] and 1 in d["groups"]
        )


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def sim_config() -> SimConfig:
    return SimConfig()


@pytest.fixture
def sim(sim_config: SimConfig, clock: ManualClock) -> Simulator:
    return Simulator(config=sim_config, clock=clock)


@pytest.fixture
async def server(aiohttp_server: AiohttpServer, sim: Simulator) -> TestServer:
    return await aiohttp_server(create_sim_app(sim))


@pytest.fixture
async def dss(server: TestServer) -> AsyncIterator[DssHttp]:
    # No cookie jar: which of cookie and `token` parameter wins is under test.
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        yield DssHttp(session, str(server.make_url("/")))


@pytest.fixture
async def make_dss() -> AsyncIterator[Callable[[TestServer], DssHttp]]:
    """For tests that start their own simulator servers."""
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        yield lambda other: DssHttp(session, str(other.make_url("/")))


@pytest.fixture
async def token(dss: DssHttp) -> str:
    return await dss.login()


@pytest.fixture
async def structure(dss: DssHttp, token: str) -> Structure:
    result = await dss.ok("/json/apartment/getStructure", token)
    assert isinstance(result, dict)
    return Structure(result)
