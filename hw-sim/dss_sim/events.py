"""Events: per-session subscriptions for event/get, and listeners for /websocket."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

INTERNAL_EVENTS = frozenset({
    "logFileData", "debugMonitorUpdate", "SIGNAL", "webSessionCleanup",
    "execution_denied_digest_check", "check_sensor_values", "check_heating_groups",
    "UpdateAutoselect", "reexport_timings", "sendmail",
})


@dataclass(frozen=True)
class Event:
    name: str
    properties: Mapping[str, str]
    source: Mapping[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "properties": dict(self.properties), "source": dict(self.source)}


@dataclass
class Subscription:
    names: set[str] = field(default_factory=set)
    queue: list[Event] = field(default_factory=list)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False


class EventBus:
    def __init__(self) -> None:
        # session token -> subscriptionID -> Subscription
        self.subscriptions: dict[str, dict[str, Subscription]] = {}
        self.listeners: list[asyncio.Queue[Event | None]] = []  # /websocket clients; None: close
        self.history: list[Event] = []  # every raised event, for assertions

    def raise_event(self, event: Event) -> None:
        self.history.append(event)
        for per_session in self.subscriptions.values():
            for sub in per_session.values():
                if event.name in sub.names:
                    sub.queue.append(event)
                    sub.wakeup.set()
        if event.name not in INTERNAL_EVENTS:
            for listener in self.listeners:
                listener.put_nowait(event)

    def subscribe(self, session: str, sub_id: str, name: str) -> None:
        per_session = self.subscriptions.setdefault(session, {})
        per_session.setdefault(sub_id, Subscription()).names.add(name)

    def unsubscribe(self, session: str, sub_id: str) -> None:
        """The dSS quirk: the whole subscription ID goes, whatever the name."""
        sub = self.subscriptions.get(session, {}).pop(sub_id, None)
        if sub is not None:
            _close(sub)

    def get(self, session: str, sub_id: str) -> Subscription | None:
        return self.subscriptions.get(session, {}).get(sub_id)

    def drop_session(self, session: str) -> None:
        for sub in self.subscriptions.pop(session, {}).values():
            _close(sub)

    def clear(self) -> None:
        """Drop every subscription and disconnect every websocket (a dSS restart)."""
        for session in list(self.subscriptions):
            self.drop_session(session)
        for listener in self.listeners:
            listener.put_nowait(None)


def _close(sub: Subscription) -> None:
    sub.closed = True
    sub.wakeup.set()


def drain(sub: Subscription) -> list[dict[str, Any]]:
    events = [e.to_json() for e in sub.queue]
    sub.queue.clear()
    sub.wakeup.clear()
    return events
