"""The tab's recovery buttons and the list's filters (issue 10, items 5 and 10), without
JavaScript: every action is a form post with the CSRF field."""

from __future__ import annotations

import re

import aiohttp

from tests.support.owner import OwnerClient, hidden_csrf, share_of
from tests.support.stack import Stack


def secret_of(body: dict[str, object]) -> str:
    return str(body["link"]).split("#", 1)[1]


async def post_page_form(
    owner: OwnerClient, page: str, action: str, **fields: str
) -> tuple[int, str, str]:
    """Posts `action` with the CSRF field of `page`: (status, body, Location)."""
    csrf = hidden_csrf((await owner.get(page)).text)
    reply = await owner.post_form(action, {"csrf": csrf, **fields})
    return reply.status, reply.text, reply.headers.get("Location", "")


async def lock(http: aiohttp.ClientSession, stack: Stack, body: dict[str, object]) -> None:
    wrong = "000000" if body["pin"] != "000000" else "111111"
    for _ in range(5):
        async with http.post(f"{stack.share_url}/s/redeem",
                             json={"secret": secret_of(body), "pin": wrong}) as resp:
            await resp.read()


async def test_the_list_filters_over_shares_and_archives_them(
    stack: Stack, owner: OwnerClient
) -> None:
    live = share_of(await owner.create(label="Läuft"))
    done = share_of(await owner.create(label="Vorbei"))
    await owner.post(f"/api/shares/{done['id']}/revoke")
    page = (await owner.get("/")).text
    assert "Läuft" in page
    assert "Vorbei" in page
    assert "Laufend (1)" in page
    assert "Beendet (1)" in page
    current = (await owner.get("/?show=current")).text
    assert "Läuft" in current
    assert "Vorbei" not in current
    over = (await owner.get("/?show=over")).text
    assert "Vorbei" in over
    assert "Läuft" not in over
    # Only the share that is over has an archive button in the list.
    assert f'shares/{done["id"]}/archive' in page
    assert f'shares/{live["id"]}/archive' not in page
    status, _, location = await post_page_form(owner, "/", f"/shares/{done['id']}/archive",
                                               show="over")
    assert status == 303
    assert location == "../../?show=over"  # back to the view of the list it came from
    page = (await owner.get("/")).text
    assert "Vorbei" not in page
    archive = (await owner.get("/?show=archived")).text
    assert "Vorbei" in archive
    assert "Läuft" not in archive
    english = (await owner.get("/?lang=en&show=archived")).text
    assert "Archive" in english


async def test_a_locked_share_shows_no_time_left_and_can_be_unlocked(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    body = await owner.create(pin=True, label="Gesperrt")
    share_id = share_of(body)["id"]
    await lock(http, stack, body)
    page = (await owner.get("/")).text
    item = page[page.index(f'data-share="{share_id}"'):]
    item = item[: item.index("</li>")]
    assert "Restzeit" not in item
    assert "neue PIN oder neuer Link" in item
    detail = (await owner.get(f"/shares/{share_id}")).text
    assert "Entsperren mit neuer PIN" in detail
    page = f"/shares/{share_id}"
    status, text, _ = await post_page_form(owner, page, f"{page}/unlock")
    assert status == 200
    found = re.search(r'id="share-pin" class="pin">(\d{6})<', text)
    assert found
    async with http.post(f"{stack.share_url}/s/redeem",
                         json={"secret": secret_of(body), "pin": found.group(1)}) as resp:
        assert resp.status == 200
    detail = (await owner.get(f"/shares/{share_id}")).text
    assert "Entsperren mit neuer PIN" not in detail


async def test_reissue_by_form_needs_the_confirmation_and_shows_the_new_link(
    stack: Stack, owner: OwnerClient
) -> None:
    share_id = share_of(await owner.create(pin=True))["id"]
    page = f"/shares/{share_id}"
    status, text, _ = await post_page_form(owner, page, f"{page}/reissue")
    assert status == 400
    assert "alte Link ungültig" in text
    status, text, _ = await post_page_form(owner, page, f"{page}/reissue", confirmed="yes")
    assert status == 200
    assert "Freigabe erstellt" in text
    assert f"{stack.share_url}/s/#" in text
    assert re.search(r'id="share-pin" class="pin"[^>]* value="\d{6}"', text)
    old = share_of((await owner.get(f"/api/shares/{share_id}")).json())
    assert old["state"] == "revoked"


async def test_the_owner_grants_more_time_in_one_step(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    body = await owner.create(duration_minutes=60, label="Elektro Weber")
    share_id = share_of(body)["id"]
    async with http.post(f"{stack.share_url}/s/redeem", json={"secret": secret_of(body)}) as r:
        cookie = r.cookies["dss_share"].value
    async with http.post(f"{stack.share_url}/s/extension-request",
                         json={"minutes": 60, "message": "Zähler <b>fehlt</b>"},
                         headers={"Cookie": f"dss_share={cookie}"}) as resp:
        assert resp.status == 202
    listing = (await owner.get("/")).text
    assert "Mehr Zeit angefragt" in listing
    assert "Zähler &lt;b&gt;fehlt&lt;/b&gt;" in listing
    detail = (await owner.get(f"/shares/{share_id}")).text
    assert 'id="grant-extension"' in detail
    # The grant form carries the request the page showed; a form without it grants nothing.
    assert 'name="minutes" value="60"' in detail
    status, _, _ = await post_page_form(
        owner, f"/shares/{share_id}", f"/shares/{share_id}/extension-request/grant"
    )
    assert status == 409
    at = re.search(r'name="at" value="([^"]+)"', detail)
    assert at is not None
    status, _, _ = await post_page_form(
        owner, f"/shares/{share_id}", f"/shares/{share_id}/extension-request/grant",
        minutes="60", at=at.group(1),
    )
    assert status == 303
    share = share_of((await owner.get(f"/api/shares/{share_id}")).json())
    assert share["time_left_seconds"] == 2 * 3600
    detail = (await owner.get(f"/shares/{share_id}")).text
    assert 'id="grant-extension"' not in detail
    assert "Mehr Zeit angefragt" in detail  # in the audit trail now


async def test_a_scheduled_share_counts_down_to_its_start(owner: OwnerClient) -> None:
    await owner.create(starts_at="2026-11-28T07:00:00Z", duration_minutes=60)
    page = (await owner.get("/")).text
    assert "Beginnt in" in page
    assert 'class="starts-in" data-countdown="79200"' in page  # 22 h, not the time to its end
    assert "Restzeit" not in page
