"""The owner's password login behind the dSS web front: its attempt limit counts the real
client the front names in X-Forwarded-For, so strangers cannot lock the homeowner out; a
client that is not the configured front cannot choose its own bucket with that header."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from dss_addon.settings import Settings
from tests.support.owner import JSON, PASSWORD
from tests.support.stack import Stack, running_stack

STRANGER = "203.0.113.5"
HOMEOWNER = "192.168.1.20"


async def _login(
    http: aiohttp.ClientSession, stack: Stack, password: str, forwarded_for: str
) -> tuple[int, str]:
    headers = {**JSON, "X-Forwarded-For": forwarded_for}
    async with http.post(
        stack.owner_url + "/api/session", data=json.dumps({"password": password}), headers=headers
    ) as resp:
        return resp.status, await resp.text()


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path) as running:
        yield running


@pytest.fixture
async def stack_behind_another_front(tmp_path: Path) -> AsyncIterator[Stack]:
    def elsewhere(settings: Settings) -> Settings:
        return dataclasses.replace(settings, web_front=frozenset({"127.0.0.2"}))

    async with running_stack(tmp_path, configure=elsewhere) as running:
        yield running


async def test_a_stranger_behind_the_front_cannot_lock_the_owner_out(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    for _ in range(5):
        status, _ = await _login(http, stack, "guess", STRANGER)
        assert status == 401
    status, text = await _login(http, stack, PASSWORD, STRANGER)
    assert status == 401
    assert "Too many attempts" in text
    # The homeowner comes through the same front (the same socket peer) and still gets in.
    status, _ = await _login(http, stack, PASSWORD, HOMEOWNER)
    assert status == 200


async def test_a_client_written_hop_left_of_the_fronts_entry_is_ignored(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    # lighttpd appends the address it saw: whatever the stranger wrote stands left of it.
    for i in range(5):
        status, _ = await _login(http, stack, "guess", f"10.9.9.{i}, {STRANGER}")
        assert status == 401
    status, text = await _login(http, stack, PASSWORD, f"10.9.9.77, {STRANGER}")
    assert "Too many attempts" in text


async def test_forwarded_for_from_a_peer_that_is_not_the_front_is_ignored(
    stack_behind_another_front: Stack, http: aiohttp.ClientSession
) -> None:
    stack = stack_behind_another_front
    for i in range(5):
        status, _ = await _login(http, stack, "guess", f"198.51.100.{i}")
        assert status == 401
    status, text = await _login(http, stack, PASSWORD, HOMEOWNER)
    assert status == 401
    assert "Too many attempts" in text
