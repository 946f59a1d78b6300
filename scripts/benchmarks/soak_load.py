"""The soak's mixed load, through the public contracts only: the homeowner creates, extends,
lists and revokes shares on the owner site; electricians redeem them (some with a wrong PIN
first), call the proxied JSON API, long-poll events and sometimes press "job done"; shares
run out on the add-on's accelerated clock. Every answer is counted by kind and status."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from scripts.benchmarks.client import REQUEST_TIMEOUT_S, cookie_header

# Shares alive at once: each redeemed share holds a dSS session of its own while in use, and
# the dSS has 30 (dss-api.md §1); the owner and the add-on's other sessions need some too.
MAX_LIVE_SHARES = 8
ELECTRICIANS = 3
OWNER_PAUSE_S = 1.5  # between two owner actions
CALLS_PER_VISIT = 12  # proxied calls per redeemed session
WRONG_PIN = "000000"


@dataclass
class LiveShare:
    id: str
    secret: str
    pin: str | None


@dataclass
class Load:
    owner_url: str
    share_url: str
    password: str
    rng: random.Random
    shares: list[LiveShare] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)  # "kind status" -> answers
    errors: Counter[str] = field(default_factory=Counter)  # transport errors by kind

    def count(self, kind: str, status: int) -> None:
        self.counts[f"{kind} {status}"] += 1

    @property
    def requests(self) -> int:
        return sum(self.counts.values())


def new_session(address: str | None = None) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(
        limit=8, local_addr=(address, 0) if address else None, keepalive_timeout=30
    )
    return aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
    )


async def _call(
    load: Load,
    client: aiohttp.ClientSession,
    kind: str,
    method: str,
    url: str,
    **kwargs: Any,
) -> tuple[int, object, str]:
    """(status, JSON body or None, cookie set); status 0 for a transport error."""
    try:
        async with client.request(method, url, **kwargs) as response:
            text = await response.text()
            cookie = cookie_header(response)
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as err:
        load.errors[f"{kind}: {type(err).__name__}"] += 1
        return 0, None, ""
    load.count(kind, status)
    body: object = None
    with contextlib.suppress(ValueError):
        body = json.loads(text)
    return status, body, cookie


class Owner:
    """The homeowner on the owner site: one owner session, logged in again when it ends."""

    def __init__(self, load: Load, client: aiohttp.ClientSession) -> None:
        self.load = load
        self.client = client
        self.headers: dict[str, str] = {}

    async def login(self) -> None:
        load, origin = self.load, {"Origin": self.load.owner_url}
        status, _, cookie = await _call(
            load, self.client, "owner login", "POST", f"{load.owner_url}/api/session",
            json={"password": load.password}, headers=origin,
        )
        if status != 200 or not cookie:
            self.headers = {}
            return
        status, body, _ = await _call(
            load, self.client, "owner session", "GET", f"{load.owner_url}/api/session",
            headers={"Cookie": cookie},
        )
        csrf = body.get("csrf") if isinstance(body, dict) else None
        if isinstance(csrf, str):
            self.headers = {"Cookie": cookie, "X-CSRF-Token": csrf, **origin}

    async def act(self, kind: str, method: str, path: str, **kwargs: Any) -> tuple[int, object]:
        if not self.headers:
            await self.login()
        status, body, _ = await _call(
            self.load, self.client, kind, method, f"{self.load.owner_url}{path}",
            headers=self.headers, **kwargs,
        )
        if status == 401:
            self.headers = {}
        return status, body

    async def step(self) -> None:
        load, rng = self.load, self.load.rng
        roll = rng.random()
        if len(load.shares) < MAX_LIVE_SHARES and roll < 0.45:
            await self.create()
        elif load.shares and roll < 0.6:
            share = rng.choice(load.shares)
            await self.act("owner extend", "POST", f"/api/shares/{share.id}/extend",
                           json={"minutes": rng.choice((15, 30, 60))})
        elif load.shares and (roll < 0.75 or len(load.shares) >= MAX_LIVE_SHARES):
            share = load.shares.pop(rng.randrange(len(load.shares)))
            await self.act("owner revoke", "POST", f"/api/shares/{share.id}/revoke")
        elif roll < 0.9:
            await self.list()
        elif load.shares:
            share = rng.choice(load.shares)
            await self.act("owner audit", "GET", f"/api/shares/{share.id}/audit")

    async def create(self) -> None:
        rng = self.load.rng
        body: dict[str, object] = {
            "label": f"soak {rng.randrange(10**6)}",
            "level": rng.choice(("view", "view", "operate")),
            # Minutes of the add-on's clock: at 60x a share of 30 minutes ends in 30 s.
            "duration_minutes": rng.choice((20, 30, 60, 120)),
            "pin": rng.random() < 0.3,
        }
        if rng.random() < 0.2:
            body["max_redemptions"] = 2
        status, created = await self.act("owner create", "POST", "/api/shares", json=body)
        if status != 201 or not isinstance(created, dict):
            return
        share, link, pin = created.get("share"), created.get("link"), created.get("pin")
        if isinstance(share, dict) and isinstance(link, str) and "#" in link:
            self.load.shares.append(LiveShare(
                str(share.get("id")), link.partition("#")[2], pin if isinstance(pin, str) else None
            ))

    async def list(self) -> None:
        """The owner's list; shares that ended on their own leave the load's list here."""
        status, body = await self.act("owner list", "GET", "/api/shares")
        listed = body.get("shares") if isinstance(body, dict) else None
        if status != 200 or not isinstance(listed, list):
            return
        usable = {
            str(item.get("id")) for item in listed
            if isinstance(item, dict) and item.get("state") in ("active", "scheduled")
        }
        self.load.shares[:] = [share for share in self.load.shares if share.id in usable]


async def owner_loop(load: Load) -> None:
    async with new_session() as client:
        owner = Owner(load, client)
        while True:
            await owner.step()
            await asyncio.sleep(OWNER_PAUSE_S * (0.5 + load.rng.random()))


async def electrician_loop(load: Load, address: str) -> None:
    """One electrician's browser, from its own loopback address: visit, work, leave."""
    async with new_session(address) as client:
        while True:
            if not load.shares:
                await asyncio.sleep(0.5)
                continue
            await visit(load, client, load.rng.choice(load.shares))
            await asyncio.sleep(0.3 + load.rng.random())


async def visit(load: Load, client: aiohttp.ClientSession, share: LiveShare) -> None:
    base, rng = load.share_url, load.rng
    origin = {"Origin": base}
    await _call(load, client, "share preview", "POST", f"{base}/s/preview",
                json={"secret": share.secret}, headers=origin)
    if share.pin is not None and rng.random() < 0.3:
        await _call(load, client, "redeem wrong pin", "POST", f"{base}/s/redeem",
                    json={"secret": share.secret, "pin": WRONG_PIN}, headers=origin)
    status, _, cookie = await _call(
        load, client, "redeem", "POST", f"{base}/s/redeem",
        json={"secret": share.secret, "pin": share.pin}, headers=origin,
    )
    if status != 200 or not cookie:
        return
    headers = {"Cookie": cookie}
    await _call(load, client, "share app page", "GET", f"{base}/s/app", headers=headers)
    subscription = str(rng.randrange(1, 10**6))
    for index in range(CALLS_PER_VISIT):
        roll = rng.random()
        if index == 0:
            await _json(load, client, headers, "event/subscribe",
                        {"name": "callScene", "subscriptionID": subscription})
        elif roll < 0.35:
            await _json(load, client, headers, "apartment/getName", {})
        elif roll < 0.6:
            await _json(load, client, headers, "apartment/getStructure", {})
        elif roll < 0.75:
            await _json(load, client, headers, "property/query",
                        {"query": "/apartment/zones/*(ZoneID,name)"})
        elif roll < 0.9:
            await _json(load, client, headers, "event/get",
                        {"subscriptionID": subscription, "timeout": "300"})
        else:
            await _json(load, client, headers, "apartment/getDevices", {})
    await _json(load, client, headers, "event/unsubscribe",
                {"name": "callScene", "subscriptionID": subscription})
    if rng.random() < 0.1:
        await _call(load, client, "job done", "POST", f"{base}/s/done",
                    json={}, headers={**headers, **origin})
        with contextlib.suppress(ValueError):
            load.shares.remove(share)
    # Otherwise the browser just goes away: the session idles out on the add-on's clock.


async def _json(
    load: Load, client: aiohttp.ClientSession, headers: dict[str, str], call: str,
    params: dict[str, str],
) -> None:
    await _call(load, client, f"proxy {call}", "GET", f"{load.share_url}/json/{call}",
                params=params, headers=headers)
