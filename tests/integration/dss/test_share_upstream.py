"""ShareUpstream against the real simulator: lazy login, reuse, re-login, idle logout, cap."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field

import aiohttp
import pytest
from dss_sim.sim import Simulator

from dss_addon.dss.app_tokens import DssAppTokens
from dss_addon.dss.client import DssClient, RawReply
from dss_addon.dss.eviction import EVICT_IDLE
from dss_addon.dss.upstream import DEFAULT_MAX_SESSIONS, DSS_SESSION_LIMIT, ShareUpstream
from dss_addon.errors import DssAuthFailed, DssUnavailable, ShareEnded
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
        # The only session: asked once whether the dSS still holds it (it does not, so it is
        # not logged out: the dSS answers 403 only for a token it does not hold).
        "/json/system/loggedInUser",
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
    assert paths == [
        "/json/apartment/getName",
        "/json/system/loggedInUser",
        "/json/system/loginApplication",
    ]


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


async def test_a_fresh_topology_is_read_after_the_request_and_shared_by_waiters(
    upstream: ShareUpstream, sim: Simulator
) -> None:
    def fetches() -> int:
        return sum(1 for c in sim.calls if c.path == "/json/apartment/getStructure")

    cached = await upstream.topology("share0")
    sim.device("303505d7f80000000000000061fc6eb300").zone_id = 989
    fresh = await upstream.topology("share0", fresh=True)
    assert fetches() == 2
    moved = fresh.device_by_dsuid("303505d7f80000000000000061fc6eb300")
    assert moved is not None
    assert moved.zone_id == 989
    assert await upstream.topology("share1") is fresh  # the cache now holds the fresh read
    assert cached is not fresh

    # Five concurrent fresh requests: the first reads; the others asked while that read was
    # already under way, so they need a later one, and share it.
    answers = await asyncio.gather(
        *(upstream.topology(f"share{i % 3}", fresh=True) for i in range(5))
    )
    assert fetches() == 4
    assert answers[1] is answers[4]
    assert answers[0] is not answers[1]


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
        with pytest.raises(DssUnavailable):  # share0 was used just now: not traded for share1
            await upstream.call("share1", "apartment", "getName", {})
        clock.advance(EVICT_IDLE)
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


# -- a share's app token revoked in the dSS's own token list (DESIGN.md §3 rule 6) -----------


def property_reads(sim: Simulator, since: int = 0) -> int:
    return sum(1 for c in sim.calls[since:] if c.path == "/json/property/getString")


async def test_app_token_is_confirmed_at_most_every_ten_seconds(
    upstream: ShareUpstream, sim: Simulator, clock: FakeClock
) -> None:
    await name_of(upstream, "share0")  # the login itself proves the token enabled
    clock.advance(9)
    await name_of(upstream, "share0")
    assert property_reads(sim) == 0
    clock.advance(2)
    await asyncio.gather(*(name_of(upstream, "share0") for _ in range(4)))
    assert property_reads(sim) == 1  # one check for concurrent calls
    await name_of(upstream, "share0")
    assert property_reads(sim) == 1
    assert logins(sim) == 1


@dataclass
class Watched:
    """A ShareUpstream that records the shares it ended because their token was revoked."""

    upstream: ShareUpstream
    ended: list[str]


@pytest.fixture
async def watched(dss: DssClient, clock: FakeClock, tokens: Tokens) -> AsyncIterator[Watched]:
    ended: list[str] = []

    async def revoked(share_id: str) -> None:
        ended.append(share_id)

    upstream = ShareUpstream(dss, clock, tokens.of, on_token_revoked=revoked)
    try:
        yield Watched(upstream, ended)
    finally:
        await upstream.close_all()


async def test_app_token_revoked_in_the_dss_ends_the_share(
    dss: DssClient, sim: Simulator, clock: FakeClock, tokens: Tokens, watched: Watched
) -> None:
    upstream, ended = watched.upstream, watched.ended
    await name_of(upstream, "share0")
    await name_of(upstream, "share1")
    admin = await dss.login("dssadmin", "dssadmin")
    await dss.revoke_token(tokens.by_share["share0"], admin)
    await dss.logout(admin)
    assert len(sim.sessions.sessions) == 2  # the dSS keeps the revoked token's session
    clock.advance(11)
    mark = len(sim.calls)
    with pytest.raises(ShareEnded):
        await upstream.call("share0", "zone", "callScene", {"id": "989", "sceneNumber": "5"})
    paths = [c.path for c in sim.calls[mark:]]
    assert paths == ["/json/property/getString", "/json/system/logout"]
    assert ended == ["share0"]
    assert not upstream.has_session("share0")
    assert len(sim.sessions.sessions) == 1
    assert await name_of(upstream, "share1") == "Haus Muster"  # others are untouched


async def test_concurrent_calls_of_a_revoked_share_all_end(
    dss: DssClient, sim: Simulator, clock: FakeClock, tokens: Tokens, watched: Watched
) -> None:
    upstream, ended = watched.upstream, watched.ended
    await name_of(upstream, "share0")
    admin = await dss.login("dssadmin", "dssadmin")
    await dss.revoke_token(tokens.by_share["share0"], admin)
    await dss.logout(admin)
    clock.advance(11)
    mark = len(sim.calls)
    results = await asyncio.gather(
        *(upstream.call("share0", "apartment", "getName", {}) for _ in range(5)),
        return_exceptions=True,
    )
    assert all(isinstance(r, ShareEnded) for r in results), results
    assert ended == ["share0"]
    assert property_reads(sim, mark) == 1
    assert logins(sim) == 1  # nobody tried the revoked token again
    assert len(sim.sessions.sessions) == 0


async def test_a_failing_check_does_not_end_the_share(
    dss: DssClient, sim: Simulator, clock: FakeClock, tokens: Tokens, watched: Watched
) -> None:
    upstream, ended = watched.upstream, watched.ended
    await name_of(upstream, "share0")
    clock.advance(11)
    sim.unreachable = True
    with pytest.raises(DssUnavailable):
        await upstream.call("share0", "apartment", "getName", {})
    sim.unreachable = False
    assert await name_of(upstream, "share0") == "Haus Muster"
    assert ended == []


# -- no dSS session is ever forgotten without a logout ----------------------------------------


class TruncatingDss(DssClient):
    """Every call but logins, logouts and checks loses its token on the way (as a body cut off
    by the dSS used to): the dSS answers `not logged in` although the session is alive."""

    async def call(
        self,
        klass: str,
        method: str,
        params: Mapping[str, str],
        token: str,
        *,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> RawReply:
        return await super().call(klass, method, params, "0" * 64, timeout=timeout)


async def test_sessions_refused_as_not_logged_in_are_logged_out(
    http: aiohttp.ClientSession, sim: Simulator, clock: FakeClock, tokens: Tokens, sim_url: str
) -> None:
    upstream = ShareUpstream(TruncatingDss(http, sim_url, clock), clock, tokens.of)
    try:
        for _ in range(20):
            with pytest.raises(DssAuthFailed):
                await upstream.call("share0", "apartment", "getName", {})
        app_sessions = [s for s in sim.sessions.sessions.values() if s.is_application]
        assert app_sessions == []
        assert upstream.open_sessions == 0
    finally:
        await upstream.close_all()


async def test_holds_session_token_knows_only_its_own_sessions(
    upstream: ShareUpstream, dss: DssClient, sim: Simulator, tokens: Tokens
) -> None:
    await name_of(upstream, "share0")
    app_token = tokens.by_share["share0"]
    own = [t for t, s in sim.sessions.sessions.items() if s.app_token == app_token]
    assert len(own) == 1
    assert upstream.holds_session_token(own[0])
    other = await dss.login_application(tokens.by_share["share1"])
    assert not upstream.holds_session_token(other)
    assert not upstream.holds_session_token("")
    await upstream.close_share("share0")
    assert not upstream.holds_session_token(own[0])
