"""Which of a previous run's login holds still count (dss/leftovers.py, session_table.py)."""

from __future__ import annotations

from dss_addon.dss.leftovers import still_held
from dss_addon.dss.session_table import live_holds


def test_a_previous_run_s_hold_counts_until_it_ends() -> None:
    assert still_held([99.0, 100.0, 100.5, 250.0], 100.0) == [100.5, 250.0]
    assert still_held([], 100.0) == []


def test_the_session_file_keeps_only_holds_not_ended() -> None:
    holds = {"login 1": 50.0, "login 2": 100.0, "login 3": 180.0}
    assert live_holds(holds, 100.0) == ["login 3"]
    assert live_holds(holds, 10.0) == ["login 1", "login 2", "login 3"]
