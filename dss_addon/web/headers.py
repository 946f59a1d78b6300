"""Security headers on every response of both sites."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

# The owner site is framed by the dSS configurator (same origin through the dSS web front), so
# it allows 'self' as an ancestor; the share site may not be framed at all.
OWNER_FRAME_ANCESTORS = "'self'"
SHARE_FRAME_ANCESTORS = "'none'"


def content_security_policy(frame_ancestors: str) -> str:
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
        f"frame-ancestors {frame_ancestors}"
    )


def security_headers_middleware(frame_ancestors: str) -> Middleware:
    csp = content_security_policy(frame_ancestors)

    @web.middleware
    async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            _apply(exc, csp, frame_ancestors)
            raise
        _apply(response, csp, frame_ancestors)
        return response

    return security_headers


def _apply(response: web.StreamResponse, csp: str, frame_ancestors: str) -> None:
    if response.prepared:  # streamed responses set their headers before prepare()
        return
    headers = response.headers
    headers.setdefault("Content-Security-Policy", csp)
    headers["Referrer-Policy"] = "no-referrer"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Cache-Control"] = "no-store"
    if frame_ancestors == "'none'":
        headers["X-Frame-Options"] = "DENY"


def apply_security_headers(response: web.StreamResponse, frame_ancestors: str) -> None:
    """For handlers that stream (prepare() themselves): call before prepare()."""
    _apply(response, content_security_policy(frame_ancestors), frame_ancestors)
