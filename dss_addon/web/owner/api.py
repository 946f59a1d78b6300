"""The owner API (DESIGN.md §4): JSON in, JSON out; errors travel up to web/errors.py."""

from __future__ import annotations

from aiohttp import web

from dss_addon.shares.model import Share
from dss_addon.shares.requests import parse_extension, parse_share_request
from dss_addon.shares.service import CreatedShare, Owner, seen_request
from dss_addon.web.owner.audit_api import audit_chain_json, audit_csv_stream, audit_page_json
from dss_addon.web.owner.context import context, read_json, require_api_mutation
from dss_addon.web.owner.identity import OWNER_COOKIE, require_owner
from dss_addon.web.owner.list_query import parse_list_query
from dss_addon.web.owner.present import JsonObject, share_json

routes = web.RouteTableDef()
REVOKED_NOT_SAVED = (
    "Revoked now: the share can no longer be used. The storage is full; the revocation will"
    " be saved as soon as space is available."
)


def share_link(request: web.Request, secret: str) -> str:
    # The secret travels in the fragment: it never reaches a server log or a Referer.
    return f"{context(request).runtime.share_base_url()}/s/#{secret}"


async def _share_json(request: web.Request, share: Share) -> JsonObject:
    runtime = context(request).runtime
    live = await runtime.shares.live_sessions(share.id)
    return share_json(share, runtime.clock.now(), live)


@routes.get("/api/session")
async def get_session(request: web.Request) -> web.Response:
    owner = require_owner(request)
    csrf = context(request).csrf.token_for(owner.key)
    return web.json_response({"user": owner.user, "csrf": csrf})


@routes.post("/api/session")
async def post_session(request: web.Request) -> web.Response:
    # JSON only: a cross-site form cannot send application/json without a CORS preflight.
    data = await read_json(request)
    password = data.get("password")
    owner, cookie = await context(request).identifier.login(
        password if isinstance(password, str) else "", request.remote or ""
    )
    response = web.json_response(
        {"user": owner.user, "csrf": context(request).csrf.token_for(owner.key)}
    )
    set_owner_cookie(request, response, cookie)
    return response


@routes.delete("/api/session")
async def delete_session(request: web.Request) -> web.Response:
    owner = require_api_mutation(request)
    await context(request).identifier.logout(owner, request)
    response = web.Response(status=204)
    response.del_cookie(OWNER_COOKIE, path="/")
    return response


def set_owner_cookie(request: web.Request, response: web.StreamResponse, cookie: str) -> None:
    response.set_cookie(
        OWNER_COOKIE, cookie, path="/", httponly=True, samesite="Strict", secure=request.secure
    )


@routes.get("/api/shares")
async def list_shares(request: web.Request) -> web.Response:
    owner = require_owner(request)
    runtime = context(request).runtime
    dss_reachable = await runtime.reconcile_app_tokens(owner.dss_token)
    query = parse_list_query(request.query)
    view = "archived" if request.query.get("archived") == "1" else "all"
    page = await runtime.shares.page(view, before=query.before, limit=query.limit)
    return web.json_response(
        {
            "shares": [await _share_json(request, s) for s in page.shares],
            "next": page.next_before,
            "requested": await runtime.shares.open_extension_requests(),
            "dss_reachable": dss_reachable,
        }
    )


@routes.post("/api/shares")
async def create_share(request: web.Request) -> web.Response:
    owner = require_api_mutation(request)
    data = await read_json(request)
    runtime = context(request).runtime
    known_zones = None
    if data.get("zones"):
        known_zones = (await runtime.dss.structure(owner.dss_token)).zones.keys()
    share_request = parse_share_request(
        data, runtime.clock.now(), max_lifetime=runtime.settings.max_lifetime,
        known_zones=known_zones,
    )
    created = await runtime.shares.create(share_request, Owner(owner.user, owner.dss_token))
    return await _created(request, created)


async def _created(request: web.Request, created: CreatedShare) -> web.Response:
    body = {
        "share": await _share_json(request, created.share),
        "link": share_link(request, created.secret),
        "pin": created.pin,
    }
    return web.json_response(body, status=201)


@routes.get("/api/shares/{id}")
async def get_share(request: web.Request) -> web.Response:
    require_owner(request)
    share = await context(request).runtime.shares.get(request.match_info["id"])
    return web.json_response({"share": await _share_json(request, share)})


@routes.post("/api/shares/{id}/revoke")
async def revoke_share(request: web.Request) -> web.Response:
    owner = require_api_mutation(request)
    revocation = await context(request).runtime.shares.revoke(
        request.match_info["id"], actor=owner.user
    )
    body: JsonObject = {"share": await _share_json(request, revocation.share)}
    body["saved"] = revocation.saved
    if not revocation.saved:
        # It holds already (nothing of the share works any more); only the disk refused it.
        body["message"] = REVOKED_NOT_SAVED
    return web.json_response(body)


@routes.post("/api/shares/{id}/extend")
async def extend_share(request: web.Request) -> web.Response:
    owner = require_api_mutation(request)
    data = await read_json(request)
    runtime = context(request).runtime
    share = await runtime.shares.get(request.match_info["id"])
    new_end = parse_extension(
        data, share, runtime.clock.now(), max_lifetime=runtime.settings.max_lifetime
    )
    share = await runtime.shares.extend(share.id, new_end, actor=owner.user)
    return web.json_response({"share": await _share_json(request, share)})


@routes.post("/api/shares/{id}/reissue")
async def reissue_share(request: web.Request) -> web.Response:
    owner = require_api_mutation(request)
    created = await context(request).runtime.shares.reissue(
        request.match_info["id"], Owner(owner.user, owner.dss_token)
    )
    return await _created(request, created)


@routes.post("/api/shares/{id}/unlock")
async def unlock_share(request: web.Request) -> web.Response:
    owner = require_api_mutation(request)
    share, pin = await context(request).runtime.shares.unlock(
        request.match_info["id"], actor=owner.user
    )
    return web.json_response({"share": await _share_json(request, share), "pin": pin})


@routes.post("/api/shares/{id}/archive")
async def archive_share(request: web.Request) -> web.Response:
    owner = require_api_mutation(request)
    share = await context(request).runtime.shares.archive(
        request.match_info["id"], actor=owner.user
    )
    return web.json_response({"share": await _share_json(request, share)})


@routes.post("/api/shares/{id}/extension-request/{answer:grant|decline}")
async def answer_extension_request(request: web.Request) -> web.Response:
    """A grant names the request the owner saw: `{"minutes": N, "at"?: "..."}` as in SHARE's
    `extension_request`; anything else (no body included) is a 409 conflict."""
    owner = require_api_mutation(request)
    data = await read_json(request) if request.body_exists else {}
    share = await context(request).runtime.shares.answer_extension(
        request.match_info["id"],
        grant=request.match_info["answer"] == "grant",
        actor=owner.user,
        seen=seen_request(data),
    )
    return web.json_response({"share": await _share_json(request, share)})


@routes.get("/api/shares/{id}/audit")
async def share_audit(request: web.Request) -> web.StreamResponse:
    """JSON pages (`?before=&limit=&kind=`), `?format=csv` for spreadsheets, `?format=chain`
    for a verifiable export."""
    owner = require_owner(request)
    runtime = context(request).runtime
    share = await runtime.shares.get(request.match_info["id"])
    if request.query.get("format") == "csv":
        return await audit_csv_stream(request, runtime, share, owner.dss_token)
    if request.query.get("format") == "chain":
        return await audit_chain_json(runtime, share)
    return await audit_page_json(request, runtime, share)
