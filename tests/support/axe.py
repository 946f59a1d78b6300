"""axe-core in a Playwright page: the accessibility rules checked the way browsers' own audit
tools check them. `./scripts/setup` installs the pinned axe-core into node_modules/."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from playwright.async_api import Page

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = frozenset({"serious", "critical"})

# Run through the DevTools protocol (page.evaluate), not as a <script> element, so the pages'
# Content-Security-Policy (script-src 'self') stays as strict as it is for users.
_RUN = """async () => {
  const result = await window.axe.run(document, { resultTypes: ["violations"] });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact || "", help: v.help,
    targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
}"""


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.impact} {self.rule}: {self.help} at {', '.join(self.targets)}"


@cache
def axe_source() -> str:
    path = Path(os.environ.get("AXE_CORE_JS", AXE_JS))
    if not path.is_file():  # a setup failure, never a skip
        raise FileNotFoundError(f"{path} is missing: run ./scripts/setup (it installs axe-core)")
    return path.read_text(encoding="utf-8")


async def axe_violations(page: Page, *, impacts: frozenset[str] = BLOCKING) -> list[Violation]:
    """The page's violations of the given impacts (serious and critical by default)."""
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(axe_source() + "\n;0")
    found = await page.evaluate(_RUN)
    return [
        Violation(str(v["id"]), str(v["impact"]), str(v["help"]), tuple(v["targets"]))
        for v in found
        if v["impact"] in impacts
    ]
