"""Application tokens: request, enable, login, revoke (§2.3, §2.4)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import aiohttp
from dss_sim.effects import EffectKind
from dss_sim.sim import Simulator

if TYPE_CHECKING:
    from tests.conftest import DssHttp

HEX64 = re.compile(r"[0-9a-f]{64}")
SECURITY = "/system/security/applicationTokens"


async def request_token(dss: DssHttp, name: str = "X") -> str:
    reply = await dss.get(f"/json/system/requestApplicationToken?applicationName={name}")
    assert reply.status == 200
    app_token = reply.json()["result"]["applicationToken"]
    assert HEX64.fullmatch(app_token)
    assert reply.text == f'{{"result":{{"applicationToken":"{app_token}"}},"ok":true}}'
    return str(app_token)


# dss-api.md §6 #15
async def test_request_application_token_while_logged_in_is_refused(
    dss: DssHttp, token: str
) -> None:
    message = await dss.fail("/json/system/requestApplicationToken?applicationName=X", token)
    assert message == "Must not be logged-in to request a token"


async def test_request_application_token_with_an_unknown_token_counts_as_logged_out(
    dss: DssHttp,
) -> None:
    result = await dss.ok("/json/system/requestApplicationToken?applicationName=X&token=bogus")
    assert HEX64.fullmatch(result["applicationToken"])


async def test_request_application_token_needs_an_application_name(dss: DssHttp) -> None:
    message = await dss.fail("/json/system/requestApplicationToken")
    assert message == "Need parameter 'applicationName'"


# dss-api.md §6 #16
async def test_requested_token_is_stored_as_pending_with_its_application_name(
    dss: DssHttp, token: str
) -> None:
    app_token = await request_token(dss, "X")
    result = await dss.ok(
        f"/json/property/getString?path={SECURITY}/pending/{app_token}/applicationName", token
    )
    assert result == {"value": "X"}


async def test_application_name_is_html_escaped(dss: DssHttp, token: str) -> None:
    app_token = await request_token(dss, "%3Cmy%3E%26app")
    result = await dss.ok(
        f"/json/property/getString?path={SECURITY}/pending/{app_token}/applicationName", token
    )
    assert result == {"value": "&lt;my&gt;&amp;app"}


# dss-api.md §6 #17
async def test_pending_token_cannot_log_in(dss: DssHttp) -> None:
    app_token = await request_token(dss)
    message = await dss.fail(f"/json/system/loginApplication?loginToken={app_token}")
    assert message == "Application-Authentication failed"


async def test_login_application_needs_a_login_token(dss: DssHttp) -> None:
    message = await dss.fail("/json/system/loginApplication")
    assert message == "Missing parameter 'loginToken'"


# dss-api.md §6 #18
async def test_enable_token_needs_a_session_and_works_once(dss: DssHttp, token: str) -> None:
    app_token = await request_token(dss)
    raw = f"/json/system/enableToken?applicationToken={app_token}"
    assert await dss.fail(raw) == "Must be logged-in"
    reply = await dss.get(raw, token=token)
    assert reply.text == '{"ok":true}'
    assert await dss.fail(raw, token) == "Unknown token"


async def test_enable_token_needs_the_application_token_parameter(dss: DssHttp, token: str) -> None:
    message = await dss.fail("/json/system/enableToken", token)
    assert message == "Need parameter 'applicationToken'"


async def test_enable_unknown_token_fails(dss: DssHttp, token: str) -> None:
    message = await dss.fail(f"/json/system/enableToken?applicationToken={'a' * 64}", token)
    assert message == "Unknown token"


# dss-api.md §6 #19
async def test_application_session_cannot_enable_tokens(dss: DssHttp) -> None:
    app_token = await dss.app_token()
    app_session = await dss.ok(f"/json/system/loginApplication?loginToken={app_token}")
    other = await request_token(dss, "B")
    message = await dss.fail(
        f"/json/system/enableToken?applicationToken={other}", app_session["token"]
    )
    assert message == "Please let the user validate your tokens"


async def test_application_session_is_refused_before_the_token_lookup(dss: DssHttp) -> None:
    """§2.3 error order: the app-session check comes before `Unknown token`, so a probe with a
    random token tells an application session from a user session (the add-on relies on it)."""
    app_token = await dss.app_token()
    app_session = await dss.ok(f"/json/system/loginApplication?loginToken={app_token}")
    message = await dss.fail(
        f"/json/system/enableToken?applicationToken={'b' * 64}", app_session["token"]
    )
    assert message == "Please let the user validate your tokens"


# dss-api.md §6 #20
async def test_enabled_token_logs_in_as_dssadmin_with_a_cookie(dss: DssHttp) -> None:
    app_token = await dss.app_token()
    reply = await dss.get(f"/json/system/loginApplication?loginToken={app_token}")
    assert reply.status == 200
    session = reply.json()["result"]["token"]
    assert HEX64.fullmatch(session)
    assert session != app_token
    assert reply.text == f'{{"result":{{"token":"{session}"}},"ok":true}}'
    assert reply.set_cookies == [f"token={session}; path=/; HttpOnly; Secure"]
    assert await dss.ok("/json/system/loggedInUser", session) == {"name": "dssadmin"}
    assert (await dss.get(f"/json/apartment/getName?token={session}")).status == 200


async def test_each_login_application_creates_a_new_session(dss: DssHttp) -> None:
    app_token = await dss.app_token()
    first = await dss.ok(f"/json/system/loginApplication?loginToken={app_token}")
    second = await dss.ok(
        f"/json/system/loginApplication?loginToken={app_token}&token={first['token']}"
    )
    assert first["token"] != second["token"]


async def test_login_application_strips_non_alphanumerics_from_the_token(dss: DssHttp) -> None:
    app_token = await dss.app_token()
    mangled = f"{app_token[:10]}-{app_token[10:40]}.{app_token[40:]}"
    result = await dss.ok(f"/json/system/loginApplication?loginToken={mangled}")
    assert HEX64.fullmatch(result["token"])


async def test_enabled_token_is_stored_with_its_user(dss: DssHttp, token: str) -> None:
    app_token = await request_token(dss, "Y")
    await dss.ok(f"/json/system/enableToken?applicationToken={app_token}", token)
    base = f"{SECURITY}/enabled/{app_token}"
    assert await dss.ok(f"/json/property/getString?path={base}/applicationName", token) == {
        "value": "Y"
    }
    assert await dss.ok(f"/json/property/getString?path={base}/user", token) == {
        "value": "dssadmin"
    }
    assert await dss.ok(f"/json/property/getString?path={base}/token", token) == {
        "value": app_token
    }
    message = await dss.fail(f"/json/property/getString?path={SECURITY}/pending/{app_token}", token)
    assert message == f"Could not find node named '{SECURITY}/pending/{app_token}'"


# dss-api.md §6 #21
async def test_revoke_token_blocks_login_raises_an_event_and_keeps_old_sessions(
    dss: DssHttp, token: str
) -> None:
    app_token = await dss.app_token()
    app_session = (await dss.ok(f"/json/system/loginApplication?loginToken={app_token}"))["token"]
    await dss.subscribe(token, "ApplicationTokenDeleted")
    reply = await dss.get(f"/json/system/revokeToken?applicationToken={app_token}&token={token}")
    assert reply.text == '{"ok":true}'
    message = await dss.fail(f"/json/system/loginApplication?loginToken={app_token}")
    assert message == "Application-Authentication failed"
    event = await dss.wait_event(token, "ApplicationTokenDeleted")
    assert event["properties"]["ApplicationToken"] == app_token
    assert (await dss.get(f"/json/apartment/getName?token={app_session}")).status == 200


async def test_revoke_token_needs_a_session_and_an_enabled_token(dss: DssHttp, token: str) -> None:
    pending = await request_token(dss)
    assert await dss.fail(f"/json/system/revokeToken?applicationToken={pending}") == (
        "Must be logged-in"
    )
    assert await dss.fail("/json/system/revokeToken", token) == (
        "Need parameter 'applicationToken'"
    )
    assert await dss.fail(f"/json/system/revokeToken?applicationToken={pending}", token) == (
        "Unknown token"
    )


async def test_application_session_can_revoke_any_token(dss: DssHttp) -> None:
    first = await dss.app_token("first")
    second = await dss.app_token("second")
    app_session = (await dss.ok(f"/json/system/loginApplication?loginToken={first}"))["token"]
    await dss.ok(f"/json/system/revokeToken?applicationToken={second}", app_session)
    message = await dss.fail(f"/json/system/loginApplication?loginToken={second}")
    assert message == "Application-Authentication failed"


async def test_restart_keeps_enabled_tokens_and_drops_pending_ones(
    dss: DssHttp, sim: Simulator
) -> None:
    enabled = await dss.app_token()
    pending = await request_token(dss)
    sim.restart()
    await dss.ok(f"/json/system/loginApplication?loginToken={enabled}")
    token = await dss.login()
    message = await dss.fail(f"/json/system/enableToken?applicationToken={pending}", token)
    assert message == "Unknown token"


# security.cpp enableToken: the token is a property path below applicationTokens/pending
async def test_enable_token_resolves_index_suffixes_and_a_trailing_slash(
    dss: DssHttp, token: str, sim: Simulator
) -> None:
    for alias in ("[0]", "[last]", "/"):
        app_token = await request_token(dss)
        mark = sim.effects.mark()
        await dss.ok(f"/json/system/enableToken?applicationToken={app_token}{alias}", token)
        await dss.ok(f"/json/system/loginApplication?loginToken={app_token}")
        writes = {e.path for e in sim.effects.since(mark) if e.kind == EffectKind.WRITE}
        assert f"{SECURITY}/enabled/{app_token}/user" in writes
        assert f"{SECURITY}/pending/{app_token}" in writes  # removed
        stored = f"{SECURITY}/enabled/{app_token}/token"
        assert await dss.ok(f"/json/property/getString?path={stored}", token) == {
            "value": f"{app_token}{alias}"
        }


# security.cpp enableToken: pToken->getProperty("applicationName") is NULL for a leaf or for
# the pending node itself, and getStringValue() is called on it
async def test_enable_token_with_a_path_to_a_node_without_application_name_crashes(
    dss: DssHttp, sim: Simulator
) -> None:
    for suffix in ("/token", "", "/"):
        app_token = await request_token(dss)
        token = await dss.login()
        value = f"{app_token}{suffix}" if suffix != "/" else "/"
        try:
            reply = await dss.get(f"/json/system/enableToken?applicationToken={value}",
                                  token=token)
        except aiohttp.ClientError:
            pass
        else:
            if suffix == "":
                assert reply.text == '{"ok":true}'
                continue
            # aiohttp retried the GET: the restarted dSS knows no session any more
            assert reply.json()["message"] == "Must be logged-in"
        assert sim.effects.items[-1].kind == EffectKind.CRASH
        assert sim.effects.items[-1].call == "system/enableToken"
    assert sim.crashes == 2


# security.cpp revokeToken: getProperty("applicationTokens/enabled/" + token)
async def test_revoke_token_resolves_the_token_as_a_path(
    dss: DssHttp, token: str, sim: Simulator
) -> None:
    app_token = await dss.app_token()
    await dss.subscribe(token, "ApplicationTokenDeleted")
    # A path below the token answers ok and raises the event, but removes nothing.
    await dss.ok(f"/json/system/revokeToken?applicationToken={app_token}/user", token)
    event = await dss.wait_event(token, "ApplicationTokenDeleted")
    assert event["properties"]["ApplicationToken"] == f"{app_token}/user"
    await dss.ok(f"/json/system/loginApplication?loginToken={app_token}")
    mark = sim.effects.mark()
    await dss.ok(f"/json/system/revokeToken?applicationToken={app_token}[0]", token)
    assert [e.path for e in sim.effects.since(mark) if e.kind == EffectKind.WRITE] == [
        f"{SECURITY}/enabled/{app_token}"
    ]
    message = await dss.fail(f"/json/system/loginApplication?loginToken={app_token}")
    assert message == "Application-Authentication failed"
    assert await dss.fail(f"/json/system/revokeToken?applicationToken={app_token}", token) == (
        "Unknown token"
    )


# security.cpp keeps tokens in the tree: a property write is what logins see
async def test_a_token_written_through_the_property_tree_logs_in(
    dss: DssHttp, token: str
) -> None:
    forged = "f" * 64
    await dss.ok(f"/json/property/setString?path={SECURITY}/enabled/{forged}/user"
                 "&value=dssadmin", token)
    await dss.ok(f"/json/system/loginApplication?loginToken={forged}")
