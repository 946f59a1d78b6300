"""What is inside each .ipk: the archive layout opkg expects, the control fields with the
configurator's Tags, shell scripts that parse, binaries for the target only, and no binary
that needs a newer glibc than the target offers.

glibc targets: every binary must run on the bundled runtime, Debian 12's glibc 2.36 (the
run script falls back to it on any device); the vendored wheels need at most 2.31, so that a
device with its own Python 3.11 and glibc >= 2.31 can run them without the bundled runtime
(armv7 cryptography wheels need 2.31; armhf's `_cffi_backend` comes from Debian and is held to
the bundled 2.36)."""

from __future__ import annotations

import io
import json
import re
import subprocess
import tarfile
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from tests.packaging.installer import ar_members, read_ipk
from tests.packaging.support import ARCHES, ROOT, Built

BUNDLED_GLIBC = (2, 36)
WHEEL_GLIBC = (2, 31)
ELF_MACHINE = {"armhf": 40, "arm64": 183}  # EM_ARM, EM_AARCH64
ELF_CLASS = {"armhf": 1, "arm64": 2}  # 32-bit, 64-bit
EF_ARM_ABI_FLOAT_HARD = 0x400


def data_members(ipk: Path) -> dict[str, tuple[tarfile.TarInfo, bytes]]:
    members = dict(ar_members(ipk.read_bytes()))
    out: dict[str, tuple[tarfile.TarInfo, bytes]] = {}
    with tarfile.open(fileobj=io.BytesIO(members["data.tar.gz"])) as tar:
        for info in tar.getmembers():
            content = tar.extractfile(info) if info.isreg() else None
            out[info.name] = (info, content.read() if content else b"")
    return out


def glibc_needed(path: Path) -> tuple[int, int]:
    """The highest GLIBC_x.y among the versions this ELF file requires (.gnu.version_r)."""
    out = subprocess.run(["readelf", "-V", "-W", str(path)], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    needs = out.split("Version needs section", 1)
    found = re.findall(r"Name: GLIBC_(\d+)\.(\d+)", needs[1]) if len(needs) > 1 else []
    return max(((int(a), int(b)) for a, b in found), default=(0, 0))


def test_same_bytes_twice(built: Built) -> None:
    assert built.packages["armhf"].read_bytes() == built.again.read_bytes()


@pytest.mark.parametrize("arch", ARCHES)
def test_archive_members_in_opkg_order_with_fixed_dates(built: Built, arch: str) -> None:
    members = ar_members(built.packages[arch].read_bytes())
    assert [name for name, _ in members] == ["debian-binary", "control.tar.gz", "data.tar.gz"]
    assert members[0][1] == b"2.0\n"
    for _, blob in members[1:]:
        assert blob[4:8] == b"\0\0\0\0"  # gzip header without a time
        with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
            infos = tar.getmembers()
        names = [i.name for i in infos]
        assert names == sorted(names)
        assert {(i.uid, i.gid, i.mtime) for i in infos} == {(0, 0, 1767225600)}


@pytest.mark.parametrize("arch", ARCHES)
def test_control_fields_and_configurator_tags(built: Built, arch: str) -> None:
    manifest = json.loads((ROOT / "addon.json").read_text("utf-8"))
    ipk = read_ipk(built.packages[arch])
    control = ipk.control
    assert control["Package"] == "dss-share"
    assert control["Version"] == manifest["version"]
    assert control["Architecture"] == arch
    assert int(control["Installed-Size"]) > 1000
    tags = dict(parse_qsl(control["Tags"], keep_blank_values=True, strict_parsing=True))
    assert tags["name_de_DE"] == manifest["name"]["de"]
    assert tags["name_en_US"] == manifest["name"]["en"]
    assert tags["description_de_DE"] == manifest["description"]["de"]
    assert tags["description_en_US"] == manifest["description"]["en"]
    assert tags["descshort_de_DE"].startswith("Zeitlich begrenzte")
    assert tags["descshort_en_US"].startswith("Expiring")
    assert not re.search(r"[ äöüÄÖÜß,]", control["Tags"])  # URL-quoted
    with tarfile.open(fileobj=io.BytesIO(ipk.control_tar)) as tar:
        names = sorted(tar.getnames())
        conffiles = tar.extractfile("./conffiles")
        assert conffiles is not None
        assert conffiles.read() == b"/etc/dss-share.conf\n"
    assert names == [".", "./conffiles", "./control", "./postinst", "./postrm", "./preinst",
                     "./prerm"]  # fmt: skip


@pytest.mark.parametrize("arch", ARCHES)
def test_every_shell_script_parses(built: Built, arch: str, tmp_path: Path) -> None:
    ipk = read_ipk(built.packages[arch])
    scripts: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(ipk.control_tar)) as tar:
        for name in ("preinst", "postinst", "prerm", "postrm"):
            member = tar.extractfile(f"./{name}")
            assert member is not None
            scripts[name] = member.read()
    for name, (_, data) in data_members(built.packages[arch]).items():
        if data.startswith(b"#!/bin/sh"):
            scripts[name] = data
    expected = {"./etc/runit/dss-share/run", "./etc/runit/dss-share/log/run",
                "./usr/lib/dss-share/bin/dss-share-start", "./usr/lib/dss-share/bin/dss-share-web"}
    assert expected <= set(scripts)
    for name, data in scripts.items():
        assert not re.search(rb"@[A-Z_]+@", data), name
        path = tmp_path / name.replace("/", "_")
        path.write_bytes(data)
        for shell in ("sh", "dash"):
            done = subprocess.run([shell, "-n", str(path)], capture_output=True, text=True,
                                  check=False)  # fmt: skip
            assert done.returncode == 0, (name, shell, done.stderr)


@pytest.mark.parametrize("arch", ARCHES)
def test_binaries_are_for_the_target_and_its_glibc(
    built: Built, arch: str, tmp_path: Path
) -> None:
    elves = 0
    worst: dict[str, tuple[int, int]] = {}
    for name, (_, data) in data_members(built.packages[arch]).items():
        if not data.startswith(b"\x7fELF"):
            continue
        elves += 1
        assert data[4] == ELF_CLASS[arch], name
        assert data[5] == 1, name  # little endian
        assert int.from_bytes(data[18:20], "little") == ELF_MACHINE[arch], name
        if arch == "armhf":
            flags = int.from_bytes(data[36:40], "little")
            assert flags & EF_ARM_ABI_FLOAT_HARD, f"{name} is not hard-float"
        path = tmp_path / "elf"
        path.write_bytes(data)
        needed = glibc_needed(path)
        limit = WHEEL_GLIBC if "/site-packages/" in name and "_cffi_backend" not in name \
            else BUNDLED_GLIBC
        assert needed <= limit, f"{name} needs GLIBC_{needed[0]}.{needed[1]}"
        worst[name] = needed
    assert elves > 20
    assert any(n.endswith("/python/bin/python3.11") for n in worst)
    loader = "ld-linux-armhf.so.3" if arch == "armhf" else "ld-linux-aarch64.so.1"
    assert f"./usr/lib/dss-share/python/lib/{loader}" in worst


@pytest.mark.parametrize("arch", ARCHES)
def test_the_bundled_runtime_is_trimmed_and_compiled(built: Built, arch: str) -> None:
    names = set(data_members(built.packages[arch]))
    stdlib = "./usr/lib/dss-share/python/lib/python3.11/"
    assert stdlib + "asyncio/__init__.pyc" in names
    assert stdlib + "asyncio/__init__.py" not in names  # compiled only: flash is small
    dropped = tuple(stdlib + d for d in ("test/", "tkinter/", "idlelib/"))
    assert not any(n.startswith(dropped) for n in names)
    site = "./usr/lib/dss-share/site-packages/"
    assert site + "tzdata/zoneinfo/Europe/Berlin" in names
    assert site + "idna/__init__.py" in names
    assert any(n.startswith(site + "cryptography/hazmat/bindings/_rust") for n in names)
    cffi = [n for n in names if n.startswith(site + "_cffi_backend")]
    assert cffi, "cryptography needs _cffi_backend"
    app = "./usr/lib/dss-share/app/dss_addon/"
    assert app + "__main__.py" in names
    assert any(n.startswith(app + "__pycache__/__main__.cpython-311") for n in names)
    assert not any("/tests/" in n for n in names)  # neither ours nor the vendored ones
