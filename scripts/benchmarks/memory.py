"""Memory and start-up: the add-on's resident memory idle and after load, and the time from
exec to its ready lines (and dss-sim's, reported)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

from scripts.benchmarks.format import Row, mark, mb, megabytes
from scripts.benchmarks.processes import start_addon

READY_STARTS = 3
# Targets (README "Lightweight on the device"; DESIGN.md §5).
TARGET_IDLE_RSS_MB = 45.0
TARGET_READY_S = 1.5


@dataclass
class Memory:
    sim_ready_s: list[float] = field(default_factory=list)
    addon_ready_s: list[float] = field(default_factory=list)
    rss_idle_kib: int | None = None
    rss_after_kib: int | None = None
    hwm_after_kib: int | None = None


async def measure_ready(sim_url: str, scratch: Path, into: Memory) -> None:
    """READY_STARTS starts, each with a fresh data dir (first start: key, schema)."""
    for index in range(READY_STARTS):
        data_dir = scratch / f"ready-{index}"
        async with start_addon(sim_url, data_dir) as addon:
            into.addon_ready_s.append(addon.ready_s)


def memory_rows(memory: Memory) -> list[Row]:
    rows: list[Row] = []
    if memory.rss_idle_kib is not None:
        idle_mb = megabytes(memory.rss_idle_kib)
        rows.append((
            "add-on VmRSS idle (started, 1 share)", "", mb(memory.rss_idle_kib), "", "",
            f"≤ {TARGET_IDLE_RSS_MB:g} MB", mark(idle_mb <= TARGET_IDLE_RSS_MB),
        ))
    if memory.rss_after_kib is not None:
        rows.append((
            "add-on VmRSS after load (VmHWM)", mb(memory.rss_idle_kib),
            f"{mb(memory.rss_after_kib)} ({mb(memory.hwm_after_kib)})", "",
            f"{megabytes(memory.rss_after_kib - (memory.rss_idle_kib or 0)):+.1f} MB",
            "(reported)", "",
        ))
    if memory.addon_ready_s:
        median = statistics.median(memory.addon_ready_s)
        spread = " ".join(f"{value:.2f}" for value in memory.addon_ready_s)
        rows.append((
            f"add-on start → both ready lines (new data dir), median of "
            f"{len(memory.addon_ready_s)}", "",
            f"{median:.2f} s ({spread})", "", "", f"≤ {TARGET_READY_S:g} s",
            mark(median <= TARGET_READY_S),
        ))
    if memory.sim_ready_s:
        spread = " ".join(f"{value:.2f}" for value in memory.sim_ready_s)
        rows.append((
            "dss-sim start → ready line", "", f"{statistics.median(memory.sim_ready_s):.2f} s "
            f"({spread})", "", "", "(reported)", "",
        ))
    return rows
