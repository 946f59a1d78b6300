"""Red team round 8: the owner's list views filtered in SQL (Store.shares_page, share_counts,
migration 0006), judged at the work one load of the tab makes the add-on do."""

from __future__ import annotations

import sqlite3

import pytest

from dss_addon.runtime import DB_FILE
from tests.support.owner import OwnerClient, share_of
from tests.support.share_db import copy_shares, sqlite_steps
from tests.support.stack import Stack

HOME_SHARES = 18_000  # a home that used the add-on for years, nothing archived


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
        return {sql: sqlite_steps(db, sql, params) for sql, params in statements}

    copy_shares(db, old, 200, apart=1, prefix="recent")
    few = await cost()
    copy_shares(db, old, HOME_SHARES, apart=1, prefix="old")
    many = await cost()
    grown = {sql: (few.get(sql, 0), steps) for sql, steps in many.items()
             if steps > 3 * max(few.get(sql, 0), 1)}
    assert not grown, f"steps (in hundreds) with 200 and {HOME_SHARES} shares: {grown}"
