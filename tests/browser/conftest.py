"""Fixtures every browser test shares: Debian's Chromium, Playwright's expectations with room
for a loaded 2-core machine, and the whole stack (a file without the owner site overrides
`stack`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.support.browser import chromium
from tests.support.stack import Stack, running_stack


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running


@pytest.fixture(autouse=True)
def short_timeouts() -> None:
    expect.set_options(timeout=10_000)


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path) as running:
        yield running
