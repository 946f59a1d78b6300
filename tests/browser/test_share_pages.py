"""The electrician's pages in Debian's Chromium: landing, PIN, overview on a phone, events,
job done, and the configurator for configure shares."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Browser, expect

from tests.support.browser import eventually, no_horizontal_scroll, phone_page
from tests.support.share_site import create_share
from tests.support.stack import Stack, running_stack

pytestmark = pytest.mark.browser

KUECHE = 990


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path, owner=False) as running:
        yield running


async def test_helper_opens_a_pin_share_on_a_phone_and_switches_the_light(
    stack: Stack, browser: Browser
) -> None:
    created = await create_share(stack, level="operate", pin=True)
    assert created.pin is not None
    page, problems = await phone_page(browser)
    await page.goto(f"{stack.share_url}/s/#{created.secret}")
    await expect(page.locator("#label")).to_have_text("Elektro Müller")
    await expect(page.locator("#level")).to_contain_text("bedienen")
    await expect(page.locator("#pin")).to_be_visible()
    assert await no_horizontal_scroll(page)
    await page.fill("#pin", "000000" if created.pin != "000000" else "111111")
    await page.click("#open")
    await expect(page.locator("#message")).to_contain_text("PIN ist falsch")
    await page.fill("#pin", created.pin)
    await page.click("#open")
    await page.wait_for_url(re.compile(r"/s/app"))
    assert created.secret not in page.url
    assert "#" not in page.url
    kitchen = page.locator("article.zone", has_text="Küche")
    await expect(kitchen).to_be_visible()
    await expect(page.locator("article.zone")).to_have_count(7)
    await expect(page.locator("#meters li").first).to_be_visible()
    assert await no_horizontal_scroll(page)
    await kitchen.get_by_role("button", name="Licht an").click()
    await eventually(lambda: stack.sim.zone(KUECHE).groups[1].last_called_scene == 5)
    await expect(page.locator("#events li").first).to_contain_text("Küche · Licht · Kochen")
    await kitchen.get_by_role("button", name="Blinken").first.click()
    await eventually(lambda: any(c.path == "/json/device/blink" for c in stack.sim.calls))
    history = await page.evaluate("history.length")
    assert history >= 1
    assert problems == []


async def test_view_share_shows_no_switches_and_job_done_ends_it(
    stack: Stack, browser: Browser
) -> None:
    created = await create_share(stack, level="view", zones=[KUECHE])
    page, problems = await phone_page(browser, locale="en-GB")
    await page.goto(f"{stack.share_url}/s/#{created.secret}")
    await expect(page.locator("#level")).to_contain_text("View only")
    await expect(page.locator("#pin-row")).to_be_hidden()
    await page.click("#open")
    await page.wait_for_url(re.compile(r"/s/app"))
    await expect(page.locator("article.zone")).to_have_count(1)
    await expect(page.locator("article.zone")).to_contain_text("Küche")
    await expect(page.get_by_role("button", name="Lights on")).to_have_count(0)
    await page.get_by_role("button", name="Job done").click()
    await expect(page.locator("#message")).to_contain_text("ended")
    share = await stack.runtime.shares.get(created.share.id)
    assert share.ended_at is not None
    assert problems == []


async def test_reloading_the_overview_keeps_one_event_subscription(
    stack: Stack, browser: Browser
) -> None:
    """The share site caps the subscription ids a session may hold: a page reloaded a dozen
    times must keep working and hold one id on the dSS, not one per load."""
    created = await create_share(stack, level="operate", zones=[KUECHE])
    page, problems = await phone_page(browser)
    await page.goto(f"{stack.share_url}/s/#{created.secret}")
    await page.click("#open")
    await page.wait_for_url(re.compile(r"/s/app"))
    for _ in range(12):
        await page.reload()
        await expect(page.locator("article.zone")).to_have_count(1)

    def subscription_ids() -> set[str]:
        return {sub for subs in stack.sim.events.subscriptions.values() for sub in subs}

    await eventually(lambda: len(subscription_ids()) == 1)
    kitchen = page.locator("article.zone", has_text="Küche")
    await kitchen.get_by_role("button", name="Licht an").click()
    await expect(page.locator("#events li").first).to_contain_text("Küche · Licht · Kochen")
    assert len(subscription_ids()) == 1
    assert problems == []


async def test_unknown_link_explains_itself(stack: Stack, browser: Browser) -> None:
    page, _ = await phone_page(browser)
    await page.goto(f"{stack.share_url}/s/#{'x' * 43}")
    await expect(page.locator("#message")).to_contain_text("nicht mehr gültig")
    assert "#" not in page.url
    await page.goto(f"{stack.share_url}/s/")
    await expect(page.locator("#message")).to_contain_text("unvollständig")


async def test_configure_share_opens_the_configurator(stack: Stack, browser: Browser) -> None:
    created = await create_share(stack, level="configure")
    page, _ = await phone_page(browser)
    await page.goto(f"{stack.share_url}/s/#{created.secret}")
    await page.click("#open")
    await page.wait_for_url(re.compile(r"/s/app"))
    await page.get_by_role("link", name="Konfigurator öffnen").click()
    await page.wait_for_url(re.compile(r"/s/dss/"))
    await expect(page.locator("h1")).to_contain_text("digitalSTROM")
