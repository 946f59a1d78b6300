"""The electrician's path through the share site, against the real simulator."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import aiohttp

from dss_addon.settings import Settings
from dss_addon.web.share.keys import SESSION_COOKIE
from tests.support.share_site import JSON, create_share, open_share, redeem, sim_paths
from tests.support.stack import Stack, running_stack

ZONE = 989


async def test_landing_page_renders_in_german_by_default(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    resp = await http.get(f"{stack.share_url}/s/")
    assert resp.status == 200
    html = await resp.text()
    assert 'lang="de"' in html
    assert "Öffnen" in html
    assert "static/share.js" in html
    assert "<script>" not in html  # no inline scripts (CSP script-src 'self')


async def test_landing_page_speaks_english_when_asked(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    resp = await http.get(f"{stack.share_url}/s/", headers={"Accept-Language": "en-GB,en"})
    html = await resp.text()
    assert 'lang="en"' in html
    assert ">Open<" in html


async def test_share_assets_are_served_and_owner_assets_are_not(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    for name in ("share.js", "share-app.js", "share.css"):
        resp = await http.get(f"{stack.share_url}/s/static/{name}")
        assert resp.status == 200, name
    for name in ("app.js", "owner.js", "../templates/base.html", "%2e%2e%2fsettings.py"):
        resp = await http.get(f"{stack.share_url}/s/static/{name}")
        assert resp.status == 404, name


async def test_preview_shows_the_share_without_redeeming(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    created = await create_share(stack, level="view", pin=True)
    resp = await http.post(f"{stack.share_url}/s/preview?lang=en", json={"secret": created.secret})
    assert resp.status == 200
    body = await resp.json()
    assert body["label"] == "Elektro Müller"
    assert body["level"] == "view"
    assert body["level_text"].startswith("View only")
    assert body["needs_pin"] is True
    assert body["apartment"]  # the simulator's apartment name
    assert body["expires_at"] == created.share.expires_at.isoformat()
    share = await stack.runtime.shares.get(created.share.id)
    assert share.redemptions == 0


async def test_redeem_sets_a_strict_http_only_cookie(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    created = await create_share(stack)
    resp = await redeem(http, stack, created.secret)
    assert resp.status == 200
    assert await resp.json() == {"ok": True, "next": "/s/app"}
    cookie = resp.cookies[SESSION_COOKIE]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/"
    assert not cookie["secure"]  # the test stack's share site runs plain HTTP
    assert created.secret not in resp.headers.get("Set-Cookie", "")


async def test_cookie_is_secure_when_the_share_site_speaks_https(tmp_path: Path) -> None:
    async with (
        running_stack(
            tmp_path, owner=False, configure=lambda s: dataclasses.replace(s, http=False)
        ) as stack,
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
    ):
        created = await create_share(stack)
        resp = await redeem(http, stack, created.secret)
        assert resp.status == 200
        assert resp.cookies[SESSION_COOKIE]["secure"]


async def test_cookie_is_secure_behind_a_tls_tunnel(tmp_path: Path) -> None:
    def tunnel(settings: Settings) -> Settings:
        return dataclasses.replace(settings, public_url="https://share.example")

    async with (
        running_stack(tmp_path, owner=False, configure=tunnel) as stack,
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
    ):
        created = await create_share(stack)
        resp = await redeem(http, stack, created.secret)
        assert resp.cookies[SESSION_COOKIE]["secure"]


async def test_view_share_reads_the_structure_but_cannot_call_a_scene(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    resp = await helper.get("/json/apartment/getStructure")
    assert resp.status == 200
    body = await resp.json()
    assert body["ok"] is True
    assert any(z["id"] == ZONE for z in body["result"]["apartment"]["zones"])
    resp = await helper.get(f"/json/zone/callScene?id={ZONE}&groupID=1&sceneNumber=5")
    assert resp.status == 403
    body = await resp.json()
    assert body["ok"] is False
    assert "not in allow-list" in body["message"]
    assert "/json/zone/callScene" not in sim_paths(stack)


async def test_operate_share_calls_a_scene_on_the_dss(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="operate")
    resp = await helper.get(f"/json/zone/callScene?id={ZONE}&groupID=1&sceneNumber=5")
    assert resp.status == 200
    assert await resp.json() == {"ok": True}
    calls = [c for c in stack.sim.calls if c.path == "/json/zone/callScene"]
    assert len(calls) == 1
    resp = await helper.get(f"/json/zone/getLastCalledScene?id={ZONE}&groupID=1")
    assert (await resp.json())["result"]["scene"] == 5


async def test_post_body_parameters_are_forwarded_like_the_dss_reads_them(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="operate")
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    resp = await helper.post(
        "/json/zone/callScene?token=ignored",
        data=f"id={ZONE}&groupID=1&sceneNumber=17",
        headers=form,
    )
    assert resp.status == 200, await resp.text()
    resp = await helper.get(f"/json/zone/getLastCalledScene?id={ZONE}&groupID=1")
    assert (await resp.json())["result"]["scene"] == 17
    # A query that says something else than the body is ambiguous: refused, nothing called
    # (the dSS would read only the body; docs/canonical-grammar.md §1).
    resp = await helper.post(
        f"/json/zone/callScene?id={ZONE}&groupID=1&sceneNumber=5",
        data=f"id={ZONE}&groupID=1&sceneNumber=18",
        headers=form,
    )
    assert resp.status == 403
    resp = await helper.get(f"/json/zone/getLastCalledScene?id={ZONE}&groupID=1")
    assert (await resp.json())["result"]["scene"] == 17


async def test_dss_errors_come_back_unchanged(stack: Stack, http: aiohttp.ClientSession) -> None:
    helper = await open_share(http, stack, level="view")
    resp = await helper.get("/json/zone/getName?id=99999")
    assert resp.status == 200
    assert await resp.json() == {
        "ok": False,
        "message": "Could not find zone with id '99999'",
    }


async def test_login_and_logout_are_answered_by_the_share_site(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="configure")
    for method in ("login", "loginApplication"):
        resp = await helper.get(f"/json/system/{method}?user=dssadmin&password=dssadmin")
        body = await resp.json()
        assert body["ok"] is False
        assert "no login" in body["message"]
    resp = await helper.get("/json/system/logout")
    assert await resp.json() == {"ok": True}
    assert "Set-Cookie" not in resp.headers
    assert not [p for p in sim_paths(stack) if p.endswith(("/login", "/logout"))]
    resp = await helper.get("/json/apartment/getName")
    assert resp.status == 200  # the share session lives on


async def test_app_page_shows_the_share(stack: Stack, http: aiohttp.ClientSession) -> None:
    helper = await open_share(http, stack, level="operate")
    resp = await helper.get("/s/app")
    assert resp.status == 200
    html = await resp.text()
    assert "Elektro Müller" in html
    assert "Job erledigt" in html
    assert "static/share-app.js" in html
    assert "Konfigurator" not in html  # operate has no configurator


async def test_app_page_without_a_cookie_is_refused(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    resp = await http.get(f"{stack.share_url}/s/app")
    assert resp.status == 401
    assert "text/html" in resp.headers["Content-Type"]


async def test_configure_share_gets_the_configurator(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="configure")
    html = await (await helper.get("/s/app")).text()
    assert 'href="dss/"' in html
    resp = await helper.get("/s/dss/")
    assert resp.status == 200
    page = await resp.text()
    assert "/s/dss/sim-static/app.js" in page
    assert "Set-Cookie" not in resp.headers
    resp = await helper.get("/s/dss/sim-static/app.js")
    assert resp.status == 200


async def test_operate_share_gets_no_configurator(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="operate")
    resp = await helper.get("/s/dss/")
    assert resp.status == 403
    assert [c for c in stack.sim.calls if c.path == "/"] == []


async def test_job_done_ends_the_share_and_clears_the_cookie(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    resp = await helper.post("/s/done", json={})
    assert resp.status == 200
    assert await resp.json() == {"ok": True}
    assert resp.cookies[SESSION_COOKIE].value == ""
    share = await stack.runtime.shares.get(helper.created.share.id)
    assert share.ended_at is not None
    resp = await helper.get("/json/apartment/getName")
    assert resp.status == 401


async def test_job_done_needs_a_json_content_type(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    resp = await helper.post("/s/done", data="x=1", headers={"Content-Type": "text/plain"})
    assert resp.status == 400
    share = await stack.runtime.shares.get(helper.created.share.id)
    assert share.ended_at is None


async def test_revoked_share_is_refused_on_the_very_next_request(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    assert (await helper.get("/json/apartment/getName")).status == 200
    await stack.runtime.shares.revoke(helper.created.share.id, actor="dssadmin")
    resp = await helper.get("/json/apartment/getName")
    assert resp.status == 401
    assert (await resp.json())["ok"] is False


async def test_share_past_its_end_is_refused(stack: Stack, http: aiohttp.ClientSession) -> None:
    helper = await open_share(http, stack, level="view", minutes=30)
    assert (await helper.get("/json/apartment/getName")).status == 200
    before = len(stack.sim.calls)
    stack.clock.advance(minutes=31)
    resp = await helper.get("/json/apartment/getName")
    assert resp.status == 401
    assert (await resp.json())["ok"] is False
    assert len(stack.sim.calls) == before


async def test_denials_and_calls_are_audited(stack: Stack, http: aiohttp.ClientSession) -> None:
    helper = await open_share(http, stack, level="view")
    await helper.get("/json/apartment/getName")
    await helper.get("/json/system/setPassword?password=x")
    await stack.runtime.store.flush()
    log = await stack.runtime.shares.audit_log(helper.created.share.id)
    calls = [(e.event, e.call, e.allowed) for e in log if e.event in ("call", "denied")]
    assert ("call", "apartment/getName", True) in calls
    assert ("denied", "system/setPassword", False) in calls


async def test_redeem_requires_a_json_content_type(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    created = await create_share(stack)
    resp = await http.post(
        f"{stack.share_url}/s/redeem",
        data=f"secret={created.secret}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert resp.status == 400
    share = await stack.runtime.shares.get(created.share.id)
    assert share.redemptions == 0


async def test_redeem_with_bad_json_is_a_400(stack: Stack, http: aiohttp.ClientSession) -> None:
    for body in (b"{", b"[]", b'{"secret": 5}', b'{"secret": "x", "pin": 123456}'):
        resp = await http.post(f"{stack.share_url}/s/redeem", data=body, headers=JSON)
        assert resp.status == 400, body


async def test_calls_survive_a_dss_restart(stack: Stack, http: aiohttp.ClientSession) -> None:
    helper = await open_share(http, stack, level="view")
    assert (await helper.get("/json/apartment/getName")).status == 200
    stack.sim.restart()  # the share's dSS session is gone; the add-on logs in again
    resp = await helper.get("/json/apartment/getName")
    assert resp.status == 200
    assert (await resp.json())["ok"] is True


async def test_idle_helper_session_must_open_the_link_again(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    stack.clock.advance(seconds=stack.runtime.settings.session_idle.total_seconds() + 1)
    resp = await helper.get("/json/apartment/getName")
    assert resp.status == 401
    resp = await redeem(http, stack, helper.created.secret)
    assert resp.status == 200  # the share itself is still valid
