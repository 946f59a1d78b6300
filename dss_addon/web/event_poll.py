"""Event subscriptions through the proxy (pure): ids namespaced per share session, long polls
that end by the share's end time."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime

from dss_addon.policy.model import DssCall
from dss_addon.policy.params import parse_dss_int

SUBSCRIPTION_PARAM = "subscriptionID"
# A long poll is also bounded by this, so a proxied request never sits open for ever.
MAX_POLL_MS = 60_000
MIN_POLL_MS = 1
# Extra seconds the upstream request may take beyond the poll timeout before it is abandoned.
POLL_GRACE_SECONDS = 5.0


def namespace(session_id: str) -> str:
    """A short, stable prefix per share session (all sessions of a share share one dSS session,
    and the dSS keys subscriptions by a client-chosen id)."""
    return "s" + hashlib.sha256(session_id.encode()).hexdigest()[:12] + "-"


def namespaced_params(call: DssCall, params: Mapping[str, str], session_id: str) -> dict[str, str]:
    out = dict(params)
    if call.klass == "event" and SUBSCRIPTION_PARAM in out and out[SUBSCRIPTION_PARAM]:
        out[SUBSCRIPTION_PARAM] = namespace(session_id) + out[SUBSCRIPTION_PARAM]
    return out


def strip_namespace(body: bytes, session_id: str) -> bytes:
    """The dSS names the id in some answers (" Token <id> not found!"): give back the client's."""
    return body.replace(namespace(session_id).encode(), b"")


def poll_timeout_ms(params: Mapping[str, str], now: datetime, expires_at: datetime) -> int | None:
    """The timeout to forward for event/get: the client's, capped to the share's remaining time
    and MAX_POLL_MS. "0" or missing means "for ever" to the dSS, so it is capped too; "-1"
    (return at once) and unparsable values (the dSS answers with an error) go through as they
    are (None: leave the parameter alone)."""
    raw = params.get("timeout", "")
    requested = parse_dss_int(raw) if raw else 0
    if requested is None or requested < 0:
        return None
    remaining_ms = int((expires_at - now).total_seconds() * 1000)
    cap = max(MIN_POLL_MS, min(MAX_POLL_MS, remaining_ms))
    return cap if requested == 0 else min(requested, cap)
