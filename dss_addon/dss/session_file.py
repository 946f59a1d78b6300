"""The add-on's open dSS session tokens on disk, sealed like the app tokens (DESIGN.md §3), so
that a run killed without a goodbye (kill -9, power cut) leaves nothing the next run cannot
log out. The file is rewritten whole (write, fsync, rename) after every login and logout."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import os
from pathlib import Path

from dss_addon.shares.vault import TokenVault

log = logging.getLogger(__name__)

SESSION_FILE = "dss-sessions.json"


class SessionFile:
    def __init__(self, path: Path, vault: TokenVault) -> None:
        self._path = path
        self._vault = vault
        self._lock = asyncio.Lock()

    async def load(self) -> list[str]:
        """The tokens a previous run left (unreadable entries are skipped and logged)."""
        try:
            text = await asyncio.to_thread(self._path.read_text, "utf-8")
        except FileNotFoundError:
            return []
        except OSError as err:
            log.warning("the dSS session file %s cannot be read: %s", self._path, err.strerror)
            return []
        try:
            blobs = json.loads(text)
        except ValueError:
            log.warning("the dSS session file %s is damaged; ignored", self._path)
            return []
        tokens: list[str] = []
        for blob in blobs if isinstance(blobs, list) else []:
            try:
                tokens.append(self._vault.decrypt(base64.b64decode(str(blob))))
            except Exception:  # a foreign entry must not stop the start
                log.warning("an entry of the dSS session file cannot be opened; skipped")
        return tokens

    async def save(self, tokens: list[str]) -> None:
        """Best effort: a full disk costs at most a leak until the dSS's idle timeout."""
        blobs = [base64.b64encode(self._vault.encrypt(t)).decode("ascii") for t in tokens]
        async with self._lock:
            try:
                await asyncio.to_thread(self._write, json.dumps(blobs))
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
