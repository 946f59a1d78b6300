"""Notifications to the homeowner (issue 11): one test per trigger, the owner's choice per
share, and the dSS event that the dSS's mail function can send on (judged at the simulator)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import aiohttp
from dss_sim.effects import EffectKind

from dss_addon.notifications.model import Kind
from dss_addon.notifications.service import DSS_EVENT, Notifier
from dss_addon.settings import Settings
from tests.support.owner import OwnerClient, hidden_csrf
from tests.support.share_site import create_share, open_share, redeem, sim_paths
from tests.support.stack import Stack, running_stack

KEYS = {"id", "at", "share_id", "kind", "text", "read"}


async def _notifications(owner: OwnerClient) -> list[dict[str, object]]:
    reply = await owner.get("/api/notifications")
    assert reply.status == 200, reply.text
    items = reply.json()["notifications"]
    assert isinstance(items, list)
    return items


def _kinds(items: list[dict[str, object]], share_id: str) -> list[object]:
    return [n["kind"] for n in items if n["share_id"] == share_id]


def _raised(stack: Stack) -> list[str]:
    return [e.detail for e in stack.sim.effects.items if e.kind is EffectKind.RAISE]


async def test_first_use_is_told_once_and_raised_at_the_dss(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view", max_redemptions=3)
    share_id = helper.created.share.id
    assert (await redeem(http, stack, helper.created.secret)).status == 200
    items = await _notifications(owner)
    assert _kinds(items, share_id) == ["first_use"]
    (first,) = items
    assert set(first) >= KEYS
    assert first["read"] is False
    assert "Elektro Müller" in str(first["text"])
    # Raised in the share's own dSS session, which a notification never logs in: in the
    # background once the share's first call opened it (never under that call's deadline).
    assert DSS_EVENT not in _raised(stack)
    assert not stack.runtime.upstream.has_session(share_id)
    assert (await helper.get("/json/apartment/getName")).status == 200
    await stack.runtime.upstream.announced()
    assert _raised(stack).count(DSS_EVENT) == 1
    event = next(e for e in stack.sim.event_history if e.name == DSS_EVENT)
    assert event.properties["kind"] == "first_use"
    assert event.properties["share"] == share_id
    assert "Elektro Müller" in event.properties["subject"]
    # The mail's recipients are the subscription's, never the event's.
    assert not {"to", "cc", "bcc", "from", "header"} & set(event.properties)


async def test_locked_by_wrong_pins(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    created = await create_share(stack, pin=True)
    wrong = "000000" if created.pin != "000000" else "111111"
    for _ in range(5):
        await redeem(http, stack, created.secret, wrong)
    assert _kinds(await _notifications(owner), created.share.id) == ["locked"]


async def test_a_locked_share_in_use_is_raised_in_its_open_session_only(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view", pin=True)
    assert (await helper.get("/json/apartment/getName")).status == 200  # its session is open
    logins = sim_paths(stack).count("/json/system/loginApplication")
    wrong = "000000" if helper.created.pin != "000000" else "111111"
    for _ in range(5):
        await redeem(http, stack, helper.created.secret, wrong)
    kinds = _kinds(await _notifications(owner), helper.created.share.id)
    assert sorted(map(str, kinds)) == ["first_use", "locked"]
    told = [e.properties["kind"] for e in stack.sim.event_history if e.name == DSS_EVENT]
    assert told == ["first_use", "locked"]
    assert sim_paths(stack).count("/json/system/loginApplication") == logins


async def test_a_locked_share_is_not_told_as_ending_soon(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    created = await create_share(stack, minutes=180, pin=True)
    wrong = "000000" if created.pin != "000000" else "111111"
    for _ in range(5):
        await redeem(http, stack, created.secret, wrong)
    stack.clock.advance(hours=2, seconds=1)
    assert _kinds(await _notifications(owner), created.share.id) == ["locked"]
    assert not stack.runtime.upstream.has_session(created.share.id)


async def test_job_done(stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession) -> None:
    helper = await open_share(http, stack, level="view")
    assert (await helper.get("/json/apartment/getName")).status == 200  # opens its session
    assert (await helper.post("/s/done", json={})).status == 200
    kinds = _kinds(await _notifications(owner), helper.created.share.id)
    assert sorted(map(str, kinds)) == ["done", "first_use"]
    # Raised in the share's session before its app token is given back.
    told = [e.properties["kind"] for e in stack.sim.event_history if e.name == DSS_EVENT]
    assert told == ["first_use", "done"]


async def test_extension_request(stack: Stack, owner: OwnerClient) -> None:
    # The share service tells its observers; the electrician's request endpoint calls this.
    created = await create_share(stack)
    await stack.runtime.shares.tell(created.share.id, "extension_request")
    await stack.runtime.shares.tell(created.share.id, "extension_request")
    kinds = _kinds(await _notifications(owner), created.share.id)
    assert kinds == ["extension_request", "extension_request"]  # may repeat


async def test_ending_in_one_hour(stack: Stack, owner: OwnerClient) -> None:
    created = await create_share(stack, minutes=180)
    assert _kinds(await _notifications(owner), created.share.id) == []
    stack.clock.advance(hours=2, seconds=1)
    assert _kinds(await _notifications(owner), created.share.id) == ["ending_soon"]
    assert _kinds(await _notifications(owner), created.share.id) == ["ending_soon"]  # once
    stack.clock.advance(hours=1)
    assert _kinds(await _notifications(owner), created.share.id) == ["ending_soon"]


async def test_the_owner_chooses_per_share(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    created = await create_share(stack)
    path = f"/api/shares/{created.share.id}/notifications"
    assert set(map(str, (await owner.get(path)).json()["kinds"])) >= {"first_use", "done"}  # type: ignore[call-overload]
    reply = await owner.post(path, {"kinds": ["done"]})
    assert reply.status == 200, reply.text
    assert reply.json()["kinds"] == ["done"]
    assert (await owner.post(path, {"kinds": ["nonsense"]})).status == 400
    assert (await redeem(http, stack, created.secret)).status == 200
    assert _kinds(await _notifications(owner), created.share.id) == []
    assert DSS_EVENT not in _raised(stack)


async def test_mark_read_needs_csrf_and_sticks(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    await open_share(http, stack, level="view")
    (item,) = await _notifications(owner)
    csrf, owner.csrf = owner.csrf, ""
    assert (await owner.post(f"/api/notifications/{item['id']}/read")).status == 403
    owner.csrf = csrf
    assert (await owner.post(f"/api/notifications/{item['id']}/read")).status == 200
    assert (await owner.post("/api/notifications/999999/read")).status == 404
    (item,) = await _notifications(owner)
    assert item["read"] is True


async def test_the_tab_shows_a_badge_and_the_list(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    await open_share(http, stack, level="view")
    page = await owner.get("/")
    assert page.status == 200
    assert 'id="notifications-badge"' in page.text
    assert '<span class="badge count">1</span>' in page.text
    listing = await owner.get("/notifications")
    assert listing.status == 200
    assert "zum ersten Mal geöffnet" in listing.text


async def test_a_share_cannot_raise_the_notification_event(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    # Even when the owner allows the add-on's prefix: a sendmail subscription would take `to`
    # from the raised event.
    def allow_prefix(settings: Settings) -> Settings:
        return replace(settings, raise_allowed=frozenset({"dss-share*"}))

    async with running_stack(tmp_path, configure=allow_prefix) as stack:
        helper = await open_share(http, stack, level="configure")
        # Its first call opens its session and raises the first-use event the add-on kept.
        assert (await helper.get("/json/apartment/getName")).status == 200
        await stack.runtime.upstream.announced()
        mark = stack.sim.effects.mark()
        resp = await helper.get(f"/json/event/raise?name={DSS_EVENT}&parameter=to%3Dx%40y.z")
        assert resp.status == 403
        resp = await helper.get("/json/event/raise?name=dss-share.other")
        assert resp.status == 200
        raised = [e.detail for e in stack.sim.effects.since(mark) if e.kind is EffectKind.RAISE]
        assert raised == ["dss-share.other"]


async def test_the_choice_per_share_is_a_form_too(stack: Stack, owner: OwnerClient) -> None:
    created = await create_share(stack)
    path = f"/shares/{created.share.id}/notifications"
    form = await owner.get(path)
    assert form.status == 200
    assert form.text.count('name="kinds"') == 5
    saved = await owner.post_form(
        path, {"csrf": hidden_csrf(form.text), "kinds": ["locked", "ending_soon"]}
    )
    assert saved.status == 303
    kinds = (await owner.get(f"/api/shares/{created.share.id}/notifications")).json()["kinds"]
    assert kinds == ["ending_soon", "locked"]


async def test_events_of_a_share_that_can_never_log_in_again_are_dropped(
    stack: Stack, owner: OwnerClient
) -> None:
    """Found by the soak: events waiting for a revoked share's session were tried again and
    again (its app token is gone, so no brief session opens) and held memory for good."""
    notifier = Notifier(stack.runtime)
    revoked = [await create_share(stack) for _ in range(3)]
    alive = await create_share(stack)
    for created in (*revoked, alive):
        assert await notifier.notify(created.share.id, Kind.FIRST_USE) is not None
    assert len(notifier.waiting()) == 4
    for created in revoked:
        assert (await owner.post(f"/api/shares/{created.share.id}/revoke")).status == 200
    logins = sim_paths(stack).count("/json/system/loginApplication")
    # One pass drops every revoked share's events (no login tried for them) and raises the
    # live share's in a brief session.
    await notifier.flush_waiting()
    assert notifier.waiting() == {}
    assert sim_paths(stack).count("/json/system/loginApplication") == logins + 1
    told = [e.properties["share"] for e in stack.sim.event_history if e.name == DSS_EVENT]
    assert told == [alive.share.id]
    # The tab keeps every row.
    items = await _notifications(owner)
    assert all(_kinds(items, created.share.id) == ["first_use"] for created in revoked)
