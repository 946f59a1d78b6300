"""The one table the bench prints: the latency rows (latency.py), then memory, start-up, policy
and store rows, under a header that says how it was measured."""

from __future__ import annotations

import argparse
import os
import platform
from collections.abc import Sequence
from datetime import UTC, datetime

from scripts.benchmarks.client import SESSION_BUDGET
from scripts.benchmarks.device import device_rows
from scripts.benchmarks.format import nproc
from scripts.benchmarks.latency import ROUNDS, latency_rows
from scripts.benchmarks.memory import memory_rows
from scripts.benchmarks.run import Results
from scripts.benchmarks.store import MANY_SHARES, in_process_rows

DEVICE_ABOUT = [
    "device: each package built, installed into an emulated dSS root, its runit run script "
    "started under qemu-user (chroot)",
    "        against a native dss-sim; start → ready = exec to both ready lines, VmRSS 2 s later "
    "(includes the emulator);",
    "        installed = the package's files in the root; native idle = dss-addon serve from the "
    "venv on this machine.",
]


def render(results: Results, args: argparse.Namespace) -> str:
    header = (
        "measurement", "baseline", "measured", "ratio", "added", "target", "ok",
    )
    rows = [
        header,
        *latency_rows(results.cells),
        *memory_rows(results.memory),
        *(in_process_rows(results.in_process) if results.in_process else []),
        *results.extra_rows,
        *(device_rows(results.device) if results.device else []),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = [row[0].ljust(widths[0])]
        cells += [value.rjust(width) for value, width in zip(row[1:5], widths[1:5], strict=True)]
        cells += [row[5].ljust(widths[5]), row[6]]
        return " | ".join(cells).rstrip()

    rule = "-+-".join("-" * width for width in widths)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    about = [] if results.device else [
        f"requests per cell and way: {args.requests_c1} at c=1, {args.requests_c32} at c=32, "
        f"in {ROUNDS} rounds alternating direct/proxied, after a warm-up; keep-alive pools",
        "baseline: latency rows = direct client → dss-sim, measured rows = client → add-on share "
        "site /json/... → dss-sim;",
        "          req/s rows: added = add-on CPU time (all threads) per proxied request;",
        f"          proxied requests use {results.share_sessions} sessions of one view share, "
        f"≤ {SESSION_BUDGET} requests each (the add-on throttles a session beyond a burst of 120 "
        "at 20/s);",
        "          VmRSS after load = idle; decide()/authenticate() = 1 share stored. Client, "
        "dss-sim and add-on share the machine.",
    ]
    out = [
        f"dss-share bench  {now}  machine: {os.cpu_count()} cores (nproc {nproc()}), "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}",
        *about,
        *(DEVICE_ABOUT if results.device else []),
        "",
        line(header),
        rule,
        *(line(row) for row in rows[1:]),
    ]
    if results.in_process is not None:
        out.append(
            f"set-up of the {MANY_SHARES:,}-share store: {MANY_SHARES:,} shares created and "
            f"redeemed through ShareService in {results.in_process.fill_s:.1f} s (one durable "
            "commit each); decide() = slowest median of apartment/getName, getStructure and a "
            "zone-restricted device/turnOn; in-process timings pinned to one CPU"
        )
    out += [f"not run: {what}" for what in results.not_run]
    return "\n".join(out)


