"""The share store: ShareService.authenticate() with 1 and with 10,000 shares stored, in
alternating rounds pinned to one CPU, and decide() timed against the same sessions."""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported lazily below: the end-to-end part needs nothing from dss_addon
    from dss_addon.shares.service import ShareService

from scripts.benchmarks.format import Row, mark
from scripts.benchmarks.latency import CONCURRENCIES
from scripts.benchmarks.policy import TARGET_DECIDE_US, Case, decide_cases, time_decide

# The in-process timings alternate between the two stores in more, shorter rounds: the cost of a
# hop to aiosqlite's thread changes with what else runs on the machine, in phases of seconds.
IN_PROCESS_ROUNDS = 20
MANY_SHARES = 10_000
TARGET_FLAT_FACTOR = 2.0  # "flat": the 10 000-share case within this factor of the 1-share case


@dataclass
class InProcess:
    decide_ns: tuple[float, float]  # slowest per-case median per call: 1 share, MANY_SHARES
    auth_ns: tuple[float, float]  # median ShareService.authenticate(cookie): 1, MANY_SHARES
    auth_rate: tuple[float, float]  # authenticate() calls/s from 32 concurrent callers
    fill_s: float  # creating and redeeming the extra shares (set-up, informational)



@dataclass
class _StoreCase:
    """One store (1 or MANY_SHARES shares) and the timings taken against it."""

    service: ShareService
    cookies: list[str]  # the sessions the look-ups cycle through
    cases: list[Case]
    auth_ns: list[int] = field(default_factory=list)
    decide_ns: list[list[int]] = field(default_factory=list)
    rate_calls: int = 0
    rate_s: float = 0.0



async def time_authenticate(
    service: ShareService, cookies: Sequence[str], calls: int, into: list[int]
) -> None:
    for index in range(calls):
        cookie = cookies[index % len(cookies)]
        begin = time.perf_counter_ns()
        await service.authenticate(cookie)
        into.append(time.perf_counter_ns() - begin)


async def authenticate_rate(
    service: ShareService, cookies: Sequence[str], calls: int, concurrency: int
) -> float:
    """Seconds for `calls` look-ups from `concurrency` callers at once, as the share site makes
    them under load."""
    left = calls

    async def worker(offset: int) -> None:
        nonlocal left
        index = offset
        while left > 0:
            left -= 1
            await service.authenticate(cookies[index % len(cookies)])
            index += concurrency

    begin = time.perf_counter()
    await asyncio.gather(*(worker(offset) for offset in range(concurrency)))
    return time.perf_counter() - begin


@contextlib.contextmanager
def pinned_to_one_cpu() -> Iterator[None]:
    """Runs this thread, and the threads it starts meanwhile (aiosqlite's), on one CPU.

    On this kind of VM a wake-up of a thread on the other CPU costs 2-3 times a local one, and
    where the scheduler puts aiosqlite's thread changes from run to run: unpinned, the same
    look-up measured 200 or 500 µs at random, which would make "flat" a coin toss."""
    if not hasattr(os, "sched_setaffinity"):
        yield
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {max(before)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


async def bench_in_process(quick: bool, scratch: Path) -> InProcess:
    """ShareService and decide() as the share site uses them, on two stores in a temp dir (1
    share, MANY_SHARES shares), measured in alternating rounds so that drift hits both alike."""
    from datetime import timedelta

    from dss_addon.clock import SystemClock
    from dss_addon.runtime import DB_FILE
    from dss_addon.shares.model import Level
    from dss_addon.shares.requests import ShareRequest
    from dss_addon.shares.service import Owner, ShareService
    from dss_addon.shares.vault import TokenVault
    from dss_addon.store import open_store

    decide_calls = (4_000 if quick else 40_000) // IN_PROCESS_ROUNDS
    auth_calls = (400 if quick else 4_000) // IN_PROCESS_ROUNDS
    clock = SystemClock()
    owner = Owner("dssadmin", "not-a-dss-token")

    async def open_case(stack: contextlib.AsyncExitStack, name: str, shares: int) -> _StoreCase:
        data_dir = scratch / name
        data_dir.mkdir()
        store = await stack.enter_async_context(open_store(data_dir / DB_FILE, clock))
        vault = TokenVault.open(data_dir)
        service = ShareService(store, clock, vault, None)
        cookies = []
        for index in range(shares):
            now = clock.now()
            request = ShareRequest(
                label=f"bench {index}", level=Level.VIEW, starts_at=now,
                expires_at=now + timedelta(hours=4), zones=(), with_pin=False,
                max_redemptions=None,
            )
            created = await service.create(request, owner)
            redemption = await service.redeem(created.secret, None, client="127.0.0.1")
            cookies.append(redemption.cookie)
        # A spread of sessions across the table, not one hot row.
        sample = cookies[:: max(1, len(cookies) // 100)]
        share, session = await service.authenticate(sample[len(sample) // 2])
        return _StoreCase(service, sample, decide_cases(share, session))

    async with contextlib.AsyncExitStack() as stack:
        stack.enter_context(pinned_to_one_cpu())
        one = await open_case(stack, "one-share", 1)
        begin = time.perf_counter()
        many = await open_case(stack, "many-shares", MANY_SHARES)
        fill_s = time.perf_counter() - begin
        concurrency = max(CONCURRENCIES)
        for case in (one, many):  # warm-up
            await time_authenticate(case.service, case.cookies, 50, [])
        for index in range(IN_PROCESS_ROUNDS):
            for case in (one, many) if index % 2 == 0 else (many, one):
                await time_authenticate(case.service, case.cookies, auth_calls, case.auth_ns)
                case.rate_s += await authenticate_rate(
                    case.service, case.cookies, auth_calls, concurrency
                )
                case.rate_calls += auth_calls
                time_decide(case.cases, clock.now(), decide_calls, case.decide_ns)

    def decide_median(case: _StoreCase) -> float:
        return max(statistics.median(timings) for timings in case.decide_ns)

    return InProcess(
        decide_ns=(decide_median(one), decide_median(many)),
        auth_ns=(statistics.median(one.auth_ns), statistics.median(many.auth_ns)),
        auth_rate=(one.rate_calls / one.rate_s, many.rate_calls / many.rate_s),
        fill_s=fill_s,
    )


def in_process_rows(inp: InProcess) -> list[Row]:
    rows: list[Row] = []
    d1, dn = inp.decide_ns
    a1, an = inp.auth_ns
    rows.append((
        f"decide() per call: 1 vs {MANY_SHARES:,} shares", f"{d1 / 1000:.2f} µs",
        f"{dn / 1000:.2f} µs", f"{dn / d1:.2f}", "",
        f"≤ {TARGET_DECIDE_US:g} µs, flat ≤ {TARGET_FLAT_FACTOR:g}×",
        mark(max(d1, dn) / 1000 <= TARGET_DECIDE_US and dn / d1 <= TARGET_FLAT_FACTOR),
    ))
    rows.append((
        f"authenticate(cookie): 1 vs {MANY_SHARES:,} shares", f"{a1 / 1000:.1f} µs",
        f"{an / 1000:.1f} µs", f"{an / a1:.2f}", "", f"flat ≤ {TARGET_FLAT_FACTOR:g}×",
        mark(an / a1 <= TARGET_FLAT_FACTOR),
    ))
    r1, rn = inp.auth_rate
    rows.append((
        f"authenticate() calls/s, c={max(CONCURRENCIES)}: 1 vs {MANY_SHARES:,} shares",
        f"{r1:.0f}", f"{rn:.0f}", f"{rn / r1:.2f}", "", "(reported)", "",
    ))
    return rows
