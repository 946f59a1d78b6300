"""The measured processes: `dss-sim` and `dss-addon serve` started through their console
scripts, their readiness lines, and what /proc says about them (CPU time, resident memory)."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import re
import signal
import sys
import time
from collections import deque
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# The venv's bin, where dss-sim and dss-addon live next to python; DSS_BENCH_BIN points the
# bench at other builds of the two commands (for example an installed release).
BIN = Path(os.environ.get("DSS_BENCH_BIN") or Path(sys.executable).parent)

READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 5.0
REQUEST_TIMEOUT_S = 30.0

SIM_READY = re.compile(r"dss-sim listening on (\S+)")
OWNER_READY = re.compile(r"dss-addon owner site on (\S+)")
SHARE_READY = re.compile(r"dss-addon share site on (\S+)")


class BenchError(Exception):
    """The bench itself could not run (as opposed to a target being missed)."""





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
    name: str,
    argv: Sequence[str],
    patterns: Sequence[re.Pattern[str]],
    *,
    env: Mapping[str, str] | None = None,
    keep_lines: int = 40,
    clean_env: bool = False,
    ready_within: float = READY_TIMEOUT_S,
) -> Running:
    """Starts argv and waits until every readiness pattern was printed (stdout or stderr).
    `env` is added to this process's environment (or is all of it: `clean_env`); the last
    `keep_lines` lines are kept."""
    env = dict(env or {}) if clean_env else dict(os.environ, PYTHONUNBUFFERED="1", **(env or {}))
    loop = asyncio.get_running_loop()
    found: list[asyncio.Future[str]] = [loop.create_future() for _ in patterns]
    output: deque[str] = deque(maxlen=keep_lines)
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
            watched, timeout=ready_within, return_when=asyncio.FIRST_COMPLETED
        )
        if waiting not in done:
            waiting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await waiting
            why = (
                f"exited with {proc.returncode}"
                if exited in done
                else f"printed no readiness line within {ready_within:.0f} s"
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
    name: str,
    argv: Sequence[str],
    patterns: Sequence[re.Pattern[str]],
    *,
    env: Mapping[str, str] | None = None,
    keep_lines: int = 40,
    clean_env: bool = False,
    ready_within: float = READY_TIMEOUT_S,
) -> AsyncIterator[Running]:
    running = await start_process(
        name, argv, patterns, env=env, keep_lines=keep_lines, clean_env=clean_env,
        ready_within=ready_within,
    )
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



def progress(message: str) -> None:
    print(f"  … {message}", file=sys.stderr, flush=True)

