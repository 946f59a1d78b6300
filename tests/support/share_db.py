"""A home's years of shares written straight into the add-on's database, and the work SQLite
does for one statement: for tests that judge a request's cost by how many shares exist."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def copy_shares(
    db: Path, template_id: str, count: int, *, apart: int = 0, prefix: str = "old"
) -> None:
    """`count` further shares like `template_id` (no app token), written behind the add-on's
    back: the shares a home made over the years (`apart` > 0: each that much older than the
    one before, in the store's created_at units; else all made in the same instant)."""
    with sqlite3.connect(db) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(shares)")]
        rest = [c for c in columns if c not in ("id", "secret_digest", "app_token", "created_at")]
        sql = (
            f"INSERT INTO shares (id, secret_digest, app_token, created_at, {', '.join(rest)})"  # noqa: S608
            f" SELECT ?, randomblob(32), NULL, created_at - ?, {', '.join(rest)}"
            " FROM shares WHERE id = ?"
        )
        conn.executemany(
            sql, [(f"{prefix}{n:06d}", apart * (n + 1), template_id) for n in range(count)]
        )


def sqlite_steps(db: Path, sql: str, params: tuple[object, ...]) -> int:
    """SQLite's virtual machine steps (in hundreds) for one statement: the work it makes."""
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    with sqlite3.connect(db) as conn:
        conn.set_progress_handler(count, 100)
        conn.execute(sql, params).fetchall()
    return steps
