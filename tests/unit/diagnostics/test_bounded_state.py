"""What a process that runs for months must not accumulate (found by scripts/soak.py): per-share
watchers and PIN locks, last-seen entries of sessions whose browser went away, rate-limit
buckets of sessions that ended. And the accelerated clock the soak runs the add-on on."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dss_addon.clock import AcceleratedClock
from dss_addon.errors import WrongPin
from dss_addon.shares.audit import AuditEntry, AuditEvent
from dss_addon.shares.model import Level, Share, ShareSession
from dss_addon.shares.revocations import KEEP, Revocations
from dss_addon.shares.seen import PRUNE_EVERY, LastSeen
from dss_addon.shares.service import ShareService
from dss_addon.web.rate_limit import RateLimiter
from tests.support.clock import FakeClock
from tests.support.shares import OWNER, FakeAppTokens, open_service, share_request

IDLE = timedelta(minutes=30)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def service(tmp_path: Path, clock: FakeClock) -> AsyncIterator[ShareService]:
    async with open_service(tmp_path, clock, FakeAppTokens()) as service:
        yield service


def test_the_accelerated_clock_runs_rate_times_fast(clock: FakeClock) -> None:
    fast = AcceleratedClock(60, clock)
    start, mono = fast.now(), fast.monotonic()
    clock.advance(2)
    assert fast.now() - start == timedelta(minutes=2)
    assert fast.monotonic() - mono == pytest.approx(120)
    with pytest.raises(ValueError, match="positive"):
        AcceleratedClock(0, clock)


async def test_a_watcher_nobody_holds_is_forgotten(service: ShareService, clock: FakeClock) -> None:
    created = await service.create(share_request(clock.now()), OWNER)
    watcher = service.watch(created.share.id)
    assert service.watch(created.share.id) is watcher  # while held, every poll shares it
    del watcher
    gc.collect()
    # The share ran out without a revocation or extension that would have fired it.
    assert len(service._watchers) == 0


async def test_pin_locks_do_not_outlive_the_check(service: ShareService, clock: FakeClock) -> None:
    created = await service.create(share_request(clock.now(), with_pin=True), OWNER)
    with pytest.raises(WrongPin):
        await service.redeem(created.secret, "000000", client="192.0.2.1")
    gc.collect()
    assert len(service._pin_locks) == 0


def _session(number: int, clock: FakeClock) -> ShareSession:
    return ShareSession(f"s{number}", "share", clock.now(), clock.now(), "192.0.2.1")


def test_last_seen_forgets_sessions_idle_beyond_the_timeout(clock: FakeClock) -> None:
    seen = LastSeen(clock, IDLE)
    gone = [_session(n, clock) for n in range(50)]
    for session in gone:
        seen.mark(session, clock.now())
    clock.advance(minutes=31)
    active = _session(999, clock)
    for _ in range(PRUNE_EVERY):
        seen.mark(active, clock.now())
    assert set(seen._seen) == {"s999"}
    # Forgotten entries answer as before: from the stored value, idle beyond the timeout.
    assert clock.now() - seen.get(gone[0]) >= IDLE


def test_last_seen_keeps_sessions_within_the_timeout(clock: FakeClock) -> None:
    seen = LastSeen(clock, IDLE)
    recent = _session(1, clock)
    clock.advance(minutes=10)
    seen.mark(recent, clock.now())
    for _ in range(PRUNE_EVERY):
        seen.mark(_session(2, clock), clock.now())
    assert seen.get(recent) == clock.now()


def test_rate_limit_buckets_of_idle_keys_are_forgotten_once_full(clock: FakeClock) -> None:
    limiter = RateLimiter(clock, capacity=10, per_second=1.0)
    for session in range(100):
        limiter.take(f"session-{session}")
    clock.advance(10)  # every bucket has refilled: the same as no bucket at all
    for _ in range(60):
        limiter.take("busy")
    assert set(limiter._buckets) == {"busy"}
    # A key that comes back gets a full bucket, as it would have had.
    assert all(limiter.allow("session-0") for _ in range(10))
    assert not limiter.allow("session-0")


def test_rate_limit_keeps_spent_buckets(clock: FakeClock) -> None:
    limiter = RateLimiter(clock, capacity=3, per_second=0.1)
    for _ in range(4):
        limiter.take("spent")
    for other in range(10):
        limiter.take(f"other-{other}")
    assert not limiter.allow("spent")


async def test_the_session_cache_keeps_only_look_ups_that_can_still_be_served(
    service: ShareService, clock: FakeClock
) -> None:
    created = await service.create(share_request(clock.now()), OWNER)
    cookies = [
        (await service.redeem(created.secret, None, client="192.0.2.1")).cookie for _ in range(3)
    ]
    for cookie in cookies:
        await service.authenticate(cookie)
    store = service._store
    assert len(store._sessions) == 3
    await service.create(share_request(clock.now()), OWNER)  # a write: every entry is stale
    await service.authenticate(cookies[0])
    assert len(store._sessions) == 1


def _share(share_id: str, at: datetime) -> Share:
    return Share(
        id=share_id, label="x", level=Level.VIEW, created_at=at, starts_at=at,
        expires_at=at + timedelta(hours=1), zones=(), has_pin=False, max_redemptions=None,
    )


def test_saved_revocations_are_forgotten_beyond_a_bound_others_never() -> None:
    revocations = Revocations()
    at = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    revocations.add("refused", at)  # the disk refused it: retried later
    revocations.unsaved(AuditEntry("refused", at, AuditEvent.REVOKED))
    revocations.add("writing", at)  # its write has not returned yet
    for number in range(KEEP * 3):
        revocations.add(f"saved-{number}", at)
        revocations.saved(f"saved-{number}")
    assert len(revocations) == KEEP + 2
    assert sorted(revocations.not_on_disk()) == ["refused", "writing"]
    # The newest saved ones and every one not on disk still overlay a stale read from disk.
    for share_id in (f"saved-{KEEP * 3 - 1}", "refused", "writing"):
        assert revocations.apply(_share(share_id, at)).revoked_at == at
    assert revocations.apply(_share("saved-0", at)).revoked_at is None  # long on disk
