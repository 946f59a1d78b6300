"""The homeowner's tab inside the dss-sim configurator and the electrician's browser, end to end
in Debian's Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.support.browser import (
    PHONE,
    WIDE,
    accept,
    no_horizontal_scroll,
    open_owner_tab,
    owner_context,
    screenshot_dir,
)
from tests.support.owner import PASSWORD
from tests.support.shares import all_shares
from tests.support.stack import Stack

pytestmark = pytest.mark.browser

XSS = "<script>alert(1)</script>"


async def create_in_tab(page: Page, label: str, level: str, *, pin: bool, shots: Path) -> str:
    tab = page.frame_locator("#addon")
    await tab.get_by_role("link", name="Neue Freigabe").click()
    await tab.locator("#label").fill(label)
    await tab.locator(f"input[name=level][value={level}]").check()
    await tab.locator("#pin").set_checked(pin)
    await tab.get_by_role("button", name="Freigabe erstellen").click()
    link = tab.locator("#share-link")
    await expect(link).to_be_visible()
    await tab.locator("section.created").screenshot(path=str(shots / "created.png"))
    return await link.input_value()


async def test_owner_shares_and_revokes_while_the_electrician_works(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    shots = screenshot_dir(tmp_path / "screenshots")
    owner_ctx = await browser.new_context(viewport=WIDE, locale="de-DE")
    owner = await owner_ctx.new_page()
    owner.on("dialog", accept)
    tab = await open_owner_tab(owner, stack)
    link = await create_in_tab(owner, "Elektro Müller", "operate", pin=True, shots=shots)
    pin = (await tab.locator("#share-pin").input_value()).strip()
    assert re.fullmatch(r"\d{6}", pin)
    assert link.startswith(stack.share_url + "/s/#")
    await expect(tab.locator(".qr-box svg")).to_be_visible()
    href = await tab.locator("#mailto").get_attribute("href")
    assert href is not None
    assert pin not in href

    helper_ctx = await browser.new_context(viewport=WIDE, locale="de-DE")
    helper = await helper_ctx.new_page()
    helper.on("dialog", accept)
    await helper.goto(link)
    await expect(helper.locator("#pin")).to_be_visible()
    await expect(helper.locator("#label")).to_have_text("Elektro Müller")
    await helper.screenshot(path=str(shots / "landing.png"), full_page=True)
    await helper.fill("#pin", pin)
    await helper.click("#open")
    await helper.wait_for_url(re.compile(r"/s/app"))
    living = helper.locator("article.zone", has_text="Wohnen")
    await expect(living).to_be_visible()
    await expect(helper.locator("article.zone", has_text="Küche")).to_be_visible()
    await helper.screenshot(path=str(shots / "app.png"))

    async with helper.expect_response(lambda r: "/json/zone/callScene" in r.url) as called:
        await living.get_by_role("button", name="Licht an").click()
    assert (await called.value).status == 200
    assert stack.sim.zone(989).groups[1].last_called_scene == 5  # the simulator saw it

    # The owner sees the use, then revokes (the confirm dialog is accepted).
    await tab.get_by_role("link", name="Zur Übersicht").click()
    await expect(tab.locator(".share-item", has_text="Elektro Müller")).to_be_visible()
    await owner.screenshot(path=str(shots / "tab.png"))  # the configurator with its tab
    await tab.locator(".share-item", has_text="Elektro Müller").locator("a").click()
    await expect(tab.locator(".timeline")).to_contain_text("Link geöffnet")
    await expect(tab.locator(".timeline")).to_contain_text("Szene aufgerufen")  # not an API name
    await tab.get_by_role("button", name="Widerrufen").click()
    await expect(tab.locator("h1 .badge")).to_have_text("widerrufen")

    # The helper's page learns it at once (its event stream is closed) ...
    await expect(helper.locator("#message")).to_contain_text("beendet")
    # ... and its next call is refused.
    status = await helper.evaluate(
        "fetch('/json/zone/callScene?id=989&groupID=1&sceneNumber=0', {method: 'POST'})"
        ".then(r => r.status)"
    )
    assert status == 401
    assert stack.sim.zone(989).groups[1].last_called_scene == 5
    await owner_ctx.close()
    await helper_ctx.close()


async def test_language_switch_and_a_label_with_markup(stack: Stack, browser: Browser) -> None:
    context = await owner_context(browser, stack, viewport=WIDE, locale="de-DE")
    page = await context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await page.goto(stack.owner_url + "/new")
    await page.fill("#label", XSS)
    await page.click("button[type=submit]")
    await expect(page.locator("#share-link")).to_be_visible()
    await expect(page.locator(".share-label").first).to_have_text(XSS)
    await page.get_by_role("link", name="Zur Übersicht").click()
    await expect(page.locator(".share-item .share-label")).to_have_text(XSS)
    await page.get_by_role("link", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.get_by_role("link", name="New share")).to_be_visible()
    await page.get_by_role("link", name="New share").click()  # the cookie keeps English
    await expect(page.get_by_role("heading", name="New share")).to_be_visible()
    await page.get_by_role("link", name="Deutsch").click()
    await expect(page.get_by_role("heading", name="Neue Freigabe")).to_be_visible()
    assert dialogs == []
    await context.close()


async def test_the_pages_fit_a_phone(stack: Stack, browser: Browser) -> None:
    context = await owner_context(
        browser, stack, viewport=PHONE, is_mobile=True, has_touch=True, locale="de-DE"
    )
    page = await context.new_page()
    page.on("dialog", accept)
    await page.goto(stack.owner_url + "/new?preset=support")
    assert await no_horizontal_scroll(page), "new"
    await page.fill("#label", "Ein sehr langer Name für den Vendor-Support ohne Leerzeichen-xxxxxx")
    await page.click("button[type=submit]")
    await expect(page.locator("#share-link")).to_be_visible()
    assert await no_horizontal_scroll(page), "created"
    link = await page.locator("#share-link").input_value()
    await page.get_by_role("link", name="Details der Freigabe").click()
    await expect(page.locator(".timeline")).to_be_visible()
    assert await no_horizontal_scroll(page), "detail"
    await page.goto(stack.owner_url + "/")
    assert await no_horizontal_scroll(page), "index"
    await page.goto(stack.owner_url + "/login")
    assert await no_horizontal_scroll(page), "login"
    helper_ctx = await browser.new_context(viewport=PHONE, locale="de-DE")
    phone = await helper_ctx.new_page()
    await phone.goto(link)
    await expect(phone.locator("#open")).to_be_visible()
    assert await no_horizontal_scroll(phone), "landing"
    await helper_ctx.close()
    await context.close()


FRAME_FITS = """() => {
  const frame = document.getElementById("addon");
  const inner = frame && frame.contentDocument && frame.contentDocument.documentElement;
  if (!inner || !frame.contentWindow.location.pathname.endsWith("/new")) return false;
  return frame.getBoundingClientRect().height > 0.8 * window.innerHeight
    && inner.scrollHeight <= frame.contentWindow.innerHeight + 1;
}"""


async def test_the_tab_grows_with_its_page_and_keeps_a_form_across_a_login(
    stack: Stack, browser: Browser
) -> None:
    context = await browser.new_context(viewport=WIDE, locale="de-DE")
    await context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = await context.new_page()
    tab = await open_owner_tab(page, stack)
    await tab.get_by_role("link", name="Neue Freigabe").click()
    # The new-share form is taller than the configurator's frame was: the frame takes the
    # page's height, so only the configurator scrolls (one scroll bar).
    await page.wait_for_function(FRAME_FITS)
    await tab.get_by_role("link", name="Vorlage: Hersteller-Support").click()
    await expect(tab.locator("#label")).to_have_value("Hersteller-Support")
    await expect(tab.locator("#pin")).to_be_checked()
    await tab.locator("#label").fill("Elektro Müller")
    await tab.locator("input[name=level][value=configure]").check()
    await tab.locator("input[name=zones]").first.check()
    # The owner's session ends while the form is open.
    await context.clear_cookies()
    await tab.get_by_role("button", name="Freigabe erstellen").click()
    await expect(tab.locator("#login-resume")).to_be_visible()
    await expect(tab.locator(".outside-configurator")).to_be_hidden()  # we are in it already
    await tab.locator("#password").fill(PASSWORD)
    await tab.get_by_role("button", name="Anmelden").click()
    await expect(tab.locator("#resumed")).to_be_visible()
    await expect(tab.locator("#label")).to_have_value("Elektro Müller")
    await expect(tab.locator("input[name=level][value=configure]")).to_be_checked()
    await expect(tab.locator("input[name=zones]").first).to_be_checked()
    assert await all_shares(stack.runtime.shares) == []
    await tab.get_by_role("button", name="Freigabe erstellen").click()
    await expect(tab.locator("#share-pin")).to_be_visible()
    await expect(tab.locator("#summary-rooms")).not_to_have_text("alle")
    await tab.get_by_role("button", name="PIN kopieren").click()
    await expect(tab.locator("#copy-status")).to_have_text("PIN kopiert")  # announced
    pin = await tab.locator("#share-pin").input_value()
    assert await page.evaluate("navigator.clipboard.readText()") == pin
    await context.close()


async def test_outside_the_configurator_the_login_box_points_to_it(
    stack: Stack, browser: Browser
) -> None:
    context = await browser.new_context(viewport=PHONE, locale="en-GB")
    page = await context.new_page()
    await page.goto(stack.owner_url + "/login")
    await expect(page.locator(".outside-configurator")).to_be_visible()
    await expect(page.locator(".outside-configurator")).to_contain_text("Access sharing")
    await context.close()
