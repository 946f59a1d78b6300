import sqlite3
import stat
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest

from dss_addon.errors import StoreError
from dss_addon.shares.model import Level, ShareState, share_state
from dss_addon.store import open_store
from dss_addon.store.connection import migrations
from tests.support.clock import FakeClock
from tests.support.shares import OWNER, all_shares, open_service, share_request


def user_version(path: Path) -> int:
    with closing(sqlite3.connect(path)) as conn, conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


async def test_migrations_run_once_and_set_user_version(tmp_path: Path) -> None:
    db = tmp_path / "data" / "addon.db"
    for _ in range(2):
        async with open_store(db, FakeClock()):
            pass
        assert user_version(db) == migrations()[-1][0] >= 1
    with closing(sqlite3.connect(db)) as conn, conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"shares", "sessions", "audit"} <= tables


async def test_files_are_private(tmp_path: Path) -> None:
    db = tmp_path / "data" / "addon.db"
    async with open_store(db, FakeClock()):
        assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE(db.stat().st_mode) == 0o600
        wal = db.with_name("addon.db-wal")
        assert not wal.exists() or stat.S_IMODE(wal.stat().st_mode) == 0o600


async def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "addon.db"
    async with open_store(db, FakeClock()):
        pass
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="newer"):
        async with open_store(db, FakeClock()):
            pass


async def test_pragmas_favour_durability(tmp_path: Path) -> None:
    async with open_store(tmp_path / "addon.db", FakeClock()) as store:
        for pragma, expected in [("journal_mode", "wal"), ("synchronous", 2), ("foreign_keys", 1)]:
            row = await store._fetchone(f"PRAGMA {pragma}", ())
            assert row is not None
            assert row[0] == expected


async def test_reopening_keeps_shares_and_their_states(tmp_path: Path) -> None:
    clock = FakeClock()
    async with open_service(tmp_path, clock) as service:
        active = await service.create(
            share_request(
                clock.now(), level=Level.CONFIGURE, zones=(3, 7), with_pin=True, max_redemptions=2
            ),
            OWNER,
        )
        revoked = await service.create(share_request(clock.now()), OWNER)
        used = await service.create(share_request(clock.now(), max_redemptions=1), OWNER)
        await service.revoke(revoked.share.id, actor="owner")
        redemption = await service.redeem(used.secret, None, client="c")
        before = {share.id: share for share in await all_shares(service)}
    async with open_service(tmp_path, clock) as service:
        after = {share.id: share for share in await all_shares(service)}
        assert after == before
        states = {i: share_state(s, clock.now()) for i, s in after.items()}
        assert states == {
            active.share.id: ShareState.ACTIVE,
            revoked.share.id: ShareState.REVOKED,
            used.share.id: ShareState.USED_UP,
        }
        assert after[active.share.id].zones == (3, 7)
        assert after[active.share.id].has_pin
        share, _ = await service.authenticate(redemption.cookie)
        assert share.id == used.share.id
        assert active.pin is not None
        await service.redeem(active.secret, active.pin, client="c")


async def test_revoke_ends_every_session_in_the_store(tmp_path: Path) -> None:
    clock = FakeClock()
    async with open_service(tmp_path, clock) as service:
        created = await service.create(share_request(clock.now()), OWNER)
        for client in ("a", "b", "c"):
            await service.redeem(created.secret, None, client=client)
        store = service._store
        assert len(await store.open_sessions(created.share.id)) == 3
        await service.revoke(created.share.id, actor="owner")
        assert await store.open_sessions(created.share.id) == []
    with closing(sqlite3.connect(tmp_path / "addon.db")) as conn, conn:
        ended = conn.execute("SELECT count(*) FROM sessions WHERE ended_at IS NOT NULL")
        assert ended.fetchone()[0] == 3


async def test_pin_lock_survives_a_restart(tmp_path: Path) -> None:
    from dss_addon.errors import ShareLocked, WrongPin

    clock = FakeClock()
    async with open_service(tmp_path, clock) as service:
        created = await service.create(share_request(clock.now(), with_pin=True), OWNER)
        assert created.pin is not None
        wrong = f"{(int(created.pin) + 1) % 1_000_000:06d}"
        for _ in range(4):
            with pytest.raises(WrongPin):
                await service.redeem(created.secret, wrong, client="x")
        with pytest.raises(ShareLocked):
            await service.redeem(created.secret, wrong, client="x")
    async with open_service(tmp_path, clock) as service:
        with pytest.raises(ShareLocked):
            await service.redeem(created.secret, created.pin, client="x")


async def test_audit_is_batched_and_flushed_on_close(tmp_path: Path) -> None:
    clock = FakeClock()
    db = tmp_path / "addon.db"
    async with open_service(tmp_path, clock) as service:
        created = await service.create(share_request(clock.now()), OWNER)
        for n in range(20):
            service.audit(created.share.id, "call", call=f"zone/callScene?n={n}", allowed=True)
        # a second reader sees the owner's action (written with the share), but no call row
        # yet: those are still buffered
        with closing(sqlite3.connect(db)) as conn, conn:
            events = [row[0] for row in conn.execute("SELECT event FROM audit ORDER BY id")]
            assert events == ["created"]
    async with open_service(tmp_path, clock) as service:
        entries = await service.audit_log(created.share.id)
        assert [e.event for e in entries] == ["created"] + ["call"] * 20
        assert entries[-1].call == "zone/callScene?n=19"


async def test_a_full_batch_is_written_without_waiting(tmp_path: Path) -> None:
    import asyncio

    clock = FakeClock()
    db = tmp_path / "addon.db"
    async with open_store(db, clock) as store:
        from dss_addon.shares.audit import AuditEntry

        for n in range(100):
            store.audit(AuditEntry(share_id="s", at=clock.now(), event="call", call=str(n)))
        for _ in range(100):
            await asyncio.sleep(0.01)
            with closing(sqlite3.connect(db)) as conn, conn:
                if conn.execute("SELECT count(*) FROM audit").fetchone()[0] == 100:
                    break
        else:
            pytest.fail("the full batch was not flushed")


async def test_audit_rows_cannot_be_changed_or_deleted(tmp_path: Path) -> None:
    clock = FakeClock()
    async with open_service(tmp_path, clock) as service:
        await service.create(share_request(clock.now()), OWNER)
    with closing(sqlite3.connect(tmp_path / "addon.db")) as conn, conn:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("UPDATE audit SET event = 'nothing'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            conn.execute("DELETE FROM audit")


async def test_times_are_whole_utc_seconds_from_the_clock(tmp_path: Path) -> None:
    clock = FakeClock()
    clock.advance(0.75)
    async with open_service(tmp_path, clock) as service:
        created = await service.create(share_request(clock.now(), lasts=timedelta(hours=1)), OWNER)
        assert created.share.created_at == clock.now().replace(microsecond=0)
        assert created.share.expires_at.tzinfo is not None
    with closing(sqlite3.connect(tmp_path / "addon.db")) as conn, conn:
        created_at = conn.execute("SELECT created_at FROM shares").fetchone()[0]
    assert created_at == int(clock.now().timestamp())


async def test_a_file_that_is_no_database_is_a_store_error(tmp_path: Path) -> None:
    db = tmp_path / "addon.db"
    db.write_bytes(b"this is not an SQLite database, just some text" * 100)
    with pytest.raises(StoreError):
        async with open_store(db, FakeClock()):
            pass


async def test_a_cancelled_write_leaves_the_store_usable(tmp_path: Path) -> None:
    import asyncio

    clock = FakeClock()
    async with open_service(tmp_path, clock) as service:
        created = await service.create(share_request(clock.now()), OWNER)
        for steps in range(30):  # cancel at a different await each time
            task = asyncio.ensure_future(service.redeem(created.secret, None, client="c"))
            for _ in range(steps):
                await asyncio.sleep(0)
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        redemption = await service.redeem(created.secret, None, client="c")
        share = await service.get(created.share.id)
        assert share.redemptions == len(await service._store.open_sessions(share.id))
        assert redemption.share.redemptions == share.redemptions


async def test_the_background_flush_writes_after_the_interval(tmp_path: Path) -> None:
    import asyncio

    from dss_addon.shares.audit import AuditEntry

    clock = FakeClock()
    db = tmp_path / "addon.db"
    async with open_store(db, clock, audit_interval=0.05, audit_rows=1000) as store:
        store.audit(AuditEntry(share_id="s", at=clock.now(), event="call"))
        for _ in range(200):
            await asyncio.sleep(0.01)
            with closing(sqlite3.connect(db)) as conn, conn:
                if conn.execute("SELECT count(*) FROM audit").fetchone()[0] == 1:
                    break
        else:
            pytest.fail("the buffered row was not flushed")
