"""The owner's audit API on the whole stack: keyset pages, filters, the readable CSV with the
simulator's room names, and a chain export that verifies (and fails when edited)."""

from __future__ import annotations

import csv
import html
import io
import json
from pathlib import Path

import aiohttp

from dss_addon.store.audit_verify import audit_key, verify_export
from tests.support.owner import OwnerClient
from tests.support.share_site import open_share
from tests.support.stack import Stack

ZONE = 989


def _rows(body: dict[str, object]) -> list[dict[str, object]]:
    rows = body["audit"]
    assert isinstance(rows, list)
    return rows


async def _share_with_calls(stack: Stack, http: aiohttp.ClientSession, calls: int) -> str:
    helper = await open_share(http, stack, level="operate")
    for _ in range(calls):
        resp = await helper.get(f"/json/zone/callScene?id={ZONE}&groupID=1&sceneNumber=5")
        assert resp.status == 200
    resp = await helper.get("/json/database/query")  # refused for every level
    assert resp.status == 403
    return helper.created.share.id


async def test_pages_walk_back_with_the_next_cursor(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    share_id = await _share_with_calls(stack, http, 5)
    everything = (await owner.get(f"/api/shares/{share_id}/audit?limit=1000")).json()
    assert everything["next"] is None
    ids = [int(str(entry["id"])) for entry in _rows(everything)]
    assert ids == sorted(ids, reverse=True)
    seen: list[int] = []
    url = f"/api/shares/{share_id}/audit?limit=3"
    while True:
        page = (await owner.get(url)).json()
        seen += [int(str(entry["id"])) for entry in _rows(page)]
        if page["next"] is None:
            break
        url = f"/api/shares/{share_id}/audit?limit=3&before={page['next']}"
    assert seen == ids


async def test_kinds_filter_the_rows(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    share_id = await _share_with_calls(stack, http, 2)
    async def kind(name: str) -> list[dict[str, object]]:
        return _rows((await owner.get(f"/api/shares/{share_id}/audit?kind={name}")).json())

    calls = await kind("calls")
    assert [e["event"] for e in calls] == ["call", "call"]
    assert calls[0]["call"] == f"zone/callScene?id={ZONE}&groupID=1&sceneNumber=5"
    assert [e["event"] for e in await kind("refused")] == ["denied"]
    assert [e["event"] for e in await kind("actions")] == ["opened", "created"]


async def test_bad_paging_input_is_a_400(stack: Stack, owner: OwnerClient,
                                         http: aiohttp.ClientSession) -> None:
    share_id = await _share_with_calls(stack, http, 0)
    for query in ("before=abc", "limit=0", "limit=-5", "kind=everything"):
        reply = await owner.get(f"/api/shares/{share_id}/audit?{query}")
        assert reply.status == 400, query
        assert reply.json()["error"] == "bad_input"


async def test_english_csv_names_the_room_and_scene(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    share_id = await _share_with_calls(stack, http, 1)
    room = html.unescape(stack.sim.zone(ZONE).name)  # the dSS stores names HTML-escaped
    reply = await owner.get(f"/api/shares/{share_id}/audit?format=csv&lang=en")
    rows = list(csv.reader(io.StringIO(reply.text.removeprefix("\ufeff"))))
    assert rows[0][:4] == ["No.", "Time", "Event", "Action"]
    call = next(row for row in rows if row[2] == "Call")
    assert call[3:6] == ["Scene called", f"{room} · Light · scene Preset 1", "yes"]


async def test_the_chain_export_verifies_and_an_edit_shows(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    share_id = await _share_with_calls(stack, http, 3)
    reply = await owner.get(f"/api/shares/{share_id}/audit?format=chain")
    assert "attachment" in reply.headers["Content-Disposition"]
    export = tmp_path / "export.json"
    export.write_text(reply.text, "utf-8")
    key = audit_key(stack.runtime.settings.data_dir, create=False)
    assert verify_export(export, key).broken is None
    assert verify_export(export, None).broken is None  # a third party without the key
    data = json.loads(reply.text)
    data["rows"][2]["reason"] = "denied"
    export.write_text(json.dumps(data), "utf-8")
    verdict = verify_export(export, None)
    assert verdict.broken is not None
    assert verdict.broken.row == data["rows"][2]["id"]
