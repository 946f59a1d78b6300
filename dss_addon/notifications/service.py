"""Telling the homeowner: a row for the tab's list and, through the dSS's own channel, an
event that the dSS's mail function can send on.

The dSS event: `dss-share.notification`, raised with event/raise, with the properties `kind`,
`share`, `subject` and `body` (German). The dSS's sendmail plug-in
(eventinterpreterplugins.cpp EventInterpreterPluginSendmail::handleEvent) takes `subject` and
`body` from the event's properties and `to`/`from` from its subscription's options when the
event has none, so the homeowner (or an installer) mails these on with a subscription such as

    <subscription event-name="dss-share.notification" handler-name="sendmail">
      <parameter><parameter name="to">home@example.org</parameter></parameter>
    </subscription>

The event never carries `to`, `cc`, `bcc`, `from` or `header`: those stay the subscription's.

It is raised in the share's own dSS session. Without an open session the event waits in
memory (one extension request per share at most, the newest) and is raised in the background
when the share's next session opens (ShareUpstream.on_login), never under the deadline of the
electrician's call; the tab's row is there at once. Two kinds cannot wait (AT_ONCE): a share
locked by PIN guessing never gets a session, and a share whose job is done loses its app token
right after; so their event is raised at once in a brief session of the share's own
(ShareUpstream.call_briefly: logged out right after, counted in the session budget, one at a
time, the electrician's request waiting DSS_EVENT_TIMEOUT at most). A done share's app token
is released only once that brief session is through (ShareService.releases.waits: `raised`),
however long it queued behind another. Those of a locked share
(whoever guesses at a PIN link causes them) are throttled to one every few seconds, so nobody
can make the add-on hold sessions; a job done comes only from an authenticated electrician,
once per share, and is not. Events that still wait are raised in brief sessions by the
periodic check, one share per minute, and dropped then if the share's app token is gone (it
can never open a session again; the tab has the rows).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from dss_addon.errors import AddonError
from dss_addon.notifications.model import (
    ENDING_SOON_WITHIN,
    Kind,
    Notification,
    event_parameter,
    text,
)
from dss_addon.notifications.store import NotificationStore
from dss_addon.runtime import Runtime
from dss_addon.web.i18n import Lang

log = logging.getLogger(__name__)

DSS_EVENT = "dss-share.notification"
CHECK_INTERVAL = 60.0  # seconds between checks for shares ending within the hour
# The dSS event is best effort: a slow or hung dSS must not hold up the redemption, PIN answer
# or "job done" that raised it for longer than this (the tab has the row either way).
DSS_EVENT_TIMEOUT = 3.0
PENDING_PER_SHARE = 8  # events waiting for a share's session (the oldest go first)
PENDING_SHARES = 512  # shares with waiting events (the longest waiting go first)
# Raised at once in a brief session of the share's own when it has none: a share locked by PIN
# guessing never gets one, a share whose job is done loses its app token right after (the
# others wait for the share's next session or the periodic check).
AT_ONCE: frozenset[Kind] = frozenset({Kind.LOCKED, Kind.DONE})
# Of those, what only an authenticated electrician can cause, once per share: its brief session
# is not held to the interval meant against PIN guessers (who need no session to cause one).
UNTHROTTLED: frozenset[Kind] = frozenset({Kind.DONE})

_Event = tuple[Kind, str, str]  # kind, label, detail


def queued(waiting: list[_Event], event: _Event) -> list[_Event]:
    """A share's waiting events with `event` added: one extension request at most (the newest
    says it all: the tab lists every one), the oldest dropped beyond PENDING_PER_SHARE."""
    if event[0] is Kind.EXTENSION_REQUEST:
        waiting = [e for e in waiting if e[0] is not Kind.EXTENSION_REQUEST]
    return [*waiting, event][-PENDING_PER_SHARE:]


def _raise_params(share_id: str, event: _Event) -> dict[str, str]:
    kind, label, detail = event
    subject = text(kind, label, detail, Lang.DE)
    parameter = event_parameter(
        {"kind": kind.value, "share": share_id, "subject": subject, "body": subject}
    )
    return {"name": DSS_EVENT, "parameter": parameter}


class Notifier:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._store = NotificationStore(runtime.store)
        self._pending: dict[str, list[_Event]] = {}  # share id -> events, oldest first
        self._flushing: dict[str, asyncio.Task[None]] = {}  # share id -> brief raise

    @property
    def store(self) -> NotificationStore:
        return self._store

    def waiting(self) -> dict[str, int]:
        """Share id -> how many of its dSS events wait for a session."""
        return {share_id: len(events) for share_id, events in self._pending.items()}

    async def observe(self, share_id: str, kind: str) -> None:
        """The ShareService's observer."""
        try:
            parsed = Kind(kind)
        except ValueError:
            return
        await self.notify(share_id, parsed)

    async def notify(self, share_id: str, kind: Kind, detail: str = "") -> Notification | None:
        """Stores the notification (once for one-off kinds) if the owner wants this kind for
        this share, and raises the dSS event. None when nothing was told."""
        try:
            if kind not in await self._store.kinds(share_id):
                return None
            share = await self.runtime.shares.get(share_id)
            now = self.runtime.clock.now()
            new_id = await self._store.add(share_id, kind, share.label, detail, now)
        except AddonError as err:
            log.warning("notification %s for a share failed: %s", kind.value, err.code)
            return None
        if new_id is None:
            return None
        await self._raise_dss_event(share_id, kind, share.label, detail)
        return Notification(new_id, share_id, now, kind, share.label, detail, read=False)

    async def _raise_dss_event(self, share_id: str, kind: Kind, label: str, detail: str) -> None:
        if await self._raise_if_open(share_id, (kind, label, detail)):
            return
        self._wait_for_session(share_id, (kind, label, detail))
        if kind in AT_ONCE:  # the share will not get a session (again): a brief one, bounded
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(DSS_EVENT_TIMEOUT):
                    await self._raise_now(share_id, throttled=kind not in UNTHROTTLED)

    async def _raise_now(self, share_id: str, *, throttled: bool) -> None:
        """Raises the share's waiting events in a brief session now: after the one under way,
        should that one have taken its events before the newest was queued. A caller giving up
        leaves the brief session to finish."""
        while True:
            earlier = self._flushing.get(share_id)
            task = self._flush(share_id, throttled=throttled)
            await asyncio.shield(task)
            if task is not earlier or share_id not in self._pending:
                return

    def _flush(self, share_id: str, *, throttled: bool = True) -> asyncio.Task[None]:
        """Raises the share's waiting events in a brief session of its own (one task per
        share at a time, tracked, cancelled when the app stops)."""
        running = self._flushing.get(share_id)
        if running is not None and not running.done():
            return running
        task = asyncio.get_running_loop().create_task(
            self._raise_briefly(share_id, throttled=throttled)
        )
        self._flushing[share_id] = task
        task.add_done_callback(lambda done: self._flushed(share_id, done))
        return task

    def _flushed(self, share_id: str, task: asyncio.Task[None]) -> None:
        if self._flushing.get(share_id) is task:
            del self._flushing[share_id]

    async def _raise_briefly(self, share_id: str, *, throttled: bool) -> None:
        upstream = self.runtime.upstream
        if upstream.has_session(share_id):  # it has one after all: raised in it
            await self.session_opened(share_id)
            return
        if await self._dropped_for_good(share_id):
            return
        events = self._pending.pop(share_id, [])
        if not events:
            return
        raised = False
        try:
            raised = await upstream.call_briefly(
                share_id,
                "event",
                "raise",
                [_raise_params(share_id, e) for e in events],
                throttled=throttled,
            )
        except AddonError as err:
            log.info("raising %s in a brief dSS session failed: %s", DSS_EVENT, err.code)
        finally:
            if not raised:  # refused, rate-limited or cancelled: they wait again
                for event in events:
                    self._wait_for_session(share_id, event)

    async def _dropped_for_good(self, share_id: str) -> bool:
        """Drops the share's waiting events when its dSS app token is gone (revoked, ended, or
        released after it expired): no session of its own can ever raise them."""
        try:
            if await self.runtime.shares.app_token(share_id) is not None:
                return False
        except AddonError:  # the store could not tell: they keep waiting
            return False
        events = self._pending.pop(share_id, [])
        if events:
            log.info(
                "%d %s event(s) of share %s dropped: it can no longer open a dSS session "
                "(the tab lists them)", len(events), DSS_EVENT, share_id,
            )
        return True

    async def flush_waiting(self) -> None:
        """The periodic check: drops what waits for shares that can never log in again, and
        raises the events of the longest-waiting other share without a session in a brief
        session (the upstream allows one every few seconds). It waits first for the brief
        raises under way (one brief session at a time: another would only be refused)."""
        under_way = [task for task in self._flushing.values() if not task.done()]
        if under_way:
            await asyncio.wait(under_way)  # never cancels them
        for share_id in list(self._pending):
            if self.runtime.upstream.has_session(share_id):
                continue
            if not await self._dropped_for_good(share_id):
                await self._flush(share_id)
                return

    async def raised(self, share_id: str) -> None:
        """Waits until no brief session raising the share's events is under way (the share
        service waits for it before a done share's app token is released); never cancels it.
        Not cut short while the raise queues behind other shares' brief sessions (one at a
        time): the raise itself is bounded by its dSS calls' dss_timeout."""
        while (task := self._flushing.get(share_id)) is not None and not task.done():
            await asyncio.wait([task])

    async def close(self) -> None:
        tasks = list(self._flushing.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def session_opened(self, share_id: str) -> None:
        """The upstream's login listener (run in the background): raises what waited for the
        share's session; what it never got to raise (cancelled at shutdown) waits again."""
        events = self._pending.pop(share_id, [])
        try:
            while events:
                if not await self._raise_if_open(share_id, events[0]):
                    break  # the session is gone again: the rest waits for the next one
                events.pop(0)
        finally:
            for event in events:
                self._wait_for_session(share_id, event)

    def _wait_for_session(self, share_id: str, event: _Event) -> None:
        waiting = self._pending.pop(share_id, [])  # re-inserted: the newest last
        self._pending[share_id] = queued(waiting, event)
        while len(self._pending) > PENDING_SHARES:
            del self._pending[next(iter(self._pending))]

    async def _raise_if_open(self, share_id: str, event: _Event) -> bool:
        """False when the share has no open dSS session (nothing was sent)."""
        try:
            # In the share's own dSS session (the add-on's, never the browser's); the owner
            # may not be logged in when a share is used. Best effort: the tab has the row.
            async with asyncio.timeout(DSS_EVENT_TIMEOUT):
                reply = await self.runtime.upstream.call_if_open(
                    share_id, "event", "raise", _raise_params(share_id, event)
                )
        except AddonError as err:
            log.info("raising %s at the dSS failed: %s", DSS_EVENT, err.code)
            return True
        except TimeoutError:
            log.info("raising %s at the dSS took too long: the tab has it", DSS_EVENT)
            return True
        if reply is None:
            return False
        if reply.status != 200:
            log.info("the dSS refused %s (HTTP %d)", DSS_EVENT, reply.status)
        return True

    async def check_ending_soon(self) -> int:
        """Notifies every share that ends within the hour and was not told yet."""
        now = self.runtime.clock.now()
        told = 0
        for share_id, _label in await self._store.ending_within(now, ENDING_SOON_WITHIN):
            if await self.notify(share_id, Kind.ENDING_SOON) is not None:
                told += 1
        return told

    async def run(self) -> None:
        while True:
            try:
                await self.check_ending_soon()
            except Exception:
                log.exception("checking for shares that end soon failed")
            try:
                await self.flush_waiting()
            except Exception:
                log.exception("raising waiting notifications failed")
            await asyncio.sleep(CHECK_INTERVAL)


NOTIFIER: web.AppKey[Notifier] = web.AppKey("notifier", Notifier)


async def _lifecycle(app: web.Application) -> AsyncIterator[None]:
    notifier = app[NOTIFIER]
    runtime = notifier.runtime
    runtime.shares.observers.append(notifier.observe)
    runtime.shares.releases.waits.append(notifier.raised)
    unlisten = runtime.upstream.on_login(notifier.session_opened)
    task = asyncio.get_running_loop().create_task(notifier.run(), name="ending-soon")
    try:
        yield
    finally:
        unlisten()
        runtime.shares.observers.remove(notifier.observe)
        runtime.shares.releases.waits.remove(notifier.raised)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await notifier.close()


def install(app: web.Application, runtime: Runtime) -> Notifier:
    """Hangs a Notifier off the owner app: it listens to the share service while the app runs
    and checks for shares ending soon once a minute."""
    notifier = Notifier(runtime)
    app[NOTIFIER] = notifier
    app.cleanup_ctx.append(_lifecycle)
    return notifier
