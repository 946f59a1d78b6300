"""How the table writes values: milliseconds, megabytes, marks, and the machine line."""

from __future__ import annotations

import os


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def megabytes(kib: int) -> float:
    """/proc reports kB meaning KiB; targets are in MB (10^6 bytes)."""
    return kib * 1024 / 1e6


def mb(kib: int | None) -> str:
    return "n/a" if kib is None else f"{megabytes(kib):.1f} MB"


def mark(ok: bool) -> str:
    return "✓" if ok else "✗"


Row = tuple[str, str, str, str, str, str, str]


def nproc() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0

