from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from dss_addon.errors import BadInput, NotAuthenticated, ShareLocked, ShareNotFound, WrongPin
from dss_addon.shares.model import ShareState, share_state
from dss_addon.shares.service import ShareService
from tests.support.clock import FakeClock
from tests.support.shares import OWNER, FakeAppTokens, all_shares, open_service, share_request


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


async def events(service: ShareService, share_id: str) -> list[str]:
    return [entry.event for entry in await service.audit_log(share_id)]


async def test_create_issues_an_app_token_and_stores_it_encrypted(
    service: ShareService, clock: FakeClock, app_tokens: FakeAppTokens
) -> None:
    created = await service.create(share_request(clock.now(), with_pin=True), OWNER)
    assert created.pin is not None
    assert len(created.pin) == 6
    assert len(created.secret) == 43
    assert created.share.has_pin
    assert created.share.created_by == "dssadmin"
    assert app_tokens.issued[0][0].startswith(f"dss-share {created.share.id}")
    assert await service.app_token(created.share.id) == app_tokens.issued[0][1]
    assert await service.get(created.share.id) == created.share
    assert await all_shares(service) == [created.share]
    assert await events(service, created.share.id) == ["created"]
    assert created.secret not in repr(created)
    assert created.pin not in repr(created)


async def test_a_refused_app_token_stores_nothing(
    service: ShareService, clock: FakeClock, app_tokens: FakeAppTokens
) -> None:
    app_tokens.fail_issue = True
    with pytest.raises(RuntimeError):
        await service.create(share_request(clock.now()), OWNER)
    assert await all_shares(service) == []


async def test_without_app_tokens_there_is_no_app_token(tmp_path: Path, clock: FakeClock) -> None:
    async with open_service(tmp_path, clock, None) as service:
        created = await service.create(share_request(clock.now()), OWNER)
        assert await service.app_token(created.share.id) is None


async def test_unknown_share_id_is_not_found(service: ShareService) -> None:
    with pytest.raises(ShareNotFound):
        await service.get("nosuchshare")
    with pytest.raises(ShareNotFound):
        await service.revoke("nosuchshare", actor="owner")


async def test_redeem_opens_a_session_and_authenticate_finds_it(
    service: ShareService, clock: FakeClock
) -> None:
    created = await service.create(share_request(clock.now()), OWNER)
    redemption = await service.redeem(created.secret, None, client="192.0.2.7")
    assert redemption.share.redemptions == 1
    assert redemption.share.last_used_at == clock.now()
    assert redemption.session.client == "192.0.2.7"
    assert redemption.cookie != created.secret
    assert len(redemption.cookie) == 43
    share, session = await service.authenticate(redemption.cookie)
    assert share.id == created.share.id
    assert session.id == redemption.session.id
    assert await service.live_sessions(share.id) == 1
    assert await events(service, share.id) == ["created", "opened"]


@pytest.mark.parametrize("secret", ["", "x", "A" * 43, "A" * 5000])
async def test_unknown_secrets_are_not_found(service: ShareService, secret: str) -> None:
    with pytest.raises(ShareNotFound):
        await service.redeem(secret, None, client="c")


@pytest.mark.parametrize("case", ["expired", "revoked", "ended", "used_up", "scheduled"])
async def test_unusable_shares_answer_exactly_like_unknown_ones(
    service: ShareService, clock: FakeClock, case: str
) -> None:
    starts_in = timedelta(hours=1) if case == "scheduled" else timedelta(0)
    created = await service.create(
        share_request(clock.now(), starts_in=starts_in, max_redemptions=1), OWNER
    )
    if case == "expired":
        clock.advance(hours=5)
    elif case == "revoked":
        await service.revoke(created.share.id, actor="owner")
    elif case == "ended":
        first = await service.redeem(created.secret, None, client="c")
        await service.end_by_helper(first.cookie, client="c")
        await service.releases.done()
    elif case == "used_up":
        await service.redeem(created.secret, None, client="c")
    with pytest.raises(ShareNotFound) as refused:
        await service.redeem(created.secret, None, client="c")
    with pytest.raises(ShareNotFound) as unknown:
        await service.redeem("B" * 43, None, client="c")
    assert refused.value.message == unknown.value.message
    assert refused.value.code == unknown.value.code
    assert (await events(service, created.share.id))[-1] == "redeem_refused"
    if case == "scheduled":  # its holder learns when it starts (issue 10, item 4)
        assert (await service.preview(created.secret)).id == created.share.id
        return
    with pytest.raises(ShareNotFound) as previewed:
        await service.preview(created.secret)
    assert previewed.value.message == unknown.value.message


async def test_preview_shows_a_share_without_counting_or_auditing(
    service: ShareService, clock: FakeClock
) -> None:
    created = await service.create(share_request(clock.now(), max_redemptions=1), OWNER)
    for _ in range(3):
        assert (await service.preview(created.secret)).id == created.share.id
    assert (await service.get(created.share.id)).redemptions == 0
    assert await events(service, created.share.id) == ["created"]
    with pytest.raises(ShareNotFound):
        await service.preview("B" * 43)
    await service.redeem(created.secret, None, client="c")
    with pytest.raises(ShareNotFound):
        await service.preview(created.secret)


async def test_a_scheduled_share_opens_at_its_start(
    service: ShareService, clock: FakeClock
) -> None:
    created = await service.create(share_request(clock.now(), starts_in=timedelta(hours=1)), OWNER)
    with pytest.raises(ShareNotFound):
        await service.redeem(created.secret, None, client="c")
    clock.advance(hours=1)
    assert (await service.redeem(created.secret, None, client="c")).share.redemptions == 1


async def test_pin_missing_wrong_malformed_and_right(
    service: ShareService, clock: FakeClock
) -> None:
    created = await service.create(share_request(clock.now(), with_pin=True), OWNER)
    assert created.pin is not None
    wrong = f"{(int(created.pin) + 1) % 1_000_000:06d}"
    with pytest.raises(WrongPin) as missing:
        await service.redeem(created.secret, None, client="c")
    assert missing.value.tries_left == 5  # asking costs no try
    with pytest.raises(BadInput) as malformed:
        await service.redeem(created.secret, "12ab", client="c")
    assert malformed.value.field == "pin"
    with pytest.raises(WrongPin) as failed:
        await service.redeem(created.secret, wrong, client="c")
    assert failed.value.tries_left == 4
    redemption = await service.redeem(created.secret, created.pin, client="c")
    assert redemption.share.pin_failures == 1
    assert await events(service, created.share.id) == ["created", "pin_failed", "opened"]


async def test_five_wrong_pins_lock_the_share_even_for_the_right_pin(
    service: ShareService, clock: FakeClock
) -> None:
    created = await service.create(share_request(clock.now(), with_pin=True), OWNER)
    assert created.pin is not None
    wrong = f"{(int(created.pin) + 1) % 1_000_000:06d}"
    tries = []
    for _ in range(4):
        with pytest.raises(WrongPin) as failed:
            await service.redeem(created.secret, wrong, client="c")
        tries.append(failed.value.tries_left)
    assert tries == [4, 3, 2, 1]
    with pytest.raises(ShareLocked):
        await service.redeem(created.secret, wrong, client="c")
    with pytest.raises(ShareLocked):
        await service.redeem(created.secret, created.pin, client="c")
    share = await service.get(created.share.id)
    assert share_state(share, clock.now()) is ShareState.LOCKED
    assert (await events(service, share.id))[-3:] == ["pin_failed", "locked", "redeem_refused"]


async def test_a_locked_share_keeps_its_live_sessions(
    service: ShareService, clock: FakeClock
) -> None:
    created = await service.create(share_request(clock.now(), with_pin=True), OWNER)
    assert created.pin is not None
    redemption = await service.redeem(created.secret, created.pin, client="c")
    wrong = f"{(int(created.pin) + 1) % 1_000_000:06d}"
    for _ in range(4):
        with pytest.raises(WrongPin):
            await service.redeem(created.secret, wrong, client="attacker")
    with pytest.raises(ShareLocked):
        await service.redeem(created.secret, wrong, client="attacker")
    share, _ = await service.authenticate(redemption.cookie)
    assert share_state(share, clock.now()) is ShareState.LOCKED


async def test_unknown_and_malformed_cookies_are_not_authenticated(
    service: ShareService,
) -> None:
    for cookie in ["", "A" * 43, "A" * 1000]:
        with pytest.raises(NotAuthenticated):
            await service.authenticate(cookie)


async def test_authenticate_leaves_usability_to_the_policy(
    service: ShareService, clock: FakeClock
) -> None:
    created = await service.create(share_request(clock.now(), lasts=timedelta(minutes=10)), OWNER)
    redemption = await service.redeem(created.secret, None, client="c")
    clock.advance(minutes=11)
    share, _ = await service.authenticate(redemption.cookie)
    assert share_state(share, clock.now()) is ShareState.EXPIRED


async def test_idle_sessions_expire_and_are_audited(
    service: ShareService, clock: FakeClock
) -> None:
    created = await service.create(share_request(clock.now()), OWNER)
    redemption = await service.redeem(created.secret, None, client="c")
    clock.advance(minutes=29)
    await service.authenticate(redemption.cookie)  # seen: the idle time starts again
    clock.advance(minutes=29)
    assert await service.live_sessions(created.share.id) == 1
    await service.authenticate(redemption.cookie)
    clock.advance(minutes=30)
    assert await service.live_sessions(created.share.id) == 0
    with pytest.raises(NotAuthenticated):
        await service.authenticate(redemption.cookie)
    with pytest.raises(NotAuthenticated):
        await service.authenticate(redemption.cookie)
    assert (await events(service, created.share.id)).count("session_expired") == 1


async def test_last_seen_is_written_at_most_once_a_minute(
    service: ShareService, clock: FakeClock
) -> None:
    created = await service.create(share_request(clock.now()), OWNER)
    redemption = await service.redeem(created.secret, None, client="c")
    opened_at = redemption.session.last_seen_at
    store = service._store
    for _ in range(5):
        clock.advance(10)
        _, session = await service.authenticate(redemption.cookie)
        assert session.last_seen_at == clock.now()  # current in memory
    [stored] = await store.open_sessions(created.share.id)
    assert stored.last_seen_at == opened_at  # 50 s: not written yet
    clock.advance(10)
    await service.authenticate(redemption.cookie)
    [stored] = await store.open_sessions(created.share.id)
    assert stored.last_seen_at == clock.now()
    assert (await service.get(created.share.id)).last_used_at == clock.now()


async def test_revoke_is_idempotent_ends_sessions_and_releases_the_app_token(
    service: ShareService, clock: FakeClock, app_tokens: FakeAppTokens
) -> None:
    created = await service.create(share_request(clock.now()), OWNER)
    redemption = await service.redeem(created.secret, None, client="c")
    watcher = service.watch(created.share.id)
    clock.advance(60)
    revocation = await service.revoke(created.share.id, actor="dssadmin")
    revoked = revocation.share
    assert revoked.revoked_at == clock.now()
    assert revocation.saved
    assert watcher.is_set()
    again = await service.revoke(created.share.id, actor="dssadmin")
    assert again == revocation
    assert app_tokens.revoked == [app_tokens.issued[0][1]]
    assert await service.app_token(created.share.id) is None
    with pytest.raises(NotAuthenticated):
        await service.authenticate(redemption.cookie)
    assert await service.live_sessions(created.share.id) == 0
    assert (await events(service, created.share.id)).count("revoked") == 1


async def test_a_failed_app_token_revocation_is_audited_and_retried(
    service: ShareService, clock: FakeClock, app_tokens: FakeAppTokens
) -> None:
    created = await service.create(share_request(clock.now()), OWNER)
    app_tokens.fail_revoke = True
    revoked = (await service.revoke(created.share.id, actor="dssadmin")).share
    assert share_state(revoked, clock.now()) is ShareState.REVOKED
    assert (await events(service, created.share.id))[-1] == "app_token_revoke_failed"
    assert await service.app_token(created.share.id) is not None
    app_tokens.fail_revoke = False
    await service.revoke(created.share.id, actor="dssadmin")
    assert app_tokens.revoked == [app_tokens.issued[0][1]]
    assert await service.app_token(created.share.id) is None


async def test_extend_moves_the_end_and_wakes_watchers_once_per_generation(
    service: ShareService, clock: FakeClock
) -> None:
    created = await service.create(share_request(clock.now()), OWNER)
    first = service.watch(created.share.id)
    assert service.watch(created.share.id) is first
    later = created.share.expires_at + timedelta(hours=2)
    extended = await service.extend(created.share.id, later, actor="dssadmin")
    assert extended.expires_at == later
    assert first.is_set()
    second = service.watch(created.share.id)
    assert second is not first
    assert not second.is_set()
    assert (await events(service, created.share.id))[-1] == "extended"


async def test_extend_refuses_earlier_ends_too_far_and_final_shares(
    service: ShareService, clock: FakeClock
) -> None:
    created = await service.create(share_request(clock.now()), OWNER)
    share_id, end = created.share.id, created.share.expires_at
    with pytest.raises(BadInput):
        await service.extend(share_id, end - timedelta(minutes=1), actor="o")
    with pytest.raises(BadInput):
        await service.extend(share_id, clock.now() + timedelta(days=31), actor="o")
    await service.revoke(share_id, actor="o")
    with pytest.raises(BadInput):
        await service.extend(share_id, end + timedelta(hours=1), actor="o")


async def test_an_expired_share_can_be_extended(service: ShareService, clock: FakeClock) -> None:
    created = await service.create(share_request(clock.now(), lasts=timedelta(hours=1)), OWNER)
    clock.advance(hours=2)
    extended = await service.extend(created.share.id, clock.now() + timedelta(hours=1), actor="o")
    assert share_state(extended, clock.now()) is ShareState.ACTIVE
    assert (await service.redeem(created.secret, None, client="c")).share.redemptions == 1


async def test_job_done_ends_the_share_for_everyone(
    service: ShareService, clock: FakeClock, app_tokens: FakeAppTokens
) -> None:
    created = await service.create(share_request(clock.now()), OWNER)
    one = await service.redeem(created.secret, None, client="a")
    two = await service.redeem(created.secret, None, client="b")
    watcher = service.watch(created.share.id)
    ended = await service.end_by_helper(one.cookie, client="a")
    assert share_state(ended, clock.now()) is ShareState.ENDED
    assert watcher.is_set()
    await service.releases.done()  # the app token is released in the background
    assert app_tokens.revoked == [app_tokens.issued[0][1]]
    for cookie in (one.cookie, two.cookie):
        with pytest.raises(NotAuthenticated):
            await service.authenticate(cookie)
    entries = await service.audit_log(created.share.id)
    assert entries[-1].event == "ended"
    assert entries[-1].session_id == one.session.id
    assert entries[-1].client == "a"


async def test_audit_entries_carry_call_decisions(service: ShareService, clock: FakeClock) -> None:
    created = await service.create(share_request(clock.now()), OWNER)
    service.audit(
        created.share.id,
        "call",
        call="zone/callScene",
        allowed=True,
        reason="ok",
        client="c",
        session_id="s1",
    )
    service.audit(
        created.share.id,
        "denied",
        call="system/login",
        allowed=False,
        reason="always blocked",
        client="c",
        session_id="s1",
    )
    entries = await service.audit_log(created.share.id)
    assert [(e.event, e.call, e.allowed) for e in entries[1:]] == [
        ("call", "zone/callScene", True),
        ("denied", "system/login", False),
    ]
    assert entries[0].allowed is None
    assert entries[0].at == clock.now()


async def test_release_app_tokens_frees_final_and_long_expired_shares_only(
    service: ShareService, clock: FakeClock, app_tokens: FakeAppTokens
) -> None:
    live = await service.create(share_request(clock.now(), lasts=timedelta(days=10)), OWNER)
    short = await service.create(share_request(clock.now(), lasts=timedelta(hours=1)), OWNER)
    failed = await service.create(share_request(clock.now(), lasts=timedelta(days=10)), OWNER)
    app_tokens.fail_revoke = True
    await service.revoke(failed.share.id, actor="o")
    app_tokens.fail_revoke = False
    clock.advance(hours=2)
    assert await service.release_app_tokens() == 1  # the failed revocation, retried
    clock.advance(hours=24 * 7)
    assert await service.release_app_tokens() == 1  # expired for a week now
    assert await service.release_app_tokens() == 0
    assert await service.app_token(live.share.id) is not None
    assert await service.app_token(short.share.id) is None
    assert await service.app_token(failed.share.id) is None
