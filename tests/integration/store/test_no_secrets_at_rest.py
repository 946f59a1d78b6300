import logging
from pathlib import Path

import pytest

from dss_addon.errors import AddonError, WrongPin
from tests.support.clock import FakeClock
from tests.support.shares import OWNER, FakeAppTokens, open_service, share_request


def db_bytes(data_dir: Path) -> bytes:
    return b"".join(
        path.read_bytes() for path in sorted(data_dir.glob("addon.db*")) if path.is_file()
    )


async def test_no_secret_pin_cookie_or_token_reaches_the_disk_or_the_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = FakeClock()
    app_tokens = FakeAppTokens()
    raw: list[str] = []
    messages: list[str] = []
    async with open_service(tmp_path, clock, app_tokens) as service:
        created = await service.create(share_request(clock.now(), with_pin=True), OWNER)
        assert created.pin is not None
        raw += [created.secret, created.pin, app_tokens.issued[0][1], OWNER.dss_token]
        wrong = f"{(int(created.pin) + 1) % 1_000_000:06d}"
        with pytest.raises(WrongPin) as failed:
            await service.redeem(created.secret, wrong, client="203.0.113.9")
        messages.append(str(failed.value))
        redemption = await service.redeem(created.secret, created.pin, client="203.0.113.9")
        raw.append(redemption.cookie)
        messages += [repr(created), repr(redemption), repr(OWNER)]
        clock.advance(90)
        share, session = await service.authenticate(redemption.cookie)
        service.audit(
            share.id,
            "call",
            call="zone/callScene",
            allowed=True,
            client="203.0.113.9",
            session_id=session.id,
        )
        await service.extend(share.id, share.expires_at.replace(hour=23), actor="dssadmin")
        await service._store.flush()
        during = db_bytes(tmp_path)  # the WAL holds the recent pages now
        app_tokens.fail_revoke = True
        await service.revoke(share.id, actor="dssadmin")
        for attempt in (created.secret, redemption.cookie):
            try:
                await service.authenticate(attempt)
            except AddonError as err:
                messages.append(str(err))
        assert len(await service.audit_log(share.id)) >= 6
    after = db_bytes(tmp_path)
    logs = caplog.text + "\n".join(messages)
    for value in raw:
        for encoded in {value.encode(), value.encode("utf-16-le")}:
            assert encoded not in during
            assert encoded not in after
        assert value not in logs
