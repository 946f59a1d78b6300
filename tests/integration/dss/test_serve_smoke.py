"""The console scripts wired together: `dss-sim` and `dss-addon serve` in subprocesses."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import aiohttp

from tests.support.processes import command, process, ready_line, text_of


async def test_addon_serves_both_sites_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    sim_err, addon_err = tmp_path / "sim.err", tmp_path / "addon.err"
    sim_args = [*command("dss-sim"), "--http", "--listen", "127.0.0.1:0"]
    async with process(sim_args, sim_err) as sim:
        sim_url = await ready_line(sim, "dss-sim listening on", sim_err)
        addon_args = [
            *command("dss-addon"), "serve", "--dss-url", sim_url,
            "--data-dir", str(tmp_path / "data"),
            "--owner-listen", "127.0.0.1:0", "--share-listen", "127.0.0.1:0",
        ]  # fmt: skip
        async with process(addon_args, addon_err) as addon:
            owner_url = await ready_line(addon, "dss-addon owner site on", addon_err)
            share_url = await ready_line(addon, "dss-addon share site on", addon_err)
            assert owner_url.startswith("http://127.0.0.1:")
            assert share_url.startswith("https://127.0.0.1:")  # self-signed unless --http
            assert not owner_url.endswith(":0")
            assert not share_url.endswith(":0")
            async with aiohttp.ClientSession() as http:
                async with http.get(owner_url + "/", allow_redirects=False) as resp:
                    assert resp.status < 500, await resp.text()
                async with http.get(share_url + "/s/", ssl=False) as resp:
                    assert resp.status == 200, await resp.text()
            addon.send_signal(signal.SIGTERM)
            assert await asyncio.wait_for(addon.wait(), 15) == 0, text_of(addon_err)
    log = text_of(addon_err)
    assert "Traceback" not in log
    assert "shutting down" in log
    key = tmp_path / "data" / "tls" / "share-site.key"
    assert key.stat().st_mode & 0o777 == 0o600


async def test_bad_option_exits_2_without_traceback(tmp_path: Path) -> None:
    proc = await asyncio.create_subprocess_exec(
        *command("dss-addon"), "serve", "--dss-url", "http://127.0.0.1:1",
        "--data-dir", str(tmp_path), "--share-listen", "not-a-port",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 2
    assert out == b""
    lines = err.decode().splitlines()
    assert len(lines) == 1, lines
    assert "--share-listen" in lines[0]
    assert "Traceback" not in err.decode()
