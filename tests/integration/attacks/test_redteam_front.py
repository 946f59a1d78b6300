"""Red team round 5 (R3): the appliance front, the configurator read from the document root,
the share bar, the tamper-evident audit and the logs. Each xfail is a finding, judged where the
effect happens: `dss-addon audit verify` and the owner's audit reading of a real database, the
pages the share site actually serves."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from dss_sim.appliance import write_www_pages
from dss_sim.config import SimConfig

from dss_addon.settings import Settings
from dss_addon.shares.audit import AuditEvent
from dss_addon.store import open_store
from dss_addon.store.audit_chain import row_hash
from dss_addon.store.audit_rows import chain_row_from
from dss_addon.store.audit_store import RetentionTask
from dss_addon.web.share.keys import SESSION_COOKIE
from tests.support.audit_cli import verify_audit
from tests.support.clock import FakeClock
from tests.support.share_site import Helper, open_share, raw_get, raw_request
from tests.support.shares import OWNER, open_service, share_request
from tests.support.stack import Stack, running_stack

# ---------------------------------------------------------------------------------------------
# The audit chain, attacked by someone with write access to the SQLite file but not the key.


@dataclass
class DataDir:
    """The add-on's data directory, written through its share service on a fake clock."""

    path: Path
    clock: FakeClock

    @property
    def db(self) -> Path:
        return self.path / "addon.db"

    def connect(self) -> sqlite3.Connection:
        """The attacker's own connection to the database file."""
        conn = sqlite3.connect(self.db)
        conn.row_factory = sqlite3.Row
        return conn

    async def calls(self, share_id: str, count: int) -> None:
        """`count` allowed call rows for the share, five seconds apart."""
        async with open_service(self.path, self.clock) as service:
            for n in range(count):
                self.clock.advance(seconds=5)
                service.audit(share_id, AuditEvent.CALL, call=f"zone/callScene?id={n}",
                              allowed=True, reason="allowed")

    async def two_shares(self) -> tuple[str, str]:
        async with open_service(self.path, self.clock) as service:
            a = await service.create(share_request(self.clock.now(), label="Elektro Müller"), OWNER)
            b = await service.create(share_request(self.clock.now(), label="Support"), OWNER)
        return a.share.id, b.share.id


@pytest.fixture
def data_dir(tmp_path: Path) -> DataDir:
    return DataDir(tmp_path / "data", FakeClock())


@pytest.fixture
async def shares(data_dir: DataDir) -> tuple[str, str]:
    """Two shares, A and B, created in `data_dir`."""
    return await data_dir.two_shares()


# Fixed: the seal's MAC covers audit_legacy.through and the number of unchained rows.
async def test_forged_rows_hide_behind_an_unsealed_legacy_marker(
    data_dir: DataDir, shares: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    share_a, _ = shares
    await data_dir.calls(share_a, 3)
    code, out = verify_audit(data_dir.path, capsys)
    assert code == 0
    assert "older rows not chained" not in out  # a fresh database: nothing before the chain
    with closing(data_dir.connect()) as conn, conn:
        first = conn.execute("SELECT * FROM audit WHERE share_id = ? ORDER BY id LIMIT 1",
                             (share_a,)).fetchone()
        # No trigger to drop: INSERT is allowed. Ids below the first row are free (or a
        # retention gap): the forged row lands there, with no hash, as "written before".
        conn.execute("UPDATE audit_legacy SET through = 1000000000 WHERE id = 1")
        conn.execute(
            "INSERT INTO audit (id, share_id, at, event, call, allowed, reason, client,"
            " session_id, prev, hash) VALUES (?, ?, ?, 'call', 'zone/callScene?id=0&groupID=0"
            "&sceneNumber=72', 1, 'allowed', '', '', NULL, NULL)",
            (first["id"] - 1 if first["id"] > 1 else 0, share_a, first["at"] + 1),
        )
    code, out = verify_audit(data_dir.path, capsys)
    async with open_store(data_dir.db, FakeClock()) as store:
        calls = [e.call for e in await store.audit_log(share_a)]
    assert "zone/callScene?id=0&groupID=0&sceneNumber=72" in calls  # the owner sees the forgery
    assert code == 1, out  # ... so verify must not call the audit intact


# Fixed: the seal's MAC covers a digest of every head.
async def test_heads_and_seals_from_different_snapshots_cut_off_one_share(
    tmp_path: Path, data_dir: DataDir, shares: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    share_a, share_b = shares
    await data_dir.calls(share_a, 2)
    snapshot0 = tmp_path / "s0.db"
    shutil.copy(data_dir.db, snapshot0)
    await data_dir.calls(share_a, 3)  # the calls the attacker wants gone
    snapshot1 = tmp_path / "s1.db"
    shutil.copy(data_dir.db, snapshot1)
    await data_dir.calls(share_b, 3)  # later activity that stays
    with closing(sqlite3.connect(snapshot0)) as old:
        old_head = old.execute("SELECT * FROM audit_heads WHERE share_id = ?",
                               (share_a,)).fetchone()
    with closing(sqlite3.connect(snapshot1)) as old:
        old_seal = old.execute("SELECT chains, written, mac FROM audit_seal").fetchone()
    with closing(data_dir.connect()) as conn, conn:
        conn.execute("DROP TRIGGER audit_no_delete")
        conn.execute("DELETE FROM audit WHERE share_id = ? AND id > ?", (share_a, old_head[1]))
        conn.execute("DELETE FROM audit_heads WHERE share_id = ?", (share_a,))
        conn.execute("INSERT INTO audit_heads VALUES (?, ?, ?, ?, ?)", tuple(old_head))
        conn.execute("UPDATE audit_seal SET chains = ?, written = ?, mac = ?", tuple(old_seal))
    async with open_store(data_dir.db, FakeClock()) as store:
        a_calls = [e for e in await store.audit_log(share_a) if e.event == AuditEvent.CALL]
        b_calls = [e for e in await store.audit_log(share_b) if e.event == AuditEvent.CALL]
    assert (len(a_calls), len(b_calls)) == (2, 3)  # A's last three calls are gone, B's stay
    code, out = verify_audit(data_dir.path, capsys)
    assert code == 1, out


def _terminal(text: str) -> str:
    """What a terminal shows of one printed line: a carriage return starts over, ESC[2K erases
    the line, and ESC[8m (conceal) hides everything printed after it."""
    shown = ""
    hidden = False
    i = 0
    while i < len(text):
        if text.startswith("\x1b[2K", i):
            shown, i = "", i + 4
        elif text.startswith("\x1b[8m", i):
            hidden, i = True, i + 4
        elif text[i] == "\r":
            shown, i = "", i + 1
        else:
            if not hidden:
                shown += text[i]
            i += 1
    return shown


# Fixed: `audit verify` escapes control characters in what it prints.
async def test_verify_output_cannot_be_forged_through_a_share_id(
    data_dir: DataDir, shares: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    share_a, _ = shares
    await data_dir.calls(share_a, 3)
    payload = "\r\x1b[2Kaudit chain intact: 2 chains, 5 rows\x1b[8m"
    with closing(data_dir.connect()) as conn, conn:
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("DROP TRIGGER audit_no_delete")
        # The forger's real change: the share's calls are gone ...
        conn.execute("DELETE FROM audit WHERE share_id = ? AND event = 'call'", (share_a,))
        # ... and its remaining rows now name a share id that carries the payload.
        conn.execute("UPDATE audit SET share_id = ? WHERE share_id = ?", (payload, share_a))
    code, out = verify_audit(data_dir.path, capsys)
    assert code == 1
    assert _terminal(out) != "audit chain intact: 2 chains, 5 rows"  # what the owner reads
    assert "\r" not in out
    assert "\x1b" not in out


# Fixed: retention checks each row's hash and links before it seals a checkpoint.
async def test_retention_seals_a_checkpoint_for_a_row_the_forger_relabelled(
    data_dir: DataDir, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = data_dir.clock
    async with open_service(data_dir.path, clock) as service:
        created = await service.create(share_request(clock.now(), label="Elektro Müller"), OWNER)
        share_a = created.share.id
        clock.advance(seconds=5)
        await service.revoke(share_a, actor="dssadmin")
        # Another share's row after it: retention never removes the newest row of the table.
        await service.create(share_request(clock.now(), label="Support"), OWNER)
    code, out = verify_audit(data_dir.path, capsys)
    assert code == 0, out
    with closing(data_dir.connect()) as conn, conn:
        revoked = conn.execute("SELECT id FROM audit WHERE share_id = ? AND event = 'revoked'",
                               (share_a,)).fetchone()[0]
        conn.execute("DROP TRIGGER audit_no_update")
        # Only the fields retention selects by; prev and hash stay as they were.
        conn.execute("UPDATE audit SET event = 'call', at = 0 WHERE id = ?", (revoked,))
    async with open_store(data_dir.db, clock) as store:
        await RetentionTask(store).run_pass()  # the add-on's own background pass
        events = [e.event for e in await store.audit_log(share_a)]
    assert AuditEvent.REVOKED not in events  # the owner's revocation is gone from the trail
    code, out = verify_audit(data_dir.path, capsys)
    assert code == 1, out


# Fixed: retention seals a run only if the next kept row (or the head) follows it.
async def test_retention_oracle_lets_a_forger_rewrite_a_row(
    data_dir: DataDir, shares: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    share_a, _ = shares
    await data_dir.calls(share_a, 3)
    await data_dir.two_shares()  # newer rows of other shares
    forged_call = "apartment/callScene?sceneNumber=72"  # "the electrician switched all off"
    with closing(data_dir.connect()) as conn, conn:
        rows = [chain_row_from(r) for r in conn.execute(
            "SELECT * FROM audit WHERE share_id = ? ORDER BY id", (share_a,))]
        target, neighbour = rows[2], rows[3]
        assert target.prev is not None
        assert neighbour.hash is not None
        new_hash = row_hash(target.prev, dataclasses.replace(target, call=forged_call))
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("DROP TRIGGER audit_no_delete")
        conn.execute("UPDATE audit SET call = ?, hash = ? WHERE id = ?",
                     (forged_call, new_hash, target.id))
        conn.execute("DELETE FROM audit WHERE id = ?", (neighbour.id,))
        conn.execute(
            "INSERT INTO audit (id, share_id, at, event, call, allowed, reason, client,"
            " session_id, prev, hash) VALUES (?, ?, 0, 'call', '', 1, 'allowed', '', '', ?, ?)",
            (neighbour.id, share_a, new_hash, neighbour.hash),
        )
    async with open_store(data_dir.db, data_dir.clock) as store:
        await RetentionTask(store).run_pass()
        calls = [e.call for e in await store.audit_log(share_a)]
    assert forged_call in calls
    code, out = verify_audit(data_dir.path, capsys)
    assert code == 1, out


# ---------------------------------------------------------------------------------------------
# The configurator read from the appliance's document root (--configurator-root).

OWNER_ONLY = "owner-only add-on page"


@pytest.fixture
async def www_stack(tmp_path: Path) -> AsyncIterator[Stack]:
    """An appliance document root where another name inside the root leads to the add-ons'
    folder (a link the firmware or an add-on's postinst may leave), and pages whose markup
    mentions <head>/<body> before the real tags."""
    root = tmp_path / "www"
    write_www_pages(root)
    (root / "add-ons" / "demo-addon" / "index.html").write_text(OWNER_ONLY)
    (root / "apps").symlink_to(root / "add-ons")
    (root / "commented.html").write_text(
        "<!DOCTYPE html><!-- template: <head> goes here --><html><head><title>x</title></head>"
        "<body><p>page</p></body></html>"
    )

    def configure(settings: Settings) -> Settings:
        return dataclasses.replace(settings, configurator_root=root)

    async with running_stack(
        tmp_path, owner=False, sim_config=SimConfig(www_pages=root), configure=configure
    ) as running:
        yield running


@pytest.fixture
async def www_helper(http: aiohttp.ClientSession, www_stack: Stack) -> Helper:
    """An electrician with a configure share on that appliance."""
    return await open_share(http, www_stack, level="configure")


# Fixed: configurator_root.page_file checks the resolved path's segments as well.
async def test_a_symlink_inside_the_root_does_not_open_the_add_ons_folder(
    www_helper: Helper,
) -> None:
    cookie = f"Cookie: {SESSION_COOKIE}={www_helper.cookie}\r\n"
    status, body = await raw_request(
        www_helper.stack.share_url, raw_get("/s/dss/apps/demo-addon/index.html", headers=cookie)
    )
    assert OWNER_ONLY.encode() not in body
    assert status in (403, 404)


# Fixed: share_bar.inject_bar finds the tags with html.parser, which skips comments.
async def test_the_bar_script_survives_a_comment_mentioning_head(www_helper: Helper) -> None:
    resp = await www_helper.get("/s/dss/commented.html")
    page = await resp.text()
    assert resp.status == 200
    assert 'id="dss-share-bar"' in page
    script = page.index('<script src="/s/static/share-bar.js">')
    comment_end = page.index("-->")
    assert script > comment_end  # outside the comment, so the browser loads it
