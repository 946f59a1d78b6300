"""Every mutation needs the CSRF token bound to the caller's credential; a refused request
changes nothing."""

from __future__ import annotations

import aiohttp
import pytest

from tests.support.owner import OwnerClient, dss_login, hidden_csrf, share_of
from tests.support.shares import all_shares
from tests.support.stack import Stack

CREATE = {"label": "Elektro Müller", "level": "view", "duration_minutes": 60}


@pytest.mark.parametrize("csrf", ["", "0" * 64, "not-a-token"])
async def test_create_without_the_right_csrf_token_is_403(
    stack: Stack, owner: OwnerClient, csrf: str
) -> None:
    owner.csrf = csrf
    reply = await owner.post("/api/shares", CREATE)
    assert reply.status == 403
    assert reply.json()["error"] == "csrf"
    assert await all_shares(stack.runtime.shares) == []


async def test_revoke_and_extend_without_csrf_change_nothing(
    stack: Stack, owner: OwnerClient
) -> None:
    share_id = str(share_of(await owner.create())["id"])
    before = await stack.runtime.shares.get(share_id)
    owner.csrf = ""
    assert (await owner.post(f"/api/shares/{share_id}/revoke")).status == 403
    assert (await owner.post(f"/api/shares/{share_id}/extend", {"minutes": 60})).status == 403
    assert await stack.runtime.shares.get(share_id) == before


async def test_a_csrf_token_of_another_session_is_refused(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    other = OwnerClient(http, stack.owner_url, f"token={await dss_login(stack)}")
    other.csrf = owner.csrf  # valid, but bound to the first session
    assert (await other.post("/api/shares", CREATE)).status == 403
    assert await all_shares(stack.runtime.shares) == []


async def test_logout_needs_csrf(stack: Stack, http: aiohttp.ClientSession) -> None:
    client = OwnerClient(http, stack.owner_url, "")
    reply = await client.post("/api/session", {"password": "dssadmin"})
    cookie = reply.cookie("dss_share_owner")
    assert cookie is not None
    client.cookie = cookie.split(";")[0]
    resp = await http.delete(stack.owner_url + "/api/session", headers=client.headers())
    assert resp.status == 403
    assert (await client.get("/api/session")).status == 200


async def test_page_forms_need_the_hidden_csrf_field(
    stack: Stack, owner: OwnerClient
) -> None:
    form = {"label": "x", "level": "view", "duration": "60"}
    owner.csrf = ""
    assert (await owner.post_form("/new", form)).status == 403
    assert (await owner.post_form("/new", {**form, "csrf": "f" * 64})).status == 403
    assert await all_shares(stack.runtime.shares) == []
    page = await owner.get("/new")
    reply = await owner.post_form("/new", {**form, "csrf": hidden_csrf(page.text)})
    assert reply.status == 200
    assert len(await all_shares(stack.runtime.shares)) == 1


async def test_page_csrf_failure_is_explained_in_german(
    stack: Stack, owner: OwnerClient
) -> None:
    owner.csrf = ""
    reply = await owner.post_form("/new", {"label": "x"})
    assert reply.status == 403
    assert "text/html" in reply.headers["Content-Type"]
    assert "Sicherheitsprüfung" in reply.text
