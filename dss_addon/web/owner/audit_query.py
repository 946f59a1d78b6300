"""What the owner asks of a share's audit (page, size, kind of rows), parsed from the query
string, and the names the rows are shown with."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass

from dss_addon.dss.client import DssClient
from dss_addon.errors import BadInput, DssError, StoreError
from dss_addon.shares.audit import AuditEntry, AuditEvent
from dss_addon.store import Store
from dss_addon.web.owner.audit_text import Names, names_from

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
EXPORT_PAGE = 250  # rows per read and write while streaming: each holds the loop briefly
KINDS: Mapping[str, tuple[str, ...]] = {
    "all": (),
    "calls": (AuditEvent.CALL,),
    "refused": (
        AuditEvent.DENIED, AuditEvent.RATE_LIMITED, AuditEvent.REDEEM_REFUSED,
        AuditEvent.PIN_FAILED, AuditEvent.LOCKED,
    ),
    "actions": (
        AuditEvent.CREATED, AuditEvent.OPENED, AuditEvent.REVOKED, AuditEvent.EXTENDED,
        AuditEvent.ENDED, AuditEvent.SESSION_EXPIRED, AuditEvent.APP_TOKEN_REVOKE_FAILED,
    ),
}


@dataclass(frozen=True, slots=True)
class AuditQuery:
    before: int | None
    limit: int
    kind: str

    @property
    def events(self) -> tuple[str, ...]:
        return tuple(str(event) for event in KINDS[self.kind])


def positive_int(query: Mapping[str, str], name: str) -> int | None:
    text = query.get(name)
    if text is None or text == "":
        return None
    # ASCII digits only: "²" and other Unicode digits pass isdigit() but not int().
    if not (text.isascii() and text.isdecimal()) or len(text) > 18 or int(text) < 1:
        raise BadInput(f"`{name}` must be a positive whole number.", field=name)
    return int(text)


def parse_audit_query(
    query: Mapping[str, str], *, default_limit: int = DEFAULT_LIMIT
) -> AuditQuery:
    kind = query.get("kind") or "all"
    if kind not in KINDS:
        raise BadInput(f"`kind` must be one of {', '.join(KINDS)}.", field="kind")
    limit = positive_int(query, "limit") or default_limit
    return AuditQuery(positive_int(query, "before"), min(limit, MAX_LIMIT), kind)


async def audit_names(dss: DssClient, owner_dss_token: str) -> Names:
    """Read at render time; names are a courtesy, the ids still show when the dSS is away."""
    try:
        return names_from(await dss.structure(owner_dss_token))
    except DssError:
        return Names()


async def all_pages(
    store: Store, share_id: str, events: tuple[str, ...]
) -> AsyncIterator[list[AuditEntry]]:
    """Every row, oldest first, one bounded read at a time: an export of 300,000 rows never
    sits in memory at once, and the connection is free between two reads."""
    with contextlib.suppress(StoreError):
        await store.flush()
    after = 0
    while True:
        rows = await store.audit_since(share_id, after=after, limit=EXPORT_PAGE, events=events)
        if not rows:
            return
        yield rows
        after = rows[-1].id or after
        if len(rows) < EXPORT_PAGE:
            return
