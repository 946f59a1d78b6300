"""--path-prefix: the dSS's lighttpd 1.4.32 forwards /add-ons/dss-share/... to the owner site
without stripping the path, so the owner site answers below the prefix as well as at /, and
its relative links lead to the same pages either way."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from dss_addon.errors import BadInput
from dss_addon.settings import Settings, parse_path_prefix
from tests.support.owner import OwnerClient, dss_login, hidden_csrf, read
from tests.support.stack import Stack, running_stack

PREFIX = "/add-ons/dss-share"


@pytest.fixture
async def prefixed(tmp_path: Path) -> AsyncIterator[Stack]:
    def configure(settings: Settings) -> Settings:
        return dataclasses.replace(settings, path_prefix=PREFIX)

    async with running_stack(tmp_path, configure=configure) as running:
        yield running


async def client_at(http: aiohttp.ClientSession, stack: Stack, base: str) -> OwnerClient:
    client = OwnerClient(http, base, f"token={await dss_login(stack)}")
    await client.fetch_csrf()
    return client


@pytest.mark.parametrize("value", ["/add-ons/dss-share", "/add-ons/dss-share/"])
def test_prefix_is_a_plain_path_without_trailing_slash(value: str) -> None:
    assert parse_path_prefix(value, option="--path-prefix") == PREFIX
    assert parse_path_prefix("/", option="--path-prefix") == ""


@pytest.mark.parametrize("value", ["add-ons", "/a/../b", "/a//b", "/a b", "/a?x", "/%2e%2e"])
def test_prefix_rejects_what_is_not_a_plain_path(value: str) -> None:
    with pytest.raises(BadInput):
        parse_path_prefix(value, option="--path-prefix")


async def test_owner_api_and_pages_answer_below_the_prefix_and_at_the_root(
    prefixed: Stack, http: aiohttp.ClientSession
) -> None:
    under = await client_at(http, prefixed, prefixed.owner_url + PREFIX)
    created = await under.create(label="Unter dem Präfix")
    share = created["share"]
    assert isinstance(share, dict)
    direct = await client_at(http, prefixed, prefixed.owner_url)
    listed = await direct.get("/api/shares")
    assert share["id"] in listed.text
    index = await under.get("/")
    assert index.status == 200
    assert "Unter dem Präfix" in index.text
    # Relative links: from the prefix's root they stay below the prefix.
    assert not re.search(r'(href|src|action)="/', index.text)
    link = re.search(r'href="(shares/[^"]+)"', index.text)
    assert link is not None
    detail = await under.get("/" + link.group(1))
    assert detail.status == 200
    assert 'href="../"' in detail.text  # back to the list: the prefix's root, not the host's
    css = await read(await http.get(prefixed.owner_url + PREFIX + "/static/app.css"))
    assert css.status == 200
    api_error = await under.get("/api/shares/does-not-exist")
    assert api_error.headers["Content-Type"].startswith("application/json")


async def test_prefix_without_slash_redirects_and_login_form_posts_relatively(
    prefixed: Stack, http: aiohttp.ClientSession
) -> None:
    bare = await http.get(prefixed.owner_url + PREFIX, allow_redirects=False)
    assert bare.status == 301
    assert bare.headers["Location"] == PREFIX + "/"
    anonymous = OwnerClient(http, prefixed.owner_url + PREFIX, "")
    login = await anonymous.get("/login")
    right = await anonymous.post_form(
        "/login", {"csrf": hidden_csrf(login.text), "password": "dssadmin"}
    )
    assert right.status == 303
    assert right.headers["Location"] == "./"  # resolves to /add-ons/dss-share/ in the browser


async def test_without_a_prefix_the_prefixed_paths_do_not_exist(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    reply = await read(await http.get(stack.owner_url + PREFIX + "/api/session"))
    assert reply.status == 404
