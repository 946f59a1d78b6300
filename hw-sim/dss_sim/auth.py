"""Token transport (webserver.cpp extractToken): the `token` cookie first, then the parameter."""

from __future__ import annotations

from collections.abc import Mapping

from dss_sim.params import Params


def cookie_token(cookie_header: str | None) -> str | None:
    """webserver.cpp extractToken: the text after the first `"; token="` in `"; " + Cookie`, up
    to the next `;` (spaces kept). `a=1;token=X` (no space) or ` token=X` are not found; an
    empty value counts as no cookie token."""
    if cookie_header is None:
        return None
    cookie = "; " + cookie_header
    start = cookie.find("; token=")
    if start < 0:
        return None
    start += len("; token=")
    end = cookie.find(";", start)
    value = cookie[start:] if end < 0 else cookie[start:end]
    return value or None


def request_token(headers: Mapping[str, str], params: Params) -> str | None:
    """The cookie token, else the `token` parameter (webserver.cpp httpRequestCallback)."""
    return cookie_token(headers.get("Cookie")) or params.get("token") or None
