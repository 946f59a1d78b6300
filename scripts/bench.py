"""Measures the add-on's overhead against a baseline taken in the same run, and prints one table.

What it starts: `dss-sim` and `dss-addon serve` as subprocesses, through their console scripts in
the venv, exactly as the README runs them (DESIGN.md §4). It drives them only through the public
contracts: readiness lines, the owner API, `/s/redeem` and the proxied `/json/...` on the share
site. The policy and share-lookup timings run in this process against a store in a temp dir.

Targets are printed next to the values with ✓/✗. The bench reports, it does not assert: it exits 0
when a target is missed, and non-zero only when it could not run (a process did not come up, a
request path did not work, a module is missing).

Run it through `scripts/bench` (which runs `scripts/setup` first); `--quick` for small counts.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import math
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections import deque
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:  # imported lazily below: the end-to-end part needs nothing from dss_addon
    from dss_addon.policy import DssCall, Topology
    from dss_addon.shares.model import Share, ShareSession
    from dss_addon.shares.service import ShareService

ROOT = Path(__file__).resolve().parent.parent
# The venv's bin, where dss-sim and dss-addon live next to python; DSS_BENCH_BIN points the
# bench at other builds of the two commands (for example an installed release).
BIN = Path(os.environ.get("DSS_BENCH_BIN") or Path(sys.executable).parent)

READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0
REQUEST_TIMEOUT_S = 30.0
ROUNDS = 4  # each cell is split into rounds alternating direct/proxied, so drift hits both alike
# The in-process timings alternate between the two stores in more, shorter rounds: the cost of a
# hop to aiosqlite's thread changes with what else runs on the machine, in phases of seconds.
IN_PROCESS_ROUNDS = 20
CONCURRENCIES = (1, 32)
SIM_LATENCIES_MS = (0, 5)
CALLS = ("apartment/getName", "apartment/getStructure")
READY_STARTS = 3
MANY_SHARES = 10_000
SESSION_BUDGET = 100  # proxied requests per share session (the add-on allows a burst of 120)
REDEEMS_PER_ADDRESS = 8  # the add-on allows a burst of 10 redemptions per client address

# Targets (README "Lightweight on the device"; DESIGN.md §5).
TARGET_ADDED_P50_MS = 1.0
TARGET_RATIO_AT_5MS = 1.2
TARGET_IDLE_RSS_MB = 45.0
TARGET_READY_S = 1.5
TARGET_DECIDE_US = 50.0
TARGET_FLAT_FACTOR = 2.0  # "flat": the 10 000-share case within this factor of the 1-share case

SIM_READY = re.compile(r"dss-sim listening on (\S+)")
OWNER_READY = re.compile(r"dss-addon owner site on (\S+)")
SHARE_READY = re.compile(r"dss-addon share site on (\S+)")


class BenchError(Exception):
    """The bench itself could not run (as opposed to a target being missed)."""


# -- processes ------------------------------------------------------------------------------


def _die_with_parent() -> None:
    """Runs in the child before exec: if the bench is killed outright, its children follow."""
    if sys.platform == "linux":
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


@dataclass
class Running:
    name: str
    proc: asyncio.subprocess.Process
    ready_s: float  # from just before exec to the last readiness line
    urls: list[str]
    output: deque[str]
    drains: list[asyncio.Task[None]]

    @property
    def pid(self) -> int:
        return self.proc.pid


async def _drain(
    stream: asyncio.StreamReader,
    output: deque[str],
    patterns: Sequence[re.Pattern[str]],
    found: list[asyncio.Future[str]],
) -> None:
    while True:
        raw = await stream.readline()
        if not raw:
            return
        line = raw.decode("utf-8", "replace").rstrip()
        output.append(line)
        for pattern, future in zip(patterns, found, strict=True):
            match = pattern.search(line)
            if match and not future.done():
                future.set_result(match.group(1).rstrip("/"))


async def start_process(
    name: str, argv: Sequence[str], patterns: Sequence[re.Pattern[str]]
) -> Running:
    """Starts argv and waits until every readiness pattern was printed (stdout or stderr)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    loop = asyncio.get_running_loop()
    found: list[asyncio.Future[str]] = [loop.create_future() for _ in patterns]
    output: deque[str] = deque(maxlen=40)
    started = time.perf_counter()
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            cwd=ROOT,
            preexec_fn=_die_with_parent,
        )
    except OSError as err:
        raise BenchError(f"cannot start {name}: {err}") from err
    assert proc.stdout is not None
    assert proc.stderr is not None
    drains = [
        asyncio.create_task(_drain(proc.stdout, output, patterns, found)),
        asyncio.create_task(_drain(proc.stderr, output, patterns, found)),
    ]
    running = Running(name, proc, 0.0, [], output, drains)
    exited = asyncio.create_task(proc.wait())
    try:
        waiting = asyncio.gather(*found)
        watched: set[asyncio.Future[Any]] = {waiting, exited}
        done, _ = await asyncio.wait(
            watched, timeout=READY_TIMEOUT_S, return_when=asyncio.FIRST_COMPLETED
        )
        if waiting not in done:
            waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiting
            why = (
                f"exited with {proc.returncode}"
                if exited in done
                else f"printed no readiness line within {READY_TIMEOUT_S:.0f} s"
            )
            tail = "\n    ".join(list(output)[-15:]) or "(no output)"
            raise BenchError(f"{name} {why}; its last output:\n    {tail}")
        running.ready_s = time.perf_counter() - started
        running.urls = list(waiting.result())
    except BaseException:
        await stop_process(running)
        raise
    finally:
        exited.cancel()
    return running


async def stop_process(running: Running) -> None:
    proc = running.proc
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
    for task in running.drains:  # the pipes close with the process; a grandchild may hold them
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, 2.0)


@contextlib.asynccontextmanager
async def started(
    name: str, argv: Sequence[str], patterns: Sequence[re.Pattern[str]]
) -> AsyncIterator[Running]:
    running = await start_process(name, argv, patterns)
    try:
        yield running
    finally:
        await stop_process(running)


def start_sim(password: str, latency_ms: int) -> contextlib.AbstractAsyncContextManager[Running]:
    argv = [
        str(BIN / "dss-sim"), "--http", "--listen", "127.0.0.1:0", "--password", password,
        "--latency-ms", str(latency_ms),
    ]
    return started("dss-sim", argv, (SIM_READY,))


def start_addon(sim_url: str, data_dir: Path) -> contextlib.AbstractAsyncContextManager[Running]:
    argv = [
        str(BIN / "dss-addon"), "serve", "--dss-url", sim_url, "--data-dir", str(data_dir),
        "--owner-listen", "127.0.0.1:0", "--share-listen", "127.0.0.1:0", "--http",
    ]
    return started("dss-addon", argv, (OWNER_READY, SHARE_READY))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the whole process (every thread), from /proc/<pid>/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # the command name may contain spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) in KiB of pid and its descendants, from /proc/<pid>/status."""
    rss = hwm = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            key, _, value = line.partition(":")
            if key == "VmRSS":
                rss += int(value.split()[0])
            elif key == "VmHWM":
                hwm += int(value.split()[0])
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                pending.extend(int(child) for child in children.read_text().split())
    return rss, hwm


# -- HTTP -----------------------------------------------------------------------------------


def new_client() -> aiohttp.ClientSession:
    # Keep-alive pool large enough for every worker; cookies are handled explicitly per path
    # (DummyCookieJar), so the direct path sends only ?token= and the proxied path only the
    # share-site cookie.
    connector = aiohttp.TCPConnector(limit=64, limit_per_host=64, keepalive_timeout=120)
    return aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
    )


def cookie_header(response: aiohttp.ClientResponse) -> str:
    jar: SimpleCookie = SimpleCookie()
    for value in response.headers.getall("Set-Cookie", []):
        jar.load(value)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items() if morsel.value)


async def expect_json(response: aiohttp.ClientResponse, what: str, status: int = 200) -> Any:
    text = await response.text()
    if response.status != status:
        raise BenchError(f"{what}: HTTP {response.status} (wanted {status}): {text[:300]}")
    try:
        return json.loads(text)
    except ValueError as err:
        raise BenchError(f"{what}: not JSON: {text[:300]}") from err


@dataclass
class Target:
    """One way of issuing the measured call: a URL prefix plus what authenticates it.

    The proxied target holds several share sessions and moves to the next one after `budget`
    requests: the add-on limits each share session (a burst of 120, then 20 requests/s), and the
    bench measures the overhead of the proxy, not that limit. A request that is refused anyway
    (429) counts as an error and shows in the table."""

    name: str
    base: str  # ends before "/json/..."
    query: dict[str, str]
    sessions: list[dict[str, str]] = field(default_factory=list)  # request headers per session
    budget: int = 0  # requests per session; 0: no limit
    used: int = 0

    def headers(self) -> dict[str, str]:
        if not self.sessions:
            return {}
        index = self.used // self.budget if self.budget else 0
        self.used += 1
        return self.sessions[index % len(self.sessions)]


async def direct_target(client: aiohttp.ClientSession, sim_url: str, password: str) -> Target:
    params = {"user": "dssadmin", "password": password}
    async with client.get(f"{sim_url}/json/system/login", params=params) as response:
        body = await expect_json(response, "dss-sim system/login")
    if not (isinstance(body, dict) and body.get("ok") and "token" in body.get("result", {})):
        raise BenchError(f"dss-sim system/login failed: {body}")
    return Target("direct", sim_url, {"token": str(body["result"]["token"])})


async def create_share(client: aiohttp.ClientSession, owner_url: str, password: str) -> str:
    """Logs in on the owner site, creates a view share, returns the link's secret."""
    origin = {"Origin": owner_url}
    async with client.post(
        f"{owner_url}/api/session", json={"password": password}, headers=origin
    ) as response:
        await expect_json(response, "owner POST /api/session")
        cookie = cookie_header(response)
    if not cookie:
        raise BenchError("owner POST /api/session set no session cookie")
    session_headers = {"Cookie": cookie}
    async with client.get(f"{owner_url}/api/session", headers=session_headers) as response:
        session = await expect_json(response, "owner GET /api/session")
    csrf = session.get("csrf") if isinstance(session, dict) else None
    if not isinstance(csrf, str):
        raise BenchError(f"owner GET /api/session gave no csrf value: {session}")
    body = {"label": "bench", "level": "view", "duration_minutes": 240}
    async with client.post(
        f"{owner_url}/api/shares",
        json=body,
        headers={**session_headers, **origin, "X-CSRF-Token": csrf},
    ) as response:
        created = await expect_json(response, "owner POST /api/shares", status=201)
    link = created.get("link") if isinstance(created, dict) else None
    if not isinstance(link, str) or "#" not in link:
        raise BenchError(f"owner POST /api/shares gave no link with a fragment: {created}")
    return link.partition("#")[2]


async def redeem(client: aiohttp.ClientSession, share_url: str, secret: str) -> str:
    async with client.post(
        f"{share_url}/s/redeem", json={"secret": secret}, headers={"Origin": share_url}
    ) as response:
        await expect_json(response, "share POST /s/redeem")
        cookie = cookie_header(response)
    if not cookie:
        raise BenchError("share POST /s/redeem set no session cookie")
    return cookie


async def proxied_target(share_url: str, secret: str, requests: int) -> Target:
    """Enough share sessions for `requests` proxied requests at SESSION_BUDGET each.

    The add-on also limits redemptions per client address (a burst of 10), so the sessions are
    redeemed from several loopback addresses (127.0.0.2, .3, …), like helpers on different
    machines. The measured requests themselves all come from one client."""
    count = math.ceil(requests / SESSION_BUDGET) + 1
    cookies: list[str] = []
    address = 2
    while len(cookies) < count:
        connector = aiohttp.TCPConnector(local_addr=(f"127.0.0.{address}", 0))
        async with aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar()
        ) as client:
            for _ in range(min(REDEEMS_PER_ADDRESS, count - len(cookies))):
                cookies.append(await redeem(client, share_url, secret))
        address += 1
    sessions = [{"Cookie": cookie} for cookie in cookies]
    return Target("proxied", share_url, {}, sessions, SESSION_BUDGET)


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


# -- in-process: policy decision and share look-up -------------------------------------------


@dataclass
class InProcess:
    decide_ns: tuple[float, float]  # slowest per-case median per call: 1 share, MANY_SHARES
    auth_ns: tuple[float, float]  # median ShareService.authenticate(cookie): 1, MANY_SHARES
    auth_rate: tuple[float, float]  # authenticate() calls/s from 32 concurrent callers
    fill_s: float  # creating and redeeming the extra shares (set-up, informational)


Case = tuple["Share", "ShareSession", "DssCall"]


def _decide_cases(share: Share, session: ShareSession) -> list[Case]:
    """(share, session, call): a plain read, the typical structure read, and the costliest path
    (an operate share restricted to one zone switching a device it must look up)."""
    from dss_addon.policy import DssCall, Target
    from dss_addon.shares.model import Level

    device = f"{1:034x}"
    restricted = replace(share, level=Level.OPERATE, zones=(1,))
    return [
        (share, session, DssCall(Target.JSON, "apartment", "getName")),
        (share, session, DssCall(Target.JSON, "apartment", "getStructure")),
        # As the proxy builds it: every device-interface verb carries category=algorithm.
        (
            restricted,
            session,
            DssCall(Target.JSON, "device", "turnOn", {"dsuid": device, "category": "algorithm"}),
        ),
    ]


def _topology() -> Topology:
    from dss_addon.policy import DeviceRef, Topology

    zones = {0: "", **{zone: f"Zone {zone}" for zone in range(1, 9)}}
    devices = tuple(
        DeviceRef(f"{index:034x}", f"{index:024x}", f"Device {index}", 1 + (index - 1) % 8)
        for index in range(1, 65)
    )
    return Topology(zones, devices)


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


def time_decide(cases: list[Case], now: datetime, calls: int, into: list[list[int]]) -> None:
    """Appends ns per decide() call to `into`, one list per case; every case must be allowed."""
    from datetime import timedelta

    from dss_addon.policy import decide

    topology = _topology()
    idle = timedelta(minutes=30)
    while len(into) < len(cases):
        into.append([])
    for (share, session, call), timings in zip(cases, into, strict=True):
        decision = decide(share, session, call, now, topology=topology, idle_timeout=idle)
        if not decision.allowed:
            raise BenchError(f"decide() denied the bench call {call.klass}/{call.method}: "
                             f"{decision.reason}")
        for _ in range(calls):
            begin = time.perf_counter_ns()
            decide(share, session, call, now, topology=topology, idle_timeout=idle)
            timings.append(time.perf_counter_ns() - begin)


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
        return _StoreCase(service, sample, _decide_cases(share, session))

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


# -- the run ----------------------------------------------------------------------------------


@dataclass
class Results:
    cells: list[Cell] = field(default_factory=list)
    sim_ready_s: list[float] = field(default_factory=list)
    addon_ready_s: list[float] = field(default_factory=list)
    rss_idle_kib: int | None = None
    rss_after_kib: int | None = None
    hwm_after_kib: int | None = None
    in_process: InProcess | None = None
    not_run: list[str] = field(default_factory=list)
    share_sessions: int = 0  # per add-on, for the proxied path


async def measure_ready(sim_url: str, scratch: Path, results: Results) -> None:
    """Median of READY_STARTS starts, each with a fresh data dir (first start: key, schema)."""
    for index in range(READY_STARTS):
        data_dir = scratch / f"ready-{index}"
        async with start_addon(sim_url, data_dir) as addon:
            results.addon_ready_s.append(addon.ready_s)


async def measure_with_sim(
    latency_ms: int, args: argparse.Namespace, scratch: Path, results: Results
) -> None:
    password = secrets.token_urlsafe(12)
    async with start_sim(password, latency_ms) as sim:
        results.sim_ready_s.append(sim.ready_s)
        sim_url = sim.urls[0]
        if latency_ms == 0:
            await measure_ready(sim_url, scratch, results)
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
                results.rss_idle_kib = rss_kib(addon.pid)[0]
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
                results.rss_after_kib, results.hwm_after_kib = rss_kib(addon.pid)


def progress(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)


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
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return results


# -- the table --------------------------------------------------------------------------------


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


def other_rows(results: Results) -> list[Row]:
    rows: list[Row] = []
    if results.rss_idle_kib is not None:
        idle_mb = megabytes(results.rss_idle_kib)
        rows.append((
            "add-on VmRSS idle (started, 1 share)", "", mb(results.rss_idle_kib), "", "",
            f"≤ {TARGET_IDLE_RSS_MB:g} MB", mark(idle_mb <= TARGET_IDLE_RSS_MB),
        ))
    if results.rss_after_kib is not None:
        rows.append((
            "add-on VmRSS after load (VmHWM)", mb(results.rss_idle_kib),
            f"{mb(results.rss_after_kib)} ({mb(results.hwm_after_kib)})", "",
            f"{megabytes(results.rss_after_kib - (results.rss_idle_kib or 0)):+.1f} MB",
            "(reported)", "",
        ))
    if results.addon_ready_s:
        median = statistics.median(results.addon_ready_s)
        spread = " ".join(f"{value:.2f}" for value in results.addon_ready_s)
        rows.append((
            f"add-on start → both ready lines (new data dir), median of "
            f"{len(results.addon_ready_s)}", "",
            f"{median:.2f} s ({spread})", "", "", f"≤ {TARGET_READY_S:g} s",
            mark(median <= TARGET_READY_S),
        ))
    if results.sim_ready_s:
        spread = " ".join(f"{value:.2f}" for value in results.sim_ready_s)
        rows.append((
            "dss-sim start → ready line", "", f"{statistics.median(results.sim_ready_s):.2f} s "
            f"({spread})", "", "", "(reported)", "",
        ))
    inp = results.in_process
    if inp is not None:
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


def render(results: Results, args: argparse.Namespace) -> str:
    header = (
        "measurement", "baseline", "measured", "ratio", "added", "target", "ok",
    )
    rows = [header, *latency_rows(results.cells), *other_rows(results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]

    def line(row: Sequence[str]) -> str:
        cells = [row[0].ljust(widths[0])]
        cells += [value.rjust(width) for value, width in zip(row[1:5], widths[1:5], strict=True)]
        cells += [row[5].ljust(widths[5]), row[6]]
        return " | ".join(cells).rstrip()

    rule = "-+-".join("-" * width for width in widths)
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        f"dss-share bench  {now}  machine: {os.cpu_count()} cores (nproc {nproc()}), "
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}",
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


def nproc() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts (a rough look)")
    parser.add_argument("--requests-c1", type=int, help="requests per cell at 1 client")
    parser.add_argument("--requests-c32", type=int, help="requests per cell at 32 clients")
    parser.add_argument(
        "--part", choices=("all", "processes", "in-process"), default="all",
        help="run only the end-to-end part (processes) or only the in-process timings",
    )
    args = parser.parse_args(argv)
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
