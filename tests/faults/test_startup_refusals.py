"""The real `dss-addon serve` against data directories it must not trust: it refuses with one
clear line (no traceback) and what to do, exit code non-zero, and changes nothing."""

from __future__ import annotations

import os
import sqlite3
import stat
from contextlib import closing
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from dss_addon.shares.vault import KEY_FILE
from dss_addon.store import open_store
from dss_addon.store.checks import APPLICATION_ID
from dss_addon.store.connection import MIGRATIONS_DIR
from tests.support.addon_process import UNREACHABLE_DSS, dss_addon, refused_start
from tests.support.clock import FakeClock
from tests.support.shares import OWNER, FakeAppTokens, open_service, share_request

PAGE = 4096


async def data_dir_with_sealed_tokens(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    clock = FakeClock()
    async with open_service(data, clock, FakeAppTokens()) as service:
        for _ in range(3):
            await service.create(share_request(clock.now()), OWNER)
    return data


def assert_refused(code: int, stderr: str, *phrases: str) -> None:
    assert code != 0, stderr
    assert "Traceback" not in stderr, stderr
    reason = stderr.strip().splitlines()[-1]
    assert reason.startswith("dss-addon: "), stderr
    for phrase in phrases:
        assert phrase in reason, reason


async def test_a_missing_key_while_sealed_tokens_exist_is_refused(tmp_path: Path) -> None:
    data = await data_dir_with_sealed_tokens(tmp_path)
    (data / KEY_FILE).unlink()
    code, stderr = await refused_start(data, tmp_path / "addon.err")
    assert_refused(code, stderr, "app-tokens.key is missing", "restore it from a backup")
    assert not (data / KEY_FILE).exists()  # no new key was made up


async def test_a_replaced_key_is_refused(tmp_path: Path) -> None:
    data = await data_dir_with_sealed_tokens(tmp_path)
    (data / KEY_FILE).write_bytes(Fernet.generate_key() + b"\n")
    code, stderr = await refused_start(data, tmp_path / "addon.err")
    assert_refused(code, stderr, "does not open the dSS app tokens", "restore the original key")


async def test_a_missing_key_without_sealed_tokens_is_made_anew(tmp_path: Path) -> None:
    data = tmp_path / "data"
    async with open_service(data, FakeClock()):  # no app tokens: nothing is sealed
        pass
    (data / KEY_FILE).unlink()
    async with dss_addon(UNREACHABLE_DSS, data, tmp_path / "addon.err"):
        assert (data / KEY_FILE).exists()


async def test_a_damaged_database_is_refused_and_the_sqlite_error_logged(tmp_path: Path) -> None:
    data = tmp_path / "data"
    clock = FakeClock()
    async with open_service(data, clock) as service:
        for n in range(40):
            created = await service.create(share_request(clock.now(), label=f"Share {n}"), OWNER)
            for _ in range(20):
                service.audit(created.share.id, "call", call="zone/callScene?id=1&sceneNumber=5")
    db = data / "addon.db"
    size = db.stat().st_size
    assert size >= 8 * PAGE
    with db.open("r+b") as handle:  # every page after the first (the schema) is garbage
        for offset in range(PAGE, size, PAGE):
            handle.seek(offset)
            handle.write(b"\xa5" * PAGE)
    code, stderr = await refused_start(data, tmp_path / "addon.err")
    assert_refused(code, stderr, "is damaged", "restore it from a backup")
    assert "integrity check" in stderr  # the SQLite error, logged


async def test_a_foreign_sqlite_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    db = data / "addon.db"
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT)")
        conn.execute("INSERT INTO photos (path) VALUES ('holiday.jpg')")
    before = db.read_bytes()
    code, stderr = await refused_start(data, tmp_path / "addon.err")
    assert_refused(code, stderr, "another program", "--data-dir")
    assert db.read_bytes() == before


async def test_a_database_of_ours_from_before_the_mark_is_adopted_and_marked(
    tmp_path: Path,
) -> None:
    db = tmp_path / "addon.db"
    first = (MIGRATIONS_DIR / "0001_init.sql").read_text("utf-8")
    with closing(sqlite3.connect(db)) as conn:
        conn.executescript(first + "\nPRAGMA user_version = 1;")
    async with open_store(db, FakeClock()):
        pass
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("SELECT count(*) FROM clock").fetchone()[0] == 1


async def test_a_key_file_others_can_read_is_made_private_and_logged(tmp_path: Path) -> None:
    data = await data_dir_with_sealed_tokens(tmp_path)
    os.chmod(data / KEY_FILE, 0o644)
    stderr = tmp_path / "addon.err"
    async with dss_addon(UNREACHABLE_DSS, data, stderr):
        assert stat.S_IMODE((data / KEY_FILE).stat().st_mode) == 0o600
    assert "was readable by other users (mode 644); set to 600" in stderr.read_text("utf-8")


async def test_a_key_file_of_another_user_that_others_can_read_is_refused(
    tmp_path: Path,
) -> None:
    if os.geteuid() != 0:
        pytest.skip("giving a file to another user needs root")
    data = await data_dir_with_sealed_tokens(tmp_path)
    os.chmod(data / KEY_FILE, 0o644)
    os.chown(data / KEY_FILE, 65534, 65534)  # nobody
    code, stderr = await refused_start(data, tmp_path / "addon.err")
    assert_refused(code, stderr, "belongs to another user", "chmod 600")
    assert stat.S_IMODE((data / KEY_FILE).stat().st_mode) == 0o644
