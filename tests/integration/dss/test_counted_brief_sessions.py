"""Sessions the add-on opens beside the shares' own: a brief session (brief_sessions.py) and
the session that releases a share's app token (ShareUpstream.revoke_app_token). Both count in
the session budget while they stand; a logout the dSS never answered, or one cut off at
shutdown, stays counted until the dSS would have swept the session, in the session file too,
so the next run counts it as well."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from dss_sim.handlers import system as dss_system
from dss_sim.handlers.base import Ctx
from dss_sim.sim import Simulator

from dss_addon.dss.app_tokens import DssAppTokens
from dss_addon.dss.client import DssClient
from dss_addon.dss.eviction import EVICT_IDLE
from dss_addon.dss.session_file import SESSION_FILE, SessionFile
from dss_addon.dss.sessions import lost_login_hold
from dss_addon.dss.upstream import ShareUpstream
from dss_addon.errors import DssUnavailable
from dss_addon.shares.vault import TokenVault
from tests.support.clock import FakeClock

IDLE = 120.0
SHARES = 3


@pytest.fixture
async def app_tokens(dss: DssClient, owner_token: str) -> dict[str, str]:
    issuer = DssAppTokens(dss)
    tokens = {f"share{n}": await issuer.issue(f"share {n}", owner_token) for n in range(SHARES)}
    await dss.logout(owner_token)
    return tokens


@pytest.fixture
def session_file(tmp_path: Path) -> SessionFile:
    return SessionFile(tmp_path / SESSION_FILE, TokenVault.open(tmp_path))


def _upstream(
    http: aiohttp.ClientSession,
    sim_url: str,
    clock: FakeClock,
    app_tokens: dict[str, str],
    session_file: SessionFile,
) -> ShareUpstream:
    async def token_of(share_id: str) -> str | None:
        return app_tokens.get(share_id)

    impatient = DssClient(http, sim_url, clock, timeout=0.3)
    return ShareUpstream(
        impatient, clock, token_of, idle_logout=IDLE, max_sessions=2, session_file=session_file
    )


@pytest.fixture
async def upstream(
    http: aiohttp.ClientSession,
    sim_url: str,
    clock: FakeClock,
    app_tokens: dict[str, str],
    session_file: SessionFile,
) -> AsyncIterator[ShareUpstream]:
    upstream = _upstream(http, sim_url, clock, app_tokens, session_file)
    yield upstream
    await upstream.close_all()


def _app_sessions(sim: Simulator) -> int:
    return sum(1 for s in sim.sessions.sessions.values() if s.is_application)


def _lose_logouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The application sessions' logouts get no answer in time (they stay at the dSS)."""
    real_logout = dss_system.HANDLERS["logout"]

    async def lost(ctx: Ctx) -> None:
        if ctx.session is not None and ctx.session.is_application:
            await asyncio.sleep(1.0)
            return
        await real_logout(ctx)

    monkeypatch.setitem(dss_system.HANDLERS, "logout", lost)


async def test_an_app_token_release_is_counted_and_its_lost_logout_held(
    upstream: ShareUpstream,
    sim: Simulator,
    clock: FakeClock,
    app_tokens: dict[str, str],
    session_file: SessionFile,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _lose_logouts(monkeypatch)
    await upstream.revoke_app_token(app_tokens["share0"])
    assert app_tokens["share0"] not in sim.security.enabled
    assert _app_sessions(sim) == 1  # the releasing session stands at the dSS
    assert upstream.occupied() == 1  # and is counted
    await upstream.close_all()  # written down for the next run
    left = await session_file.load_all()
    assert left.tokens == []
    assert len(left.held_until) == 1
    clock.advance(lost_login_hold() - 1)
    assert upstream.occupied() == 1
    clock.advance(1)
    assert upstream.occupied() == 0


async def test_an_app_token_release_makes_room_under_the_cap(
    upstream: ShareUpstream, sim: Simulator, clock: FakeClock, app_tokens: dict[str, str]
) -> None:
    for share_id in ("share0", "share1"):
        assert (await upstream.call(share_id, "apartment", "getName", {})).status == 200
    assert upstream.occupied() == 2  # at the cap
    clock.advance(EVICT_IDLE + 1)
    await upstream.revoke_app_token(app_tokens["share2"])
    assert app_tokens["share2"] not in sim.security.enabled
    assert upstream.open_sessions == 1  # an idle one was logged out first
    assert _app_sessions(sim) == 1


async def test_no_app_token_release_while_shutting_down(
    upstream: ShareUpstream, sim: Simulator, app_tokens: dict[str, str]
) -> None:
    await upstream.close_all()
    with pytest.raises(DssUnavailable):
        await upstream.revoke_app_token(app_tokens["share0"])
    assert app_tokens["share0"] in sim.security.enabled  # the next run's release does it
    assert _app_sessions(sim) == 0


async def test_a_lost_brief_logout_is_held_in_the_session_file(
    http: aiohttp.ClientSession,
    sim_url: str,
    sim: Simulator,
    clock: FakeClock,
    app_tokens: dict[str, str],
    session_file: SessionFile,
    upstream: ShareUpstream,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _lose_logouts(monkeypatch)
    assert await upstream.call_briefly("share0", "apartment", "getName", [{}])
    assert _app_sessions(sim) == 1
    assert upstream.occupied() == 1
    await upstream.close_all()
    left = await session_file.load_all()
    assert (left.tokens, len(left.held_until)) == ([], 1)
    # The next run counts it from the start.
    again = _upstream(http, sim_url, clock, app_tokens, session_file)
    await again.adopt_leftovers()
    assert again.occupied() == 1
    await again.close_all()


async def test_a_brief_logout_cut_off_at_shutdown_is_held(
    sim: Simulator,
    app_tokens: dict[str, str],
    session_file: SessionFile,
    upstream: ShareUpstream,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logging_out = asyncio.Event()

    async def hung(ctx: Ctx) -> None:
        """The brief session's logout arrives and hangs: shutdown comes meanwhile."""
        logging_out.set()
        await asyncio.Event().wait()

    monkeypatch.setitem(dss_system.HANDLERS, "logout", hung)
    brief = asyncio.create_task(upstream.call_briefly("share0", "apartment", "getName", [{}]))
    await logging_out.wait()
    assert upstream.occupied() == 1
    await upstream.close_all(timeout=0.0)  # cancels the brief session's logout
    await asyncio.gather(brief, return_exceptions=True)
    assert _app_sessions(sim) == 1
    left = await session_file.load_all()
    assert (left.tokens, len(left.held_until)) == ([], 1)
