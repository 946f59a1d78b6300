"""How long a login whose answer never came is counted (dss/sessions.py)."""

from __future__ import annotations

from dss_addon.dss.sessions import (
    DSS_SESSION_TIMEOUT,
    DSS_SWEEP_INTERVAL,
    LOST_LOGIN_HOLD,
    login_hold_until,
    lost_login_hold,
)


def test_the_default_hold_is_the_default_timeout_and_a_sweep() -> None:
    assert lost_login_hold() == LOST_LOGIN_HOLD > DSS_SESSION_TIMEOUT + DSS_SWEEP_INTERVAL


def test_a_longer_dss_timeout_holds_longer() -> None:
    assert lost_login_hold(600.0) == LOST_LOGIN_HOLD + 420.0
    assert login_hold_until(100.0, 30.0, 600.0) == 130.0 + lost_login_hold(600.0)


def test_a_shorter_dss_timeout_never_shortens_the_hold() -> None:
    assert lost_login_hold(60.0) == LOST_LOGIN_HOLD
    assert login_hold_until(0.0, 30.0, 60.0) == login_hold_until(0.0, 30.0)
