"""One bench run: the processes part (per dSS latency) and the in-process part, into Results."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import secrets
import shutil
import signal
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from scripts.benchmarks.client import (
    create_share,
    direct_target,
    new_client,
    proxied_target,
)
from scripts.benchmarks.device import DeviceFigures, measure_devices
from scripts.benchmarks.format import Row
from scripts.benchmarks.latency import (
    CALLS,
    CONCURRENCIES,
    SIM_LATENCIES_MS,
    Cell,
    check_call,
    measure_cell,
    proxied_requests,
)
from scripts.benchmarks.memory import Memory, measure_ready
from scripts.benchmarks.processes import BIN, BenchError, progress, rss_kib, start_addon, start_sim
from scripts.benchmarks.store import MANY_SHARES, InProcess, bench_in_process


@dataclass
class Results:
    cells: list[Cell] = field(default_factory=list)
    memory: Memory = field(default_factory=Memory)
    in_process: InProcess | None = None
    extra_rows: list[Row] = field(default_factory=list)  # optional sections (audit)
    device: DeviceFigures | None = None
    not_run: list[str] = field(default_factory=list)
    share_sessions: int = 0  # per add-on, for the proxied path


async def measure_with_sim(
    latency_ms: int, args: argparse.Namespace, scratch: Path, results: Results
) -> None:
    password = secrets.token_urlsafe(12)
    async with start_sim(password, latency_ms) as sim:
        results.memory.sim_ready_s.append(sim.ready_s)
        sim_url = sim.urls[0]
        if latency_ms == 0:
            await measure_ready(sim_url, scratch, results.memory)
        data_dir = scratch / f"addon-{latency_ms}ms"
        async with (
            start_addon(sim_url, data_dir) as addon,
            new_client() as direct_client,
            new_client() as proxied_client,
        ):
            owner_url, share_url = addon.urls
            secret = await create_share(proxied_client, owner_url, password)
            if latency_ms == 0:
                await asyncio.sleep(0.5)
                results.memory.rss_idle_kib = rss_kib(addon.pid)[0]
            targets = {
                "direct": await direct_target(direct_client, sim_url, password),
                "proxied": await proxied_target(share_url, secret, proxied_requests(args)),
            }
            results.share_sessions = len(targets["proxied"].sessions)
            clients = {"direct": direct_client, "proxied": proxied_client}
            for call in CALLS:
                for name in ("direct", "proxied"):
                    await check_call(clients[name], targets[name], call)
            for call in CALLS:
                for concurrency in CONCURRENCIES:
                    requests = args.requests_c1 if concurrency == 1 else args.requests_c32
                    progress(f"dSS {latency_ms} ms, {call}, c={concurrency}: {requests} each way")
                    results.cells.append(
                        await measure_cell(
                            clients, targets, addon.pid, latency_ms, call, concurrency, requests
                        )
                    )
            if latency_ms == 0:
                memory = results.memory
                memory.rss_after_kib, memory.hwm_after_kib = rss_kib(addon.pid)



async def run(args: argparse.Namespace) -> Results:
    # SIGTERM cancels the run like Ctrl-C does, so the `finally` blocks stop the processes.
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    results = Results()
    for tool in ("dss-sim", "dss-addon"):
        if args.part != "in-process" and not (BIN / tool).exists():
            raise BenchError(f"{BIN / tool} is missing: run ./scripts/setup")
    scratch = Path(tempfile.mkdtemp(prefix="dss-bench-"))
    try:
        if args.part == "device":
            results.device = await measure_devices(scratch)
            return results
        if args.part in ("all", "processes"):
            for latency_ms in SIM_LATENCIES_MS:
                await measure_with_sim(latency_ms, args, scratch, results)
        if args.part == "processes":
            return results
        progress(f"in-process: decide() and authenticate() with 1 and {MANY_SHARES:,} shares")
        try:
            results.in_process = await bench_in_process(args.quick, scratch)
        except (BenchError, ImportError) as err:
            results.not_run.append(f"policy / look-up timings: {err}")
        except (TypeError, AttributeError) as err:  # an interface of dss_addon changed
            results.not_run.append(f"policy / look-up timings: {type(err).__name__}: {err}")
        await run_audit(args.quick, scratch, results)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return results


AuditBench = Callable[[bool, Path], Awaitable[list[tuple[str, str, str]]]]


def optional_audit_bench() -> AuditBench | None:
    """The audit section (scripts/benchmarks/audit.py) when this tree has it."""
    try:
        module = importlib.import_module("scripts.benchmarks.audit")
    except ModuleNotFoundError as err:
        if err.name != "scripts.benchmarks.audit":
            raise
        return None
    bench: AuditBench = module.bench_audit
    return bench


async def run_audit(quick: bool, scratch: Path, results: Results) -> None:
    bench_audit = optional_audit_bench()
    if bench_audit is None:
        return
    progress("in-process: the audit log")
    (scratch / "audit").mkdir()
    try:
        rows = await bench_audit(quick, scratch / "audit")
    except (BenchError, ImportError, TypeError, AttributeError) as err:
        results.not_run.append(f"audit timings: {type(err).__name__}: {err}")
        return
    # (measurement, measured, note) in the table's measured and target columns.
    results.extra_rows += [(what, "", value, "", "", note, "") for what, value, note in rows]


