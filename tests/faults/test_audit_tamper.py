"""`dss-addon audit verify` on a real database, intact and after each kind of tampering with
the SQLite file by someone without the device's audit key."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest

from dss_addon.__main__ import main
from dss_addon.shares.audit import AuditEntry, AuditEvent
from dss_addon.store import open_store
from dss_addon.store.audit_chain import canonical, first_seal_mac
from dss_addon.store.audit_export import chain_json
from dss_addon.store.audit_rows import chain_row_from
from dss_addon.store.audit_verify import audit_key
from tests.support.audit_cli import verify_audit
from tests.support.clock import FakeClock
from tests.support.shares import OWNER, open_service, share_request

Tamper = Callable[[sqlite3.Connection], None]


async def _build(data_dir: Path) -> None:
    clock = FakeClock()
    async with open_service(data_dir, clock) as service:
        for label in ("Elektro Müller", "Support"):
            created = await service.create(share_request(clock.now(), label=label), OWNER)
            for n in range(4):
                clock.advance(seconds=5)
                service.audit(created.share.id, AuditEvent.CALL, call=f"zone/callScene?id={n}",
                              allowed=True, reason="allowed")
            await service.revoke(created.share.id, actor="dssadmin")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("audit") / "data"
    asyncio.run(_build(data_dir))
    return data_dir


def _copy(pristine: Path, tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(pristine, target)
    return target


def _tamper(data_dir: Path, change: Tamper) -> None:
    with closing(sqlite3.connect(data_dir / "addon.db")) as conn, conn:
        conn.row_factory = sqlite3.Row
        # Someone with the file drops our triggers first: they only stop honest mistakes.
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("DROP TRIGGER audit_no_delete")
        change(conn)


def _rehash(conn: sqlite3.Connection, row_id: int) -> None:
    """What a careful forger does after an edit: recompute the row's own plain SHA-256."""
    row = chain_row_from(conn.execute("SELECT * FROM audit WHERE id = ?", (row_id,)).fetchone())
    digest = hashlib.sha256((row.prev or b"") + canonical(row)).digest()
    conn.execute("UPDATE audit SET hash = ? WHERE id = ?", (digest, row_id))


def test_an_untouched_database_verifies_in_one_line(
    pristine: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = verify_audit(_copy(pristine, tmp_path), capsys)
    assert code == 0
    assert out == "audit chain intact: 2 chains, 12 rows"


def _edit(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE audit SET reason = 'denied' WHERE id = 3")


def _edit_and_rehash(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE audit SET call = 'zone/callScene?id=9' WHERE id = 3")
    _rehash(conn, 3)


def _delete(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM audit WHERE id = 3")


def _insert(conn: sqlite3.Connection) -> None:
    # A made-up row squeezed in after row 3 of the first share: ids shift up by one.
    conn.execute("UPDATE audit SET id = id + 1000 WHERE id > 3")
    conn.execute("UPDATE audit SET id = id - 999 WHERE id > 1000")
    first = conn.execute("SELECT * FROM audit WHERE id = 3").fetchone()
    conn.execute(
        "INSERT INTO audit (id, share_id, at, event, call, allowed, reason, client, session_id,"
        " prev, hash) VALUES (4, ?, ?, 'call', 'zone/callScene?id=7', 1, 'allowed', '', '',"
        " ?, NULL)", (first["share_id"], first["at"], first["hash"]),
    )
    _rehash(conn, 4)


def _reorder(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE audit SET id = -3 WHERE id = 3")
    conn.execute("UPDATE audit SET id = 3 WHERE id = 4")
    conn.execute("UPDATE audit SET id = 4 WHERE id = -3")


def _truncate_tail(conn: sqlite3.Connection) -> None:
    share = conn.execute("SELECT share_id FROM audit WHERE id = 6").fetchone()[0]
    assert share
    conn.execute("DELETE FROM audit WHERE id = 6")  # the first share's revocation, its last row


def _drop_a_whole_chain(conn: sqlite3.Connection) -> None:
    share = conn.execute("SELECT share_id FROM audit WHERE id = 7").fetchone()[0]
    conn.execute("DELETE FROM audit WHERE share_id = ?", (share,))
    conn.execute("DELETE FROM audit_heads WHERE share_id = ?", (share,))


@pytest.mark.parametrize(
    ("change", "first_broken", "says"),
    [
        (_edit, "row 3", "row 3 was edited"),
        (_edit_and_rehash, "row 4", "row 4 does not follow row 3"),
        (_delete, "row 4", "row 4 does not follow row 2"),
        (_insert, "row 5", "row 5 does not follow row 4"),
        (_reorder, "row 3", "row 3 does not follow row 2"),
        (_truncate_tail, "row 6", "1 missing at the end"),
        (_drop_a_whole_chain, "audit", "a chain was removed"),
    ],
)
def test_tampering_is_detected_and_named(
    pristine: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    change: Tamper, first_broken: str, says: str,
) -> None:
    data_dir = _copy(pristine, tmp_path)
    _tamper(data_dir, change)
    code, out = verify_audit(data_dir, capsys)
    assert code == 1
    assert out.startswith(f"audit chain BROKEN at {first_broken}")
    assert says in out


def test_verification_without_the_audit_key_refuses(
    pristine: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = _copy(pristine, tmp_path)
    (data_dir / "keys" / "audit.key").unlink()
    with pytest.raises(SystemExit) as exit_info:
        main(["audit", "verify", "--data-dir", str(data_dir)])
    assert exit_info.value.code == 2
    assert "audit key" in capsys.readouterr().err


def test_a_head_rewritten_without_the_key_is_detected(
    pristine: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = _copy(pristine, tmp_path)
    def forge_head(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE audit_heads SET written = written + 1")

    _tamper(data_dir, forge_head)
    code, out = verify_audit(data_dir, capsys)
    assert code == 1
    assert "not sealed by this device" in out


def test_verify_reads_the_database_without_changing_it(
    pristine: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = _copy(pristine, tmp_path)
    before = (data_dir / "addon.db").read_bytes()
    verify_audit(data_dir, capsys)
    assert (data_dir / "addon.db").read_bytes() == before
    assert json.dumps(sorted(p.name for p in data_dir.iterdir()))  # no stray files needed


async def test_an_export_verifies_on_the_command_line_with_and_without_the_key(
    pristine: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = _copy(pristine, tmp_path)
    async with open_store(data_dir / "addon.db", FakeClock()) as store:
        share_id = (await store.shares_page() or [])[0].id
        export = chain_json(share_id, *await store.audit_chain(share_id))
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export), "utf-8")
    for extra in ([], ["--data-dir", str(data_dir)]):
        with pytest.raises(SystemExit) as exit_info:
            main(["audit", "verify", "--export", str(path), *extra])
        assert exit_info.value.code == 0
        assert capsys.readouterr().out.startswith("audit chain intact: 1 chains, 6 rows")
    rows = export["rows"]
    assert isinstance(rows, list)
    del rows[2]
    path.write_text(json.dumps(export), "utf-8")
    with pytest.raises(SystemExit) as exit_info:
        main(["audit", "verify", "--export", str(path)])
    assert exit_info.value.code == 1
    assert "does not follow" in capsys.readouterr().out


async def test_a_fresh_database_is_sealed_and_a_wiped_audit_is_detected(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    async with open_store(data_dir / "addon.db", FakeClock()):
        pass  # opened and closed at once: sealed all the same
    code, out = verify_audit(data_dir, capsys)
    assert (code, out) == (0, "audit chain intact: 0 chains, 0 rows")
    wiped = _copy(data_dir, tmp_path / "wiped")

    def unseal(conn: sqlite3.Connection) -> None:
        conn.execute("UPDATE audit_seal SET mac = NULL")

    _tamper(wiped, unseal)
    code, out = verify_audit(wiped, capsys)
    assert code == 1
    assert "the audit seal is missing" in out


async def test_a_head_swapped_in_from_an_older_copy_is_not_resealed_by_later_rows(
    pristine: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    older = _copy(pristine, tmp_path / "older")
    data_dir = _copy(pristine, tmp_path)
    clock = FakeClock()
    async with open_store(data_dir / "addon.db", clock) as store:
        share_id = (await store.shares_page() or [])[0].id
        store.audit(AuditEntry(share_id, clock.now(), AuditEvent.CALL, call="zone/x"))
        await store.flush()
    with closing(sqlite3.connect(older / "addon.db")) as conn:
        old_head = conn.execute("SELECT * FROM audit_heads WHERE share_id = ?",
                                (share_id,)).fetchone()

    def swap(conn: sqlite3.Connection) -> None:
        conn.execute("DELETE FROM audit WHERE share_id = ? AND id > ?", (share_id, old_head[1]))
        conn.execute("DELETE FROM audit_heads WHERE share_id = ?", (share_id,))
        conn.execute("INSERT INTO audit_heads VALUES (?, ?, ?, ?, ?)", tuple(old_head))

    _tamper(data_dir, swap)
    async with open_store(data_dir / "addon.db", clock) as store:
        for n in range(3):  # the add-on goes on writing: the seal must not follow the forgery
            store.audit(AuditEntry(share_id, clock.now(), AuditEvent.CALL, call=f"zone/{n}"))
        await store.flush()
    code, out = verify_audit(data_dir, capsys)
    assert code == 1, out
    assert out.startswith("audit chain BROKEN at audit: "), out


async def test_a_seal_of_the_first_chained_release_is_renewed_at_the_next_start(
    pristine: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = _copy(pristine, tmp_path)
    key = audit_key(data_dir, create=False)
    with closing(sqlite3.connect(data_dir / "addon.db")) as conn, conn:
        chains, written = conn.execute("SELECT chains, written FROM audit_seal").fetchone()
        conn.execute("UPDATE audit_seal SET mac = ?", (first_seal_mac(key, chains, written),))
    code, out = verify_audit(data_dir, capsys)
    assert code == 1  # the old seal does not cover the heads
    async with open_store(data_dir / "addon.db", FakeClock()):
        pass
    code, out = verify_audit(data_dir, capsys)
    assert (code, out) == (0, "audit chain intact: 2 chains, 12 rows")
