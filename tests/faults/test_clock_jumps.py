"""Clock faults with the injected clock: a wall clock set back never revives a share (not even
across a restart), and a clock that was never set refuses new shares and redemptions."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp

from dss_addon.clock import BUILD_DATE, SteadyClock
from dss_addon.store.db import MARK_EVERY
from dss_addon.web.share.keys import SESSION_COOKIE
from tests.faults.clocks import JumpingClock
from tests.support.clock import DEFAULT_START
from tests.support.owner import owner_client, read
from tests.support.share_site import create_share, open_share, redeem
from tests.support.shares import OWNER, all_shares, open_service, share_request
from tests.support.stack import running_stack

CALL = "/json/apartment/getStructure"


def test_the_steady_clock_keeps_running_while_the_wall_clock_is_behind() -> None:
    wall = JumpingClock()
    clock = SteadyClock(wall)
    start = clock.now()
    wall.advance(minutes=10)
    wall.jump_wall(hours=-1)
    assert clock.now() == start + timedelta(minutes=10)
    wall.advance(minutes=5)  # still behind: the mark runs on the monotonic clock
    assert clock.now() == start + timedelta(minutes=15)
    wall.jump_wall(hours=2)  # ahead again: the wall clock wins
    assert clock.now() == wall.now()


def test_a_stored_mark_later_than_the_wall_clock_wins() -> None:
    wall = JumpingClock()
    mark = wall.now() + timedelta(hours=3)
    assert SteadyClock(wall, mark).now() == mark
    assert SteadyClock(wall, wall.now() - timedelta(days=1)).now() == wall.now()


async def test_a_clock_set_back_never_revives_an_expired_share(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    clock = JumpingClock()
    async with running_stack(tmp_path, clock=clock, owner=False) as stack:
        helper = await open_share(http, stack, minutes=60)
        unused = await create_share(stack, minutes=60)
        for _ in range(2):  # calls every 25 minutes keep the session from idling out
            clock.advance(minutes=25)
            assert (await helper.get(CALL)).status == 200
        clock.advance(minutes=15)
        assert (await helper.get(CALL)).status == 401  # expired
        clock.jump_wall(hours=-1)  # 5 minutes after the start: inside the share's window
        assert stack.runtime.clock.now() >= DEFAULT_START + timedelta(minutes=65)
        assert (await helper.get(CALL)).status == 401
        assert (await redeem(http, stack, unused.secret)).status == 404
        cookie = helper.cookie

    # A restart with the wall clock still behind: the stored mark holds.
    clock = JumpingClock(DEFAULT_START + timedelta(minutes=5))
    async with running_stack(tmp_path, clock=clock, owner=False) as stack:
        assert stack.runtime.clock.now() >= DEFAULT_START + timedelta(minutes=65)
        assert (await redeem(http, stack, unused.secret)).status == 404
        headers = {"Cookie": f"{SESSION_COOKIE}={cookie}"}
        async with http.get(stack.share_url + CALL, headers=headers) as resp:
            assert resp.status == 401
        listed = {share.id: share for share in await all_shares(stack.runtime.shares)}
        assert listed[unused.share.id].expires_at <= stack.runtime.clock.now()


async def test_the_mark_is_written_with_every_share_change_and_at_most_once_a_minute_of_use(
    tmp_path: Path,
) -> None:
    def stored_mark() -> int:
        with closing(sqlite3.connect(tmp_path / "addon.db")) as conn:
            return int(conn.execute("SELECT high_water FROM clock").fetchone()[0])

    clock = JumpingClock()
    async with open_service(tmp_path, clock) as service:
        created = await service.create(share_request(clock.now()), OWNER)
        assert stored_mark() == int(clock.now().timestamp())
        written = stored_mark()
        clock.advance(MARK_EVERY / 2)
        service.audit(created.share.id, "call", call="zone/callScene", allowed=True)
        await service._store.flush()
        assert stored_mark() == written  # a per-call batch a moment later: no extra write
        clock.advance(MARK_EVERY / 2 + 1)
        service.audit(created.share.id, "call", call="zone/callScene", allowed=True)
        await service._store.flush()
        assert stored_mark() == int(clock.now().timestamp())
        clock.advance(5)
        await service.extend(
            created.share.id, created.share.expires_at + timedelta(hours=1), actor="owner"
        )
        assert stored_mark() == int(clock.now().timestamp())
        clock.advance(7)
    assert stored_mark() == int(clock.now().timestamp())  # and on close


async def test_an_unset_clock_refuses_new_shares_and_redemptions_on_both_sites(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    clock = JumpingClock()
    async with running_stack(tmp_path, clock=clock) as stack:
        owner = await owner_client(http, stack)
        helper = await open_share(http, stack, minutes=60)
        waiting = await create_share(stack, minutes=60)
        clock.set_wall(datetime(1970, 1, 1, 0, 2, tzinfo=UTC))  # a reboot without an RTC
        assert clock.now() < BUILD_DATE

        resp = await redeem(http, stack, waiting.secret)
        assert resp.status == 503
        assert (await resp.json())["error"] == "clock_unsynchronised"
        # Before the look-up: an unknown secret gets the same answer (no oracle).
        assert (await redeem(http, stack, "x" * 43)).status == 503
        async with http.post(
            stack.share_url + "/s/preview",
            json={"secret": waiting.secret},
            headers={"Accept": "application/json"},  # as share.js sends it
        ) as preview:
            assert preview.status == 503
            assert (await preview.json())["error"] == "clock_unsynchronised"
        landing = await read(await http.get(stack.share_url + "/s/?lang=de"))
        assert "Die Uhr des Geräts ist noch nicht gestellt" in landing.text
        landing = await read(await http.get(stack.share_url + "/s/?lang=en"))
        assert "clock is not set yet" in landing.text

        created = await owner.post(
            "/api/shares", {"label": "Elektro", "level": "view", "duration_minutes": 60}
        )
        assert created.status == 503, created.text
        assert created.json()["error"] == "clock_unsynchronised"
        assert "clock is not set" in str(created.json()["message"])
        page = await owner.post_form(
            "/new", {"label": "x", "level": "view", "duration": "60", "csrf": "ignored"}
        )
        assert page.status in (403, 503)  # CSRF is checked first; the API told the owner why
        assert len(await all_shares(stack.runtime.shares)) == 2  # nothing was created

        # A share already opened goes on: its time keeps running from the stored mark.
        assert (await helper.get(CALL)).status == 200
        clock.advance(minutes=61)
        assert (await helper.get(CALL)).status == 401


async def test_the_owner_page_explains_an_unset_clock_in_german(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    from tests.support.owner import hidden_csrf

    clock = JumpingClock()
    async with running_stack(tmp_path, clock=clock) as stack:
        owner = await owner_client(http, stack)
        form: dict[str, str | list[str]] = {"label": "x", "level": "view", "duration": "60"}
        form["csrf"] = hidden_csrf((await owner.get("/new")).text)
        clock.set_wall(datetime(2000, 1, 1, tzinfo=UTC))
        page = await owner.post_form("/new", form)
        assert page.status == 503
        assert "Die Uhr des Geräts ist noch nicht gestellt" in page.text
