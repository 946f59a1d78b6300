"""axe-core on every page of both sites, in German and English, at 1280 and 375 px: no serious
or critical violation anywhere. A new page is one line in PAGES (a name and a function that
brings the browser there and waits until the page is complete)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from playwright.async_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests.support.axe import axe_violations
from tests.support.owner import dss_login
from tests.support.share_site import create_share
from tests.support.stack import Stack

pytestmark = pytest.mark.browser

WIDTHS: dict[str, ViewportSize] = {
    "1280": {"width": 1280, "height": 900},
    "375": {"width": 375, "height": 740},
}
LOCALES = {"de": "de-DE", "en": "en-GB"}


@dataclass
class Visit:
    """What a page visit has: the stack, a browser context (owner cookie set when `owner`)."""

    stack: Stack
    context: BrowserContext
    lang: str
    notes: dict[str, str] = field(default_factory=dict)

    async def page(self) -> Page:
        page = await self.context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        return page


Opener = Callable[[Visit], Awaitable[Page]]


# -- the owner site ------------------------------------------------------------------------------

async def _owner_share(visit: Visit, *, pin: bool = True) -> str:
    created = await create_share(visit.stack, level="operate", pin=pin, zones=[989, 990])
    return created.share.id


async def owner_list(visit: Visit) -> Page:
    await _owner_share(visit)
    scheduled = await create_share(visit.stack, level="view")
    await visit.stack.runtime.shares.revoke(scheduled.share.id, actor="dssadmin")
    page = await visit.page()
    await page.goto(visit.stack.owner_url + "/")
    await expect(page.locator(".share-item").first).to_be_visible()
    return page


async def owner_new(visit: Visit) -> Page:
    page = await visit.page()
    await page.goto(visit.stack.owner_url + "/new")
    await expect(page.locator("#share-form")).to_be_visible()
    return page


async def owner_created(visit: Visit) -> Page:
    page = await owner_new(visit)
    await page.fill("#label", "Elektro Müller")
    await page.locator("input[name=zones]").first.check()
    await page.click("#share-form button[type=submit]")
    await expect(page.locator("#share-link")).to_be_visible()
    return page


async def owner_detail(visit: Visit) -> Page:
    share_id = await _owner_share(visit)
    page = await visit.page()
    await page.goto(f"{visit.stack.owner_url}/shares/{share_id}")
    await expect(page.locator(".timeline")).to_be_visible()
    return page


async def owner_login(visit: Visit) -> Page:
    await visit.context.clear_cookies()
    page = await visit.page()
    await page.goto(visit.stack.owner_url + "/login")
    await expect(page.locator("#password")).to_be_visible()
    return page


async def owner_confirm(visit: Visit) -> Page:
    """The confirmation page that browsers without JavaScript get instead of confirm()."""
    page = await owner_detail(visit)
    # A copy of the form without owner.js's listener: the submit goes to the server unconfirmed.
    await page.evaluate(
        "const form = document.getElementById('revoke-form');"
        "form.replaceWith(form.cloneNode(true))"
    )
    await page.locator("#revoke-form button").click()
    await expect(page.locator("form[action$='/revoke'] input[name=confirmed]")).to_have_value("yes")
    return page


async def owner_error(visit: Visit) -> Page:
    page = await visit.page()
    await page.goto(visit.stack.owner_url + "/shares/no-such-share")
    await expect(page.locator("section.error")).to_be_visible()
    return page


async def owner_settings(visit: Visit) -> Page:
    page = await visit.page()
    await page.goto(visit.stack.owner_url + "/settings")
    await page.fill("#public_url", "http://192.168.1.20")  # shows the checks' explanations
    await page.click("#settings-form button[type=submit]")
    await expect(page.locator("#public_url-error")).to_be_visible()
    return page


# -- the share site ------------------------------------------------------------------------------

async def _share_landing(visit: Visit, *, pin: bool) -> Page:
    created = await create_share(visit.stack, level="configure", pin=pin)
    visit.notes["pin"] = created.pin or ""
    page = await visit.page()
    await page.goto(f"{visit.stack.share_url}/s/#{created.secret}")
    await expect(page.locator("#label")).to_have_text("Elektro Müller")
    return page


async def share_landing(visit: Visit) -> Page:
    return await _share_landing(visit, pin=False)


async def share_pin(visit: Visit) -> Page:
    page = await _share_landing(visit, pin=True)
    await expect(page.locator("#pin")).to_be_visible()
    await page.fill("#pin", "000000" if visit.notes["pin"] != "000000" else "111111")
    await page.click("#open")  # a wrong PIN: the form with its message
    await expect(page.locator("#message")).to_be_visible()
    return page


async def share_app(visit: Visit) -> Page:
    for device in visit.stack.sim.apartment.devices.values():  # both state chips: on and off
        device.last_called_scene = 5 if device.zone_id == 989 else 0
    page = await _share_landing(visit, pin=False)
    await page.click("#open")
    await page.wait_for_url(re.compile(r"/s/app"))
    await expect(page.locator("article.zone").first).to_be_visible()
    await expect(page.locator(".state.on").first).to_be_visible()
    await expect(page.locator(".state.off").first).to_be_visible()
    return page


async def share_ended(visit: Visit) -> Page:
    page = await share_app(visit)
    await page.locator("#done").click()
    await expect(page.locator("#message")).to_be_visible()
    return page


async def share_error(visit: Visit) -> Page:
    page = await visit.page()
    await page.goto(visit.stack.share_url + "/s/app")  # no share session
    await expect(page.locator("section.error")).to_be_visible()
    return page


PAGES: dict[str, Opener] = {
    "owner list": owner_list,
    "owner new": owner_new,
    "owner created": owner_created,
    "owner detail": owner_detail,
    "owner login": owner_login,
    "owner confirm": owner_confirm,
    "owner error": owner_error,
    "owner settings": owner_settings,
    "share landing": share_landing,
    "share PIN form": share_pin,
    "share app": share_app,
    "share ended": share_ended,
    "share error": share_error,
}


@pytest.mark.parametrize("name", list(PAGES))
async def test_no_serious_or_critical_violations(
    name: str, stack: Stack, browser: Browser
) -> None:
    expect.set_options(timeout=10_000)
    found: list[str] = []
    token = await dss_login(stack)
    for lang, locale in LOCALES.items():
        for width, viewport in WIDTHS.items():
            context = await browser.new_context(viewport=viewport, locale=locale)
            await context.add_cookies([{"name": "token", "value": token, "url": stack.owner_url}])
            try:
                page = await PAGES[name](Visit(stack, context, lang))
                assert await page.evaluate("document.documentElement.lang") == lang
                found += [f"{lang} {width}px: {v}" for v in await axe_violations(page)]
            finally:
                await context.close()
    assert found == [], "\n".join(found)


async def test_the_checker_finds_what_it_should(browser: Browser) -> None:
    """The check itself works: grey on grey text and an unlabelled field are found."""
    page = await browser.new_page()
    await page.set_content(
        '<html lang="de"><head><title>x</title></head><body><main>'
        '<p style="color:#aaa;background:#bbb">kaum lesbar</p><input type="text">'
        "</main></body></html>"
    )
    rules = {v.rule for v in await axe_violations(page)}
    assert {"color-contrast", "label"} <= rules
    await page.close()
