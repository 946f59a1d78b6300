"""The simulator's state: model, sessions, security, events, fault switches, call record."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dss_sim.clock import RealClock, SimClock
from dss_sim.config import SimConfig
from dss_sim.effects import Effect, EffectKind, EffectLog
from dss_sim.events import Event, EventBus
from dss_sim.model import Apartment, Device, Zone, load_apartment
from dss_sim.properties import PropNode, find
from dss_sim.security import ADMIN, Security
from dss_sim.sessions import SessionManager
from dss_sim.tree import refresh, static_tree


@dataclass(frozen=True)
class RecordedCall:
    method: str
    path: str
    query: str
    body: str
    headers: Mapping[str, str]
    cookies: Mapping[str, str]


@dataclass
class SystemSubscription:
    id: int
    event_name: str
    handler_name: str
    options: dict[str, str] = field(default_factory=dict)


class Simulator:
    def __init__(self, config: SimConfig | None = None, clock: SimClock | None = None) -> None:
        self.config = config or SimConfig()
        self.clock: SimClock = clock or RealClock()
        self.calls: list[RecordedCall] = []
        self.effects = EffectLog()
        self.crashes = 0
        self.unreachable = False
        self.latency_ms = self.config.latency_ms
        self.started_at = self.clock.monotonic()
        self.apartment: Apartment = load_apartment(self.config.fixture)
        self.security = Security(self.config.password, self.config.data_dir)
        self.sessions = SessionManager(self.clock, self.config.session_timeout,
                                       self.config.session_limit)
        self.events = EventBus()
        self.websocket_clients = 0
        self.system_subscriptions: list[SystemSubscription] = [
            SystemSubscription(1, "running", "javascript",
                               {"filename1": "/usr/share/dss/data/scripts/register.js"}),
            SystemSubscription(2, "model_ready", "javascript",
                               {"filename1": "/usr/share/dss/add-ons/scene-responder/init.js"}),
        ]
        self._tree = static_tree(self)

    # ---- lifecycle and hooks -----------------------------------------------------------------

    def restart(self) -> None:
        """Like a dSS restart: sessions, pending tokens and subscriptions gone; the rest kept."""
        self.sessions.clear()
        self.security.restart()
        self.events.clear()
        self.started_at = self.clock.monotonic()

    def crash(self, call: str, reason: str) -> None:
        """The dSS process died: recorded as an effect, then everything a restart loses is lost
        (the caller drops the connection)."""
        self.crashes += 1
        self.effects.record(Effect(EffectKind.CRASH, call, detail=reason))
        self.restart()

    def record(self, effect: Effect) -> None:
        self.effects.record(effect)

    def sweep(self) -> None:
        for token in self.sessions.sweep():
            self.events.drop_session(token)

    def login_token(self) -> str:
        session = self.sessions.create(ADMIN)
        if session is None:
            raise RuntimeError("session limit reached")
        return session.token

    # ---- model access for assertions ---------------------------------------------------------

    def zone(self, zone_id: int) -> Zone:
        return self.apartment.zones[zone_id]

    def device(self, dsuid: str) -> Device:
        return self.apartment.devices[dsuid.lower()]

    def tree(self) -> PropNode:
        """The property tree with its model mirrors brought up to date."""
        return refresh(self, self._tree)

    def state(self, name: str) -> str | None:
        """The value of `/usr/states/<name>/state` (e.g. presence, fire, wind)."""
        node = find(self._tree, f"/usr/states/{name}/state")
        return None if node is None or node.value is None else str(node.value)

    def raise_event(self, name: str, properties: Mapping[str, str],
                    source: Mapping[str, Any] | None = None) -> Event:
        event = Event(name, dict(properties), dict(source or {}))
        self.events.raise_event(event)
        return event

    @property
    def event_history(self) -> list[Event]:
        return self.events.history

    def new_id(self) -> str:
        return secrets.token_hex(4)
