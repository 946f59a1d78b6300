"""The event subscriptions the shares hold on the dSS: counted, capped and cleaned up.

On the dSS (session.cpp Session::subscribeEventSubscription, eventcollector.cpp
EventCollector::handleEvent) every subscription id of a dSS session is a queue of its own that
only event/get drains, and every event is matched against every id. A share that subscribes
and never polls would grow the dSS's memory for as long as its dSS session lives (days, with
traffic). So:
- only a few ids may stand at once per share session and per share (all sessions of a share
  use one dSS session); a subscribe beyond is refused. Re-subscribing a standing id (the dSS
  adds the name to the same id) counts once; event/unsubscribe frees the id;
- the event names per id need no count: the dSS keeps a set per id, and the policy admits only
  the names of its subscribe allow-list (rules.EVENT_SUBSCRIBE_NAMES, a few dozen);
- an id nobody subscribed or polled for ABANDONED_AFTER is unsubscribed (a page that was
  reloaded or closed never says goodbye; a share session that idles out leaves only such ids);
- the ids of a share that ended (revoked, expired, done) are unsubscribed;
- when the share's dSS session is logged out (idle, evicted for another share, a dSS restart),
  the dSS drops its ids itself: they are kept here as lapsed, with every name they were
  subscribed with, and subscribed again in the share's next dSS session before the next poll
  of the id (or when a poll meets `Token <id> not found`), so the electrician's page never
  sees its subscription vanish.
Unsubscribing is best effort and only ever uses a dSS session that is open already.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from dss_addon.dss.upstream import ShareUpstream
from dss_addon.errors import AddonError
from dss_addon.runtime import Runtime
from dss_addon.shares.model import USABLE_STATES, share_state
from dss_addon.web.share.event_poll import (
    MAX_POLL_MS,
    POLL_GRACE_SECONDS,
    SUBSCRIPTION_PARAM,
    namespace,
)

log = logging.getLogger(__name__)

# The share's overview page holds one id (share-app.js), a configurator page a handful; a
# reloaded page leaves its old id behind until it is abandoned.
MAX_IDS_PER_SESSION = 8
# All sessions of a share share one dSS session: two or three browsers of one electrician.
MAX_IDS_PER_SHARE = 16
# A live page polls each of its ids again as soon as a poll returns (a poll lasts at most
# MAX_POLL_MS plus the grace): an id untouched for three times that is abandoned.
ABANDONED_AFTER = 3 * (MAX_POLL_MS / 1000 + POLL_GRACE_SECONDS)
# Seconds between clean-ups, run in the background by share requests.
SWEEP_INTERVAL = 30.0


@dataclass(slots=True)
class Standing:
    """One subscription id of a share session, as the dSS holds it."""

    name: str  # a name it was subscribed with: unsubscribe needs one, and drops the whole id
    touched: float  # monotonic time of the last subscribe or poll
    subscribing: int = 0  # subscribes in flight (kept across a logout: they may land after it)
    polling: int = 0  # event/get polls in flight (never abandoned while polled)
    names: set[str] = field(default_factory=set)  # every name subscribed, to subscribe again
    lapsed: bool = False  # the dSS session that held it is gone: subscribe again before a poll


@dataclass(frozen=True, slots=True)
class Released:
    session_id: str
    sub_id: str  # the client's id, without the namespace
    name: str


@dataclass(slots=True)
class SubscriptionLedger:
    """Pure bookkeeping (no I/O): share id -> share session id -> client id -> Standing."""

    _shares: dict[str, dict[str, dict[str, Standing]]] = field(default_factory=dict)
    _attached: ShareUpstream | None = None
    _last_sweep: float = -math.inf
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    def count(self, share_id: str, session_id: str | None = None) -> int:
        sessions = self._shares.get(share_id, {})
        if session_id is not None:
            return len(sessions.get(session_id, {}))
        return sum(len(ids) for ids in sessions.values())

    def shares(self) -> list[str]:
        return list(self._shares)

    def admit(self, share_id: str, session_id: str, sub_id: str, name: str, now: float) -> str:
        """Reserve the id for a subscribe about to be forwarded; "" when admitted, else the
        reason it is refused. Call subscribed() once the subscribe is done, whatever came of
        it."""
        sessions = self._shares.setdefault(share_id, {})
        ids = sessions.setdefault(session_id, {})
        standing = ids.get(sub_id)
        if standing is None:
            reason = _over_cap(len(ids), sum(len(other) for other in sessions.values()))
            if reason:
                self._prune(share_id, session_id)
                return reason
            standing = ids[sub_id] = Standing(name, now)
        standing.names.add(name)
        standing.subscribing += 1
        standing.touched = now
        return ""

    def subscribed(self, share_id: str, session_id: str, sub_id: str, now: float) -> None:
        """The subscribe returned (or failed: it may have reached the dSS all the same)."""
        standing = self._find(share_id, session_id, sub_id)
        if standing is not None:
            standing.subscribing = max(0, standing.subscribing - 1)
            standing.touched = now

    @contextlib.contextmanager
    def polling(self, share_id: str, session_id: str, sub_id: str, now: float) -> Iterator[None]:
        """An event/get on the id is open: it is in use (unknown ids are not tracked)."""
        standing = self._find(share_id, session_id, sub_id)
        if standing is not None:
            standing.polling += 1
            standing.touched = now
        try:
            yield
        finally:
            if standing is not None:
                standing.polling = max(0, standing.polling - 1)

    def touch(self, share_id: str, session_id: str, sub_id: str, now: float) -> None:
        standing = self._find(share_id, session_id, sub_id)
        if standing is not None:
            standing.touched = max(standing.touched, now)

    def unsubscribed(self, share_id: str, session_id: str, sub_id: str) -> None:
        self._shares.get(share_id, {}).get(session_id, {}).pop(sub_id, None)
        self._prune(share_id, session_id)

    def forget_share(self, share_id: str) -> None:
        """The share's dSS session was logged out: the dSS dropped every id of it. They stay
        counted, lapsed, to be subscribed again in the next dSS session (`to_restore`)."""
        for ids in self._shares.get(share_id, {}).values():
            for standing in ids.values():
                standing.lapsed = True

    def lapse(self, share_id: str, session_id: str, sub_id: str) -> None:
        """The dSS does not know the id (`Token <id> not found`): subscribe it again."""
        standing = self._find(share_id, session_id, sub_id)
        if standing is not None:
            standing.lapsed = True

    def to_restore(self, share_id: str, session_id: str, sub_id: str) -> list[str]:
        """The names to subscribe the id with again before it is polled ([] if none)."""
        standing = self._find(share_id, session_id, sub_id)
        if standing is None or not standing.lapsed:
            return []
        return sorted(standing.names)

    def restored(self, share_id: str, session_id: str, sub_id: str) -> None:
        standing = self._find(share_id, session_id, sub_id)
        if standing is not None:
            standing.lapsed = False

    def take_abandoned(self, share_id: str, now: float) -> list[Released]:
        """Remove and return the share's ids nobody subscribed or polled for ABANDONED_AFTER."""
        return self._take(share_id, lambda s: not s.polling and now - s.touched >= ABANDONED_AFTER)

    def take_share(self, share_id: str) -> list[Released]:
        """Remove and return every id of the share (it ended), but those being subscribed."""
        return self._take(share_id, lambda s: True)

    def attach(self, upstream: ShareUpstream) -> None:
        """Follow the logouts of the shares' dSS sessions (idempotent)."""
        if self._attached is not upstream:
            upstream.on_logout(self.forget_share)
            self._attached = upstream

    def sweep_due(self, now: float) -> bool:
        if now - self._last_sweep < SWEEP_INTERVAL:
            return False
        self._last_sweep = now
        return True

    def keep(self, task: asyncio.Task[None]) -> None:
        """Hold a background clean-up until it is done (the loop keeps only weak references)."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _take(self, share_id: str, chosen: Callable[[Standing], bool]) -> list[Released]:
        taken: list[Released] = []
        for session_id, ids in list(self._shares.get(share_id, {}).items()):
            for sub_id, standing in list(ids.items()):
                if not standing.subscribing and chosen(standing):
                    taken.append(Released(session_id, sub_id, standing.name))
                    del ids[sub_id]
            self._prune(share_id, session_id)
        return taken

    def _find(self, share_id: str, session_id: str, sub_id: str) -> Standing | None:
        return self._shares.get(share_id, {}).get(session_id, {}).get(sub_id)

    def _prune(self, share_id: str, session_id: str) -> None:
        sessions = self._shares.get(share_id)
        if sessions is None:
            return
        if not sessions.get(session_id, True):
            del sessions[session_id]
        if not sessions:
            del self._shares[share_id]


def _over_cap(in_session: int, in_share: int) -> str:
    if in_session >= MAX_IDS_PER_SESSION:
        return f"Too many event subscriptions in this session (at most {MAX_IDS_PER_SESSION})."
    if in_share >= MAX_IDS_PER_SHARE:
        return f"Too many event subscriptions for this share (at most {MAX_IDS_PER_SHARE})."
    return ""


async def release(upstream: ShareUpstream, share_id: str, released: list[Released]) -> None:
    """Unsubscribe the ids at the dSS, best effort, only in the share's open dSS session (without
    one the dSS holds none of them)."""
    for item in released:
        params = {"name": item.name, SUBSCRIPTION_PARAM: namespace(item.session_id) + item.sub_id}
        try:
            await upstream.call_if_open(share_id, "event", "unsubscribe", params)
        except AddonError as err:
            log.info("unsubscribing an event id of share %s failed: %s", share_id, err.code)
            return


async def sweep(ledger: SubscriptionLedger, runtime: Runtime) -> None:
    """Unsubscribe the abandoned ids of every share, and every id of a share that ended."""
    for share_id in ledger.shares():
        try:
            share = await runtime.shares.get(share_id)
            usable = share_state(share, runtime.clock.now()) in USABLE_STATES
        except AddonError:
            usable = False  # gone from the store: nothing may stand for it
        if usable:
            released = ledger.take_abandoned(share_id, runtime.clock.monotonic())
        else:
            released = ledger.take_share(share_id)
        await release(runtime.upstream, share_id, released)


def sweep_now_and_then(ledger: SubscriptionLedger, runtime: Runtime) -> None:
    """Start a sweep in the background when one is due (never delays the request at hand)."""
    if ledger.sweep_due(runtime.clock.monotonic()):
        ledger.keep(asyncio.create_task(_sweep_quietly(ledger, runtime), name="event-sweep"))


async def _sweep_quietly(ledger: SubscriptionLedger, runtime: Runtime) -> None:
    try:
        await sweep(ledger, runtime)
    except Exception:
        log.exception("cleaning up event subscriptions failed")
