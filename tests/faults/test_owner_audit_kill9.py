"""kill -9 of the real add-on while the owner works: every acknowledged owner action has its
audit row on disk (written in the same transaction as the change)."""

from __future__ import annotations

import asyncio
import random
import signal
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.faults.addon_process import dss_addon, dss_sim, password_owner
from tests.support.owner import OwnerClient, share_of
from tests.support.processes import text_of


@dataclass
class Acknowledged:
    created: set[str] = field(default_factory=set)
    revoked: set[str] = field(default_factory=set)
    extended: set[tuple[str, str]] = field(default_factory=set)  # (share id, new end, ISO)


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


def audit_rows(db: Path) -> set[tuple[str, str, str]]:
    """(share id, event, reason) of every row on disk, read as the next start would."""
    with closing(sqlite3.connect(db)) as conn:
        return set(conn.execute("SELECT share_id, event, reason FROM audit"))


async def test_kill_9_loses_no_audit_row_of_an_acknowledged_owner_action(tmp_path: Path) -> None:
    rng = random.Random()
    seed = rng.randrange(2**32)
    rng.seed(seed)
    data_dir, seen = tmp_path / "data", Acknowledged()
    async with dss_sim(tmp_path) as sim_url, aiohttp.ClientSession() as http:
        async with dss_addon(sim_url, data_dir, tmp_path / "addon.err") as sites:
            owner = await password_owner(http, sites.owner_url)
            workers = [asyncio.create_task(churn(owner, seen, rng)) for _ in range(4)]
            target = rng.randrange(20, 40)
            while len(seen.created) < target or not seen.revoked or not seen.extended:
                await asyncio.sleep(0.01)
                assert not all(w.done() for w in workers), text_of(sites.stderr)
            await asyncio.sleep(rng.random() * 0.05)
            sites.proc.send_signal(signal.SIGKILL)
            await sites.proc.wait()
            await asyncio.wait_for(asyncio.gather(*workers), 30)

    rows = audit_rows(data_dir / "addon.db")
    events = {(share_id, event) for share_id, event, _ in rows}
    context = f"seed {seed}"
    assert {(s, "created") for s in seen.created} <= events, context
    assert {(s, "revoked") for s in seen.revoked} <= events, context
    extensions = {
        (share_id, reason.split()[1]) for share_id, event, reason in rows if event == "extended"
    }
    wanted = {(s, end.replace("Z", "+00:00")) for s, end in seen.extended}
    assert wanted <= extensions, context
