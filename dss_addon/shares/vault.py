"""Encryption at rest of each share's dSS application token (Fernet, rotatable key list)."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from dss_addon.errors import StoreError

KEY_FILE = Path("keys") / "app-tokens.key"

log = logging.getLogger(__name__)


class TokenVault:
    """Keys live in <data_dir>/keys/app-tokens.key, one Fernet key per line, newest first.

    To rotate, prepend a new key and keep the old ones until every blob was re-encrypted."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise StoreError("the token vault needs at least one key")
        try:
            self._fernet = MultiFernet([Fernet(key) for key in keys])
        except ValueError as err:
            raise StoreError("a token vault key is malformed") from err

    @classmethod
    def open(cls, data_dir: Path, *, must_exist: bool = False) -> TokenVault:
        """Synchronous file I/O: call it once at start-up. must_exist: the database holds
        tokens sealed with the key, so a new one must not be made up."""
        path = data_dir / KEY_FILE
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            if must_exist:
                raise StoreError(
                    f"the key file {path} is missing, but the database holds dSS app tokens"
                    " sealed with it; restore it from a backup, or move the database away to"
                    " start without shares"
                )
            _create_key_file(path)
        _keep_private(path)
        lines = path.read_bytes().splitlines()
        keys = [line.strip() for line in lines if line.strip() and not line.startswith(b"#")]
        return cls(keys)

    def opens(self, blob: bytes) -> bool:
        try:
            self._fernet.decrypt(blob)
        except InvalidToken:
            return False
        return True

    def encrypt(self, token: str) -> bytes:
        # Fernet embeds its own timestamp; it is never used (no TTL), so no clock is needed.
        return self._fernet.encrypt(token.encode("utf-8"))

    def decrypt(self, blob: bytes) -> str:
        try:
            return self._fernet.decrypt(blob).decode("utf-8")
        except InvalidToken as err:
            raise StoreError("an app token cannot be decrypted (key missing or changed?)") from err

    def rotate(self, blob: bytes) -> bytes:
        """Re-encrypt with the newest key."""
        try:
            return self._fernet.rotate(blob)
        except InvalidToken as err:
            raise StoreError("an app token cannot be decrypted (key missing or changed?)") from err


def _create_key_file(path: Path) -> None:
    # O_EXCL: two processes starting at once must not overwrite each other's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(Fernet.generate_key() + b"\n")
        handle.flush()
        os.fsync(handle.fileno())


def _keep_private(path: Path) -> None:
    """Others must not read the key: a file of ours gets 0600 back (logged); a file of another
    user we cannot fix, so the add-on refuses to start with it."""
    info = path.stat()
    mode = stat.S_IMODE(info.st_mode)
    if not mode & 0o077:
        return
    if info.st_uid != os.geteuid():
        raise StoreError(
            f"the key file {path} is readable by other users (mode {mode:o}) and belongs to"
            f" another user; make it private (chmod 600, owned by the add-on's user)"
        )
    os.chmod(path, 0o600)
    log.warning("the key file %s was readable by other users (mode %o); set to 600", path, mode)
