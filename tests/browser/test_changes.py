"""'Was wurde geändert?' in the owner's browser (issue 11): a configure share renames a device
and changes a scene value; the owner undoes one change, then the rest, past a conflicting
change of their own that is shown and not overwritten silently; the simulator ends as before."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, Page, expect

from tests.support.browser import WIDE, accept, owner_context, screenshot_dir
from tests.support.owner import dss_login
from tests.support.share_site import Helper, open_share
from tests.support.stack import Stack

pytestmark = pytest.mark.browser

LIGHT_KUECHE = "303505d7f80000000000000061fc6eb300"


async def _electrician_configures(helper: Helper) -> None:
    for path in (
        f"/json/device/setName?dsuid={LIGHT_KUECHE}&newName=Spot%20neu",
        f"/json/device/setSceneValue?dsuid={LIGHT_KUECHE}&sceneID=5&value=128",
    ):
        resp = await helper.get(path)
        assert (await resp.json())["ok"] is True


async def _owner_page(browser: Browser, stack: Stack) -> Page:
    context = await owner_context(browser, stack, viewport=WIDE, locale="de-DE")
    page = await context.new_page()
    page.on("dialog", accept)
    return page


async def test_owner_sees_and_undoes_what_a_share_changed(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    shots = screenshot_dir(tmp_path / "screenshots")
    device = stack.sim.device(LIGHT_KUECHE)
    old_name, old_value = device.name, 255
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        helper = await open_share(http, stack, level="configure", label="Elektro Müller")
        await _electrician_configures(helper)
    share_id = helper.created.share.id

    page = await _owner_page(browser, stack)
    await page.goto(f"{stack.owner_url}/shares/{share_id}")
    await page.click("#changes-link")
    changes = page.locator("#changes")
    await expect(changes.get_by_role("heading", name="Was wurde geändert?")).to_be_visible()
    group = changes.locator("section.change-group", has_text=old_name)
    await expect(group).to_contain_text("Küche")  # grouped by device, with its room
    rename = group.locator("li.change", has_text="Name:")
    scene = group.locator("li.change", has_text="Wert der Szene 5")
    await expect(rename).to_contain_text("„Spot neu“")
    await expect(scene).to_contain_text("„255“ → „128“")
    await page.screenshot(path=str(shots / "changes.png"), full_page=True)

    # Undo one change (the confirm dialog is accepted).
    await rename.get_by_role("button", name="Rückgängig").click()
    await expect(page.locator("li.change.undone", has_text="Spot neu")).to_be_visible()
    assert device.name == old_name
    assert device.scene_values[5] == 128

    # The owner changes the scene value directly on the dSS in between.
    token = await dss_login(stack)
    await stack.runtime.dss.call(
        "device", "setSceneValue", {"dsuid": LIGHT_KUECHE, "sceneID": "5", "value": "77"}, token
    )
    await page.click("#undo-all")
    conflict = page.locator("#undo-conflict")
    await expect(conflict).to_be_visible()
    await expect(conflict).to_contain_text("„77“")
    assert device.scene_values[5] == 77  # shown, not overwritten
    await page.screenshot(path=str(shots / "conflict.png"), full_page=True)

    await page.click("#force-undo")
    await expect(page.locator("#undo-conflict")).to_have_count(0)
    await expect(page.locator("#undo-all")).to_have_count(0)  # nothing of the share is left
    assert device.name == old_name
    assert device.scene_values[5] == old_value
