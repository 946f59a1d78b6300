"""The owner API's audit answers: a JSON page, the readable CSV, and the verifiable chain."""

from __future__ import annotations

from aiohttp import web

from dss_addon.runtime import Runtime
from dss_addon.shares.model import Share
from dss_addon.store.audit_export import chain_json
from dss_addon.web.i18n import pick_language
from dss_addon.web.owner.audit_csv import CsvRows, csv_head
from dss_addon.web.owner.audit_query import all_pages, audit_names, parse_audit_query
from dss_addon.web.owner.present import audit_json


async def audit_page_json(request: web.Request, runtime: Runtime, share: Share) -> web.Response:
    """`?before=<id>&limit=&kind=`: newest first; `next` is the cursor of the older page."""
    query = parse_audit_query(request.query)
    page = await runtime.store.audit_page(
        share.id, before=query.before, limit=query.limit, events=query.events
    )
    body = {"audit": [audit_json(entry) for entry in page.entries], "next": page.next_before}
    return web.json_response(body)


async def audit_csv_stream(
    request: web.Request, runtime: Runtime, share: Share, owner_dss_token: str
) -> web.StreamResponse:
    lang = pick_language(request)
    names = await audit_names(runtime.dss, owner_dss_token)
    events = parse_audit_query(request.query).events
    response = web.StreamResponse(headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="share-{share.id}-audit.csv"',
    })
    await response.prepare(request)
    await response.write(csv_head(lang).encode("utf-8"))
    rows = CsvRows(lang, names)
    async for entries in all_pages(runtime.store, share.id, events):
        await response.write(rows.lines(entries).encode("utf-8"))
    await response.write_eof()
    return response


async def audit_chain_json(runtime: Runtime, share: Share) -> web.Response:
    """The share's rows with their chain (prev, hash), its checkpoints and sealed head: what
    `dss-addon audit verify --export` and any SHA-256 tool can check (docs/audit.md)."""
    rows, checkpoints, head = await runtime.store.audit_chain(share.id)
    return web.json_response(
        chain_json(share.id, rows, checkpoints, head),
        headers={"Content-Disposition": f'attachment; filename="share-{share.id}-audit.json"'},
    )
