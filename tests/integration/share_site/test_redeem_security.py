"""Hardening of redemption: no oracle, PIN brute force, races, link previews, rate limits."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from tests.support.share_site import JSON, create_share, redeem, unusable_secrets
from tests.support.stack import Stack

# Headers that legitimately differ between two otherwise identical answers.
_VARYING = {"Date"}


def _shape(resp: aiohttp.ClientResponse, body: bytes) -> tuple[int, bytes, list[tuple[str, str]]]:
    headers = sorted((k, v) for k, v in resp.headers.items() if k not in _VARYING)
    return resp.status, body, headers


async def _redeem_shape(
    http: aiohttp.ClientSession, stack: Stack, secret: str
) -> tuple[int, bytes, list[tuple[str, str]]]:
    resp = await http.post(f"{stack.share_url}/s/redeem", json={"secret": secret})
    return _shape(resp, await resp.read())


async def test_unknown_expired_revoked_used_up_and_ended_look_the_same(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    unusable, later = await unusable_secrets(http, stack)  # later: still usable
    shapes = [
        await _redeem_shape(http, stack, secret)
        for secret in ("x" * 43, *unusable, "", "a" * 500)
    ]
    assert shapes[0][0] == 404
    assert all(shape == shapes[0] for shape in shapes), shapes
    assert (await redeem(http, stack, later.secret)).status == 200


async def test_preview_answers_unknown_secrets_like_redeem(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    revoked = await create_share(stack)
    await stack.runtime.shares.revoke(revoked.share.id, actor="dssadmin")
    bodies = []
    for secret in ("y" * 43, revoked.secret):
        resp = await http.post(f"{stack.share_url}/s/preview", json={"secret": secret})
        assert resp.status == 404
        bodies.append(await resp.read())
    assert bodies[0] == bodies[1]


async def test_pin_brute_force_locks_the_share(stack: Stack, http: aiohttp.ClientSession) -> None:
    created = await create_share(stack, pin=True)
    assert created.pin is not None
    wrong = "000000" if created.pin != "000000" else "111111"
    statuses = [(await redeem(http, stack, created.secret, wrong)).status for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    resp = await redeem(http, stack, created.secret, created.pin)
    assert resp.status == 429
    assert "dss_share" not in resp.cookies
    share = await stack.runtime.shares.get(created.share.id)
    assert share.redemptions == 0


async def test_missing_pin_costs_no_try(stack: Stack, http: aiohttp.ClientSession) -> None:
    created = await create_share(stack, pin=True)
    assert (await redeem(http, stack, created.secret)).status == 401
    share = await stack.runtime.shares.get(created.share.id)
    assert share.pin_failures == 0
    assert (await redeem(http, stack, created.secret, created.pin)).status == 200


async def test_parallel_redemption_of_a_single_use_share_succeeds_once(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    created = await create_share(stack, max_redemptions=1)
    results = await asyncio.gather(*(redeem(http, stack, created.secret) for _ in range(20)))
    statuses = [r.status for r in results]
    assert statuses.count(200) == 1, statuses
    assert set(statuses) <= {200, 404, 429}
    share = await stack.runtime.shares.get(created.share.id)
    assert share.redemptions == 1


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_link_previews_never_redeem(
    stack: Stack, http: aiohttp.ClientSession, method: str
) -> None:
    created = await create_share(stack, max_redemptions=1)
    for path in ("/s/", f"/s/?{created.secret}", f"/s/?secret={created.secret}", "/s/redeem"):
        resp = await http.request(method, f"{stack.share_url}{path}")
        await resp.read()
        assert resp.status in (200, 405), path
        assert "Set-Cookie" not in resp.headers
    share = await stack.runtime.shares.get(created.share.id)
    assert share.redemptions == 0
    assert (await redeem(http, stack, created.secret)).status == 200


async def test_redeem_attempts_are_rate_limited_per_client(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    url = f"{stack.share_url}/s/redeem"
    statuses = []
    for _ in range(11):
        resp = await http.post(url, json={"secret": "z" * 43})
        statuses.append(resp.status)
    resp = await http.post(url, json={"secret": "z" * 43})
    assert statuses[:10] == [404] * 10
    assert statuses[10:] == [429]
    assert resp.status == 429
    assert (await resp.json())["error"] == "rate_limited"
    assert resp.headers["Retry-After"] == "60"
    stack.clock.advance(seconds=60)
    resp = await http.post(f"{stack.share_url}/s/redeem", json={"secret": "z" * 43})
    assert resp.status == 404


async def test_forwarded_for_is_ignored_from_untrusted_peers(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    # A client cannot dodge the rate limit by claiming other addresses.
    statuses = []
    for i in range(11):
        resp = await http.post(
            f"{stack.share_url}/s/redeem",
            json={"secret": "z" * 43},
            headers={"X-Forwarded-For": f"203.0.113.{i}"},
        )
        statuses.append(resp.status)
    assert statuses[-1] == 429


async def test_redeem_body_is_capped(stack: Stack, http: aiohttp.ClientSession) -> None:
    body = b'{"secret": "' + b"a" * 10_000 + b'"}'
    resp = await http.post(f"{stack.share_url}/s/redeem", data=body, headers=JSON)
    assert resp.status == 400
