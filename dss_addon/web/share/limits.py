"""What one share may ask of the dSS (one small box, shared with the whole home): requests per
share (however many sessions its link opened), bus-loading reads per share, long polls held
open at once, and standing event subscriptions (event_subscriptions.py)."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiohttp import web

from dss_addon.clock import Clock
from dss_addon.errors import RateLimited
from dss_addon.policy import DssCall, Target
from dss_addon.shares.audit import AuditEvent
from dss_addon.shares.service import ShareService
from dss_addon.web.rate_limit import ConcurrencyLimit, RateLimiter, Verdict
from dss_addon.web.share.event_subscriptions import SubscriptionLedger

# Any /json call, per share: generous for a configurator page, but a flood is cut off (every
# call is an audit row on the dSS's flash). Per share, not per session: a link redeemed again
# (max_redemptions) must not multiply the budget.
REQUEST_BURST = 120
REQUESTS_PER_SECOND = 20.0
# Reads that query devices over the dS bus (dss-api.md §5.1), per share.
BUS_READ_BURST = 10
BUS_READS_PER_SECOND = 2.0
BUS_READS = frozenset(
    {
        "getConfig",
        "getConfigWord",
        "getOutputValue",
        "getOutputChannelValue",
        "getTransmissionQuality",
        "getSensorValue",
        "getSensorValue2",
    }
)
# event/get long polls held open at once (each holds a dSS web-server thread).
POLLS_PER_SESSION = 3
POLLS_PER_SHARE = 6
POLL_RETRY_AFTER = 2  # seconds
RATE_LIMITED = AuditEvent.RATE_LIMITED  # written once per throttled burst
_TOO_MANY = "Too many requests: please wait a moment."
_TOO_MANY_POLLS = "Too many event polls at once for this share."


@dataclass(slots=True)
class ProxyLimits:
    requests: RateLimiter  # keyed by share
    bus_reads: RateLimiter  # keyed by share
    session_polls: ConcurrencyLimit
    share_polls: ConcurrencyLimit
    subscriptions: SubscriptionLedger

    @classmethod
    def create(cls, clock: Clock) -> ProxyLimits:
        return cls(
            requests=RateLimiter(clock, capacity=REQUEST_BURST, per_second=REQUESTS_PER_SECOND),
            bus_reads=RateLimiter(clock, capacity=BUS_READ_BURST, per_second=BUS_READS_PER_SECOND),
            session_polls=ConcurrencyLimit(POLLS_PER_SESSION),
            share_polls=ConcurrencyLimit(POLLS_PER_SHARE),
            subscriptions=SubscriptionLedger(),
        )


PROXY_LIMITS: web.AppKey[ProxyLimits] = web.AppKey("share_proxy_limits", ProxyLimits)


def is_bus_read(call: DssCall) -> bool:
    return call.target is Target.JSON and call.klass == "device" and call.method in BUS_READS


def throttle(
    limits: ProxyLimits,
    shares: ShareService,
    *,
    share_id: str,
    session_id: str,
    call: DssCall,
    client: str,
) -> None:
    """Raise RateLimited (429, nothing forwarded) when the share is over its request rate or,
    for a bus read, its bus read rate. Audited once per throttled burst, not per refusal."""
    what = f"{call.klass}/{call.method}" if call.target is Target.JSON else call.path
    checks = [(limits.requests, share_id, "request rate")]
    if is_bus_read(call):
        checks.append((limits.bus_reads, share_id, "bus read rate"))
    for limiter, key, reason in checks:
        verdict: Verdict = limiter.take(key)
        if verdict.allowed:
            continue
        if verdict.first_refusal:
            shares.audit(
                share_id,
                RATE_LIMITED,
                call=what[:200],
                allowed=False,
                reason=reason,
                client=client,
                session_id=session_id,
            )
        raise RateLimited(_TOO_MANY, retry_after=_seconds(verdict.retry_after))


@asynccontextmanager
async def poll_slot(limits: ProxyLimits, *, share_id: str, session_id: str) -> AsyncIterator[None]:
    """Hold one of the share's long-poll slots, or raise RateLimited. Released on the way out."""
    if not limits.session_polls.acquire(session_id):
        raise RateLimited(_TOO_MANY_POLLS, retry_after=POLL_RETRY_AFTER)
    try:
        if not limits.share_polls.acquire(share_id):
            raise RateLimited(_TOO_MANY_POLLS, retry_after=POLL_RETRY_AFTER)
        try:
            yield
        finally:
            limits.share_polls.release(share_id)
    finally:
        limits.session_polls.release(session_id)


def _seconds(wait: float) -> int:
    return max(1, min(3600, math.ceil(wait))) if math.isfinite(wait) else 3600
