"""What the packaging tests share: the built packages, the build command, emulated roots."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARCHES = ("armhf", "arm64")
BUILD_TIMEOUT = 600
CHROOT = shutil.which("chroot", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin") or "chroot"
DEVICE_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"  # what runit and opkg give their children
EPOCH = 1767225600  # SOURCE_DATE_EPOCH for the tests' builds: the tree may be uncommitted
VERSION = str(json.loads((ROOT / "addon.json").read_text("utf-8"))["version"])


@dataclass(frozen=True)
class Built:
    packages: dict[str, Path]  # arch -> .ipk
    again: Path  # armhf built a second time, into another folder



def package_command(*args: str) -> list[str]:
    return [sys.executable, str(ROOT / "scripts/package.py"), *args]



def emulated_root(dest: Path, arch: str) -> Path:
    done = subprocess.run(
        package_command("emulated-root", "--arch", arch, "--dest", str(dest)),
        capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    for name, major, minor in (("null", 1, 3), ("zero", 1, 5), ("urandom", 1, 9)):
        node = dest / "dev" / name
        if not node.exists():
            os.mknod(node, 0o666 | 0o020000, os.makedev(major, minor))
    (dest / "etc").mkdir(exist_ok=True)
    (dest / "etc/lighttpd.conf").write_text(
        (Path(__file__).parent / "lighttpd.conf").read_text("utf-8"), "utf-8"
    )
    return dest


def needs_root() -> None:
    if os.geteuid() != 0:
        pytest.skip("the emulated install runs maintainer scripts under chroot: needs root")
