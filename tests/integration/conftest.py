"""Fixtures shared by the integration tests: the whole stack on loopback sockets (dss-sim
playing the dSS and its web front, the runtime, the owner and share sites), an HTTP client
without a cookie jar, so that every cookie is sent explicitly and every Set-Cookie is seen, and
the homeowner's client on that stack; for tests of the store alone, a fake clock and the
database file's path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.support.clock import FakeClock
from tests.support.owner import OwnerClient, owner_client
from tests.support.stack import Stack, running_stack


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        yield session


@pytest.fixture
async def owner(stack: Stack, http: aiohttp.ClientSession) -> OwnerClient:
    return await owner_client(http, stack)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The add-on's database file; its keys (and `audit verify`'s data dir) are beside it."""
    return tmp_path / "addon.db"
