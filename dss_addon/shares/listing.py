"""The owner's list of shares, one page at a time: which views there are, what belongs in
each, and how a page is gathered from the store in batches. A home that used the add-on for
years keeps every share it made (until archived); listing them costs the same per page however
many there are, in time and in memory."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from dss_addon.shares.model import OVER_STATES, Share, share_state

# "all": every share not archived; "current": not over yet (scheduled, active, locked, used
# up); "over": revoked, ended or expired; "archived": what the owner put away.
VIEWS = ("all", "current", "over", "archived")
DEFAULT_LIMIT = 100
MAX_LIMIT = 500
COUNT_BATCH = 500

# The store's keyset read: (archived, before, limit) -> newest first, None for an unknown
# `before`.
ReadPage = Callable[[bool, str | None, int], Awaitable[list[Share] | None]]


@dataclass(frozen=True, slots=True)
class SharePage:
    shares: list[Share]
    next_before: str | None  # `before` for the next page; None on the last


@dataclass(frozen=True, slots=True)
class Counts:
    all: int
    current: int
    over: int


class UnknownCursor(Exception):
    """`before` names no share."""


def in_view(share: Share, view: str, now: datetime) -> bool:
    if view == "current":
        return share_state(share, now) not in OVER_STATES
    if view == "over":
        return share_state(share, now) in OVER_STATES
    return True  # "all" and "archived": the store chose already


async def gather_page(
    read: ReadPage, view: str, now: datetime, *, before: str | None, limit: int,
    fix: Callable[[Share], Share] = lambda share: share,
) -> SharePage:
    """Up to `limit` shares of `view`, newest first after `before`. Reads batches of
    `limit + 1` until the page is full and one more share shows there is a next page; `fix`
    sees each share first (revocations not on disk yet)."""
    found: list[Share] = []
    cursor = before
    while True:
        batch = await read(view == "archived", cursor, limit + 1)
        if batch is None:
            raise UnknownCursor(cursor)
        for share in map(fix, batch):
            if not in_view(share, view, now):
                continue
            if len(found) == limit:
                return SharePage(found, found[-1].id)
            found.append(share)
        if len(batch) <= limit:
            return SharePage(found, None)
        cursor = batch[-1].id


async def count_views(
    read: ReadPage, now: datetime, fix: Callable[[Share], Share] = lambda share: share
) -> Counts:
    """How many shares each view of the shares not archived holds, read in batches."""
    total = over = 0
    cursor: str | None = None
    while True:
        batch = await read(False, cursor, COUNT_BATCH) or []
        total += len(batch)
        over += sum(1 for share in map(fix, batch) if share_state(share, now) in OVER_STATES)
        if len(batch) < COUNT_BATCH:
            return Counts(total, total - over, over)
        cursor = batch[-1].id
