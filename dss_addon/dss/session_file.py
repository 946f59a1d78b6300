"""The add-on's open dSS session tokens on disk, sealed like the app tokens (DESIGN.md §3), so
that a run killed without a goodbye (kill -9, power cut) leaves nothing the next run cannot
log out. The file is rewritten whole (write, fsync, rename) after every login and logout, and
before every login is sent: a login under way (or one whose answer never came) is kept as
`{"held_until": <Unix time>}`, the time until which the dSS may keep the session it may have
opened, so a run killed or stopped during a login leaves nothing the next one does not count."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dss_addon.shares.vault import TokenVault

log = logging.getLogger(__name__)

SESSION_FILE = "dss-sessions.json"


@dataclass(slots=True)
class Leftovers:
    tokens: list[str] = field(default_factory=list)
    held_until: list[float] = field(default_factory=list)  # Unix times, one per lost login


class SessionFile:
    def __init__(self, path: Path, vault: TokenVault) -> None:
        self._path = path
        self._vault = vault
        self._lock = asyncio.Lock()

    async def load(self) -> list[str]:
        """The tokens a previous run left (unreadable entries are skipped and logged)."""
        return (await self.load_all()).tokens

    async def load_all(self) -> Leftovers:
        """The tokens and the login holds a previous run left."""
        try:
            text = await asyncio.to_thread(self._path.read_text, "utf-8")
        except FileNotFoundError:
            return Leftovers()
        except OSError as err:
            log.warning("the dSS session file %s cannot be read: %s", self._path, err.strerror)
            return Leftovers()
        try:
            entries = json.loads(text)
        except ValueError:
            log.warning("the dSS session file %s is damaged; ignored", self._path)
            return Leftovers()
        left = Leftovers()
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict):
                held_until = entry.get("held_until")
                if isinstance(held_until, int | float) and not isinstance(held_until, bool):
                    left.held_until.append(float(held_until))
                continue
            try:
                left.tokens.append(self._vault.decrypt(base64.b64decode(str(entry))))
            except Exception:  # a foreign entry must not stop the start
                log.warning("an entry of the dSS session file cannot be opened; skipped")
        return left

    async def save(self, tokens: list[str], held_until: Sequence[float] = ()) -> None:
        """Best effort: a full disk costs at most a leak until the dSS's idle timeout."""
        entries: list[object] = [
            base64.b64encode(self._vault.encrypt(t)).decode("ascii") for t in tokens
        ]
        entries += [{"held_until": round(until, 3)} for until in held_until]
        async with self._lock:
            try:
                await asyncio.to_thread(self._write, json.dumps(entries))
            except OSError as err:
                log.warning("the dSS session file cannot be written: %s", err.strerror)

    def _write(self, text: str) -> None:
        tmp = self._path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, text.encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self._path)
