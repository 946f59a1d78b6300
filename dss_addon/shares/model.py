"""The share as stored, and its state as a pure function of the share and the time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

PIN_MAX_FAILURES = 5


class Level(StrEnum):
    VIEW = "view"
    OPERATE = "operate"
    CONFIGURE = "configure"


class ShareState(StrEnum):
    SCHEDULED = "scheduled"  # before starts_at
    ACTIVE = "active"
    EXPIRED = "expired"  # now >= expires_at
    REVOKED = "revoked"  # by the homeowner (or the app token was revoked in the dSS)
    ENDED = "ended"  # "job done" by the helper
    USED_UP = "used_up"  # max_redemptions reached: no new redemption, live sessions go on
    LOCKED = "locked"  # too many wrong PINs: no new redemption, live sessions go on


# States in which sessions already redeemed may still make calls.
USABLE_STATES = frozenset({ShareState.ACTIVE, ShareState.USED_UP, ShareState.LOCKED})
# Terminal states: nothing brings such a share back (extend does not apply).
FINAL_STATES = frozenset({ShareState.REVOKED, ShareState.ENDED})
# Over for the owner's list: may be archived; no live session counts any more.
OVER_STATES = frozenset({ShareState.REVOKED, ShareState.ENDED, ShareState.EXPIRED})


class ExtensionAnswer(StrEnum):
    GRANTED = "granted"
    DECLINED = "declined"


@dataclass(frozen=True, slots=True)
class ExtensionRequest:
    """The electrician's latest request for more time; answer None while the owner has not."""

    minutes: int
    message: str
    at: datetime
    answer: ExtensionAnswer | None = None


@dataclass(frozen=True, slots=True)
class Share:
    id: str  # public, non-secret identifier used in owner URLs
    label: str
    level: Level
    created_at: datetime  # all datetimes timezone-aware UTC
    starts_at: datetime
    expires_at: datetime
    zones: tuple[int, ...]  # empty: every zone
    has_pin: bool
    max_redemptions: int | None
    redemptions: int = 0
    pin_failures: int = 0
    revoked_at: datetime | None = None
    ended_at: datetime | None = None
    last_used_at: datetime | None = None
    created_by: str = ""
    archived_at: datetime | None = None
    extension_request: ExtensionRequest | None = None
    predecessor_id: str | None = None

    @property
    def pending_extension(self) -> ExtensionRequest | None:
        request = self.extension_request
        return request if request is not None and request.answer is None else None


def share_state(share: Share, now: datetime) -> ShareState:
    """Precedence: a share that was revoked stays revoked even after its end time."""
    if share.revoked_at is not None:
        return ShareState.REVOKED
    if share.ended_at is not None:
        return ShareState.ENDED
    if now >= share.expires_at:
        return ShareState.EXPIRED
    if now < share.starts_at:
        return ShareState.SCHEDULED
    if share.has_pin and share.pin_failures >= PIN_MAX_FAILURES:
        return ShareState.LOCKED
    if share.max_redemptions is not None and share.redemptions >= share.max_redemptions:
        return ShareState.USED_UP
    return ShareState.ACTIVE


def time_left(share: Share, now: datetime) -> timedelta:
    return max(share.expires_at - now, timedelta(0))


def time_to_start(share: Share, now: datetime) -> timedelta:
    return max(share.starts_at - now, timedelta(0))


@dataclass(frozen=True, slots=True)
class ShareSession:
    """An electrician's browser session on the share site, after redemption."""

    id: str  # public, non-secret id (audit rows, owner view); the cookie value is never stored
    share_id: str
    created_at: datetime
    last_seen_at: datetime
    client: str  # client address as seen by the share site
    ended_at: datetime | None = None


def session_idle(session: ShareSession, now: datetime, idle_timeout: timedelta) -> bool:
    return now - session.last_seen_at >= idle_timeout
