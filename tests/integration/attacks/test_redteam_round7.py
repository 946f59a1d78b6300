"""Red team round 7: the owner's list of shares one page at a time (listing.py, list_query.py,
Store.shares_page, GET /api/shares and the tab's /?show=&before=&limit=), judged at what the
homeowner gets and at the work one request makes the add-on do."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import pytest

from dss_addon.runtime import DB_FILE
from dss_addon.shares.listing import MAX_LIMIT
from dss_addon.shares.model import Share
from dss_addon.store import Store
from tests.support.owner import OwnerClient, share_of
from tests.support.share_db import copy_shares, sqlite_steps
from tests.support.stack import Stack

# A home that used the add-on for years, nothing archived (kept small for the suite: with
# 20,000 shares one load of /?show=current&limit=1 made 10,043 queries, 40,004 rows, 110 s).
HOME_SHARES = 3_000
ROWS_PER_PAGE_BOUND = 2 * MAX_LIMIT + 2  # generous: two batches of the largest page


class _Reads:
    """Counts the store's keyset reads and the share rows they return."""

    def __init__(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        self.rows = 0
        real = store.shares_page

        async def counting(**kwargs: Any) -> list[Share] | None:
            found = await real(**kwargs)
            self.calls += 1
            self.rows += len(found or [])
            return found

        monkeypatch.setattr(store, "shares_page", counting)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("path", ["/?show=current&limit=1", "/"])
async def test_one_page_of_the_tab_costs_the_same_however_many_shares_there_are(
    stack: Stack, owner: OwnerClient, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    old = str(share_of(await owner.create(label="Elektro Müller 2019"))["id"])
    assert (await owner.post(f"/api/shares/{old}/revoke")).status == 200
    copy_shares(stack.runtime.settings.data_dir / DB_FILE, old, HOME_SHARES)
    stack.clock.advance(seconds=1)  # newer than every old one, whatever its random id
    live = str(share_of(await owner.create(label="Elektro Müller heute"))["id"])
    reads = _Reads(stack.runtime.shares._store, monkeypatch)
    started = time.monotonic()
    reply = await owner.get(path)
    took = time.monotonic() - started
    assert reply.status == 200, reply.text
    assert f'data-share="{live}"' in reply.text
    assert reads.rows <= ROWS_PER_PAGE_BOUND, (
        f"one page of one share read {reads.rows} rows in {reads.calls} queries ({took:.1f} s)"
    )


@pytest.mark.parametrize("path", ["/api/shares?limit=%C2%B2", "/?limit=%C2%B2"])
async def test_a_digit_that_is_no_number_is_a_bad_input_not_a_500(
    owner: OwnerClient, path: str
) -> None:
    reply = await owner.get(path)
    assert reply.status == 400, (reply.status, reply.text[:200])


@pytest.mark.timeout(120)
async def test_a_page_costs_the_same_with_200_or_18000_shares(
    stack: Stack, owner: OwnerClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = stack.runtime.shares._store
    db = stack.runtime.settings.data_dir / DB_FILE
    newest = str(share_of(await owner.create(label="Elektro Müller"))["id"])
    statements: list[tuple[str, tuple[object, ...]]] = []
    real = store._fetchall

    async def spying(sql: str, params: tuple[object, ...]) -> list[sqlite3.Row]:
        if "ORDER BY created_at DESC" in sql:
            statements.append((sql, tuple(params)))
        return await real(sql, params)

    monkeypatch.setattr(store, "_fetchall", spying)

    async def cost(query: str) -> int:
        reply = await owner.get(f"/api/shares?{query}")
        assert reply.status == 200, reply.text
        assert reply.json()["shares"], reply.text
        return sqlite_steps(db, *statements[-1])

    copy_shares(db, newest, 200, apart=60, prefix="recent")
    few = await cost("limit=1")  # what the tab's live notice asks every 30 seconds
    copy_shares(db, newest, HOME_SHARES * 6, apart=1)  # the years before
    many = await cost("limit=1")
    deep = await cost(f"limit=1&before=old{HOME_SHARES * 6 - 100:06d}")
    assert max(many, deep) <= 3 * few, f"{few}00 steps with 200, {many}00/{deep}00 after"
