"""The tab's server-rendered pages: German by default, relative links, one-time result,
confirmation steps, field errors, escaping."""

from __future__ import annotations

import re
from urllib.parse import unquote

import aiohttp
import pytest

from tests.support.owner import OwnerClient, hidden_csrf, read, share_of
from tests.support.shares import all_shares
from tests.support.stack import Stack

XSS = "<script>alert(1)</script>"


def assert_no_inline_code(html: str) -> None:
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"
    assert not re.search(r"<style|\sstyle=", html), "inline style"
    assert not re.search(r'(href|src|action)="/', html), "absolute link"


async def create_by_form(owner: OwnerClient, **fields: str | list[str]) -> str:
    form: dict[str, str | list[str]] = {"label": "Elektro Müller", "level": "operate",
                                        "duration": "240", **fields}
    form["csrf"] = hidden_csrf((await owner.get("/new")).text)
    reply = await owner.post_form("/new", form)
    assert reply.status == 200, reply.text
    return reply.text


async def test_anonymous_visitor_gets_the_german_login_page(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    reply = await read(await http.get(stack.owner_url + "/"))
    assert reply.status == 401
    assert 'lang="de"' in reply.text
    assert "Passwort" in reply.text
    assert 'href="?lang=en"' in reply.text
    assert_no_inline_code(reply.text)
    csp = reply.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in csp
    assert "script-src 'self'" in csp


async def test_language_switch_sets_a_cookie_and_english_sticks(
    stack: Stack, owner: OwnerClient
) -> None:
    reply = await owner.get("/?lang=en")
    assert 'lang="en"' in reply.text
    assert "New share" in reply.text
    assert 'href="?lang=de"' in reply.text
    lang_cookie = reply.cookie("lang")
    assert lang_cookie is not None
    assert lang_cookie.startswith("lang=en")
    owner.cookie += "; lang=en"
    assert "New share" in (await owner.get("/new")).text
    english = await owner.get("/", **{"Accept-Language": "en-US,en;q=0.9"})
    assert "New share" in english.text


async def test_password_login_page_flow(stack: Stack, http: aiohttp.ClientSession) -> None:
    client = OwnerClient(http, stack.owner_url, "")
    csrf = hidden_csrf((await client.get("/login")).text)
    wrong = await client.post_form("/login", {"csrf": csrf, "password": "nope"})
    assert wrong.status == 401
    assert "Das Passwort ist falsch." in wrong.text
    right = await client.post_form("/login", {"csrf": csrf, "password": "dssadmin"})
    assert right.status == 303
    assert right.headers["Location"] == "./"
    cookie = right.cookie("dss_share_owner")
    assert cookie is not None
    client.cookie = cookie.split(";")[0]
    index = await client.get("/")
    assert index.status == 200
    assert "Abmelden" in index.text
    out = await client.post_form("/logout", {"csrf": hidden_csrf(index.text)})
    assert out.status == 303
    assert (await client.get("/")).status == 401


async def test_new_form_offers_the_live_zones_and_the_vendor_preset(owner: OwnerClient) -> None:
    page = await owner.get("/new")
    assert page.status == 200
    for name in ("Wohnen", "Küche", "Bad"):
        assert name in page.text
    assert 'value="989"' in page.text
    assert "Kann nichts schalten und nichts ändern" in page.text
    assert_no_inline_code(page.text)
    preset = await owner.get("/new?preset=support")
    assert 'value="Hersteller-Support"' in preset.text  # named for users, in German
    assert "Vendor" not in preset.text
    english = await owner.get("/new?preset=support&lang=en")
    assert 'value="Vendor support"' in english.text
    assert re.search(r'name="level" value="view"\s+checked', preset.text)
    assert re.search(r'name="duration" value="4320"\s+checked', preset.text)
    assert re.search(r'name="pin" id="pin"\s+checked', preset.text)


async def test_created_page_shows_link_qr_mail_and_pin_once(
    stack: Stack, owner: OwnerClient
) -> None:
    html = await create_by_form(owner, pin="on", zones=["989", "990"])
    found = re.search(r'id="share-link" type="text" readonly value="([^"]+)"', html)
    assert found
    link = found.group(1)
    assert link.startswith(stack.share_url + "/s/#")
    secret = link.split("#", 1)[1]
    pin = re.search(r'id="share-pin" class="pin" type="text" readonly value="(\d{6})"', html)
    assert pin
    assert '<svg' in html
    assert 'class="qr"' in html
    mailto = re.search(r'href="(mailto:[^"]+)"', html)
    assert mailto
    mail = unquote(mailto.group(1).replace("&amp;", "&"))
    assert link in mail
    assert "PIN bekommen Sie getrennt" in mail
    assert pin.group(1) not in mail
    assert_no_inline_code(html)
    # Neither the list nor the detail page shows the secret or the PIN again.
    share = (await all_shares(stack.runtime.shares))[0]
    assert share.zones == (989, 990)
    assert share.has_pin
    for path in ("/", f"/shares/{share.id}"):
        page = await owner.get(path)
        assert secret not in page.text
        assert pin.group(1) not in page.text


async def test_result_is_not_cached(owner: OwnerClient) -> None:
    form = {"label": "x", "level": "view", "duration": "60"}
    form["csrf"] = hidden_csrf((await owner.get("/new")).text)
    reply = await owner.post_form("/new", form)
    assert reply.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("fields", "field", "german"),
    [
        ({"label": ""}, "label", "für wen die Freigabe ist"),
        ({"level": "root"}, "level", "Zugriffsstufe"),
        ({"duration": "17"}, "duration", "Dauer"),
        ({"duration": "end", "ends_at": ""}, "ends_at", "Das Ende muss"),
        ({"duration": "end", "ends_at": "2026-11-20T10:00"}, "ends_at", "Das Ende muss"),
        ({"starts_at": "2020-01-01T10:00"}, "starts_at", "Der Beginn"),
        ({"zones": ["4242"]}, "zones", "Räume aus der Liste"),
        ({"max_redemptions": "many"}, "max_redemptions", "ganze Zahl"),
    ],
)
async def test_bad_form_input_is_explained_next_to_the_field(
    stack: Stack, owner: OwnerClient, fields: dict[str, str | list[str]], field: str,
    german: str,
) -> None:
    form: dict[str, str | list[str]] = {"label": "Elektro Müller", "level": "view",
                                        "duration": "60", **fields}
    form["csrf"] = hidden_csrf((await owner.get("/new")).text)
    reply = await owner.post_form("/new", form)
    assert reply.status == 400
    error = re.search(rf'<p class="field-error" id="{field}-error" role="alert">([^<]+)</p>',
                      reply.text)
    assert error, reply.text
    assert german in error.group(1)
    assert "Es wurde nichts gespeichert" in reply.text
    assert await all_shares(stack.runtime.shares) == []


async def test_bad_form_input_in_english(stack: Stack, owner: OwnerClient) -> None:
    form = {"label": "", "level": "view", "duration": "60",
            "csrf": hidden_csrf((await owner.get("/new")).text)}
    owner.cookie += "; lang=en"
    reply = await owner.post_form("/new", form)
    assert reply.status == 400
    assert "The label must have 1 to 80 characters." in reply.text
    assert "Nothing was saved" in reply.text


async def test_a_label_with_markup_stays_text(stack: Stack, owner: OwnerClient) -> None:
    html = await create_by_form(owner, label=XSS)
    share = (await all_shares(stack.runtime.shares))[0]
    for text in (html, (await owner.get("/")).text, (await owner.get(f"/shares/{share.id}")).text):
        assert XSS not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text


async def test_detail_page_shows_state_audit_and_csv_link(
    stack: Stack, owner: OwnerClient
) -> None:
    share_id = share_of(await owner.create(zones=[989]))["id"]
    page = await owner.get(f"/shares/{share_id}")
    assert page.status == 200
    assert "aktiv" in page.text
    assert "Wohnen" in page.text
    assert "Erstellt" in page.text  # the audit timeline
    assert f'href="../api/shares/{share_id}/audit?format=csv&amp;kind=all"' in page.text
    assert f'action="../shares/{share_id}/revoke"' in page.text
    assert 'href="../static/app.css"' in page.text
    assert_no_inline_code(page.text)
    assert (await owner.get("/shares/nosuchshare")).status == 404


async def test_revoke_from_the_page_asks_first(stack: Stack, owner: OwnerClient) -> None:
    share_id = str(share_of(await owner.create())["id"])
    csrf = hidden_csrf((await owner.get(f"/shares/{share_id}")).text)
    ask = await owner.post_form(f"/shares/{share_id}/revoke", {"csrf": csrf})
    assert ask.status == 200
    assert "Ja, widerrufen" in ask.text
    assert 'name="confirmed" value="yes"' in ask.text
    assert (await stack.runtime.shares.get(share_id)).revoked_at is None
    done = await owner.post_form(f"/shares/{share_id}/revoke",
                                 {"csrf": csrf, "confirmed": "yes"})
    assert done.status == 303
    assert done.headers["Location"] == f"../../shares/{share_id}"
    assert (await stack.runtime.shares.get(share_id)).revoked_at is not None
    page = await owner.get(f"/shares/{share_id}")
    assert "widerrufen" in page.text
    assert 'id="revoke-form"' not in page.text


async def test_extend_from_the_page_asks_then_extends(stack: Stack, owner: OwnerClient) -> None:
    share_id = str(share_of(await owner.create(duration_minutes=60))["id"])
    csrf = hidden_csrf((await owner.get(f"/shares/{share_id}")).text)
    form = {"csrf": csrf, "minutes": "1440", "tz": "Europe/Berlin"}
    ask = await owner.post_form(f"/shares/{share_id}/extend", form)
    assert ask.status == 200
    assert "28.11.2026, 11:00" in ask.text
    before = await stack.runtime.shares.get(share_id)
    done = await owner.post_form(f"/shares/{share_id}/extend", {**form, "confirmed": "yes"})
    assert done.status == 303
    after = await stack.runtime.shares.get(share_id)
    assert (after.expires_at - before.expires_at).total_seconds() == 24 * 3600

    to_date = {"csrf": csrf, "minutes": "end", "ends_at": "2026-11-30T18:00",
               "tz": "Europe/Berlin", "confirmed": "yes"}
    assert (await owner.post_form(f"/shares/{share_id}/extend", to_date)).status == 303
    final = await stack.runtime.shares.get(share_id)
    assert final.expires_at.isoformat() == "2026-11-30T17:00:00+00:00"


async def test_bad_extension_from_the_page_changes_nothing(
    stack: Stack, owner: OwnerClient
) -> None:
    share_id = str(share_of(await owner.create(duration_minutes=60))["id"])
    before = await stack.runtime.shares.get(share_id)
    csrf = hidden_csrf((await owner.get(f"/shares/{share_id}")).text)
    for form in ({"minutes": "end", "ends_at": "2026-11-27T09:30"}, {"minutes": "7"},
                 {"minutes": "end", "ends_at": "soon"}):
        reply = await owner.post_form(f"/shares/{share_id}/extend",
                                      {**form, "csrf": csrf, "confirmed": "yes"})
        assert reply.status == 400
        assert 'id="minutes-error"' in reply.text
        assert "Das neue Ende" in reply.text
        assert 'href="../../shares/' in reply.text or 'href="../../' in reply.text
    assert await stack.runtime.shares.get(share_id) == before


async def test_static_files_are_served(owner: OwnerClient) -> None:
    for name in ("app.css", "owner.js"):
        assert (await owner.get(f"/static/{name}")).status == 200
    assert (await owner.get("/static/../templates/base.html")).status == 404


async def test_long_audit_trails_show_the_latest_entries(
    stack: Stack, owner: OwnerClient
) -> None:
    share_id = str(share_of(await owner.create())["id"])
    for n in range(205):
        stack.runtime.shares.audit(share_id, "call", call=f"zone/callScene#{n}", allowed=True)
    page = await owner.get(f"/shares/{share_id}")
    assert page.text.count('<li class="event') == 200
    assert "zone/callScene#204" in page.text
    assert "zone/callScene#4<" not in page.text
    # Keyset pages instead of a count (a count of 300,000 rows is what made the page slow).
    older = re.search(r'href="([^"]*before=\d+)#audit" rel="next">Ältere Einträge', page.text)
    assert older is not None
    rest = await owner.get(f"/shares/{share_id}?kind=all&" + older.group(1).split("&amp;")[1])
    assert rest.text.count('<li class="event') == 6  # 5 calls and "created"
    assert "zone/callScene#4<" in rest.text
    assert "Neueste Einträge" in rest.text


async def test_a_scheduled_share_shows_its_start(owner: OwnerClient) -> None:
    await owner.create(starts_at="2026-11-28T07:00:00Z")
    page = await owner.get("/")
    assert "geplant" in page.text
    assert "Ab: <time" in page.text
    assert "28.11.2026, 08:00" in page.text


async def test_a_form_sent_after_the_session_ended_comes_back_filled_after_the_login(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    anonymous = OwnerClient(http, stack.owner_url, "")
    typed: dict[str, str | list[str]] = {
        "label": "Elektro Müller", "level": "configure", "duration": "1440", "pin": "on",
        "zones": ["989"], "max_redemptions": "3", "where": "home", "csrf": "stale",
    }
    login = await anonymous.post_form("/new", typed)
    assert login.status == 401
    assert 'id="login-resume"' in login.text  # says the input is kept
    assert 'action="new"' in login.text
    assert 'name="label" value="Elektro Müller"' in login.text
    assert 'value="stale"' not in login.text  # the old CSRF token is not carried
    carried = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', login.text))
    carried["password"] = "falsch"
    wrong = await anonymous.post_form("/new", {**carried, "zones": ["989"]})
    assert wrong.status == 401
    assert "Das Passwort ist falsch" in wrong.text
    assert 'name="label" value="Elektro Müller"' in wrong.text  # still kept
    carried["password"] = "dssadmin"
    carried["csrf"] = hidden_csrf(wrong.text)
    back = await anonymous.post_form("/new", {**carried, "zones": ["989"]})
    assert back.status == 200
    assert 'id="resumed"' in back.text
    assert 'value="Elektro Müller"' in back.text
    assert re.search(r'name="level" value="configure"\s+checked', back.text)
    assert re.search(r'name="duration" value="1440"\s+checked', back.text)
    assert re.search(r'name="zones" value="989"\s+checked', back.text)
    assert 'value="3"' in back.text
    assert await all_shares(stack.runtime.shares) == []  # shown again, never created unasked
    cookie = back.cookie("dss_share_owner")
    assert cookie is not None
    owner = OwnerClient(http, stack.owner_url, cookie.split(";")[0])
    resend = dict(carried, csrf=hidden_csrf(back.text))
    del resend["password"]
    created = await owner.post_form("/new", {**resend, "zones": ["989"]})
    assert created.status == 200, created.text
    assert 'id="share-link"' in created.text


async def test_the_login_box_names_the_password_and_keeps_the_configurator_hint_aside(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    reply = await read(await http.get(stack.owner_url + "/login"))
    assert "Passwort des digitalSTROM-Servers" in reply.text
    assert "Öffnen Sie diese Seite im dSS-Konfigurator" not in reply.text
    # The hint for visitors outside the configurator is marked, so the frame can hide it.
    assert 'class="outside-configurator"' in reply.text


async def test_pin_is_on_by_default_and_the_created_page_sums_up_everything(
    owner: OwnerClient,
) -> None:
    form = (await owner.get("/new")).text
    assert re.search(r'name="pin" id="pin"\s+checked', form)
    html = await create_by_form(owner, pin="on", zones=["989", "990"], max_redemptions="2",
                                level="configure")
    summary = html[html.index('id="created-summary"'):html.index("</dl>")]
    assert "Wohnen" in summary
    assert "Küche" in summary
    assert "höchstens 2-mal" in summary
    assert "Einrichten" in summary
    assert 'data-copy="share-pin"' in html  # the PIN has a copy button
    assert 'role="status"' in html
    assert not re.search(r'<div[^>]*aria-label', html)  # no label on a plain div
