"""Event subscriptions through the proxy (pure): ids namespaced per share session, long polls
that end by the share's end time."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime

from dss_addon.dss.envelope import compact, read_object
from dss_addon.errors import DssRejected
from dss_addon.policy.grammar import read_int
from dss_addon.policy.model import DssCall

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


def scrub_event_answer(body: bytes, session_id: str, zones: tuple[int, ...] = ()) -> bytes:
    """An event/get answer as the browser may see it, from one parse: every property whose name
    contains "token" (the caller's dSS application token in `originToken` of callScene and
    undoScene, `ApplicationToken` of ApplicationTokenDeleted) blanked; for a zone-restricted
    share only the events of its zones (an event without a zone is not shown: deny by default);
    the namespace stripped, and re-serialised compactly in ASCII. Raises DssRejected when the
    body is no JSON object: what cannot be read cannot be checked, so it is not forwarded."""
    answer = read_object(body, "event answer")
    if zones:
        answer = _only_zones(answer, zones)
    return strip_namespace(compact(_blank_tokens(answer)), session_id)


def _only_zones(answer: dict[str, object], zones: tuple[int, ...]) -> dict[str, object]:
    result = answer.get("result")
    events = result.get("events") if isinstance(result, dict) else None
    if not isinstance(result, dict) or not isinstance(events, list):
        return answer
    kept = [event for event in events if event_zone(event) in zones]
    return {**answer, "result": {**result, "events": kept}}


def event_zone(event: object) -> int | None:
    """The zone an event belongs to: its source's zoneID, else its zoneID property."""
    if not isinstance(event, dict):
        return None
    for part, key in (("source", "zoneID"), ("properties", "zoneID")):
        holder = event.get(part)
        value = holder.get(key) if isinstance(holder, dict) else None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.isdigit():
            return int(value)
    return None


def _blank_tokens(value: object) -> object:
    """A copy with the value of every key that names a token blanked, at any depth."""
    if isinstance(value, dict):
        return {
            key: "" if "token" in str(key).lower() else _blank_tokens(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_blank_tokens(item) for item in value]
    return value


def poll_timeout_ms(params: Mapping[str, str], now: datetime, expires_at: datetime) -> int:
    """The timeout to forward for event/get (always replaces the client's): the client's, capped
    to the share's remaining time and MAX_POLL_MS. Only an exact -1 (return at once) is kept.
    Everything else the dSS might read as "for ever" is capped: "0" or missing, other negative
    numbers, numbers beyond a C int (strtol clamps them, a long -> int cast may make them 0) and
    what does not parse (the dSS's parser might still read something into it)."""
    raw = params.get("timeout", "")
    requested = read_int(raw) if raw else 0
    if requested == -1:
        return -1
    remaining_ms = int((expires_at - now).total_seconds() * 1000)
    cap = max(MIN_POLL_MS, min(MAX_POLL_MS, remaining_ms))
    return min(requested, cap) if requested is not None and requested > 0 else cap


def lost_subscription(status: int, body: bytes, upstream_id: str) -> bool:
    """Whether an event/get answer says the dSS holds no such id in this session (eventrequest-
    handler.cpp get: `" Token <id> not found!"`): its dSS session was replaced."""
    if status != 200:
        return False
    try:
        answer = read_object(body, "event answer")
    except DssRejected:
        return False
    message = answer.get("message")
    return (
        answer.get("ok") is False
        and isinstance(message, str)
        and message.strip() == f"Token {upstream_id} not found!"
    )
