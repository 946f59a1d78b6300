"""Where a link works: the settings page for the public address, the choice in the create form,
and what the created page and the e-mail say about it."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import unquote

import aiohttp
import pytest

from dss_addon.settings import Settings
from dss_addon.web.owner.link_settings import LINK_SETTINGS_FILE
from tests.support.owner import OwnerClient, hidden_csrf, owner_client
from tests.support.shares import all_shares
from tests.support.stack import Stack, running_stack

PUBLIC = "https://haus.example.net"


def settings_file(stack: Stack) -> Path:
    return stack.runtime.settings.data_dir / LINK_SETTINGS_FILE


def link_in(html: str) -> str:
    found = re.search(r'id="share-link" type="text" readonly value="([^"]+)"', html)
    assert found, "no link on the page"
    return found.group(1)


def mail_in(html: str) -> str:
    found = re.search(r'href="(mailto:[^"]+)"', html)
    assert found
    return unquote(found.group(1).replace("&amp;", "&"))


async def save_public_url(owner: OwnerClient, url: str) -> str:
    page = await owner.get("/settings")
    reply = await owner.post_form("/settings", {"public_url": url, "csrf": hidden_csrf(page.text)})
    assert reply.status == 200, reply.text
    return reply.text


async def create(owner: OwnerClient, **fields: str) -> tuple[int, str]:
    form = {"label": "Elektro Müller", "level": "operate", "duration": "240", **fields}
    form["csrf"] = hidden_csrf((await owner.get("/new")).text)
    reply = await owner.post_form("/new", form)
    return reply.status, reply.text


async def test_without_a_public_address_links_work_at_home_and_say_so(
    stack: Stack, owner: OwnerClient
) -> None:
    form = (await owner.get("/new")).text
    assert re.search(r'name="where" value="home"\s+checked', form)
    assert re.search(r'name="where" value="anywhere"\s+disabled', form)
    assert "noch keine eingetragen" in form
    status, html = await create(owner)
    assert status == 200
    assert link_in(html).startswith(stack.share_url + "/s/#")
    assert 'data-place="home"' in html
    assert "nur auf diesem Gerät" in html  # the test stack's share site is on 127.0.0.1
    assert "nur vor Ort" in mail_in(html)


async def test_from_anywhere_is_refused_until_an_address_is_set(
    stack: Stack, owner: OwnerClient
) -> None:
    status, html = await create(owner, where="anywhere")
    assert status == 400
    assert 'id="where-error"' in html
    assert "öffentliche Adresse" in html
    assert await all_shares(stack.runtime.shares) == []


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://haus.example.net", "not_https"),
        ("https://192.168.1.20:8443", "home_address"),
        ("https://127.0.0.1", "home_address"),
        ("https://dss.local", "local_name"),
        ("https://admin:geheim@haus.example.net", "user_info"),
    ],
)
async def test_a_public_address_that_cannot_work_is_explained_and_not_saved(
    stack: Stack, owner: OwnerClient, url: str, problem: str
) -> None:
    page = await owner.get("/settings")
    reply = await owner.post_form("/settings", {"public_url": url, "csrf": hidden_csrf(page.text)})
    assert reply.status == 400
    assert f'data-problem="{problem}"' in reply.text
    assert 'aria-invalid="true"' in reply.text
    assert not settings_file(stack).exists()


async def test_a_public_address_makes_links_work_from_anywhere(
    stack: Stack, owner: OwnerClient
) -> None:
    saved = await save_public_url(owner, PUBLIC + "/")
    assert 'role="status"' in saved  # the success is announced
    assert json.loads(settings_file(stack).read_text()) == {"public_url": PUBLIC}
    form = (await owner.get("/new")).text
    assert re.search(r'name="where" value="anywhere"\s+checked', form)  # the default now
    status, html = await create(owner, where="anywhere")
    assert status == 200
    assert link_in(html).startswith(PUBLIC + "/s/#")
    assert 'data-place="anywhere"' in html
    assert "auch von unterwegs" in mail_in(html)
    status, html = await create(owner, where="home")
    assert link_in(html).startswith(stack.share_url + "/s/#")
    # Emptying the field removes the address again.
    await save_public_url(owner, "")
    assert json.loads(settings_file(stack).read_text()) == {"public_url": ""}
    assert re.search(r'name="where" value="anywhere"\s+disabled', (await owner.get("/new")).text)


async def test_saving_the_settings_needs_the_csrf_field(stack: Stack, owner: OwnerClient) -> None:
    reply = await owner.post_form("/settings", {"public_url": PUBLIC})
    assert reply.status == 403
    assert not settings_file(stack).exists()


async def test_a_hand_edited_settings_file_cannot_point_links_home(
    stack: Stack, owner: OwnerClient
) -> None:
    settings_file(stack).write_text(json.dumps({"public_url": "http://10.0.0.1"}))
    assert re.search(r'name="where" value="anywhere"\s+disabled', (await owner.get("/new")).text)
    settings_file(stack).write_text("{not json")
    assert (await owner.get("/new")).status == 200


async def test_anonymous_visitors_get_the_login_page(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    async with http.get(stack.owner_url + "/settings") as reply:
        assert reply.status == 401
        assert "Passwort" in await reply.text()


@pytest.fixture
async def fixed_stack(tmp_path: Path) -> AsyncIterator[Stack]:
    def configure(settings: Settings) -> Settings:
        return dataclasses.replace(settings, public_url=PUBLIC + ":8443")

    async with running_stack(tmp_path, configure=configure) as running:
        yield running


async def test_a_public_address_from_the_command_line_wins_and_is_shown(
    fixed_stack: Stack, http: aiohttp.ClientSession
) -> None:
    owner = await owner_client(http, fixed_stack)
    page = await owner.get("/settings")
    assert 'id="public-fixed"' in page.text
    assert PUBLIC + ":8443" in page.text
    assert 'id="settings-form"' not in page.text
    status, html = await create(owner)
    assert status == 200
    assert link_in(html).startswith(PUBLIC + ":8443/s/#")
