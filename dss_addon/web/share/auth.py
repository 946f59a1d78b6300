"""Identifying a share-site request: its client address and the share session of its cookie."""

from __future__ import annotations

import json

from aiohttp import web

from dss_addon.errors import BadInput, NotAuthenticated
from dss_addon.shares.model import Share, ShareSession
from dss_addon.web.client_address import client_address
from dss_addon.web.share.keys import RUNTIME, SESSION_COOKIE

JSON_BODY_LIMIT = 4096


def client_of(request: web.Request) -> str:
    return client_address(request, request.app[RUNTIME].settings.trusted_proxies)


def session_cookie(request: web.Request) -> str:
    cookie = request.cookies.get(SESSION_COOKIE, "")
    if not cookie:
        raise NotAuthenticated("Not signed in to a share.")
    return cookie


async def authenticate(request: web.Request) -> tuple[Share, ShareSession]:
    return await request.app[RUNTIME].shares.authenticate(session_cookie(request))


def require_json(request: web.Request) -> None:
    """A JSON content type cannot be sent by a cross-site form: no CSRF through forms."""
    if request.content_type != "application/json":
        raise BadInput("Expected Content-Type: application/json.")


async def read_json_object(request: web.Request) -> dict[str, object]:
    require_json(request)
    raw = await read_capped(request, JSON_BODY_LIMIT)
    if raw is None:
        raise BadInput("The request is too large.")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as err:
        raise BadInput("The body is not valid JSON.") from err
    if not isinstance(data, dict):
        raise BadInput("Expected a JSON object.")
    return data


def set_session_cookie(response: web.StreamResponse, value: str, *, secure: bool) -> None:
    response.set_cookie(
        SESSION_COOKIE, value, path="/", httponly=True, samesite="Strict", secure=secure
    )


def clear_session_cookie(response: web.StreamResponse, *, secure: bool) -> None:
    response.del_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="Strict", secure=secure)


async def read_capped(request: web.Request, limit: int) -> bytes | None:
    """The whole body, or None when it is larger than `limit` (read no further than that)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    body = bytearray()
    while len(body) <= limit:
        chunk = await request.content.read(limit + 1 - len(body))
        if not chunk:
            return bytes(body)
        body += chunk
    return None
