"""Test helpers for the share service: a fake AppTokens and a service on a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from dss_addon.shares.model import Level, Share
from dss_addon.shares.requests import ShareRequest
from dss_addon.shares.service import AppTokens, Owner, ShareService
from dss_addon.shares.vault import TokenVault
from dss_addon.store import open_store
from tests.support.clock import FakeClock

OWNER = Owner(name="dssadmin", dss_token="owner-dss-session-token-0123456789")


@dataclass
class FakeAppTokens:
    """Implements the AppTokens protocol in memory; switches make it fail."""

    issued: list[tuple[str, str]] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    fail_issue: bool = False
    fail_revoke: bool = False

    async def issue(self, name: str, owner_dss_token: str) -> str:
        if self.fail_issue:
            raise RuntimeError("the dSS refused the application token")
        token = f"app-token-{len(self.issued):04d}-9f3c1e2d7b"
        self.issued.append((name, token))
        return token

    async def revoke(self, app_token: str) -> None:
        if self.fail_revoke:
            raise RuntimeError("the dSS is unreachable")
        self.revoked.append(app_token)


def share_request(
    now: datetime,
    *,
    label: str = "Elektro Müller",
    level: Level = Level.OPERATE,
    starts_in: timedelta = timedelta(0),
    lasts: timedelta = timedelta(hours=4),
    zones: tuple[int, ...] = (),
    with_pin: bool = False,
    max_redemptions: int | None = None,
) -> ShareRequest:
    return ShareRequest(
        label=label,
        level=level,
        starts_at=now + starts_in,
        expires_at=now + starts_in + lasts,
        zones=zones,
        with_pin=with_pin,
        max_redemptions=max_redemptions,
    )


@asynccontextmanager
async def open_service(
    data_dir: Path, clock: FakeClock, app_tokens: AppTokens | None = None
) -> AsyncIterator[ShareService]:
    vault = TokenVault.open(data_dir)
    async with open_store(data_dir / "addon.db", clock) as store:
        yield ShareService(store, clock, vault, app_tokens)


async def all_shares(service: ShareService, *, archived: bool = False) -> list[Share]:
    """Every share the owner's list holds (or the archive), page after page, newest first."""
    found: list[Share] = []
    before: str | None = None
    while True:
        page = await service.page("archived" if archived else "all", before=before)
        found += page.shares
        if page.next_before is None:
            return found
        before = page.next_before
