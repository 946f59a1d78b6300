"""When a refused app-token release is tried again: soon, then less and less often.

A release refused with DssUnavailable (the add-on's session budget full: every session in use,
none idle long enough to be logged out; or the dSS not answering) is retried in the background
after these pauses, so that a revoked share's app token (the homeowner's rights in the dSS)
leaves the dSS within minutes once room frees, not at the next run of the hourly release loop.
A refusal at the cap costs no dSS call (make_room refuses before the login), so the first
pauses are short. After the last one the hourly release loop takes over."""

from __future__ import annotations

RETRY_FIRST = 0.2  # seconds before the first retry
RETRY_MAX = 60.0  # the longest pause between two retries
RETRY_ATTEMPTS = 14  # about seven minutes in all


def retry_delays(
    first: float = RETRY_FIRST, longest: float = RETRY_MAX, attempts: int = RETRY_ATTEMPTS
) -> tuple[float, ...]:
    """The pauses before each retry: doubling from `first`, none longer than `longest`."""
    delays: list[float] = []
    delay = first
    for _ in range(attempts):
        delays.append(min(delay, longest))
        delay *= 2
    return tuple(delays)
