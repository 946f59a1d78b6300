"""A share's life in Debian's Chromium, in German and English (issue 10): each test fails if one
of items 3 (live state, warnings, no early end), 4 (scheduled), 5 (PIN attempts, permanent
lock), 6 (a once-only link reopened), 10 (the owner's list) or 11 (fair limits) comes back.
Time moves only on the injected clock; the page learns of it from the server."""

from __future__ import annotations

import re
from datetime import timedelta

import aiohttp
import pytest
from playwright.async_api import Browser, Page, expect

from dss_addon.shares.requests import parse_share_request
from dss_addon.shares.service import CreatedShare, Owner, SeenRequest
from tests.support.browser import WIDE, accept, open_owner_tab, phone_page
from tests.support.share_site import create_share
from tests.support.stack import Stack

pytestmark = pytest.mark.browser


async def open_app(page: Page, stack: Stack, created: CreatedShare, lang: str) -> None:
    await page.goto(f"{stack.share_url}/s/?lang={lang}#{created.secret}")
    if created.pin:
        await page.fill("#pin", created.pin)
    await page.click("#open")
    await page.wait_for_url(re.compile(r"/s/app"))


async def scheduled_share(stack: Stack, starts_in: timedelta) -> CreatedShare:
    runtime = stack.runtime
    request = parse_share_request(
        {"label": "Elektro Morgen", "level": "view", "duration_minutes": 120,
         "starts_at": (runtime.clock.now() + starts_in).isoformat()},
        runtime.clock.now(), max_lifetime=runtime.settings.max_lifetime,
    )
    return await runtime.shares.create(request, Owner("dssadmin", stack.sim.login_token()))


# -- item 3: the electrician's page follows the server ---------------------------------------


async def test_the_page_warns_follows_an_extension_and_ends_on_revocation_de(
    stack: Stack, browser: Browser
) -> None:
    created = await create_share(stack, minutes=10)
    page, problems = await phone_page(browser, "de-DE")
    await open_app(page, stack, created, "de")
    await expect(page.locator("#life-warning")).to_contain_text("Noch etwa 10 Minuten")
    await stack.runtime.shares.extend(
        created.share.id, stack.clock.now() + timedelta(minutes=25), actor="dssadmin"
    )
    await expect(page.locator("#life-status")).to_contain_text("verlängert")
    await expect(page.locator("#life-warning")).to_be_hidden()
    await expect(page.locator("#time-left")).to_have_text("25 Min.")
    # 20 seconds left (within the session's idle timeout): the old page rounded this to
    # 0 minutes and ended itself.
    stack.clock.advance(seconds=25 * 60 - 20)
    await page.reload()
    await expect(page.locator("#time-left")).to_contain_text("Sek.")
    await expect(page.locator("#life-warning")).to_contain_text("Noch 1 Minute")
    await expect(page.get_by_role("button", name="Job erledigt")).to_be_enabled()
    await stack.runtime.shares.revoke(created.share.id, actor="dssadmin")
    await expect(page.locator("#life-warning")).to_contain_text("beendet")
    await expect(page.get_by_role("button", name="Job erledigt")).to_be_disabled()
    assert problems == []


async def test_asking_for_more_time_reaches_the_owner_and_back_en(
    stack: Stack, browser: Browser
) -> None:
    created = await create_share(stack, minutes=60)
    page, problems = await phone_page(browser, "en-GB")
    await open_app(page, stack, created, "en")
    await expect(page.locator("#time-left")).to_have_text("1 h 0 min")
    await page.get_by_role("button", name="Ask for more time").click()
    await page.select_option("#more-minutes", "30")
    await page.fill("#more-message", "The kitchen is not done")
    await page.get_by_role("button", name="Send the request").click()
    await expect(page.locator("#life-status")).to_contain_text("Request sent")
    share = await stack.runtime.shares.get(created.share.id)
    assert share.pending_extension is not None
    assert share.pending_extension.minutes == 30
    assert share.pending_extension.message == "The kitchen is not done"
    # The owner grants the request as seen: its minutes and when it was made.
    seen = SeenRequest(30, share.pending_extension.at)
    await stack.runtime.shares.answer_extension(
        created.share.id, grant=True, actor="dssadmin", seen=seen
    )
    await expect(page.locator("#life-status")).to_contain_text("More time granted")
    await expect(page.locator("#time-left")).to_have_text("1 h 30 min")
    assert problems == []


# -- item 4: a scheduled share -------------------------------------------------------------


@pytest.mark.parametrize(("lang", "locale", "says"), [
    ("de", "de-DE", "beginnt erst am"), ("en", "en-GB", "only starts on"),
])
async def test_a_scheduled_share_tells_when_it_starts(
    stack: Stack, browser: Browser, lang: str, locale: str, says: str
) -> None:
    created = await scheduled_share(stack, timedelta(days=1))
    page, problems = await phone_page(browser, locale)
    await page.goto(f"{stack.share_url}/s/?lang={lang}#{created.secret}")
    await expect(page.locator("#message")).to_contain_text(says)
    await expect(page.locator("#label")).to_have_text("Elektro Morgen")
    await expect(page.locator("#from")).to_be_visible()
    await expect(page.locator("#open")).to_be_disabled()
    assert problems == []


# -- item 5: wrong PINs ------------------------------------------------------------------------


@pytest.mark.parametrize(("lang", "locale", "left", "locked", "busy"), [
    ("de", "de-DE", "Noch 4 Versuche", "dauerhaft gesperrt", "warten Sie eine Minute"),
    ("en", "en-GB", "4 tries left", "locked for good", "wait a minute"),
])
async def test_wrong_pins_count_down_to_a_permanent_lock(
    stack: Stack, browser: Browser, lang: str, locale: str, left: str, locked: str, busy: str
) -> None:
    created = await create_share(stack, pin=True)
    assert created.pin is not None
    wrong = "000000" if created.pin != "000000" else "111111"
    page, problems = await phone_page(browser, locale)
    await page.goto(f"{stack.share_url}/s/?lang={lang}#{created.secret}")
    await page.fill("#pin", wrong)
    await page.click("#open")
    await expect(page.locator("#message")).to_contain_text(left)
    for attempt in range(4):
        await page.fill("#pin", wrong)
        await page.click("#open")
        if attempt < 3:  # the answer has come back when the form is cleared
            await expect(page.locator("#pin")).to_have_value("")
    await expect(page.locator("#message")).to_contain_text(locked)
    await expect(page.locator("#message")).not_to_contain_text(busy)
    await expect(page.locator("#open")).to_be_hidden()
    await expect(page.locator("#pin")).to_be_hidden()
    await page.reload()
    await expect(page.locator("#message")).to_contain_text(locked)
    await expect(page.locator("#open")).to_be_hidden()
    assert problems == []


# -- item 6: a once-only link reopened -------------------------------------------------------


@pytest.mark.parametrize(("lang", "locale"), [("de", "de-DE"), ("en", "en-GB")])
async def test_a_once_only_link_reopened_goes_back_to_the_app(
    stack: Stack, browser: Browser, lang: str, locale: str
) -> None:
    created = await create_share(stack, max_redemptions=1)
    page, problems = await phone_page(browser, locale)
    await open_app(page, stack, created, lang)
    await page.goto(f"{stack.share_url}/s/?lang={lang}#{created.secret}")
    await page.wait_for_url(re.compile(r"/s/app"))
    assert created.secret not in page.url
    await expect(page.locator("#message")).to_be_hidden()
    assert (await stack.runtime.shares.get(created.share.id)).redemptions == 1
    other, _ = await phone_page(browser, locale)  # another browser: the link is used up there
    await other.goto(f"{stack.share_url}/s/?lang={lang}#{created.secret}")
    await expect(other.locator("#message")).to_be_visible()
    assert problems == []


# -- item 11: a second electrician behind the same address ------------------------------------


async def test_a_colleague_behind_the_same_address_still_gets_in(
    stack: Stack, browser: Browser
) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(11):  # someone on the same network uses up the guessing budget
            async with http.post(f"{stack.share_url}/s/redeem", json={"secret": "g" * 43}):
                pass
    created = await create_share(stack, pin=True)
    page, problems = await phone_page(browser, "de-DE")
    for _ in range(3):  # reloading the landing page costs nothing
        await page.goto(f"{stack.share_url}/s/?lang=de#{created.secret}")
        await expect(page.locator("#label")).to_have_text("Elektro Müller")
    await open_app(page, stack, created, "de")
    assert problems == []


# -- item 10: the owner's list -----------------------------------------------------------------


@pytest.mark.parametrize(("lang", "over", "archive", "starts"), [
    ("de", "Beendet", "Archivieren", "Beginnt in"),
    ("en", "Over", "Archive", "Starts in"),
])
async def test_the_owners_list_filters_archives_and_counts_to_the_start(
    stack: Stack, browser: Browser, lang: str, over: str, archive: str, starts: str
) -> None:
    done = await create_share(stack, label="Fertig")
    await stack.runtime.shares.revoke(done.share.id, actor="dssadmin")
    await create_share(stack, label="Läuft")
    await scheduled_share(stack, timedelta(hours=5))
    context = await browser.new_context(viewport=WIDE, locale="de-DE")
    page = await context.new_page()
    tab = await open_owner_tab(page, stack)
    await expect(tab.locator(".share-item")).to_have_count(3)
    if lang == "en":
        await tab.locator("a[href*='lang=en']").first.click()
        await expect(tab.locator("a[data-filter=all]")).to_contain_text("All")
    scheduled = tab.locator(".share-item", has_text="Elektro Morgen")
    await expect(scheduled).to_contain_text(starts)
    await expect(scheduled.locator(".starts-in")).to_contain_text("5")
    await tab.locator("a[data-filter=over]").click()
    await expect(tab.locator(".share-item")).to_have_count(1)
    await expect(tab.locator(".share-item")).to_contain_text("Fertig")
    await expect(tab.locator("a[data-filter=over]")).to_contain_text(over)
    await tab.locator(".share-item").get_by_role("button", name=archive).click()
    await expect(tab.locator(".share-item")).to_have_count(0)  # back in the same view
    await tab.locator("a[data-filter=all]").click()
    await expect(tab.locator(".share-item")).to_have_count(2)
    await tab.locator("a[data-filter=archived]").click()
    await expect(tab.locator(".share-item")).to_have_count(1)
    await expect(tab.locator(".share-item")).to_contain_text("Fertig")


async def test_the_owner_sees_a_request_for_more_time_and_grants_it_in_one_step(
    stack: Stack, browser: Browser
) -> None:
    created = await create_share(stack, label="Elektro Weber", minutes=60)
    context = await browser.new_context(viewport=WIDE, locale="de-DE")
    page = await context.new_page()
    page.on("dialog", accept)
    await page.clock.install()  # the tab's 30-second check runs when the test says so
    tab = await open_owner_tab(page, stack)
    await expect(tab.locator(".share-item")).to_have_count(1)
    electrician, problems = await phone_page(browser, "de-DE")
    await open_app(electrician, stack, created, "de")
    await electrician.get_by_role("button", name="Mehr Zeit anfragen").click()
    await electrician.fill("#more-message", "Der Zähler fehlt noch")
    await electrician.get_by_role("button", name="Anfrage senden").click()
    await expect(electrician.locator("#life-status")).to_contain_text("Anfrage gesendet")
    await page.clock.run_for(31_000)
    notice = tab.locator("#live-notice")
    await expect(notice).to_contain_text("Neue Anfrage nach mehr Zeit")
    await notice.get_by_role("link", name="Neu laden").click()
    item = tab.locator(".share-item", has_text="Elektro Weber")
    await expect(item).to_contain_text("Der Zähler fehlt noch")
    await item.locator("a.share-link").click()
    await tab.get_by_role("button", name=re.compile("Gewähren")).click()
    await expect(tab.locator("#grant-extension")).to_have_count(0)
    await expect(electrician.locator("#life-status")).to_contain_text("Mehr Zeit gewährt")
    await expect(electrician.locator("#time-left")).to_have_text("2 Std. 0 Min.")
    assert problems == []
