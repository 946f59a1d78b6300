"""Both packages, built once per session by scripts/package (armhf twice, to compare bytes).
Every test here carries the `packaging` marker (deselect with -m "not packaging")."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.packaging.support import ARCHES, BUILD_TIMEOUT, VERSION, Built, package_command


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.packaging)
            item.add_marker(pytest.mark.timeout(BUILD_TIMEOUT))


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    first, second = tmp_path_factory.mktemp("ipk"), tmp_path_factory.mktemp("ipk-again")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1767225600"}  # fixed: the tree may be dirty
    # Two builds side by side (two cores): both architectures, and armhf again.
    runs = [
        subprocess.Popen(package_command("build", "--out", str(out), "--arch", arch), env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for out, arch in ((first, "all"), (second, "armhf"))
    ]  # fmt: skip
    for run in runs:
        _, err = run.communicate(timeout=BUILD_TIMEOUT)
        assert run.returncode == 0, err.decode(errors="replace")[-4000:]
    packages = {arch: first / f"dss-share_{VERSION}_{arch}.ipk" for arch in ARCHES}
    return Built(packages, second / f"dss-share_{VERSION}_armhf.ipk")

