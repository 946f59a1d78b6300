"""scripts/soak.py end to end in a short run: both child processes start (dss-sim with its
session count, the add-on on the accelerated clock), the load gets answers of every kind, the
table has a row per sample and the run ends with a judgement line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
RUN_WITHIN_S = 50


def test_a_short_soak_samples_judges_and_stops_its_processes() -> None:
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'hw-sim'}")
    done = subprocess.run(
        [sys.executable, "-m", "scripts.soak", "--minutes", "0.15", "--every", "2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=RUN_WITHIN_S, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("t (min)"))
    columns = [name.strip() for name in lines[header].split("|")]
    samples = [
        dict(zip(columns, (value.strip() for value in line.split("|")), strict=True))
        for line in lines[header + 2 :] if line.count("|") == len(columns) - 1
    ]
    assert len(samples) >= 4
    assert all(float(row["VmRSS MB"]) > 10 for row in samples)
    assert all(0 < float(row["anon MB"]) < float(row["VmRSS MB"]) for row in samples)
    # The add-on answered every SIGUSR1 with its allocators' figures.
    assert all(float(row["C heap MB"]) > 0 for row in samples)
    assert all(float(row["Py MB"].split("/")[0]) > 0 for row in samples)
    assert int(samples[-1]["dSS sessions"]) >= 1  # the owner's session in the dSS at least
    assert any(line.startswith("resident memory ") for line in lines)
    answers = next(line for line in lines if line.startswith("answers: "))
    for kind in ("owner create 201", "redeem 200", "proxy apartment/getName 200"):
        assert kind in answers
