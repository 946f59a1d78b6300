"""Red team round 9 (reliability, the fixes of round 8): a done share's app token released in
the background (AppTokenReleases.in_background, closed at shutdown), the release
going through the session table (ShareUpstream.revoke_app_token, BriefSessions.revoke) and the
new dss_timeout option. Judged at the simulator (its token list, session map) and at what the
homeowner gets (a process that stops within shutdown_timeout)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from dss_sim.app import create_sim_app
from dss_sim.clock import ManualClock
from dss_sim.config import SimConfig
from dss_sim.handlers import system as dss_system
from dss_sim.handlers.base import Ctx
from dss_sim.sim import Simulator

from dss_addon.dss.upstream import DEFAULT_MAX_SESSIONS
from dss_addon.settings import Settings
from dss_addon.shares.service import CreatedShare
from dss_addon.web.share.keys import SESSION_COOKIE
from tests.support.addon_process import Sites, serve_args
from tests.support.notifications import notifier_of, told
from tests.support.owner import JSON, PASSWORD, OwnerClient
from tests.support.processes import process, ready_line, text_of
from tests.support.share_site import Helper, create_share, redeem, sim_params
from tests.support.stack import Stack, running_stack


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path) as running:
        yield running


@asynccontextmanager
async def _simulator() -> AsyncIterator[tuple[Simulator, str]]:
    sim = Simulator(config=SimConfig(), clock=ManualClock())
    async with TestServer(create_sim_app(sim), host="127.0.0.1") as server:
        yield sim, str(server.make_url("")).rstrip("/")


@asynccontextmanager
async def _addon(sim_url: str, tmp_path: Path, options: dict[str, float]) -> AsyncIterator[Sites]:
    config = tmp_path / "addon.json"
    config.write_text(json.dumps({"options": options}), "utf-8")
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


async def _post_json(
    http: aiohttp.ClientSession, url: str, body: object, cookie: str | None = None
) -> aiohttp.ClientResponse:
    headers = dict(JSON)
    if cookie is not None:
        headers["Cookie"] = cookie
    async with http.post(url, data=json.dumps(body), headers=headers) as resp:
        await resp.read()
        return resp


SHUTDOWN_TIMEOUT = 2.0
DSS_TIMEOUT = 8.0


@pytest.mark.timeout(120)
async def test_shutdown_during_a_done_release_keeps_to_shutdown_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An electrician presses "Job erledigt"; the app token's release (login with the token,
    revokeToken, logout) meets a dSS that stops answering (the appliance under load). The
    homeowner's supervisor stops the add-on: it must be gone within shutdown_timeout (2 s;
    dss_timeout 8 s, both inside their documented ranges), or the supervisor's SIGKILL cuts
    the store's close (audit flush) and the session file's last write."""
    stalled = asyncio.Event()
    real_logout = dss_system.HANDLERS["logout"]

    async def revoke_stalls(ctx: Ctx) -> None:
        stalled.set()
        await asyncio.sleep(60)

    async def logout_stalls(ctx: Ctx) -> None:
        if stalled.is_set() and ctx.session is not None and ctx.session.is_application:
            await asyncio.sleep(60)
            return
        await real_logout(ctx)

    options = {"shutdown_timeout": SHUTDOWN_TIMEOUT, "dss_timeout": DSS_TIMEOUT}
    async with (
        _simulator() as (_sim, sim_url),
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
        _addon(sim_url, tmp_path, options) as sites,
    ):
        owner = await _owner(http, sites.owner_url)
        created = await owner.create(label="Elektro Müller", level="view")
        secret = str(created["link"]).split("#", 1)[1]
        reply = await _post_json(http, sites.share_url + "/s/redeem", {"secret": secret})
        assert reply.status == 200
        cookie = f"{SESSION_COOKIE}={reply.cookies[SESSION_COOKIE].value}"
        async with http.get(
            sites.share_url + "/json/apartment/getName", headers={"Cookie": cookie}
        ) as resp:
            assert resp.status == 200
        monkeypatch.setitem(dss_system.HANDLERS, "revokeToken", revoke_stalls)
        monkeypatch.setitem(dss_system.HANDLERS, "logout", logout_stalls)
        done = await _post_json(http, sites.share_url + "/s/done", {}, cookie)
        assert done.status == 200
        await asyncio.wait_for(stalled.wait(), 10)  # the release is under way
        started = time.monotonic()
        sites.proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(sites.proc.wait(), 60)
        took = time.monotonic() - started
        assert took <= SHUTDOWN_TIMEOUT + 1.5, (
            f"SIGTERM took {took:.1f} s (shutdown_timeout {SHUTDOWN_TIMEOUT} s):\n"
            + text_of(sites.stderr)[-2000:]
        )


async def _created(stack: Stack, level: str) -> CreatedShare:
    """A new share; the homeowner's dSS session that created it logged out again."""
    before = set(stack.sim.sessions.sessions)
    created = await create_share(stack, level=level)
    for token, session in list(stack.sim.sessions.sessions.items()):
        if token not in before and not session.is_application:
            stack.sim.sessions.remove(token)
    return created


async def _busy(http: aiohttp.ClientSession, stack: Stack) -> Helper:
    """An electrician at work this very second: a fresh share, redeemed, one call."""
    created = await _created(stack, "view")
    reply = await redeem(http, stack, created.secret)
    assert reply.status == 200
    helper = Helper(http, stack, reply.cookies[SESSION_COOKIE].value, created)
    assert (await helper.get("/json/apartment/getName")).status == 200
    return helper


@pytest.mark.timeout(120)
async def test_a_revocation_at_the_cap_reaches_the_dss_within_minutes(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    """A busy day: 20 electricians at work (the add-on's whole budget). The homeowner revokes
    another share (not redeemed yet: it holds no session). Its app token (the homeowner's
    rights in the dSS) must be gone from the dSS's token list soon after, as it was before
    the release went through the session table, not an hour later."""
    other = await _created(stack, "operate")
    app_token = await stack.runtime.shares.app_token(other.share.id)
    assert app_token is not None
    for _ in range(DEFAULT_MAX_SESSIONS):
        await _busy(http, stack)
    assert stack.runtime.upstream.occupied() >= DEFAULT_MAX_SESSIONS
    revocation = await stack.runtime.shares.revoke(other.share.id, actor="dssadmin")
    assert revocation.saved
    # Minutes pass; the electricians go idle and the sweep frees their sessions.
    stack.clock.advance(minutes=5)
    await stack.runtime.upstream.sweep_idle()
    await asyncio.sleep(0.5)
    assert app_token not in stack.sim.security.enabled, (
        "the revoked share's app token is still enabled in the dSS"
    )


@pytest.mark.xfail(
    strict=True,
    reason="a refused loginApplication (DssAuthFailed) does not prove the token gone: the dSS "
    "answers the same at its session limit (systemrequesthandler.cpp loginApplication). Only "
    "a session not opened with the token can tell (revokeToken answers `Unknown token`, or "
    "the enabled list); here there is none: the owner is not logged in and no other share "
    "has one. The token is cleared once the owner's tab reads the dSS's list "
    "(reconcile_app_tokens); until then every hourly release loop logs in with it again",
)
@pytest.mark.timeout(120)
async def test_a_release_whose_answer_was_lost_is_not_retried_forever(
    tmp_path: Path, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The electrician presses "Job erledigt"; the dSS revokes the share's app token but its
    answer never arrives (dss_timeout 1 s). From then on every run of the hourly release
    loop sends loginApplication with a token the dSS no longer has (refused) and audits
    another failure, for as long as the add-on runs."""

    def deadline(settings: Settings) -> Settings:
        return dataclasses.replace(settings, dss_timeout=1.0)

    async with running_stack(tmp_path, configure=deadline) as stack:
        helper = await _busy(http, stack)
        app_token = await stack.runtime.shares.app_token(helper.share_id)
        assert app_token is not None
        real_revoke = dss_system.HANDLERS["revokeToken"]

        async def answer_lost(ctx: Ctx) -> None:
            await real_revoke(ctx)
            await asyncio.sleep(1.5)  # done in the dSS, the answer comes too late

        monkeypatch.setitem(dss_system.HANDLERS, "revokeToken", answer_lost)
        assert (await helper.post("/s/done", json={})).status == 200
        await stack.runtime.shares.releases.done()
        monkeypatch.setitem(dss_system.HANDLERS, "revokeToken", real_revoke)
        assert app_token not in stack.sim.security.enabled  # gone in the dSS
        mark = len(stack.sim.calls)
        for _ in range(3):  # three hours of the release loop
            await stack.runtime.shares.release_app_tokens()
        logins = [
            c
            for c in stack.sim.calls[mark:]
            if c.path == "/json/system/loginApplication"
            and sim_params(c).get("loginToken") == app_token
        ]
        assert len(logins) <= 1, f"{len(logins)} logins with a token the dSS revoked"


DONES = 8
SLOW_DSS_MS = 5000  # each dSS answer; the add-on's default dss_timeout is 10 s


@pytest.mark.timeout(400)
async def test_many_dones_on_a_slow_dss_each_reach_the_homeowner(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    """A big job: eight trades press "Job erledigt" within a second; the dSS answers each
    call in 5 s (inside the default dss_timeout of 10 s). Each done event goes out in a brief
    session of its share (login, event/raise, logout), one at a time, while the released
    tokens' own brief sessions share the login lock. The later dones' raises start after
    their tokens' releases stopped waiting (60 s): the homeowner never gets those mails
    (seen: 3 of 8 lost)."""
    helpers = [await _busy(http, stack) for _ in range(DONES)]
    await stack.runtime.upstream.announced()
    stack.clock.advance(minutes=3)
    assert await stack.runtime.upstream.sweep_idle() == DONES
    notifier = notifier_of(stack)
    stack.sim.latency_ms = SLOW_DSS_MS
    try:
        replies = await asyncio.gather(*(h.post("/s/done", json={}) for h in helpers))
        assert [r.status for r in replies] == [200] * DONES
        await stack.runtime.shares.releases.done()
        await notifier.flush_waiting()  # waits for the raises under way
    finally:
        stack.sim.latency_ms = 0
    for _ in range(DONES):  # the periodic check, once a minute
        stack.clock.advance(minutes=1)
        await notifier.flush_waiting()
    events = {h.share_id: told(stack, h.share_id) for h in helpers}
    missing = [share_id for share_id, kinds in events.items() if "done" not in kinds]
    assert not missing, f"no done event for {len(missing)} of {DONES} shares: {events}"
