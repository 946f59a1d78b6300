"""Latency and throughput: the same call direct to dss-sim and through the share site, in
alternating rounds, and the table rows for them."""

from __future__ import annotations

import argparse
import asyncio
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp

from scripts.benchmarks.client import Target, expect_json
from scripts.benchmarks.format import Row, mark, ms
from scripts.benchmarks.processes import BenchError, cpu_seconds

ROUNDS = 4  # each cell is split into rounds alternating direct/proxied, so drift hits both alike
CONCURRENCIES = (1, 32)
SIM_LATENCIES_MS = (0, 5)
CALLS = ("apartment/getName", "apartment/getStructure")

# Targets (README "Lightweight on the device"; DESIGN.md §5).
TARGET_ADDED_P50_MS = 1.0
TARGET_RATIO_AT_5MS = 1.2


def proxied_requests(args: argparse.Namespace) -> int:
    """How many proxied requests one add-on gets in measure_with_sim (checks, warm-ups, cells)."""
    total = len(CALLS)
    for _call in CALLS:
        for concurrency in CONCURRENCIES:
            requests = args.requests_c1 if concurrency == 1 else args.requests_c32
            total += warm_up_requests(concurrency) + ROUNDS * max(1, requests // ROUNDS)
    return total


async def check_call(client: aiohttp.ClientSession, target: Target, call: str) -> None:
    url = f"{target.base}/json/{call}"
    async with client.get(url, params=target.query, headers=target.headers()) as response:
        body = await expect_json(response, f"{target.name} /json/{call}")
    if not (isinstance(body, dict) and body.get("ok") is True):
        raise BenchError(f"{target.name} /json/{call} answered {str(body)[:300]}")


@dataclass
class Samples:
    latencies: list[float] = field(default_factory=list)  # seconds
    wall: float = 0.0  # seconds spent in the measured rounds, summed
    addon_cpu: float = 0.0  # CPU seconds the add-on used during these rounds (all threads)
    errors: int = 0
    first_error: str = ""

    @property
    def count(self) -> int:
        return len(self.latencies) + self.errors

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return math.nan
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    @property
    def throughput(self) -> float:
        return self.count / self.wall if self.wall else math.nan


async def load(
    client: aiohttp.ClientSession, target: Target, call: str, requests: int, concurrency: int,
    into: Samples,
) -> None:
    """`requests` calls from `concurrency` workers, each waiting for its answer (closed loop)."""
    url = f"{target.base}/json/{call}"
    left = requests

    async def worker() -> None:
        nonlocal left
        while left > 0:
            left -= 1
            begin = time.perf_counter()
            try:
                headers = target.headers()
                async with client.get(url, params=target.query, headers=headers) as resp:
                    await resp.read()
                    status = resp.status
            except (aiohttp.ClientError, TimeoutError) as err:
                into.errors += 1
                into.first_error = into.first_error or repr(err)
                continue
            elapsed = time.perf_counter() - begin
            if status == 200:
                into.latencies.append(elapsed)
            else:
                into.errors += 1
                into.first_error = into.first_error or f"HTTP {status}"

    begin = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    into.wall += time.perf_counter() - begin


def warm_up_requests(concurrency: int) -> int:
    return max(50, 4 * concurrency)


@dataclass
class Cell:
    latency_ms: int
    call: str
    concurrency: int
    direct: Samples
    proxied: Samples


async def measure_cell(
    clients: dict[str, aiohttp.ClientSession], targets: dict[str, Target], addon_pid: int,
    latency_ms: int, call: str, concurrency: int, requests: int,
) -> Cell:
    samples = {"direct": Samples(), "proxied": Samples()}
    # Warm-up: open the pool's connections and let both processes reach a steady state.
    for name in ("direct", "proxied"):
        warm_up = warm_up_requests(concurrency)
        await load(clients[name], targets[name], call, warm_up, concurrency, Samples())
    per_round = max(1, requests // ROUNDS)
    for index in range(ROUNDS):
        order = ("direct", "proxied") if index % 2 == 0 else ("proxied", "direct")
        for name in order:
            cpu_before = cpu_seconds(addon_pid)
            await load(clients[name], targets[name], call, per_round, concurrency, samples[name])
            samples[name].addon_cpu += cpu_seconds(addon_pid) - cpu_before
    return Cell(latency_ms, call, concurrency, samples["direct"], samples["proxied"])



def latency_rows(cells: Sequence[Cell]) -> list[Row]:
    rows: list[Row] = []
    for cell in cells:
        d, p = cell.direct, cell.proxied
        d50, d99, p50, p99 = d.quantile(0.5), d.quantile(0.99), p.quantile(0.5), p.quantile(0.99)
        added = p50 - d50
        targets = [f"added ≤ {TARGET_ADDED_P50_MS:g} ms"]
        marks = [mark(added * 1000 <= TARGET_ADDED_P50_MS)]
        if cell.latency_ms == 5:
            targets.append(f"p50 ratio ≤ {TARGET_RATIO_AT_5MS:g}")
            marks.append(mark(p50 / d50 <= TARGET_RATIO_AT_5MS))
        if d.errors or p.errors:
            marks.append(f"! errors {d.errors}/{p.errors}: {d.first_error or p.first_error}")
        rows.append((
            f"{cell.call.split('/')[1]} dSS {cell.latency_ms} ms c={cell.concurrency:<2} "
            "p50 / p99 ms",
            f"{ms(d50)} / {ms(d99)}",
            f"{ms(p50)} / {ms(p99)}",
            f"{p50 / d50:.2f} / {p99 / d99:.2f}",
            f"{added * 1000:+.2f} ms",
            ", ".join(targets),
            " ".join(marks),
        ))
    for cell in cells:
        if cell.concurrency != max(CONCURRENCIES):
            continue
        d, p = cell.direct, cell.proxied
        rows.append((
            f"{cell.call.split('/')[1]} dSS {cell.latency_ms} ms c={cell.concurrency} req/s",
            f"{d.throughput:.0f}",
            f"{p.throughput:.0f}",
            f"{p.throughput / d.throughput:.2f}",
            f"CPU {p.addon_cpu / p.count * 1000:.2f} ms",
            "(reported)",
            "",
        ))
    return rows


