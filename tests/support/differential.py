"""The differential harness: the real stack on loopback sockets, shares of every level with and
without zones, generated requests sent raw through the share site, and every effect the
simulated dSS recorded judged by tests.support.effects_judge (never by the proxy's own parse)."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from aiohttp import web
from dss_sim.effects import Effect, EffectKind
from dss_sim.sim import Simulator

from dss_addon.clock import Clock
from dss_addon.runtime import Runtime
from dss_addon.settings import Settings
from dss_addon.web.rate_limit import ConcurrencyLimit, RateLimiter
from dss_addon.web.share.event_subscriptions import SubscriptionLedger
from dss_addon.web.share.limits import PROXY_LIMITS, ProxyLimits
from tests.support.effects_judge import Scope, judge
from tests.support.fuzz_corpus import (
    ADDON_CONFIG,
    ADDON_STATE,
    FUZZ_ADDON,
    OTHER_ADDON,
    RAISE_ALLOWED,
    SENSOR_STATE,
    STATE_ADDONS,
    WOHNEN_LIGHT,
    WOHNEN_LIGHT_PARTNER,
    ZONE_KUECHE,
    ZONE_SCHLAFEN,
    ZONE_WOHNEN,
)
from tests.support.raw_http import RawClient
from tests.support.requests_gen import FuzzRequest, RawRequest
from tests.support.share_site import Helper, open_share
from tests.support.stack import Stack, running_stack, stack_settings

T = TypeVar("T")
SCRIPT_ADDONS = frozenset({FUZZ_ADDON})
LEVELS = ("view", "operate", "configure")
ZONE_SETS: tuple[tuple[int, ...], ...] = ((), (ZONE_WOHNEN,), (ZONE_WOHNEN, ZONE_KUECHE))
PROFILES: tuple[Scope, ...] = tuple(
    Scope(level, zones, SCRIPT_ADDONS, RAISE_ALLOWED) for level in LEVELS for zones in ZONE_SETS
)
SHARE_MINUTES = 30 * 24 * 60
UNLIMITED = 1e12
SHRINK_BUDGET = 40  # requests one shrink may send
KEEP_VIOLATIONS = 25  # distinct violations kept with their reproductions


@dataclass(frozen=True, slots=True)
class Violation:
    scope: Scope
    request: FuzzRequest
    effect: Effect
    reason: str
    minimal: FuzzRequest | None = None

    def key(self) -> tuple[str, str, str]:
        return (self.scope.describe(), self.effect.kind, self.effect.call)

    def report(self) -> str:
        minimal = self.minimal or self.request
        return "\n".join(
            (
                f"VIOLATION for a {self.scope.describe()} share: {self.reason}",
                f"  effect: {self.effect.describe()}",
                f"  request: {self.request.describe()}",
                f"  minimal: {minimal.describe()}",
                "  reproduction:",
                *("    " + line for line in minimal.render().show().splitlines()),
            )
        )


@dataclass
class Report:
    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    effects: Counter[str] = field(default_factory=Counter)
    violation_count: int = 0
    violations: list[Violation] = field(default_factory=list)
    crashes: int = 0
    reopened: int = 0

    def merge(self, other: Report) -> None:
        self.sent += other.sent
        self.statuses.update(other.statuses)
        self.effects.update(other.effects)
        self.violation_count += other.violation_count
        self.crashes += other.crashes
        self.reopened += other.reopened
        seen = {v.key() for v in self.violations}
        for v in other.violations:
            if v.key() not in seen and len(self.violations) < KEEP_VIOLATIONS:
                self.violations.append(v)
                seen.add(v.key())

    def summary(self) -> str:
        lines = [
            f"requests sent: {self.sent}",
            "answers by status: "
            + ", ".join(f"{s or 'none'}: {n}" for s, n in sorted(self.statuses.items())),
            "effects by kind: "
            + (", ".join(f"{k}: {n}" for k, n in sorted(self.effects.items())) or "none"),
            f"dSS crashes: {self.crashes}, shares re-opened: {self.reopened}",
            f"violations: {self.violation_count} ({len(self.violations)} distinct kept)",
        ]
        return "\n".join(lines + [v.report() for v in self.violations])


@dataclass(frozen=True, slots=True)
class Outcome:
    status: int
    effects: tuple[Effect, ...]
    violations: tuple[Violation, ...]


def judge_effects(
    scope: Scope, request: FuzzRequest, effects: list[Effect], sim: Simulator
) -> list[Violation]:
    def device_zone(dsuid: str) -> int | None:
        device = sim.apartment.devices.get(dsuid.lower())
        return None if device is None else device.zone_id

    out = []
    for effect in effects:
        verdict = judge(scope, effect, device_zone)
        if not verdict.allowed:
            out.append(Violation(scope, request, effect, verdict.reason))
    return out


class Harness:
    def __init__(self, stack: Stack, http: aiohttp.ClientSession) -> None:
        self.stack = stack
        self.http = http
        self.sim = stack.sim
        self.client = RawClient.for_url(stack.share_url)
        self.helpers: dict[Scope, Helper] = {}
        self.report = Report()

    async def helper(self, scope: Scope) -> Helper:
        if scope not in self.helpers:
            self.helpers[scope] = await open_share(
                self.http,
                self.stack,
                level=scope.level,
                zones=list(scope.zones) or None,
                minutes=SHARE_MINUTES,
                label=f"fuzz {scope.describe()}",
            )
        return self.helpers[scope]

    async def exchange(self, scope: Scope, request: FuzzRequest) -> Outcome:
        """Send one request through `scope`'s share; what the dSS did, judged. Not counted."""
        raw = request.render()
        helper = await self.helper(scope)
        mark = self.sim.effects.mark()
        status, _ = await self.client.send(raw, helper.headers["Cookie"])
        if status == 401:  # the share ended (or its session): a new one, and once more
            del self.helpers[scope]
            self.report.reopened += 1
            helper = await self.helper(scope)
            status, _ = await self.client.send(raw, helper.headers["Cookie"])
        effects = self.sim.effects.since(mark)
        violations = judge_effects(scope, request, effects, self.sim)
        return Outcome(status, tuple(effects), tuple(violations))

    def trim(self) -> None:
        """Forget the simulator's call and event records (long runs; effects are bounded)."""
        self.sim.calls.clear()
        self.sim.events.history.clear()

    async def run(self, scope: Scope, request: FuzzRequest, *, shrink: bool = True) -> Outcome:
        crashes = self.sim.crashes
        outcome = await self.exchange(scope, request)
        report = self.report
        report.sent += 1
        report.statuses[outcome.status] += 1
        report.effects.update(e.kind.value for e in outcome.effects)
        report.crashes += self.sim.crashes - crashes
        report.violation_count += len(outcome.violations)
        kept = {v.key() for v in report.violations}
        for violation in outcome.violations:
            if violation.key() in kept or len(report.violations) >= KEEP_VIOLATIONS:
                continue
            kind = violation.effect.kind
            minimal = await self.shrink(scope, request, kind) if shrink else None
            report.violations.append(replace(violation, minimal=minimal))
            kept.add(violation.key())
        return outcome

    async def shrink(self, scope: Scope, request: FuzzRequest, kind: EffectKind) -> FuzzRequest:
        """Drop mutations and parameters one at a time while a violation of `kind` persists."""
        budget = SHRINK_BUDGET
        current, progress = request, True
        while progress and budget > 0:
            progress = False
            for candidate in current.smaller():
                if budget <= 0:
                    break
                budget -= 1
                found = (await self.exchange(scope, candidate)).violations
                if any(v.effect.kind is kind for v in found):
                    current, progress = candidate, True
                    break
        return current

    async def send_direct(self, raw: RawRequest, token: str) -> list[Effect]:
        """Bypass the proxy: the request straight to the simulator with a dSS session token
        (proves the judge sees what the dSS did, whatever the proxy would say)."""
        mark = self.sim.effects.mark()
        client = RawClient.for_url(self.stack.sim_url)
        try:
            await client.send(raw, f"token={token}")
        finally:
            await client.close()
        return self.sim.effects.since(mark)


def install_addons(sim: Simulator, addons: frozenset[str]) -> None:
    """An add-on opened to shares is installed: its /scripts/<add-on>/ subtree exists on the
    dSS (a share's setting below it then creates no /scripts/<add-on> node of its own)."""
    for addon in addons:
        sim.tree().set(f"/scripts/{addon}/version", "1.0.0")
        for name in ADDON_CONFIG:
            sim.tree().set(f"/scripts/{addon}/{name}", f"{addon}-{name}")


def install_attack_fixture(sim: Simulator) -> None:
    """What the red team's attacks need on the dSS besides the default fixture: an add-on not
    opened to shares (with an account stored like the tado add-on's), a state provided by a
    device with its `device/` entries (state.cpp; the alias of the device node itself is not
    modelled by dss-sim), and registered add-on states of listed, unlisted and system add-ons
    (state/set reaches only states an add-on registered), and a button partner in another
    room."""
    install_addons(sim, frozenset({OTHER_ADDON}))
    tree = sim.tree()
    state = f"/usr/states/{SENSOR_STATE}"
    for name, value in (("name", SENSOR_STATE), ("value", 1), ("state", "active"),
                        ("device/inputIndex", 0), ("device/stateName", "contact")):  # fmt: skip
        tree.set(f"{state}/{name}", value)
    for addon in STATE_ADDONS:
        tree.set(f"/usr/addon-states/{addon}/{ADDON_STATE}/state", "inactive")
    # A two-input push-button whose second half sits in another room than its first: pairing
    # the living room's light moves this bedroom device (devicerequesthandler.cpp).
    light = sim.device(WOHNEN_LIGHT)
    sim.apartment.devices[WOHNEN_LIGHT_PARTNER] = replace(
        light, dsuid=WOHNEN_LIGHT_PARTNER, dsid="", name="Taster Schlafen", zone_id=ZONE_SCHLAFEN,
        groups=[1], tags=[], channels={}, config={}, sensors=[],
    )  # fmt: skip


def generous_limits(clock: Clock) -> ProxyLimits:
    """Rate limits that never throttle: a flood must reach the policy, not a 429."""
    rate = RateLimiter(clock, capacity=UNLIMITED, per_second=UNLIMITED)
    return ProxyLimits(
        requests=rate,
        bus_reads=RateLimiter(clock, capacity=UNLIMITED, per_second=UNLIMITED),
        session_polls=ConcurrencyLimit(10_000),
        share_polls=ConcurrencyLimit(10_000),
        # Kept as in production: the cap on standing subscriptions is a defence under test.
        subscriptions=SubscriptionLedger(),
    )


def harness_settings(sim_url: str, data_dir: Path) -> Settings:
    return replace(
        stack_settings(sim_url, data_dir),
        script_addons=SCRIPT_ADDONS,
        raise_allowed=RAISE_ALLOWED,
        dss_timeout=3.0,
    )


def _prepare_sim(sim: Simulator) -> None:
    install_addons(sim, SCRIPT_ADDONS)
    install_attack_fixture(sim)


def _generous_share_app(app: web.Application, runtime: Runtime) -> None:
    app[PROXY_LIMITS] = generous_limits(runtime.clock)


@asynccontextmanager
async def running_harness(
    tmp_path: Path, *, configure: Callable[[Settings], Settings] | None = None
) -> AsyncIterator[Harness]:
    def settings_for(settings: Settings) -> Settings:
        settings = harness_settings(settings.dss_url, settings.data_dir)
        return configure(settings) if configure is not None else settings

    async with (
        running_stack(
            tmp_path,
            owner=False,
            configure=settings_for,
            prepare_sim=_prepare_sim,
            prepare_share_app=_generous_share_app,
        ) as stack,
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http,
    ):
        harness = Harness(stack, http)
        try:
            yield harness
        finally:
            await harness.client.close()


class ThreadedHarness:
    """A harness on its own event loop in a thread, for synchronous (hypothesis) tests."""

    def __init__(self, tmp_path: Path) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._context = running_harness(tmp_path)
        self.harness: Harness = self.call(self._context.__aenter__())

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def run(self, scope: Scope, request: FuzzRequest) -> Outcome:
        return self.call(self.harness.run(scope, request))

    def close(self) -> None:
        try:
            self.call(self._context.__aexit__(None, None, None))
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop.close()
