"""Who pays for a redemption attempt (issue 10, item 11).

A known secret pays from its share's bucket: two electricians behind one address (a firm's
NAT, a mobile carrier) do not use up each other's tries. Only unknown secrets pay per address:
guessing is what that limit is for. The PIN lock (5 wrong PINs) bounds guesses per share
anyway. Opening the landing page never pays: a known secret's look-up is free."""

from __future__ import annotations

import json

from aiohttp import web

from dss_addon.web.client_address import rate_key
from dss_addon.web.rate_limit import RateLimiter

RETRY_AFTER = "60"


def share_key(share_id: str) -> str:
    return f"share:{share_id}"


def address_key(client: str) -> str:
    return f"address:{rate_key(client)}"


def check(limiter: RateLimiter, key: str) -> None:
    if not limiter.allow(key):
        raise web.HTTPTooManyRequests(
            text=json.dumps(
                {"error": "rate_limited", "message": "Too many attempts. Please wait a minute."}
            ),
            content_type="application/json",
            headers={"Retry-After": RETRY_AFTER},
        )
