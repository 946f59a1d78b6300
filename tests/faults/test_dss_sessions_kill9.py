"""Issue 8: kill -9 of the real add-on with 20 active shares, three times over. The next run logs
out what the killed one left in the dSS's session table (it kept the tokens sealed on disk), so
the table never fills up and the homeowner can always log in."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer
from dss_sim.app import create_sim_app
from dss_sim.clock import ManualClock
from dss_sim.config import SimConfig
from dss_sim.sim import Simulator

from dss_addon.dss.upstream import DEFAULT_MAX_SESSIONS, DSS_SESSION_LIMIT
from dss_addon.web.share.keys import SESSION_COOKIE
from tests.support.addon_process import PASSWORD, Sites, dss_addon, password_owner
from tests.support.processes import text_of

SHARES = 20
CRASHES = 3


def app_sessions(sim: Simulator) -> int:
    return sum(1 for s in sim.sessions.sessions.values() if s.is_application)


async def until(condition: Callable[[], bool], what: str, sites: Sites) -> None:
    """Until the add-on process got there (it works in the background; no fixed wait)."""
    for _ in range(400):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{what}; add-on stderr:\n{text_of(sites.stderr)}")


async def open_shares(http: aiohttp.ClientSession, sites: Sites) -> list[str]:
    """Creates the shares as the homeowner and redeems each: the electricians' cookies."""
    owner = await password_owner(http, sites.owner_url)
    cookies = []
    for n in range(SHARES):
        body = {"label": f"Elektro {n}", "level": "view", "duration_minutes": 600}
        reply = await owner.post("/api/shares", body)
        assert reply.status == 201, reply.text
        link = reply.json()["link"]
        assert isinstance(link, str)
        # Each electrician from an address of their own (redemption is rate-limited per client).
        connector = aiohttp.TCPConnector(local_addr=(f"127.0.0.{n + 2}", 0))
        secret = {"secret": link.partition("#")[2]}
        async with (
            aiohttp.ClientSession(connector=connector) as own,
            own.post(sites.share_url + "/s/redeem", json=secret) as resp,
        ):
            assert resp.status == 200, await resp.text()
            cookies.append(resp.cookies[SESSION_COOKIE].value)
    return cookies


async def work(http: aiohttp.ClientSession, sites: Sites, cookies: list[str]) -> None:
    """Every electrician makes a call: each share holds a dSS session."""
    for cookie in cookies:
        async with http.get(
            sites.share_url + "/json/apartment/getName",
            headers={"Cookie": f"{SESSION_COOKIE}={cookie}"},
        ) as resp:
            assert resp.status == 200, (await resp.text(), text_of(sites.stderr))


async def owner_logs_in(http: aiohttp.ClientSession, sim_url: str) -> None:
    async with http.post(
        sim_url + "/json/system/login", data={"user": "dssadmin", "password": PASSWORD}
    ) as resp:
        body = await resp.json(content_type=None)
        assert body["ok"] is True, body
        token = body["result"]["token"]
    async with http.post(sim_url + "/json/system/logout", data={"token": token}):
        pass


async def test_kill_9_with_twenty_shares_leaks_no_dss_session(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    sim = Simulator(config=SimConfig(password=PASSWORD), clock=ManualClock())
    data_dir = tmp_path / "data"
    async with TestServer(create_sim_app(sim), host="127.0.0.1") as server:
        sim_url = str(server.make_url("")).rstrip("/")
        cookies: list[str] = []
        for run in range(CRASHES + 1):
            async with dss_addon(sim_url, data_dir, tmp_path / f"addon{run}.err") as sites:
                # What the last run left is logged out before anything else.
                await until(lambda: app_sessions(sim) == 0, "sessions left behind", sites)
                if run == CRASHES:
                    break
                cookies = cookies or await open_shares(http, sites)
                await work(http, sites, cookies)
                assert app_sessions(sim) == min(SHARES, DEFAULT_MAX_SESSIONS)
                assert len(sim.sessions.sessions) < DSS_SESSION_LIMIT
                await owner_logs_in(http, sim_url)
                sites.proc.send_signal(signal.SIGKILL)
                await sites.proc.wait()
            assert app_sessions(sim) == SHARES  # the dead process said no goodbye
        assert sim.sessions.phantoms == set()  # the leftovers were alive: none was a phantom
        await owner_logs_in(http, sim_url)
