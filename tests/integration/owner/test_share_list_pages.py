"""The owner's list of shares one page at a time (API and tab): newest first, every share on
exactly one page however they tie in time, views filtered before paging, counts over all of
them, and bad cursors refused. A home keeps every share it ever made until archived; a page
costs the same with ten or ten thousand."""

from __future__ import annotations

import pytest

from dss_addon.errors import BadInput
from dss_addon.shares.listing import MAX_LIMIT
from tests.support.owner import OwnerClient, share_of
from tests.support.shares import all_shares
from tests.support.stack import Stack


async def _make(stack: Stack, owner: OwnerClient, count: int, *, every: int = 0) -> list[str]:
    """Ids, oldest first; `every` > 0 advances the clock a minute after that many (the rest
    share a created_at second, which the keyset must break by id)."""
    ids = []
    for index in range(count):
        ids.append(str(share_of(await owner.create(label=f"share {index}"))["id"]))
        if every and index % every == every - 1:
            stack.clock.advance(minutes=1)
    return ids


def _ids(body: dict[str, object]) -> list[str]:
    shares = body["shares"]
    assert isinstance(shares, list)
    return [str(share["id"]) for share in shares]


async def _pages(owner: OwnerClient, query: str) -> list[list[str]]:
    pages: list[list[str]] = []
    before = ""
    while True:
        reply = await owner.get(f"/api/shares?{query}{before}")
        assert reply.status == 200, reply.text
        body = reply.json()
        pages.append(_ids(body))
        if body["next"] is None:
            return pages
        assert body["next"] == pages[-1][-1]
        before = f"&before={body['next']}"


@pytest.mark.parametrize("every", [0, 3])
async def test_pages_hold_every_share_once_newest_first(
    stack: Stack, owner: OwnerClient, every: int
) -> None:
    ids = await _make(stack, owner, 11, every=every)
    pages = await _pages(owner, "limit=4")
    assert [len(page) for page in pages] == [4, 4, 3]
    listed = [share_id for page in pages for share_id in page]
    assert sorted(listed) == sorted(ids)  # none twice, none missing
    everything = await all_shares(stack.runtime.shares)
    assert listed == [share.id for share in everything]
    times = [share.created_at for share in everything]
    assert times == sorted(times, reverse=True)


async def test_a_share_made_between_two_pages_shifts_nothing(
    stack: Stack, owner: OwnerClient
) -> None:
    ids = await _make(stack, owner, 6, every=1)
    first = (await owner.get("/api/shares?limit=3")).json()
    await _make(stack, owner, 2, every=1)  # newer: they belong on page one, not page two
    second = (await owner.get(f"/api/shares?limit=3&before={first['next']}")).json()
    assert _ids(second) == list(reversed(ids[:3]))
    assert second["next"] is None


async def test_the_default_page_is_bounded_and_limits_are_checked(owner: OwnerClient) -> None:
    for bad in ("limit=0", "limit=-1", "limit=x", "before=nosuchshare", f"before={'x' * 65}"):
        reply = await owner.get(f"/api/shares?{bad}")
        assert reply.status == 400, bad
        assert reply.json()["error"] == "bad_input"
    huge = await owner.get(f"/api/shares?limit={MAX_LIMIT * 10}")
    assert huge.status == 200  # clamped, not refused


async def test_views_filter_before_paging_and_counts_cover_all(
    stack: Stack, owner: OwnerClient
) -> None:
    ids = await _make(stack, owner, 7, every=1)
    for share_id in ids[1::2]:  # three revoked: "over"
        assert (await owner.post(f"/api/shares/{share_id}/revoke")).status == 200
    service = stack.runtime.shares
    current = await service.page("current", limit=2)
    assert [s.id for s in current.shares] == [ids[6], ids[4]]
    rest = await service.page("current", before=current.next_before, limit=2)
    assert [s.id for s in rest.shares] == [ids[2], ids[0]]
    assert rest.next_before is None
    over = await service.page("over", limit=5)
    assert [s.id for s in over.shares] == [ids[5], ids[3], ids[1]]
    counts = await service.counts()
    assert (counts.all, counts.current, counts.over) == (7, 4, 3)
    assert (await owner.post(f"/api/shares/{ids[1]}/archive")).status == 200
    assert _ids((await owner.get("/api/shares?archived=1")).json()) == [ids[1]]
    assert (await service.counts()).all == 6
    with pytest.raises(BadInput):
        await service.page("everything")


async def test_the_tab_links_to_older_shares(stack: Stack, owner: OwnerClient) -> None:
    ids = await _make(stack, owner, 3, every=1)
    first = await owner.get("/?limit=2")
    assert first.status == 200
    assert first.text.count('class="share-item') == 2
    assert f'before={ids[1]}" rel="next"' in first.text
    assert "Ältere Freigaben" in first.text
    assert "(3)" in first.text  # the filter's count is of all shares, not of the page
    second = await owner.get(f"/?limit=2&before={ids[1]}")
    assert second.text.count('class="share-item') == 1
    assert f'data-share="{ids[0]}"' in second.text
    assert 'rel="next"' not in second.text
    assert "Neueste Freigaben" in second.text
