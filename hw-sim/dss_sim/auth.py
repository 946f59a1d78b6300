"""Token transport: the `token` cookie first, then the `token` parameter."""

from __future__ import annotations

from collections.abc import Mapping

from dss_sim.params import Params


def cookie_token(cookie_header: str | None) -> str | None:
    """The value of the first `token` cookie, or None when absent or empty."""
    if not cookie_header:
        return None
    for part in cookie_header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name == "token":
            return value or None
    return None


def request_token(headers: Mapping[str, str], params: Params) -> str | None:
    return cookie_token(headers.get("Cookie")) or params.get("token") or None
