"""The owner API (DESIGN.md §4) against the real simulator."""

from __future__ import annotations

import csv
import io
import re

import aiohttp
import pytest

from dss_addon.shares.model import ShareState
from tests.support.owner import OwnerClient, read, share_of
from tests.support.shares import all_shares
from tests.support.stack import Stack

SHARE_KEYS = {
    "id", "label", "level", "state", "created_at", "starts_at", "expires_at", "zones",
    "has_pin", "redemptions", "max_redemptions", "last_used_at", "time_left_seconds",
    "live_sessions",
}
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


async def test_create_answers_201_with_link_and_pin(stack: Stack, owner: OwnerClient) -> None:
    body = await owner.create(label="Elektro Müller", level="operate", duration_minutes=240,
                              pin=True, zones=[989, 990], max_redemptions=2)
    share = share_of(body)
    assert set(share) >= SHARE_KEYS
    assert share["label"] == "Elektro Müller"
    assert share["level"] == "operate"
    assert share["state"] == "active"
    assert share["zones"] == [989, 990]
    assert share["has_pin"] is True
    assert share["max_redemptions"] == 2
    assert share["redemptions"] == 0
    assert share["last_used_at"] is None
    assert share["time_left_seconds"] == 4 * 3600
    assert share["created_at"] == "2026-11-27T09:00:00Z"
    assert share["expires_at"] == "2026-11-27T13:00:00Z"
    for key in ("created_at", "starts_at", "expires_at"):
        assert ISO_Z.match(str(share[key])), key
    link = str(body["link"])
    assert link.startswith(stack.share_url + "/s/#")
    assert len(link.split("#", 1)[1]) >= 43  # 256 bits
    assert re.fullmatch(r"\d{6}", str(body["pin"]))


async def test_create_without_pin_answers_pin_null(owner: OwnerClient) -> None:
    body = await owner.create(pin=False)
    assert body["pin"] is None
    assert share_of(body)["has_pin"] is False


async def test_the_link_opens_the_share_on_the_share_site(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    body = await owner.create(level="view")
    secret = str(body["link"]).split("#", 1)[1]
    resp = await read(await http.post(stack.share_url + "/s/redeem", json={"secret": secret}))
    assert resp.status == 200
    share = share_of((await owner.get(f"/api/shares/{share_of(body)['id']}")).json())
    assert share["redemptions"] == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"level": "view", "duration_minutes": 60}, "label"),
        ({"label": "", "level": "view", "duration_minutes": 60}, "label"),
        ({"label": "x" * 81, "level": "view", "duration_minutes": 60}, "label"),
        ({"label": "a\nb", "level": "view", "duration_minutes": 60}, "label"),
        ({"label": "x", "level": "admin", "duration_minutes": 60}, "level"),
        ({"label": "x", "level": "view"}, "duration_minutes"),
        ({"label": "x", "level": "view", "duration_minutes": 0}, "duration_minutes"),
        ({"label": "x", "level": "view", "duration_minutes": True}, "duration_minutes"),
        ({"label": "x", "level": "view", "duration_minutes": 60 * 24 * 365}, "duration_minutes"),
        ({"label": "x", "level": "view", "expires_at": "2026-11-27T08:00:00Z"}, "expires_at"),
        ({"label": "x", "level": "view", "expires_at": "tomorrow"}, "expires_at"),
        ({"label": "x", "level": "view", "expires_at": "2026-11-28T08:00:00"}, "expires_at"),
        ({"label": "x", "level": "view", "duration_minutes": 60,
          "starts_at": "2026-11-26T09:00:00Z"}, "starts_at"),
        ({"label": "x", "level": "view", "duration_minutes": 60, "zones": [4242]}, "zones"),
        ({"label": "x", "level": "view", "duration_minutes": 60, "zones": "989"}, "zones"),
        ({"label": "x", "level": "view", "duration_minutes": 60, "pin": "yes"}, "pin"),
        ({"label": "x", "level": "view", "duration_minutes": 60, "max_redemptions": 0},
         "max_redemptions"),
        ({"label": "x", "level": "view", "duration_minutes": 60, "admin": True}, "admin"),
    ],
)
async def test_bad_input_is_400_and_stores_nothing(
    stack: Stack, owner: OwnerClient, body: dict[str, object], field: str
) -> None:
    reply = await owner.post("/api/shares", body)
    assert reply.status == 400, reply.text
    error = reply.json()
    assert error["error"] == "bad_input"
    assert isinstance(error["message"], str)
    assert error["message"]
    assert error["field"] == field
    assert await all_shares(stack.runtime.shares) == []


@pytest.mark.parametrize(
    ("raw", "content_type"),
    [
        ("{not json", "application/json"),
        ("[1, 2]", "application/json"),
        ('"label"', "application/json"),
        ('{"label": "x", "level": "view", "duration_minutes": 60}', "text/plain"),
        ('{"label": "x", "level": "view", "duration_minutes": 60}',
         "application/x-www-form-urlencoded"),
    ],
)
async def test_bad_json_is_400_and_stores_nothing(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession, raw: str, content_type: str
) -> None:
    headers = owner.headers({"Content-Type": content_type})
    reply = await read(await http.post(stack.owner_url + "/api/shares", data=raw,
                                       headers=headers))
    assert reply.status == 400
    assert reply.json()["error"] == "bad_input"
    assert await all_shares(stack.runtime.shares) == []


async def test_list_and_get(owner: OwnerClient) -> None:
    first = share_of(await owner.create(label="first"))
    second = share_of(await owner.create(label="second", level="view"))
    listed = (await owner.get("/api/shares")).json()["shares"]
    assert isinstance(listed, list)
    assert {s["id"] for s in listed} == {first["id"], second["id"]}
    got = share_of((await owner.get(f"/api/shares/{second['id']}")).json())
    assert got == second


async def test_unknown_share_is_404(owner: OwnerClient) -> None:
    for reply in (
        await owner.get("/api/shares/nosuchshare"),
        await owner.get("/api/shares/nosuchshare/audit"),
        await owner.post("/api/shares/nosuchshare/revoke"),
        await owner.post("/api/shares/nosuchshare/extend", {"minutes": 60}),
    ):
        assert reply.status == 404
        assert reply.json()["error"] == "not_found"


async def test_extend_by_minutes_and_to_a_date(stack: Stack, owner: OwnerClient) -> None:
    share_id = share_of(await owner.create(duration_minutes=60))["id"]
    reply = await owner.post(f"/api/shares/{share_id}/extend", {"minutes": 120})
    assert reply.status == 200, reply.text
    assert share_of(reply.json())["expires_at"] == "2026-11-27T12:00:00Z"
    reply = await owner.post(f"/api/shares/{share_id}/extend",
                             {"expires_at": "2026-11-28T10:00:00+01:00"})
    assert share_of(reply.json())["expires_at"] == "2026-11-28T09:00:00Z"
    stored = await stack.runtime.shares.get(str(share_id))
    assert stored.expires_at.isoformat() == "2026-11-28T09:00:00+00:00"


@pytest.mark.parametrize(
    "body",
    [{}, {"minutes": 0}, {"minutes": "60"}, {"minutes": 60, "expires_at": "2026-11-28T09:00Z"},
     {"expires_at": "2026-11-27T09:30:00Z"}, {"minutes": 60 * 24 * 400}, {"hours": 1}],
)
async def test_bad_extension_is_400_and_changes_nothing(
    stack: Stack, owner: OwnerClient, body: dict[str, object]
) -> None:
    share_id = str(share_of(await owner.create(duration_minutes=60))["id"])
    before = await stack.runtime.shares.get(share_id)
    reply = await owner.post(f"/api/shares/{share_id}/extend", body)
    assert reply.status == 400
    assert await stack.runtime.shares.get(share_id) == before


async def test_revoke_ends_the_share_and_it_cannot_be_extended(
    stack: Stack, owner: OwnerClient
) -> None:
    share_id = share_of(await owner.create())["id"]
    reply = await owner.post(f"/api/shares/{share_id}/revoke")
    assert reply.status == 200
    assert share_of(reply.json())["state"] == ShareState.REVOKED
    assert share_of(reply.json())["time_left_seconds"] >= 0  # type: ignore[operator]
    again = await owner.post(f"/api/shares/{share_id}/revoke")
    assert again.status == 200  # idempotent
    extend = await owner.post(f"/api/shares/{share_id}/extend", {"minutes": 60})
    assert extend.status == 400


async def test_state_follows_the_clock(stack: Stack, owner: OwnerClient) -> None:
    share_id = share_of(await owner.create(duration_minutes=60,
                                           starts_at="2026-11-27T10:00:00Z"))["id"]
    assert share_of((await owner.get(f"/api/shares/{share_id}")).json())["state"] == "scheduled"
    stack.clock.advance(hours=1)
    assert share_of((await owner.get(f"/api/shares/{share_id}")).json())["state"] == "active"
    stack.clock.advance(hours=1)
    share = share_of((await owner.get(f"/api/shares/{share_id}")).json())
    assert share["state"] == "expired"
    assert share["time_left_seconds"] == 0


async def test_audit_as_json_and_csv(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    body = await owner.create(level="view", label="=cmd|' /C calc'!A0")
    share_id = share_of(body)["id"]
    secret = str(body["link"]).split("#", 1)[1]
    await read(await http.post(stack.share_url + "/s/redeem", json={"secret": secret}))
    audit = (await owner.get(f"/api/shares/{share_id}/audit")).json()["audit"]
    assert isinstance(audit, list)
    events = [entry["event"] for entry in audit]
    assert "created" in events
    assert "opened" in events
    assert all(ISO_Z.match(entry["at"]) for entry in audit)
    assert secret not in str(audit)

    reply = await owner.get(f"/api/shares/{share_id}/audit?format=csv")
    assert reply.status == 200
    assert reply.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in reply.headers["Content-Disposition"]
    # The CSV is for people (issue 10): German by default, `;`, BOM, oldest row first.
    assert reply.text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(reply.text.removeprefix("\ufeff")), delimiter=";"))
    assert rows[0][:3] == ["Nr.", "Zeit", "Ereignis"]
    assert [int(row[0]) for row in rows[1:]] == [entry["id"] for entry in reversed(audit)]
    assert [row[2] for row in rows[1:3]] == ["Erstellt", "Link geöffnet"]
    assert rows[1][6].startswith("von ")
    assert secret not in reply.text


async def test_an_oversized_body_is_refused(stack: Stack, owner: OwnerClient) -> None:
    reply = await owner.post("/api/shares", {"label": "x" * 20_000, "level": "view",
                                             "duration_minutes": 60})
    assert reply.status == 400
    huge = await owner.post("/api/shares", raw='{"label": "' + "x" * 100_000 + '"}')
    assert huge.status == 400
    assert await all_shares(stack.runtime.shares) == []
