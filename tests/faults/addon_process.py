"""The real `dss-sim` and `dss-addon serve` processes for fault tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from tests.support.owner import JSON, OwnerClient
from tests.support.processes import command, process, ready_line, text_of

PASSWORD = "Haus-Muster-7391"
UNREACHABLE_DSS = "http://127.0.0.1:9"  # start-up checks run before the dSS is asked anything


@dataclass
class Sites:
    owner_url: str
    share_url: str
    proc: asyncio.subprocess.Process
    stderr: Path


@asynccontextmanager
async def dss_sim(tmp_path: Path) -> AsyncIterator[str]:
    stderr = tmp_path / "sim.err"
    args = [*command("dss-sim"), "--http", "--listen", "127.0.0.1:0", "--password", PASSWORD]
    async with process(args, stderr) as sim:
        yield await ready_line(sim, "dss-sim listening on", stderr)


def serve_args(dss_url: str, data_dir: Path) -> list[str]:
    return [
        *command("dss-addon"), "serve", "--dss-url", dss_url, "--data-dir", str(data_dir),
        "--owner-listen", "127.0.0.1:0", "--share-listen", "127.0.0.1:0", "--http",
    ]  # fmt: skip


@asynccontextmanager
async def dss_addon(dss_url: str, data_dir: Path, stderr: Path) -> AsyncIterator[Sites]:
    async with process(serve_args(dss_url, data_dir), stderr) as addon:
        owner_url = await ready_line(addon, "dss-addon owner site on", stderr)
        share_url = await ready_line(addon, "dss-addon share site on", stderr)
        yield Sites(owner_url, share_url, addon, stderr)


async def refused_start(data_dir: Path, stderr: Path) -> tuple[int, str]:
    """Runs `dss-addon serve` expecting it to refuse; its exit code and stderr."""
    async with process(serve_args(UNREACHABLE_DSS, data_dir), stderr) as addon:
        code = await asyncio.wait_for(addon.wait(), 20)
        assert addon.stdout is not None
        printed = (await addon.stdout.read()).decode()
    assert "site on" not in printed, printed
    return code, text_of(stderr)


async def password_owner(http: aiohttp.ClientSession, owner_url: str) -> OwnerClient:
    async with http.post(
        owner_url + "/api/session", data=json.dumps({"password": PASSWORD}), headers=JSON
    ) as resp:
        assert resp.status == 200, await resp.text()
        morsel = resp.cookies.get("dss_share_owner")
        assert morsel is not None
    owner = OwnerClient(http, owner_url, f"dss_share_owner={morsel.value}")
    await owner.fetch_csrf()
    return owner
