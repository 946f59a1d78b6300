"""The in-memory look-up of sessions never outlives a write: revocation is seen at once."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from dss_addon.shares.model import Share, ShareState, share_state
from dss_addon.shares.secrets import secret_digest
from dss_addon.shares.service import ShareService
from dss_addon.store import Store
from tests.support.clock import FakeClock
from tests.support.shares import OWNER, open_service, share_request


@asynccontextmanager
async def one_session(
    tmp_path: Path, clock: FakeClock
) -> AsyncIterator[tuple[ShareService, Store, Share, bytes]]:
    """A service with one share and one redeemed session: (service, store, share, digest)."""
    async with open_service(tmp_path, clock) as service:
        created = await service.create(share_request(clock.now()), OWNER)
        redeemed = await service.redeem(created.secret, None, client="c")
        yield service, service._store, created.share, secret_digest(redeemed.cookie)


async def test_a_cached_session_shows_revocation_and_extension_at_once(tmp_path: Path) -> None:
    clock = FakeClock()
    async with one_session(tmp_path, clock) as (service, store, share, digest):
        first = await store.session_by_digest(digest)
        again = await store.session_by_digest(digest)
        assert first is again  # served from memory
        later_end = share.expires_at + timedelta(hours=1)
        extended = await service.extend(share.id, later_end, actor="owner")
        after_extend = await store.session_by_digest(digest)
        assert after_extend is not None
        assert after_extend.share.expires_at == extended.expires_at
        await service.revoke(share.id, actor="owner")
        after_revoke = await store.session_by_digest(digest)
        assert after_revoke is not None
        assert share_state(after_revoke.share, clock.now()) is ShareState.REVOKED
        assert after_revoke.session.ended_at is not None


async def test_a_read_under_way_while_a_write_commits_is_not_cached(tmp_path: Path) -> None:
    async with one_session(tmp_path, FakeClock()) as (service, store, share, digest):
        # Both start together; whichever order SQLite runs them in, no stale record may be
        # kept for later calls.
        read, _ = await asyncio.gather(
            store.session_by_digest(digest), service.revoke(share.id, actor="owner")
        )
        assert read is not None
        later = await store.session_by_digest(digest)
        assert later is not None
        assert later.share.revoked_at is not None
        assert later.session.ended_at is not None


async def test_audit_flushes_do_not_drop_the_cache(tmp_path: Path) -> None:
    async with one_session(tmp_path, FakeClock()) as (service, store, share, digest):
        first = await store.session_by_digest(digest)
        service.audit(share.id, "call", call="apartment/getName", allowed=True)
        await store.flush()
        assert await store.session_by_digest(digest) is first
