"""Typed keys of the share-site application."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from dss_addon.web.rate_limit import ConcurrencyLimit, RateLimiter

if TYPE_CHECKING:
    from dss_addon.runtime import Runtime

RUNTIME: web.AppKey[Runtime] = web.AppKey("share_runtime")
# Redemption attempts: REDEEM_LIMITER per address for unknown secrets, SHARE_REDEEM_LIMITER per
# share for known ones (web/share/redeem_limits.py).
REDEEM_LIMITER: web.AppKey[RateLimiter] = web.AppKey("share_redeem_limiter", RateLimiter)
SHARE_REDEEM_LIMITER: web.AppKey[RateLimiter] = web.AppKey("share_redeem_per_share", RateLimiter)
# Live-state long polls held open at once per share (web/share/views.py live_state).
LIVE_WAITS: web.AppKey[ConcurrencyLimit] = web.AppKey("share_live_waits", ConcurrencyLimit)

SESSION_COOKIE = "dss_share"
