"""Owner recovery actions (issue 10, item 5 and 10): unlock with a new PIN, re-issue a new link,
archive a share that is over, answer a request for more time. DESIGN.md §4, second wave."""

from __future__ import annotations

import re
import sqlite3
from datetime import UTC, datetime

import aiohttp
import pytest

from dss_addon.web.share.keys import SESSION_COOKIE
from tests.support.owner import OwnerClient, read, share_of
from tests.support.stack import Stack

WRONG = "000000"


def secret_of(body: dict[str, object]) -> str:
    return str(body["link"]).split("#", 1)[1]


async def redeem(
    http: aiohttp.ClientSession, stack: Stack, secret: str, pin: str | None = None
) -> tuple[int, dict[str, object], str | None]:
    payload: dict[str, object] = {"secret": secret}
    if pin is not None:
        payload["pin"] = pin
    async with http.post(f"{stack.share_url}/s/redeem", json=payload) as resp:
        cookie = resp.cookies.get(SESSION_COOKIE)
        return resp.status, await resp.json(), None if cookie is None else cookie.value


async def lock(http: aiohttp.ClientSession, stack: Stack, body: dict[str, object]) -> None:
    wrong = WRONG if body["pin"] != WRONG else "111111"
    for _ in range(5):
        await redeem(http, stack, secret_of(body), wrong)


async def audit_events(owner: OwnerClient, share_id: object) -> list[object]:
    reply = await owner.get(f"/api/shares/{share_id}/audit")
    entries = reply.json()["audit"]
    assert isinstance(entries, list)
    return [entry["event"] for entry in reversed(entries)]  # the API pages newest first


async def test_unlock_gives_a_new_pin_and_resets_the_failures(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    body = await owner.create(pin=True)
    share_id = share_of(body)["id"]
    await lock(http, stack, body)
    assert share_of((await owner.get(f"/api/shares/{share_id}")).json())["state"] == "locked"
    reply = await owner.post(f"/api/shares/{share_id}/unlock")
    assert reply.status == 200, reply.text
    new_pin = str(reply.json()["pin"])
    assert re.fullmatch(r"\d{6}", new_pin)
    assert share_of(reply.json())["state"] == "active"
    # The old PIN is gone with the lock; the new one opens the same link.
    if new_pin != body["pin"]:
        status, _, _ = await redeem(http, stack, secret_of(body), str(body["pin"]))
        assert status == 401
    status, _, cookie = await redeem(http, stack, secret_of(body), new_pin)
    assert status == 200
    assert cookie
    assert "unlocked" in await audit_events(owner, share_id)


async def test_unlock_of_a_share_that_is_not_locked_is_a_conflict(owner: OwnerClient) -> None:
    body = await owner.create(pin=True)
    reply = await owner.post(f"/api/shares/{share_of(body)['id']}/unlock")
    assert reply.status == 409
    assert reply.json()["error"] == "conflict"
    assert (await owner.post("/api/shares/nope/unlock")).status == 404


async def test_reissue_makes_a_new_share_and_ends_the_old_one_at_once(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    body = await owner.create(pin=True, level="view", zones=[989], max_redemptions=1,
                              duration_minutes=120)
    old = share_of(body)
    status, _, cookie = await redeem(http, stack, secret_of(body), str(body["pin"]))
    assert status == 200
    stack.clock.advance(minutes=30)
    reply = await owner.post(f"/api/shares/{old['id']}/reissue")
    assert reply.status == 201, reply.text
    new = share_of(reply.json())
    assert new["id"] != old["id"]
    for key in ("label", "level", "zones", "has_pin", "max_redemptions"):
        assert new[key] == old[key], key
    assert new["state"] == "active"
    assert new["predecessor_id"] == old["id"]
    assert new["time_left_seconds"] == 120 * 60  # the same length, from now
    assert re.fullmatch(r"\d{6}", str(reply.json()["pin"]))
    # The old session and link are dead; the new link works with the new PIN.
    resp = await read(await http.get(f"{stack.share_url}/json/apartment/getName",
                                     headers={"Cookie": f"{SESSION_COOKIE}={cookie}"}))
    assert resp.status == 401
    assert (await redeem(http, stack, secret_of(body), str(body["pin"])))[0] == 404
    assert (await redeem(http, stack, secret_of(reply.json()), str(reply.json()["pin"])))[0] == 200
    assert share_of((await owner.get(f"/api/shares/{old['id']}")).json())["state"] == "revoked"
    assert "reissued" in await audit_events(owner, old["id"])
    assert await audit_events(owner, new["id"]) == ["created", "opened"]


async def test_reissue_of_a_locked_share_is_the_other_way_out(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    body = await owner.create(pin=True)
    await lock(http, stack, body)
    reply = await owner.post(f"/api/shares/{share_of(body)['id']}/reissue")
    assert reply.status == 201
    assert share_of(reply.json())["state"] == "active"


async def test_reissue_needs_the_csrf_header(owner: OwnerClient) -> None:
    body = await owner.create()
    owner.csrf = ""
    for action in ("reissue", "unlock", "archive", "extension-request/grant"):
        reply = await owner.post(f"/api/shares/{share_of(body)['id']}/{action}")
        assert reply.status == 403, action


async def test_archive_hides_a_share_that_is_over_and_keeps_its_audit(
    stack: Stack, owner: OwnerClient
) -> None:
    live = share_of(await owner.create())
    over = share_of(await owner.create())
    await owner.post(f"/api/shares/{over['id']}/revoke")
    expired = share_of(await owner.create(duration_minutes=10))
    reply = await owner.post(f"/api/shares/{live['id']}/archive")
    assert reply.status == 409
    assert reply.json()["error"] == "conflict"
    assert (await owner.post(f"/api/shares/{expired['id']}/archive")).status == 409
    stack.clock.advance(minutes=10)
    for share in (over, expired):
        reply = await owner.post(f"/api/shares/{share['id']}/archive")
        assert reply.status == 200, reply.text
        assert share_of(reply.json())["archived_at"] is not None
    assert (await owner.post(f"/api/shares/{over['id']}/archive")).status == 200  # idempotent
    listed = (await owner.get("/api/shares")).json()["shares"]
    assert isinstance(listed, list)
    assert [s["id"] for s in listed] == [live["id"]]
    archived = (await owner.get("/api/shares?archived=1")).json()["shares"]
    assert isinstance(archived, list)
    assert {s["id"] for s in archived} == {over["id"], expired["id"]}
    assert (await owner.get(f"/api/shares/{over['id']}")).status == 200
    assert await audit_events(owner, over["id"]) == ["created", "revoked", "archived"]


async def test_an_expired_share_shows_no_live_session(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    body = await owner.create(duration_minutes=10)
    assert (await redeem(http, stack, secret_of(body)))[0] == 200
    share_id = share_of(body)["id"]
    assert share_of((await owner.get(f"/api/shares/{share_id}")).json())["live_sessions"] == 1
    stack.clock.advance(minutes=10)
    share = share_of((await owner.get(f"/api/shares/{share_id}")).json())
    assert share["state"] == "expired"
    assert share["live_sessions"] == 0


async def test_a_scheduled_share_tells_the_owner_when_it_starts(
    stack: Stack, owner: OwnerClient
) -> None:
    starts = stack.clock.now().replace(microsecond=0).timestamp() + 3 * 3600
    body = await owner.create(
        duration_minutes=60, starts_at=datetime.fromtimestamp(starts, UTC).isoformat()
    )
    share = share_of(body)
    assert share["state"] == "scheduled"
    assert share["starts_in_seconds"] == 3 * 3600


@pytest.mark.parametrize("grant", [True, False])
async def test_the_owner_answers_a_request_for_more_time(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession, grant: bool
) -> None:
    body = await owner.create(duration_minutes=60)
    share_id = share_of(body)["id"]
    _, _, cookie = await redeem(http, stack, secret_of(body))
    headers = {"Cookie": f"{SESSION_COOKIE}={cookie}"}
    stack.clock.advance(minutes=25)  # within the session's idle timeout
    ask = await read(await http.post(f"{stack.share_url}/s/extension-request", headers=headers,
                                     json={"minutes": 30, "message": "Noch  die Küche\n"}))
    assert ask.status == 202, ask.text
    share = share_of((await owner.get(f"/api/shares/{share_id}")).json())
    request = share["extension_request"]
    assert isinstance(request, dict)
    assert request["minutes"] == 30
    assert request["message"] == "Noch die Küche"
    assert request["at"] == "2026-11-27T09:25:00Z"
    # The tab's script asks for the open requests alone, whatever page the share is on.
    assert (await owner.get("/api/shares?limit=1")).json()["requested"] == [share_id]
    answer = "grant" if grant else "decline"
    # A grant names the request the owner saw (its minutes, and when it was made).
    seen = {"minutes": 30, "at": request["at"]}
    reply = await owner.post(f"/api/shares/{share_id}/extension-request/{answer}", seen)
    assert reply.status == 200, reply.text
    assert (await owner.get("/api/shares")).json()["requested"] == []
    share = share_of(reply.json())
    assert share["extension_request"] is None
    assert share["time_left_seconds"] == (65 if grant else 35) * 60
    again = await owner.post(f"/api/shares/{share_id}/extension-request/{answer}", seen)
    assert again.status == 409
    events = await audit_events(owner, share_id)
    assert events[-2:] == ["extension_requested", "extended" if grant else "extension_declined"]
    state = await read(await http.get(f"{stack.share_url}/s/state", headers=headers))
    assert state.json()["extension_request"]["answer"] == ("granted" if grant else "declined")  # type: ignore[index]


async def test_no_request_means_nothing_to_answer(owner: OwnerClient) -> None:
    body = await owner.create()
    share = share_of(body)
    assert share["extension_request"] is None
    reply = await owner.post(f"/api/shares/{share['id']}/extension-request/grant", {"minutes": 30})
    assert reply.status == 409
    assert (await owner.post(f"/api/shares/{share['id']}/extension-request/maybe")).status == 404


async def test_a_reissue_the_disk_refuses_still_kills_the_old_link(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The revocation guarantee holds for a re-issue too: the old share is revoked in memory
    first; if the write fails, the owner gets an error, the old link stays dead and the
    revocation is written as soon as the disk takes it."""
    body = await owner.create()
    share_id = share_of(body)["id"]
    _, _, cookie = await redeem(http, stack, secret_of(body))
    conn = stack.runtime.store._conn
    commit, changes = conn.commit, conn.total_changes

    async def refuse() -> None:
        nonlocal changes
        if conn.total_changes != changes:
            changes = conn.total_changes
            err = sqlite3.OperationalError("database or disk is full")
            err.sqlite_errorcode = 13  # SQLITE_FULL
            raise err
        await commit()

    monkeypatch.setattr(conn, "commit", refuse)
    reply = await owner.post(f"/api/shares/{share_id}/reissue")
    assert reply.status == 507, reply.text
    resp = await read(await http.get(f"{stack.share_url}/json/apartment/getName",
                                     headers={"Cookie": f"{SESSION_COOKIE}={cookie}"}))
    assert resp.status == 401
    assert (await redeem(http, stack, secret_of(body)))[0] == 404
    assert stack.runtime.shares.revocation_unsaved(str(share_id))
    monkeypatch.setattr(conn, "commit", commit)
    assert await stack.runtime.shares.persist_revocations()
    assert share_of((await owner.get(f"/api/shares/{share_id}")).json())["state"] == "revoked"
    listed = (await owner.get("/api/shares")).json()["shares"]
    assert isinstance(listed, list)
    assert [s["id"] for s in listed] == [share_id]  # no half-made new share
