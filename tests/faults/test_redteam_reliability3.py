"""Red team round 7 (reliability, today's changes): waiting dSS events dropped once a share's
app token is gone (Notifier._never_again), and saved revocations forgotten beyond KEEP
(shares/revocations.py). Judged at the simulator (its event history and the calls it served)
and at what the homeowner and the electrician get."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from dss_sim.handlers import system as dss_system
from dss_sim.handlers.base import Ctx

from dss_addon.dss.eviction import EVICT_IDLE
from dss_addon.dss.upstream import DEFAULT_MAX_SESSIONS, DSS_SESSION_LIMIT
from dss_addon.runtime import DB_FILE
from dss_addon.settings import Settings
from dss_addon.shares.revocations import KEEP
from dss_addon.shares.service import ShareService
from dss_addon.store import Store
from dss_addon.web.share.keys import SESSION_COOKIE
from tests.support.notifications import notifier_of, told
from tests.support.share_site import Helper, create_share, open_share, redeem, sim_paths
from tests.support.stack import Stack, running_stack


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path) as running:
        yield running


async def test_job_done_after_an_idle_logout_still_reaches_the_dss(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    share_id = helper.created.share.id
    assert (await helper.get("/json/apartment/getName")).status == 200  # opens its session
    await stack.runtime.upstream.announced()  # first_use is raised in the background
    assert told(stack, share_id) == ["first_use"]
    # The electrician looks at the wiring for a few minutes: the idle sweep logs out.
    stack.clock.advance(minutes=3)
    assert await stack.runtime.upstream.sweep_idle() == 1
    assert not stack.runtime.upstream.has_session(share_id)
    assert (await helper.post("/s/done", json={})).status == 200
    notifier = notifier_of(stack)
    for _ in range(3):  # the periodic check, once a minute
        stack.clock.advance(minutes=1)
        await notifier.flush_waiting()
    # What the homeowner gets by mail (the dSS's sendmail subscription): the done event.
    assert told(stack, share_id) == ["first_use", "done"]


def _copy_live_shares(db: Path, template_id: str, count: int) -> list[str]:
    """`count` further live shares like `template_id` (no app token, so nothing is revoked in
    the dSS for them), written behind the add-on's back as a home that used it for years."""
    ids = [f"bulk{n:06d}" for n in range(count)]
    with sqlite3.connect(db) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(shares)")]
        rest = [c for c in columns if c not in ("id", "secret_digest", "app_token")]
        sql = (
            f"INSERT INTO shares (id, secret_digest, app_token, {', '.join(rest)})"  # noqa: S608
            f" SELECT ?, randomblob(32), NULL, {', '.join(rest)} FROM shares WHERE id = ?"
        )
        conn.executemany(sql, [(share_id, template_id) for share_id in ids])
    return ids


async def _proxied(helper: Helper, stack: Stack) -> tuple[int, int]:
    """The electrician's read of the apartment name: (HTTP status, calls the dSS served)."""
    since = len(stack.sim.calls)
    status = (await helper.get("/json/apartment/getName")).status
    return status, sim_paths(stack, since).count("/json/apartment/getName")


@pytest.mark.timeout(120)
async def test_a_revocation_whose_write_is_in_flight_is_never_forgotten(
    stack: Stack, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    service: ShareService = stack.runtime.shares
    store: Store = service._store
    helper = await open_share(http, stack, level="view")
    victim = helper.created.share.id
    assert await _proxied(helper, stack) == (200, 1)
    others = _copy_live_shares(stack.runtime.settings.data_dir / DB_FILE, victim, KEEP + 1)

    held = asyncio.Event()
    real_revoke = store.revoke

    async def slow_revoke(share_id: str, audit: object) -> object:
        if share_id == victim:  # a slow disk, a busy SQLite lock: this one write hangs
            await held.wait()
        return await real_revoke(share_id, audit)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "revoke", slow_revoke)
    revoking = asyncio.create_task(service.revoke(victim, actor="dssadmin"))
    await asyncio.sleep(0.05)
    assert not revoking.done()
    # Revoked in memory at once: the electrician is refused.
    status, served = await _proxied(helper, stack)
    assert (status, served) != (200, 1)
    # The owner tidies up the old shares meanwhile (each write goes through).
    for share_id in others:
        await service.revoke(share_id, actor="dssadmin")
    status, served = await _proxied(helper, stack)
    try:
        # The share was revoked before any of the others: it must stay refused.
        assert served == 0, f"the dSS served the revoked share (HTTP {status})"
        assert status in (401, 403, 404, 410)
    finally:
        held.set()
        await revoking


OWNER_ROOM = DSS_SESSION_LIMIT - DEFAULT_MAX_SESSIONS  # 10


def _app_sessions(stack: Stack) -> int:
    """Application sessions (the shares') standing in the simulator's session map."""
    return sum(1 for s in stack.sim.sessions.sessions.values() if s.is_application)


async def _at_work(http: aiohttp.ClientSession, stack: Stack) -> int:
    """A new share redeemed and used once (the owner's dSS session that created it logged out
    again); returns the HTTP status of its first call."""
    before = set(stack.sim.sessions.sessions)
    created = await create_share(stack, level="view")
    for token, session in list(stack.sim.sessions.sessions.items()):
        if token not in before and not session.is_application:
            stack.sim.sessions.remove(token)
    reply = await redeem(http, stack, created.secret)
    assert reply.status == 200
    helper = Helper(http, stack, reply.cookies[SESSION_COOKIE].value, created)
    return (await helper.get("/json/apartment/getName")).status


@pytest.mark.timeout(120)
async def test_a_logout_the_dss_never_answered_still_counts_at_the_cap(
    tmp_path: Path, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    def deadline(settings: Settings) -> Settings:
        return dataclasses.replace(settings, dss_timeout=1.0)

    async with running_stack(tmp_path, configure=deadline) as stack:
        for _ in range(DEFAULT_MAX_SESSIONS):  # 20 electricians at work: the cap
            assert await _at_work(http, stack) == 200
        assert _app_sessions(stack) == DEFAULT_MAX_SESSIONS
        real_logout = dss_system.HANDLERS["logout"]

        async def lost(ctx: Ctx) -> None:
            """An application session's logout that never arrives (the request is lost on the
            way, the answer never comes): the session stays until the dSS sweeps it."""
            if ctx.session is not None and ctx.session.is_application:
                await asyncio.sleep(1.5)
                return
            await real_logout(ctx)

        monkeypatch.setitem(dss_system.HANDLERS, "logout", lost)
        for _ in range(OWNER_ROOM):  # newcomers: each evicts one idle session
            stack.clock.advance(seconds=EVICT_IDLE + 1)
            await _at_work(http, stack)
            assert _app_sessions(stack) <= DEFAULT_MAX_SESSIONS, (
                f"{_app_sessions(stack)} application sessions in the dSS, the add-on counts "
                f"{stack.runtime.upstream.occupied()}"
            )
