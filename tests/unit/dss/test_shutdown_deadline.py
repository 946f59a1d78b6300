"""What is left of the shutdown's time (session_table.time_left, runtime.ShutdownDeadline)."""

from __future__ import annotations

from dss_addon.dss.session_table import time_left
from dss_addon.runtime import ShutdownDeadline


def test_no_deadline_leaves_all_the_time() -> None:
    assert time_left(None, 100.0) is None


def test_time_left_counts_down_and_stops_at_zero() -> None:
    assert time_left(10.0, 7.5) == 2.5
    assert time_left(10.0, 10.0) == 0.0
    assert time_left(10.0, 12.0) == 0.0


async def test_the_earliest_shutdown_deadline_holds() -> None:
    shutdown = ShutdownDeadline()
    assert shutdown.left() is None  # not shutting down yet
    shutdown.start(1.0)  # serve at SIGTERM
    shutdown.start(60.0)  # the runtime's own close, later: does not extend it
    left = shutdown.left()
    assert left is not None
    assert 0.0 < left <= 1.0
    shutdown.start(0.0)
    assert shutdown.left() == 0.0

