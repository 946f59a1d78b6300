"""Cross-site attacks on the owner API: simple (preflight-free) requests a foreign page can send
with the homeowner's cookie attached must change nothing, and nothing is readable cross-origin."""

from __future__ import annotations

import json

import pytest

from tests.support.owner import OwnerClient
from tests.support.shares import all_shares
from tests.support.stack import Stack

SIMPLE_TYPES = (
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
)
EVIL = "https://evil.example"


async def _send(
    owner: OwnerClient, path: str, body: str, content_type: str, csrf: str | None
) -> int:
    headers = {"Cookie": owner.cookie, "Content-Type": content_type, "Origin": EVIL}
    if csrf is not None:
        headers["X-CSRF-Token"] = csrf
    async with owner.http.post(owner.base + path, data=body, headers=headers) as resp:
        await resp.read()
        assert "Access-Control-Allow-Origin" not in resp.headers
        return resp.status


@pytest.mark.parametrize("content_type", SIMPLE_TYPES)
async def test_simple_cross_site_posts_change_nothing(
    stack: Stack, owner: OwnerClient, content_type: str
) -> None:
    created = await owner.create()
    share = created["share"]
    assert isinstance(share, dict)
    share_id = share["id"]
    before = await all_shares(stack.runtime.shares)
    create_body = json.dumps({"label": "Evil", "level": "configure", "duration_minutes": 60})
    for csrf in (None, "", "0" * 64):
        assert await _send(owner, "/api/shares", create_body, content_type, csrf) in (400, 403)
        status = await _send(owner, f"/api/shares/{share_id}/revoke", "", content_type, csrf)
        assert status in (400, 403)
        extend = json.dumps({"minutes": 60 * 24 * 20})
        status = await _send(owner, f"/api/shares/{share_id}/extend", extend, content_type, csrf)
        assert status in (400, 403)
    # Even with the right token, a non-JSON body is refused (and nothing changes).
    for path, body in (("/api/shares", create_body), (f"/api/shares/{share_id}/extend", "{}")):
        assert await _send(owner, path, body, content_type, owner.csrf) == 400
    assert await all_shares(stack.runtime.shares) == before


async def test_owner_answers_are_not_readable_cross_origin(
    stack: Stack, owner: OwnerClient
) -> None:
    for path in ("/api/session", "/api/shares", "/"):
        for method in ("GET", "OPTIONS"):
            async with owner.http.request(
                method,
                owner.base + path,
                headers={
                    "Cookie": owner.cookie,
                    "Origin": EVIL,
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "x-csrf-token, content-type",
                },
            ) as resp:
                await resp.read()
                assert not any(h.lower().startswith("access-control-") for h in resp.headers)


async def test_owner_pages_cannot_be_framed_by_the_share_site(
    stack: Stack, owner: OwnerClient
) -> None:
    reply = await owner.get("/")
    csp = reply.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors 'self'" in csp
    assert stack.share_url not in csp


async def test_share_links_ignore_host_and_forwarding_headers(
    stack: Stack, owner: OwnerClient
) -> None:
    headers = {
        "Cookie": owner.cookie,
        "X-CSRF-Token": owner.csrf,
        "Host": "evil.example",
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Proto": "http",
        "Forwarded": "host=evil.example",
    }
    body = {"label": "Elektro Müller", "level": "view", "duration_minutes": 60}
    async with owner.http.post(owner.base + "/api/shares", json=body, headers=headers) as resp:
        assert resp.status == 201
        link = (await resp.json())["link"]
    assert "evil.example" not in link
    assert link.startswith(stack.share_url + "/s/#")


async def test_secret_and_pin_are_shown_once_only(stack: Stack, owner: OwnerClient) -> None:
    created = await owner.create(pin=True)
    link, pin = created["link"], created["pin"]
    assert isinstance(link, str)
    assert isinstance(pin, str)
    secret = link.rpartition("#")[2]
    share = created["share"]
    assert isinstance(share, dict)
    share_id = share["id"]
    seen = []
    for path in (
        "/api/shares",
        f"/api/shares/{share_id}",
        f"/api/shares/{share_id}/audit",
        f"/api/shares/{share_id}/audit?format=csv",
        "/",
        f"/shares/{share_id}",
    ):
        reply = await owner.get(path)
        assert reply.status == 200, path
        seen.append(reply.text + repr(dict(reply.headers)))
    assert not [s for s in seen if secret in s]
    assert not [s for s in seen if f'"{pin}"' in s or f">{pin}<" in s]
