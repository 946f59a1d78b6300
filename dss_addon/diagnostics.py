"""Opt-in allocation tracing for finding what grows in a long run (scripts/soak.py).

With DSS_ADDON_TRACEMALLOC=<frames> in the environment, `dss-addon serve` traces Python
allocations with that many frames per traceback; SIGUSR2 then writes to stderr the allocation
sites that grew most since the previous report (the first: since start-up), and the same
happens once at exit. A soak sends one SIGUSR2 after the warm-up and reads the next.
Off by default: tracing costs memory and CPU, and the packaged run script never sets it.

With DSS_ADDON_MEMSTATS=1, SIGUSR1 writes one `memstats` line to stderr: where the resident
memory is, as the allocators see it (glibc's bytes in use and free but kept, Python's object
arenas and the bytes in their blocks, SQLite's heap). A soak asks for one with every sample,
which tells memory the add-on holds from memory an allocator keeps after it was freed."""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import ctypes.util
import linecache
import os
import re
import signal
import sys
import tempfile
import tracemalloc
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TextIO

ENV_VAR = "DSS_ADDON_TRACEMALLOC"
MEMSTATS_ENV_VAR = "DSS_ADDON_MEMSTATS"
MEMSTATS_PREFIX = "memstats "
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
    """Starts tracing and the SIGUSR2 / exit reports when ENV_VAR asks for it, and the SIGUSR1
    memstats line when MEMSTATS_ENV_VAR does; True when tracing started."""
    install_memstats_from_env(environ)
    frames = frames_from_env(environ)
    if frames <= 0:
        return False
    global _baseline
    tracemalloc.start(frames)
    _baseline = _snapshot()
    signal.signal(signal.SIGUSR2, lambda _signum, _frame: report())
    atexit.register(report, label="at exit")
    return True


def install_memstats_from_env(environ: Mapping[str, str]) -> bool:
    """Answers SIGUSR1 with one memstats line when MEMSTATS_ENV_VAR is "1"."""
    if environ.get(MEMSTATS_ENV_VAR, "").strip() != "1":
        return False
    signal.signal(signal.SIGUSR1, lambda _signum, _frame: print(
        memstats_line(heap_figures()), file=sys.stderr, flush=True
    ))
    return True


@dataclass(frozen=True)
class HeapFigures:
    """Bytes by allocator; -1 where this platform cannot tell."""

    c_in_use: int  # glibc: handed out by malloc (small blocks and mapped large ones)
    c_free: int  # glibc: freed but kept in its arenas, resident where touched
    py_arenas: int  # Python's object allocator: its arenas (freed only when wholly empty)
    py_used: int  # ... of which in allocated blocks
    sqlite: int  # SQLite's own heap (part of c_in_use)


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
        "fordblks", "keepcost",
    )]


def _glibc_heap() -> tuple[int, int]:
    """(in use, free) over all of glibc's arenas (mallinfo2, glibc 2.33 and later)."""
    try:
        mallinfo2 = ctypes.CDLL(ctypes.util.find_library("c") or None).mallinfo2
    except (OSError, AttributeError):
        return -1, -1
    mallinfo2.restype = _MallInfo2
    info = mallinfo2()
    return int(info.uordblks + info.hblkhd), int(info.fordblks)


_PYMALLOC_FIGURES = {
    "py_arenas": re.compile(r"^\d+ arenas \* \d+ bytes/arena\s*=\s*([\d,]+)$"),
    "py_used": re.compile(r"^# bytes in allocated blocks\s*=\s*([\d,]+)$"),
}


def _pymalloc() -> dict[str, int]:
    """Python's object allocator's arenas and used bytes, from sys._debugmallocstats (which
    writes to the C stderr only, so the descriptor is pointed at a scratch file meanwhile)."""
    figures = dict.fromkeys(_PYMALLOC_FIGURES, -1)
    debug = getattr(sys, "_debugmallocstats", None)
    if debug is None:
        return figures
    sys.stderr.flush()
    with tempfile.TemporaryFile() as scratch:
        saved = os.dup(2)
        try:
            os.dup2(scratch.fileno(), 2)
            debug()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        scratch.seek(0)
        text = scratch.read().decode("ascii", "replace")
    for line in text.splitlines():
        for name, pattern in _PYMALLOC_FIGURES.items():
            match = pattern.match(line.strip())
            if match and figures[name] == -1:
                figures[name] = int(match.group(1).replace(",", ""))
    return figures


def heap_figures() -> HeapFigures:
    c_in_use, c_free = _glibc_heap()
    return HeapFigures(c_in_use, c_free, **_pymalloc(), sqlite=sqlite_memory_used())


def memstats_line(figures: HeapFigures) -> str:
    return MEMSTATS_PREFIX + " ".join(f"{name}={value}" for name, value in asdict(figures).items())


def parse_memstats(line: str) -> HeapFigures | None:
    """The figures of a memstats line; None for any other line."""
    if not line.startswith(MEMSTATS_PREFIX):
        return None
    values: dict[str, int] = {}
    with contextlib.suppress(ValueError, TypeError):  # garbage, or a field missing or unknown
        for pair in line[len(MEMSTATS_PREFIX):].split():
            name, _, value = pair.partition("=")
            values[name] = int(value)
        return HeapFigures(**values)
    return None


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
