"""The dSS configurator through the share site (configure shares only): GET pages and assets of
the dSS web front, confined to its root, never the dSS's JSON, browse or CGI areas. With
`configurator_root` (the appliance's /www/pages) they are read from that folder instead of the
dSS's port, which serves no pages there. Every HTML page gets the share bar (share_bar.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from aiohttp import web
from yarl import URL

from dss_addon.errors import DssUnavailable
from dss_addon.policy.grammar import form_body
from dss_addon.policy.model import DssCall, Target
from dss_addon.runtime import Runtime
from dss_addon.web.share.auth import authenticate, client_of
from dss_addon.web.share.configurator_root import read_page
from dss_addon.web.share.dss_request import (
    CONFIGURATOR_PREFIX,
    Refused,
    parse_dss_request,
    upstream_params,
)
from dss_addon.web.share.keys import RUNTIME
from dss_addon.web.share.limits import PROXY_LIMITS, throttle
from dss_addon.web.share.proxy import authorize, refuse
from dss_addon.web.share.share_bar import inject_bar, render_bar

MAX_PAGE_BYTES = 4 * 1024 * 1024
# Everything else from upstream is dropped: cookies (the dSS token must never reach the
# browser), its CSP and framing rules (ours apply), hop-by-hop and encoding headers.
_PASSED_HEADERS = ("Content-Type", "Last-Modified", "ETag")


@dataclass(frozen=True, slots=True)
class Page:
    status: int
    body: bytes
    headers: Mapping[str, str]


async def configurator(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    raw_path = request.raw_path.partition("?")[0]
    parsed = parse_dss_request("GET", raw_path, request.rel_url.raw_query_string, b"")
    share, session = await authenticate(request)
    call = parsed if isinstance(parsed, DssCall) else DssCall(Target.OTHER, path=raw_path)
    # The configurator's pages draw on the share's one request budget like its /json calls: a
    # page flood must neither reach the dSS nor fill the audit log unbounded.
    throttle(
        request.app[PROXY_LIMITS],
        runtime.shares,
        share_id=share.id,
        session_id=session.id,
        call=call,
        client=client_of(request),
    )
    if isinstance(parsed, Refused):
        refuse(request, runtime, share, session, parsed)
    await authorize(request, runtime, share, session, call)
    root = runtime.settings.configurator_root
    if root is None:
        page = await fetch_page(runtime, call.path, upstream_params(call))
    else:
        page = await local_page(root, call.path)
    body = page.body
    if page.headers.get("Content-Type", "").startswith("text/html"):
        body = inject_bar(rebase_html(body), render_bar(request, share, runtime.clock.now()))
    return web.Response(body=body, status=page.status, headers=page.headers)


async def local_page(root: Path, path: str) -> Page:
    found = await read_page(root, path, MAX_PAGE_BYTES)
    if found is None:
        raise web.HTTPNotFound()
    body, content_type = found
    return Page(200, body, {"Content-Type": content_type})


async def fetch_page(runtime: Runtime, path: str, params: Mapping[str, str]) -> Page:
    """`path` comes from dss_request.configurator_path: already confined and unencoded;
    `params` are canonical (plain words), serialised like every forwarded dSS call."""
    settings = runtime.settings
    query = f"?{form_body(params)}" if params else ""
    url = URL(f"{settings.dss_url}{path}{query}", encoded=True)
    try:
        async with runtime.http.get(
            url,
            allow_redirects=False,
            ssl=False if settings.dss_insecure else True,
            timeout=aiohttp.ClientTimeout(total=settings.dss_timeout),
        ) as resp:
            body = bytearray()
            async for chunk in resp.content.iter_chunked(64 * 1024):
                body += chunk
                if len(body) > MAX_PAGE_BYTES:
                    raise DssUnavailable("the configurator page is too large")
            headers = {h: resp.headers[h] for h in _PASSED_HEADERS if h in resp.headers}
            location = _local_location(resp.headers.get("Location", ""))
            if location:
                headers["Location"] = location
            return Page(resp.status, bytes(body), headers)
    except (TimeoutError, aiohttp.ClientError) as err:
        raise DssUnavailable(f"the configurator did not answer ({type(err).__name__})") from None


def _local_location(location: str) -> str | None:
    """Redirects are kept only when they stay on the web front (a path), mapped under our
    prefix; absolute and scheme-relative URLs are dropped."""
    if not location.startswith("/") or location.startswith("//"):
        return None
    return CONFIGURATOR_PREFIX.rstrip("/") + location


def rebase_html(body: bytes) -> bytes:
    """Root-relative links of the web front's pages (`src="/x"`) point under our prefix, so its
    assets load through this route. The page's own /json calls need no change: they reach the
    share site's /json proxy. Scheme-relative `//host` links are left alone (and blocked by CSP).
    """
    prefix = CONFIGURATOR_PREFIX.rstrip("/").encode()
    for attr in (b'src="/', b'href="/', b"src='/", b"href='/"):
        quote_char = attr[-2:-1]
        body = body.replace(attr, attr[:-1] + prefix + b"/")
        # Undo for scheme-relative links, which the replacement above turned into "/s/dss//".
        body = body.replace(attr[:-2] + quote_char + prefix + b"//", attr + b"/")
    return body
