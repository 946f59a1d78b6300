"""The dSS's trusted port (webserver.cpp httpRequestCallback): a request without a session is
served as the user its `Authorization` header names, with no password check, because lighttpd
is meant to have checked the digest already. On the appliance that is port 8088."""

from __future__ import annotations

from aiohttp import web

TRUSTED: web.AppKey[bool] = web.AppKey("TRUSTED", bool)
_USER_KEY = ' username="'


def trusted_user(header: str | None) -> str | None:
    """webserver.cpp extractAuthenticatedUser: the text between the first ` username="` (with
    its leading space) and the next quote; no other part of the header is looked at."""
    if not header:
        return None
    start = header.find(_USER_KEY)
    if start < 0:
        return None
    start += len(_USER_KEY)
    end = header.find('"', start)
    if end < 0:
        return None
    return header[start:end] or None
