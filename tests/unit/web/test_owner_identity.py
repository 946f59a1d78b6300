"""The owner identity cache, owner sessions and CSRF tokens (no network)."""

from __future__ import annotations

import pytest

from dss_addon.errors import CsrfFailed
from dss_addon.web.owner.csrf import CsrfGuard
from dss_addon.web.owner.identity import IdentityCache, OwnerSessions, digest
from tests.support.clock import FakeClock


def test_cache_answers_until_the_ttl_passes() -> None:
    clock = FakeClock()
    cache = IdentityCache(clock, ttl=10)
    cache.store("k", "dssadmin")
    clock.advance(9.9)
    assert cache.lookup("k") == (True, "dssadmin")
    clock.advance(0.1)
    assert cache.lookup("k") == (False, None)


def test_cache_remembers_refusals_too() -> None:
    cache = IdentityCache(FakeClock(), ttl=10)
    cache.store("k", None)
    assert cache.lookup("k") == (True, None)


def test_cache_is_bounded() -> None:
    cache = IdentityCache(FakeClock(), ttl=10, size=3)
    for key in "abcd":
        cache.store(key, "dssadmin")
    assert cache.lookup("a") == (False, None)
    assert cache.lookup("d") == (True, "dssadmin")


def test_owner_sessions_expire_when_idle_and_are_bounded() -> None:
    clock = FakeClock()
    sessions = OwnerSessions(clock, idle=60)
    cookie, evicted = sessions.open("dssadmin", "dss-token-1")
    assert evicted == []
    session = sessions.find(digest(cookie))
    assert session is not None
    assert session.dss_token == "dss-token-1"
    clock.advance(60)
    assert sessions.find(digest(cookie)) is None
    pushed_out: list[str] = []
    for n in range(20):
        pushed_out += sessions.open("dssadmin", f"t{n}")[1]
    assert pushed_out == ["t0", "t1", "t2", "t3"]


def test_csrf_tokens_are_bound_to_the_credential() -> None:
    guard = CsrfGuard()
    token = guard.token_for("dss:aaa")
    guard.check("dss:aaa", token)
    for presented in (None, "", token.upper(), guard.token_for("dss:bbb"), 42):
        with pytest.raises(CsrfFailed):
            guard.check("dss:aaa", presented)
    assert CsrfGuard().token_for("dss:aaa") != token  # a per-process key


def test_login_form_token() -> None:
    guard = CsrfGuard()
    guard.check_login(guard.login_token())
    with pytest.raises(CsrfFailed):
        guard.check_login("0" * 64)
