"""packaging/bin/dss-share-web, the add-on's block in the dSS's one /etc/lighttpd.conf: applied
at every start (a firmware update replaces the file), idempotent, checked with `lighttpd -t`
before it replaces the file, and taken out without a trace on remove. Run with the host's sh and
dash (busybox sh on the device; the emulated install covers that)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.packaging.support import ROOT

SCRIPT = ROOT / "packaging/bin/dss-share-web"
ORIGINAL = (Path(__file__).parent / "lighttpd.conf").read_text("utf-8")
SHELLS = ("sh", "dash")


def run(
    shell: str, conf: Path, *args: str, path: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = {"PATH": f"{path}:/usr/bin:/bin" if path else "/usr/bin:/bin",
           "DSS_SHARE_LIGHTTPD_CONF": str(conf)}  # fmt: skip
    return subprocess.run([shell, str(SCRIPT), *args], env=env, capture_output=True, text=True,
                          timeout=30, check=False)  # fmt: skip


def fake_lighttpd(folder: Path, *, valid: bool) -> Path:
    """A `lighttpd -t -f FILE` stand-in that records what it checked."""
    folder.mkdir(exist_ok=True)
    tool = folder / "lighttpd"
    verdict = "exit 0" if valid else "echo 'syntax error' >&2; exit 255"
    tool.write_text(f'#!/bin/sh\necho "$@" >> "{folder}/checked"\n{verdict}\n', "utf-8")
    tool.chmod(0o755)
    return folder


@pytest.mark.parametrize("shell", SHELLS)
def test_apply_is_idempotent_and_remove_restores_the_file(shell: str, tmp_path: Path) -> None:
    conf = tmp_path / "lighttpd.conf"
    conf.write_text(ORIGINAL, "utf-8")
    for _ in range(2):
        assert run(shell, conf, "apply", "8091").returncode == 0
    text = conf.read_text("utf-8")
    assert text.startswith(ORIGINAL)
    assert text.count("# BEGIN dss-share") == 1
    assert text.count("# END dss-share") == 1
    assert '$HTTP["url"] =~ "^/add-ons/dss-share(/|$)"' in text
    assert '"host" => "127.0.0.1", "port" => 8091' in text
    assert "mod_proxy\" )" not in text.split("# BEGIN dss-share")[1]  # already loaded
    assert "include" not in text.split("# BEGIN dss-share")[1]
    assert run(shell, conf, "apply", "9000").returncode == 0  # a changed port replaces it
    assert conf.read_text("utf-8").count('"port" => 9000') == 1
    assert '"port" => 8091' not in conf.read_text("utf-8")
    assert run(shell, conf, "remove").returncode == 0
    assert conf.read_text("utf-8") == ORIGINAL
    assert run(shell, conf, "remove").returncode == 0
    assert conf.read_text("utf-8") == ORIGINAL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lighttpd.conf"]  # no temp left


@pytest.mark.parametrize("shell", SHELLS)
def test_a_config_that_does_not_validate_is_never_installed(shell: str, tmp_path: Path) -> None:
    conf = tmp_path / "lighttpd.conf"
    conf.write_text(ORIGINAL, "utf-8")
    tools = fake_lighttpd(tmp_path / "bad", valid=False)
    done = run(shell, conf, "apply", "8091", path=tools)
    assert done.returncode != 0
    assert "does not validate" in done.stderr
    assert conf.read_text("utf-8") == ORIGINAL
    assert (tools / "checked").read_text("utf-8").startswith("-t -f ")
    good = fake_lighttpd(tmp_path / "good", valid=True)
    assert run(shell, conf, "apply", "8091", path=good).returncode == 0
    assert "# BEGIN dss-share" in conf.read_text("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["lighttpd.conf"]


@pytest.mark.parametrize("shell", SHELLS)
def test_mod_proxy_is_loaded_when_the_config_lacks_it(shell: str, tmp_path: Path) -> None:
    conf = tmp_path / "lighttpd.conf"
    without = ORIGINAL.replace(', "mod_proxy"', "")
    conf.write_text(without, "utf-8")
    assert run(shell, conf, "apply").returncode == 0
    block = conf.read_text("utf-8").split("# BEGIN dss-share")[1]
    assert 'server.modules += ( "mod_proxy" )' in block
    assert run(shell, conf, "remove").returncode == 0
    assert conf.read_text("utf-8") == without


@pytest.mark.parametrize("shell", SHELLS)
def test_no_web_server_config_is_no_error(shell: str, tmp_path: Path) -> None:
    done = run(shell, tmp_path / "missing.conf", "apply")
    assert done.returncode == 0
    assert not (tmp_path / "missing.conf").exists()
    assert os.listdir(tmp_path) == []
