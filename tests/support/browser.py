"""Debian's Chromium through async Playwright. A missing browser fails the test: never a skip."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Dialog,
    FrameLocator,
    Page,
    ViewportSize,
    async_playwright,
    expect,
)

from tests.support.owner import PASSWORD, dss_login
from tests.support.stack import Stack

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


async def eventually(check: Callable[[], bool], *, tries: int = 100) -> None:
    """Wait (in 50 ms steps) until `check()` holds: for what the page did to the simulator."""
    for _ in range(tries):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def phone_page(browser: Browser, locale: str = "de-DE") -> tuple[Page, list[str]]:
    """A phone's page that accepts every confirm(), and the list its console errors land in."""
    context = await browser.new_context(viewport=PHONE, is_mobile=True, locale=locale)
    page = await context.new_page()
    page.on("dialog", accept)
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        # CSP violations and script errors land here. Refused calls (a wrong PIN, the poll
        # ended by "job done") are logged by Chromium as failed loads: expected answers.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    page.on("console", on_console)
    return page, problems


async def owner_context(browser: Browser, stack: Stack, **options: Any) -> BrowserContext:
    """A browser context signed in to the owner site with a dSS session cookie, as the
    configurator's login leaves it."""
    context = await browser.new_context(**options)
    await context.add_cookies(
        [{"name": "token", "value": await dss_login(stack), "url": stack.owner_url}]
    )
    return context


async def open_owner_tab(page: Page, stack: Stack) -> FrameLocator:
    """Sign in to the simulated configurator with the password and open the sharing tab."""
    await page.goto(stack.sim_url + "/")
    await page.fill("#login input[name=password]", PASSWORD)
    await page.click("#login button[type=submit]")
    await expect(page.locator("#app")).to_be_visible()
    await page.click("button.tab[data-tab=sharing]")
    tab = page.frame_locator("#addon")
    await expect(tab.get_by_role("heading", name="Freigaben")).to_be_visible()
    return tab
