"""The owner's list of shares, one page at a time: the views there are and what a page is. A
home keeps every share it made (until archived); the store answers a page with one index
seek (migration 0006) and the counts with one SQL pass, so a page costs the same in time and
memory however many shares there are."""

from __future__ import annotations

from dataclasses import dataclass

from dss_addon.shares.model import Share

# "all": every share not archived; "current": not over yet (scheduled, active, locked, used
# up); "over": revoked, ended or expired (model.OVER_STATES); "archived": what the owner put
# away.
VIEWS = ("all", "current", "over", "archived")
DEFAULT_LIMIT = 100
MAX_LIMIT = 500


@dataclass(frozen=True, slots=True)
class SharePage:
    shares: list[Share]
    next_before: str | None  # `before` for the next page; None on the last


@dataclass(frozen=True, slots=True)
class Counts:
    all: int
    current: int
    over: int


def page_of(batch: list[Share], limit: int) -> SharePage:
    """The page from a read of `limit + 1` shares: the extra one only says there is more."""
    shares = batch[:limit]
    return SharePage(shares, shares[-1].id if len(batch) > limit and shares else None)
