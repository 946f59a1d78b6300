"""The HTTP side of the bench: clients, the owner API (log in, create a share), redemption on
the share site, and the two ways of issuing a measured call (direct, proxied)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any

import aiohttp

from scripts.benchmarks.processes import BenchError

REQUEST_TIMEOUT_S = 30.0
SESSION_BUDGET = 100  # proxied requests per share session (the add-on allows a burst of 120)
REDEEMS_PER_ADDRESS = 8  # the add-on allows a burst of 10 redemptions per client address


def new_client() -> aiohttp.ClientSession:
    # Keep-alive pool large enough for every worker; cookies are handled explicitly per path
    # (DummyCookieJar), so the direct path sends only ?token= and the proxied path only the
    # share-site cookie.
    connector = aiohttp.TCPConnector(limit=64, limit_per_host=64, keepalive_timeout=120)
    return aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
    )


def cookie_header(response: aiohttp.ClientResponse) -> str:
    jar: SimpleCookie = SimpleCookie()
    for value in response.headers.getall("Set-Cookie", []):
        jar.load(value)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items() if morsel.value)


async def expect_json(response: aiohttp.ClientResponse, what: str, status: int = 200) -> Any:
    text = await response.text()
    if response.status != status:
        raise BenchError(f"{what}: HTTP {response.status} (wanted {status}): {text[:300]}")
    try:
        return json.loads(text)
    except ValueError as err:
        raise BenchError(f"{what}: not JSON: {text[:300]}") from err


@dataclass
class Target:
    """One way of issuing the measured call: a URL prefix plus what authenticates it.

    The proxied target holds several share sessions and moves to the next one after `budget`
    requests: the add-on limits each share session (a burst of 120, then 20 requests/s), and the
    bench measures the overhead of the proxy, not that limit. A request that is refused anyway
    (429) counts as an error and shows in the table."""

    name: str
    base: str  # ends before "/json/..."
    query: dict[str, str]
    sessions: list[dict[str, str]] = field(default_factory=list)  # request headers per session
    budget: int = 0  # requests per session; 0: no limit
    used: int = 0

    def headers(self) -> dict[str, str]:
        if not self.sessions:
            return {}
        index = self.used // self.budget if self.budget else 0
        self.used += 1
        return self.sessions[index % len(self.sessions)]


async def direct_target(client: aiohttp.ClientSession, sim_url: str, password: str) -> Target:
    params = {"user": "dssadmin", "password": password}
    async with client.get(f"{sim_url}/json/system/login", params=params) as response:
        body = await expect_json(response, "dss-sim system/login")
    if not (isinstance(body, dict) and body.get("ok") and "token" in body.get("result", {})):
        raise BenchError(f"dss-sim system/login failed: {body}")
    return Target("direct", sim_url, {"token": str(body["result"]["token"])})


async def create_share(client: aiohttp.ClientSession, owner_url: str, password: str) -> str:
    """Logs in on the owner site, creates a view share, returns the link's secret."""
    origin = {"Origin": owner_url}
    async with client.post(
        f"{owner_url}/api/session", json={"password": password}, headers=origin
    ) as response:
        await expect_json(response, "owner POST /api/session")
        cookie = cookie_header(response)
    if not cookie:
        raise BenchError("owner POST /api/session set no session cookie")
    session_headers = {"Cookie": cookie}
    async with client.get(f"{owner_url}/api/session", headers=session_headers) as response:
        session = await expect_json(response, "owner GET /api/session")
    csrf = session.get("csrf") if isinstance(session, dict) else None
    if not isinstance(csrf, str):
        raise BenchError(f"owner GET /api/session gave no csrf value: {session}")
    body = {"label": "bench", "level": "view", "duration_minutes": 240}
    async with client.post(
        f"{owner_url}/api/shares",
        json=body,
        headers={**session_headers, **origin, "X-CSRF-Token": csrf},
    ) as response:
        created = await expect_json(response, "owner POST /api/shares", status=201)
    link = created.get("link") if isinstance(created, dict) else None
    if not isinstance(link, str) or "#" not in link:
        raise BenchError(f"owner POST /api/shares gave no link with a fragment: {created}")
    return link.partition("#")[2]


async def redeem(client: aiohttp.ClientSession, share_url: str, secret: str) -> str:
    async with client.post(
        f"{share_url}/s/redeem", json={"secret": secret}, headers={"Origin": share_url}
    ) as response:
        await expect_json(response, "share POST /s/redeem")
        cookie = cookie_header(response)
    if not cookie:
        raise BenchError("share POST /s/redeem set no session cookie")
    return cookie


async def proxied_target(share_url: str, secret: str, requests: int) -> Target:
    """Enough share sessions for `requests` proxied requests at SESSION_BUDGET each.

    The add-on also limits redemptions per client address (a burst of 10), so the sessions are
    redeemed from several loopback addresses (127.0.0.2, .3, …), like helpers on different
    machines. The measured requests themselves all come from one client."""
    count = math.ceil(requests / SESSION_BUDGET) + 1
    cookies: list[str] = []
    address = 2
    while len(cookies) < count:
        connector = aiohttp.TCPConnector(local_addr=(f"127.0.0.{address}", 0))
        async with aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar()
        ) as client:
            for _ in range(min(REDEEMS_PER_ADDRESS, count - len(cookies))):
                cookies.append(await redeem(client, share_url, secret))
        address += 1
    sessions = [{"Cookie": cookie} for cookie in cookies]
    return Target("proxied", share_url, {}, sessions, SESSION_BUDGET)

