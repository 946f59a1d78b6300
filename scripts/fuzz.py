"""The differential fuzzer: generated requests through the share site of shares of every level,
with and without zones, judged by what dss-sim actually did (its effects log).

Each worker process runs the whole stack in-process on loopback sockets (tests/support/
differential.py) and its own slice of the seeded requests. Prints progress, then the number of
requests, answers by status, effects by kind, every distinct violation with a minimal
reproduction, and requests/s. Exit 0 with no violation, 1 otherwise.

Run it through `scripts/fuzz` (which runs `scripts/setup` first); `--quick` for 20,000 requests.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This checkout's code first (the add-on, its tests' support and the simulator), whatever the
# venv has installed.
sys.path[:0] = [str(ROOT), str(ROOT / "hw-sim")]

from tests.support.differential import PROFILES, Report, running_harness  # noqa: E402
from tests.support.requests_gen import generate  # noqa: E402

DEFAULT_COUNT = 1_000_000
QUICK_COUNT = 20_000
TRIM_EVERY = 2_000  # requests between clearing the simulator's call and event records
# The simulated home accumulates what the fuzzer configures (tags, names, scene values, add-on
# settings), and the simulator slows down with it: a fresh stack this often keeps the rate.
FRESH_STACK_EVERY = 10_000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT, help="requests in all")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_COUNT} requests")
    parser.add_argument("--progress", type=int, default=10_000, help="requests between reports")
    args = parser.parse_args(argv)
    if args.quick:
        args.count = QUICK_COUNT
    if args.count < 0 or args.workers < 1:
        parser.error("--count must be >= 0 and --workers >= 1")
    return args


async def _fuzz(worker: int, count: int, seed: int, progress: int) -> Report:
    started = time.monotonic()
    rng = random.Random(seed)  # noqa: S311  # seeded on purpose: a run can be repeated
    total = Report()
    done = 0
    while done < count:
        chunk = min(FRESH_STACK_EVERY, count - done)
        with tempfile.TemporaryDirectory(prefix=f"fuzz-{worker}-") as tmp:
            async with running_harness(Path(tmp)) as harness:
                for i in range(chunk):
                    await harness.run(PROFILES[(done + i) % len(PROFILES)], generate(rng))
                    if (i + 1) % TRIM_EVERY == 0:
                        harness.trim()
                    if (done + i + 1) % progress == 0:
                        _progress(worker, done + i + 1, count, started, total, harness.report)
                total.merge(harness.report)
        done += chunk
    return total


def _progress(
    worker: int, done: int, count: int, started: float, total: Report, current: Report
) -> None:
    rate = done / max(time.monotonic() - started, 1e-9)
    violations = total.violation_count + current.violation_count
    print(
        f"[worker {worker}] {done}/{count} requests, {rate:.0f}/s, violations {violations}",
        file=sys.stderr,
        flush=True,
    )


def work(worker: int, count: int, seed: int, progress: int) -> Report:
    # The servers log every refused malformed request: that is the fuzzer's job, not news.
    logging.basicConfig(level=logging.CRITICAL)
    logging.getLogger().setLevel(logging.CRITICAL)
    return asyncio.run(_fuzz(worker, count, seed, progress))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workers = max(1, min(args.workers, args.count or 1))
    slices = [args.count // workers + (i < args.count % workers) for i in range(workers)]
    started = time.monotonic()
    total = Report()
    if workers == 1:
        total.merge(work(0, slices[0], args.seed, args.progress))
    else:
        with ProcessPoolExecutor(workers) as pool:
            futures = [
                pool.submit(work, i, n, args.seed * 1000 + i, args.progress)
                for i, n in enumerate(slices)
            ]
            for future in futures:
                total.merge(future.result())
    elapsed = time.monotonic() - started
    print(total.summary())
    print(
        f"{total.sent} requests in {elapsed:.1f} s with {workers} worker(s): "
        f"{total.sent / max(elapsed, 1e-9):.0f} requests/s"
    )
    return 0 if total.violation_count == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
