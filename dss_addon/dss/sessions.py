"""The add-on's share of the home's 30 dSS sessions (pure bookkeeping, no I/O).

The dSS refuses every login once 30 entries stand in its session map (sessionmanager.cpp
registerSession), and the map holds more than live sessions: looking up an unknown token
(webserver.cpp httpRequestCallback -> SessionManager::getSession, `m_Sessions[_id]`) inserts an
empty entry that stays until the next `webSessionCleanup`, at most 30 s later. So the budget
the add-on keeps below its cap counts three things:
- its open sessions;
- phantoms it caused: every token it presented that the dSS no longer knew (charged for one
  sweep interval plus a margin);
- sessions that may still be alive although it no longer uses them: tokens left behind by a
  previous run of the add-on (until they are logged out or found gone);
- logins under way, and logins whose answer never came: a slow dSS completes a login the
  add-on stopped waiting for, and that session stands until the dSS's own idle timeout
  (`login_hold_until`), since the add-on never learns its token to log it out.
Logins back off, with jitter, after failures: per share, and for all shares at once when the
dSS does not answer or refuses several shares in a row (its session limit).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

DSS_SWEEP_INTERVAL = 30.0  # seconds between the dSS's session clean-ups
PHANTOM_HOLD = DSS_SWEEP_INTERVAL + 5.0  # how long a presented stale token is counted
BACKOFF_FIRST = 1.0  # seconds before the first retry of a failed login
BACKOFF_MAX = 60.0
DSS_SESSION_TIMEOUT = 180.0  # the dSS's default idle timeout (sessionTimeoutMinutes = 3)
# A session nobody uses, at the default timeout (lost_login_hold for the dSS's own setting).
LOST_LOGIN_HOLD = DSS_SESSION_TIMEOUT + DSS_SWEEP_INTERVAL + 5.0
GLOBAL_AFTER_SHARES = 2  # distinct shares refused in a row before all logins back off


def key_of(token: str) -> str:
    """What the budget remembers of a token (never the token itself)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def lost_login_hold(session_timeout: float = DSS_SESSION_TIMEOUT) -> float:
    """How long a session nobody uses may stand at the dSS: its idle timeout (never taken
    below the default: the dSS's own setting may be unknown yet) and the sweep after it."""
    return max(session_timeout, DSS_SESSION_TIMEOUT) + DSS_SWEEP_INTERVAL + 5.0


def login_hold_until(
    started: float, answer_wait: float, session_timeout: float = DSS_SESSION_TIMEOUT
) -> float:
    """Until when a login sent at `started` is counted if its answer never comes: the dSS may
    complete it as late as `answer_wait` seconds after, and then keeps the session until its
    idle timeout (`session_timeout`, sessionTimeoutMinutes) and the sweep after it."""
    return started + answer_wait + lost_login_hold(session_timeout)


@dataclass(slots=True)
class SessionBudget:
    """Entries the add-on may occupy in the dSS's session map beyond its open sessions."""

    _until: dict[str, float] = field(default_factory=dict)  # key -> monotonic expiry

    def charge(self, token: str, until: float) -> None:
        key = key_of(token)
        self._until[key] = max(until, self._until.get(key, until))

    def release(self, token: str) -> None:
        self._until.pop(key_of(token), None)

    def charged(self, now: float) -> int:
        for key in [k for k, until in self._until.items() if until <= now]:
            del self._until[key]
        return len(self._until)

    def next_expiry(self, now: float) -> float | None:
        """Seconds until the next charge lapses (None without charges)."""
        if not self.charged(now):
            return None
        return max(0.0, min(self._until.values()) - now)


@dataclass(slots=True)
class _Delay:
    failures: int = 0
    not_before: float = 0.0


def _pause(failures: int, rng: random.Random) -> float:
    base: float = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (failures - 1))
    return base * (0.5 + rng.random() / 2)  # jitter: shares refused together spread out


@dataclass(slots=True)
class LoginBackoff:
    """When the next login may be tried: per share, and globally."""

    rng: random.Random = field(default_factory=random.Random)
    _shares: dict[str, _Delay] = field(default_factory=dict)
    _global: _Delay = field(default_factory=_Delay)
    _refused_in_a_row: set[str] = field(default_factory=set)

    def wait(self, share_id: str, now: float) -> float:
        """Seconds until `share_id` may try a login (0: now)."""
        own = self._shares.get(share_id)
        not_before = max(self._global.not_before, own.not_before if own else 0.0)
        return max(0.0, not_before - now)

    def succeeded(self, share_id: str) -> None:
        self._shares.pop(share_id, None)
        self._global = _Delay()
        self._refused_in_a_row.clear()

    def refused(self, share_id: str, now: float) -> None:
        """The dSS refused the share's app token: revoked, or the dSS's session limit."""
        own = self._shares.setdefault(share_id, _Delay())
        own.failures += 1
        own.not_before = now + _pause(own.failures, self.rng)
        self._refused_in_a_row.add(share_id)
        if len(self._refused_in_a_row) >= GLOBAL_AFTER_SHARES:
            self._back_off_all(now)

    def unreachable(self, now: float) -> None:
        """The dSS did not answer a login: nobody tries again for a while."""
        self._back_off_all(now)

    def forget(self, share_id: str) -> None:
        self._shares.pop(share_id, None)
        self._refused_in_a_row.discard(share_id)

    def _back_off_all(self, now: float) -> None:
        self._global.failures += 1
        self._global.not_before = now + _pause(self._global.failures, self.rng)
