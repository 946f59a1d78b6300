"""The owner tab opened on the appliance before the configurator made any /json call: the web
front has logged the homeowner in (digest), but the dSS hands out its `token` cookie only on the
first /json call. The tab makes that call itself instead of asking for a password."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser, expect

from tests.integration.share_site.test_configurator_appliance import (
    PASSWORD,
    Box,
)
from tests.integration.share_site.test_configurator_appliance import (
    box as box,
)

pytestmark = pytest.mark.browser


async def test_the_tab_needs_no_password_behind_the_web_front(
    box: Box, browser: Browser
) -> None:
    context = await browser.new_context(
        http_credentials={"username": "dssadmin", "password": PASSWORD}, locale="de-DE"
    )
    page = await context.new_page()
    await page.goto(box.front + "/add-ons/dss-share/")
    # The first answer is the password form; its script makes the /json call and reloads.
    await expect(page.locator("#login-form")).to_have_count(0)
    await expect(page.get_by_role("link", name="Neue Freigabe")).to_be_visible()
    assert box.appliance.trusted_calls == []  # the add-on itself never used the trusted port
    await context.close()


async def test_without_a_dss_behind_the_origin_the_password_form_stays(
    box: Box, browser: Browser
) -> None:
    page = await browser.new_page(locale="de-DE")
    await page.goto(box.stack.owner_url + "/")
    await expect(page.locator("#login-form")).to_be_visible()
    await page.wait_for_load_state("networkidle")
    await expect(page.locator("#login-form")).to_be_visible()
    await page.close()
