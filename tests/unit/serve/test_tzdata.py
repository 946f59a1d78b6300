"""The dSS has no zoneinfo database (/usr/share/zoneinfo): the add-on brings `tzdata`, so its
time zones (Europe/Berlin by default) load without one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_owner_pages_load_without_a_system_zoneinfo_database(tmp_path: Path) -> None:
    empty = tmp_path / "zoneinfo"
    empty.mkdir()
    env = {**os.environ, "PYTHONTZPATH": str(empty), "TZDIR": str(empty), "PYTHONPATH": str(ROOT)}
    probe = (
        "import zoneinfo, dss_addon.web.owner.forms as f; "
        f"assert zoneinfo.TZPATH == ({str(empty)!r},), zoneinfo.TZPATH; "
        "print(f.DEFAULT_ZONE, f.browser_zone('America/New_York'))"
    )
    done = subprocess.run(  # noqa: S603  # the test's own interpreter and text
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["Europe/Berlin", "America/New_York"]
