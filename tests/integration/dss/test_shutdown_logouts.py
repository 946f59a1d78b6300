"""At shutdown no logout is awaited past the deadline close_all was given (SIGTERM's
shutdown_timeout), although the dSS client would wait dss_timeout for an answer: an app-token
release cancelled in its revokeToken logs out within that time, and its session, which may
still stand at the dSS, stays counted (session file too, for the next run)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from dss_sim.handlers import system as dss_system
from dss_sim.handlers.base import Ctx
from dss_sim.sim import Simulator

from dss_addon.dss.app_tokens import DssAppTokens
from dss_addon.dss.client import DssClient
from dss_addon.dss.session_file import SESSION_FILE, SessionFile
from dss_addon.dss.upstream import ShareUpstream
from dss_addon.shares.vault import TokenVault
from tests.support.clock import FakeClock

DSS_TIMEOUT = 8.0  # what the client would wait for the logout's answer
SHUTDOWN_BUDGET = 0.5


async def test_a_release_cancelled_at_shutdown_keeps_to_the_deadline(
    http: aiohttp.ClientSession,
    sim_url: str,
    sim: Simulator,
    clock: FakeClock,
    dss: DssClient,
    owner_token: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app_token = await DssAppTokens(dss).issue("share 0", owner_token)
    await dss.logout(owner_token)
    stalled = asyncio.Event()

    async def stalls(ctx: Ctx) -> None:
        stalled.set()
        await asyncio.Event().wait()

    monkeypatch.setitem(dss_system.HANDLERS, "revokeToken", stalls)
    monkeypatch.setitem(dss_system.HANDLERS, "logout", stalls)

    async def token_of(share_id: str) -> str | None:
        return None

    session_file = SessionFile(tmp_path / SESSION_FILE, TokenVault.open(tmp_path))
    patient = DssClient(http, sim_url, clock, timeout=DSS_TIMEOUT)
    upstream = ShareUpstream(patient, clock, token_of, session_file=session_file)
    release = asyncio.create_task(upstream.revoke_app_token(app_token))
    await stalled.wait()  # revokeToken under way
    loop = asyncio.get_running_loop()
    started = loop.time()
    await upstream.close_all(timeout=SHUTDOWN_BUDGET)  # SIGTERM
    release.cancel()  # the runtime closing the releases
    results = await asyncio.gather(release, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError)
    assert loop.time() - started < SHUTDOWN_BUDGET + 1.0  # not DSS_TIMEOUT
    assert upstream.occupied() == 1  # the release's session may stand at the dSS: counted
    await upstream.close_all()  # the runtime's second close writes the session file
    left = await session_file.load_all()
    assert (left.tokens, len(left.held_until)) == ([], 1)
    again = ShareUpstream(patient, clock, token_of, session_file=session_file)
    await again.adopt_leftovers()
    assert again.occupied() == 1  # the next run counts it
    await again.close_all(timeout=SHUTDOWN_BUDGET)
