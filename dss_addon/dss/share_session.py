"""One share's dSS session as the add-on holds it, and the signal that the dSS no longer knows
it (see upstream.py for the session strategy)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


class Stale(Exception):
    """The dSS no longer knows the session (internal signal for one retry). `presented`: the
    dSS answered 403 to the token; else it was dropped here and never presented again."""

    def __init__(self, *, presented: bool = True) -> None:
        super().__init__()
        self.presented = presented


@dataclass(slots=True)
class ShareSession:
    share_id: str
    token: str = field(repr=False)
    app_token: str = field(repr=False)  # memory only, to check it is still enabled
    last_used: float
    verified_at: float  # monotonic time the dSS last confirmed app_token as enabled
    epoch: int = 0  # the dSS lifetime it was opened in, as far as the add-on knows
    in_flight: int = 0
    announced: bool = False  # the on_login listeners have been called for it
    revoked: bool = False  # the dSS no longer lists app_token: the share has ended
    verify_lock: asyncio.Lock = field(default_factory=asyncio.Lock, repr=False)
