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


# Saved revocations remembered (the disk has them; the copy here only covers a read that began
# before the revocation was written). Beyond this many the oldest saved ones are forgotten,
# down to three quarters, so a process that runs for years does not grow with every one.
KEEP = 1024


class Revocations:
    def __init__(self) -> None:
        self._at: dict[str, datetime] = {}  # shares revoked in this process, oldest first
        self._unsaved: dict[str, AuditEntry] = {}  # its audit row, until it is on disk

    def add(self, share_id: str, at: datetime) -> None:
        self._at.setdefault(share_id, at)
        if len(self._at) > KEEP:
            self._forget_oldest_saved(len(self._at) - KEEP * 3 // 4)

    def _forget_oldest_saved(self, count: int) -> None:
        oldest = [share_id for share_id in self._at if share_id not in self._unsaved][:count]
        for share_id in oldest:
            del self._at[share_id]

    def __len__(self) -> int:
        return len(self._at)

    def unsaved(self, entry: AuditEntry) -> None:
        self._unsaved.setdefault(entry.share_id, entry)
        self._at.setdefault(entry.share_id, entry.at)  # never forgotten before it is on disk

    def saved(self, share_id: str) -> None:
        self._unsaved.pop(share_id, None)

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
