"""The real `dss-addon serve` process against a real `dss-sim` process: what a power cut or a
`kill -9` may not lose, and what may never reach the disk or the log."""

from __future__ import annotations

import asyncio
import json
import random
import signal
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from tests.support.addon_process import (
    PASSWORD,
    Acknowledged,
    churn,
    dss_addon,
    dss_sim,
    password_owner,
)
from tests.support.owner import JSON, share_of
from tests.support.processes import text_of


def objects(value: object) -> list[dict[str, object]]:
    assert isinstance(value, list)
    assert all(isinstance(item, dict) for item in value)
    return value


async def test_kill_9_at_any_moment_loses_no_acknowledged_share_change(tmp_path: Path) -> None:
    rng = random.Random()  # a different moment each run; the seed is in the failure message
    seed = rng.randrange(2**32)
    rng.seed(seed)
    data_dir, seen = tmp_path / "data", Acknowledged()
    async with dss_sim(tmp_path) as sim_url, aiohttp.ClientSession() as http:
        async with dss_addon(sim_url, data_dir, tmp_path / "addon1.err") as sites:
            owner = await password_owner(http, sites.owner_url)
            workers = [asyncio.create_task(churn(owner, seen, rng)) for _ in range(4)]
            target = rng.randrange(15, 40)
            while len(seen.created) < target:
                await asyncio.sleep(0.01)
                assert not all(w.done() for w in workers), text_of(sites.stderr)
            await asyncio.sleep(rng.random() * 0.05)  # somewhere in the middle of a request
            sites.proc.send_signal(signal.SIGKILL)
            await sites.proc.wait()
            await asyncio.wait_for(asyncio.gather(*workers), 30)

        async with dss_addon(sim_url, data_dir, tmp_path / "addon2.err") as sites:
            owner = await password_owner(http, sites.owner_url)
            reply = await owner.get("/api/shares")
            assert reply.status == 200, reply.text
            stored = {str(s["id"]): s for s in objects(reply.json()["shares"])}

    context = f"seed {seed}"
    assert seen.created <= stored.keys(), context
    for share_id in seen.revoked:
        assert stored[share_id]["state"] == "revoked", context
    for share_id, expires_at in seen.expires.items():
        assert str(stored[share_id]["expires_at"]) >= expires_at, context


@dataclass
class Secrets:
    values: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, value: str) -> None:
        assert value, name
        self.values[name] = value

    def found_in(self, text: str) -> list[str]:
        return [name for name, value in self.values.items() if value in text]


def readable(path: Path) -> str:
    """A file's bytes as text, so that any stored copy of an ASCII secret is found."""
    return path.read_bytes().decode("latin-1")


async def dss_app_tokens(http: aiohttp.ClientSession, sim_url: str) -> list[str]:
    """The application tokens the dSS knows (read directly from the simulator's tree)."""
    async with http.get(
        sim_url + "/json/system/login", params={"user": "dssadmin", "password": PASSWORD}
    ) as resp:
        token = (await resp.json())["result"]["token"]
    query = "/system/security/applicationTokens/enabled/*(token)"
    async with http.get(
        sim_url + "/json/property/query", params={"query": query, "token": token}
    ) as resp:
        result = (await resp.json())["result"]
    return [entry["token"] for entry in result.get("enabled", [])]


async def test_no_secret_reaches_the_data_dir_the_log_or_the_audit_trail(tmp_path: Path) -> None:
    data_dir, stderr, secrets = tmp_path / "data", tmp_path / "addon.err", Secrets()
    secrets.add("password", PASSWORD)
    async with dss_sim(tmp_path) as sim_url, aiohttp.ClientSession() as http:
        async with dss_addon(sim_url, data_dir, stderr) as sites:
            owner = await password_owner(http, sites.owner_url)
            secrets.add("owner cookie", owner.cookie.partition("=")[2])
            reply = await owner.post(
                "/api/shares",
                {"label": "Elektro Müller", "level": "view", "duration_minutes": 60, "pin": True},
            )
            assert reply.status == 201, reply.text
            created = reply.json()
            secret = str(created["link"]).partition("#")[2]
            pin = str(created["pin"])
            share_id = str(share_of(created)["id"])
            secrets.add("share secret", secret)
            secrets.add("PIN", pin)

            redeem, morsel = sites.share_url + "/s/redeem", None
            wrong = "000000" if pin != "000000" else "111111"
            for attempt in (wrong, pin):
                async with http.post(
                    redeem, data=json.dumps({"secret": secret, "pin": attempt}), headers=JSON
                ) as resp:
                    assert resp.status == (200 if attempt == pin else 401), await resp.text()
                    morsel = resp.cookies.get("dss_share")
            assert morsel is not None
            secrets.add("session cookie", morsel.value)
            helper = {"Cookie": f"dss_share={morsel.value}"}
            for path, status in (
                ("/json/apartment/getStructure", 200),
                ("/json/zone/callScene?id=989&sceneNumber=5", 403),
                ("/json/property/getString?path=/system/security/users/dssadmin/password", 403),
            ):
                async with http.get(sites.share_url + path, headers=helper) as resp:
                    assert resp.status == status, (path, await resp.text())

            for i, token in enumerate(await dss_app_tokens(http, sim_url)):
                secrets.add(f"dSS app token {i}", token)
            assert any(name.startswith("dSS app token") for name in secrets.values)

            audit = await owner.get(f"/api/shares/{share_id}/audit")
            csv = await owner.get(f"/api/shares/{share_id}/audit?format=csv")
            revoked = await owner.post(f"/api/shares/{share_id}/revoke")
            assert revoked.status == 200, revoked.text
            sites.proc.send_signal(signal.SIGTERM)  # flushes the batched audit rows
            assert await asyncio.wait_for(sites.proc.wait(), 15) == 0, text_of(stderr)

    events = [entry["event"] for entry in objects(audit.json()["audit"])]
    assert {"created", "pin_failed", "opened", "call", "denied"} <= set(events), events
    places = {"audit JSON": audit.text, "audit CSV": csv.text, "add-on log": text_of(stderr)}
    files = sorted(p for p in data_dir.rglob("*") if p.is_file())
    assert any(p.name.endswith(".db") for p in files), files
    places.update({str(p.relative_to(data_dir)): readable(p) for p in files})
    leaks = {place: found for place, text in places.items() if (found := secrets.found_in(text))}
    assert leaks == {}
