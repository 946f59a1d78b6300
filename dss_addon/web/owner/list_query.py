"""Which page of the owner's list of shares is asked for: `before` (the id the previous page
ended with) and `limit`, from the query string of the API and of the tab."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dss_addon.errors import BadInput
from dss_addon.shares.listing import DEFAULT_LIMIT, MAX_LIMIT
from dss_addon.web.owner.audit_query import positive_int

MAX_CURSOR_LENGTH = 64  # share ids are far shorter


@dataclass(frozen=True, slots=True)
class ListQuery:
    before: str | None
    limit: int


def parse_list_query(query: Mapping[str, str], *, default_limit: int = DEFAULT_LIMIT) -> ListQuery:
    before = query.get("before") or None
    if before is not None and (len(before) > MAX_CURSOR_LENGTH or not before.isprintable()):
        raise BadInput("`before` names no share in this list.", field="before")
    limit = positive_int(query, "limit") or default_limit
    return ListQuery(before, min(limit, MAX_LIMIT))
