"""The whole add-on on the appliance's layout (dss_sim.appliance): the homeowner behind
lighttpd's digest login, whose dSS `token` cookie comes from the first /json call through the
trusted port, and the rule that nothing in the add-on ever reaches that trusted port."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from dss_sim.appliance import (
    Appliance,
    create_trusted_app,
    create_webfront_app,
    write_www_pages,
)
from dss_sim.config import SimConfig

from dss_addon.settings import Settings
from dss_addon.web.share.configurator_root import page_file
from tests.support.owner import OwnerClient, read
from tests.support.share_site import open_share, redeem
from tests.support.stack import Stack, running_stack

PASSWORD = "Haus-2026"


@dataclass
class Box:
    stack: Stack
    appliance: Appliance
    front: str  # lighttpd (digest login)
    trusted: str  # the dSS's trusted port


@pytest.fixture
async def box(tmp_path: Path) -> AsyncIterator[Box]:
    www = tmp_path / "www"
    write_www_pages(www)
    appliance = Appliance(www)

    def configure(settings: Settings) -> Settings:
        return dataclasses.replace(settings, configurator_root=www)

    sim_config = SimConfig(password=PASSWORD, www_pages=www)
    async with running_stack(tmp_path, sim_config=sim_config, configure=configure) as stack:
        front = TestServer(create_webfront_app(stack.sim, appliance), host="127.0.0.1")
        trusted = TestServer(create_trusted_app(stack.sim, appliance), host="127.0.0.1")
        async with front, trusted:
            yield Box(
                stack,
                appliance,
                str(front.make_url("")).rstrip("/"),
                str(trusted.make_url("")).rstrip("/"),
            )


def digest_browser() -> aiohttp.ClientSession:
    """The homeowner's browser after the digest login; cookies are handled by hand."""
    login = aiohttp.DigestAuthMiddleware("dssadmin", PASSWORD)
    return aiohttp.ClientSession(middlewares=(login,), cookie_jar=aiohttp.DummyCookieJar())


async def test_owner_identity_through_the_digest_login_and_the_first_json_call(box: Box) -> None:
    tab = box.front + "/add-ons/dss-share"
    async with digest_browser() as browser:
        page = await read(await browser.get(box.front + "/"))
        assert page.status == 200
        # Before any /json call there is no dSS session: the add-on does not take lighttpd's
        # Authorization header (it names the user, and proves nothing to the add-on).
        before = await read(await browser.get(tab + "/api/session"))
        assert before.status == 401
        # The configurator's first /json call: the dSS (trusted port) sets its token cookie.
        first = await read(await browser.post(box.front + "/json/system/loggedInUser"))
        assert first.json()["result"] == {"name": "dssadmin"}
        set_cookie = first.cookie("token")
        assert set_cookie is not None
        owner = OwnerClient(browser, tab, set_cookie.split(";")[0])
        await owner.fetch_csrf()
        session = (await owner.get("/api/session")).json()
        assert session["user"] == "dssadmin"
        created = await owner.create(label="Elektro Appliance", level="configure")
        page = await owner.get("/")
        assert page.status == 200
        assert "Elektro Appliance" in page.text
    link = str(created["link"])
    secret = link.partition("#")[2]
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        assert (await redeem(http, box.stack, secret)).status == 200
    # The add-on used only the dSS's own port; lighttpd's Authorization never reached it.
    assert box.appliance.trusted_calls == []
    assert not any("Authorization" in call.headers for call in box.stack.sim.calls)


async def test_nothing_in_the_add_on_connects_to_the_trusted_port(box: Box) -> None:
    stack = box.stack
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        helper = await open_share(http, stack, level="configure")
        assert (await helper.get("/s/dss/")).status == 200
        assert (await helper.get("/s/dss/sim-static/app.js")).status == 200
        for call in ("system/loggedInUser", "apartment/getStructure", "apartment/getName"):
            assert (await helper.post(f"/json/{call}")).status == 200, call
        # A client's Authorization header naming a user goes nowhere near a dSS port.
        named = {"Authorization": 'Digest username="dssadmin"'}
        assert (await helper.post("/json/apartment/getName", headers=named)).status == 200
        assert (await helper.post("/json/system/logout")).status == 200
        assert (await helper.post("/s/done", json={})).status == 200
    assert box.appliance.trusted_calls == []
    assert not any("Authorization" in call.headers for call in stack.sim.calls)
    # The check is live: the trusted listener records whoever reaches it.
    async with aiohttp.ClientSession() as http:
        async with http.get(box.trusted + "/json/system/loggedInUser") as resp:
            assert (await resp.json())["result"] == {}  # no name given: nobody
    assert [c.path for c in box.appliance.trusted_calls] == ["/json/system/loggedInUser"]


@pytest.mark.parametrize(
    "path",
    [
        "/../outside.html",
        "/sim-static/../../outside.html",
        "/sim-static/%2e%2e/index.html",
        "/index.html\x00.js",
        "/sim-static\\app.js",
        "/cgi-bin/reboot.html",
        "/add-ons/demo-addon/index.html",
        "//etc/passwd",
        "index.html",
        "/private.key",
    ],
)
def test_page_file_refuses_what_the_route_grammar_would_also_refuse(
    tmp_path: Path, path: str
) -> None:
    """The file layer checks again, without relying on the request grammar in front of it."""
    root = tmp_path / "www"
    write_www_pages(root)
    (tmp_path / "outside.html").write_text("outside")
    (root / "cgi-bin").mkdir()
    (root / "cgi-bin" / "reboot.html").write_text("cgi")
    (root / "private.key").write_text("key")
    assert page_file(root, path) is None
    assert page_file(root, "/") == (root / "index.html").resolve()
    assert page_file(root, "/sim-static/app.js") == (root / "sim-static" / "app.js").resolve()
