"""How long close_all lets logins under way answer (dss/upstream.py)."""

from __future__ import annotations

from dss_addon.dss.upstream import CLOSE_RESERVE, login_grace


def test_logins_get_one_call_s_time_without_a_deadline() -> None:
    assert login_grace(10.0, None, again=False) == 10.0


def test_the_deadline_keeps_a_reserve_for_the_logouts() -> None:
    assert login_grace(10.0, 3.0, again=False) == 3.0 - CLOSE_RESERVE
    assert login_grace(10.0, 30.0, again=False) == 10.0
    assert login_grace(10.0, CLOSE_RESERVE / 2, again=False) == 0.0


def test_a_second_close_waits_for_no_login() -> None:
    assert login_grace(10.0, None, again=True) == 0.0
    assert login_grace(10.0, 5.0, again=True) == 0.0
