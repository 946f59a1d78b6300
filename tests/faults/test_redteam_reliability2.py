"""Red team round 6 (reliability, R1b): attacks on the round-5 fixes (logins in their own task,
pending logins counted, closed app tokens remembered, notifications queued for the next
session, SIGTERM waiting for logins under way), judged at the simulator's session table and at
what the homeowner and the electrician get."""

from __future__ import annotations

import asyncio
import dataclasses
import signal
import time
from pathlib import Path

import aiohttp
import pytest
from dss_sim.config import SimConfig

from dss_addon.dss.sessions import LOST_LOGIN_HOLD
from dss_addon.notifications.service import PENDING_PER_SHARE
from dss_addon.settings import Settings
from dss_addon.shares.service import EXTENSION_REQUEST_INTERVAL
from tests.faults.test_sigterm import (
    EXIT_SLACK,
    SHUTDOWN_TIMEOUT,
    _count,
    _owner,
    _redeemed,
    _until,
    addon,
    simulator,
)
from tests.support.processes import text_of
from tests.support.share_site import create_share, open_share, redeem
from tests.support.stack import Stack, running_stack


def _app_tokens(sessions: dict[str, object]) -> set[str]:
    return {t for t, s in sessions.items() if getattr(s, "is_application", False)}


async def _get(http: aiohttp.ClientSession, url: str, cookie: str) -> int:
    async with http.get(url, headers={"Cookie": cookie}) as resp:
        return resp.status


@pytest.mark.timeout(90)
# Fixed: close_all logs out open sessions while it waits for pending logins, within its budget.
async def test_sigterm_with_a_login_pending_exits_late_and_logs_out_late(tmp_path: Path) -> None:
    async with simulator() as (sim, sim_url), addon(sim_url, tmp_path) as sites, \
            aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:  # fmt: skip
        owner = await _owner(http, sites.owner_url)
        busy = await _redeemed(http, sites, owner)  # a share in use: its session is open
        before = set(sim.sessions.sessions)
        url = sites.share_url + "/json/apartment/getName"
        assert await _get(http, url, busy) == 200
        busy_sessions = _app_tokens(dict(sim.sessions.sessions)) & (
            set(sim.sessions.sessions) - before
        )
        assert len(busy_sessions) == 1
        other = await _redeemed(http, sites, owner)  # its first call logs in: the dSS is slow
        logins = _count(sim, "system/loginApplication")
        sim.latency_ms = 16000
        pending = asyncio.ensure_future(_get(http, url, other))
        await _until(lambda: _count(sim, "system/loginApplication") > logins)
        sim.latency_ms = 0  # only that login is slow; the logouts are not
        signalled = time.monotonic()
        sites.proc.send_signal(signal.SIGTERM)
        exited: list[float] = []  # the exit time, not the end of the sleep below
        waiting = asyncio.ensure_future(sites.proc.wait())
        waiting.add_done_callback(lambda _: exited.append(time.monotonic()))
        await asyncio.sleep(SHUTDOWN_TIMEOUT + EXIT_SLACK)
        standing_at_deadline = busy_sessions & set(sim.sessions.sessions)
        code = await asyncio.wait_for(waiting, 40)
        elapsed = exited[0] - signalled
        await asyncio.gather(pending, return_exceptions=True)
        assert code == 0, text_of(sites.stderr)
        assert elapsed < SHUTDOWN_TIMEOUT + EXIT_SLACK, elapsed
        assert not standing_at_deadline  # logged out within the shutdown timeout


@pytest.mark.timeout(90)
@pytest.mark.xfail(
    strict=True,
    reason="SIGTERM with a share's dSS login pending: the login task is cancelled while the dSS "
    "completes it, and the session stands at the dSS until its idle timeout. Now recorded (the "
    "session file holds the login before it is sent; the next run counts it: "
    "test_dss_sessions.py), but not logged out: the add-on never learns the token of a login "
    "whose answer comes after it exited",
)
async def test_a_login_pending_at_sigterm_leaves_a_session_nobody_records(tmp_path: Path) -> None:
    async with simulator() as (sim, sim_url), addon(sim_url, tmp_path) as sites, \
            aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:  # fmt: skip
        owner = await _owner(http, sites.owner_url)
        cookie = await _redeemed(http, sites, owner)
        before = _app_tokens(dict(sim.sessions.sessions))
        logins = _count(sim, "system/loginApplication")
        sim.latency_ms = 16000  # the dSS opens the session at once and answers late
        pending = asyncio.ensure_future(
            _get(http, sites.share_url + "/json/apartment/getName", cookie)
        )
        await _until(lambda: _count(sim, "system/loginApplication") > logins)
        sim.latency_ms = 0
        sites.proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(sites.proc.wait(), 40)
        await asyncio.gather(pending, return_exceptions=True)
        assert code == 0, text_of(sites.stderr)
        left = _app_tokens(dict(sim.sessions.sessions)) - before
        session_file = [p.name for p in (tmp_path / "data").iterdir() if "session" in p.name]
        assert not left, (len(left), session_file)


def _app_sessions(stack: Stack) -> int:
    return sum(1 for s in stack.sim.sessions.sessions.values() if s.is_application)


def _short_deadline(settings: Settings) -> Settings:
    return dataclasses.replace(settings, dss_timeout=0.3)


# Fixed: sessionTimeoutMinutes is read (owner's or a share's session); lost logins held that long.
async def test_a_lost_login_is_uncounted_while_the_dss_still_keeps_its_session(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    ten_minutes = SimConfig(session_timeout=600.0)  # sessionTimeoutMinutes = 10 at this home
    async with running_stack(tmp_path, sim_config=ten_minutes, configure=_short_deadline) as stack:
        helper = await open_share(http, stack, level="operate")
        await stack.runtime.upstream.close_share(helper.created.share.id)  # idle logout
        assert _app_sessions(stack) == 0
        # A login timeout the test can wait for (30 s in production): the dSS does the login
        # at once and answers after the add-on hung up.
        stack.runtime.dss._login_timeout = 0.5
        stack.sim.latency_ms = 1500
        assert (await helper.get("/json/apartment/getName")).status == 502
        await asyncio.sleep(1.0)  # the login task gives up on the answer
        stack.sim.latency_ms = 0
        assert _app_sessions(stack) == 1 == stack.runtime.upstream.occupied()
        later = LOST_LOGIN_HOLD + 30.0
        stack.clock.advance(later)
        stack.sim_clock.advance(later)  # well within the home's 10 minutes
        stack.sim.sessions.sweep()
        leaked, counted = _app_sessions(stack), stack.runtime.upstream.occupied()
        assert leaked == counted, (leaked, counted)


# Fixed: the queued events are raised in the background, outside the call's deadline.
async def test_queued_events_eat_the_deadline_of_the_electricians_next_call(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    async with running_stack(tmp_path) as stack:  # dss_timeout 5 s (the test stack)
        helper = await open_share(http, stack, level="operate")
        await stack.runtime.upstream.close_share(helper.created.share.id)  # idle logout
        for n in range(PENDING_PER_SHARE):
            stack.clock.advance(EXTENSION_REQUEST_INTERVAL.total_seconds() + 1)
            resp = await helper.post(
                "/s/extension-request", json={"minutes": 30 + n, "message": f"Bitte {n}"}
            )
            assert resp.status == 202, await resp.text()
        assert _app_sessions(stack) == 0  # all waiting for the share's next session
        stack.sim.latency_ms = 1100  # slow, answering in 1.1 s (without the queue: 200)
        started = time.monotonic()
        status = (await helper.get("/json/apartment/getName")).status
        took = time.monotonic() - started
        stack.sim.latency_ms = 0
        raised = sum(1 for c in stack.sim.calls if c.path == "/json/event/raise")
        assert status == 200, (status, round(took, 1), raised)


# Fixed: a locked share's event is raised in a brief session of its own, logged out at once.
async def test_a_share_locked_by_pin_guessing_never_raises_its_dss_event(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    async with running_stack(tmp_path) as stack:
        created = await create_share(stack, label="Elektro PIN", pin=True)
        assert created.pin is not None
        wrong = "000000" if created.pin != "000000" else "111111"
        statuses = [(await redeem(http, stack, created.secret, wrong)).status for _ in range(5)]
        share = await stack.runtime.shares.get(created.share.id)
        assert share.pin_failures >= 5, statuses
        stack.clock.advance(hours=1)  # the add-on's periodic work had its chances
        await asyncio.sleep(0.2)
        raised = [e.properties.get("kind") for e in stack.sim.event_history]
        assert "locked" in raised, (statuses, raised)
