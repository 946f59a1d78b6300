"""The one place that maps domain errors to HTTP, in three shapes: the dSS envelope (proxied
/json calls on the share site), the owner API's JSON, and HTML pages in the user's language."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from enum import StrEnum

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from dss_addon import errors
from dss_addon.web.i18n import Lang, pick_language
from dss_addon.web.templating import render

log = logging.getLogger(__name__)


class Shape(StrEnum):
    DSS = "dss"  # {"ok":false,"message":...}
    JSON = "json"  # {"error":code,"message":...}
    HTML = "html"


@dataclass(frozen=True, slots=True)
class Failure:
    status: int
    code: str
    message: str  # English, safe to show: never a secret, never a raw upstream body
    message_de: str
    field: str | None = None  # the input that was refused (BadInput)
    retry_after: int | None = None  # seconds, sent as Retry-After (RateLimited)


_STATUS: dict[type[errors.AddonError], int] = {
    errors.BadInput: 400,
    errors.NotAuthenticated: 401,
    errors.WrongPin: 401,
    errors.ShareEnded: 401,
    errors.CsrfFailed: 403,
    errors.AccessDenied: 403,
    errors.ShareNotFound: 404,
    errors.Conflict: 409,
    errors.ShareLocked: 429,
    errors.RateLimited: 429,
    errors.DssUnavailable: 502,
    errors.DssRejected: 502,
    errors.DssAuthFailed: 502,
    errors.ClockUnsynchronised: 503,
    errors.StoreFull: 507,
    errors.StoreError: 500,
}

_GERMAN: dict[str, str] = {
    "bad_input": "Ungültige Eingabe.",
    "not_authenticated": "Bitte melden Sie sich an.",
    "wrong_pin": "Die PIN ist falsch.",
    "ended": "Diese Freigabe ist beendet.",
    "csrf": "Die Anfrage wurde abgelehnt (Sicherheitsprüfung). Bitte laden Sie die Seite neu.",
    "denied": "Diese Aktion ist mit dieser Freigabe nicht erlaubt.",
    "not_found": "Diese Freigabe gibt es nicht oder sie ist nicht mehr gültig.",
    "conflict": "Das geht im jetzigen Zustand der Freigabe nicht.",
    "locked": "Zu viele falsche PIN-Eingaben: die Freigabe ist gesperrt.",
    "rate_limited": "Zu viele Anfragen: bitte warten Sie einen Moment.",
    "dss_unavailable": "Der digitalSTROM-Server antwortet nicht.",
    "dss_rejected": "Der digitalSTROM-Server hat die Anfrage abgelehnt.",
    "dss_auth_failed": "Die Anmeldung am digitalSTROM-Server ist fehlgeschlagen.",
    "store": "Interner Fehler beim Speichern.",
    "store_full": "Der Speicher des Geräts ist voll: es wurde nichts geändert.",
    "clock_unsynchronised": (
        "Die Uhr des Geräts ist noch nicht gestellt (kein Zeitserver erreicht): neue Freigaben"
        " können erst danach erstellt oder geöffnet werden."
    ),
    "internal": "Interner Fehler.",
}

_ENGLISH_FALLBACK: dict[str, str] = {
    "dss_unavailable": "The digitalSTROM Server does not answer.",
    "dss_rejected": "The digitalSTROM Server refused the request.",
    "dss_auth_failed": "Logging in to the digitalSTROM Server failed.",
    "store": "Internal storage error.",
    "store_full": "The device's storage is full: nothing was changed.",
}


def failure_for(exc: BaseException) -> Failure:
    """Pure mapping from an exception to what the client is told."""
    if isinstance(exc, errors.AddonError):
        status = next((s for t, s in _STATUS.items() if isinstance(exc, t)), 500)
        # Upstream and storage texts stay in the log; the client gets a fixed sentence.
        english = _ENGLISH_FALLBACK.get(exc.code, exc.message)
        german = exc.message if exc.code == "denied" else _GERMAN.get(exc.code, _GERMAN["internal"])
        field = exc.field if isinstance(exc, errors.BadInput) else None
        retry_after = exc.retry_after if isinstance(exc, errors.RateLimited) else None
        return Failure(status, exc.code, english, german, field, retry_after)
    return Failure(500, "internal", "Internal error.", _GERMAN["internal"])


JSON_SHARE_PATHS = frozenset(
    {"/s/redeem", "/s/done", "/s/preview", "/s/state", "/s/extension-request"}
)


def shape_for(request: web.Request) -> Shape:
    path = request.path
    if path.startswith("/json/"):
        return Shape.DSS
    if path.startswith("/api/") or path in JSON_SHARE_PATHS:
        return Shape.JSON
    if "application/json" in request.headers.get("Accept", ""):
        return Shape.JSON
    return Shape.HTML


def error_response(request: web.Request, failure: Failure) -> web.Response:
    response = _error_body(request, failure)
    if failure.retry_after is not None:
        response.headers["Retry-After"] = str(failure.retry_after)
    return response


def _error_body(request: web.Request, failure: Failure) -> web.Response:
    shape = shape_for(request)
    if shape is Shape.DSS:
        body = json.dumps({"ok": False, "message": failure.message}, separators=(",", ":"))
        return web.Response(
            text=body, status=failure.status, content_type="application/json", charset="utf-8"
        )
    if shape is Shape.JSON:
        error = {"error": failure.code, "message": failure.message}
        if failure.field:
            error["field"] = failure.field
        return web.json_response(error, status=failure.status)
    lang = pick_language(request)
    message = failure.message_de if lang is Lang.DE else failure.message
    return render(
        request,
        "error.html",
        {"status": failure.status, "code": failure.code, "message": message},
        status=failure.status,
        lang=lang,
    )


def error_middleware() -> Middleware:
    @web.middleware
    async def translate_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except errors.AddonError as exc:
            failure = failure_for(exc)
            if failure.status >= 500:
                log.warning("%s %s failed: %s", request.method, request.path, exc.code)
            return error_response(request, failure)
        except web.HTTPException as exc:
            if exc.status in (404, 405) and shape_for(request) is not Shape.HTML:
                return error_response(
                    request, Failure(exc.status, "not_found", exc.reason, "Nicht gefunden.")
                )
            raise
        except Exception:
            log.exception("unhandled error on %s %s", request.method, request.path)
            return error_response(request, failure_for(RuntimeError()))

    return translate_errors
