"""The electrician's overview reads like the installation (issue 10, item 9): its own scene
names as buttons, devices by what they are (blinds and sensors are not on/off), feedback on a
tap, events in words, and a search and folded rooms for a home with 50 rooms."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from dss_sim.config import SimConfig
from playwright.async_api import Browser, Page, expect

from tests.support.browser import PHONE, eventually, no_horizontal_scroll, screenshot_dir
from tests.support.share_site import create_share
from tests.support.stack import Stack, running_stack

pytestmark = pytest.mark.browser

WOHNEN = 989
KUECHE = 990


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path, owner=False) as running:
        yield running


async def open_overview(
    stack: Stack, browser: Browser, *, level: str, locale: str = "de-DE",
    zones: list[int] | None = None,
) -> Page:
    created = await create_share(stack, level=level, zones=zones)
    context = await browser.new_context(viewport=PHONE, is_mobile=True, locale=locale)
    page = await context.new_page()
    await page.goto(f"{stack.share_url}/s/#{created.secret}")
    await page.click("#open")
    await page.wait_for_url(re.compile(r"/s/app"))
    await expect(page.locator("article.zone").first).to_be_visible()
    return page


async def test_named_scenes_are_buttons_and_a_tap_is_confirmed_in_words(
    stack: Stack, browser: Browser, tmp_path: Path
) -> None:
    page = await open_overview(stack, browser, level="operate")
    wohnen = page.locator("article.zone", has_text="Wohnen")
    await wohnen.get_by_role("button", name="Fernsehen").click()
    await eventually(lambda: stack.sim.zone(WOHNEN).groups[1].last_called_scene == 5)
    status = page.get_by_role("status")
    await expect(status).to_contain_text("Ausgeführt: Fernsehen (Licht an) · Wohnen")
    await expect(page.locator("#events li").first).to_contain_text("Wohnen · Licht · Fernsehen")
    events = await page.locator("#events").inner_text()
    assert "callScene" not in events
    assert "Szene 5" not in events
    # The shades' own scene and the standard ones read as a homeowner says them.
    await wohnen.get_by_role("button", name="Jalousie ab").click()
    await expect(page.locator("#events li").first).to_contain_text("Wohnen · Beschattung · Ab")
    kueche = page.locator("article.zone", has_text="Küche")
    await expect(kueche.get_by_role("button", name="Kochen")).to_be_visible()
    assert await no_horizontal_scroll(page)
    await page.screenshot(path=screenshot_dir(tmp_path) / "overview.png")


async def test_devices_show_what_they_are_not_all_on_or_off(stack: Stack, browser: Browser) -> None:
    page = await open_overview(stack, browser, level="view", locale="en-GB")

    def device(name: str) -> Any:
        return page.locator("li.device", has_text=name)

    await expect(device("Rollladen Terrasse").locator(".kind")).to_have_text("Blind / shutter")
    await expect(device("Rollladen Terrasse").locator(".state")).to_have_count(0)
    await expect(device("Raumsensor Bad").locator(".state")).to_have_count(0)
    await expect(device("Raumsensor Bad")).to_contain_text("Humidity 48 %")
    await expect(device("Heizung Wohnen").locator(".state")).to_have_count(0)
    await expect(device("Heizung Wohnen")).to_contain_text("Room temperature 21.5 °C")
    await expect(device("Deckenleuchte Wohnen").locator(".state")).to_have_count(1)
    # A view share lists the room's named scenes but offers no button for them.
    wohnen = page.locator("article.zone", has_text="Wohnen")
    await expect(wohnen.locator(".scenes")).to_contain_text("Fernsehen")
    await expect(page.get_by_role("button", name="Fernsehen")).to_have_count(0)


def fifty_rooms(tmp_path: Path) -> Path:
    """The packaged apartment with its rooms copied until there are 50 (new ids and names)."""
    text = resources.files("dss_sim").joinpath("fixtures/apartment.json").read_text("utf-8")
    apartment: dict[str, Any] = json.loads(text)
    zones, devices = list(apartment["zones"]), list(apartment["devices"])
    key = "id" if "id" in zones[0] else "zoneID"
    serial = 0
    for n in range(1, 8):
        for zone in zones:
            if len(apartment["zones"]) >= 50:
                break
            new_id = 2000 + len(apartment["zones"])
            copy = dict(zone, name=f"{zone['name']} {n + 1}", sceneNames=[])
            copy[key] = new_id
            apartment["zones"].append(copy)
            for dev in devices:
                if int(dev["zoneID"]) != int(zone[key]):
                    continue
                serial += 1
                clone = dict(dev, zoneID=new_id, name=f"{dev['name']} {n + 1}")
                for field in ("dSID", "dSUID"):
                    value = str(dev[field])
                    clone[field] = value[: -6] + f"{serial:06X}"
                apartment["devices"].append(clone)
    path = tmp_path / "fifty.json"
    path.write_text(json.dumps(apartment), "utf-8")
    return path


async def test_fifty_rooms_fold_and_the_search_finds_a_room_or_a_device(
    tmp_path: Path, browser: Browser
) -> None:
    config = SimConfig(fixture=fifty_rooms(tmp_path))
    async with running_stack(tmp_path, owner=False, sim_config=config) as stack:
        page = await open_overview(stack, browser, level="operate")
        await expect(page.locator("article.zone")).to_have_count(50)
        # Folded: no room's buttons are in the way until it is opened or searched for.
        await expect(page.locator("article.zone details[open]")).to_have_count(0)
        await page.get_by_label("Raum oder Gerät suchen").fill("kuche 3")
        await expect(page.locator("article.zone:visible")).to_have_count(1)
        await expect(page.locator("#search-count")).to_have_text("1 / 50 Räumen")
        kitchen = page.locator("article.zone:visible")
        await expect(kitchen.get_by_role("button", name="Licht an")).to_be_visible()
        await page.get_by_label("Raum oder Gerät suchen").fill("Dunstabzug")
        await expect(page.locator("article.zone:visible")).to_have_count(7)
        await expect(page.locator("li.device:visible")).to_have_count(7)
        await page.get_by_label("Raum oder Gerät suchen").fill("gibt es nicht")
        await expect(page.locator("#no-match")).to_be_visible()
        assert await no_horizontal_scroll(page)
        # Close the page before the stack: its event long-poll would hold the share site open.
        await page.context.close()
