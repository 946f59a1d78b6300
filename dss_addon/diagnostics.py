"""Opt-in allocation tracing for finding what grows in a long run (scripts/soak.py).

With DSS_ADDON_TRACEMALLOC=<frames> in the environment, `dss-addon serve` traces Python
allocations with that many frames per traceback; SIGUSR2 then writes to stderr the allocation
sites that grew most since the previous report (the first: since start-up), and the same
happens once at exit. A soak sends one SIGUSR2 after the warm-up and reads the next.
Off by default: tracing costs memory and CPU, and the packaged run script never sets it."""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import linecache
import signal
import sys
import tracemalloc
from collections.abc import Mapping
from typing import TextIO

ENV_VAR = "DSS_ADDON_TRACEMALLOC"
TOP = 25  # allocation sites per report
MAX_FRAMES = 50

_OWN_CODE = "/dss_addon/"
_baseline: tracemalloc.Snapshot | None = None


def frames_from_env(environ: Mapping[str, str]) -> int:
    """0 (off) unless ENV_VAR holds a positive number of frames; garbage counts as off."""
    raw = environ.get(ENV_VAR, "").strip()
    if not raw.isdigit():
        return 0
    return min(int(raw), MAX_FRAMES)


def install_from_env(environ: Mapping[str, str]) -> bool:
    """Starts tracing and the SIGUSR2 / exit reports when ENV_VAR asks for it."""
    frames = frames_from_env(environ)
    if frames <= 0:
        return False
    global _baseline
    tracemalloc.start(frames)
    _baseline = _snapshot()
    signal.signal(signal.SIGUSR2, lambda _signum, _frame: report())
    atexit.register(report, label="at exit")
    return True


def sqlite_memory_used() -> int:
    """Bytes SQLite holds (page caches, statements), which tracemalloc does not see; -1 when
    the library cannot be asked (linked statically into the interpreter, or not found)."""
    name = ctypes.util.find_library("sqlite3")
    try:
        used = ctypes.CDLL(name).sqlite3_memory_used if name else None
    except (OSError, AttributeError):
        return -1
    if used is None:
        return -1
    used.restype = ctypes.c_int64
    return int(used())


def _snapshot() -> tracemalloc.Snapshot:
    # The tracer's own bookkeeping and the import machinery are noise here.
    return tracemalloc.take_snapshot().filter_traces((
        tracemalloc.Filter(False, tracemalloc.__file__),
        tracemalloc.Filter(False, linecache.__file__),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap>"),
        tracemalloc.Filter(False, "<frozen importlib._bootstrap_external>"),
    ))


def growth_report(
    before: tracemalloc.Snapshot, after: tracemalloc.Snapshot, top: int = TOP
) -> list[str]:
    """The `top` allocation sites (whole tracebacks) that grew most from before to after."""
    stats = after.compare_to(before, "traceback")
    lines: list[str] = []
    for stat in stats[:top]:
        if stat.size_diff <= 0:
            break
        lines.append(
            f"{stat.size_diff / 1024:+.1f} KiB ({stat.count_diff:+d} blocks), now "
            f"{stat.size / 1024:.1f} KiB in {stat.count} blocks"
        )
        lines += [f"    {frame}" for frame in _telling_frames(stat.traceback)]
    return lines


def _telling_frames(traceback: tracemalloc.Traceback, ours: int = 4) -> list[str]:
    """The allocating line, then the innermost few lines of the add-on's own code on the way
    there (the frames between are asyncio and library plumbing)."""
    frames = list(reversed(traceback))  # most recent first
    chosen = frames[:1] + [frame for frame in frames[1:] if _OWN_CODE in frame.filename][:ours]
    return [f"{frame.filename}:{frame.lineno}" for frame in chosen]


def report(label: str = "on SIGUSR2", stream: TextIO | None = None) -> None:
    global _baseline
    if _baseline is None or not tracemalloc.is_tracing():
        return
    current, peak = tracemalloc.get_traced_memory()
    out = stream or sys.stderr
    snapshot = _snapshot()
    lines = [
        f"tracemalloc {label}: traced {current / 1e6:.1f} MB (peak {peak / 1e6:.1f} MB), "
        f"SQLite's own heap {sqlite_memory_used() / 1e6:.2f} MB; "
        "growth since the previous report by allocation site:",
        *growth_report(_baseline, snapshot),
        "tracemalloc end",
    ]
    _baseline = snapshot
    print("\n".join(lines), file=out, flush=True)
