"""Path confusion on /json and on the configurator route /s/dss (configure share, the widest):
nothing outside the named call or the web front's pages may reach the dSS."""

from __future__ import annotations

import aiohttp
import pytest

from tests.support.share_site import Helper, open_share, raw_request
from tests.support.stack import Stack

# What the add-on itself may fetch while deciding (topology, landing page name).
_OWN = {"/json/apartment/getStructure", "/json/apartment/getName", "/json/system/loginApplication"}
_DANGEROUS = (
    "/browse",
    "/cgi-bin",
    "/add-ons",
    "/icons",
    "/getLatestLogs",
    "/websocket",
    "/json/system",
    "/json/property",
    "/json/subscription",
    "/json/database",
)


@pytest.fixture
async def installer(stack: Stack, http: aiohttp.ClientSession) -> Helper:
    return await open_share(http, stack, level="configure")


async def _raw(helper: Helper, request_line: str, headers: str = "") -> int:
    request = (
        f"{request_line}\r\nHost: share.example\r\n{headers}"
        f"Cookie: dss_share={helper.cookie}\r\nConnection: close\r\n\r\n"
    ).encode("utf-8", "surrogateescape")
    status, _ = await raw_request(helper.stack.share_url, request)
    return status


def _reached(stack: Stack, mark: int) -> list[str]:
    return [c.path for c in stack.sim.calls[mark:] if c.path not in _OWN]


@pytest.mark.parametrize(
    "target",
    [
        "/json/apartment/getName;jsessionid=1",
        "/json/system/setPassword;/../../apartment/getName?password=x",
        "/json/apartment/getName/",
        "/json/apartment/getName.",
        "/json/apartment/getName%20",
        "/json/apartment\\..\\..\\browse",
        "/json/apartment%5c..%5c..%5cbrowse",
        "/json/%252e%252e/browse/system",
        "/json/apartment/%2e%2e/%2e%2e/browse",
        "/json/apartment/.%2e/.%2e/browse",
        "/json/system/setPass%77ord?password=x",
        "/json/%EF%BC%A1partment/getName",
        "/json/apartment/getN%D0%B0me",
        "/json/apartment%EF%BC%8FgetName",
        "/json/property/getString/../../../browse?path=/",
        "/json/event/get/../../system/setPassword?password=x",
        "/json/./system/setPassword?password=x",
        "/json/system/./setPassword?password=x",
        "/json/system/setPassword/.?password=x",
        "/json/system/setPassword%3Fpassword=x",
        "/json/system/setPassword%23?password=x",
        "/./json/system/setPassword?password=x",
        "/s/../json/system/setPassword?password=x",
        "/s/dss/index.html;/../../browse",
        "/s/dss/%252e%252e/browse",
        "/s/dss/ADD-ONS/dss-share/api/shares",
        "/s/dss/Cgi-Bin/reboot",
        "/s/dss/JSON/system/setPassword?password=x",
        "/s/dss/Browse/system/security",
        "/s/dss/./browse/system",
        "/s/dss/~/../browse",
        "/s/dss/\\browse",
        "/s/dss/%5cbrowse",
        "/s/dss/.../browse",
        "/s/dss/..../browse",
        "/s/dss/browse%00.html",
        "/s/dss/websocket",
        "/s/dss/getLatestLogs",
        "/s/dss/icons/getDeviceIcon?dsuid=x",
        "/s/dss/www/pages/../../cgi-bin/reboot",
        "/s/dss/%2fbrowse",
        "/s/dss//cgi-bin/reboot",
        "/s/dss///evil.example/",
    ],
)
async def test_confused_paths_never_leave_the_allowed_areas(
    stack: Stack, installer: Helper, target: str
) -> None:
    mark = len(stack.sim.calls)
    status = await _raw(installer, f"GET {target} HTTP/1.1")
    assert status in (400, 403, 404), target
    reached = _reached(stack, mark)
    assert not [p for p in reached if p.startswith(_DANGEROUS)], reached


@pytest.mark.parametrize(
    "request_line",
    [
        "GET http://127.0.0.1:1/json/system/setPassword?password=x HTTP/1.1",
        "GET http://evil.example/s/dss/browse/system/security HTTP/1.1",
        "GET http://evil.example/s/dss/../browse/system HTTP/1.1",
        "GET https://dssadmin:dssadmin@evil.example/json/property/getString?path=/system HTTP/1.1",
        "GET //evil.example/json/system/setPassword?password=x HTTP/1.1",
        "GET * HTTP/1.1",
        "CONNECT 127.0.0.1:8080 HTTP/1.1",
        "GET /json/system/setPassword?password=x HTTP/1.0",
        "GET /json/system/setPassword?password=x HTTP/0.9",
    ],
)
async def test_absolute_and_odd_request_targets(
    stack: Stack, installer: Helper, request_line: str
) -> None:
    mark = len(stack.sim.calls)
    status = await _raw(installer, request_line)
    assert status in (400, 403, 404, 405, 505), request_line
    reached = _reached(stack, mark)
    assert not [p for p in reached if p.startswith(_DANGEROUS)], reached


async def test_host_and_rewrite_headers_do_not_steer_the_configurator(
    stack: Stack, installer: Helper
) -> None:
    mark = len(stack.sim.calls)
    headers = {
        "Host": "127.0.0.1:1",
        "X-Original-URL": "/browse/system/security",
        "X-Rewrite-URL": "/cgi-bin/reboot",
        "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Prefix": "/browse",
        "Forwarded": "host=evil.example;proto=https",
        "Authorization": 'Digest username="dssadmin"',
    }
    resp = await installer.get("/s/dss/", headers=headers)
    assert resp.status == 200
    reached = stack.sim.calls[mark:]
    assert [c.path for c in reached if c.path not in _OWN] == ["/"]
    page = next(c for c in reached if c.path == "/")
    sent = {k.lower() for k in page.headers}
    assert not sent & {h.lower() for h in headers if h != "Host"}
    assert page.headers.get("Host", "").startswith("127.0.0.1:")
    assert page.headers["Host"] != "127.0.0.1:1"
    assert "dss_share" not in page.cookies
    assert not page.cookies


async def test_configurator_is_get_only(stack: Stack, installer: Helper) -> None:
    mark = len(stack.sim.calls)
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        resp = await installer.request(method, "/s/dss/cgi-bin/reboot", data="x=1")
        assert resp.status in (403, 404, 405), method
        resp = await installer.request(method, "/s/dss/", data="x=1")
        assert resp.status in (403, 404, 405), method
    assert _reached(stack, mark) == []


async def test_very_long_paths_are_refused_and_audited_short(
    stack: Stack, installer: Helper
) -> None:
    mark = len(stack.sim.calls)
    status = await _raw(installer, "GET /json/apartment/" + "a" * 7000 + " HTTP/1.1")
    assert status == 403
    status = await _raw(installer, "GET /json/apartment/" + "a" * 70000 + " HTTP/1.1")
    assert status in (400, 414, 431)
    status = await _raw(installer, "GET /s/dss/" + "a/" * 3000 + " HTTP/1.1")
    assert status in (200, 400, 403, 404, 414)
    assert not [p for p in _reached(stack, mark) if p.startswith(_DANGEROUS)]
    await stack.runtime.store.flush()
    log = await stack.runtime.shares.audit_log(installer.created.share.id)
    assert log
    assert all(len(entry.call) <= 200 for entry in log)


@pytest.mark.parametrize(
    "target",
    [
        "/s/dss/browsesystem/security/users/dssadmin",
        "/s/dss/browsesystem/security/applicationTokens/enabled",
        "/s/dss/browseconfig/subsystems/WebServer",
    ],
)
async def test_configurator_never_reaches_the_property_browser(
    stack: Stack, installer: Helper, target: str
) -> None:
    mark = len(stack.sim.calls)
    resp = await installer.get(target)
    text = await resp.text()
    assert stack.sim.security.users["dssadmin"].password not in text
    assert not [p for p in _reached(stack, mark) if p.startswith("/browse")]
