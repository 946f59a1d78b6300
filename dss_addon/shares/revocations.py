"""Revocations that took effect in this process, saved or not: every share the service hands
out is seen through them, so a revocation holds at once even when the disk refused it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from dss_addon.shares.audit import AuditEntry
from dss_addon.shares.model import Share


@dataclass(frozen=True, slots=True)
class Revocation:
    """What the owner is told: the share (revoked) and whether that is on disk yet."""

    share: Share
    saved: bool


# Revocations confirmed on disk that are still remembered: the copy here then only covers a
# read that began before the write. Beyond this many the oldest are forgotten, so a process
# that runs for years does not grow with every revocation. One not confirmed on disk (being
# written, or refused by the disk) is never forgotten.
KEEP = 1024


class Revocations:
    def __init__(self) -> None:
        self._at: dict[str, datetime] = {}  # shares revoked in this process, oldest first
        self._unsaved: dict[str, AuditEntry] = {}  # its audit row, until it is on disk
        self._saved: dict[str, None] = {}  # confirmed on disk, oldest first

    def add(self, share_id: str, at: datetime) -> None:
        """Revoked now, in memory; `saved` confirms the write, `unsaved` reports its failure."""
        self._at.setdefault(share_id, at)

    def unsaved(self, entry: AuditEntry) -> None:
        self._unsaved.setdefault(entry.share_id, entry)
        self._at.setdefault(entry.share_id, entry.at)
        self._saved.pop(entry.share_id, None)

    def saved(self, share_id: str) -> None:
        self._unsaved.pop(share_id, None)
        if share_id not in self._at:
            return
        self._saved[share_id] = None
        while len(self._saved) > KEEP:
            oldest = next(iter(self._saved))
            del self._saved[oldest]
            del self._at[oldest]

    def __len__(self) -> int:
        return len(self._at)

    def not_on_disk(self) -> list[str]:
        """Ids of the shares revoked here whose revocation is not confirmed on disk."""
        return [share_id for share_id in self._at if share_id not in self._saved]

    def pending(self) -> list[AuditEntry]:
        return list(self._unsaved.values())

    def is_unsaved(self, share_id: str) -> bool:
        return share_id in self._unsaved

    def apply(self, share: Share) -> Share:
        """The share as it is now: revoked if it was revoked here, whatever the disk says."""
        at = self._at.get(share.id)
        if at is None or share.revoked_at is not None or share.ended_at is not None:
            return share
        return replace(share, revoked_at=at)
