"""Builds dss-share_<version>_<arch>.ipk for the dSS (armhf, arm64), reproducibly.

Every input is pinned with its SHA-256 in packaging/lock/<arch>.lock: the PyPI wheels (cp311,
manylinux) and Debian's packages (the bundled Python runtime, armhf's `_cffi_backend`, and the
packages of the emulated root the tests install into). Downloads are cached outside the checkout
(~/.cache/dss-share-package, or $DSS_SHARE_PACKAGE_CACHE) and checked against the lock on every
use. Archive members are sorted, owned by root, dated SOURCE_DATE_EPOCH (default: the last
commit's date), and gzip headers carry no name or time, so two builds give the same bytes.

    scripts/package [build] [--arch armhf|arm64|all] [--version V] [--out DIR]
    scripts/package emulated-root --arch A --dest DIR    (for the tests)
    scripts/package lock [--arch ...]                    (re-resolve the pins; needs the network)
"""

from __future__ import annotations

import argparse
import compileall
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from py_compile import PycInvalidationMode
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"
LOCKS = PACKAGING / "lock"
PYTHON_VERSION = "3.11"
PREFIX = "usr/lib/dss-share"  # everything of the package but the service and its config
SERVICE = "etc/runit/dss-share"
CONFFILE = "etc/dss-share.conf"
DATA_DIR = "/usr/share/dss/add-ons-data/dss-share"
EXTRA_REQUIREMENTS = ("tzdata", "idna")  # tzdata: the appliance has no zoneinfo database
MANYLINUX_GLIBC = (17, 24, 26, 27, 28, 31)  # wheels needing at most glibc 2.31
# lighttpd (Debian's 1.4.69, not the dSS's 1.4.32) lets the tests validate the edited config.
WEB_FRONT_DEBS = ("lighttpd", "libcrypt1", "libnettle8", "libpcre2-8-0", "libxxhash0")
RUNTIME_DEBS = (
    "libc6", "libgcc-s1", "zlib1g", "libexpat1", "libssl3", "libsqlite3-0", "libffi8",
    "python3.11-minimal", "libpython3.11-minimal", "libpython3.11-stdlib",
)
# The stdlib parts that the add-on never imports (checked by the emulated start in the tests).
STDLIB_DROP_DIRS = frozenset({
    "test", "idlelib", "tkinter", "turtledemo", "ensurepip", "distutils", "lib2to3",
    "pydoc_data", "venv", "curses", "dbm", "__phello__", "site-packages", "dist-packages",
})
STDLIB_DROP_FILES = frozenset({"turtle.py", "pydoc.py", "doctest.py", "this.py"})
DYNLOAD_DROP = re.compile(
    r"^(_curses|_curses_panel|_dbm|_gdbm|readline|nis|_crypt|_test\w*|xxlimited\w*|_xxtestfuzz"
    r"|_ctypes_test|_tkinter|audioop|_lzma|_bz2|_uuid|xxsubtype|ossaudiodev|spwd)\."
)


@dataclass(frozen=True, slots=True)
class Arch:
    name: str  # opkg and Debian architecture
    machine: str  # wheel platform machine
    triplet: str
    loader: str  # the dynamic loader's file name
    root_debs: tuple[str, ...]  # the emulated device: no Python on armhf, Python 3.11 on arm64
    extra_debs: tuple[str, ...] = ()

    @property
    def platforms(self) -> list[str]:
        tags = [f"manylinux_2_{minor}_{self.machine}" for minor in MANYLINUX_GLIBC]
        return [*tags, f"manylinux2014_{self.machine}"]


ARCHES = {
    "armhf": Arch(
        "armhf", "armv7l", "arm-linux-gnueabihf", "ld-linux-armhf.so.3",
        root_debs=("busybox-static", "libc6", *WEB_FRONT_DEBS),
        extra_debs=("python3-cffi-backend",),  # PyPI has no armv7 cffi wheel
    ),
    "arm64": Arch(
        "arm64", "aarch64", "aarch64-linux-gnu", "ld-linux-aarch64.so.1",
        root_debs=(
            "busybox-static", "python3-minimal", *RUNTIME_DEBS, "libstdc++6", *WEB_FRONT_DEBS
        ),
        extra_debs=("libstdc++6",),  # frozenlist's aarch64 wheel is C++
    ),
}


# ---------------------------------------------------------------------------------------------
# Pins


@dataclass(frozen=True, slots=True)
class Pin:
    kind: str  # wheel | deb | root
    name: str  # wheel file name, or Debian package name
    version: str  # "" for wheels
    filename: str
    sha256: str

    def line(self) -> str:
        return f"{self.kind} {self.name} {self.version or '-'} {self.filename} {self.sha256}"


def read_lock(arch: Arch) -> list[Pin]:
    pins = []
    for raw in (LOCKS / f"{arch.name}.lock").read_text("utf-8").splitlines():
        if raw.strip() and not raw.startswith("#"):
            kind, name, version, filename, digest = raw.split()
            pins.append(Pin(kind, name, "" if version == "-" else version, filename, digest))
    return pins


def write_lock(arch: Arch, pins: Iterable[Pin]) -> None:
    header = f"# dss-share build inputs for {arch.name}: written by `scripts/package lock`\n"
    lines = sorted(p.line() for p in pins)
    (LOCKS / f"{arch.name}.lock").write_text(header + "\n".join(lines) + "\n", "utf-8")


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def cache_dir() -> Path:
    default = Path.home() / ".cache" / "dss-share-package"
    return Path(os.environ.get("DSS_SHARE_PACKAGE_CACHE", default))


def requirements() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    deps: list[str] = list(project["dependencies"])
    names = {re.split(r"[<>=!~ ]", d, maxsplit=1)[0].lower() for d in deps}
    return deps + [extra for extra in EXTRA_REQUIREMENTS if extra not in names]


def _run(args: Sequence[str], **kwargs: object) -> None:
    subprocess.run(args, check=True, **kwargs)  # type: ignore[call-overload]


def pip_download(arch: Arch, dest: Path, specs: Sequence[str], *, deps: bool) -> None:
    args = [
        sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check",
        "--only-binary=:all:", "--python-version", PYTHON_VERSION, "--implementation", "cp",
        "--abi", "cp311", "-d", str(dest),
    ]  # fmt: skip
    for platform in arch.platforms:
        args += ["--platform", platform]
    _run([*args, *([] if deps else ["--no-deps"]), *specs])


class Apt:
    """apt-get with its own lists and configuration for one foreign architecture: the host's
    Debian sources, nothing of the host's package state changed."""

    def __init__(self, arch: Arch) -> None:
        self.arch = arch
        self.dir = cache_dir() / "apt" / arch.name
        self.updated = False

    def _options(self) -> list[str]:
        d = self.dir
        return [
            "-o", f"Dir::State={d}", "-o", f"Dir::State::Lists={d}/lists",
            "-o", "Dir::State::status=/dev/null", "-o", f"Dir::Cache={d}/cache",
            "-o", "Dir::Etc::SourceList=/dev/null", "-o", f"Dir::Etc::SourceParts={d}/sources",
            "-o", f"APT::Architecture={self.arch.name}",
            "-o", f"APT::Architectures::={self.arch.name}",
            "-o", "Debug::NoLocking=1", "-o", "APT::Sandbox::User=root", "-q",
        ]  # fmt: skip

    def update(self) -> None:
        if self.updated:
            return
        for sub in ("lists/partial", "cache/archives/partial", "sources"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        (self.dir / "sources" / "debian.sources").write_text(debian_sources(), "utf-8")
        # Index files of other architectures or optional components may be missing: the
        # packages asked for are checked one by one afterwards.
        subprocess.run(["apt-get", *self._options(), "update"], check=False)
        self.updated = True

    def download(self, spec: str, dest: Path) -> Path:
        self.update()
        with tempfile.TemporaryDirectory() as tmp:
            try:
                _run(["apt-get", *self._options(), "download", spec], cwd=tmp,
                     stdout=subprocess.DEVNULL)  # fmt: skip
            except subprocess.CalledProcessError:
                # Debian's archive keeps only current versions: after a point release the
                # pins must move on (and the tests show whether the new ones still work).
                raise SystemExit(
                    f"package: {spec} ({self.arch.name}) is not in Debian's archive any more; "
                    "run `scripts/package lock` to pin the current versions"
                ) from None
            (got,) = Path(tmp).glob("*.deb")
            dest.mkdir(parents=True, exist_ok=True)
            return Path(shutil.move(got, dest / got.name))

    def version(self, name: str) -> str:
        self.update()
        out = subprocess.run(
            ["apt-cache", *self._options(), "show", "--no-all-versions", name],
            check=True, capture_output=True, text=True,
        ).stdout
        match = re.search(r"^Version: (\S+)$", out, re.MULTILINE)
        if match is None:
            raise SystemExit(f"package: no version of {name} for {self.arch.name}")
        return match.group(1)


def debian_sources() -> str:
    """The host's Debian stanzas (deb822), the ones signed by Debian's archive key."""
    stanzas: list[str] = []
    for path in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for stanza in path.read_text("utf-8").split("\n\n"):
            if "debian-archive-keyring" in stanza and re.search(r"^Types:.*\bdeb\b", stanza, re.M):
                stanzas.append(stanza.strip())
    if not stanzas:
        raise SystemExit("package: no Debian sources (deb822) in /etc/apt/sources.list.d")
    return "\n\n".join(stanzas) + "\n"


def fetch(arch: Arch, pin: Pin, apt: Apt) -> Path:
    """The pinned file from the cache, downloaded first when missing; always hash-checked."""
    folder = cache_dir() / ("wheels" if pin.kind == "wheel" else "debs") / arch.name
    path = folder / pin.filename
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        if pin.kind == "wheel":
            name, version = pin.filename.split("-")[:2]
            with tempfile.TemporaryDirectory() as tmp:
                pip_download(arch, Path(tmp), [f"{name}=={version}"], deps=False)
                got = Path(tmp) / pin.filename
                if not got.exists():
                    raise SystemExit(f"package: pip did not choose {pin.filename}")
                shutil.move(got, path)
        else:
            got = apt.download(f"{pin.name}={pin.version}", folder)
            if got.name != pin.filename:
                raise SystemExit(f"package: expected {pin.filename}, got {got.name}")
    actual = sha256_of(path)
    if actual != pin.sha256:
        path.unlink()
        raise SystemExit(f"package: {pin.filename}: sha256 {actual} is not the pinned one")
    return path


def lock(arch: Arch) -> None:
    apt = Apt(arch)
    pins: list[Pin] = []
    with tempfile.TemporaryDirectory() as tmp:
        wheels = Path(tmp)
        specs = requirements()
        if "python3-cffi-backend" in arch.extra_debs:  # cryptography without the cffi wheel
            crypto = [s for s in specs if s.startswith("cryptography")]
            pip_download(arch, wheels, [s for s in specs if s not in crypto], deps=True)
            pip_download(arch, wheels, crypto, deps=False)
        else:
            pip_download(arch, wheels, specs, deps=True)
        for whl in sorted(wheels.glob("*.whl")):
            (cache_dir() / "wheels" / arch.name).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(whl, cache_dir() / "wheels" / arch.name / whl.name)
            pins.append(Pin("wheel", whl.name.split("-")[0], "", whl.name, sha256_of(whl)))
        debs = cache_dir() / "debs" / arch.name
        wanted = [("deb", n) for n in (*RUNTIME_DEBS, *arch.extra_debs)]
        wanted += [("root", n) for n in arch.root_debs if ("deb", n) not in wanted]
        for kind, name in wanted:
            got = apt.download(f"{name}={apt.version(name)}", debs)
            pins.append(Pin(kind, name, apt.version(name), got.name, sha256_of(got)))
    write_lock(arch, pins)


# ---------------------------------------------------------------------------------------------
# Staging the file tree


def extract_deb(deb: Path, dest: Path) -> None:
    _run(["dpkg-deb", "-x", str(deb), str(dest)])


def copy_file(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)  # follows links: the package ships plain files
    executable = os.access(src, os.X_OK) and src.suffix != ".so"
    dst.chmod(0o755 if executable else 0o644)


def tracked_files(*paths: str) -> list[str]:
    out = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-z", "--", *paths],
        check=True, capture_output=True,
    ).stdout.decode()
    return sorted(p for p in out.split("\0") if p and (ROOT / p).is_file())


def stage_app(stage: Path) -> None:
    app = stage / PREFIX / "app"
    for rel in tracked_files("dss_addon", "ui", "addon.json"):
        copy_file(ROOT / rel, app / rel)


def stage_wheels(wheels: Iterable[Path], site: Path) -> None:
    for wheel in wheels:
        with zipfile.ZipFile(wheel) as archive:
            for info in archive.infolist():
                parts = info.filename.split("/")
                if info.is_dir() or parts[0].endswith(".data") or "tests" in parts[1:-1]:
                    continue  # wheels' data folders and their own test suites
                target = site / info.filename
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(info))
                target.chmod(0o644)


def stage_runtime(arch: Arch, debroot: Path, stage: Path) -> None:
    """Debian's python3.11 for the target, trimmed: the interpreter, the stdlib minus what the
    add-on never imports, and the shared libraries that everything in the package needs."""
    runtime = stage / PREFIX / "python"
    copy_file(debroot / "usr/bin/python3.11", runtime / "bin/python3.11")
    stdlib = debroot / "usr/lib/python3.11"
    for src in sorted(stdlib.rglob("*")):
        rel = src.relative_to(stdlib)
        if src.is_dir() or "__pycache__" in rel.parts or rel.parts[0] in STDLIB_DROP_DIRS:
            continue
        if rel.name in STDLIB_DROP_FILES or any(p in STDLIB_DROP_DIRS for p in rel.parts[:-1]):
            continue
        if rel.parts[0] == "lib-dynload" and DYNLOAD_DROP.match(rel.name):
            continue
        copy_file(src, runtime / "lib/python3.11" / rel)


def elf_needed(path: Path) -> list[str]:
    out = subprocess.run(
        ["readelf", "-d", str(path)], check=True, capture_output=True, text=True
    ).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


def is_elf(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"\x7fELF"


def elf_files(top: Path) -> Iterator[Path]:
    for path in sorted(top.rglob("*")):
        if path.is_file() and not path.is_symlink() and is_elf(path):
            yield path


def stage_libraries(arch: Arch, debroot: Path, stage: Path) -> None:
    """Copies the closure of NEEDED libraries into python/lib, the loader's --library-path.
    Libraries that a wheel brings itself (auditwheel's *.libs folders) are not copied."""
    search = [debroot / "lib" / arch.triplet, debroot / "usr/lib" / arch.triplet]
    libdir = stage / PREFIX / "python/lib"
    bundled = {p.name for p in (stage / PREFIX / "site-packages").glob("*.libs/*")}
    todo = list(elf_files(stage / PREFIX))
    done: set[str] = set()
    while todo:
        for name in elf_needed(todo.pop()):
            if name in done or name in bundled:
                continue
            found = next((d / name for d in search if (d / name).exists()), None)
            if found is None:
                raise SystemExit(f"package: {arch.name}: no library {name} in the runtime")
            done.add(name)
            copy_file(found, libdir / name)
            todo.append(libdir / name)
    (libdir / arch.loader).chmod(0o755)


def byte_compile(stage: Path) -> None:
    """pyc files checked by hash, not by date: reproducible, and never rewritten on the device.
    The bundled stdlib ships compiled only (flash is small); the add-on and its dependencies
    keep their sources for readable tracebacks."""
    mode = PycInvalidationMode.UNCHECKED_HASH
    for part in ("app", "site-packages"):
        top = stage / PREFIX / part
        ok = compileall.compile_dir(
            top, quiet=2, ddir=f"/{PREFIX}/{part}", invalidation_mode=mode, workers=1
        )
        if not ok:
            raise SystemExit(f"package: byte-compiling {part} failed")
    stdlib = stage / PREFIX / "python/lib/python3.11"
    if stdlib.exists():
        ok = compileall.compile_dir(
            stdlib, quiet=2, ddir=f"/{PREFIX}/python/lib/python3.11", legacy=True,
            invalidation_mode=mode, workers=1,
        )  # fmt: skip
        if not ok:
            raise SystemExit("package: byte-compiling the stdlib failed")
        for source in stdlib.rglob("*.py"):
            if source.with_suffix(".pyc").exists():
                source.unlink()


def render(template: Path, values: dict[str, str]) -> str:
    text = template.read_text("utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    if re.search(r"@[A-Z_]+@", text):
        raise SystemExit(f"package: {template.name}: unfilled placeholder")
    return text


def stage_scripts(arch: Arch, stage: Path, values: dict[str, str]) -> None:
    for src, rel in (
        (PACKAGING / "bin/dss-share-start", f"{PREFIX}/bin/dss-share-start"),
        (PACKAGING / "bin/dss-share-web", f"{PREFIX}/bin/dss-share-web"),
        (PACKAGING / "runit/run", f"{SERVICE}/run"),
        (PACKAGING / "runit/log/run", f"{SERVICE}/log/run"),
        (PACKAGING / "dss-share.conf", CONFFILE),
    ):
        target = stage / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(src, values), "utf-8")
        target.chmod(0o644 if rel == CONFFILE else 0o755)


# ---------------------------------------------------------------------------------------------
# Control and archives


def manifest() -> dict[str, object]:
    data = json.loads((ROOT / "addon.json").read_text("utf-8"))
    if not isinstance(data, dict):
        raise SystemExit("package: addon.json is not an object")
    return data


def tags(data: dict[str, object]) -> str:
    """The configurator's Apps list: URL-quoted key=value pairs joined by `&`."""
    name, description = data["name"], data["description"]
    if not isinstance(name, dict) or not isinstance(description, dict):
        raise SystemExit("package: addon.json needs `name` and `description` by language")
    pairs: list[tuple[str, str]] = []
    for lang, locale in (("de", "de_DE"), ("en", "en_US")):
        short = str(description[lang]).split(". ")[0].rstrip(".") + "."
        pairs += [
            (f"name_{locale}", str(name[lang])),
            (f"descshort_{locale}", short),
            (f"description_{locale}", str(description[lang])),
        ]
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in pairs)


def installed_kib(stage: Path) -> int:
    return sum((p.stat().st_size + 1023) // 1024 for p in stage.rglob("*") if p.is_file())


def control_text(arch: Arch, version: str, stage: Path) -> str:
    data = manifest()
    description = data["description"]
    if not isinstance(description, dict):
        raise SystemExit("package: addon.json needs `description` by language")
    fields = [
        ("Package", "dss-share"),
        ("Version", version),
        ("Architecture", arch.name),
        ("Maintainer", "dss-share developers"),
        ("Section", "dss-add-ons"),
        ("Priority", "optional"),
        ("License", "MIT"),
        ("Installed-Size", str(installed_kib(stage))),
        ("Description", str(description["en"])),
        ("Tags", tags(data)),
    ]
    return "".join(f"{key}: {value}\n" for key, value in fields)


def tar_gz(top: Path, epoch: int) -> bytes:
    """Sorted members below ./, root-owned, dated `epoch`; gzip header without name or time."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.GNU_FORMAT) as tar:
        paths = sorted(top.rglob("*"), key=lambda p: p.relative_to(top).as_posix())
        for path in [top, *paths]:
            rel = path.relative_to(top).as_posix()
            info = tar.gettarinfo(str(path), arcname="./" if rel == "." else f"./{rel}")
            info.uid = info.gid = 0
            info.uname = info.gname = "root"
            info.mtime = epoch
            if info.isdir():
                info.mode = 0o755
            elif info.isreg():
                info.mode = 0o755 if info.mode & stat.S_IXUSR else 0o644
            if info.isreg():
                with path.open("rb") as f:
                    tar.addfile(info, f)
            else:
                tar.addfile(info)
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def ar_archive(members: Sequence[tuple[str, bytes]], epoch: int) -> bytes:
    out = bytearray(b"!<arch>\n")
    for name, data in members:
        header = f"{name:<16}{epoch:<12}{0:<6}{0:<6}{'100644':<8}{len(data):<10}`\n"
        out += header.encode("ascii") + data + (b"\n" if len(data) % 2 else b"")
    return bytes(out)


def source_date_epoch() -> int:
    if "SOURCE_DATE_EPOCH" in os.environ:
        return int(os.environ["SOURCE_DATE_EPOCH"])
    out = subprocess.run(
        ["git", "-C", str(ROOT), "log", "-1", "--format=%ct"],
        check=True, capture_output=True, text=True,
    ).stdout
    return int(out.strip())


def build(arch: Arch, version: str, out: Path) -> Path:
    pins = read_lock(arch)
    apt = Apt(arch)
    inputs = {pin.filename: fetch(arch, pin, apt) for pin in pins if pin.kind != "root"}
    epoch = source_date_epoch()
    with tempfile.TemporaryDirectory(prefix=f"dss-share-{arch.name}-") as tmp:
        stage, debroot, ctl = Path(tmp) / "data", Path(tmp) / "debroot", Path(tmp) / "control"
        for pin in pins:
            if pin.kind == "deb":
                extract_deb(inputs[pin.filename], debroot)
        stage_app(stage)
        site = stage / PREFIX / "site-packages"
        stage_wheels([inputs[p.filename] for p in pins if p.kind == "wheel"], site)
        if "python3-cffi-backend" in arch.extra_debs:
            dist = debroot / "usr/lib/python3/dist-packages"
            for so in dist.glob("_cffi_backend.cpython-311-*.so"):
                copy_file(so, site / so.name)
        stage_runtime(arch, debroot, stage)
        stage_libraries(arch, debroot, stage)
        byte_compile(stage)
        values = {
            "VERSION": version, "ARCH": arch.name, "LOADER": arch.loader,
            "PREFIX": f"/{PREFIX}", "DATA_DIR": DATA_DIR,
        }  # fmt: skip
        stage_scripts(arch, stage, values)
        ctl.mkdir()
        (ctl / "control").write_text(control_text(arch, version, stage), "utf-8")
        (ctl / "conffiles").write_text(f"/{CONFFILE}\n", "utf-8")
        for script in ("preinst", "postinst", "prerm", "postrm"):
            (ctl / script).write_text(render(PACKAGING / "control" / script, values), "utf-8")
            (ctl / script).chmod(0o755)
        ipk = ar_archive(
            [
                ("debian-binary", b"2.0\n"),
                ("control.tar.gz", tar_gz(ctl, epoch)),
                ("data.tar.gz", tar_gz(stage, epoch)),
            ],
            epoch,
        )
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"dss-share_{version}_{arch.name}.ipk"
    target.write_bytes(ipk)
    return target


def emulated_root(arch: Arch, dest: Path) -> None:
    """A device for the tests: Debian's busybox (and, on arm64, Python 3.11) for the target,
    with the folders an appliance has. Nothing of the package is in it."""
    pins = read_lock(arch)
    apt = Apt(arch)
    for pin in pins:
        if pin.kind == "root" or (pin.kind == "deb" and pin.name in arch.root_debs):
            extract_deb(fetch(arch, pin, apt), dest)
    for folder in ("bin", "sbin", "usr/bin", "tmp", "etc/runit", "var/log", "dev", "proc"):
        (dest / folder).mkdir(parents=True, exist_ok=True)
    busybox = "/bin/busybox"
    for applet in BUSYBOX_APPLETS:
        link = dest / "bin" / applet
        if not link.exists() and not link.is_symlink():
            link.symlink_to(busybox)
    (dest / "tmp").chmod(0o1777)


BUSYBOX_APPLETS = (
    "sh", "cat", "chmod", "cmp", "cp", "cut", "df", "echo", "env", "free", "grep", "head",
    "id", "kill", "ln", "ls", "mkdir", "mktemp", "mv", "printf", "readlink", "rm", "rmdir",
    "sed", "sleep", "sort", "tail", "test", "touch", "tr", "uname", "wc", "awk", "basename",
    "dirname", "chown", "true", "false", "sync", "[",
)


def version_default() -> str:
    return str(manifest()["version"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/package", description=__doc__.split("\n")[0])
    parser.add_argument("command", nargs="?", default="build",
                        choices=("build", "lock", "emulated-root"))  # fmt: skip
    parser.add_argument("--arch", default="all", choices=(*ARCHES, "all"))
    parser.add_argument("--version", default=None, help="package version (default: addon.json)")
    parser.add_argument("--out", type=Path, default=ROOT / "build", help="where .ipk files go")
    parser.add_argument("--dest", type=Path, help="emulated-root: the folder to fill")
    args = parser.parse_args(argv)
    arches = list(ARCHES.values()) if args.arch == "all" else [ARCHES[args.arch]]
    if args.command == "lock":
        for arch in arches:
            lock(arch)
        return 0
    if args.command == "emulated-root":
        if args.dest is None or len(arches) != 1:
            parser.error("emulated-root needs --arch (one) and --dest")
        emulated_root(arches[0], args.dest)
        return 0
    for arch in arches:
        path = build(arch, args.version or version_default(), args.out)
        print(f"{path} {path.stat().st_size}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
