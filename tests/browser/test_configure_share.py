"""A configure share's configurator in Debian's Chromium is clearly the electrician's: the
share bar (who, level, time left, back to the overview, "Job done"), no owner identity, no
logout, no add-on tab with a broken frame, and the share site's refusals as readable text.
German on the simulator's one-listener layout, English on the appliance's (pages from the
document root)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from dss_sim.appliance import write_www_pages
from dss_sim.config import SimConfig
from playwright.async_api import Browser, Page, expect

from dss_addon.settings import Settings
from tests.support.browser import no_horizontal_scroll, phone_page
from tests.support.share_site import create_share
from tests.support.stack import Stack, running_stack

pytestmark = pytest.mark.browser

# What the configurator itself shows (the bar's explanation names the hidden parts).
CONFIGURATOR_TEXT = (
    "[...document.body.children].filter((e) => e.id !== 'dss-share-bar')"
    ".map((e) => e.innerText).join('\\n')"
)
OWNER_ONLY_CALL = "/json/system/requestApplicationToken?applicationName=x"


@dataclass(frozen=True)
class Texts:
    locale: str
    open: str
    shared_with: str
    level: str
    time_left: re.Pattern[str]
    overview: str
    done: str
    logout: str
    sharing_tab: str
    hidden_note: str
    denied: str
    ended: str


GERMAN = Texts(
    "de-DE", "Konfigurator öffnen", "Freigabe für", "Zugriff: Konfigurieren",
    re.compile(r"Noch gültig: \d+ Std\. \d+ Min\."), "Zur Übersicht", "Job erledigt",
    "Abmelden", "Freigaben", "ausgeblendet", "Nicht erlaubt mit dieser Freigabe:",
    "Diese Freigabe ist beendet.",
)  # fmt: skip
ENGLISH = Texts(
    "en-GB", "Open the configurator", "Shared with", "Access: Configure",
    re.compile(r"Time left: \d+ h \d+ min"), "Back to overview", "Job done", "Log out",
    "Access sharing", "are hidden here", "Not allowed with this share:", "This share has ended.",
)  # fmt: skip


def on_appliance(www: Path) -> tuple[SimConfig, Callable[[Settings], Settings]]:
    """The sim's dSS port without pages; the add-on reads them from the document root."""
    write_www_pages(www)

    def configure(settings: Settings) -> Settings:
        return dataclasses.replace(settings, configurator_root=www)

    return SimConfig(www_pages=www), configure


async def open_configurator(
    stack: Stack, browser: Browser, texts: Texts
) -> tuple[Page, list[str], str]:
    created = await create_share(stack, level="configure", label="Elektro Müller")
    page, problems = await phone_page(browser, texts.locale)
    await page.goto(f"{stack.share_url}/s/#{created.secret}")
    await page.click("#open")
    await page.wait_for_url(re.compile(r"/s/app"))
    await page.get_by_role("link", name=texts.open).click()
    await page.wait_for_url(re.compile(r"/s/dss/"))
    return page, problems, created.share.id


async def check_configurator(stack: Stack, browser: Browser, texts: Texts) -> None:
    page, problems, share_id = await open_configurator(stack, browser, texts)
    bar = page.locator("#dss-share-bar")
    # The configurator itself works: it shows the rooms through the share site's /json.
    await expect(page.locator(".zone").first).to_be_visible()
    await expect(page.locator(".zone", has_text="Küche")).to_have_count(1)
    # The share bar: who, which access, how long, the way back and "Job done".
    await expect(bar).to_be_visible()
    await expect(bar).to_contain_text(texts.shared_with)
    await expect(bar).to_contain_text("Elektro Müller")
    await expect(page.locator("#dss-share-level")).to_have_text(texts.level)
    await expect(bar).to_contain_text(texts.time_left)
    await expect(bar).to_contain_text(texts.hidden_note)
    await expect(page.get_by_role("link", name=texts.overview)).to_be_visible()
    await expect(page.get_by_role("button", name=texts.done)).to_be_visible()
    # No owner identity, no logout, no add-on tab (whose frame the share site cannot fill).
    visible_text = await page.evaluate(CONFIGURATOR_TEXT)
    assert "dssadmin" not in visible_text
    await expect(page.get_by_role("button", name=texts.logout)).to_have_count(0)
    await expect(page.get_by_role("button", name=texts.sharing_tab)).to_have_count(0)
    await expect(page.locator("iframe")).to_be_hidden()
    assert texts.logout not in visible_text
    assert await no_horizontal_scroll(page)
    # A refused call (an owner-only one, as the configurator's owner parts would make) is
    # explained in the bar instead of failing silently.
    status = await page.evaluate(f"fetch('{OWNER_ONLY_CALL}').then((r) => r.status)")
    assert status == 403
    message = page.locator("#dss-share-message")
    await expect(message).to_be_visible()
    await expect(message).to_contain_text(texts.denied)
    # Back to the overview and again into the configurator.
    await page.get_by_role("link", name=texts.overview).click()
    await page.wait_for_url(re.compile(r"/s/app$"))
    await page.get_by_role("link", name=texts.open).click()
    await page.wait_for_url(re.compile(r"/s/dss/"))
    # "Job done" ends the share here, and the configurator is gone with it.
    await page.get_by_role("button", name=texts.done).click()
    await expect(message).to_contain_text(texts.ended)
    await expect(page.locator("main")).to_be_hidden()
    share = await stack.runtime.shares.get(share_id)
    assert share.ended_at is not None
    assert problems == []


async def test_configure_share_in_german(tmp_path: Path, browser: Browser) -> None:
    async with running_stack(tmp_path, owner=False) as stack:
        await check_configurator(stack, browser, GERMAN)


async def test_configure_share_in_english_on_the_appliance(
    tmp_path: Path, browser: Browser
) -> None:
    sim_config, configure = on_appliance(tmp_path / "www")
    async with running_stack(
        tmp_path, owner=False, sim_config=sim_config, configure=configure
    ) as stack:
        await check_configurator(stack, browser, ENGLISH)
