"""The appliance model: lighttpd's digest login and document root, and the dSS's trusted port
(webserver.cpp httpRequestCallback: the user named in `Authorization`, no password)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from dss_sim.app import create_sim_app
from dss_sim.appliance import (
    Appliance,
    create_trusted_app,
    create_webfront_app,
    docroot_file,
    parse_digest,
    write_www_pages,
)
from dss_sim.clock import ManualClock
from dss_sim.config import SimConfig
from dss_sim.sim import Simulator
from dss_sim.trusted import trusted_user

PASSWORD = "geheim-123"


@pytest.mark.parametrize(("header", "user"), [
    ('Digest username="dssadmin", realm="dSS"', "dssadmin"),
    ('Digest realm="dSS", username="installer"', "installer"),
    ('Digest username=dssadmin', None),  # unquoted: not found
    ('Digest,username="dssadmin"', None),  # the key needs its leading space
    ('Digest username="dssadmin', None),  # no closing quote
    ("Basic ZHNzYWRtaW46eA==", None),
    ('Digest username=""', None),
    ("", None),
    (None, None),
])
def test_trusted_user_reads_only_the_quoted_name(header: str | None, user: str | None) -> None:
    assert trusted_user(header) == user


def test_parse_digest_reads_quoted_and_plain_values() -> None:
    fields = parse_digest('Digest username="a, b", qop=auth, nc=00000001, uri="/x?y=1"')
    assert fields == {"username": "a, b", "qop": "auth", "nc": "00000001", "uri": "/x?y=1"}
    assert parse_digest("Basic abc") is None


def test_docroot_file_stays_inside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "www"
    write_www_pages(root)
    (tmp_path / "secret.html").write_text("secret")
    (root / "out.html").symlink_to(tmp_path / "secret.html")
    assert docroot_file(root, "/") == (root / "index.html").resolve()
    assert docroot_file(root, "/add-ons/demo-addon/") is not None
    for path in ("/../secret.html", "/out.html", "/sim-static/../../secret.html",
                 "/index.html\x00.js", "/sim-static\\app.js", "/missing.html"):
        assert docroot_file(root, path) is None, path


@dataclass
class Box:
    sim: Simulator
    appliance: Appliance
    dss: str
    front: str
    trusted: str


@pytest.fixture
async def box(tmp_path: Path) -> AsyncIterator[Box]:
    www = tmp_path / "www"
    write_www_pages(www)
    sim = Simulator(SimConfig(password=PASSWORD, www_pages=www), clock=ManualClock())
    appliance = Appliance(www)
    servers = [TestServer(create_sim_app(sim)), TestServer(create_webfront_app(sim, appliance)),
               TestServer(create_trusted_app(sim, appliance))]
    for server in servers:
        await server.start_server()
    try:
        urls = [str(server.make_url("")).rstrip("/") for server in servers]
        yield Box(sim, appliance, *urls)
    finally:
        for server in servers:
            await server.close()


async def test_trusted_port_believes_the_named_user_and_sets_the_cookie(box: Box) -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        named = {"Authorization": 'Digest username="dssadmin"'}
        async with http.get(f"{box.trusted}/json/system/loggedInUser", headers=named) as resp:
            assert resp.status == 200
            assert (await resp.json())["result"] == {"name": "dssadmin"}
            cookie = resp.headers["Set-Cookie"]
        token = cookie.split(";")[0].removeprefix("token=")
        assert cookie == f"token={token}; path=/; HttpOnly; Secure"
        # The session is an ordinary one: the dSS's own port knows it.
        async with http.get(f"{box.dss}/json/system/loggedInUser?token={token}") as resp:
            assert (await resp.json())["result"] == {"name": "dssadmin"}
        # With its cookie the next call is that session: no second cookie.
        both = {**named, "Cookie": f"token={token}"}
        async with http.get(f"{box.trusted}/json/apartment/getName", headers=both) as resp:
            assert resp.status == 200
            assert "Set-Cookie" not in resp.headers
        # The session is made before the class is looked at: an unknown class has it too.
        async with http.get(f"{box.trusted}/json/nosuchclass/x", headers=named) as resp:
            assert resp.status == 404
            assert resp.headers["Set-Cookie"].startswith("token=")
        # An unknown user: the dSS declines, civetweb's empty web root answers.
        other = {"Authorization": 'Digest username="mallory"'}
        async with http.get(f"{box.trusted}/json/system/loggedInUser", headers=other) as resp:
            assert resp.status == 404
        # No Authorization: an ordinary request without a session.
        async with http.get(f"{box.trusted}/json/apartment/getName") as resp:
            assert resp.status == 403
    assert [c.path for c in box.appliance.trusted_calls] == [
        "/json/system/loggedInUser", "/json/apartment/getName", "/json/nosuchclass/x",
        "/json/system/loggedInUser", "/json/apartment/getName"]


async def test_the_dss_port_trusts_no_authorization(box: Box) -> None:
    async with aiohttp.ClientSession() as http:
        headers = {"Authorization": 'Digest username="dssadmin"'}
        async with http.get(f"{box.dss}/json/apartment/getName", headers=headers) as resp:
            assert resp.status == 403
            assert "Set-Cookie" not in resp.headers


async def test_web_front_requires_the_digest_login(box: Box) -> None:
    async with aiohttp.ClientSession() as http:
        for path in ("/", "/json/system/loggedInUser", "/add-ons/demo-addon/", "/cgi-bin/reboot"):
            async with http.get(f"{box.front}{path}") as resp:
                assert resp.status == 401, path
                assert resp.headers["WWW-Authenticate"].startswith('Digest realm="dSS"')
    wrong = aiohttp.DigestAuthMiddleware("dssadmin", "wrong")
    async with aiohttp.ClientSession(middlewares=(wrong,)) as http:
        async with http.get(f"{box.front}/") as resp:
            assert resp.status == 401


async def test_web_front_serves_the_document_root_and_sets_the_dss_cookie(box: Box) -> None:
    login = aiohttp.DigestAuthMiddleware("dssadmin", PASSWORD)
    async with aiohttp.ClientSession(middlewares=(login,),
                                     cookie_jar=aiohttp.DummyCookieJar()) as http:
        async with http.get(f"{box.front}/") as resp:
            assert resp.status == 200
            assert 'src="/sim-static/app.js"' in await resp.text()
        async with http.get(f"{box.front}/add-ons/demo-addon/") as resp:
            assert "Demo add-on" in await resp.text()
        async with http.get(f"{box.front}/json/system/loggedInUser") as resp:
            assert (await resp.json())["result"] == {"name": "dssadmin"}
            assert resp.headers["Set-Cookie"].startswith("token=")
        async with http.get(f"{box.front}/sim-static/../../etc/passwd") as resp:
            assert resp.status == 404
    # lighttpd reached the trusted port itself: nothing else did.
    assert box.appliance.trusted_calls == []


async def test_the_dss_port_serves_no_pages_on_the_appliance(box: Box) -> None:
    async with aiohttp.ClientSession() as http:
        for path in ("/", "/sim-static/app.js", "/index.html", "/add-ons/dss-share/",
                     "/cgi-bin/reboot"):
            async with http.get(f"{box.dss}{path}") as resp:
                assert resp.status == 404, path
