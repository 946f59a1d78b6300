"""The real `dss-sim` and `dss-addon serve` processes, for process and fault tests, and an owner
who keeps changing shares until the add-on stops answering."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.support.owner import JSON, OwnerClient, share_of
from tests.support.processes import command, process, ready_line, text_of

PASSWORD = "Haus-Muster-7391"  # not the default, so it is recognisable anywhere it leaks to
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
    """The owner opens the site directly and logs in with the dSS password."""
    async with http.post(
        owner_url + "/api/session", data=json.dumps({"password": PASSWORD}), headers=JSON
    ) as resp:
        assert resp.status == 200, await resp.text()
        morsel = resp.cookies.get("dss_share_owner")
        assert morsel is not None
    owner = OwnerClient(http, owner_url, f"dss_share_owner={morsel.value}")
    await owner.fetch_csrf()
    return owner


@dataclass
class Acknowledged:
    """Every share change the add-on answered with success before it was killed."""

    created: set[str] = field(default_factory=set)
    revoked: set[str] = field(default_factory=set)
    extended: set[tuple[str, str]] = field(default_factory=set)  # (share id, new end, ISO)

    @property
    def expires(self) -> dict[str, str]:
        """The latest acknowledged end of every extended share."""
        latest: dict[str, str] = {}
        for share_id, end in self.extended:
            latest[share_id] = max(end, latest.get(share_id, end))
        return latest


async def churn(owner: OwnerClient, seen: Acknowledged, rng: random.Random) -> None:
    """Create, extend and revoke shares until the add-on stops answering."""
    while True:
        try:
            ids = sorted(seen.created - seen.revoked)
            action = rng.random()
            if ids and action < 0.3:
                share_id = rng.choice(ids)
                reply = await owner.post(f"/api/shares/{share_id}/revoke")
                if reply.status == 200:
                    seen.revoked.add(share_id)
            elif ids and action < 0.6:
                share_id = rng.choice(ids)
                reply = await owner.post(f"/api/shares/{share_id}/extend", {"minutes": 30})
                if reply.status == 200:
                    seen.extended.add((share_id, str(share_of(reply.json())["expires_at"])))
            else:
                reply = await owner.post(
                    "/api/shares", {"label": "Churn", "level": "view", "duration_minutes": 60}
                )
                if reply.status == 201:
                    seen.created.add(str(share_of(reply.json())["id"]))
        except aiohttp.ClientError:
            return
