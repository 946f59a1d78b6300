"""Device figures (`scripts/bench --device`): per architecture the .ipk's size, its installed
size, and the time to ready and resident memory of the runit `run` script's add-on under
qemu-user in an emulated dSS root; and the add-on's idle resident memory natively.

Reported, not judged: emulation inflates the time many times over and the RSS includes the
emulator. Reuses the packaging build (scripts/package.py) and the packaging tests' emulated
roots and installer (tests/packaging/), as the packaging tests run them; needs root (chroot)
and qemu-user-static registered with binfmt_misc."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from scripts.benchmarks.format import Row, mark, mb
from scripts.benchmarks.memory import TARGET_IDLE_RSS_MB
from scripts.benchmarks.processes import (
    OWNER_READY,
    SHARE_READY,
    BenchError,
    progress,
    rss_kib,
    start_addon,
    start_sim,
    started,
)

ARCHES = ("armhf", "arm64")
START_WITHIN_S = 240.0  # Python and cryptography imported under emulation
SETTLE_S = 2.0  # after the ready lines, before resident memory is read
STARTED_WITH = re.compile(r"dss-share: starting with (.+)$")


@dataclass(frozen=True)
class Emulated:
    arch: str
    python: str  # which Python the run script chose, as it says
    ready_s: float
    rss_kib: int


@dataclass
class DeviceFigures:
    ipk_bytes: dict[str, int]
    installed_kib: dict[str, int]  # what the package's files take in the root
    emulated: list[Emulated]
    native_idle_kib: int | None


def tree_kib(top: Path) -> int:
    """Disk use of the files under top, in KiB blocks per file (like du, without directories)."""
    return sum((p.stat().st_size + 1023) // 1024 for p in top.rglob("*") if p.is_file())


async def measure_devices(scratch: Path) -> DeviceFigures:
    if os.geteuid() != 0:
        raise BenchError("the device figures run the package under chroot: needs root")
    try:
        from scripts import package
        from tests.packaging.installer import Installer
        from tests.packaging.support import CHROOT, DEVICE_PATH, emulated_root
        from tests.packaging.test_emulated_install import Ports, configure, free_port
    except ImportError as err:
        raise BenchError(f"the packaging helpers are missing: {err}") from err
    figures = DeviceFigures({}, {}, [], None)
    password = secrets.token_urlsafe(12)
    async with start_sim(password, 0) as sim:
        sim_url = sim.urls[0]
        for arch in ARCHES:
            progress(f"device {arch}: building the package")
            ipk = await asyncio.to_thread(
                package.build, package.ARCHES[arch], package.version_default(), scratch / "build"
            )
            figures.ipk_bytes[arch] = ipk.stat().st_size
            progress(f"device {arch}: emulated root, install")
            root = await asyncio.to_thread(emulated_root, scratch / f"root-{arch}", arch)
            await asyncio.to_thread(Installer(root).install, ipk)
            figures.installed_kib[arch] = tree_kib(root / package.PREFIX) + tree_kib(
                root / package.SERVICE
            )
            # armhf's root has no Python: the run script takes the bundled one either way.
            for choice in ("bundled", "auto") if arch == "arm64" else ("bundled",):
                progress(f"device {arch}: start under qemu (PYTHON={choice})")
                ports = Ports(free_port(), free_port())
                configure(root, sim_url, ports)
                with (root / "etc/dss-share.conf").open("a", encoding="utf-8") as conf:
                    conf.write(f"PYTHON={choice}\n")
                argv = [CHROOT, str(root), "/etc/runit/dss-share/run"]
                async with started(
                    f"dss-share ({arch})", argv, (OWNER_READY, SHARE_READY),
                    env={"PATH": DEVICE_PATH}, clean_env=True, ready_within=START_WITHIN_S,
                    keep_lines=200,
                ) as addon:
                    await asyncio.sleep(SETTLE_S)
                    rss = rss_kib(addon.pid)[0]
                    said = [m.group(1) for m in map(STARTED_WITH.search, addon.output) if m]
                    python = said[-1] if said else choice
                    figures.emulated.append(Emulated(arch, python, addon.ready_s, rss))
        progress("native: idle add-on")
        async with start_addon(sim_url, scratch / "native") as native:
            await asyncio.sleep(SETTLE_S)
            figures.native_idle_kib = rss_kib(native.pid)[0]
    return figures


def mib(size: float) -> str:
    return f"{size / 2**20:.1f} MiB"


def device_rows(figures: DeviceFigures) -> list[Row]:
    rows: list[Row] = []
    for arch in ARCHES:
        if arch in figures.ipk_bytes:
            rows.append((
                f"{arch}: .ipk / installed", "", f"{mib(figures.ipk_bytes[arch])} "
                f"({figures.ipk_bytes[arch]:,} B) / {mib(figures.installed_kib[arch] * 1024)}",
                "", "", "(reported)", "",
            ))
    for item in figures.emulated:
        rows.append((
            f"{item.arch} under qemu ({item.python}): start → ready, VmRSS", "",
            f"{item.ready_s:.1f} s, {mib(item.rss_kib * 1024)}", "", "",
            "(reported: emulated)", "",
        ))
    if figures.native_idle_kib is not None:
        idle_mb = figures.native_idle_kib * 1024 / 1e6
        rows.append((
            "native idle VmRSS (started, no share)", "", mb(figures.native_idle_kib), "", "",
            f"≤ {TARGET_IDLE_RSS_MB:g} MB", mark(idle_mb <= TARGET_IDLE_RSS_MB),
        ))
    return rows
