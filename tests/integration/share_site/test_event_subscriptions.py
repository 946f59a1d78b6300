"""Standing event subscriptions of a share on the dSS: capped per share session and per share,
freed by unsubscribe, unsubscribed when abandoned or when the share ends (judged at the
simulator, which keeps them per dSS session like the dSS)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp

from dss_addon.shares.audit import AuditEvent
from dss_addon.web.share.event_subscriptions import (
    ABANDONED_AFTER,
    MAX_IDS_PER_SESSION,
    MAX_IDS_PER_SHARE,
    SWEEP_INTERVAL,
)
from tests.support.share_site import Helper, open_share
from tests.support.stack import Stack

ZONE = 989


def _standing(stack: Stack) -> int:
    return sum(len(per_session) for per_session in stack.sim.events.subscriptions.values())


async def _subscribe(helper: Helper, sub_id: str, name: str = "callScene") -> int:
    resp = await helper.get(f"/json/event/subscribe?name={name}&subscriptionID={sub_id}")
    return resp.status


async def _second_session(http: aiohttp.ClientSession, stack: Stack, first: Helper) -> Helper:
    resp = await http.post(f"{stack.share_url}/s/redeem", json={"secret": first.created.secret})
    assert resp.status == 200
    return Helper(http, stack, resp.cookies["dss_share"].value, first.created)


async def _until(condition: Callable[[], bool], what: str) -> None:
    """Until a background clean-up got there (no fixed sleep on a busy machine)."""
    for _ in range(250):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(what)


async def test_a_session_holds_at_most_its_cap_and_the_refusal_is_audited(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    for i in range(MAX_IDS_PER_SESSION):
        assert await _subscribe(helper, str(i)) == 200
    resp = await helper.get("/json/event/subscribe?name=callScene&subscriptionID=99")
    assert resp.status == 403
    body = await resp.json()
    assert body["ok"] is False
    assert "Too many event subscriptions in this session" in body["message"]
    assert _standing(stack) == MAX_IDS_PER_SESSION
    await stack.runtime.store.flush()
    denied = [
        e
        for e in await stack.runtime.shares.audit_log(helper.created.share.id)
        if e.event == AuditEvent.DENIED
    ]
    assert [e.call for e in denied] == ["event/subscribe"]
    assert "Too many event subscriptions" in denied[0].reason


async def test_resubscribing_a_standing_id_with_another_name_counts_once(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    for i in range(MAX_IDS_PER_SESSION):
        assert await _subscribe(helper, str(i)) == 200
    # The dSS adds the name to the same id (Session::subscribeEventSubscription).
    assert await _subscribe(helper, "0", "buttonClick") == 200
    assert await _subscribe(helper, "0", "undoScene") == 200
    assert _standing(stack) == MAX_IDS_PER_SESSION


async def test_a_share_holds_at_most_its_cap_across_its_sessions(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    first = await open_share(http, stack, level="view", max_redemptions=3)
    second = await _second_session(http, stack, first)
    third = await _second_session(http, stack, first)
    for helper in (first, second):
        for i in range(MAX_IDS_PER_SHARE // 2):
            assert await _subscribe(helper, str(i)) == 200
    resp = await third.get("/json/event/subscribe?name=callScene&subscriptionID=1")
    assert resp.status == 403
    assert "Too many event subscriptions for this share" in (await resp.json())["message"]
    assert _standing(stack) == MAX_IDS_PER_SHARE


async def test_unsubscribe_frees_the_id(stack: Stack, http: aiohttp.ClientSession) -> None:
    helper = await open_share(http, stack, level="view")
    for i in range(MAX_IDS_PER_SESSION):
        assert await _subscribe(helper, str(i)) == 200
    assert await _subscribe(helper, "new") == 403
    resp = await helper.get("/json/event/unsubscribe?name=callScene&subscriptionID=3")
    assert await resp.json() == {"ok": True}
    assert await _subscribe(helper, "new") == 200
    assert _standing(stack) == MAX_IDS_PER_SESSION


async def test_abandoned_ids_make_room_but_polled_ones_stay(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    for i in range(MAX_IDS_PER_SESSION):
        assert await _subscribe(helper, str(i)) == 200
    stack.clock.advance(ABANDONED_AFTER - 10)
    # A page that is still open keeps polling its id.
    assert (await helper.get("/json/event/get?subscriptionID=0&timeout=-1")).status == 200
    stack.clock.advance(20)
    # The other ids were neither subscribed nor polled since: a reloaded page's leftovers.
    assert await _subscribe(helper, "reloaded") == 200

    def standing_ids() -> set[str]:
        per_dss_session = stack.sim.events.subscriptions.values()
        return {i.rsplit("-", 1)[1] for ids in per_dss_session for i in ids}

    # Unsubscribed by the subscribe itself or by the clean-up it started in the background.
    await _until(lambda: standing_ids() == {"0", "reloaded"}, "abandoned ids still stand")


async def test_revocation_leaves_no_subscription_on_the_dss(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    other = await open_share(http, stack, level="view")
    assert await _subscribe(other, "1") == 200
    helper = await open_share(http, stack, level="view")
    for i in range(3):
        assert await _subscribe(helper, str(i)) == 200
    assert _standing(stack) == 4
    await stack.runtime.shares.revoke(helper.created.share.id, actor="owner")
    assert _standing(stack) == 1  # the other share's subscription stays


async def test_the_end_by_the_helper_leaves_no_subscription_on_the_dss(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    assert await _subscribe(helper, "1") == 200
    resp = await helper.post("/s/done", json={})
    assert resp.status == 200, await resp.text()
    await stack.runtime.shares.releases.done()  # its session goes with the app token's release
    assert _standing(stack) == 0


async def test_an_expired_share_is_unsubscribed_by_the_next_clean_up(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view", minutes=5)
    for i in range(3):
        assert await _subscribe(helper, str(i)) == 200
    other = await open_share(http, stack, level="view", minutes=60)
    assert await _subscribe(other, "1") == 200
    stack.clock.advance(minutes=3)
    assert (await other.get("/json/event/get?subscriptionID=1&timeout=-1")).status == 200
    stack.clock.advance(minutes=3)  # the first share expired; its dSS session is still open
    assert stack.runtime.upstream.has_session(helper.created.share.id)
    # Any share request starts the clean-up in the background (at most every SWEEP_INTERVAL).
    assert SWEEP_INTERVAL < 3 * 60
    await other.get("/json/apartment/getName")
    await _until(lambda: _standing(stack) == 1, "the expired share's ids were not unsubscribed")
    assert (await other.get("/json/event/get?subscriptionID=1&timeout=-1")).status == 200


async def test_a_logout_of_the_shares_dss_session_keeps_its_ids_for_the_next_one(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    for i in range(MAX_IDS_PER_SESSION):
        assert await _subscribe(helper, str(i)) == 200
    await stack.runtime.upstream.close_share(helper.created.share.id)
    assert _standing(stack) == 0  # the dSS dropped them with the session
    # Still counted (issue 8: subscribed again before their next poll, see
    # tests/faults/test_dss_sessions.py); a page subscribing again re-uses its ids.
    for i in range(MAX_IDS_PER_SESSION):
        assert await _subscribe(helper, str(i)) == 200
    assert _standing(stack) == MAX_IDS_PER_SESSION


async def test_the_overview_page_keeps_receiving_events(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    """What share-app.js does: one id per page load, polled again and again; the page is
    reloaded now and then over a long job."""
    helper = await open_share(http, stack, level="operate", minutes=600)
    for load in range(3 * MAX_IDS_PER_SESSION):
        sub_id = str(1000 + load)
        assert await _subscribe(helper, sub_id) == 200
        await helper.get(f"/json/zone/callScene?id={ZONE}&groupID=1&sceneNumber=5")
        resp = await helper.get(f"/json/event/get?subscriptionID={sub_id}&timeout=2000")
        body = await resp.json()
        assert body["ok"] is True
        assert [e["properties"]["sceneID"] for e in body["result"]["events"]] == ["5"]
        stack.clock.advance(minutes=1)  # a reload a minute
    assert _standing(stack) <= MAX_IDS_PER_SESSION
