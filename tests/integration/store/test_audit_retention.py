"""Audit retention on a real SQLite file: old or surplus per-call rows go in batches, owner
actions stay, and the chains still verify afterwards (with sealed checkpoints)."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractAsyncContextManager, closing
from pathlib import Path

import pytest

from dss_addon.shares.audit import AuditEntry
from dss_addon.store import Store, open_store
from dss_addon.store.audit_chain import verify_chain
from dss_addon.store.audit_retention import Retention
from dss_addon.store.audit_store import RetentionTask
from dss_addon.store.audit_verify import Verdict, audit_key, verify_database
from dss_addon.store.connection import migrations
from tests.support.clock import FakeClock

RULES = Retention(keep_seconds=3600, per_share_cap=1000, batch=3)


def _store(db: Path, clock: FakeClock) -> AbstractAsyncContextManager[Store]:
    return open_store(db, clock, retention=RULES)


def _row(store: Store, share_id: str, event: str, n: int = 0) -> None:
    store.audit(AuditEntry(share_id, store.clock.now(), event, call=f"zone/callScene?id={n}"))


async def _aged_calls_then(store: Store, clock: FakeClock, calls: range, event: str) -> None:
    """Call rows of share "a" (numbered from `calls`), then the owner action `event`, and two
    hours pass: the calls are past RULES.keep_seconds."""
    for n in calls:
        _row(store, "a", "call", n)
    _row(store, "a", event)
    await store.flush()
    clock.advance(hours=2)


def _legacy_database(db: Path, calls: int) -> None:
    """A database at schema version 2 (before the audit chain) with `calls` audit rows."""
    with closing(sqlite3.connect(db)) as conn, conn:
        for version, sql in migrations()[:2]:
            conn.executescript(sql)
            conn.execute(f"PRAGMA user_version = {version:d}")
        for n in range(calls):
            conn.execute(
                "INSERT INTO audit (share_id, at, event, call, allowed, reason, client,"
                " session_id) VALUES ('a', ?, 'call', '', 1, '', '', '')", (1_700_000_000 + n,)
            )


async def _prune_all(store: Store) -> int:
    removed = 0
    while (batch := await store.prune_audit()) > 0:
        assert batch <= store.retention.batch
        removed += batch
    return removed


def _events(db: Path) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(db)) as conn:
        return [(r[0], r[1]) for r in conn.execute("SELECT share_id, event FROM audit ORDER BY id")]


def _verdict(db: Path) -> Verdict:
    """What `audit verify` finds in the database, with the key beside it."""
    return verify_database(db, audit_key(db.parent, create=False))


def _intact(db: Path) -> None:
    verdict = _verdict(db)
    assert verdict.broken is None, verdict.line()


async def test_old_per_call_rows_go_in_batches_and_owner_actions_stay(
    db: Path, clock: FakeClock
) -> None:
    async with _store(db, clock) as store:
        _row(store, "a", "created")
        for n in range(7):
            _row(store, "a", "call", n)
            _row(store, "b", "denied", n)
        _row(store, "a", "revoked")
        await store.flush()
        clock.advance(hours=2)
        _row(store, "a", "call", 99)
        await store.flush()
        assert await _prune_all(store) == 14
    assert _events(db) == [("a", "created"), ("a", "revoked"), ("a", "call")]
    _intact(db)


async def test_a_share_over_its_cap_keeps_its_newest_calls(db: Path, clock: FakeClock) -> None:
    rules = Retention(keep_seconds=10**9, per_share_cap=4, batch=2)
    async with open_store(db, clock, retention=rules) as store:
        _row(store, "a", "created")
        for n in range(10):
            _row(store, "a", "call", n)
        await store.flush()
        assert await _prune_all(store) == 6
        page = await store.audit_page("a", limit=10)
        calls = [e.call.removeprefix("zone/callScene?id=") for e in page.entries]
        assert calls == ["9", "8", "7", "6", "0"]
        assert page.entries[-1].event == "created"
    _intact(db)


async def test_the_chain_goes_on_after_retention_and_survives_a_restart(
    db: Path, clock: FakeClock
) -> None:
    for round_ in range(3):
        async with _store(db, clock) as store:
            await _aged_calls_then(store, clock, range(10 * round_, 10 * round_ + 5), "extended")
            await _prune_all(store)
        _intact(db)
    with closing(sqlite3.connect(db)) as conn:
        # Adjacent runs were merged: one checkpoint per kept gap, not one per batch.
        assert conn.execute("SELECT count(*) FROM audit_checkpoints").fetchone()[0] == 3


async def test_a_removed_checkpoint_breaks_the_chain(db: Path, clock: FakeClock) -> None:
    async with _store(db, clock) as store:
        await _aged_calls_then(store, clock, range(4), "extended")
        await _prune_all(store)
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("DELETE FROM audit_checkpoints")
    verdict = _verdict(db)
    assert verdict.broken is not None
    assert "does not follow the start of its chain" in verdict.line()


async def test_audit_rows_still_cannot_be_deleted_outside_retention(
    db: Path, clock: FakeClock
) -> None:
    async with open_store(db, clock) as store:
        _row(store, "a", "call")
        await store.flush()
    with (
        closing(sqlite3.connect(db)) as conn,
        pytest.raises(sqlite3.IntegrityError, match="append-only"),
    ):
        conn.execute("DELETE FROM audit")


async def test_rows_from_before_the_chain_are_reported_and_retention_removes_them(
    db: Path, clock: FakeClock
) -> None:
    _legacy_database(db, calls=3)
    async with _store(db, clock) as store:
        _row(store, "a", "created")
        await store.flush()
    verdict = _verdict(db)
    assert verdict.line() == "audit chain intact: 1 chains, 1 rows, 3 older rows not chained"
    async with _store(db, clock) as store:
        assert await _prune_all(store) == 3
    _intact(db)


async def test_an_export_leaves_out_rows_from_before_the_chain(db: Path, clock: FakeClock) -> None:
    _legacy_database(db, calls=1)
    async with open_store(db, clock) as store:
        _row(store, "a", "extended")
        rows, checkpoints, head = await store.audit_chain("a")
    assert [row.event for row in rows] == ["extended"]
    assert verify_chain("a", rows, checkpoints, head, audit_key(db.parent, create=False)) == (
        1, None
    )


async def test_a_retention_pass_works_through_the_backlog_batch_by_batch(
    db: Path, clock: FakeClock
) -> None:
    async with _store(db, clock) as store:
        await _aged_calls_then(store, clock, range(10), "revoked")
        await RetentionTask(store).run_pass()
    assert _events(db) == [("a", "revoked")]
    _intact(db)


async def test_retention_leaves_an_edited_chain_and_prunes_the_others(
    db: Path, clock: FakeClock
) -> None:
    async with _store(db, clock) as store:
        for n in range(2):
            _row(store, "a", "call", n)
            _row(store, "b", "call", n)
        _row(store, "a", "revoked")
        _row(store, "b", "revoked")
        await store.flush()
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("UPDATE audit SET call = 'zone/callScene?id=9' WHERE id = 1")  # share a
    clock.advance(hours=2)
    async with _store(db, clock) as store:
        assert await _prune_all(store) == 2  # b's calls only
    assert _events(db) == [("a", "call"), ("a", "call"), ("a", "revoked"), ("b", "revoked")]
    verdict = _verdict(db)
    assert verdict.broken is not None
    assert verdict.broken.row == 1  # still named where it was edited, not sealed away


async def test_retention_does_not_seal_a_run_its_successor_does_not_follow(
    db: Path, clock: FakeClock
) -> None:
    async with _store(db, clock) as store:
        _row(store, "a", "call", 0)
        _row(store, "a", "revoked")
        _row(store, "b", "created")
        await store.flush()
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("DROP TRIGGER audit_no_update")
        conn.execute("UPDATE audit SET prev = zeroblob(32) WHERE id = 2")  # the row after it
    clock.advance(hours=2)
    async with _store(db, clock) as store:
        assert await _prune_all(store) == 0
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT count(*) FROM audit_checkpoints").fetchone()[0] == 0
    assert _events(db) == [("a", "call"), ("a", "revoked"), ("b", "created")]


async def test_a_fresh_database_is_sealed_on_a_device_that_sealed_before(
    tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "addon.db"
    async with _store(db, clock) as store:
        _row(store, "s1", "created")
    assert (tmp_path / "keys" / "audit.sealed").stat().st_mode & 0o777 == 0o600
    db.rename(tmp_path / "old.db")  # the owner moves the old database away and starts afresh
    for suffix in ("-wal", "-shm"):
        (tmp_path / f"addon.db{suffix}").unlink(missing_ok=True)
    async with _store(db, clock) as store:
        _row(store, "s2", "created")
    _intact(db)
