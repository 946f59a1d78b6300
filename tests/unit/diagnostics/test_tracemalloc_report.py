"""The opt-in allocation report (dss_addon/diagnostics.py) that scripts/soak.py reads."""

from __future__ import annotations

import tracemalloc

from dss_addon.diagnostics import (
    ENV_VAR,
    MAX_FRAMES,
    MEMSTATS_ENV_VAR,
    frames_from_env,
    growth_report,
    heap_figures,
    install_memstats_from_env,
    memstats_line,
    parse_memstats,
    sqlite_memory_used,
)


def test_tracing_is_off_unless_the_environment_asks() -> None:
    assert frames_from_env({}) == 0
    assert frames_from_env({ENV_VAR: "yes"}) == 0
    assert frames_from_env({ENV_VAR: "-3"}) == 0
    assert frames_from_env({ENV_VAR: "10"}) == 10
    assert frames_from_env({ENV_VAR: "999"}) == MAX_FRAMES


def _grow(into: list[bytes]) -> None:
    into.extend(bytes(1000) for _ in range(200))


def test_the_report_names_the_site_that_grew() -> None:
    kept: list[bytes] = []
    tracemalloc.start(5)
    try:
        before = tracemalloc.take_snapshot()
        _grow(kept)
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    report = growth_report(before, after, top=3)
    assert report[0].startswith("+")
    assert "test_tracemalloc_report.py" in report[1]


def test_sqlite_reports_its_own_heap() -> None:
    import sqlite3

    with sqlite3.connect(":memory:") as conn:
        conn.execute("CREATE TABLE t (x)")
        used = sqlite_memory_used()
    assert used == -1 or used > 0


def test_a_memstats_line_reads_back_and_garbage_does_not() -> None:
    figures = heap_figures()
    assert parse_memstats(memstats_line(figures)) == figures
    assert figures.py_arenas == -1 or figures.py_arenas >= figures.py_used > 0
    assert parse_memstats("memstats c_in_use=1") is None  # fields missing
    assert parse_memstats("memstats c_in_use=x c_free=1 py_arenas=1 py_used=1 sqlite=1") is None
    assert parse_memstats("INFO aiohttp.access: memstats") is None


def test_memstats_are_off_unless_the_environment_asks() -> None:
    assert not install_memstats_from_env({})
    assert not install_memstats_from_env({MEMSTATS_ENV_VAR: "yes"})
