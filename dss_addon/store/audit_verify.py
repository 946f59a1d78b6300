"""`dss-addon audit verify`: checks every audit chain of a database, or one export, and the
device key that seals them (synchronous: a command, not the server)."""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from dss_addon.errors import StoreError
from dss_addon.store.audit_chain import (
    Broken,
    Head,
    Legacy,
    seal_from,
    verify_chain,
    verify_seal,
)
from dss_addon.store.audit_export import CHECKPOINT_COLUMNS, chain_from_json, checkpoint_from
from dss_addon.store.audit_rows import CHAIN_COLUMNS, chain_row_from
from dss_addon.store.audit_seal import head_from

AUDIT_KEY_FILE = Path("keys") / "audit.key"
# Written next to the key when the add-on first holds a sealed database: from then on a
# database whose seal was reset to "never sealed" is not sealed afresh (audit_seal.py).
AUDIT_SEALED_FILE = Path("keys") / "audit.sealed"
FIRST_CHAINED_VERSION = 3  # the schema version of migration 0003_audit_chain


@dataclass(frozen=True, slots=True)
class Verdict:
    chains: int
    rows: int
    unchained: int  # rows written before the chain existed
    broken: Broken | None

    def line(self) -> str:
        if self.broken is not None:
            where = f"row {self.broken.row}" if self.broken.row else "audit"
            share = f" (share {self.broken.share_id})" if self.broken.share_id else ""
            return f"audit chain BROKEN at {where}{share}: {self.broken.message}"
        legacy = f", {self.unchained} older rows not chained" if self.unchained else ""
        return f"audit chain intact: {self.chains} chains, {self.rows} rows{legacy}"


def audit_key(data_dir: Path, *, create: bool) -> bytes:
    """The device secret that seals chain heads and checkpoints (hex in keys/audit.key, 0600).
    create=False (verification): a missing key is an error, never a new one."""
    path = data_dir / AUDIT_KEY_FILE
    if not path.exists():
        if not create:
            raise StoreError(f"the audit key {path} is missing")
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
    try:
        return bytes.fromhex(path.read_text("ascii").strip())
    except ValueError as err:
        raise StoreError(f"the audit key {path} is malformed") from err


def sealed_before(data_dir: Path) -> bool:
    return (data_dir / AUDIT_SEALED_FILE).exists()


def mark_sealed(data_dir: Path) -> None:
    """Creates keys/audit.sealed (0600) if it is missing."""
    path = data_dir / AUDIT_SEALED_FILE
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write("sealed\n")
        out.flush()
        os.fsync(out.fileno())


def verify_database(db_path: Path, key: bytes | None) -> Verdict:
    """Reads the file without changing it. The first break by row id wins."""
    try:
        conn = sqlite3.connect(f"{db_path.as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as err:
        raise StoreError(f"cannot open {db_path}: {err}") from err
    try:
        conn.row_factory = sqlite3.Row
        # One snapshot for every read: a server writing meanwhile cannot look like a break.
        conn.execute("BEGIN")
        return _verify(conn, key)
    except sqlite3.Error as err:
        raise StoreError(f"cannot read the audit of {db_path}: {err}") from err
    finally:
        conn.close()


def _verify(conn: sqlite3.Connection, key: bytes | None) -> Verdict:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version < FIRST_CHAINED_VERSION:
        count = conn.execute("SELECT count(*) FROM audit").fetchone()[0]
        return Verdict(0, 0, count, None)
    through = conn.execute("SELECT through FROM audit_legacy WHERE id = 1").fetchone()
    legacy = 0 if through is None else int(through[0])
    heads = {h.share_id: h for h in map(head_from, conn.execute("SELECT * FROM audit_heads"))}
    found = conn.execute("SELECT chains, written, mac FROM audit_seal WHERE id = 1").fetchone()
    seal = None if found is None else seal_from(found[0], found[1], found[2])
    breaks: list[Broken] = []
    unchained = conn.execute(
        "SELECT count(*) FROM audit WHERE hash IS NULL AND id <= ?", (legacy,)
    ).fetchone()[0]
    seal_break = verify_seal(seal, heads, Legacy(legacy, unchained), key)
    stray = conn.execute(
        "SELECT id, share_id FROM audit WHERE hash IS NULL AND id > ? ORDER BY id LIMIT 1",
        (legacy,),
    ).fetchone()
    if stray is not None:
        breaks.append(Broken(stray[0], stray[1], f"row {stray[0]} carries no chain hash"))
    shares = {row[0] for row in conn.execute(
        "SELECT DISTINCT share_id FROM audit WHERE hash IS NOT NULL"
    )} | set(heads)
    checked = 0
    for share_id in sorted(shares):
        count, broken = _verify_share(conn, share_id, heads.get(share_id), key)
        checked += count
        if broken is not None:
            breaks.append(broken)
    if breaks:
        return Verdict(len(shares), checked, unchained, min(breaks, key=lambda b: b.row))
    return Verdict(len(shares), checked, unchained, seal_break)


def _verify_share(
    conn: sqlite3.Connection, share_id: str, head: Head | None, key: bytes | None
) -> tuple[int, Broken | None]:
    rows = map(chain_row_from, conn.execute(
        f"SELECT {CHAIN_COLUMNS} FROM audit WHERE share_id = ? AND hash IS NOT NULL"  # noqa: S608
        " ORDER BY id", (share_id,),
    ))
    checkpoints = [checkpoint_from(row) for row in conn.execute(
        f"SELECT {CHECKPOINT_COLUMNS} FROM audit_checkpoints WHERE share_id = ?",  # noqa: S608
        (share_id,),
    )]
    return verify_chain(share_id, rows, checkpoints, head, key)


def verify_export(path: Path, key: bytes | None) -> Verdict:
    """An export: its rows link up and end at its head; the MACs only with the device key."""
    try:
        share_id, rows, checkpoints, head = chain_from_json(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError, KeyError) as err:
        raise StoreError(f"cannot read the export {path}: {err}") from err
    count, broken = verify_chain(share_id, rows, checkpoints, head, key)
    return Verdict(1, count, 0, broken)
