"""`dss-sim --www-pages`: the appliance's three listeners from the command line."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import aiohttp


def dss_sim_command() -> list[str]:
    script = Path(sys.executable).with_name("dss-sim")
    return [str(script)] if script.exists() else [sys.executable, "-m", "dss_sim"]


LINE = re.compile(r"dss-sim (listening|web front|trusted port) on (\S+)")


async def read_urls(proc: asyncio.subprocess.Process) -> dict[str, str]:
    assert proc.stdout is not None
    urls: dict[str, str] = {}
    async with asyncio.timeout(20):
        while len(urls) < 3:
            line = (await proc.stdout.readline()).decode(errors="replace")
            assert line, f"dss-sim ended early: {urls}"
            if match := LINE.search(line):
                urls[match.group(1)] = match.group(2).rstrip("/")
    return urls


async def test_appliance_listeners(tmp_path: Path) -> None:
    www = tmp_path / "www"
    proc = await asyncio.create_subprocess_exec(
        *dss_sim_command(), "--http", "--listen", "127.0.0.1:0", "--password", "cli-secret",
        "--www-pages", str(www), "--webfront-listen", "127.0.0.1:0",
        "--trusted-listen", "127.0.0.1:0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip
    try:
        urls = await read_urls(proc)
        assert (www / "index.html").is_file()  # an empty document root is filled
        async with aiohttp.ClientSession() as http:
            async with http.get(urls["listening"] + "/") as resp:
                assert resp.status == 404  # the dSS's own web root is empty
            async with http.get(urls["web front"] + "/") as resp:
                assert resp.status == 401
            named = {"Authorization": 'Digest username="dssadmin"'}
            async with http.get(urls["trusted port"] + "/json/system/loggedInUser",
                                headers=named) as resp:
                assert (await resp.json())["result"] == {"name": "dssadmin"}
        login = aiohttp.DigestAuthMiddleware("dssadmin", "cli-secret")
        async with aiohttp.ClientSession(middlewares=(login,)) as http:
            async with http.get(urls["web front"] + "/") as resp:
                assert resp.status == 200
                assert "digitalSTROM" in await resp.text()
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)
