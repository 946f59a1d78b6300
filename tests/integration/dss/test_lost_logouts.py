"""A share's dSS session whose logout the dSS never answered stays counted until the dSS would
have swept it (session_table.py SessionTable.logout), and makes no room at the cap."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest
from dss_sim.handlers import system as dss_system
from dss_sim.handlers.base import Ctx
from dss_sim.sim import Simulator

from dss_addon.dss.app_tokens import DssAppTokens
from dss_addon.dss.client import DssClient
from dss_addon.dss.eviction import EVICT_IDLE
from dss_addon.dss.sessions import lost_login_hold
from dss_addon.dss.upstream import ShareUpstream
from dss_addon.errors import DssUnavailable
from tests.support.clock import FakeClock

IDLE = 120.0


@pytest.fixture
async def upstream(
    http: aiohttp.ClientSession, sim_url: str, clock: FakeClock, dss: DssClient, owner_token: str
) -> AsyncIterator[ShareUpstream]:
    issuer = DssAppTokens(dss)
    app_tokens = {f"share{n}": await issuer.issue(f"share {n}", owner_token) for n in range(3)}
    await dss.logout(owner_token)

    async def token_of(share_id: str) -> str | None:
        return app_tokens.get(share_id)

    impatient = DssClient(http, sim_url, clock, timeout=0.3)
    upstream = ShareUpstream(impatient, clock, token_of, idle_logout=IDLE, max_sessions=2)
    yield upstream
    await upstream.close_all()


def _app_sessions(sim: Simulator) -> int:
    return sum(1 for s in sim.sessions.sessions.values() if s.is_application)


async def _open(upstream: ShareUpstream, share_id: str = "share0") -> None:
    reply = await upstream.call(share_id, "apartment", "getName", {})
    assert reply.status == 200, reply.body


def _lose_logouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shares' logouts get no answer in time (the sessions stay at the dSS)."""
    real_logout = dss_system.HANDLERS["logout"]

    async def lost(ctx: Ctx) -> None:
        if ctx.session is not None and ctx.session.is_application:
            await asyncio.sleep(1.0)
            return
        await real_logout(ctx)

    monkeypatch.setitem(dss_system.HANDLERS, "logout", lost)


async def test_a_lost_logout_is_counted_until_the_dss_sweeps_the_session(
    upstream: ShareUpstream, sim: Simulator, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _open(upstream)
    _lose_logouts(monkeypatch)
    clock.advance(IDLE + 1)
    assert await upstream.sweep_idle() == 1
    assert not upstream.has_session("share0")
    assert _app_sessions(sim) == 1  # still standing at the dSS
    assert upstream.occupied() == 1  # and counted
    clock.advance(lost_login_hold() - 1)
    assert upstream.occupied() == 1
    clock.advance(1)
    assert upstream.occupied() == 0


async def test_at_the_cap_an_eviction_whose_logout_is_lost_lets_no_login_in(
    upstream: ShareUpstream, sim: Simulator, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _open(upstream, "share0")
    clock.advance(1)
    await _open(upstream, "share1")
    _lose_logouts(monkeypatch)
    clock.advance(EVICT_IDLE + 1)  # both idle enough to be evicted
    with pytest.raises(DssUnavailable):
        await _open(upstream, "share2")
    # One evicted (the least recently used), counted while its logout is under way and after
    # it was lost: no room was made, and the other one was not evicted for nothing too.
    assert upstream.occupied() == 2
    assert not upstream.has_session("share0")
    assert upstream.has_session("share1")
    assert not upstream.has_session("share2")
    await upstream.close_all()  # lets the login under way finish; share1's logout is lost too
    assert _app_sessions(sim) == 2
    assert upstream.occupied() == 2
    assert sum(1 for c in sim.calls if c.path == "/json/system/loginApplication") == 2
