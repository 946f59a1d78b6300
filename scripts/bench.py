"""Measures the add-on's overhead against a baseline taken in the same run, and prints one table.

What it starts: `dss-sim` and `dss-addon serve` as subprocesses, through their console scripts in
the venv, exactly as the README runs them (DESIGN.md §4). It drives them only through the public
contracts: readiness lines, the owner API, `/s/redeem` and the proxied `/json/...` on the share
site. The policy and share-lookup timings run in this process against a store in a temp dir.

Targets are printed next to the values with ✓/✗. The bench reports, it does not assert: it exits 0
when a target is missed, and non-zero only when it could not run (a process did not come up, a
request path did not work, a module is missing).

Run it through `scripts/bench` (which runs `scripts/setup` first, then `python -m scripts.bench`
from the repository root); `--quick` for small counts. What it measures lives in
`scripts/benchmarks/`, one module per thing measured; this file only reads the arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from scripts.benchmarks.latency import ROUNDS
from scripts.benchmarks.processes import BenchError
from scripts.benchmarks.run import run
from scripts.benchmarks.table import render


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts (a rough look)")
    parser.add_argument("--requests-c1", type=int, help="requests per cell at 1 client")
    parser.add_argument("--requests-c32", type=int, help="requests per cell at 32 clients")
    parser.add_argument(
        "--part", choices=("all", "processes", "in-process"), default="all",
        help="run only the end-to-end part (processes) or only the in-process timings",
    )
    parser.add_argument(
        "--device", action="store_true",
        help="only the device figures: package sizes, installed size, start-up and memory "
        "under qemu per architecture, native idle memory (needs root and qemu-user-static)",
    )
    args = parser.parse_args(argv)
    if args.device:
        args.part = "device"
    if args.requests_c1 is None:
        args.requests_c1 = 80 if args.quick else 400
    if args.requests_c32 is None:
        args.requests_c32 = 640 if args.quick else 3200
    if args.requests_c1 < ROUNDS or args.requests_c32 < ROUNDS:
        parser.error(f"request counts must be at least {ROUNDS}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        results = asyncio.run(run(args))
    except BenchError as err:
        print(f"bench: could not run: {err}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("bench: interrupted", file=sys.stderr)
        return 130
    print(render(results, args))
    return 1 if results.not_run else 0


if __name__ == "__main__":
    sys.exit(main())
