"""The electrician's page's view of its share, as the server sees it now (pure).

The page counts down from `seconds_left` of the same answer, on its own monotonic clock: the
browser's wall clock may be off, and rounding must never end the page early (issue 10, item 3)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from dss_addon.shares.model import ExtensionRequest, Share, share_state, time_left

JsonObject = dict[str, object]
WARN_AT_SECONDS = (600, 60)  # the page warns 10 minutes and 1 minute before the end


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def extension_json(request: ExtensionRequest | None) -> JsonObject | None:
    if request is None:
        return None
    answer = None if request.answer is None else request.answer.value
    return {
        "minutes": request.minutes,
        "message": request.message,
        "at": utc(request.at),
        "answer": answer,
    }


def version(share: Share, now: datetime) -> str:
    """Changes whenever what the page shows changes, except the time counting down: a long
    poll that knows this version waits, one that knows another answers at once."""
    seen = [
        share_state(share, now).value,
        utc(share.expires_at),
        extension_json(share.extension_request),
    ]
    return hashlib.sha256(json.dumps(seen).encode()).hexdigest()[:16]


def live_state(share: Share, now: datetime) -> JsonObject:
    return {
        "state": share_state(share, now).value,
        "version": version(share, now),
        "now": utc(now),
        "starts_at": utc(share.starts_at),
        "expires_at": utc(share.expires_at),
        "seconds_left": int(time_left(share, now).total_seconds()),
        "warn_at": list(WARN_AT_SECONDS),
        "extension_request": extension_json(share.extension_request),
    }


def ended_state(now: datetime) -> JsonObject:
    """For a session that no longer exists (revoked, ended, idle): the page stops."""
    return {"state": "ended", "now": utc(now), "seconds_left": 0, "extension_request": None}
