"""The pure parts of issue 8's session handling: the budget of the dSS's session map, the login
back-off, and the sealed file of open session tokens."""

from __future__ import annotations

import random
from pathlib import Path

from dss_addon.dss.session_file import SESSION_FILE, SessionFile
from dss_addon.dss.sessions import (
    BACKOFF_FIRST,
    BACKOFF_MAX,
    DSS_SESSION_TIMEOUT,
    DSS_SWEEP_INTERVAL,
    PHANTOM_HOLD,
    LoginBackoff,
    SessionBudget,
    login_hold_until,
)
from dss_addon.shares.vault import TokenVault

TOKEN = "a" * 64


def test_charges_lapse_and_count_a_token_once() -> None:
    budget = SessionBudget()
    budget.charge(TOKEN, PHANTOM_HOLD)
    budget.charge(TOKEN, 10.0)  # presented again: still one entry, the later expiry kept
    budget.charge("b" * 64, float("inf"))
    assert budget.charged(0.0) == 2
    assert budget.next_expiry(0.0) == PHANTOM_HOLD
    assert budget.charged(PHANTOM_HOLD) == 1
    budget.release("b" * 64)
    assert budget.charged(PHANTOM_HOLD) == 0
    assert budget.next_expiry(PHANTOM_HOLD) is None


def test_a_login_without_answer_is_counted_until_the_dss_would_have_swept_its_session() -> None:
    # Sent at 100 s, answered at the latest 30 s later: the dSS may open the session as late
    # as that, and keeps it for its idle timeout and until the sweep after it.
    until = login_hold_until(100.0, 30.0)
    assert until >= 100.0 + 30.0 + DSS_SESSION_TIMEOUT + DSS_SWEEP_INTERVAL
    budget = SessionBudget()
    budget.charge("login 1", until)
    assert budget.charged(until - 1.0) == 1
    assert budget.charged(until) == 0
    budget.charge("login 2", until)
    budget.release("login 2")  # answered: the session is counted as open instead
    assert budget.charged(100.0) == 0


def test_one_share_refused_backs_off_alone_with_growing_jittered_pauses() -> None:
    backoff = LoginBackoff(random.Random(7))
    waits = []
    now = 0.0
    for _ in range(10):
        backoff.refused("s1", now)
        waits.append(backoff.wait("s1", now))
        assert backoff.wait("s2", now) == 0.0  # a revoked share does not hold up the others
        now += waits[-1]
    assert BACKOFF_FIRST / 2 <= waits[0] <= BACKOFF_FIRST
    assert waits[3] > waits[0]
    assert max(waits) <= BACKOFF_MAX
    backoff.succeeded("s1")
    assert backoff.wait("s1", now) == 0.0


def test_several_shares_refused_or_no_answer_back_off_everyone() -> None:
    backoff = LoginBackoff(random.Random(7))
    backoff.refused("s1", 0.0)
    backoff.refused("s2", 0.0)  # two shares refused in a row: the dSS's session limit
    assert backoff.wait("s3", 0.0) > 0.0
    backoff.succeeded("s3")
    assert backoff.wait("s3", 0.0) == 0.0
    backoff.unreachable(0.0)
    assert backoff.wait("s4", 0.0) > 0.0


async def test_the_session_file_keeps_tokens_sealed(tmp_path: Path) -> None:
    vault = TokenVault.open(tmp_path)
    path = tmp_path / SESSION_FILE
    await SessionFile(path, vault).save([TOKEN, "b" * 64])
    assert TOKEN not in path.read_text("utf-8")
    assert path.stat().st_mode & 0o077 == 0
    assert await SessionFile(path, vault).load() == [TOKEN, "b" * 64]
    other = TokenVault.open(tmp_path / "elsewhere")
    assert await SessionFile(path, other).load() == []  # not ours: skipped, not fatal
    path.write_text("{broken", "utf-8")
    assert await SessionFile(path, vault).load() == []


async def test_the_session_file_keeps_login_holds_beside_the_tokens(tmp_path: Path) -> None:
    vault = TokenVault.open(tmp_path)
    path = tmp_path / SESSION_FILE
    await SessionFile(path, vault).save([TOKEN], [1_800_000_000.5])
    assert '{"held_until": 1800000000.5}' in path.read_text("utf-8")  # a time, no secret
    left = await SessionFile(path, vault).load_all()
    assert (left.tokens, left.held_until) == ([TOKEN], [1_800_000_000.5])
    assert await SessionFile(path, vault).load() == [TOKEN]
    path.write_text('[{"held_until": true}, {"held_until": "soon"}]', "utf-8")
    assert (await SessionFile(path, vault).load_all()).held_until == []  # malformed: skipped
