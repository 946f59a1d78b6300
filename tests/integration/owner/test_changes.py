"""The change journal and undo (issue 11) on the whole stack: a configure share changes the
simulated dSS, the owner reads the journal and restores the old values through the API."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
from dss_sim.model import Device
from dss_sim.sim import Simulator

from tests.support.owner import OwnerClient, dss_login, hidden_csrf, owner_client
from tests.support.share_site import Helper, open_share
from tests.support.stack import Stack, running_stack

LIGHT_KUECHE = "303505d7f80000000000000061fc6eb300"


@dataclass
class Changed:
    """A configure share that renamed the kitchen light to "Neu & besser" and set its scene 5
    value from 255 to 128."""

    helper: Helper
    device: Device
    old_name: str

    @property
    def share_id(self) -> str:
        return self.helper.share_id


async def _make_changes(stack: Stack, helper: Helper) -> Changed:
    device = stack.sim.device(LIGHT_KUECHE)
    old_name = device.name
    await helper.get_ok(f"/json/device/setName?dsuid={LIGHT_KUECHE}&newName=Neu%20%26%20besser")
    await helper.get_ok(f"/json/device/setSceneValue?dsuid={LIGHT_KUECHE}&sceneID=5&value=128")
    return Changed(helper, device, old_name)


@pytest.fixture
async def helper(stack: Stack, http: aiohttp.ClientSession) -> Helper:
    """An electrician redeemed into a configure share."""
    return await open_share(http, stack, level="configure")


@pytest.fixture
async def changed(stack: Stack, helper: Helper) -> Changed:
    return await _make_changes(stack, helper)


async def test_journal_records_before_and_after_with_names(
    owner: OwnerClient, changed: Changed
) -> None:
    changes = await owner.changes(changed.share_id)
    assert [c["call"] for c in changes] == ["device/setName", "device/setSceneValue"]
    rename, scene = changes
    assert set(rename) >= {"id", "at", "call", "target", "before", "after", "restorable", "undone"}
    assert rename["before"] == changed.old_name
    assert rename["after"] == "Neu & besser"
    assert rename["restorable"] is True
    assert rename["undone"] is False
    assert rename["target"] == {"dsuid": LIGHT_KUECHE}
    assert scene["before"] == "255"
    assert scene["after"] == "128"
    names = scene["names"]
    assert isinstance(names, dict)
    assert names["zone"] == "Küche"
    # Reads and operate calls are not journaled.
    await changed.helper.get_ok(f"/json/device/getName?dsuid={LIGHT_KUECHE}")
    await changed.helper.get_ok(f"/json/device/turnOn?dsuid={LIGHT_KUECHE}")
    assert len(await owner.changes(changed.share_id)) == 2


async def test_undo_one_then_all_restores_the_simulator(
    owner: OwnerClient, changed: Changed
) -> None:
    share_id, device = changed.share_id, changed.device
    rename = (await owner.changes(share_id))[0]
    reply = await owner.post(f"/api/shares/{share_id}/changes/{rename['id']}/undo")
    assert reply.status == 200, reply.text
    assert device.name == changed.old_name
    assert device.scene_values[5] == 128
    reply = await owner.post(f"/api/shares/{share_id}/changes/undo-all")
    assert reply.status == 200, reply.text
    assert device.scene_values[5] == 255
    changes = reply.json()["changes"]
    assert isinstance(changes, list)
    by_share = [c for c in changes if c["by"] == "share"]
    assert all(c["undone"] for c in by_share)
    # The undos are journaled themselves (by the owner), and audited.
    assert [c["call"] for c in changes if c["by"] == "owner"] == [
        "device/setName", "device/setSceneValue"
    ]
    audit = await owner.audit(share_id)
    assert sum(1 for e in audit if e["event"] == "change_undone") == 2


async def test_an_undo_can_be_undone(owner: OwnerClient, changed: Changed) -> None:
    share_id = changed.share_id
    await owner.post(f"/api/shares/{share_id}/changes/undo-all")
    undo_row = next(c for c in await owner.changes(share_id)
                    if c["by"] == "owner" and c["call"] == "device/setName")
    reply = await owner.post(f"/api/shares/{share_id}/changes/{undo_row['id']}/undo")
    assert reply.status == 200, reply.text
    assert changed.device.name == "Neu &amp; besser"  # the dSS stores names escaped


async def test_a_conflicting_owner_change_is_reported_not_overwritten(
    stack: Stack, owner: OwnerClient, changed: Changed
) -> None:
    share_id, device = changed.share_id, changed.device
    # The owner renames the device directly on the dSS in between.
    token = await dss_login(stack)
    await stack.runtime.dss.call(
        "device", "setName", {"dsuid": LIGHT_KUECHE, "newName": "Von Hand"}, token
    )
    reply = await owner.post(f"/api/shares/{share_id}/changes/undo-all")
    assert reply.status == 409, reply.text
    body = reply.json()
    assert body["error"] == "conflict"
    assert body["message"]
    conflicts = body["conflicts"]
    assert isinstance(conflicts, list)
    assert len(conflicts) == 1
    assert conflicts[0]["current"] == "Von Hand"
    assert conflicts[0]["expected"] == "Neu & besser"
    # Nothing was written: neither the name nor the scene value.
    assert device.name == "Von Hand"
    assert device.scene_values[5] == 128
    reply = await owner.post(f"/api/shares/{share_id}/changes/undo-all", {"force": True})
    assert reply.status == 200, reply.text
    assert device.name == changed.old_name
    assert device.scene_values[5] == 255


async def test_a_refused_call_is_journaled_as_not_applied(
    owner: OwnerClient, helper: Helper
) -> None:
    path = f"/json/device/setSceneValue?dsuid={LIGHT_KUECHE}&sceneID=5&value=70000"
    resp = await helper.get(path)
    assert (await resp.json())["ok"] is False
    (change,) = await owner.changes(helper.share_id)
    assert change["applied"] is False
    reply = await owner.post(f"/api/shares/{helper.share_id}/changes/{change['id']}/undo")
    assert reply.status == 400


async def test_setters_without_a_getter_are_not_restorable(
    owner: OwnerClient, helper: Helper
) -> None:
    await helper.get_ok(f"/json/device/setLedMode?dsuid={LIGHT_KUECHE}&ledconIndex=0&colorSelect=1")
    (change,) = await owner.changes(helper.share_id)
    assert change["restorable"] is False
    assert change["before"] is None
    assert change["after"] is None


async def test_undo_works_after_the_share_ended_and_a_restart(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    async with running_stack(tmp_path) as stack:
        changed = await _make_changes(stack, await open_share(http, stack, level="configure"))
        resp = await changed.helper.post("/s/done", json={})
        assert resp.status < 300
        sim = stack.sim
    async with running_stack(tmp_path, prepare_sim=lambda s: _copy(sim, s)) as stack:
        owner = await owner_client(http, stack)
        assert len(await owner.changes(changed.share_id)) == 2
        reply = await owner.post(f"/api/shares/{changed.share_id}/changes/undo-all")
        assert reply.status == 200, reply.text
        assert stack.sim.device(LIGHT_KUECHE).name == changed.old_name
        assert stack.sim.device(LIGHT_KUECHE).scene_values[5] == 255


def _copy(old: Simulator, new: Simulator) -> None:
    """The restarted add-on talks to a new simulator holding the old one's devices."""
    new.apartment = old.apartment


async def test_the_page_lists_changes_and_undoes_after_a_confirmation(
    owner: OwnerClient, changed: Changed
) -> None:
    share_id, device = changed.share_id, changed.device
    listing = await owner.get(f"/shares/{share_id}/changes")
    assert listing.status == 200
    assert "Was wurde geändert?" in listing.text
    assert "„Neu &amp; besser“" in listing.text  # escaped once in the page
    csrf = hidden_csrf(listing.text)
    path = f"/shares/{share_id}/changes/undo"
    # Without JavaScript the first post asks for the confirmation and changes nothing.
    asked = await owner.post_form(path, {"csrf": csrf, "change": "all"})
    assert asked.status == 200
    assert 'id="undo-confirm"' in asked.text
    assert device.name == "Neu &amp; besser"
    done = await owner.post_form(path, {"csrf": csrf, "change": "all", "confirmed": "yes"})
    assert done.status == 303
    assert device.name == changed.old_name
    refused = await owner.post_form(path, {"change": "all", "confirmed": "yes"})
    assert refused.status == 403  # no CSRF field


async def test_an_unreadable_old_value_is_not_restorable_but_shows_the_new_one(
    owner: OwnerClient, helper: Helper
) -> None:
    # The simulator has no device/getFloor: the old value cannot be read.
    await helper.get_ok(f"/json/device/setFloor?dsuid={LIGHT_KUECHE}&floor=2")
    (change,) = await owner.changes(helper.share_id)
    assert change["restorable"] is False
    assert change["before"] is None
    assert change["after"] == "2"
    reply = await owner.post(f"/api/shares/{helper.share_id}/changes/undo-all")
    assert reply.status == 200  # nothing to restore


async def test_unknown_changes_and_shares_answer_404(owner: OwnerClient, helper: Helper) -> None:
    share_id = helper.share_id
    assert (await owner.post(f"/api/shares/{share_id}/changes/99999/undo")).status == 404
    assert (await owner.post(f"/api/shares/{share_id}/changes/x/undo")).status == 404
    assert (await owner.get("/api/shares/nope/changes")).status == 404
    assert (await owner.post("/api/shares/nope/changes/undo-all")).status == 404
    csrf, owner.csrf = owner.csrf, ""
    assert (await owner.post(f"/api/shares/{share_id}/changes/undo-all")).status == 403
    owner.csrf = csrf


async def test_a_zone_group_by_name_is_journaled_by_its_id_or_not_restorable(
    stack: Stack, owner: OwnerClient, helper: Helper
) -> None:
    zone = stack.sim.zone(990)
    group = zone.groups[1]
    base = "/json/zone/sceneSetName?id=990&sceneNumber=7"
    await helper.get_ok(f"{base}&groupName={quote(group.name)}&newName=Eins")
    other = next(g for g in zone.groups.values() if g.id != 1)
    renamed, other.name = other.name, group.name  # the owner renames a group: the name twice
    try:
        await helper.get_ok(f"{base}&groupName={quote(group.name)}&newName=Zwei")
    finally:
        other.name = renamed
    by_id, ambiguous = await owner.changes(helper.share_id)
    assert by_id["target"] == {"id": "990", "groupID": "1"}
    assert by_id["restorable"] is True
    assert ambiguous["restorable"] is False
    assert ambiguous["before"] is None
