"""An owner's HTTP client for the owner site: the dSS cookie (or the add-on's own owner session)
plus the CSRF header, and replies read completely."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

import aiohttp
from multidict import CIMultiDictProxy

from tests.support.stack import Stack

PASSWORD = "dssadmin"  # the simulator's default
JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Reply:
    status: int
    headers: CIMultiDictProxy[str]
    text: str

    def json(self) -> dict[str, object]:
        data = json.loads(self.text)
        assert isinstance(data, dict)
        return data

    def cookie(self, name: str) -> str | None:
        for header in self.headers.getall("Set-Cookie", []):
            if header.startswith(name + "="):
                return header
        return None


async def read(resp: aiohttp.ClientResponse) -> Reply:
    async with resp:
        return Reply(resp.status, resp.headers, await resp.text())


async def dss_login(stack: Stack, password: str = PASSWORD) -> str:
    """A fresh dSS session token, as the configurator login would set it as cookie."""
    return await stack.runtime.dss.login("dssadmin", password)


@dataclass
class OwnerClient:
    http: aiohttp.ClientSession
    base: str  # the owner site, or the simulator's /add-ons/dss-share prefix
    cookie: str  # e.g. "token=<64 hex>"
    csrf: str = ""

    def headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if self.csrf:
            headers["X-CSRF-Token"] = self.csrf
        return {**headers, **(extra or {})}

    async def get(self, path: str, **headers: str) -> Reply:
        return await read(await self.http.get(self.base + path, headers=self.headers(headers)))

    async def post(self, path: str, body: object = None, *, raw: str | None = None) -> Reply:
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        resp = await self.http.post(self.base + path, data=data, headers=self.headers(JSON))
        return await read(resp)

    async def post_form(self, path: str, form: Mapping[str, str | list[str]]) -> Reply:
        data = aiohttp.FormData()
        for name, value in form.items():
            for item in value if isinstance(value, list) else [value]:
                data.add_field(name, item)
        resp = await self.http.post(
            self.base + path, data=data, headers=self.headers(), allow_redirects=False
        )
        return await read(resp)

    async def fetch_csrf(self) -> str:
        reply = await self.get("/api/session")
        assert reply.status == 200, reply.text
        csrf = reply.json()["csrf"]
        assert isinstance(csrf, str)
        self.csrf = csrf
        return csrf

    async def create(self, **fields: object) -> dict[str, object]:
        body: dict[str, object] = {"label": "Elektro Müller", "level": "operate",
                                   "duration_minutes": 240, **fields}
        reply = await self.post("/api/shares", body)
        assert reply.status == 201, reply.text
        return reply.json()

    async def changes(self, share_id: str) -> list[dict[str, object]]:
        """The share's change journal, as the owner API lists it."""
        return await self._rows(f"/api/shares/{share_id}/changes", "changes")

    async def audit(self, share_id: str) -> list[dict[str, object]]:
        """The share's audit, as the owner API lists it (newest first)."""
        return await self._rows(f"/api/shares/{share_id}/audit", "audit")

    async def _rows(self, path: str, key: str) -> list[dict[str, object]]:
        reply = await self.get(path)
        assert reply.status == 200, reply.text
        rows = reply.json()[key]
        assert isinstance(rows, list)
        return rows


async def owner_client(http: aiohttp.ClientSession, stack: Stack, base: str = "") -> OwnerClient:
    client = OwnerClient(http, base or stack.owner_url, f"token={await dss_login(stack)}")
    await client.fetch_csrf()
    return client


def hidden_csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, "no CSRF field in the page"
    return found.group(1)


def share_of(body: Mapping[str, object]) -> dict[str, object]:
    share = body["share"]
    assert isinstance(share, dict)
    return share
