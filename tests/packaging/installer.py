"""A small opkg for the tests: installs, upgrades, removes and purges an .ipk in an emulated
root, running the maintainer scripts inside it (chroot, so under qemu) in opkg's order:

    install:  preinst install; unpack; postinst configure
    upgrade:  old prerm upgrade NEW; new preinst upgrade OLD; unpack (a changed conffile is
              kept, the package's version lands next to it as <file>-opkg); files of the old
              version that the new one lacks are removed; old postrm upgrade NEW;
              new postinst configure OLD
    remove:   prerm remove; the files except conffiles; postrm remove
    purge:    remove if installed; the conffiles; postrm purge

Package state lives where the dSS keeps its add-ons' database, /var/lib/opkg-add-ons/info."""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from tests.packaging.support import CHROOT, DEVICE_PATH

INFO = "var/lib/opkg-add-ons/info"
SCRIPTS = ("preinst", "postinst", "prerm", "postrm")


@dataclass(frozen=True)
class Ipk:
    control: dict[str, str]
    control_tar: bytes
    data_tar: bytes

    @property
    def name(self) -> str:
        return self.control["Package"]

    @property
    def version(self) -> str:
        return self.control["Version"]


def ar_members(data: bytes) -> list[tuple[str, bytes]]:
    if not data.startswith(b"!<arch>\n"):
        raise ValueError("not an ar archive")
    members, pos = [], 8
    while pos < len(data):
        header = data[pos : pos + 60]
        name, size = header[:16].decode().strip().rstrip("/"), int(header[48:58])
        members.append((name, data[pos + 60 : pos + 60 + size]))
        pos += 60 + size + (size % 2)
    return members


def parse_control(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line[0].isspace():
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def read_ipk(path: Path) -> Ipk:
    members = dict(ar_members(path.read_bytes()))
    with tarfile.open(fileobj=io.BytesIO(members["control.tar.gz"])) as tar:
        member = tar.extractfile("./control")
        assert member is not None
        control = parse_control(member.read().decode("utf-8"))
    return Ipk(control, members["control.tar.gz"], members["data.tar.gz"])


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


class Installer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.info = root / INFO
        self.log: list[str] = []  # "<package> <script> <args>" in the order run

    def installed_version(self, name: str) -> str | None:
        control = self.info / f"{name}.control"
        return parse_control(control.read_text("utf-8"))["Version"] if control.exists() else None

    def _run(self, script: Path, name: str, *args: str) -> None:
        if not script.exists():
            return
        inside = "/" + script.relative_to(self.root).as_posix()
        self.log.append(" ".join((name, script.name.rsplit(".", 1)[-1], *args)))
        done = subprocess.run(
            [CHROOT, str(self.root), "/bin/sh", inside, *args],
            capture_output=True, text=True, timeout=120, check=False, env={"PATH": DEVICE_PATH},
        )  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"{inside} {' '.join(args)} failed:\n{done.stdout}{done.stderr}")

    def _files(self, name: str) -> list[str]:
        listing = self.info / f"{name}.list"
        return listing.read_text("utf-8").splitlines() if listing.exists() else []

    def _conffiles(self, name: str) -> dict[str, str]:
        """conffile -> md5 of the version the package installed."""
        path = self.info / f"{name}.conffiles"
        if not path.exists():
            return {}
        pairs = [line.split() for line in path.read_text("utf-8").splitlines()]
        return {p[0]: p[1] for p in pairs}

    def install(self, path: Path) -> None:
        ipk = read_ipk(path)
        old = self.installed_version(ipk.name)
        self.info.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.root / "tmp") as tmp:
            staged = Path(tmp)
            with tarfile.open(fileobj=io.BytesIO(ipk.control_tar)) as tar:
                tar.extractall(staged, filter="tar")
            if old is not None:
                self._run(self.info / f"{ipk.name}.prerm", ipk.name, "upgrade", ipk.version)
                self._run(staged / "preinst", ipk.name, "upgrade", old)
            else:
                self._run(staged / "preinst", ipk.name, "install")
            files, conffiles = self._unpack(ipk, staged)
            if old is not None:
                for rel in sorted(set(self._files(ipk.name)) - set(files), reverse=True):
                    self._delete(rel)
                self._run(self.info / f"{ipk.name}.postrm", ipk.name, "upgrade", ipk.version)
            for script in SCRIPTS:
                if (staged / script).exists():
                    shutil.copyfile(staged / script, self.info / f"{ipk.name}.{script}")
            shutil.copyfile(staged / "control", self.info / f"{ipk.name}.control")
        (self.info / f"{ipk.name}.list").write_text("".join(f + "\n" for f in files), "utf-8")
        (self.info / f"{ipk.name}.conffiles").write_text(
            "".join(f"{k} {v}\n" for k, v in conffiles.items()), "utf-8"
        )
        postinst = self.info / f"{ipk.name}.postinst"
        self._run(postinst, ipk.name, "configure", *([old] if old else []))

    def _unpack(self, ipk: Ipk, staged: Path) -> tuple[list[str], dict[str, str]]:
        declared = (staged / "conffiles").read_text("utf-8").split() if (
            staged / "conffiles").exists() else []
        previous = self._conffiles(ipk.name)
        files: list[str] = []
        conffiles: dict[str, str] = {}
        with tarfile.open(fileobj=io.BytesIO(ipk.data_tar)) as tar:
            for member in tar.getmembers():
                rel = "/" + member.name.removeprefix("./").rstrip("/")
                if rel == "/":
                    continue
                target = self.root / rel.lstrip("/")
                if member.isdir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                files.append(rel)
                if rel in declared:
                    content = tar.extractfile(member)
                    assert content is not None
                    data = content.read()
                    new_md5 = hashlib.md5(data, usedforsecurity=False).hexdigest()
                    changed = target.exists() and md5(target) != previous.get(rel, md5(target))
                    if changed:  # the user's version stays; the package's goes next to it
                        target.with_name(target.name + "-opkg").write_bytes(data)
                        conffiles[rel] = new_md5
                        continue
                    conffiles[rel] = new_md5
                tar.extract(member, self.root, filter="tar")
        return files, conffiles

    def _delete(self, rel: str) -> None:
        target = self.root / rel.lstrip("/")
        if target.is_file() or target.is_symlink():
            target.unlink()
        parent = target.parent
        while parent != self.root and parent.exists() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent

    def remove(self, name: str) -> None:
        if self.installed_version(name) is None:
            raise RuntimeError(f"{name} is not installed")
        self._run(self.info / f"{name}.prerm", name, "remove")
        keep = set(self._conffiles(name))
        for rel in sorted(self._files(name), reverse=True):
            if rel not in keep:
                self._delete(rel)
        self._run(self.info / f"{name}.postrm", name, "remove")
        for suffix in ("control", "list", "prerm", "preinst", "postinst"):
            (self.info / f"{name}.{suffix}").unlink(missing_ok=True)

    def purge(self, name: str) -> None:
        if self.installed_version(name) is not None:
            self.remove(name)
        for rel in self._conffiles(name):
            self._delete(rel)
            self._delete(rel + "-opkg")
        self._run(self.info / f"{name}.postrm", name, "purge")
        for suffix in ("postrm", "conffiles"):
            (self.info / f"{name}.{suffix}").unlink(missing_ok=True)
