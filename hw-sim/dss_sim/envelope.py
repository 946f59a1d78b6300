"""The dSS JSON envelope and its HTTP framing."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

JsonValue = Any  # JSON-serialisable value
CONTENT_TYPE = "application/json; charset=utf-8"
COOKIE_SET = "token={token}; path=/; HttpOnly; Secure"
COOKIE_REVOKE = "token=; path=/; expires=Wed, 29 April 1970 12:00:00 GMT; HttpOnly; Secure"
_REASONS = {400: "Bad Request", 403: "Forbidden", 500: "Internal Server Error"}


def dumps(value: JsonValue) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=True)


def success(result: Mapping[str, JsonValue] | Sequence[JsonValue] | None = None,
            message: str | None = None) -> str:
    if result is not None:
        return dumps({"result": result, "ok": True})
    if message:
        return dumps({"ok": True, "message": message})
    return dumps({"ok": True})


def failure(message: str) -> str:
    return dumps({"ok": False, "message": message}) if message else dumps({"ok": False})


def reason(status: int) -> str:
    return _REASONS.get(status, "OK")


def json_response(body: str, status: int = 200, callback: str | None = None,
                  cookie: str | None = None) -> web.Response:
    if callback is not None:
        body = f"{callback}({body})"
    resp = web.Response(status=status, reason=reason(status), body=body.encode("utf-8"))
    resp.headers["Content-Type"] = CONTENT_TYPE
    if cookie is not None:
        resp.headers["Set-Cookie"] = cookie
    return resp
