"""Running the console scripts (`dss-sim`, `dss-addon serve`) as real processes in tests."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

BIN = Path(sys.executable).parent
READY_WITHIN = 20.0


def text_of(path: Path) -> str:
    """Diagnostics from a small local file (synchronous on purpose)."""
    return path.read_text("utf-8", errors="replace")


def command(name: str) -> list[str]:
    script = BIN / name
    if script.exists():
        return [str(script)]
    module = {"dss-sim": "dss_sim", "dss-addon": "dss_addon"}[name]
    return [sys.executable, "-m", module]


@asynccontextmanager
async def process(args: list[str], stderr_path: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    with stderr_path.open("wb") as stderr:
        proc = await asyncio.create_subprocess_exec(
            *args, stdout=asyncio.subprocess.PIPE, stderr=stderr, env={**os.environ}
        )
        try:
            yield proc
        finally:
            if proc.returncode is None:
                proc.terminate()
                try:
                    await asyncio.wait_for(proc.wait(), 10)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()


async def ready_line(proc: asyncio.subprocess.Process, prefix: str, stderr: Path) -> str:
    assert proc.stdout is not None
    try:
        line = await asyncio.wait_for(proc.stdout.readline(), READY_WITHIN)
    except TimeoutError:
        raise AssertionError(f"no {prefix!r} line; stderr:\n{text_of(stderr)}") from None
    text = line.decode().strip()
    assert text.startswith(prefix), (text, text_of(stderr))
    return text.removeprefix(prefix).strip()
