"""Configure shares on the appliance's layout: the configurator's pages come from the web
front's document root (--configurator-root), never from the dSS's port (which serves none
there), and nothing outside that folder or in its owner-only areas can be read."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from dss_sim.appliance import write_www_pages
from dss_sim.config import SimConfig

from dss_addon.settings import Settings
from dss_addon.web.share.keys import SESSION_COOKIE
from tests.support.share_site import Helper, open_share, raw_get, raw_request, sim_paths
from tests.support.stack import Stack, running_stack

SECRET = "top-secret-outside-the-document-root"


@pytest.fixture
def www(tmp_path: Path) -> Path:
    """An appliance document root with traps: files and folders outside it reached through
    symlinks, a CGI folder, another add-on's page and the add-on's own tab."""
    root = tmp_path / "www"
    write_www_pages(root)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.html").write_text(SECRET)
    (outside / "index.html").write_text(SECRET)
    (root / "leak.html").symlink_to(outside / "secret.html")
    (root / "sim-static" / "leak.js").symlink_to(outside / "secret.html")
    (root / "outdir").symlink_to(outside)
    (root / "loop.html").symlink_to(root / "loop.html")
    (root / "cgi-bin").mkdir()
    (root / "cgi-bin" / "reboot.html").write_text(SECRET)
    (root / "add-ons" / "dss-share").mkdir(parents=True)
    (root / "add-ons" / "dss-share" / "index.html").write_text(SECRET)
    (root / "add-ons" / "demo-addon" / "index.html").write_text(SECRET)
    (root / "private.key").write_text(SECRET)
    (root / "sim-static" / "help.html").write_text("<html><head></head><body>Hilfe</body></html>")
    return root


@pytest.fixture
async def stack(tmp_path: Path, www: Path) -> AsyncIterator[Stack]:
    def configure(settings: Settings) -> Settings:
        return dataclasses.replace(settings, configurator_root=www)

    async with running_stack(
        tmp_path, owner=False, sim_config=SimConfig(www_pages=www), configure=configure
    ) as running:
        yield running


async def test_configure_share_gets_the_pages_from_the_document_root(
    http: aiohttp.ClientSession, stack: Stack
) -> None:
    helper = await open_share(http, stack, level="configure")
    since = len(stack.sim.calls)
    resp = await helper.get("/s/dss/")
    assert resp.status == 200
    page = await resp.text()
    assert "digitalSTROM" in page
    assert 'src="/s/dss/sim-static/app.js"' in page  # rebased onto the configurator route
    assert 'id="dss-share-bar"' in page
    assert page.index("/s/static/share-bar.js") < page.index("/s/dss/sim-static/app.js")
    script = await helper.get("/s/dss/sim-static/app.js")
    assert script.status == 200
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert "loggedInUser" in await script.text()
    assert (await helper.get("/s/dss/sim-static/style.css")).status == 200
    help_page = await helper.get("/s/dss/sim-static/help.html")
    assert 'id="dss-share-bar"' in await help_page.text()
    # Nothing was fetched from the dSS's port for it.
    assert sim_paths(stack, since) == []


async def test_the_dss_port_has_no_pages_on_the_appliance(
    http: aiohttp.ClientSession, stack: Stack
) -> None:
    async with http.get(f"{stack.sim_url}/") as resp:
        assert resp.status == 404


@pytest.mark.parametrize(
    "path",
    [
        "/s/dss/../secret.html",
        "/s/dss/..%2fsecret.html",
        "/s/dss/%2e%2e/outside/secret.html",
        "/s/dss/%2E%2E/%2E%2E/etc/passwd",
        "/s/dss/sim-static/../../outside/secret.html",
        "/s/dss/sim-static/%2e%2e/%2e%2e/outside/secret.html",
        "/s/dss/leak.html",
        "/s/dss/sim-static/leak.js",
        "/s/dss/outdir/",
        "/s/dss/outdir/secret.html",
        "/s/dss/loop.html",
        "/s/dss/cgi-bin/reboot.html",
        "/s/dss/cgi-bin/",
        "/s/dss/CGI-BIN/reboot.html",
        "/s/dss/add-ons/dss-share/",
        "/s/dss/add-ons/demo-addon/index.html",
        "/s/dss/index.html%00.js",
        "/s/dss/sim-static%5capp.js",
        "/s/dss/sim-static\\..\\..\\outside\\secret.html",
        "/s/dss//etc/passwd",
        "/s/dss/private.key",
        "/s/dss/.%2e/secret.html",
    ],
)
async def test_nothing_outside_the_document_root_or_owner_only(
    http: aiohttp.ClientSession, stack: Stack, path: str
) -> None:
    helper = await open_share(http, stack, level="configure")
    cookie = f"Cookie: {SESSION_COOKIE}={helper.cookie}\r\n"
    status, body = await raw_request(stack.share_url, raw_get(path, headers=cookie))
    assert status in (400, 403, 404), (path, status)
    assert SECRET.encode() not in body


async def test_other_levels_get_no_configurator_pages(
    http: aiohttp.ClientSession, stack: Stack
) -> None:
    for level in ("view", "operate"):
        helper: Helper = await open_share(http, stack, level=level)
        resp = await helper.get("/s/dss/")
        assert resp.status == 403, level
        assert 'id="dss-share-bar"' not in await resp.text()
    anonymous = await http.get(f"{stack.share_url}/s/dss/")
    assert anonymous.status == 401


async def test_without_a_root_pages_still_come_from_the_dss_port_with_the_bar(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    async with running_stack(tmp_path / "dev", owner=False) as dev:
        helper = await open_share(http, dev, level="configure", label="Elektro <Müller>")
        since = len(dev.sim.calls)
        resp = await helper.get("/s/dss/?lang=en")
        page = await resp.text()
        assert resp.status == 200
        assert sim_paths(dev, since) == ["/"]
        assert page.count('id="dss-share-bar"') == 1
        assert "Elektro &lt;Müller&gt;" in page  # the label is escaped
        assert "Job done" in page
