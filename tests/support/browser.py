"""Debian's Chromium through async Playwright. A missing browser fails the test: never a skip."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from playwright.async_api import Browser, Dialog, Page, ViewportSize, async_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


def screenshot_dir(fallback: Path) -> Path:
    """docs/screenshots is written only on purpose (scripts/screenshots sets SCREENSHOTS_DIR),
    so that an ordinary test run leaves the work tree as it was."""
    chosen = os.environ.get("SCREENSHOTS_DIR")
    path = Path(chosen) if chosen else fallback
    path.mkdir(parents=True, exist_ok=True)
    return path


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=ARGS
        )
        try:
            yield browser
        finally:
            await browser.close()


async def no_horizontal_scroll(page: Page) -> bool:
    width = await page.evaluate("document.documentElement.scrollWidth")
    viewport = await page.evaluate("window.innerWidth")
    return bool(width <= viewport)



PHONE: ViewportSize = {"width": 375, "height": 740}
WIDE: ViewportSize = {"width": 1280, "height": 900}


async def accept(dialog: Dialog) -> None:
    """Answer a page's confirm() with OK."""
    await dialog.accept()
