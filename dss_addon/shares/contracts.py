"""What the share service exchanges with its callers: results, the owner, the dSS seam."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from dss_addon.shares.model import Share, ShareSession


class AppTokens(Protocol):
    async def issue(self, name: str, owner_dss_token: str) -> str:
        """Requests and enables a dSS application token while the owner is logged in."""
        ...

    async def revoke(self, app_token: str) -> None: ...


@dataclass(frozen=True)
class Owner:
    """The homeowner's dSS session; never stored."""

    name: str
    dss_token: str = field(repr=False)


@dataclass(frozen=True)
class CreatedShare:
    share: Share
    secret: str = field(repr=False)  # shown once, in the link
    pin: str | None = field(repr=False)  # shown once


@dataclass(frozen=True)
class Redemption:
    share: Share
    session: ShareSession
    cookie: str = field(repr=False)  # the raw session token; only its digest is stored
