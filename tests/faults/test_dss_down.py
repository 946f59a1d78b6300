"""Issue 8: while the dSS is down, the owner's tab shows the shares from local data with a
clear notice, and the electrician is told the dSS cannot be reached (no hang)."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import aiohttp

from dss_addon.runtime import DSS_DOWN_MEMO
from dss_addon.settings import Settings
from tests.support.clock import FakeClock
from tests.support.owner import JSON
from tests.support.share_site import open_share
from tests.support.stack import running_stack

NOTICE_DE = "Der digitalSTROM-Server ist nicht erreichbar."
NOTICE_EN = "The digitalSTROM server is not reachable."


async def test_the_owner_tab_lists_the_shares_while_the_dss_is_down(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    clock = FakeClock()
    async with running_stack(tmp_path, clock=clock) as stack:
        helper = await open_share(http, stack, level="operate", label="Elektro Müller")
        owner = await _password_owner(http, stack.owner_url)
        page = await _index(http, stack.owner_url, owner)
        assert "Elektro Müller" in page
        assert NOTICE_DE not in page

        stack.sim.unreachable = True  # the dSS is down (connections dropped)
        clock.advance(minutes=10)  # whatever the owner site cached about her has lapsed
        page = await _index(http, stack.owner_url, owner)
        assert "Elektro Müller" in page
        assert NOTICE_DE in page
        english = await _index(http, stack.owner_url, owner, "en")
        assert NOTICE_EN in english
        async with http.get(stack.owner_url + "/api/shares", headers={"Cookie": owner}) as resp:
            assert resp.status == 200
            body = await resp.json()
        assert body["dss_reachable"] is False
        assert [s["label"] for s in body["shares"]] == ["Elektro Müller"]
        # The electrician hears at once that the dSS cannot be reached.
        resp = await helper.get("/json/apartment/getName")
        assert resp.status == 502

        stack.sim.unreachable = False
        clock.advance(DSS_DOWN_MEMO)  # asked again only after a while (a hung dSS costs time)
        page = await _index(http, stack.owner_url, owner)
        assert NOTICE_DE not in page


async def _password_owner(http: aiohttp.ClientSession, owner_url: str) -> str:
    async with http.post(
        owner_url + "/api/session", json={"password": "dssadmin"}, headers=JSON
    ) as resp:
        assert resp.status == 200, await resp.text()
        morsel = resp.cookies.get("dss_share_owner")
        assert morsel is not None
    return f"dss_share_owner={morsel.value}"


async def _index(http: aiohttp.ClientSession, owner_url: str, cookie: str, lang: str = "de") -> str:
    async with http.get(
        owner_url + "/", headers={"Cookie": cookie, "Accept-Language": lang}
    ) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.text()


async def test_a_hung_dss_costs_the_owner_one_wait_not_one_per_page(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    deadline = 0.5

    def short(settings: Settings) -> Settings:
        return dataclasses.replace(settings, dss_timeout=deadline)

    clock = FakeClock()
    async with running_stack(tmp_path, clock=clock, configure=short) as stack:
        await open_share(http, stack, level="view", label="Elektro Müller")
        owner = await _password_owner(http, stack.owner_url)
        stack.sim.latency_ms = 600_000  # connection accepted, no answer
        clock.advance(minutes=10)
        loop = asyncio.get_running_loop()
        for _ in range(3):
            page = await _index(http, stack.owner_url, owner)
            assert NOTICE_DE in page
        started = loop.time()
        page = await _index(http, stack.owner_url, owner)
        assert loop.time() - started < deadline  # not asked again while it did not answer
        assert "Elektro Müller" in page
        stack.sim.latency_ms = 0
