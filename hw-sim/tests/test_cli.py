"""The dss-sim console script as a subprocess: readiness line, one request, bad options."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import aiohttp
import pytest

READY = re.compile(r"dss-sim listening on (\S+)")


def dss_sim_command() -> list[str]:
    script = Path(sys.executable).with_name("dss-sim")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "dss_sim"]


async def read_ready_url(proc: asyncio.subprocess.Process, within: float) -> str:
    assert proc.stdout is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    seen: list[str] = []
    while (remaining := deadline - loop.time()) > 0:
        try:
            line = await asyncio.wait_for(proc.stdout.readline(), remaining)
        except TimeoutError:
            break
        if not line:
            break
        text = line.decode(errors="replace").strip()
        seen.append(text)
        if match := READY.search(text):
            return match.group(1)
    raise AssertionError(f"no readiness line within {within} s; stdout: {seen!r}")


@pytest.mark.parametrize(
    ("options", "scheme"),
    [pytest.param(["--http"], "http", id="http"), pytest.param([], "https", id="https")],
)
async def test_dss_sim_command_serves_and_prints_its_url(
    tmp_path: Path, options: list[str], scheme: str
) -> None:
    stderr_path = tmp_path / "stderr.txt"
    with stderr_path.open("wb") as stderr:
        proc = await asyncio.create_subprocess_exec(
            *dss_sim_command(),
            *options,
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            str(tmp_path / "data"),
            "--password",
            "cli-secret",
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    try:
        url = await read_ready_url(proc, within=20.0)
        assert url.startswith(f"{scheme}://127.0.0.1:")
        assert not url.rstrip("/").endswith(":0")
        async with (
            aiohttp.ClientSession() as session,
            session.get(url.rstrip("/") + "/json/system/getDSID", ssl=False) as resp,
        ):
            assert resp.status == 200
            body = await resp.json()
            assert body["ok"] is True
            assert len(body["result"]["dSUID"]) == 34
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                url.rstrip("/") + "/json/system/login?user=dssadmin&password=cli-secret",
                ssl=False,
            ) as resp,
        ):
            assert (await resp.json())["ok"] is True
    except BaseException:
        print("dss-sim stderr:\n" + stderr_path.read_text(errors="replace"))
        raise
    finally:
        if proc.returncode is None:
            proc.terminate()
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def run_to_completion(*args: str) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        *dss_sim_command(),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 20)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode is not None
    return proc.returncode, (out + err).decode(errors="replace")


async def test_bad_option_exits_non_zero_with_a_short_message_and_no_traceback() -> None:
    code, output = await run_to_completion("--no-such-option")
    assert code != 0
    assert output.strip()
    assert "Traceback" not in output
    assert len(output.splitlines()) <= 10


async def test_bad_option_value_exits_non_zero_without_traceback() -> None:
    code, output = await run_to_completion("--http", "--latency-ms", "soon")
    assert code != 0
    assert "Traceback" not in output
    assert len(output.splitlines()) <= 10
