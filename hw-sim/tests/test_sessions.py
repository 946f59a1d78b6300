"""Login, logout, token transport and session lifetime (§1.4, §2.2, §2.3, §2.7)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from dss_sim.clock import ManualClock
from dss_sim.config import SimConfig
from dss_sim.sim import Simulator

if TYPE_CHECKING:
    from tests.conftest import DssHttp

HEX64 = re.compile(r"[0-9a-f]{64}")
REVOKE_COOKIE = "token=; path=/; expires=Wed, 29 April 1970 12:00:00 GMT; HttpOnly; Secure"


# dss-api.md §6 #6
async def test_login_returns_a_token_and_sets_the_token_cookie(dss: DssHttp) -> None:
    reply = await dss.get("/json/system/login?user=dssadmin&password=dssadmin")
    assert reply.status == 200
    token = reply.json()["result"]["token"]
    assert HEX64.fullmatch(token)
    assert reply.text == f'{{"result":{{"token":"{token}"}},"ok":true}}'
    assert reply.set_cookies == [f"token={token}; path=/; HttpOnly; Secure"]


async def test_two_logins_give_two_different_tokens(dss: DssHttp) -> None:
    assert await dss.login() != await dss.login()


# dss-api.md §6 #7
async def test_login_with_a_wrong_password_is_200_authentication_failed_without_cookie(
    dss: DssHttp,
) -> None:
    reply = await dss.get("/json/system/login?user=dssadmin&password=wrong")
    assert reply.status == 200
    assert reply.text == '{"ok":false,"message":"Authentication failed"}'
    assert reply.set_cookies == []


async def test_login_with_an_unknown_user_fails(dss: DssHttp) -> None:
    message = await dss.fail("/json/system/login?user=root&password=dssadmin")
    assert message == "Authentication failed"


async def test_system_user_cannot_log_in(dss: DssHttp) -> None:
    for password in ("dummyvalue", "dssadmin", ""):
        message = await dss.fail(f"/json/system/login?user=system&password={password}x")
        assert message == "Authentication failed"


# dss-api.md §6 #8
async def test_login_names_the_missing_parameter(dss: DssHttp) -> None:
    assert await dss.fail("/json/system/login?password=x") == "Missing parameter 'user'"
    assert await dss.fail("/json/system/login?user=dssadmin") == "Missing parameter 'password'"
    assert await dss.fail("/json/system/login?user=-.-&password=x") == "Missing parameter 'user'"


# dss-api.md §6 #9
async def test_login_strips_non_alphanumerics_from_the_user_name(dss: DssHttp) -> None:
    token = await dss.login(user="dss-admin")
    result = await dss.ok("/json/system/loggedInUser", token)
    assert result == {"name": "dssadmin"}


# dss-api.md §6 #10
async def test_login_with_a_valid_session_returns_that_token_and_ignores_credentials(
    dss: DssHttp, token: str
) -> None:
    reply = await dss.get(f"/json/system/login?user=foo&password=bar&token={token}")
    assert reply.status == 200
    assert reply.text == f'{{"result":{{"token":"{token}"}},"ok":true}}'
    assert reply.set_cookies == [f"token={token}; path=/; HttpOnly; Secure"]


# dss-api.md §6 #11
async def test_token_cookie_authenticates_without_a_parameter(dss: DssHttp, token: str) -> None:
    reply = await dss.get("/json/apartment/getName", cookie=f"token={token}")
    assert reply.status == 200
    assert reply.json()["ok"] is True


async def test_token_cookie_is_found_among_other_cookies(dss: DssHttp, token: str) -> None:
    reply = await dss.get("/json/apartment/getName", cookie=f"lang=de; token={token}; x=1")
    assert reply.status == 200


# dss-api.md §6 #11
async def test_stale_cookie_wins_over_a_valid_token_parameter(dss: DssHttp, token: str) -> None:
    reply = await dss.get(f"/json/apartment/getName?token={token}", cookie="token=stale")
    assert reply.status == 403
    assert reply.text == '{"ok":false,"message":"not logged in"}'


async def test_valid_cookie_wins_over_a_stale_token_parameter(dss: DssHttp, token: str) -> None:
    reply = await dss.get("/json/apartment/getName?token=stale", cookie=f"token={token}")
    assert reply.status == 200


async def test_login_with_a_valid_session_works_even_at_the_session_limit(
    dss: DssHttp, token: str
) -> None:
    for _ in range(29):
        await dss.login()
    assert await dss.ok(f"/json/system/login?user=x&password=y&token={token}") == {"token": token}


# dss-api.md §6 #12
async def test_non_empty_post_body_hides_the_token_in_the_query_string(
    dss: DssHttp, token: str
) -> None:
    reply = await dss.post(f"/json/apartment/getName?token={token}", "x=1")
    assert reply.status == 403
    assert reply.text == '{"ok":false,"message":"not logged in"}'


# dss-api.md §6 #12
async def test_token_in_the_post_body_authenticates(dss: DssHttp, token: str) -> None:
    reply = await dss.post("/json/apartment/getName", f"token={token}")
    assert reply.status == 200
    assert reply.json()["ok"] is True


# dss-api.md §6 #13
async def test_logout_clears_the_cookie_and_ends_the_session(dss: DssHttp, token: str) -> None:
    reply = await dss.get(f"/json/system/logout?token={token}")
    assert reply.status == 200
    assert reply.text == '{"ok":true}'
    assert reply.set_cookies == [REVOKE_COOKIE]
    reply = await dss.get(f"/json/apartment/getName?token={token}")
    assert reply.status == 403


async def test_logout_without_a_session_still_succeeds(dss: DssHttp) -> None:
    reply = await dss.get("/json/system/logout")
    assert reply.status == 200
    assert reply.text == '{"ok":true}'
    assert reply.set_cookies == [REVOKE_COOKIE]


async def test_logout_by_cookie_ends_that_session(dss: DssHttp, token: str) -> None:
    await dss.get("/json/system/logout", cookie=f"token={token}")
    assert (await dss.get(f"/json/apartment/getName?token={token}")).status == 403


# dss-api.md §6 #14
async def test_logged_in_user_is_dssadmin_with_a_session_and_empty_without(
    dss: DssHttp, token: str
) -> None:
    reply = await dss.get(f"/json/system/loggedInUser?token={token}")
    assert reply.text == '{"result":{"name":"dssadmin"},"ok":true}'
    reply = await dss.get("/json/system/loggedInUser")
    assert reply.status == 200
    assert reply.text == '{"result":{},"ok":true}'
    reply = await dss.get("/json/system/loggedInUser?token=bogus")
    assert reply.text == '{"result":{},"ok":true}'


async def test_other_calls_never_set_a_cookie(dss: DssHttp, token: str) -> None:
    for raw in ("/json/apartment/getName", "/json/system/loggedInUser", "/json/system/time"):
        reply = await dss.get(raw, token=token)
        assert reply.set_cookies == [], raw


# dss-api.md §6 #22
async def test_set_password_changes_the_login_password(dss: DssHttp, token: str) -> None:
    reply = await dss.get(f"/json/system/setPassword?password=new&token={token}")
    assert reply.text == '{"ok":true,"message":"Password changed, have a nice day!"}'
    assert await dss.fail("/json/system/login?user=dssadmin&password=dssadmin") == (
        "Authentication failed"
    )
    await dss.login(password="new")
    # Existing sessions are unaffected.
    assert (await dss.get(f"/json/apartment/getName?token={token}")).status == 200


async def test_set_password_needs_a_session_and_a_password(dss: DssHttp, token: str) -> None:
    message = await dss.fail("/json/system/setPassword?password=new")
    assert message == "Need to be logged in to change password"
    message = await dss.fail("/json/system/setPassword", token)
    assert message == "Missing parameter 'password'"


# dss-api.md §6 #23
async def test_session_expires_only_after_timeout_and_sweep(
    dss: DssHttp, token: str, sim: Simulator, clock: ManualClock
) -> None:
    other = await dss.login()
    clock.advance(181)
    # Idle for longer than 180 s but not yet swept: still valid, and revived by the call.
    assert (await dss.get(f"/json/apartment/getName?token={token}")).status == 200
    sim.sweep()
    assert (await dss.get(f"/json/apartment/getName?token={token}")).status == 200
    assert (await dss.get(f"/json/apartment/getName?token={other}")).status == 403


# dss-api.md §6 #23
async def test_session_idle_longer_than_timeout_plus_sweep_interval_is_gone(
    dss: DssHttp, token: str, sim: Simulator, clock: ManualClock
) -> None:
    clock.advance(211)
    sim.sweep()
    reply = await dss.get(f"/json/apartment/getName?token={token}")
    assert reply.status == 403
    assert reply.text == '{"ok":false,"message":"not logged in"}'


async def test_session_within_the_timeout_survives_a_sweep(
    dss: DssHttp, token: str, sim: Simulator, clock: ManualClock
) -> None:
    clock.advance(170)
    sim.sweep()
    assert (await dss.get(f"/json/apartment/getName?token={token}")).status == 200


async def test_every_call_touches_the_session_including_system_calls(
    dss: DssHttp, token: str, sim: Simulator, clock: ManualClock
) -> None:
    clock.advance(150)
    await dss.ok("/json/system/loggedInUser", token)
    clock.advance(150)
    sim.sweep()
    assert (await dss.get(f"/json/apartment/getName?token={token}")).status == 200


async def test_swept_session_is_logged_out_for_logged_in_user(
    dss: DssHttp, token: str, sim: Simulator, clock: ManualClock
) -> None:
    clock.advance(400)
    sim.sweep()
    assert await dss.ok("/json/system/loggedInUser", token) == {}


@pytest.mark.parametrize("sim_config", [pytest.param("60", id="60s")], indirect=True)
async def test_session_timeout_is_configurable(
    dss: DssHttp, sim: Simulator, clock: ManualClock
) -> None:
    token = await dss.login()
    clock.advance(55)
    sim.sweep()
    assert (await dss.get(f"/json/apartment/getName?token={token}")).status == 200
    clock.advance(61)
    sim.sweep()
    assert (await dss.get(f"/json/apartment/getName?token={token}")).status == 403


# dss-api.md §6 #24
async def test_thirty_sessions_is_the_limit_without_eviction(dss: DssHttp) -> None:
    tokens = [await dss.login() for _ in range(30)]
    reply = await dss.get("/json/system/login?user=dssadmin&password=dssadmin")
    assert reply.status == 200
    assert reply.text == '{"ok":false,"message":"Authentication failed"}'
    assert reply.set_cookies == []
    # No eviction: the oldest session still works.
    assert (await dss.get(f"/json/apartment/getName?token={tokens[0]}")).status == 200
    await dss.ok("/json/system/logout", tokens[0])
    await dss.login()


async def test_login_application_also_fails_at_the_session_limit(dss: DssHttp) -> None:
    app_token = await dss.app_token()
    for _ in range(40):
        await dss.get("/json/system/login?user=dssadmin&password=dssadmin")
    message = await dss.fail(f"/json/system/loginApplication?loginToken={app_token}")
    assert message == "Application-Authentication failed"


async def test_expired_sessions_free_their_slots_after_the_sweep(
    dss: DssHttp, sim: Simulator, clock: ManualClock
) -> None:
    for _ in range(30):
        await dss.login()
    assert await dss.fail("/json/system/login?user=dssadmin&password=dssadmin") == (
        "Authentication failed"
    )
    clock.advance(211)
    sim.sweep()
    await dss.login()


async def test_unknown_token_lookups_count_toward_the_limit_until_the_sweep(
    dss: DssHttp, sim: Simulator
) -> None:
    for _ in range(29):
        await dss.login()
    assert (await dss.get(f"/json/apartment/getName?token={'b' * 64}")).status == 403
    assert await dss.fail("/json/system/login?user=dssadmin&password=dssadmin") == (
        "Authentication failed"
    )
    sim.sweep()
    await dss.login()


async def test_login_with_a_valid_cookie_returns_that_token(dss: DssHttp, token: str) -> None:
    reply = await dss.get("/json/system/login?user=x&password=y", cookie=f"token={token}")
    assert reply.json() == {"result": {"token": token}, "ok": True}
    assert reply.set_cookies == [f"token={token}; path=/; HttpOnly; Secure"]


async def test_application_session_can_change_the_password(dss: DssHttp) -> None:
    app_token = await dss.app_token()
    session = (await dss.ok(f"/json/system/loginApplication?loginToken={app_token}"))["token"]
    await dss.ok("/json/system/setPassword?password=neu", session)
    await dss.login(password="neu")


async def test_restart_drops_sessions_but_keeps_the_password(
    dss: DssHttp, token: str, sim: Simulator
) -> None:
    await dss.ok("/json/system/setPassword?password=changed", token)
    sim.restart()
    assert (await dss.get(f"/json/apartment/getName?token={token}")).status == 403
    assert await dss.fail("/json/system/login?user=dssadmin&password=dssadmin") == (
        "Authentication failed"
    )
    await dss.login(password="changed")


@pytest.mark.parametrize("sim_config", [pytest.param("pw", id="password")], indirect=True)
async def test_configured_password_is_the_login_password(dss: DssHttp) -> None:
    await dss.login(password="geheim")
    assert await dss.fail("/json/system/login?user=dssadmin&password=dssadmin") == (
        "Authentication failed"
    )


async def test_login_token_helper_gives_a_working_session(dss: DssHttp, sim: Simulator) -> None:
    token = sim.login_token()
    assert HEX64.fullmatch(token)
    assert await dss.ok("/json/system/loggedInUser", token) == {"name": "dssadmin"}


@pytest.fixture
def sim_config(request: pytest.FixtureRequest) -> SimConfig:
    variant = getattr(request, "param", None)
    if variant == "60":
        return SimConfig(session_timeout=60.0)
    if variant == "pw":
        return SimConfig(password="geheim")
    return SimConfig()
