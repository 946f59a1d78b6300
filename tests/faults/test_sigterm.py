"""SIGTERM to the real `dss-addon serve` process under load: it stops accepting at once, lets
the call in flight finish, answers nothing more on kept-alive connections, logs its dSS
sessions out (checked at the simulator) and exits within the configured shutdown timeout."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from dss_sim.app import create_sim_app
from dss_sim.clock import ManualClock
from dss_sim.config import SimConfig
from dss_sim.sim import Simulator

from tests.support.addon_process import Sites, serve_args
from tests.support.owner import JSON, PASSWORD, OwnerClient
from tests.support.processes import process, ready_line, text_of

SHUTDOWN_TIMEOUT = 3.0
LATENCY_MS = 1200  # the dSS answers slowly: the call is still in flight when SIGTERM comes
EXIT_SLACK = 2.0  # interpreter exit and a loaded machine

pytestmark = pytest.mark.timeout(90)


@asynccontextmanager
async def simulator() -> AsyncIterator[tuple[Simulator, str]]:
    sim = Simulator(config=SimConfig(), clock=ManualClock())
    async with TestServer(create_sim_app(sim), host="127.0.0.1") as server:
        yield sim, str(server.make_url("")).rstrip("/")


@asynccontextmanager
async def addon(sim_url: str, tmp_path: Path) -> AsyncIterator[Sites]:
    config = tmp_path / "addon.json"
    config.write_text(json.dumps({"options": {"shutdown_timeout": SHUTDOWN_TIMEOUT}}), "utf-8")
    stderr = tmp_path / "addon.err"
    args = [*serve_args(sim_url, tmp_path / "data"), "--config", str(config)]
    async with process(args, stderr) as proc:
        owner_url = await ready_line(proc, "dss-addon owner site on", stderr)
        share_url = await ready_line(proc, "dss-addon share site on", stderr)
        yield Sites(owner_url, share_url, proc, stderr)


async def _owner(http: aiohttp.ClientSession, owner_url: str) -> OwnerClient:
    async with http.post(
        owner_url + "/api/session", data=json.dumps({"password": PASSWORD}), headers=JSON
    ) as resp:
        assert resp.status == 200, await resp.text()
        cookie = resp.cookies["dss_share_owner"].value
    owner = OwnerClient(http, owner_url, f"dss_share_owner={cookie}")
    await owner.fetch_csrf()
    return owner


async def _redeemed(http: aiohttp.ClientSession, sites: Sites, owner: OwnerClient) -> str:
    created = await owner.create(label="Elektro Müller", level="view")
    secret = str(created["link"]).split("#", 1)[1]
    async with http.post(
        sites.share_url + "/s/redeem", data=json.dumps({"secret": secret}), headers=JSON
    ) as resp:
        assert resp.status == 200, await resp.text()
        return f"dss_share={resp.cookies['dss_share'].value}"


async def _raw_get(
    writer: asyncio.StreamWriter, reader: asyncio.StreamReader, path: str, cookie: str
) -> bytes:
    """One request on a kept-alive connection; the whole response (Content-Length framed)."""
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return head + await reader.readexactly(length)


def _count(sim: Simulator, path: str) -> int:
    return sum(1 for call in sim.calls if call.path.endswith(path))


async def _until(condition: Callable[[], bool]) -> None:
    for _ in range(500):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("never happened")


async def _until_refused(host: str, port: int) -> None:
    """The listener is closed soon after the signal: new connections are refused."""
    for _ in range(200):
        try:
            _, writer = await asyncio.open_connection(host, port)
        except OSError:
            return
        writer.close()
        await asyncio.sleep(0.01)
    raise AssertionError("the share site kept accepting connections after SIGTERM")


async def test_sigterm_finishes_the_call_in_flight_and_exits_in_time(tmp_path: Path) -> None:
    async with simulator() as (sim, sim_url), addon(sim_url, tmp_path) as sites, \
            aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:  # fmt: skip
        owners_before = set(sim.sessions.sessions)
        owner = await _owner(http, sites.owner_url)
        owner_sessions = set(sim.sessions.sessions) - owners_before
        assert owner_sessions  # the owner's password login holds a dSS session
        # Counted from before the redemption: the owner's "first use" notification may open
        # the share's dSS session already while redeeming.
        before = set(sim.sessions.sessions)
        cookie = await _redeemed(http, sites, owner)
        parts = urlsplit(sites.share_url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        first = await _raw_get(writer, reader, "/json/apartment/getName", cookie)
        assert first.startswith(b"HTTP/1.1 200")
        share_sessions = set(sim.sessions.sessions) - before
        assert len(share_sessions) == 1  # the share's own dSS session

        calls = _count(sim, "apartment/getName")
        sim.latency_ms = LATENCY_MS
        in_flight = asyncio.ensure_future(
            http.get(sites.share_url + "/json/apartment/getName", headers={"Cookie": cookie})
        )
        await _until(lambda: _count(sim, "apartment/getName") > calls)
        sim.latency_ms = 0  # only that call is slow; the logouts are not
        signalled = time.monotonic()
        sites.proc.send_signal(signal.SIGTERM)
        await _until_refused(parts.hostname or "127.0.0.1", parts.port or 80)

        # New requests are not taken: neither on a new connection nor on the kept-alive one.
        with pytest.raises((asyncio.IncompleteReadError, ConnectionError)):
            await _raw_get(writer, reader, "/json/apartment/getName", cookie)
        writer.close()

        async with await in_flight as resp:
            assert resp.status == 200
            assert (await resp.json())["ok"] is True
        code = await asyncio.wait_for(sites.proc.wait(), SHUTDOWN_TIMEOUT + EXIT_SLACK)
        elapsed = time.monotonic() - signalled
        assert code == 0, text_of(sites.stderr)
        assert elapsed < SHUTDOWN_TIMEOUT + EXIT_SLACK
        assert not share_sessions & set(sim.sessions.sessions)  # logged out at the dSS
        assert not owner_sessions & set(sim.sessions.sessions)  # the owner's too
