"""A full disk: a revocation holds at once in the running process whether or not it can be
written, the disk reserve makes room for it, and it is saved as soon as space returns."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import aiohttp
import pytest

from dss_addon.settings import Settings
from dss_addon.store import Store
from tests.support.owner import owner_client, share_of
from tests.support.share_site import open_share, redeem
from tests.support.stack import running_stack

CALL = "/json/apartment/getStructure"
SQLITE_FULL = 13


def disk_full() -> sqlite3.OperationalError:
    err = sqlite3.OperationalError("database or disk is full")
    err.sqlite_errorcode = SQLITE_FULL
    return err


def stored_revocation(db: Path, share_id: str) -> tuple[bool, list[str]]:
    """Whether the share is revoked on disk, and its audit events (read as a restart would)."""
    with closing(sqlite3.connect(db)) as conn:
        revoked_at = conn.execute("SELECT revoked_at FROM shares WHERE id = ?", (share_id,))
        events = conn.execute("SELECT event FROM audit WHERE share_id = ? ORDER BY id", (share_id,))
        return revoked_at.fetchone()[0] is not None, [row[0] for row in events]


async def test_a_revocation_the_disk_refuses_holds_at_once_and_is_saved_later(
    tmp_path: Path, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_stack(tmp_path) as stack:
        owner = await owner_client(http, stack)
        helper = await open_share(http, stack)
        share_id = helper.created.share.id
        assert (await helper.get(CALL)).status == 200
        store = stack.runtime.store
        assert store.reserve is not None
        assert store.reserve.present()
        conn, commit = store._conn, store._conn.commit
        changes = conn.total_changes

        async def refuse() -> None:
            """Commits of transactions that wrote something fail, as on a full disk (ENOSPC
            when SQLite appends to the WAL); read-only ones go through."""
            nonlocal changes
            if conn.total_changes != changes:
                changes = conn.total_changes
                raise disk_full()
            await commit()

        monkeypatch.setattr(conn, "commit", refuse)
        reply = await owner.post(f"/api/shares/{share_id}/revoke")
        assert reply.status == 200, reply.text
        body = reply.json()
        assert body["saved"] is False
        assert "saved as soon as space is available" in str(body["message"])
        assert share_of(body)["state"] == "revoked"
        assert not store.reserve.present()  # given up for it, in vain: the fault stays

        # It holds at once: the session, the link and the owner's list all say revoked.
        assert (await helper.get(CALL)).status == 401
        assert (await redeem(http, stack, helper.created.secret)).status == 404
        listed = (await owner.get("/api/shares")).json()["shares"]
        assert isinstance(listed, list)
        assert [share["state"] for share in listed] == ["revoked"]
        page = await owner.get(f"/shares/{share_id}?lang=de")
        assert "Der Speicher ist voll" in page.text
        assert not await stack.runtime.shares.persist_revocations()

        monkeypatch.setattr(conn, "commit", commit)  # space is back
        assert await stack.runtime.shares.persist_revocations()
        assert store.reserve.present()  # made again for the next time
        revoked, events = stored_revocation(tmp_path / "data" / "addon.db", share_id)
        assert revoked
        assert events.count("revoked") == 1
        page = await owner.get(f"/shares/{share_id}?lang=en")
        assert "storage is full" not in page.text


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 8 MiB tmpfs, when running as root; skipped otherwise."""
    mount = shutil.which("mount")
    if os.geteuid() != 0 or mount is None:
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    where = tmp_path / "disk"
    where.mkdir()
    done = subprocess.run(  # noqa: S603 -- fixed arguments, our own temporary directory
        [mount, "-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield where
    finally:
        subprocess.run([mount.replace("mount", "umount"), "-l", str(where)], check=False)  # noqa: S603


def fill(path: Path) -> None:
    """Writes until the file system has no block left (unbuffered: every write is seen)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        for size in (1 << 16, 1 << 12, 1 << 9):
            with contextlib.suppress(OSError):
                while True:
                    os.write(fd, bytes(size))
        with pytest.raises(OSError, match="No space left") as refused:
            os.write(fd, bytes(1 << 12))
        assert refused.value.errno == errno.ENOSPC
    finally:
        os.close(fd)


async def empty_wal(store: Store) -> None:
    """The next write then needs new blocks for the WAL (otherwise it may reuse old ones)."""
    await store._fetchone("PRAGMA wal_checkpoint(TRUNCATE)", ())


async def test_on_a_full_tmpfs_the_reserve_makes_room_and_revocations_always_hold(
    tmp_path: Path, small_disk: Path, http: aiohttp.ClientSession
) -> None:
    data = small_disk / "data"

    def on_small_disk(settings: Settings) -> Settings:
        return replace(settings, data_dir=data)

    async with running_stack(tmp_path, configure=on_small_disk) as stack:
        owner = await owner_client(http, stack)
        first, second = await open_share(http, stack), await open_share(http, stack)
        store = stack.runtime.store
        assert store.reserve is not None
        assert store.reserve.present()
        await empty_wal(store)
        fill(small_disk / "filler-1")

        reply = await owner.post(f"/api/shares/{first.created.share.id}/revoke")
        assert reply.status == 200, reply.text
        assert reply.json()["saved"] is True  # written in the room of the reserve
        assert not store.reserve.present()
        assert (await first.get(CALL)).status == 401

        fill(small_disk / "filler-2")  # and now the reserve's room is taken too
        reply = await owner.post(f"/api/shares/{second.created.share.id}/revoke")
        assert reply.status == 200, reply.text
        assert reply.json()["saved"] is False
        assert (await second.get(CALL)).status == 401
        assert (await redeem(http, stack, second.created.secret)).status == 404

        for name in ("filler-1", "filler-2"):
            os.unlink(small_disk / name)
        assert await stack.runtime.shares.persist_revocations()
        assert store.reserve.present()

    for helper in (first, second):
        revoked, events = stored_revocation(data / "addon.db", helper.created.share.id)
        assert revoked
        assert events.count("revoked") == 1
