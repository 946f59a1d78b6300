"""The owner's views filter in SQL (Store.shares_page, share_counts): they must put each share
where shares.model.share_state puts it, in every state, at any moment, with revocations the
disk has not taken yet counted as revoked."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from dss_addon.errors import ShareLocked, StoreError, WrongPin
from dss_addon.shares.model import OVER_STATES, ShareState, share_state
from dss_addon.shares.service import ShareService
from tests.support.clock import FakeClock
from tests.support.shares import OWNER, FakeAppTokens, all_shares, open_service, share_request


@pytest.fixture
async def service(tmp_path: Path, clock: FakeClock) -> AsyncIterator[ShareService]:
    async with open_service(tmp_path, clock, FakeAppTokens()) as service:
        yield service


async def _one_of_each(
    service: ShareService, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = clock.now()

    async def create(**kwargs: object) -> str:
        created = await service.create(share_request(now, **kwargs), OWNER)  # type: ignore[arg-type]
        clock.advance(seconds=1)
        return created.share.id

    await create()  # active
    await create(starts_in=timedelta(hours=2))  # scheduled
    await create(lasts=timedelta(seconds=30))  # expired once the clock moved on
    revoked = await create()
    await service.revoke(revoked, actor="dssadmin")
    used = await service.create(share_request(now, max_redemptions=1), OWNER)
    done = await service.redeem(used.secret, None, client="192.0.2.1")  # used up
    ended = await service.create(share_request(now), OWNER)
    redemption = await service.redeem(ended.secret, None, client="192.0.2.1")
    await service.end_by_helper(redemption.cookie, client="192.0.2.1")
    locked = await service.create(share_request(now, with_pin=True), OWNER)
    wrong = "000000" if locked.pin != "000000" else "111111"
    for _ in range(5):
        with pytest.raises((WrongPin, ShareLocked)):  # the fifth locks it
            await service.redeem(locked.secret, wrong, client="192.0.2.1")
    assert done.share.id
    # Revoked while the disk refuses to write it: revoked in memory only.
    unsaved = await create()

    async def full(*_args: object) -> None:
        raise StoreError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(service._store, "revoke", full)
        assert not (await service.revoke(unsaved, actor="dssadmin")).saved


# 25 s: the moment the 30-second share ends exactly (5 s passed while they were made).
@pytest.mark.parametrize(
    "later", [timedelta(0), timedelta(seconds=25), timedelta(seconds=45), timedelta(hours=3)]
)
async def test_each_view_holds_what_share_state_says(
    service: ShareService, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, later: timedelta
) -> None:
    await _one_of_each(service, clock, monkeypatch)
    clock.advance(seconds=int(later.total_seconds()))
    now = clock.now()
    everything = await all_shares(service)
    states = {share.id: share_state(share, now) for share in everything}
    assert len(states) == 8
    if later == timedelta(seconds=45):  # every state at once
        assert set(states.values()) == set(ShareState)
    over = {share_id for share_id, state in states.items() if state in OVER_STATES}
    for limit in (1, 2, 100):  # the same across page boundaries
        listed_over = await _ids(service, "over", limit)
        listed_current = await _ids(service, "current", limit)
        assert set(listed_over) == over
        assert set(listed_current) == set(states) - over
        assert len(listed_over) + len(listed_current) == len(states)
    counts = await service.counts()
    assert (counts.all, counts.current, counts.over) == (8, 8 - len(over), len(over))


async def _ids(service: ShareService, view: str, limit: int) -> list[str]:
    found: list[str] = []
    before: str | None = None
    while True:
        page = await service.page(view, before=before, limit=limit)
        found += [share.id for share in page.shares]
        if page.next_before is None:
            return found
        before = page.next_before


async def test_a_database_from_before_the_paged_list_is_counted_when_migrated(
    tmp_path: Path, clock: FakeClock
) -> None:
    async with open_service(tmp_path, clock, FakeAppTokens()) as service:
        ids = [(await service.create(share_request(clock.now()), OWNER)).share.id for _ in range(4)]
        await service.revoke(ids[0], actor="dssadmin")
        await service.archive(ids[0], actor="dssadmin")
        assert (await service.counts()).all == 3
    # Back to schema 5 (as 0.1's databases are), then opened again: 0006 runs on it.
    with sqlite3.connect(tmp_path / "addon.db") as conn:
        conn.executescript(
            "DROP TABLE shares_listed_total; DROP TRIGGER shares_listed_insert;"
            " DROP TRIGGER shares_listed_delete; DROP TRIGGER shares_listed_archive;"
            " DROP INDEX shares_listed;"
            " DROP INDEX shares_archived_listed; DROP INDEX shares_current;"
            " DROP INDEX shares_open_requests; DROP INDEX shares_holding_app_tokens;"
            " CREATE INDEX shares_by_archived ON shares (archived_at); PRAGMA user_version = 5;"
        )
    async with open_service(tmp_path, clock, FakeAppTokens()) as service:
        counts = await service.counts()
        assert (counts.all, counts.current, counts.over) == (3, 3, 0)
        await service.create(share_request(clock.now()), OWNER)  # counted as they come
        assert (await service.counts()).all == 4
        assert [s.id for s in await all_shares(service, archived=True)] == [ids[0]]
