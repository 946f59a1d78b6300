"""The policy package stays pure: no I/O frameworks, no store or dSS client, no clock reads."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

POLICY_DIR = Path(__file__).resolve().parents[3] / "dss_addon" / "policy"
BANNED_MODULES = (
    "aiohttp",
    "aiosqlite",
    "jinja2",
    "aiohttp_jinja2",
    "dss_addon.store",
    "dss_addon.dss",
    "dss_addon.web",
    "time",
)
BANNED_ATTRIBUTES = frozenset({"now", "utcnow", "today", "time", "monotonic", "perf_counter"})


def _banned(module: str) -> bool:
    return any(module == b or module.startswith(b + ".") for b in BANNED_MODULES)


def impurities(source: str) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if _banned(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if _banned(node.module):
                found.append(f"from {node.module} import ...")
            for alias in node.names:
                if _banned(f"{node.module}.{alias.name}") and not _banned(node.module):
                    found.append(f"from {node.module} import {alias.name}")
        elif isinstance(node, ast.Attribute) and node.attr in BANNED_ATTRIBUTES:
            found.append(f"reads time: .{node.attr}")
    return found


def test_policy_package_is_pure() -> None:
    files = sorted(POLICY_DIR.glob("*.py"))
    assert files, POLICY_DIR
    problems = {
        f.name: found for f in files if (found := impurities(f.read_text(encoding="utf-8")))
    }
    assert problems == {}


@pytest.mark.parametrize(
    "source",
    [
        "import aiohttp",
        "from aiohttp import web",
        "import aiosqlite as db",
        "from jinja2 import Environment",
        "from dss_addon.store import Store",
        "from dss_addon import store",
        "from dss_addon.dss.client import DssClient",
        "from dss_addon import web",
        "import time",
        "from time import monotonic",
        "from datetime import datetime\nx = datetime.now()",
        "import datetime\nx = datetime.datetime.utcnow()",
        "from datetime import date\nx = date.today()",
    ],
)
def test_purity_scan_catches_impure_code(source: str) -> None:
    assert impurities(source)


def test_purity_scan_accepts_pure_code() -> None:
    source = "from datetime import datetime, timedelta\nfrom dss_addon.shares.model import Share\n"
    assert impurities(source) == []
