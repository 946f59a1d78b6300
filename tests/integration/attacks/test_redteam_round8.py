"""Red team round 8: the owner's list views filtered in SQL (Store.shares_page, share_counts,
migration 0006), judged at the work one load of the tab makes the add-on do."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiohttp
import pytest

from dss_addon.runtime import DB_FILE
from tests.support.owner import OwnerClient, owner_client, share_of
from tests.support.stack import Stack

HOME_SHARES = 18_000  # a home that used the add-on for years, nothing archived


@pytest.fixture
async def owner(stack: Stack, http: aiohttp.ClientSession) -> OwnerClient:
    return await owner_client(http, stack)


def _copy_shares(db: Path, template_id: str, count: int, *, prefix: str) -> None:
    """`count` further shares like `template_id` (no app token), each a second older than the
    one before, written behind the add-on's back."""
    with sqlite3.connect(db) as conn:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(shares)")]
        rest = [c for c in columns if c not in ("id", "secret_digest", "app_token", "created_at")]
        sql = (
            f"INSERT INTO shares (id, secret_digest, app_token, created_at, {', '.join(rest)})"  # noqa: S608
            f" SELECT ?, randomblob(32), NULL, created_at - ?, {', '.join(rest)}"
            " FROM shares WHERE id = ?"
        )
        conn.executemany(sql, [(f"{prefix}{n:06d}", n + 1, template_id) for n in range(count)])


def _steps(db: Path, sql: str, params: tuple[object, ...]) -> int:
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


@pytest.mark.timeout(120)
async def test_one_load_of_the_tab_costs_the_same_with_200_or_18000_shares(
    stack: Stack, owner: OwnerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = stack.runtime.shares._store
    db = stack.runtime.settings.data_dir / DB_FILE
    old = str(share_of(await owner.create(label="Elektro Müller 2019"))["id"])
    assert (await owner.post(f"/api/shares/{old}/revoke")).status == 200
    statements: list[tuple[str, tuple[object, ...]]] = []
    real_all, real_one = store._fetchall, store._fetchone

    async def spy_all(sql: str, params: tuple[object, ...]) -> list[sqlite3.Row]:
        statements.append((sql, tuple(params)))
        return await real_all(sql, params)

    async def spy_one(sql: str, params: tuple[object, ...]) -> sqlite3.Row | None:
        statements.append((sql, tuple(params)))
        return await real_one(sql, params)

    monkeypatch.setattr(store, "_fetchall", spy_all)
    monkeypatch.setattr(store, "_fetchone", spy_one)

    async def cost() -> dict[str, int]:
        statements.clear()
        reply = await owner.get("/?limit=1")
        assert reply.status == 200, reply.text
        # Keyed by the whole statement: several read the same columns.
        return {sql: _steps(db, sql, params) for sql, params in statements}

    _copy_shares(db, old, 200, prefix="recent")
    few = await cost()
    _copy_shares(db, old, HOME_SHARES, prefix="old")
    many = await cost()
    grown = {sql: (few.get(sql, 0), steps) for sql, steps in many.items()
             if steps > 3 * max(few.get(sql, 0), 1)}
    assert not grown, f"steps (in hundreds) with 200 and {HOME_SHARES} shares: {grown}"
