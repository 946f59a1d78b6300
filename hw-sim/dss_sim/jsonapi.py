"""The /json/<class>/<method> endpoint: routing order, session check, envelope."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from dss_sim.auth import request_token
from dss_sim.envelope import COOKIE_SET, failure, json_response, success
from dss_sim.errors import DssCrash, DssFail
from dss_sim.handlers import CLASSES, Ctx
from dss_sim.keys import SIM
from dss_sim.params import BODY_LIMIT, Params
from dss_sim.trusted import TRUSTED, trusted_user

log = logging.getLogger(__name__)


async def handle_json(request: web.Request) -> web.StreamResponse:
    sim = request.app[SIM]
    path = request.match_info.get("tail", "")
    cls_name, _, method = path.partition("/")
    # webserver.cpp extractRequest: only a POST body is read (16 KiB); an empty one falls back
    # to the query string, and the body of any other method is ignored.
    body = (await request.read())[:BODY_LIMIT] if request.method == "POST" else b""
    params = Params.from_request_parts(request.rel_url.raw_query_string, body,
                                       sim.config.int_width)
    # webserver.cpp jsonHandler: JSONP only for a non-empty callback, and only on the 200
    # answers of a handler (not on 403/404/500).
    callback = params.text("callback") or None
    # httpRequestCallback finds the session (and on the trusted port makes one) before
    # jsonHandler looks at the class: an unknown class still carries the trusted cookie.
    token = request_token(request.headers, params)
    session = sim.sessions.resolve(token)
    trusted_cookie = None
    if session is None and request.app.get(TRUSTED, False):
        user = trusted_user(request.headers.get("Authorization"))
        if user is not None:
            # An unknown user or a full session table: the dSS declines and civetweb's static
            # file server answers (a 404 in its empty web root).
            session = sim.sessions.create(user) if user in sim.security.users else None
            if session is None:
                raise web.HTTPNotFound()
            token = session.token
            # The first call through the trusted port carries the new session's cookie.
            trusted_cookie = COOKIE_SET.format(token=token)
    api = CLASSES.get(cls_name)
    if api is None:
        return await _answer(request, failure("Call to unknown function"), 404, callback,
                             trusted_cookie)
    if session is None and not api.public:
        return await _answer(request, failure("not logged in"), 403, callback)
    ctx = Ctx(sim, params, session, token, request, call=f"{cls_name}/{method}")
    status = 200
    try:
        if api.prepare is not None:
            api.prepare(ctx, method)
        handler = api.handlers.get(method)
        if handler is None:
            raise DssFail(api.unknown, 500)
        result = await handler(ctx)
        text = success(result, ctx.message)
    except DssFail as exc:
        text, status = failure(exc.message), exc.status
    except DssCrash as exc:
        sim.crash(f"{cls_name}/{method}", exc.reason)
        transport = request.transport
        if transport is not None:
            transport.abort()
        raise asyncio.CancelledError from None  # no answer: the process is gone
    except Exception as exc:  # the dSS answers uncaught exceptions with 500 and what()
        log.exception("handler %s/%s failed", cls_name, method)
        text, status = failure(str(exc) or type(exc).__name__), 500
    return await _answer(request, text, status, callback, ctx.cookie or trusted_cookie)


async def _answer(request: web.Request, text: str, status: int, callback: str | None,
                  cookie: str | None = None) -> web.Response:
    latency = request.app[SIM].latency_ms
    if latency > 0:
        await asyncio.sleep(latency / 1000)
    return json_response(text, status, callback if status == 200 else None, cookie)
