import asyncio
from pathlib import Path

from dss_addon.errors import ShareLocked, ShareNotFound, WrongPin
from dss_addon.shares.audit import AuditEntry
from dss_addon.shares.model import PIN_MAX_FAILURES
from dss_addon.shares.secrets import new_session_token, new_share_id, secret_digest
from dss_addon.store import Store, open_store
from tests.support.clock import FakeClock
from tests.support.shares import OWNER, open_service, share_request


async def test_twenty_parallel_redeems_of_a_single_use_share_open_one_session(
    tmp_path: Path,
) -> None:
    clock = FakeClock()
    async with open_service(tmp_path, clock) as service:
        created = await service.create(share_request(clock.now(), max_redemptions=1), OWNER)
        results = await asyncio.gather(
            *(service.redeem(created.secret, None, client=f"c{n}") for n in range(20)),
            return_exceptions=True,
        )
        winners = [r for r in results if not isinstance(r, BaseException)]
        assert len(winners) == 1
        assert all(isinstance(r, ShareNotFound) for r in results if r is not winners[0])
        share = await service.get(created.share.id)
        assert share.redemptions == 1
        assert len(await service._store.open_sessions(share.id)) == 1


async def redeem_directly(store: Store, share_id: str, client: str) -> bool:
    session_id = new_share_id()
    opened = AuditEntry(share_id, store.clock.now(), "opened", client=client, session_id=session_id)
    result = await store.redeem(
        share_id,
        session_id=session_id,
        token_digest=secret_digest(new_session_token()),
        client=client,
        audit=opened,
    )
    return result is not None


async def test_the_sql_guard_holds_across_two_connections(tmp_path: Path) -> None:
    clock = FakeClock()
    async with open_service(tmp_path, clock) as service:
        created = await service.create(share_request(clock.now(), max_redemptions=3), OWNER)
        share_id = created.share.id
        first = service._store
        async with open_store(tmp_path / "addon.db", clock) as second:
            outcomes = await asyncio.gather(
                *(redeem_directly(first if n % 2 else second, share_id, f"c{n}") for n in range(20))
            )
            assert outcomes.count(True) == 3
            assert (await second.share(share_id)).redemptions == 3  # type: ignore[union-attr]
        assert (await service.get(share_id)).redemptions == 3
        assert len(await first.open_sessions(share_id)) == 3


async def test_parallel_wrong_pins_never_get_more_than_five_tries(tmp_path: Path) -> None:
    clock = FakeClock()
    async with open_service(tmp_path, clock) as service:
        created = await service.create(share_request(clock.now(), with_pin=True), OWNER)
        assert created.pin is not None
        guesses = [f"{(int(created.pin) + n) % 1_000_000:06d}" for n in range(1, 13)]
        results = await asyncio.gather(
            *(service.redeem(created.secret, guess, client="x") for guess in guesses),
            return_exceptions=True,
        )
        assert sum(isinstance(r, WrongPin) for r in results) == PIN_MAX_FAILURES - 1
        assert sum(isinstance(r, ShareLocked) for r in results) == 12 - (PIN_MAX_FAILURES - 1)
        assert (await service.get(created.share.id)).pin_failures == PIN_MAX_FAILURES
