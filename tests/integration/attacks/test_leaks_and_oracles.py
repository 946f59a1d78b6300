"""Information leaks: reflected input, oracles between share states, credentials in URLs and
log lines."""

from __future__ import annotations

import logging

import aiohttp
import pytest

from tests.support.share_site import open_share, unusable_secrets
from tests.support.stack import Stack

_VARYING = {"Date"}


def _shape(status: int, body: bytes, headers: aiohttp.typedefs.LooseHeaders) -> tuple[object, ...]:
    items = headers.items() if hasattr(headers, "items") else headers
    return status, body, sorted((k, v) for k, v in items if k not in _VARYING)


async def test_preview_looks_the_same_for_every_unusable_secret(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    unusable, keep = await unusable_secrets(http, stack)
    shapes = []
    for secret in ("x" * 43, *unusable):
        async with http.post(f"{stack.share_url}/s/preview", json={"secret": secret}) as resp:
            shapes.append(_shape(resp.status, await resp.read(), resp.headers))
    assert shapes[0][0] == 404
    assert all(s == shapes[0] for s in shapes), shapes
    async with http.post(f"{stack.share_url}/s/preview", json={"secret": keep.secret}) as resp:
        assert resp.status == 200


@pytest.mark.parametrize(
    "path",
    [
        "/s/%3Cscript%3Ealert(1)%3C/script%3E",
        "/%3Cscript%3Ealert(1)%3C/script%3E",
        "/s/static/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/json/%3Cscript%3Ealert(1)%3C/script%3E/x",
        "/s/dss/%3Cscript%3Ealert(1)%3C/script%3E",
    ],
)
async def test_error_answers_reflect_no_markup(
    stack: Stack, http: aiohttp.ClientSession, path: str
) -> None:
    helper = await open_share(http, stack, level="configure")
    for headers in ({}, {"Accept": "application/json"}, {"Accept": "text/html"}):
        resp = await helper.get(path, headers=headers)
        text = await resp.text()
        assert "<script>alert(1)" not in text
        assert resp.headers.get("X-Content-Type-Options") == "nosniff"
        assert "Content-Security-Policy" in resp.headers


async def test_owner_password_travels_in_no_url_and_no_log(
    stack: Stack, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong, right = "geheim-Passwort-1234", "dssadmin"
    mark = len(stack.sim.calls)
    for password in (wrong, right):
        async with http.post(f"{stack.owner_url}/api/session", json={"password": password}) as resp:
            await resp.read()
            body = await resp.text()
            assert wrong not in body
            assert wrong not in repr(dict(resp.headers))
    tokens = [t for t, s in stack.sim.sessions.sessions.items() if not s.is_application]
    assert tokens
    for call in stack.sim.calls[mark:]:
        assert wrong not in call.query
        assert not any(t in call.query for t in tokens)
    assert wrong not in caplog.text
    assert not any(t in caplog.text for t in tokens)


async def test_share_errors_never_echo_dss_messages_with_secrets(
    stack: Stack, http: aiohttp.ClientSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    helper = await open_share(http, stack, level="view")
    app_token = await stack.runtime.shares.app_token(helper.created.share.id)
    assert app_token
    # The dSS forgets every session (restart) and the app token is revoked behind our back.
    stack.sim.restart()
    stack.sim.security.revoke(app_token)
    resp = await helper.get("/json/apartment/getName")
    text = await resp.text()
    assert resp.status == 502
    assert app_token not in text
    assert app_token not in caplog.text
