"""Red team round 6: the audit seal, checkpoint and journal fixes of round 5, attacked by
someone who can write the add-on's SQLite file but does not hold the device's audit key, and
by a share (the audit row of a long path, the journal's key of a zone group).

Each test drives the add-on's own code (its store, its retention pass, the proxy and the owner
API against dss-sim, `dss-addon audit verify`) and judges what the homeowner would get."""

from __future__ import annotations

import dataclasses
import secrets
import sqlite3
from contextlib import AbstractAsyncContextManager, closing
from pathlib import Path
from urllib.parse import quote, unquote

import aiohttp
import pytest

from dss_addon.settings import Settings
from dss_addon.shares.audit import AuditEntry, AuditEvent
from dss_addon.store import Store, open_store
from dss_addon.store.audit_chain import first_seal_mac
from dss_addon.store.audit_retention import Retention
from dss_addon.store.audit_verify import audit_key
from tests.support.audit_cli import verify_audit
from tests.support.clock import FakeClock
from tests.support.owner import owner_client
from tests.support.share_site import open_share
from tests.support.stack import running_stack

RULES = Retention(keep_seconds=3600, per_share_cap=1000, batch=50)
SHARE = "share-under-attack"


def _row(store: Store, event: str, call: str = "") -> None:
    store.audit(AuditEntry(SHARE, store.clock.now(), event, call=call))


def _store(db: Path, clock: FakeClock) -> AbstractAsyncContextManager[Store]:
    """The add-on's store on `db`, with retention rules that make one pass prune."""
    return open_store(db, clock, retention=RULES)


def _events(db: Path) -> list[str]:
    with closing(sqlite3.connect(db)) as conn:
        return [str(r[0]) for r in conn.execute(
            "SELECT event FROM audit WHERE share_id = ? ORDER BY id", (SHARE,)
        )]


# Fixed: retention extends only a checkpoint whose MAC holds and that stands right before
# the run (audit_retention._extendable).
async def test_forged_checkpoint_is_resealed_by_retention_and_hides_an_owner_action(
    db: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    async with _store(db, clock) as store:
        _row(store, AuditEvent.CREATED)
        clock.advance(seconds=5)
        # The evidence: an owner/share action that retention never removes.
        _row(store, AuditEvent.EXTENDED)
        clock.advance(seconds=5)
        _row(store, AuditEvent.CALL, "zone/callScene?id=1")  # old per-call row: retention's
        await store.flush()
        clock.advance(hours=2)
        _row(store, AuditEvent.CALL, "zone/callScene?id=2")  # a fresh row after it
        await store.flush()

    # The attacker (file access, no key) plants a checkpoint that claims to end at the
    # evidence row: it covers that row, starting from the hash before it. Its MAC is junk.
    with closing(sqlite3.connect(db)) as conn, conn:
        rows = conn.execute(
            "SELECT id, event, prev, hash FROM audit WHERE share_id = ? ORDER BY id", (SHARE,)
        ).fetchall()
        evidence = next(r for r in rows if r[1] == AuditEvent.EXTENDED)
        conn.execute(
            "INSERT INTO audit_checkpoints (share_id, at, first_id, last_id, count, before,"
            " after, mac) VALUES (?, 0, ?, ?, 1, ?, ?, ?)",
            (SHARE, evidence[0], evidence[0], evidence[2], evidence[3], secrets.token_bytes(32)),
        )

    # The add-on's own retention pass removes the old call and "extends" the forged checkpoint.
    async with _store(db, clock) as store:
        while await store.prune_audit() > 0:
            pass

    # Now the attacker deletes the evidence row: the resealed checkpoint accounts for it.
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("DROP TRIGGER audit_no_delete")
        conn.execute("DELETE FROM audit WHERE id = ?", (evidence[0],))
    assert AuditEvent.EXTENDED not in _events(db)

    code, line = verify_audit(db.parent, capsys)
    assert "BROKEN" in line, line
    assert code != 0


# Fixed: keys/audit.sealed marks a device that sealed before; a reset seal is not renewed.
async def test_chained_rows_turned_legacy_are_resealed_at_start_and_can_be_rewritten(
    db: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    async with _store(db, clock) as store:
        _row(store, AuditEvent.CREATED)
        clock.advance(seconds=5)
        _row(store, AuditEvent.CALL, "zone/callScene?id=5&sceneNumber=72")
        clock.advance(seconds=5)
        _row(store, AuditEvent.REVOKED)
        await store.flush()
    code, line = verify_audit(db.parent, capsys)
    assert code == 0, line

    # Keyless rewrite: every row becomes "from before the chain", and the call row now names a
    # harmless scene; the seal is reset to the state of a database just migrated.
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("UPDATE audit SET prev = NULL, hash = NULL")
        conn.execute("UPDATE audit SET call = 'zone/callScene?id=5&sceneNumber=0'"
                     " WHERE event = 'call'")
        conn.execute("UPDATE audit_legacy SET through = (SELECT max(id) FROM audit)")
        conn.execute("DELETE FROM audit_heads")
        conn.execute("DELETE FROM audit_checkpoints")
        conn.execute("UPDATE audit_seal SET chains = 0, written = 0, mac = NULL")

    async with _store(db, clock):
        pass  # the add-on restarts (its start-up seal task runs)

    with closing(sqlite3.connect(db)) as conn:
        calls = [str(r[0]) for r in conn.execute("SELECT call FROM audit WHERE event = 'call'")]
    assert calls == ["zone/callScene?id=5&sceneNumber=0"]  # the history as rewritten
    code, line = verify_audit(db.parent, capsys)
    assert "BROKEN" in line, line
    assert code != 0


# shares/audit.py audit_call cuts a property call's `path` (and groupName, the raised event's
# name) to NAMED_LENGTH = 80 characters, silently; the grammar lets a path run to 256. A path
# whose first 80 characters end at a segment boundary is audited as its parent node: the
# owner's audit names a node the dSS did not write, with nothing to say it was shortened.
# Fixed: audit_call keeps a path whole and marks any other cut value with "…".
async def test_a_long_property_path_is_audited_as_the_node_the_dss_wrote(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    shown = "/scripts/tado/" + "a" * 64 + "/b"  # 80 characters: a node of its own
    assert len(shown) == 80
    written = shown + "/mode"

    def open_tado(settings: Settings) -> Settings:
        return dataclasses.replace(settings, script_addons=frozenset({"tado"}))

    async with running_stack(tmp_path, configure=open_tado) as stack:
        owner = await owner_client(http, stack)
        helper = await open_share(http, stack, level="configure")
        start = stack.sim.effects.mark()
        resp = await helper.get(f"/json/property/setString?path={written}&value=away")
        body = await resp.json()
        assert body["ok"] is True, body
        wrote = [e.path for e in stack.sim.effects.since(start) if e.path]
        assert written in wrote, wrote  # the dSS wrote the long path's node
        audit = await owner.audit(helper.share_id)
        calls = [str(e["call"]) for e in audit if e["event"] == "call"]
        row = next(c for c in calls if c.startswith("property/setString"))
        assert unquote(row.partition("path=")[2]) == written, row


KUECHE = 990


# Round 5's undo-all attack (one value reached two ways becomes two "values"; undo writes the
# older group last and leaves a value the share chose), with the zone's group spelled once by
# id and once by name: journal/targets.py keeps `groupName` as given, so zone 990 group 1 scene
# 5 by groupID=1 and by groupName=<group 1's name> are two keys (values.value_key).
# Fixed: the journal keys and restores a zone's group by the id its name resolves to now
# (journal/service._group_by_id); an unknown or ambiguous name is not restorable.
async def test_undo_all_restores_a_scene_name_reached_by_group_id_and_by_group_name(
    tmp_path: Path, http: aiohttp.ClientSession
) -> None:
    async with running_stack(tmp_path) as stack:
        owner = await owner_client(http, stack)
        group = stack.sim.zone(KUECHE).groups[1]
        original = group.scene_names.get(5, "")
        helper = await open_share(http, stack, level="configure")
        base = f"/json/zone/sceneSetName?id={KUECHE}&sceneNumber=5"
        by_id, by_name = "groupID=1", f"groupName={quote(group.name)}"
        await helper.get_ok(f"{base}&{by_id}&newName=Chosen")  # key A: original -> Chosen
        await helper.get_ok(f"{base}&{by_name}&newName=Last")  # key B: Chosen -> Last
        await helper.get_ok(f"{base}&{by_id}&newName=Last")  # key A again (newest)
        assert group.scene_names[5] == "Last"
        reply = await owner.post(f"/api/shares/{helper.share_id}/changes/undo-all")
        assert reply.status == 200, reply.text
        assert group.scene_names.get(5, "") == original, group.scene_names[5]


# A database sealed by the first chained release (counts only) gets the full seal from the
# start-up task (RetentionTask.start -> seal_audit). An audit row written before that task
# runs (the add-on audits at start-up too: app-token releases, expiries) renews from a seal
# that "does not hold" in the new format: the counts move on, the old MAC stays, and
# seal_audit then refuses to upgrade (counts no longer match the old MAC). `audit verify`
# reports tampering on a database nobody touched, for good.
# Fixed: open_store seals (and upgrades the seal) before anything can append a row.
async def test_a_row_written_before_the_start_up_seal_does_not_break_an_upgraded_database(
    db: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    async with _store(db, clock) as store:
        _row(store, AuditEvent.CREATED)
        _row(store, AuditEvent.CALL, "zone/callScene?id=1")
        await store.flush()
    key = audit_key(db.parent, create=False)
    with closing(sqlite3.connect(db)) as conn, conn:  # as the first chained release left it
        chains, written = conn.execute("SELECT chains, written FROM audit_seal").fetchone()
        conn.execute("UPDATE audit_seal SET mac = ?", (first_seal_mac(key, chains, written),))
    async with _store(db, clock) as store:
        _row(store, AuditEvent.SESSION_EXPIRED)  # written at once, before the seal task ran
        await store.flush()
    async with _store(db, clock):
        pass  # and another start
    code, line = verify_audit(db.parent, capsys)
    assert code == 0, line
