"""ShareUpstream against the real simulator: lazy login, reuse, re-login, idle logout, cap."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import pytest
from dss_sim.sim import Simulator

from dss_addon.dss.app_tokens import DssAppTokens
from dss_addon.dss.client import DssClient
from dss_addon.dss.upstream import DEFAULT_MAX_SESSIONS, DSS_SESSION_LIMIT, ShareUpstream
from dss_addon.errors import DssAuthFailed, DssUnavailable
from tests.support.clock import FakeClock


@dataclass
class Tokens:
    """The share service's side of the bargain: share id -> app token."""

    by_share: dict[str, str] = field(default_factory=dict)

    async def of(self, share_id: str) -> str | None:
        return self.by_share.get(share_id)


@pytest.fixture
async def tokens(dss: DssClient, owner_token: str) -> Tokens:
    issuer = DssAppTokens(dss)
    found = Tokens()
    for n in range(3):
        found.by_share[f"share{n}"] = await issuer.issue(f"share {n}", owner_token)
    await dss.logout(owner_token)
    return found


@pytest.fixture
async def upstream(
    dss: DssClient, clock: FakeClock, tokens: Tokens
) -> AsyncIterator[ShareUpstream]:
    upstream = ShareUpstream(dss, clock, tokens.of)
    yield upstream
    await upstream.close_all()


def logins(sim: Simulator) -> int:
    return sum(1 for c in sim.calls if c.path == "/json/system/loginApplication")


def logouts(sim: Simulator) -> int:
    return sum(1 for c in sim.calls if c.path == "/json/system/logout")


async def called(sim: Simulator, path: str) -> None:
    """Until the simulator has received a call to `path` (it records calls, it does not notify)."""
    async with asyncio.timeout(5):
        while not any(c.path == path for c in sim.calls):  # noqa: ASYNC110  # no hook to await
            await asyncio.sleep(0.01)


async def name_of(upstream: ShareUpstream, share_id: str) -> str:
    reply = await upstream.call(share_id, "apartment", "getName", {})
    assert reply.status == 200, reply.body
    name = json.loads(reply.body)["result"]["name"]
    assert isinstance(name, str)
    return name


async def test_no_session_before_first_use_then_one_reused(
    upstream: ShareUpstream, sim: Simulator
) -> None:
    assert logins(sim) == 0
    assert len(sim.sessions.sessions) == 0
    assert await name_of(upstream, "share0") == "Haus Muster"
    assert await name_of(upstream, "share0") == "Haus Muster"
    await asyncio.gather(*(name_of(upstream, "share0") for _ in range(5)))
    assert logins(sim) == 1
    assert len(sim.sessions.sessions) == 1
    assert upstream.has_session("share0")
    assert not upstream.has_session("share1")


async def test_concurrent_first_calls_open_one_session(
    upstream: ShareUpstream, sim: Simulator
) -> None:
    await asyncio.gather(*(name_of(upstream, "share1") for _ in range(8)))
    assert logins(sim) == 1


async def test_dss_restart_is_healed_with_exactly_one_retry(
    upstream: ShareUpstream, sim: Simulator
) -> None:
    await name_of(upstream, "share0")
    sim.restart()
    mark = len(sim.calls)
    assert await name_of(upstream, "share0") == "Haus Muster"
    paths = [c.path for c in sim.calls[mark:]]
    assert paths == [
        "/json/apartment/getName",  # 403 not logged in
        "/json/system/loginApplication",
        "/json/apartment/getName",  # the one retry
    ]


async def test_swept_session_is_replaced_transparently(
    upstream: ShareUpstream, sim: Simulator
) -> None:
    await name_of(upstream, "share0")
    sim.sessions.clear()  # as if the dSS had swept it
    assert await name_of(upstream, "share0") == "Haus Muster"
    assert logins(sim) == 2


async def test_token_revoked_in_the_dss_fails_with_auth_failed_after_one_try(
    upstream: ShareUpstream, sim: Simulator, tokens: Tokens, dss: DssClient
) -> None:
    await name_of(upstream, "share0")
    admin = await dss.login("dssadmin", "dssadmin")
    await dss.revoke_token(tokens.by_share["share0"], admin)
    sim.restart()  # existing sessions survive a revoke on the dSS; a restart does not
    mark = len(sim.calls)
    with pytest.raises(DssAuthFailed):
        await upstream.call("share0", "apartment", "getName", {})
    paths = [c.path for c in sim.calls[mark:]]
    assert paths == ["/json/apartment/getName", "/json/system/loginApplication"]


class ForgetfulDss(DssClient):
    """Talks to the simulator, but every session it opens is gone again at once."""

    async def login_application(self, app_token: str) -> str:
        token = await super().login_application(app_token)
        await self.logout(token)
        return token


async def test_a_session_refused_twice_is_auth_failed_after_exactly_one_retry(
    http: aiohttp.ClientSession, sim: Simulator, clock: FakeClock, tokens: Tokens, sim_url: str
) -> None:
    forgetful = ForgetfulDss(http, sim_url, clock)
    upstream = ShareUpstream(forgetful, clock, tokens.of)
    mark = len(sim.calls)
    with pytest.raises(DssAuthFailed):
        await upstream.call("share0", "apartment", "getName", {})
    paths = [c.path for c in sim.calls[mark:]]
    assert paths.count("/json/apartment/getName") == 2
    assert paths.count("/json/system/loginApplication") == 2
    assert upstream.open_sessions == 0


async def test_share_without_app_token_is_auth_failed(upstream: ShareUpstream) -> None:
    with pytest.raises(DssAuthFailed):
        await upstream.call("unknown", "apartment", "getName", {})


async def test_idle_session_is_logged_out_and_reopened_on_demand(
    upstream: ShareUpstream, sim: Simulator, clock: FakeClock
) -> None:
    await name_of(upstream, "share0")
    before = logouts(sim)
    clock.advance(119)
    assert await upstream.sweep_idle() == 0
    clock.advance(2)
    assert await upstream.sweep_idle() == 1
    assert logouts(sim) == before + 1
    assert len(sim.sessions.sessions) == 0
    assert not upstream.has_session("share0")
    assert await name_of(upstream, "share0") == "Haus Muster"
    assert logins(sim) == 2


async def test_use_postpones_idle_logout(
    upstream: ShareUpstream, sim: Simulator, clock: FakeClock
) -> None:
    await name_of(upstream, "share0")
    for _ in range(5):
        clock.advance(100)
        await name_of(upstream, "share0")
        assert await upstream.sweep_idle() == 0
    assert logins(sim) == 1


async def test_long_event_poll_keeps_the_session(
    upstream: ShareUpstream, sim: Simulator, clock: FakeClock
) -> None:
    subscribe = {"name": "callScene", "subscriptionID": "7"}
    reply = await upstream.call("share0", "event", "subscribe", subscribe)
    assert reply.status == 200
    poll = asyncio.create_task(
        upstream.call(
            "share0", "event", "get", {"subscriptionID": "7", "timeout": "300"}, timeout=5.0
        )
    )
    await called(sim, "/json/event/get")
    clock.advance(600)
    assert await upstream.sweep_idle() == 0  # the poll is in flight
    assert (await poll).status == 200
    assert upstream.has_session("share0")


async def test_close_share_and_close_all_log_out(upstream: ShareUpstream, sim: Simulator) -> None:
    for share in ("share0", "share1", "share2"):
        await name_of(upstream, share)
    assert len(sim.sessions.sessions) == 3
    await upstream.close_share("share1")
    assert len(sim.sessions.sessions) == 2
    await upstream.close_all()
    assert len(sim.sessions.sessions) == 0
    assert upstream.open_sessions == 0
    with pytest.raises(DssUnavailable):
        await upstream.call("share0", "apartment", "getName", {})


async def test_close_app_token_logs_out_that_share(
    upstream: ShareUpstream, sim: Simulator, tokens: Tokens
) -> None:
    await name_of(upstream, "share0")
    await name_of(upstream, "share2")
    await upstream.close_app_token(tokens.by_share["share2"])
    assert upstream.has_session("share0")
    assert not upstream.has_session("share2")
    assert len(sim.sessions.sessions) == 1


async def test_topology_is_cached_for_a_minute_and_refreshable(
    upstream: ShareUpstream, sim: Simulator, clock: FakeClock
) -> None:
    def fetches() -> int:
        return sum(1 for c in sim.calls if c.path == "/json/apartment/getStructure")

    topology = await upstream.topology("share0")
    assert 989 in topology.zones
    assert await upstream.topology("share1") is topology
    clock.advance(59)
    await upstream.topology("share0")
    assert fetches() == 1
    clock.advance(2)
    await upstream.topology("share0")
    assert fetches() == 2
    upstream.invalidate_topology()
    await upstream.topology("share0")
    assert fetches() == 3


async def test_topology_survives_a_dss_restart(upstream: ShareUpstream, sim: Simulator) -> None:
    await upstream.topology("share0")
    sim.restart()
    upstream.invalidate_topology()
    assert 989 in (await upstream.topology("share0")).zones


async def test_thirty_shares_at_once_leave_room_in_the_dss(
    dss: DssClient, sim: Simulator, clock: FakeClock, owner_token: str
) -> None:
    issuer = DssAppTokens(dss)
    tokens = Tokens()
    for n in range(DSS_SESSION_LIMIT):
        tokens.by_share[f"s{n}"] = await issuer.issue(f"share {n}", owner_token)
    await dss.logout(owner_token)
    upstream = ShareUpstream(dss, clock, tokens.of)
    try:
        for round_ in range(2):
            for n in range(DSS_SESSION_LIMIT):
                clock.advance(1)
                assert await name_of(upstream, f"s{n}") == "Haus Muster", round_
                assert len(sim.sessions.sessions) <= DEFAULT_MAX_SESSIONS
        assert upstream.open_sessions == DEFAULT_MAX_SESSIONS
        # The homeowner and the home's other integrations can still log in.
        others = [await dss.login("dssadmin", "dssadmin") for _ in range(10)]
        assert len(sim.sessions.sessions) == DSS_SESSION_LIMIT
        for token in others:
            await dss.logout(token)
    finally:
        await upstream.close_all()
    assert len(sim.sessions.sessions) == 0


async def test_all_sessions_busy_at_the_cap_is_unavailable(
    dss: DssClient, sim: Simulator, clock: FakeClock, tokens: Tokens
) -> None:
    upstream = ShareUpstream(dss, clock, tokens.of, max_sessions=1)
    try:
        await upstream.call("share0", "event", "subscribe", {"name": "x", "subscriptionID": "1"})
        poll = asyncio.create_task(
            upstream.call("share0", "event", "get", {"subscriptionID": "1", "timeout": "300"})
        )
        await called(sim, "/json/event/get")
        with pytest.raises(DssUnavailable):
            await upstream.call("share1", "apartment", "getName", {})
        await poll
        assert await name_of(upstream, "share1") == "Haus Muster"  # share0 evicted now
        assert not upstream.has_session("share0")
    finally:
        await upstream.close_all()


def test_cap_must_stay_below_the_dss_limit(dss: DssClient, clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="below"):
        ShareUpstream(dss, clock, Tokens().of, max_sessions=DSS_SESSION_LIMIT)


async def test_background_loop_logs_out_idle_sessions(
    upstream: ShareUpstream, sim: Simulator, clock: FakeClock
) -> None:
    await name_of(upstream, "share0")
    loop = asyncio.create_task(upstream.run(tick=0.01))
    try:
        clock.advance(121)
        async with asyncio.timeout(5):
            while upstream.has_session("share0"):  # noqa: ASYNC110  # the loop's own tick
                await asyncio.sleep(0.01)
        assert len(sim.sessions.sessions) == 0
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
