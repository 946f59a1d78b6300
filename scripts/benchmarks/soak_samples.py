"""What the soak samples over time (the add-on's resident memory, descriptors and threads, the
dSS's sessions, the database and its WAL, the audit rows), the table it prints, and the
judgement whether resident memory levelled off."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dss_addon.diagnostics import HeapFigures
from scripts.benchmarks.format import megabytes
from scripts.benchmarks.processes import rss_kib

# "Levels off": over the last third of the run, resident memory grows by at most this many MB
# per hour (the first third, start-up and warm-up, is shown for comparison). Not a ratio to the
# first third: one large warm-up step would excuse any later growth.
LEVEL_MB_PER_HOUR = 2.0


@dataclass(frozen=True)
class Sample:
    at_s: float  # seconds since the load started
    clock_h: float  # hours on the add-on's (accelerated) clock
    rss_kib: int
    fds: int
    threads: int
    dss_sessions: int | None
    db_bytes: int
    wal_bytes: int
    audit_rows: int | None
    requests: int  # answers the load got so far
    anon_kib: int  # RssAnon: the resident memory that is the add-on's own (not mapped files)
    heap: HeapFigures | None  # the add-on's memstats line at this sample, if it answered


def descriptors(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def status_field(pid: int, name: str) -> int:
    """A number from /proc/<pid>/status (`Threads`, `RssAnon` in KiB, ...); -1 if unknown."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{name}:"):
                return int(line.split()[1])
    return -1


def file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def audit_rows(db: Path) -> int | None:
    """Rows in the audit table, read-only next to the running add-on (WAL lets both read)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)) as conn:
            row = conn.execute("SELECT count(*) FROM audit").fetchone()
    except sqlite3.Error:
        return None
    return int(row[0])


def process_figures(pid: int) -> tuple[int, int, int, int]:
    """(VmRSS KiB of the add-on process alone, its RssAnon KiB, descriptors, threads)."""
    return (
        rss_kib(pid)[0], status_field(pid, "RssAnon"), descriptors(pid),
        status_field(pid, "Threads"),
    )


def slope_mb_per_hour(samples: Sequence[Sample]) -> float:
    """Resident memory's growth over real time in MB per hour: the median of the slopes between
    every two samples (Theil-Sen), so one passing spike (a large answer being built while the
    sample was taken) neither hides nor fakes a trend."""
    slopes = [
        (megabytes(b.rss_kib) - megabytes(a.rss_kib)) / ((b.at_s - a.at_s) / 3600)
        for i, a in enumerate(samples)
        for b in samples[i + 1 :]
        if b.at_s > a.at_s
    ]
    return statistics.median(slopes) if slopes else 0.0


@dataclass(frozen=True)
class Verdict:
    first_slope: float  # MB/h over the first third
    last_slope: float  # MB/h over the last third
    levels_off: bool


def judge(samples: Sequence[Sample]) -> Verdict | None:
    """None with fewer than 6 samples (two per third): too short to say."""
    if len(samples) < 6:
        return None
    third = len(samples) // 3
    first = slope_mb_per_hour(samples[: third + 1])
    last = slope_mb_per_hour(samples[-(third + 1) :])
    ok = last <= LEVEL_MB_PER_HOUR
    return Verdict(first, last, ok)


def render(samples: Sequence[Sample]) -> list[str]:
    header = (
        "t (min)", "clock (h)", "VmRSS MB", "anon MB", "C heap MB", "C free MB", "Py MB",
        "fds", "threads", "dSS sessions", "db MB", "WAL MB", "audit rows", "requests",
    )
    rows = [header]
    for s in samples:
        rows.append((
            f"{s.at_s / 60:.1f}", f"{s.clock_h:.1f}", f"{megabytes(s.rss_kib):.1f}",
            f"{megabytes(s.anon_kib):.1f}", *_heap_columns(s.heap), str(s.fds),
            str(s.threads), "n/a" if s.dss_sessions is None else str(s.dss_sessions),
            f"{s.db_bytes / 1e6:.2f}", f"{s.wal_bytes / 1e6:.2f}",
            "n/a" if s.audit_rows is None else str(s.audit_rows), str(s.requests),
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [" | ".join(value.rjust(width) for value, width in zip(row, widths, strict=True))
             for row in rows]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return lines


def _heap_columns(heap: HeapFigures | None) -> tuple[str, str, str]:
    """glibc's bytes in use and kept free, and Python's arenas / bytes in use within them."""
    if heap is None:
        return "n/a", "n/a", "n/a"

    def mb(value: int) -> str:
        return "n/a" if value < 0 else f"{value / 1e6:.1f}"

    return mb(heap.c_in_use), mb(heap.c_free), f"{mb(heap.py_arenas)}/{mb(heap.py_used)}"


def verdict_line(verdict: Verdict | None) -> str:
    if verdict is None:
        return "resident memory: too few samples to judge"
    word = "levels off" if verdict.levels_off else "still grows"
    return (
        f"resident memory {word}: {verdict.first_slope:+.1f} MB/h over the first third, "
        f"{verdict.last_slope:+.1f} MB/h over the last third (levels off: ≤ "
        f"{LEVEL_MB_PER_HOUR:g} MB/h over the last third)"
    )
