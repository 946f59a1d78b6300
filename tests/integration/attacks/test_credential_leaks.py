"""Attacks on the credentials the add-on holds: dSS application tokens, dSS session tokens, share
secrets and session cookies. None may reach an electrician, a log line or an audit row, and a dSS
session that stands for a share (or any other app) must never pass as the homeowner."""

from __future__ import annotations

import logging

import aiohttp
import pytest

from dss_addon.web.share.keys import SESSION_COOKIE
from tests.support.share_site import Helper, open_share
from tests.support.stack import Stack

ZONE = 989


async def _share_app_token(stack: Stack, helper: Helper) -> str:
    token = await stack.runtime.shares.app_token(helper.created.share.id)
    assert token
    return token


def _dss_sessions_of(stack: Stack, app_token: str) -> list[str]:
    return [t for t, s in stack.sim.sessions.sessions.items() if s.app_token == app_token]


async def _other_integration_session(stack: Stack) -> tuple[str, str]:
    """Another app of the home (e.g. a smart-home hub) with its own enabled app token."""
    app_token = stack.sim.security.request_token("Smart Home Hub")
    assert stack.sim.security.enable(app_token, "dssadmin")
    session = await stack.runtime.dss.login_application(app_token)
    return app_token, session


# -- the homeowner's identity ---------------------------------------------------------------


async def test_a_session_of_a_shares_app_token_is_not_the_homeowner(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    app_session = await stack.runtime.dss.login_application(await _share_app_token(stack, helper))
    for base in (stack.owner_url, f"{stack.sim_url}/add-ons/dss-share"):
        resp = await http.get(f"{base}/api/shares", headers={"Cookie": f"token={app_session}"})
        assert resp.status == 401, f"{base}: {await resp.text()}"


async def test_an_app_session_cannot_extend_its_own_share(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view", minutes=60)
    share_id = helper.created.share.id
    before = helper.created.share.expires_at
    app_session = await stack.runtime.dss.login_application(await _share_app_token(stack, helper))
    cookie = {"Cookie": f"token={app_session}"}
    resp = await http.get(f"{stack.owner_url}/api/session", headers=cookie)
    csrf = (await resp.json()).get("csrf", "") if resp.status == 200 else ""
    await http.post(
        f"{stack.owner_url}/api/shares/{share_id}/extend",
        json={"minutes": 60 * 24 * 7},
        headers={**cookie, "X-CSRF-Token": csrf},
    )
    assert (await stack.runtime.shares.get(share_id)).expires_at == before


async def test_a_share_cookie_is_no_owner_credential_and_vice_versa(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="configure")
    share_cookie = f"{SESSION_COOKIE}={helper.cookie}"
    for cookie in (share_cookie, f"dss_share_owner={helper.cookie}", f"token={helper.cookie}"):
        resp = await http.get(f"{stack.owner_url}/api/shares", headers={"Cookie": cookie})
        assert resp.status == 401, cookie
    login = await http.post(f"{stack.owner_url}/api/session", json={"password": "dssadmin"})
    assert login.status == 200
    owner_cookie = login.cookies["dss_share_owner"].value
    owner_token = stack.sim.login_token()
    for cookie in (
        f"dss_share_owner={owner_cookie}",
        f"token={owner_token}",
        f"{SESSION_COOKIE}={owner_cookie}",
        f"{SESSION_COOKIE}={owner_token}",
    ):
        resp = await http.get(
            f"{stack.share_url}/json/apartment/getName", headers={"Cookie": cookie}
        )
        assert resp.status == 401, cookie
        resp = await http.get(f"{stack.share_url}/s/app", headers={"Cookie": cookie})
        assert resp.status == 401, cookie


# -- dSS tokens inside proxied answers ------------------------------------------------------


async def test_events_do_not_hand_out_the_shares_own_app_token(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="operate")
    app_token = await _share_app_token(stack, helper)
    await helper.get("/json/event/subscribe?name=callScene&subscriptionID=1")
    await helper.get("/json/event/subscribe?name=undoScene&subscriptionID=1")
    await helper.get(f"/json/zone/callScene?id={ZONE}&groupID=1&sceneNumber=5")
    await helper.get(f"/json/zone/undoScene?id={ZONE}&groupID=1&sceneNumber=5")
    resp = await helper.get("/json/event/get?subscriptionID=1&timeout=-1")
    text = await resp.text()
    assert '"sceneID":"5"' in text  # the events did arrive
    assert app_token not in text


async def test_events_do_not_hand_out_other_apps_tokens(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view")
    hub_token, hub_session = await _other_integration_session(stack)
    await helper.get("/json/event/subscribe?name=callScene&subscriptionID=7")
    await stack.runtime.dss.call(
        "zone", "callScene", {"id": str(ZONE), "groupID": "1", "sceneNumber": "17"}, hub_session
    )
    resp = await helper.get("/json/event/get?subscriptionID=7&timeout=-1")
    text = await resp.text()
    assert '"sceneID":"17"' in text
    # With it, anyone on the LAN logs in to the dSS as dssadmin (loginApplication).
    assert hub_token not in text


async def test_a_leaked_app_token_is_a_full_dssadmin_credential(stack: Stack) -> None:
    """Why the two defects above matter: the dSS has no per-token rights (dss-api.md §2.6)."""
    hub_token, _ = await _other_integration_session(stack)
    session = await stack.runtime.dss.login_application(hub_token)
    reply = await stack.runtime.dss.call(
        "property", "getString", {"path": "/system/security/users/dssadmin/password"}, session
    )
    assert reply.status == 200
    assert b'"ok":true' in reply.body


# -- logs, audit rows, owner views ----------------------------------------------------------


async def test_no_dss_credential_in_logs_audit_or_owner_views(
    stack: Stack, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    helper = await open_share(http, stack, level="operate", pin=True)
    app_token = await _share_app_token(stack, helper)
    for path in (
        "/json/apartment/getName",
        f"/json/zone/callScene?id={ZONE}&groupID=1&sceneNumber=5",
        "/json/system/setPassword?password=x",
        "/json/property/getString?path=/system/security/users/dssadmin/password",
        "/json/x/y",
    ):
        await helper.get(path)
    stack.sim.unreachable = True
    await helper.get("/json/apartment/getName")  # an upstream failure is logged
    stack.sim.unreachable = False
    sessions = _dss_sessions_of(stack, app_token)
    assert sessions
    await stack.runtime.shares.revoke(helper.created.share.id, actor="dssadmin")
    await stack.runtime.store.flush()

    owner_token = stack.sim.login_token()
    views: list[str] = []
    for path in (
        "/api/shares",
        f"/api/shares/{helper.created.share.id}",
        f"/api/shares/{helper.created.share.id}/audit",
        f"/api/shares/{helper.created.share.id}/audit?format=csv",
    ):
        resp = await http.get(
            f"{stack.owner_url}{path}", headers={"Cookie": f"token={owner_token}"}
        )
        assert resp.status == 200, path
        views.append(await resp.text())
    audit = repr(await stack.runtime.shares.audit_log(helper.created.share.id))
    pin = helper.created.pin
    assert pin is not None
    secrets = {
        "app token": app_token,
        "share secret": helper.created.secret,
        "share cookie": helper.cookie,
        **{f"dss session {i}": s for i, s in enumerate(sessions)},
    }
    for what, value in secrets.items():
        assert value not in caplog.text, what
        assert value not in audit, what
        assert all(value not in view for view in views), what
    assert f'"{pin}"' not in "".join(views)
    # Tokens travel in form bodies, never in a URL (access logs, proxies).
    for call in stack.sim.calls:
        assert app_token not in call.query
        assert not [s for s in sessions if s in call.query]
        assert "token=" not in call.query
