"""Fixtures every browser test shares: Debian's Chromium, and Playwright's expectations with
room for a loaded 2-core machine."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, expect

from tests.support.browser import chromium


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as running:
        yield running


@pytest.fixture(autouse=True)
def short_timeouts() -> None:
    expect.set_options(timeout=10_000)
