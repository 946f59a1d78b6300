"""`scripts/demo`'s guard rails, run from a copy of the script in a scratch checkout: a second
demo leaves a running one's data alone, and ports are checked before anything starts."""

from __future__ import annotations

import fcntl
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

DEMO = Path(__file__).resolve().parents[3] / "scripts" / "demo"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy2(DEMO, tmp_path / "scripts" / "demo")
    return tmp_path


def run_demo(checkout: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  # our own script, fixed arguments
        [str(checkout / "scripts" / "demo"), *args],
        capture_output=True, text=True, timeout=30, check=False,
    )


def test_a_second_demo_leaves_the_running_ones_data_alone(checkout: Path) -> None:
    data = checkout / ".demo" / "data"
    data.mkdir(parents=True)
    (data / "addon.db").write_text("the running demo's shares")
    (checkout / ".demo" / "urls").write_text("  Configurator (dss-sim):  https://127.0.0.1:1/\n")
    with (checkout / ".demo" / "lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what the running demo holds
        result = run_demo(checkout)
    assert result.returncode == 1
    assert "already running" in result.stderr
    assert "https://127.0.0.1:1/" in result.stderr  # says where the running one is
    assert (data / "addon.db").read_text() == "the running demo's shares"


@pytest.mark.parametrize("port", ["0x50", "0", "70000", "eighty"])
def test_a_port_that_is_no_port_is_refused(checkout: Path, port: str) -> None:
    result = run_demo(checkout, "--owner-port", port)
    assert result.returncode == 2
    assert "a port is a number" in result.stderr
    assert not (checkout / ".demo").exists()


def test_the_help_names_the_port_options(checkout: Path) -> None:
    result = run_demo(checkout, "--help")
    assert result.returncode == 0
    for option in ("--sim-port", "--owner-port", "--share-port"):
        assert option in result.stdout


def test_a_chosen_port_that_is_taken_is_refused(checkout: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        # setup is skipped: a stand-in that does nothing, so only the port check runs
        (checkout / "scripts" / "setup").write_text("#!/bin/sh\nexit 0\n")
        (checkout / "scripts" / "setup").chmod(0o755)
        result = run_demo(checkout, "--share-port", str(port))
    assert result.returncode == 1
    assert f"port {port} (--share-port) is taken" in result.stderr
