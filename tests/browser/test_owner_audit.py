"""The readable German audit in Chromium: names instead of API names, German reasons, local
times, the kind filter, and a CSV download that German spreadsheet programs open."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from playwright.async_api import Browser, expect

from tests.support.browser import owner_context, screenshot_dir
from tests.support.share_site import open_share
from tests.support.stack import Stack

pytestmark = pytest.mark.browser
ZONE = 989


async def test_the_german_audit_reads_like_german(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    async with aiohttp.ClientSession() as http:
        helper = await open_share(http, stack, level="operate")
        ok = await helper.get(f"/json/zone/callScene?id={ZONE}&groupID=1&sceneNumber=5")
        assert ok.status == 200
        refused = await helper.get("/json/database/query")
        assert refused.status == 403
    share_id = helper.created.share.id
    context = await owner_context(browser, stack, locale="de-DE", timezone_id="Europe/Berlin")
    page = await context.new_page()
    await page.goto(f"{stack.owner_url}/shares/{share_id}")
    timeline = page.locator(".timeline")
    call = timeline.locator("li.event-call")
    await expect(call).to_contain_text("Szene aufgerufen")
    await expect(call).to_contain_text("Wohnen · Licht · Szene Stimmung 1")
    await expect(call).to_contain_text("erlaubt für Stufe operate")
    await expect(call.locator("time")).to_contain_text("27.11.2026")
    await expect(call.locator(".action")).to_have_attribute(
        "title", f"zone/callScene?id={ZONE}&groupID=1&sceneNumber=5"
    )
    await expect(timeline.locator("li.event-created")).to_contain_text("von dssadmin")
    text = await timeline.inner_text()
    for english in ("allowed for level", "by dssadmin", "callScene"):
        assert english not in text
    await page.screenshot(path=str(screenshot_dir(tmp_path / "shots") / "audit-de.png"),
                          full_page=True)

    await page.get_by_role("link", name="Abgelehnt", exact=True).click()
    await expect(timeline.locator("li")).to_have_count(1)
    await expect(timeline.locator("li.event-denied")).to_contain_text("immer gesperrt")

    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Als CSV herunterladen").click()
    saved = await (await downloading.value).path()
    content = (await asyncio.to_thread(Path(saved).read_bytes)).decode("utf-8")
    assert content.startswith("\ufeffNr.;Zeit;Ereignis;")
    assert "Abgelehnt" in content
    assert "Szene aufgerufen" not in content  # the filter applies to the download too

    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Prüfbare Kopie (JSON)").click()
    saved = await (await downloading.value).path()
    export = (await asyncio.to_thread(Path(saved).read_bytes)).decode("utf-8")
    assert '"format": "dss-share-audit-chain/1"' in export
