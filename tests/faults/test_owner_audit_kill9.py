"""kill -9 of the real add-on while the owner works: every acknowledged owner action has its
audit row on disk (written in the same transaction as the change)."""

from __future__ import annotations

import asyncio
import random
import signal
import sqlite3
from contextlib import closing
from pathlib import Path

import aiohttp

from tests.support.addon_process import Acknowledged, churn, dss_addon, dss_sim, password_owner
from tests.support.processes import text_of


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
