"""Helpers for share-site tests: create shares through the service, redeem them over HTTP, send
raw requests, and read what reached the simulator."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import aiohttp
from dss_sim.sim import RecordedCall

from dss_addon.shares.requests import parse_share_request
from dss_addon.shares.service import CreatedShare, Owner
from dss_addon.web.share.dss_request import parse_params
from dss_addon.web.share.keys import SESSION_COOKIE
from tests.support.stack import Stack

JSON = {"Content-Type": "application/json"}


async def create_share(
    stack: Stack,
    *,
    level: str = "operate",
    minutes: int = 240,
    pin: bool = False,
    zones: list[int] | None = None,
    max_redemptions: int | None = None,
    label: str = "Elektro Müller",
) -> CreatedShare:
    body: dict[str, object] = {"label": label, "level": level, "duration_minutes": minutes}
    if pin:
        body["pin"] = True
    if zones is not None:
        body["zones"] = zones
    if max_redemptions is not None:
        body["max_redemptions"] = max_redemptions
    runtime = stack.runtime
    request = parse_share_request(
        body, runtime.clock.now(), max_lifetime=runtime.settings.max_lifetime
    )
    owner = Owner(name="dssadmin", dss_token=stack.sim.login_token())
    return await runtime.shares.create(request, owner)


async def redeem(
    http: aiohttp.ClientSession, stack: Stack, secret: str, pin: str | None = None
) -> aiohttp.ClientResponse:
    payload: dict[str, Any] = {"secret": secret}
    if pin is not None:
        payload["pin"] = pin
    resp = await http.post(f"{stack.share_url}/s/redeem", json=payload)
    await resp.read()
    return resp


@dataclass
class Helper:
    """An electrician's browser: the share cookie, sent explicitly on every request."""

    http: aiohttp.ClientSession
    stack: Stack
    cookie: str
    created: CreatedShare

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": f"{SESSION_COOKIE}={self.cookie}"}

    @property
    def share_id(self) -> str:
        return self.created.share.id

    async def get_ok(self, path: str) -> None:
        """GET a dSS call through the proxy and require that it succeeded (200, ok: true)."""
        resp = await self.get(path)
        body = await resp.json()
        assert resp.status == 200, body
        assert body["ok"] is True, body

    async def get(self, path: str, **kwargs: Any) -> aiohttp.ClientResponse:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> aiohttp.ClientResponse:
        return await self.request("POST", path, **kwargs)

    async def request(self, method: str, path: str, **kwargs: Any) -> aiohttp.ClientResponse:
        headers = {**self.headers, **kwargs.pop("headers", {})}
        resp = await self.http.request(
            method, f"{self.stack.share_url}{path}", headers=headers, **kwargs
        )
        await resp.read()
        return resp


async def open_share(http: aiohttp.ClientSession, stack: Stack, **share_options: Any) -> Helper:
    created = await create_share(stack, **share_options)
    resp = await redeem(http, stack, created.secret, created.pin)
    assert resp.status == 200, await resp.text()
    return Helper(http, stack, resp.cookies[SESSION_COOKIE].value, created)


async def unusable_secrets(
    http: aiohttp.ClientSession, stack: Stack
) -> tuple[list[str], CreatedShare]:
    """The secrets of a revoked, a used-up, an ended ("job done") and an expired share, in that
    order, and a share that is still usable: the clock has moved on 11 minutes."""
    revoked = await create_share(stack)
    await stack.runtime.shares.revoke(revoked.share.id, actor="dssadmin")
    used_up = await create_share(stack, max_redemptions=1)
    assert (await redeem(http, stack, used_up.secret)).status == 200
    ended = await open_share(http, stack)
    assert (await ended.post("/s/done", json={})).status == 200
    expired = await create_share(stack, minutes=10)
    usable = await create_share(stack, minutes=600)
    stack.clock.advance(minutes=11)
    return [revoked.secret, used_up.secret, ended.created.secret, expired.secret], usable


def sim_paths(stack: Stack, since: int = 0) -> list[str]:
    """Paths the simulator received, from call number `since` on (share creation itself makes
    app-token calls: take `since` after open_share)."""
    return [c.path for c in stack.sim.calls[since:]]


def sim_params(call: RecordedCall) -> dict[str, str]:
    """The parameters the simulator read from one call (a non-empty POST body wins, like the dSS),
    whichever way the add-on sends them."""
    raw = call.body if call.method == "POST" and call.body else call.query
    return parse_params(raw)


def sim_calls(stack: Stack, path: str, since: int = 0) -> list[dict[str, str]]:
    """The parameters of every call to `path` the simulator received."""
    return [sim_params(c) for c in stack.sim.calls[since:] if c.path == path]


def sim_traffic(stack: Stack, since: int = 0) -> str:
    """Everything the simulator received, as one text (for "never reached the dSS" checks)."""
    parts: list[str] = []
    for c in stack.sim.calls[since:]:
        parts += [c.method, c.path, c.query, c.body, repr(dict(c.headers)), repr(dict(c.cookies))]
    return "\n".join(parts)


async def raw_request(url: str, request: bytes) -> tuple[int, bytes]:
    """Send bytes exactly as given (no client-side path normalisation); status and body."""
    host, _, port = url.removeprefix("http://").partition(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(request)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout=10)
    finally:
        writer.close()
        await writer.wait_closed()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


def raw_get(path: str, *, headers: str = "") -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: share.example\r\n{headers}Connection: close\r\n\r\n"
    ).encode()
