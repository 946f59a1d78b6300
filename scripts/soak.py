"""Runs the add-on for minutes under mixed load on an accelerated clock and prints, over time,
its resident memory, descriptors and threads, the dSS's sessions, the database and WAL size
and the audit rows; then judges whether resident memory levelled off.

What it starts: dss-sim and the add-on, each as a process of this script (`soak.py sim`,
`soak.py addon`): the simulator as `dss-sim` runs it plus a read-only count of its sessions
(/soak/sessions), the add-on as `dss-addon serve` runs it but on a clock running `--rate` times
fast (dss_addon.clock.AcceleratedClock), so shares expire, sessions idle out and rate limits
refill as in hours of use. The load (scripts/benchmarks/soak_load.py) uses only the owner API,
the share site and the proxied JSON API. `--tracemalloc N` traces the add-on's allocations
(dss_addon/diagnostics.py) and prints the sites that grew most over the last two thirds.

Run it through `scripts/soak` (which runs `scripts/setup` first); `--minutes 0.3` for a look.
Exits 1 when the soak could not run, 0 otherwise (also when memory did not level off: it
reports, like the bench)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import random
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import aiohttp
from aiohttp import web

from dss_addon.diagnostics import (
    MEMSTATS_ENV_VAR,
    MEMSTATS_PREFIX,
    HeapFigures,
    parse_memstats,
)
from scripts.benchmarks.processes import (
    OWNER_READY,
    SHARE_READY,
    SIM_READY,
    BenchError,
    Running,
    progress,
    started,
)
from scripts.benchmarks.soak_load import ELECTRICIANS, Load, electrician_loop, owner_loop
from scripts.benchmarks.soak_samples import (
    Sample,
    audit_rows,
    file_size,
    judge,
    process_figures,
    render,
    verdict_line,
)

DB_FILE = "addon.db"  # dss_addon.runtime.DB_FILE; not imported: the parent needs no dss_addon
SESSIONS_PATH = "/soak/sessions"
TRACE_START = "tracemalloc on SIGUSR2"
TRACE_END = "tracemalloc end"
TRACE_WAIT_S = 60.0
MEMSTATS_WAIT_S = 5.0
# Tracing every allocation slows the add-on's imports many times over (and the machine may be
# busy): more than the bench's 30 s.
READY_WITHIN_S = 120.0


# -- the two child processes ----------------------------------------------------------------


def sim_main(argv: Sequence[str]) -> int:
    """dss-sim as `dss-sim --http --listen 127.0.0.1:0` runs it, plus /soak/sessions."""
    from dss_sim.app import create_sim_app
    from dss_sim.config import SimConfig
    from dss_sim.sim import Simulator

    parser = argparse.ArgumentParser(prog="soak.py sim")
    parser.add_argument("--password", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sim = Simulator(SimConfig(password=args.password))

    async def sessions(_request: web.Request) -> web.Response:
        return web.json_response({"sessions": len(sim.sessions.sessions)})

    async def serve() -> None:
        app = create_sim_app(sim)
        app.router.add_get(SESSIONS_PATH, sessions)
        runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await runner.setup()
        try:
            site = web.TCPSite(runner, "127.0.0.1", 0)
            await site.start()
            print(f"dss-sim listening on http://127.0.0.1:{runner.addresses[0][1]}", flush=True)
            await _until_signalled()
        finally:
            await runner.cleanup()

    asyncio.run(serve())
    return 0


def addon_main(argv: Sequence[str]) -> int:
    """`dss-addon serve <argv>` on an accelerated clock (never how the package runs it)."""
    from dss_addon.__main__ import load_settings
    from dss_addon.allocator import keep_large_blocks_mapped
    from dss_addon.clock import AcceleratedClock
    from dss_addon.diagnostics import install_from_env
    from dss_addon.runtime import prepare_data_dir
    from dss_addon.serve import serve

    parser = argparse.ArgumentParser(prog="soak.py addon")
    parser.add_argument("--rate", type=float, required=True)
    args, rest = parser.parse_known_args(argv)
    settings = load_settings(rest)
    logging.basicConfig(
        level=logging.INFO, stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    keep_large_blocks_mapped()  # as dss-addon serve does
    install_from_env(os.environ)
    prepare_data_dir(settings.data_dir)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await serve(settings, stop, clock=AcceleratedClock(args.rate))

    asyncio.run(run())
    return 0


async def _until_signalled() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await stop.wait()


# -- the soak -----------------------------------------------------------------------------


def child(*args: str) -> list[str]:
    return [sys.executable, "-m", "scripts.soak", *args]


async def sample(
    addon: Running, data_dir: Path, sim_url: str, http: aiohttp.ClientSession, load: Load,
    began: float, rate: float,
) -> Sample:
    rss, anon, fds, threads = process_figures(addon.pid)
    heap = await memstats(addon)
    sessions: int | None = None
    with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError, KeyError):
        async with http.get(f"{sim_url}{SESSIONS_PATH}") as response:
            sessions = int((await response.json())["sessions"])
    db = data_dir / DB_FILE
    rows = await asyncio.to_thread(audit_rows, db)
    at = time.monotonic() - began
    return Sample(
        at, at * rate / 3600, rss, fds, threads, sessions, file_size(db),
        file_size(db.with_name(DB_FILE + "-wal")), rows, load.requests, anon, heap,
    )


async def memstats(addon: Running) -> HeapFigures | None:
    """Asks the add-on for its memstats line (SIGUSR1) and returns its figures."""
    marker = f"(soak: memstats asked for at {time.monotonic()})"
    addon.output.append(marker)  # the answer is the first memstats line after it
    addon.proc.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + MEMSTATS_WAIT_S
    while time.monotonic() < deadline:
        lines = list(addon.output)
        if marker in lines:
            for line in lines[lines.index(marker) + 1 :]:
                if line.startswith(MEMSTATS_PREFIX):
                    return parse_memstats(line)
        await asyncio.sleep(0.05)
    return None


async def trace_report(addon: Running) -> list[str]:
    """Asks the add-on for its tracemalloc report (SIGUSR2) and returns it."""
    addon.output.clear()  # only the new report's lines from here on
    addon.proc.send_signal(signal.SIGUSR2)
    deadline = time.monotonic() + TRACE_WAIT_S
    while time.monotonic() < deadline:
        lines = list(addon.output)
        starts = [i for i, line in enumerate(lines) if line.startswith(TRACE_START)]
        if starts:
            report = lines[starts[-1] :]
            if TRACE_END in report:
                return report[: report.index(TRACE_END) + 1]
        await asyncio.sleep(0.5)
    return ["tracemalloc: no report from the add-on"]


async def soak(args: argparse.Namespace) -> int:
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    password = secrets.token_urlsafe(12)
    scratch = Path(tempfile.mkdtemp(prefix="dss-soak-"))
    data_dir = scratch / "addon"
    env = {MEMSTATS_ENV_VAR: "1"}
    if args.tracemalloc:
        env["DSS_ADDON_TRACEMALLOC"] = str(args.tracemalloc)
    samples: list[Sample] = []
    trace: list[str] = []
    load = Load("", "", password, random.Random(args.seed))  # noqa: S311 - a reproducible load
    try:
        async with started("dss-sim", child("sim", "--password", password), (SIM_READY,)) as sim:
            sim_url = sim.urls[0]
            addon_argv = child(
                "addon", "--rate", str(args.rate), "serve", "--dss-url", sim_url,
                "--data-dir", str(data_dir), "--owner-listen", "127.0.0.1:0",
                "--share-listen", "127.0.0.1:0", "--http",
            )
            async with (
                started("dss-addon", addon_argv, (OWNER_READY, SHARE_READY), env=env,
                        keep_lines=2000, ready_within=READY_WITHIN_S) as addon,
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http,
            ):
                load.owner_url, load.share_url = addon.urls
                progress(f"load for {args.minutes:g} min, add-on clock at {args.rate:g}x, "
                         f"a sample every {args.every:g} s")
                began = time.monotonic()
                workers = [asyncio.create_task(owner_loop(load))]
                workers += [
                    asyncio.create_task(electrician_loop(load, f"127.0.0.{10 + index}"))
                    for index in range(args.electricians)
                ]
                try:
                    end = began + args.minutes * 60
                    warm_until = began + args.minutes * 20  # a third: start-up and warm-up
                    while True:
                        if args.tracemalloc and warm_until and time.monotonic() >= warm_until:
                            warm_until = 0.0
                            await trace_report(addon)  # the baseline: growth after warm-up
                        samples.append(
                            await sample(addon, data_dir, sim_url, http, load, began, args.rate)
                        )
                        if args.verbose:
                            progress(render(samples)[-1])
                        if time.monotonic() >= end:
                            break
                        await asyncio.sleep(min(args.every, max(0.0, end - time.monotonic())))
                finally:
                    for worker in workers:
                        worker.cancel()
                    await asyncio.gather(*workers, return_exceptions=True)
                for worker in workers:
                    if not worker.cancelled() and worker.exception() is not None:
                        raise BenchError(f"the load failed: {worker.exception()!r}")
                if args.tracemalloc:
                    trace = await trace_report(addon)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(report(args, samples, load, trace))
    return 0


def report(
    args: argparse.Namespace, samples: Sequence[Sample], load: Load, trace: Sequence[str]
) -> str:
    out = [
        f"dss-share soak: {args.minutes:g} min of mixed load, add-on clock at {args.rate:g}x "
        f"({args.minutes * args.rate / 60:.1f} h on its clock), seed {args.seed}",
        *render(samples),
        verdict_line(judge(samples)),
        "answers: " + ", ".join(f"{kind}: {n}" for kind, n in sorted(load.counts.items())),
    ]
    if load.errors:
        out.append("transport errors: " + ", ".join(
            f"{kind}: {n}" for kind, n in sorted(load.errors.items())
        ))
    return "\n".join([*out, *trace])


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/soak", description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="length of the load")
    parser.add_argument("--rate", type=float, default=60.0, help="add-on clock speed-up")
    parser.add_argument("--every", type=float, help="seconds between samples (default: 1/20)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--electricians", type=int, default=ELECTRICIANS,
                        help="electricians' browsers working at once")
    parser.add_argument("--tracemalloc", type=int, default=0, metavar="FRAMES",
                        help="trace the add-on's allocations; report the growth at the end")
    parser.add_argument("--verbose", action="store_true", help="print each sample as taken")
    args = parser.parse_args(argv)
    if args.minutes <= 0 or args.rate <= 0:
        parser.error("--minutes and --rate must be positive")
    if args.every is None:
        args.every = max(1.0, args.minutes * 60 / 20)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["sim"]:
        return sim_main(argv[1:])
    if argv[:1] == ["addon"]:
        return addon_main(argv[1:])
    args = parse_args(argv)
    try:
        return asyncio.run(soak(args))
    except BenchError as err:
        print(f"soak: could not run: {err}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, asyncio.CancelledError):
        print("soak: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
