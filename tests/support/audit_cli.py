"""`dss-addon audit verify`, run in-process as the homeowner would run it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dss_addon.__main__ import main


def verify_audit(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """The command's exit code and what it printed (stripped)."""
    with pytest.raises(SystemExit) as exit_info:
        main(["audit", "verify", "--data-dir", str(data_dir)])
    out = capsys.readouterr().out.strip()
    return int(str(exit_info.value.code)), out
