"""DssClient against the real simulator."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from dss_sim.app import create_sim_app
from dss_sim.sim import Simulator

from dss_addon.dss.app_tokens import DssAppTokens
from dss_addon.dss.client import BODY_LIMIT, BodyTooLarge, DssClient
from dss_addon.errors import BadInput, DssAuthFailed, DssRejected, DssUnavailable
from dss_addon.tls import ensure_certificate, server_context
from tests.support.clock import FakeClock

HEX64 = re.compile(r"[0-9a-f]{64}")


async def test_login_identifies_the_user_and_logout_ends_the_session(dss: DssClient) -> None:
    token = await dss.login("dssadmin", "dssadmin")
    assert HEX64.fullmatch(token)
    assert await dss.logged_in_user(token) == "dssadmin"
    await dss.logout(token)
    assert await dss.logged_in_user(token) is None


async def test_wrong_password_is_auth_failed(dss: DssClient) -> None:
    with pytest.raises(DssAuthFailed):
        await dss.login("dssadmin", "wrong")


async def test_unknown_token_is_no_user(dss: DssClient) -> None:
    assert await dss.logged_in_user("0" * 64) is None


async def test_token_travels_as_form_parameter_never_in_the_url_or_a_cookie(
    dss: DssClient, sim: Simulator, owner_token: str
) -> None:
    await dss.apartment_name(owner_token)
    call = sim.calls[-1]
    assert call.path == "/json/apartment/getName"
    assert call.method == "POST"
    assert call.query == ""
    assert call.body == f"token={owner_token}"
    assert call.cookies == {}


async def test_password_never_appears_in_a_url(dss: DssClient, sim: Simulator) -> None:
    await dss.login("dssadmin", "dssadmin")
    call = sim.calls[-1]
    assert call.path == "/json/system/login"
    assert call.query == ""
    assert call.body == "user=dssadmin&password=dssadmin"


async def test_app_token_is_issued_used_and_revoked(
    dss: DssClient, sim: Simulator, owner_token: str
) -> None:
    tokens = DssAppTokens(dss)
    app_token = await tokens.issue("dss-share: Elektro Müller", owner_token)
    assert app_token in sim.security.enabled
    request = next(c for c in sim.calls if c.path.endswith("/requestApplicationToken"))
    assert "token=" not in request.body  # requested without a session, as the dSS demands
    assert request.body.startswith("applicationName=")

    session = await dss.login_application(app_token)
    assert await dss.logged_in_user(session) == "dssadmin"
    await dss.logout(session)

    before = len(sim.sessions.sessions)
    await tokens.revoke(app_token)
    assert app_token not in sim.security.enabled
    assert len(sim.sessions.sessions) == before  # the revoking session was logged out
    with pytest.raises(DssAuthFailed):
        await dss.login_application(app_token)
    with pytest.raises(DssAuthFailed):
        await tokens.revoke(app_token)


async def test_enabling_an_unknown_token_is_rejected(dss: DssClient, owner_token: str) -> None:
    with pytest.raises(DssRejected, match="Unknown token"):
        await dss.enable_token("ab" * 32, owner_token)


async def test_structure_lists_rooms_and_devices(
    dss: DssClient, sim: Simulator, owner_token: str
) -> None:
    topology = await dss.structure(owner_token)
    reply = await dss.call("apartment", "getStructure", {}, owner_token)
    raw = json.loads(reply.body)["result"]["apartment"]["zones"]
    rooms = {z["id"]: z["name"] for z in raw if z["id"] != 0}
    assert dict(topology.zones) == rooms
    assert 0 not in topology.zones
    zone0 = next(z for z in raw if z["id"] == 0)
    assert {d.dsuid for d in topology.devices} >= {d["dSUID"] for d in zone0["devices"]}
    assert all(d.zone_id in rooms or d.zone_id == 0 for d in topology.devices)
    assert await dss.apartment_name(owner_token) == "Haus Muster"


async def test_raw_call_forwards_a_canonical_query_and_returns_the_answer_unchanged(
    dss: DssClient, sim: Simulator, owner_token: str
) -> None:
    reply = await dss.call(
        "zone", "getName", {"id": "989", "token": "client-supplied"}, owner_token
    )
    assert reply.status == 200
    assert reply.body == b'{"result":{"name":"Wohnen"},"ok":true}'
    assert reply.content_type.startswith("application/json")
    # The token goes first: a body cut short by the dSS must not lose the session.
    assert sim.calls[-1].body == f"token={owner_token}&id=989"

    reply = await dss.call("zone", "getName", {"id": "a b&c"}, owner_token)
    # A space travels as %20, never "+" (grammar.form_body).
    assert sim.calls[-1].body == f"token={owner_token}&id=a%20b%26c"

    reply = await dss.call("apartment", "getName", {}, "0" * 64)
    assert reply.status == 403
    assert reply.body == b'{"ok":false,"message":"not logged in"}'


async def test_unreachable_dss_is_unavailable(
    dss: DssClient, sim: Simulator, owner_token: str
) -> None:
    sim.unreachable = True
    with pytest.raises(DssUnavailable) as info:
        await dss.apartment_name(owner_token)
    assert owner_token not in str(info.value)
    assert info.value.__cause__ is None  # aiohttp's text could carry the URL with the token


async def test_closed_port_is_unavailable(http: aiohttp.ClientSession, clock: FakeClock) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = DssClient(http, f"http://127.0.0.1:{port}", clock, timeout=2.0)
    with pytest.raises(DssUnavailable):
        await client.login("dssadmin", "dssadmin")


async def test_slow_dss_times_out_as_unavailable(
    http: aiohttp.ClientSession, sim_url: str, sim: Simulator, clock: FakeClock
) -> None:
    client = DssClient(http, sim_url, clock, timeout=0.2)
    sim.latency_ms = 3000
    with pytest.raises(DssUnavailable, match="TimeoutError"):
        await client.login("dssadmin", "dssadmin")


async def test_a_call_may_wait_longer_than_the_default_timeout(
    http: aiohttp.ClientSession, sim_url: str, sim: Simulator, clock: FakeClock
) -> None:
    client = DssClient(http, sim_url, clock, timeout=0.2)
    sim.latency_ms = 400
    reply = await client.call("system", "version", {}, "", timeout=5.0)
    assert reply.status == 200


async def test_self_signed_dss_needs_the_insecure_setting(
    http: aiohttp.ClientSession, sim: Simulator, clock: FakeClock, tmp_path: Path
) -> None:
    context = server_context(*ensure_certificate(tmp_path, ["127.0.0.1"], clock))
    server = TestServer(create_sim_app(sim), host="127.0.0.1")
    await server.start_server(ssl=context)
    try:
        url = str(server.make_url("")).rstrip("/")
        assert url.startswith("https://")
        verifying = DssClient(http, url, clock, timeout=5.0, ssl=None)
        with pytest.raises(DssUnavailable):
            await verifying.login("dssadmin", "dssadmin")
        insecure = DssClient(http, url, clock, timeout=5.0, ssl=False)
        assert HEX64.fullmatch(await insecure.login("dssadmin", "dssadmin"))
        # The setting belongs to that client only: the shared HTTP session still verifies.
        with pytest.raises(aiohttp.ClientConnectorCertificateError):
            async with http.get(url + "/json/system/version"):
                pass
    finally:
        await server.close()


@pytest.mark.parametrize(
    ("klass", "method"),
    [
        ("apartment", "../../browse"),
        ("..", "x"),
        ("", "getName"),
        ("zone", ""),
        ("a", "b//c"),
        ("property", "./getString"),
    ],
)
async def test_paths_that_could_leave_json_are_refused_before_sending(
    dss: DssClient, sim: Simulator, owner_token: str, klass: str, method: str
) -> None:
    before = len(sim.calls)
    with pytest.raises(BadInput):
        await dss.call(klass, method, {}, owner_token)
    assert len(sim.calls) == before


async def test_is_user_session_tells_user_from_application_sessions(
    dss: DssClient, sim: Simulator, owner_token: str
) -> None:
    assert await dss.is_user_session(owner_token)
    app_token = await DssAppTokens(dss).issue("hub", owner_token)
    app_session = await dss.login_application(app_token)
    assert await dss.logged_in_user(app_session) == "dssadmin"  # loggedInUser cannot tell
    assert not await dss.is_user_session(app_session)
    assert not await dss.is_user_session("0" * 64)
    probes = [c for c in sim.calls if c.path == "/json/system/enableToken"]
    probed = {c.body.rpartition("applicationToken=")[2] for c in probes[1:]}
    assert len(probed) == 3  # a fresh random token every time
    assert all(HEX64.fullmatch(p) for p in probed)
    assert set(sim.security.enabled) == {app_token}  # nothing else was enabled


async def test_app_token_enabled_follows_the_dss_token_list(
    dss: DssClient, owner_token: str
) -> None:
    app_token = await DssAppTokens(dss).issue("share", owner_token)
    session = await dss.login_application(app_token)
    assert await dss.app_token_enabled(app_token, session)
    await dss.revoke_token(app_token, owner_token)
    assert not await dss.app_token_enabled(app_token, session)
    await dss.logout(session)
    with pytest.raises(DssRejected) as info:
        await dss.app_token_enabled(app_token, session)
    assert info.value.status == 403


async def test_a_body_the_dss_would_cut_off_is_never_sent(
    dss: DssClient, sim: Simulator, owner_token: str
) -> None:
    mark = len(sim.calls)
    with pytest.raises(BodyTooLarge):
        await dss.call("apartment", "getName", {"x": "%" * 6000}, owner_token)
    assert len(sim.calls) == mark
    # Just under the limit, everything arrives, the token first.
    value = "a" * (BODY_LIMIT - len(f"token={owner_token}&x="))
    reply = await dss.call("apartment", "getName", {"x": value}, owner_token)
    assert reply.status == 200
    assert sim.calls[-1].body.startswith(f"token={owner_token}&x=")
    with pytest.raises(BadInput):  # BodyTooLarge is a BadInput: 400, never 502
        await dss.call("apartment", "getName", {"x": value + "a"}, owner_token)
