"""The owner's "Was wurde geändert? / What changed?": a share's change journal and undo, as
JSON (DESIGN.md §4) and as a page of the tab."""

from __future__ import annotations

from urllib.parse import quote

from aiohttp import web

from dss_addon.errors import ShareNotFound
from dss_addon.journal import service as journal
from dss_addon.journal.present import change_json, describe, grouped
from dss_addon.journal.values import SHARE_ACTOR
from dss_addon.web.i18n import pick_language
from dss_addon.web.owner.context import context, read_json, require_api_mutation
from dss_addon.web.owner.identity import OwnerIdentity, require_owner
from dss_addon.web.owner.page import owner_form, owner_page, page, root_of
from dss_addon.web.owner.views import when

routes = web.RouteTableDef()


async def _changes_body(request: web.Request, share_id: str) -> dict[str, object]:
    lang = pick_language(request)
    changes = await journal.changes(context(request).runtime, share_id)
    return {"changes": [change_json(c, lang) for c in changes]}


def _change_id(request: web.Request) -> int:
    raw = request.match_info["change_id"]
    if not raw.isdigit() or len(raw) > 18:
        raise ShareNotFound("No such change.")
    return int(raw)


async def _undo(
    request: web.Request, owner: OwnerIdentity, change_id: int | None, force: bool
) -> web.Response:
    runtime = context(request).runtime
    share = await runtime.shares.get(request.match_info["id"])
    try:
        await journal.undo(
            runtime, share.id, user=owner.user, dss_token=owner.dss_token,
            change_id=change_id, force=force,
        )
    except journal.UndoConflict as conflict:
        body = {"error": conflict.code, "message": conflict.message,
                "conflicts": conflict.conflicts}
        return web.json_response(body, status=409)
    return web.json_response(await _changes_body(request, share.id))


async def _force(request: web.Request) -> bool:
    if not request.body_exists:
        return False
    return (await read_json(request)).get("force") is True


@routes.get("/api/shares/{id}/changes")
async def list_changes(request: web.Request) -> web.Response:
    require_owner(request)
    share = await context(request).runtime.shares.get(request.match_info["id"])
    return web.json_response(await _changes_body(request, share.id))


@routes.post("/api/shares/{id}/changes/undo-all")
async def undo_all(request: web.Request) -> web.Response:
    owner = require_api_mutation(request)
    return await _undo(request, owner, None, await _force(request))


@routes.post("/api/shares/{id}/changes/{change_id}/undo")
async def undo_one(request: web.Request) -> web.Response:
    owner = require_api_mutation(request)
    return await _undo(request, owner, _change_id(request), await _force(request))


# -- the page ---------------------------------------------------------------------------------


@routes.get("/shares/{id}/changes")
@owner_page
async def changes_page(request: web.Request, owner: OwnerIdentity) -> web.Response:
    return await _page(request)


async def _page(
    request: web.Request,
    *,
    conflicts: list[dict[str, object]] | None = None,
    confirm: bool = False,
    form: dict[str, str] | None = None,
) -> web.Response:
    runtime, lang = context(request).runtime, pick_language(request)
    share = await runtime.shares.get(request.match_info["id"])
    changes = await journal.changes(runtime, share.id)
    groups = [
        {
            "title": title,
            "changes": [
                {
                    "id": c.id,
                    "text": describe(c, lang),
                    "at": when(c.at, lang),
                    "undone": c.undone_at is not None,
                    "undoable": journal.undoable(c),
                    "by_owner": c.actor != SHARE_ACTOR,
                    "refused": not c.applied,
                }
                for c in items
            ],
        }
        for title, items in grouped(changes, lang)
    ]
    href = quote(share.id, safe="")
    values = {
        "share": {"label": share.label, "href": href},
        "groups": groups,
        "any_undoable": any(
            journal.undoable(c) and c.actor == SHARE_ACTOR for c in changes
        ),
        "conflicts": conflicts,
        "confirm": confirm,
        "form": form or {},
    }
    status = 409 if conflicts else 200
    return page(request, "owner/changes.html", values, status=status,
                here=f"shares/{href}/changes")


@routes.post("/shares/{id}/changes/undo")
@owner_form
async def undo_form(
    request: web.Request, owner: OwnerIdentity, form: dict[str, str]
) -> web.Response:
    """The page's undo: `change` (an id, or "all"), `confirmed=yes`, and `force=yes` after a
    conflict was shown."""
    raw = form.get("change", "")
    change_id = None if raw == "all" else (int(raw) if raw.isdigit() and len(raw) < 18 else -1)
    if form.get("confirmed") != "yes":  # without JavaScript: the confirmation step
        return await _page(request, confirm=True, form={"change": raw})
    runtime = context(request).runtime
    share = await runtime.shares.get(request.match_info["id"])
    try:
        await journal.undo(
            runtime, share.id, user=owner.user, dss_token=owner.dss_token,
            change_id=change_id, force=form.get("force") == "yes",
        )
    except journal.UndoConflict as conflict:
        return await _page(request, conflicts=conflict.conflicts, form={"change": raw})
    raise web.HTTPSeeOther(f"{root_of(request.path)}shares/{quote(share.id, safe='')}/changes")
