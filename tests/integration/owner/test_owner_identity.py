"""Who may use the owner site: a live dSS session (cookie from the dSS web front) or the
add-on's own owner session after the dssadmin password; nobody else."""

from __future__ import annotations

import aiohttp
import pytest

from tests.support.owner import OwnerClient, dss_login, read
from tests.support.shares import all_shares
from tests.support.stack import Stack

BOGUS = "token=" + "ab" * 32


@pytest.mark.parametrize("cookie", ["", BOGUS, "token=", "dss_share_owner=forged"])
async def test_api_answers_401_without_a_valid_dss_session(
    stack: Stack, http: aiohttp.ClientSession, cookie: str
) -> None:
    client = OwnerClient(http, stack.owner_url, cookie)
    for path in ("/api/session", "/api/shares", "/api/shares/abc", "/api/shares/abc/audit"):
        reply = await client.get(path)
        assert reply.status == 401, path
        assert reply.json()["error"] == "not_authenticated"
    reply = await client.post("/api/shares", {"label": "x"})
    assert reply.status == 401
    assert await all_shares(stack.runtime.shares) == []


async def test_expired_dss_session_is_refused(stack: Stack, http: aiohttp.ClientSession) -> None:
    token = await dss_login(stack)
    await stack.runtime.dss.logout(token)
    reply = await OwnerClient(http, stack.owner_url, f"token={token}").get("/api/session")
    assert reply.status == 401


async def test_dss_cookie_identifies_the_owner_directly(owner: OwnerClient) -> None:
    reply = await owner.get("/api/session")
    assert reply.status == 200
    body = reply.json()
    assert body["user"] == "dssadmin"
    assert isinstance(body["csrf"], str)
    assert len(body["csrf"]) >= 32


async def test_dss_cookie_identifies_the_owner_through_the_dss_web_front(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    token = await dss_login(stack)
    front = OwnerClient(http, stack.sim_url + "/add-ons/dss-share", f"token={token}")
    await front.fetch_csrf()
    created = await front.create(label="Through the front")
    assert str(created["link"]).startswith(stack.share_url + "/s/#")
    listed = (await front.get("/api/shares")).json()["shares"]
    assert isinstance(listed, list)
    assert [s["label"] for s in listed] == ["Through the front"]
    page = await front.get("/")
    assert page.status == 200
    assert "Through the front" in page.text
    assert 'href="static/app.css"' in page.text  # relative: works under the prefix


async def test_without_cookie_the_front_forwards_to_the_login_page(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    reply = await read(await http.get(stack.sim_url + "/add-ons/dss-share/"))
    assert reply.status == 401
    assert 'type="password"' in reply.text
    assert 'action="login"' in reply.text


async def test_password_login_opens_an_owner_session(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    client = OwnerClient(http, stack.owner_url, "")
    reply = await client.post("/api/session", {"password": "dssadmin"})
    assert reply.status == 200, reply.text
    set_cookie = reply.cookie("dss_share_owner")
    assert set_cookie is not None
    lowered = set_cookie.lower()
    assert "httponly" in lowered
    assert "samesite=strict" in lowered
    assert "path=/" in lowered
    assert "secure" not in lowered.replace("samesite=strict", "")  # plain HTTP here
    assert "dssadmin" not in set_cookie
    client.cookie = set_cookie.split(";")[0]
    client.csrf = str(reply.json()["csrf"])
    assert (await client.get("/api/session")).json()["user"] == "dssadmin"
    await client.create(label="by password")

    logout = await read(
        await http.delete(stack.owner_url + "/api/session", headers=client.headers())
    )
    assert logout.status == 204
    assert (await client.get("/api/session")).status == 401


@pytest.mark.parametrize(
    "body", [{"password": "wrong"}, {"password": ""}, {}, {"password": 7}]
)
async def test_wrong_password_is_refused(
    stack: Stack, http: aiohttp.ClientSession, body: dict[str, object]
) -> None:
    reply = await OwnerClient(http, stack.owner_url, "").post("/api/session", body)
    assert reply.status == 401
    assert reply.cookie("dss_share_owner") is None
    assert "wrong" not in reply.text.replace("Wrong", "")  # the password is never echoed


async def test_login_needs_a_json_body(stack: Stack, http: aiohttp.ClientSession) -> None:
    resp = await http.post(
        stack.owner_url + "/api/session", data={"password": "dssadmin"}  # a form post
    )
    reply = await read(resp)
    assert reply.status == 400
    assert reply.cookie("dss_share_owner") is None


async def test_identity_cache_expires_with_the_clock(
    stack: Stack, owner: OwnerClient
) -> None:
    token = owner.cookie.removeprefix("token=")
    assert (await owner.get("/api/shares")).status == 200
    await stack.runtime.dss.logout(token)  # the owner logs out in the configurator
    # Within the cache's time the add-on does not ask the dSS again ...
    stack.clock.advance(stack.runtime.settings.owner_identity_ttl - 1)
    assert (await owner.get("/api/shares")).status == 200
    # ... after it, the dSS's answer counts.
    stack.clock.advance(2)
    assert (await owner.get("/api/shares")).status == 401


async def test_share_site_serves_no_owner_route(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    on_share_site = OwnerClient(http, stack.share_url, owner.cookie, owner.csrf)
    for path in ("/api/shares", "/api/session", "/", "/new", "/static/owner.js"):
        assert (await on_share_site.get(path)).status == 404, path
    reply = await on_share_site.post("/api/shares", {"label": "x", "level": "view",
                                                     "duration_minutes": 60})
    assert reply.status == 404
    assert await all_shares(stack.runtime.shares) == []


async def test_password_guessing_is_slowed_down(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    client = OwnerClient(http, stack.owner_url, "")
    for _ in range(5):
        assert (await client.post("/api/session", {"password": "guess"})).status == 401
    blocked = await client.post("/api/session", {"password": "dssadmin"})
    assert blocked.status == 401
    assert "Too many attempts" in blocked.json()["message"]  # type: ignore[operator]
    stack.clock.advance(10)
    assert (await client.post("/api/session", {"password": "dssadmin"})).status == 200


# -- application sessions are no homeowner, though loggedInUser names them dssadmin -----------


async def test_an_application_session_is_not_the_owner(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    app_token = stack.sim.security.request_token("Smart Home Hub")
    assert stack.sim.security.enable(app_token, "dssadmin")
    session = await stack.runtime.dss.login_application(app_token)
    assert await stack.runtime.dss.logged_in_user(session) == "dssadmin"
    for base in (stack.owner_url, stack.sim_url + "/add-ons/dss-share"):
        client = OwnerClient(http, base, f"token={session}")
        for path in ("/api/session", "/api/shares"):
            reply = await client.get(path)
            assert reply.status == 401, (base, path)
    # The probe enabled nothing: only the hub's own token is in the dSS's list.
    assert list(stack.sim.security.enabled) == [app_token]
    assert not stack.sim.security.pending


async def test_the_addons_own_share_session_is_not_the_owner(
    stack: Stack, http: aiohttp.ClientSession, owner: OwnerClient
) -> None:
    created = await owner.create(label="Elektro")
    share = created["share"]
    assert isinstance(share, dict)
    upstream_reply = await stack.runtime.upstream.call(str(share["id"]), "apartment", "getName", {})
    assert upstream_reply.status == 200
    own = [t for t in stack.sim.sessions.sessions if stack.runtime.upstream.holds_session_token(t)]
    assert len(own) == 1
    calls = len(stack.sim.calls)
    reply = await OwnerClient(http, stack.owner_url, f"token={own[0]}").get("/api/shares")
    assert reply.status == 401
    assert len(stack.sim.calls) == calls  # refused without asking the dSS


async def test_user_session_verdict_is_cached_with_the_user(
    stack: Stack, owner: OwnerClient
) -> None:
    def probes() -> int:
        return sum(1 for c in stack.sim.calls if c.path == "/json/system/enableToken")

    assert (await owner.get("/api/session")).status == 200
    first = probes()
    assert first >= 1
    assert (await owner.get("/api/shares")).status == 200
    assert probes() == first
