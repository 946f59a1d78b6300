"""A release of a share's app token refused for now (DssUnavailable: the add-on's session budget
full, or the dSS not answering) is retried soon in the background, not an hour later; other
failures are left to the hourly release loop."""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dss_addon.errors import DssAuthFailed, DssUnavailable
from dss_addon.shares.audit import AuditEvent
from dss_addon.shares.release_retry import RETRY_MAX, retry_delays
from dss_addon.shares.service import ShareService
from tests.support.clock import FakeClock
from tests.support.shares import OWNER, open_service, share_request


@dataclass
class RefusingAppTokens:
    """AppTokens whose revoke raises `refusals` (in turn) before it goes through."""

    refusals: list[Exception] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    revoked: list[str] = field(default_factory=list)
    tries: int = 0

    async def issue(self, name: str, owner_dss_token: str) -> str:
        token = f"app-token-{len(self.issued):04d}-5d1e0c"
        self.issued.append(token)
        return token

    async def revoke(self, app_token: str) -> None:
        self.tries += 1
        if self.refusals:
            raise self.refusals.pop(0)
        self.revoked.append(app_token)


@pytest.fixture
def app_tokens() -> RefusingAppTokens:
    return RefusingAppTokens()


@pytest.fixture
async def service(tmp_path: Path, app_tokens: RefusingAppTokens) -> AsyncIterator[ShareService]:
    async with open_service(tmp_path, FakeClock(), app_tokens) as service:
        service.releases.retry_delays = (0.0, 0.0, 0.0)  # no test waits for time
        yield service
        await service.releases.close()


def test_the_pauses_double_up_to_a_minute() -> None:
    assert retry_delays(0.5, 4.0, 6) == (0.5, 1.0, 2.0, 4.0, 4.0, 4.0)
    delays = retry_delays()
    assert delays[0] < 1.0
    assert max(delays) == RETRY_MAX
    assert 3 * 60 <= sum(delays) <= 15 * 60  # within minutes, then the hourly loop


async def test_a_revocation_refused_for_now_is_retried_soon(
    service: ShareService, app_tokens: RefusingAppTokens
) -> None:
    app_tokens.refusals = [DssUnavailable("too many shares"), DssUnavailable("too many shares")]
    created = await service.create(share_request(FakeClock().now()), OWNER)
    await service.revoke(created.share.id, actor="dssadmin")
    assert app_tokens.revoked == []
    await service.releases.retried()
    assert app_tokens.revoked == app_tokens.issued
    assert await service.app_token(created.share.id) is None
    failures = [
        e
        for e in await service.audit_log(created.share.id)
        if e.event == AuditEvent.APP_TOKEN_REVOKE_FAILED
    ]
    assert len(failures) == 1  # the first refusal; the quick retries add no rows


async def test_the_retries_give_up_to_the_hourly_loop(
    service: ShareService, app_tokens: RefusingAppTokens
) -> None:
    app_tokens.refusals = [DssUnavailable("down")] * 10
    created = await service.create(share_request(FakeClock().now()), OWNER)
    await service.revoke(created.share.id, actor="dssadmin")
    await service.releases.retried()
    assert app_tokens.tries == 1 + len(service.releases.retry_delays)
    assert await service.app_token(created.share.id) is not None  # kept for the hourly loop


async def test_other_failures_are_not_retried_at_once(
    service: ShareService, app_tokens: RefusingAppTokens
) -> None:
    app_tokens.refusals = [DssAuthFailed("refused")]
    created = await service.create(share_request(FakeClock().now()), OWNER)
    await service.revoke(created.share.id, actor="dssadmin")
    await service.releases.retried()
    assert app_tokens.tries == 1
    assert await service.app_token(created.share.id) is not None


async def test_no_retry_outlives_the_shutdown(
    service: ShareService, app_tokens: RefusingAppTokens
) -> None:
    service.releases.retry_delays = (3600.0,)
    app_tokens.refusals = [DssUnavailable("too many shares")]
    created = await service.create(share_request(FakeClock().now()), OWNER)
    await service.revoke(created.share.id, actor="dssadmin")
    await service.releases.close()  # cancels the retry waiting its hour
    await service.releases.retried()
    assert app_tokens.tries == 1
    assert await service.app_token(created.share.id) is not None


async def test_the_owner_list_tells_which_refused_tokens_are_gone(
    service: ShareService, app_tokens: RefusingAppTokens
) -> None:
    app_tokens.refusals = [DssAuthFailed("refused"), DssAuthFailed("refused")]
    gone = await service.create(share_request(FakeClock().now()), OWNER)
    still_there = await service.create(share_request(FakeClock().now()), OWNER)
    live = await service.create(share_request(FakeClock().now()), OWNER)
    await service.revoke(gone.share.id, actor="dssadmin")
    await service.revoke(still_there.share.id, actor="dssadmin")
    enabled = {app_tokens.issued[1], app_tokens.issued[2]}  # the dSS's list: the first is gone
    assert await service.reconcile_app_tokens(enabled) == []  # nothing live ended
    assert await service.app_token(gone.share.id) is None  # released in the dSS after all
    assert await service.app_token(still_there.share.id) == app_tokens.issued[1]  # retried
    assert await service.app_token(live.share.id) == app_tokens.issued[2]
