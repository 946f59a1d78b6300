"""The electrician's side of a share's life (issue 10, items 3, 4, 5, 6, 11): live state from the
server, scheduled shares, PIN attempts, a reopened once-only link, fair redemption limits."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import aiohttp

from dss_addon.shares.audit import AuditEntry, AuditEvent
from dss_addon.shares.model import ExtensionAnswer
from dss_addon.shares.requests import parse_share_request
from dss_addon.shares.service import Owner
from dss_addon.web.share.keys import SESSION_COOKIE
from tests.support.share_site import Helper, create_share, open_share, redeem
from tests.support.stack import Stack


async def state_of(helper: Helper, query: str = "") -> tuple[int, dict[str, object]]:
    resp = await helper.http.get(
        f"{helper.stack.share_url}/s/state{query}", headers=helper.headers
    )
    async with resp:
        return resp.status, await resp.json()


async def preview(
    http: aiohttp.ClientSession, stack: Stack, secret: str, cookie: str | None = None
) -> tuple[int, dict[str, object]]:
    headers = {"Cookie": f"{SESSION_COOKIE}={cookie}"} if cookie else {}
    async with http.post(
        f"{stack.share_url}/s/preview", json={"secret": secret}, headers=headers
    ) as resp:
        return resp.status, await resp.json()


async def test_the_page_sees_an_extension_with_the_servers_clock(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, minutes=60)
    status, state = await state_of(helper)
    assert status == 200
    assert state["state"] == "active"
    assert state["seconds_left"] == 3600
    assert state["now"] == "2026-11-27T09:00:00Z"
    assert state["expires_at"] == "2026-11-27T10:00:00Z"
    assert state["warn_at"] == [600, 60]
    stack.clock.advance(minutes=20, seconds=30)
    share_id = helper.created.share.id
    await stack.runtime.shares.extend(
        share_id, stack.clock.now() + timedelta(hours=2), actor="dssadmin"
    )
    status, state = await state_of(helper)
    assert state["seconds_left"] == 2 * 3600  # whole seconds from the server's now: no rounding
    assert state["now"] == "2026-11-27T09:20:30Z"


async def test_a_long_poll_wakes_when_the_owner_extends(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, minutes=60)
    _, known = await state_of(helper)
    waiting = asyncio.create_task(state_of(helper, f"?wait=20&version={known['version']}"))
    await asyncio.sleep(0.2)  # the request reaches its wait (not a wait for the share's time)
    assert not waiting.done()
    started = time.monotonic()
    await stack.runtime.shares.extend(
        helper.created.share.id, stack.clock.now() + timedelta(hours=3), actor="dssadmin"
    )
    status, state = await asyncio.wait_for(waiting, 5)
    assert time.monotonic() - started < 3
    assert status == 200
    assert state["seconds_left"] == 3 * 3600


async def test_a_long_poll_with_an_old_version_answers_at_once(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    """A change between two polls is not lost: the page's next poll carries the old version."""
    helper = await open_share(http, stack, minutes=60)
    _, before = await state_of(helper)
    await stack.runtime.shares.extend(
        helper.created.share.id, stack.clock.now() + timedelta(hours=3), actor="dssadmin"
    )
    started = time.monotonic()
    status, state = await state_of(helper, f"?wait=20&version={before['version']}")
    assert time.monotonic() - started < 3
    assert status == 200
    assert state["version"] != before["version"]
    assert state["seconds_left"] == 3 * 3600
    started = time.monotonic()
    status, state = await state_of(helper, "?wait=20")  # no version: at once too
    assert time.monotonic() - started < 3


async def test_revocation_and_the_end_reach_the_page(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    revoked = await open_share(http, stack)
    _, known = await state_of(revoked)
    waiting = asyncio.create_task(state_of(revoked, f"?wait=20&version={known['version']}"))
    await asyncio.sleep(0.2)
    await stack.runtime.shares.revoke(revoked.created.share.id, actor="dssadmin")
    status, state = await asyncio.wait_for(waiting, 5)
    # Woken by the revocation in memory: the sessions may or may not be ended on disk yet.
    assert (status, state["state"]) in {(200, "revoked"), (401, "ended")}
    status, state = await state_of(revoked)
    assert status == 401
    assert state["state"] == "ended"
    expiring = await open_share(http, stack, minutes=10)
    stack.clock.advance(minutes=10)
    status, state = await state_of(expiring)
    assert status == 200
    assert state["state"] == "expired"
    assert state["seconds_left"] == 0
    assert (await state_of(Helper(http, stack, "x" * 43, expiring.created)))[0] == 401


async def test_the_wait_is_bounded(stack: Stack, http: aiohttp.ClientSession) -> None:
    helper = await open_share(http, stack)
    for query in ("?wait=26", "?wait=-1", "?wait=nan", "?wait=x"):
        status, body = await state_of(helper, query)
        assert status == 400, query
        assert body["error"] == "bad_input"


async def test_a_scheduled_share_tells_its_holder_when_it_starts(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    runtime = stack.runtime
    start = runtime.clock.now() + timedelta(days=1)
    request = parse_share_request(
        {"label": "Morgen", "level": "view", "duration_minutes": 60,
         "starts_at": start.isoformat()},
        runtime.clock.now(), max_lifetime=runtime.settings.max_lifetime,
    )
    created = await runtime.shares.create(request, Owner("dssadmin", stack.sim.login_token()))
    status, body = await preview(http, stack, created.secret)
    assert status == 200
    assert body["state"] == "scheduled"
    assert body["starts_at"] == "2026-11-28T09:00:00+00:00"
    assert body["seconds_to_start"] == 24 * 3600
    assert (await redeem(http, stack, created.secret)).status == 404
    stack.clock.advance(hours=24)
    status, body = await preview(http, stack, created.secret)
    assert body["state"] == "active"
    assert (await redeem(http, stack, created.secret)).status == 200


async def test_wrong_pins_count_down_and_the_lock_is_permanent(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    created = await create_share(stack, pin=True)
    wrong = "000000" if created.pin != "000000" else "111111"
    answers = []
    for _ in range(5):
        async with http.post(f"{stack.share_url}/s/redeem",
                             json={"secret": created.secret, "pin": wrong}) as resp:
            answers.append((resp.status, await resp.json(), resp.headers.get("Retry-After")))
    assert [a[1]["tries_left"] for a in answers] == [4, 3, 2, 1, 0]
    assert [a[0] for a in answers] == [401, 401, 401, 401, 429]
    last = answers[-1]
    assert last[1]["error"] == "locked"
    assert last[1]["permanent"] is True
    assert last[2] is None  # nothing to wait for: only the owner can unlock
    status, body = await preview(http, stack, created.secret)
    assert status == 429
    assert body["error"] == "locked"


async def test_a_once_only_link_reopened_in_its_browser_goes_to_the_app(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, max_redemptions=1)
    secret = helper.created.secret
    status, body = await preview(http, stack, secret, helper.cookie)
    assert status == 200
    assert body == {"open": True, "next": "/s/app"}
    assert (await preview(http, stack, secret))[0] == 404  # another browser: used up
    other = await open_share(http, stack)
    assert (await preview(http, stack, secret, other.cookie))[0] == 404  # another share's session
    assert (await stack.runtime.shares.get(helper.created.share.id)).redemptions == 1


async def test_a_second_electrician_behind_the_same_address_is_not_throttled(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    first = await create_share(stack, pin=True)
    second = await create_share(stack, pin=True)
    for _ in range(30):  # opening the landing page never counts
        assert (await preview(http, stack, first.secret))[0] == 200
    wrong = "000000" if first.pin != "000000" else "111111"
    for _ in range(4):  # the first one mistypes his PIN again and again
        assert (await redeem(http, stack, first.secret, wrong)).status == 401
    for _ in range(10):  # and someone on the same network guesses links
        assert (await redeem(http, stack, "q" * 43)).status == 404
    assert (await redeem(http, stack, "q" * 43)).status == 429
    assert (await redeem(http, stack, second.secret, second.pin)).status == 200
    assert (await redeem(http, stack, first.secret, first.pin)).status == 200


async def test_one_share_cannot_be_hammered_from_many_addresses(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    created = await create_share(stack)
    statuses = [(await redeem(http, stack, created.secret)).status for _ in range(11)]
    assert statuses == [200] * 10 + [429]
    other = await create_share(stack)
    assert (await redeem(http, stack, other.secret)).status == 200


async def test_the_electrician_asks_for_more_time(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, minutes=60)
    url = "/s/extension-request"
    for bad in ({"minutes": 0}, {"minutes": "30"}, {"minutes": 30, "message": "x" * 201},
                {"minutes": 30, "why": "x"}, {"minutes": 30, "message": 5}):
        resp = await helper.post(url, json=bad)
        assert resp.status == 400, bad
    resp = await http.post(f"{stack.share_url}{url}", json={"minutes": 30})
    assert resp.status == 401
    assert (await resp.json())["error"] == "not_authenticated"
    resp = await helper.post(url, json={"minutes": 30, "message": "Küche fehlt"})
    assert resp.status == 202
    assert (await resp.json())["extension_request"]["minutes"] == 30
    assert (await helper.post(url, json={"minutes": 30, "message": "Küche fehlt"})).status == 202
    resp = await helper.post(url, json={"minutes": 60})
    assert resp.status == 429  # a different request right after: wait a minute
    stack.clock.advance(minutes=1)
    assert (await helper.post(url, json={"minutes": 60})).status == 202
    _, state = await state_of(helper)
    request = state["extension_request"]
    assert isinstance(request, dict)
    assert request == {"minutes": 60, "message": "", "at": "2026-11-27T09:01:00Z",
                       "answer": None}
    log = await stack.runtime.shares.audit_log(helper.created.share.id)
    assert [e.event for e in log].count("extension_requested") == 2
    resp = await helper.post(url, data="minutes=30")
    assert resp.status == 400  # JSON only: no cross-site form


async def test_an_ended_share_takes_no_request(stack: Stack, http: aiohttp.ClientSession) -> None:
    helper = await open_share(http, stack)
    await stack.runtime.shares.revoke(helper.created.share.id, actor="dssadmin")
    resp = await helper.post("/s/extension-request", json={"minutes": 30})
    assert resp.status == 401


async def test_long_polls_of_one_share_are_bounded(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack)
    _, known = await state_of(helper)
    query = f"?wait=20&version={known['version']}"
    held = [asyncio.create_task(state_of(helper, query)) for _ in range(4)]
    await asyncio.sleep(0.2)  # the four reach their wait
    assert not any(task.done() for task in held)
    started = time.monotonic()
    status, _ = await state_of(helper, query)  # a fifth is answered without waiting
    assert status == 200
    assert time.monotonic() - started < 3
    await stack.runtime.shares.extend(
        helper.created.share.id, stack.clock.now() + timedelta(hours=5), actor="dssadmin"
    )
    answers = await asyncio.wait_for(asyncio.gather(*held), 5)
    assert [status for status, _ in answers] == [200] * 4


async def test_an_answer_to_a_replaced_request_changes_nothing_in_the_store(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    """The race behind the owner's seen-check: the electrician replaces the request between the
    service's read and the store's write. The write names the request it answers."""
    helper = await open_share(http, stack, minutes=60)
    share_id = helper.created.share.id
    assert (await helper.post("/s/extension-request", json={"minutes": 15})).status == 202
    seen = (await stack.runtime.shares.get(share_id)).pending_extension
    assert seen is not None
    stack.clock.advance(minutes=1)
    assert (await helper.post("/s/extension-request", json={"minutes": 43200})).status == 202
    before = await stack.runtime.shares.get(share_id)
    entry = AuditEntry(share_id=share_id, at=stack.clock.now(), event=AuditEvent.EXTENDED)
    end = before.expires_at + timedelta(minutes=15)
    store = stack.runtime.store
    assert await store.answer_extension(share_id, ExtensionAnswer.GRANTED, end, entry, seen) is None
    after = await stack.runtime.shares.get(share_id)
    assert after.expires_at == before.expires_at
    assert after.pending_extension is not None
    assert after.pending_extension.minutes == 43200
