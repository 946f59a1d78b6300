"""Each package installed into an emulated dSS (Debian's busybox for the target; on arm64 also
Python 3.11, on armhf none) by the opkg-like installer, its runit `run` script started under
qemu (chroot) against a native dss-sim on free loopback ports: the owner page through the
simulator's web front and under --path-prefix, a share created, redeemed and used (one call
allowed, one refused); then upgrade from the previous version keeps shares and the changed
conffile, a replaced lighttpd.conf (firmware update) gets the block back at the next start,
remove keeps the data and takes the web front block out, purge deletes the data."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import socket
import subprocess
import tarfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from tests.packaging.installer import Installer, ar_members
from tests.packaging.support import (
    ARCHES,
    CHROOT,
    DEVICE_PATH,
    ROOT,
    Built,
    emulated_root,
    needs_root,
)
from tests.support.processes import command, process, ready_line, text_of

PASSWORD = "Haus-Muster-7391"
JSON_HEADERS = {"Content-Type": "application/json"}
START_WITHIN = 240.0  # seconds: Python and cryptography imported under emulation
DATA = "usr/share/dss/add-ons-data/dss-share"
ORIGINAL_LIGHTTPD = (Path(__file__).parent / "lighttpd.conf").read_text("utf-8")
ALLOWED = "/json/apartment/getStructure"
REFUSED = "/json/property/getString?path=/system/security/users/dssadmin/password"


@dataclass
class Ports:
    owner: int
    share: int


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def previous_version(ipk: Path, dest: Path, version: str) -> Path:
    """The same package with a lower version: what an upgrade comes from."""
    members = ar_members(ipk.read_bytes())
    control_tar = dict(members)["control.tar.gz"]
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(control_tar)) as src, \
            tarfile.open(fileobj=out, mode="w:gz") as dst:  # fmt: skip
        for info in src.getmembers():
            data = src.extractfile(info) if info.isreg() else None
            blob = data.read() if data else b""
            if info.name == "./control":
                blob = blob.replace(b"\nVersion: 0.1.0\n", f"\nVersion: {version}\n".encode())
                info.size = len(blob)
            dst.addfile(info, io.BytesIO(blob) if info.isreg() else None)
    body = bytearray(b"!<arch>\n")
    for name, blob in [(n, out.getvalue() if n == "control.tar.gz" else b) for n, b in members]:
        body += f"{name:<16}{0:<12}{0:<6}{0:<6}{'100644':<8}{len(blob):<10}`\n".encode()
        body += blob + (b"\n" if len(blob) % 2 else b"")
    path = dest / f"dss-share_{version}_{ipk.name.rsplit('_', 1)[1]}"
    path.write_bytes(bytes(body))
    return path


def configure(root: Path, sim_url: str, ports: Ports) -> None:
    """The homeowner's (here: the test's) changes to the conffile, kept across upgrades."""
    conf = root / "etc/dss-share.conf"
    text = conf.read_text("utf-8")
    text += (
        f"\nDSS_URL={sim_url}\nOWNER_LISTEN=127.0.0.1:{ports.owner}\n"
        f"SHARE_LISTEN=127.0.0.1:{ports.share}\nEXTRA_ARGS=--http\n"
    )
    conf.write_text(text, "utf-8")


@asynccontextmanager
async def dss_sim(tmp: Path, owner_port: int) -> AsyncIterator[str]:
    stderr = tmp / "sim.err"
    args = [*command("dss-sim"), "--http", "--listen", "127.0.0.1:0", "--password", PASSWORD,
            "--addon-url", f"http://127.0.0.1:{owner_port}/"]  # fmt: skip
    async with process(args, stderr) as sim:
        yield await ready_line(sim, "dss-sim listening on", stderr)


@asynccontextmanager
async def service(root: Path, log: Path) -> AsyncIterator[list[str]]:
    """The runit `run` script in the emulated root, until its two ready lines."""
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            CHROOT, str(root), "/etc/runit/dss-share/run",
            stdout=asyncio.subprocess.PIPE, stderr=out, env={"PATH": DEVICE_PATH},
        )  # fmt: skip
        lines: list[str] = []
        try:
            assert proc.stdout is not None
            async with asyncio.timeout(START_WITHIN):
                while not any(line.startswith("dss-addon share site on") for line in lines):
                    raw = await proc.stdout.readline()
                    assert raw, f"the service ended: {lines}\n{text_of(log)}"
                    lines.append(raw.decode().strip())
            yield lines
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.wait(), 60)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()


async def owner_session(http: aiohttp.ClientSession, base: str) -> dict[str, str]:
    async with http.post(base + "/api/session", data=json.dumps({"password": PASSWORD}),
                         headers=JSON_HEADERS) as resp:  # fmt: skip
        assert resp.status == 200, await resp.text()
        morsel = resp.cookies.get("dss_share_owner")
        assert morsel is not None
    cookie = {"Cookie": f"dss_share_owner={morsel.value}"}
    async with http.get(base + "/api/session", headers=cookie) as resp:
        csrf = (await resp.json())["csrf"]
    return {**cookie, "X-CSRF-Token": csrf, **JSON_HEADERS}


async def list_labels(http: aiohttp.ClientSession, base: str, headers: dict[str, str]) -> set[str]:
    async with http.get(base + "/api/shares", headers=headers) as resp:
        assert resp.status == 200, await resp.text()
        body = await resp.json()
    shares = body["shares"] if isinstance(body, dict) else body
    return {s["label"] for s in shares}


async def first_run(http: aiohttp.ClientSession, sim_url: str, ports: Ports) -> None:
    front = sim_url + "/add-ons/dss-share"  # the simulator plays the dSS web front
    async with http.get(front + "/") as resp:
        page = await resp.text()
        assert resp.status == 401, page
        assert "Passwort" in page
    prefixed = f"http://127.0.0.1:{ports.owner}/add-ons/dss-share"  # as lighttpd forwards it
    async with http.get(prefixed + "/login") as resp:
        assert resp.status == 200
    headers = await owner_session(http, front)
    body = {"label": "Elektro Emuliert", "level": "operate", "duration_minutes": 240}
    async with http.post(front + "/api/shares", data=json.dumps(body), headers=headers) as resp:
        assert resp.status == 201, await resp.text()
        link = (await resp.json())["link"]
    secret = link.rsplit("#", 1)[1]
    share = f"http://127.0.0.1:{ports.share}"
    async with http.post(share + "/s/redeem", json={"secret": secret}) as resp:
        assert resp.status == 200, await resp.text()
        cookie = resp.cookies.get("dss_share")
        assert cookie is not None
    helper = {"Cookie": f"dss_share={cookie.value}"}
    async with http.get(share + ALLOWED, headers=helper) as resp:
        assert resp.status == 200, await resp.text()
        assert (await resp.json())["ok"] is True
    async with http.get(share + REFUSED, headers=helper) as resp:
        assert resp.status == 403, await resp.text()


def assert_lighttpd_accepts(root: Path) -> None:
    """Debian's lighttpd (1.4.69) in the emulated root parses the edited config."""
    check = [CHROOT, str(root), "/usr/sbin/lighttpd", "-t", "-f", "/etc/lighttpd.conf"]
    done = subprocess.run(check, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Syntax OK" in done.stdout


def tree(root: Path) -> list[tuple[str, int, float]]:
    return sorted(
        (str(p), p.lstat().st_size, p.lstat().st_mtime) for p in root.rglob("*")
    )


@pytest.mark.parametrize("arch", ARCHES)
def test_device_check_names_the_package_and_changes_nothing(arch: str, tmp_path: Path) -> None:
    needs_root()
    root = emulated_root(tmp_path / "root", arch)
    check = root / "device-check"
    check.write_bytes((ROOT / "scripts/device-check").read_bytes())
    (root / "etc/runit").mkdir(parents=True, exist_ok=True)
    before = tree(root)
    done = subprocess.run([CHROOT, str(root), "/bin/sh", "/device-check"],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert tree(root) == before
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Nehmen Sie dss-share_<Version>_{arch}.ipk" in done.stdout
    assert f"Take dss-share_<version>_{arch}.ipk" in done.stdout
    assert "lighttpd/1.4" in done.stdout  # Debian's lighttpd in the emulated root
    python = "3.11 – wird verwendet" if arch == "arm64" else "keins"
    assert python in done.stdout


@pytest.mark.parametrize("arch", ARCHES)
async def test_install_run_upgrade_remove_purge(built: Built, arch: str, tmp_path: Path) -> None:
    needs_root()
    root = emulated_root(tmp_path / "root", arch)
    opkg = Installer(root)
    ports = Ports(free_port(), free_port())
    old = previous_version(built.packages[arch], tmp_path, "0.0.9")
    opkg.install(old)
    assert opkg.log == ["dss-share preinst install", "dss-share postinst configure"]
    lighttpd = (root / "etc/lighttpd.conf").read_text("utf-8")
    assert lighttpd.count("# BEGIN dss-share") == 1
    assert '"port" => 8091' in lighttpd  # the shipped default until the conffile changes
    assert (root / DATA).is_dir()
    async with dss_sim(tmp_path, ports.owner) as sim_url, \
            aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:  # fmt: skip
        configure(root, sim_url, ports)
        async with service(root, tmp_path / "run-1.log") as lines:
            expected = "device's Python" if arch == "arm64" else "bundled Python"
            assert any(expected in line for line in lines), lines
            await first_run(http, sim_url, ports)
        conf_before = (root / "etc/dss-share.conf").read_text("utf-8")
        opkg.log.clear()
        opkg.install(built.packages[arch])
        assert opkg.log == [
            "dss-share prerm upgrade 0.1.0", "dss-share preinst upgrade 0.0.9",
            "dss-share postrm upgrade 0.1.0", "dss-share postinst configure 0.0.9",
        ]  # fmt: skip
        assert (root / "etc/dss-share.conf").read_text("utf-8") == conf_before
        # A firmware update replaces the web server's config: the next start restores the block.
        (root / "etc/lighttpd.conf").write_text(ORIGINAL_LIGHTTPD, "utf-8")
        async with service(root, tmp_path / "run-2.log"):
            lighttpd = (root / "etc/lighttpd.conf").read_text("utf-8")
            assert lighttpd.count("# BEGIN dss-share") == 1  # re-applied, not added twice
            assert f'"port" => {ports.owner}' in lighttpd
            assert_lighttpd_accepts(root)
            front = sim_url + "/add-ons/dss-share"
            headers = await owner_session(http, front)
            assert "Elektro Emuliert" in await list_labels(http, front, headers)
    opkg.remove("dss-share")
    assert (root / DATA).is_dir()
    assert any((root / DATA).iterdir())
    assert not (root / "usr/lib/dss-share").exists()
    assert (root / "etc/lighttpd.conf").read_text("utf-8") == ORIGINAL_LIGHTTPD
    opkg.purge("dss-share")
    assert not (root / DATA).exists()
    assert not (root / "etc/dss-share.conf").exists()
    assert not (root / "etc/runit/dss-share").exists()
    assert os.listdir(root / "var/lib/opkg-add-ons/info") == []
