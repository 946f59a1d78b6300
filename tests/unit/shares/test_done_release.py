"""A done share's app token is released in the background, after what its observers still
send to the dSS (the done event's brief session): the electrician's request does not wait for
it, and the share is ended at once."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from dss_addon.errors import NotAuthenticated
from dss_addon.shares.model import ShareState, share_state
from dss_addon.shares.service import ShareService
from tests.support.clock import FakeClock
from tests.support.shares import OWNER, FakeAppTokens, open_service, share_request


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app_tokens() -> FakeAppTokens:
    return FakeAppTokens()


@pytest.fixture
async def service(
    tmp_path: Path, clock: FakeClock, app_tokens: FakeAppTokens
) -> AsyncIterator[ShareService]:
    async with open_service(tmp_path, clock, app_tokens) as service:
        yield service
        await service.releases.close()


async def test_the_release_waits_for_the_observers_dss_calls(
    service: ShareService, clock: FakeClock, app_tokens: FakeAppTokens
) -> None:
    raised = asyncio.Event()
    waited_for: list[str] = []

    async def done_event_raised(share_id: str) -> None:
        waited_for.append(share_id)
        await raised.wait()

    service.releases.waits.append(done_event_raised)
    created = await service.create(share_request(clock.now()), OWNER)
    helper = await service.redeem(created.secret, None, client="a")
    ended = await service.end_by_helper(helper.cookie, client="a")
    assert share_state(ended, clock.now()) is ShareState.ENDED
    with pytest.raises(NotAuthenticated):  # no access while the token waits for its release
        await service.authenticate(helper.cookie)
    await asyncio.sleep(0)
    assert waited_for == [created.share.id]
    assert app_tokens.revoked == []
    raised.set()
    await service.releases.done()
    assert app_tokens.revoked == [app_tokens.issued[0][1]]
    assert await service.app_token(created.share.id) is None


async def test_a_release_cut_off_at_shutdown_is_done_by_the_periodic_release(
    service: ShareService, clock: FakeClock, app_tokens: FakeAppTokens
) -> None:
    async def never(share_id: str) -> None:
        await asyncio.Event().wait()

    service.releases.waits.append(never)
    created = await service.create(share_request(clock.now()), OWNER)
    helper = await service.redeem(created.secret, None, client="a")
    await service.end_by_helper(helper.cookie, client="a")
    await service.releases.close()  # SIGTERM
    assert app_tokens.revoked == []
    assert await service.app_token(created.share.id) is not None
    service.releases.waits.clear()
    assert await service.release_app_tokens() == 1  # the hourly loop: ENDED shares too
    assert app_tokens.revoked == [app_tokens.issued[0][1]]


async def test_a_failed_wait_does_not_keep_the_token(
    service: ShareService, clock: FakeClock, app_tokens: FakeAppTokens
) -> None:
    async def broken(share_id: str) -> None:
        raise RuntimeError("the notifier failed")

    service.releases.waits.append(broken)
    created = await service.create(share_request(clock.now()), OWNER)
    helper = await service.redeem(created.secret, None, client="a")
    await service.end_by_helper(helper.cookie, client="a")
    await service.releases.done()
    assert app_tokens.revoked == [app_tokens.issued[0][1]]
