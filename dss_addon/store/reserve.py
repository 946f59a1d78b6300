"""A small preallocated file in the data directory, deleted to make room when the disk is
full so that a revocation can still be written, and created again when space returns."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

RESERVE_FILE = "disk-reserve"
RESERVE_BYTES = 1 << 20  # room for many revocations: each writes a few 4 KiB pages to the WAL


class DiskReserve:
    """Synchronous file I/O: call ensure() and release() through asyncio.to_thread."""

    def __init__(self, path: Path, size: int = RESERVE_BYTES) -> None:
        self.path = path
        self.size = size

    def present(self) -> bool:
        try:
            return self.path.stat().st_size >= self.size
        except OSError:
            return False

    def ensure(self) -> bool:
        """Creates the reserve if it is missing; False when there is no room for it yet."""
        if self.present():
            return True
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                _allocate(fd, self.size)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as err:
            with contextlib.suppress(OSError):
                self.path.unlink()  # a partial reserve would only fill the disk further
            if err.errno not in (errno.ENOSPC, errno.EDQUOT):
                log.warning("cannot create the disk reserve %s: %s", self.path, err.strerror)
            return False
        return True

    def release(self) -> bool:
        """Deletes the reserve; True if that freed space."""
        try:
            self.path.unlink()
        except FileNotFoundError:
            return False
        except OSError as err:
            log.warning("cannot delete the disk reserve %s: %s", self.path, err.strerror)
            return False
        log.warning("disk full: released the disk reserve to write a revocation")
        return True


def _allocate(fd: int, size: int) -> None:
    try:
        os.posix_fallocate(fd, 0, size)
    except OSError as err:
        if err.errno not in (errno.EOPNOTSUPP, errno.EINVAL):
            raise
        # File systems without fallocate: write the blocks, so that they are really taken.
        block = bytes(64 * 1024)
        for offset in range(0, size, len(block)):
            os.pwrite(fd, block[: min(len(block), size - offset)], offset)
