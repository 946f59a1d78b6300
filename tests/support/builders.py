"""Small builders for shares, sessions and an installation topology, shared by the test suites."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from dss_addon.policy.decide import decide
from dss_addon.policy.model import Decision, DeviceRef, DssCall, Target, Topology
from dss_addon.policy.schema import with_always_sent
from dss_addon.shares.model import Level, Share, ShareSession
from tests.support.clock import DEFAULT_START

# The default share is active from an hour before DEFAULT_START until four hours after it, and
# the default session was last seen at DEFAULT_START: decide(..., now=DEFAULT_START) sees both
# usable.
NOW = DEFAULT_START
IDLE_TIMEOUT = timedelta(minutes=15)

ZONE_WOHNEN = 989
ZONE_KUECHE = 990
ZONE_SCHLAFEN = 991
ZONES: dict[int, str] = {
    0: "",
    ZONE_WOHNEN: "Wohnen",
    ZONE_KUECHE: "Küche",
    ZONE_SCHLAFEN: "Schlafen",
}

LIGHT_WOHNEN = DeviceRef(
    dsuid="303505d7f8000000000000400001b2c300",
    dsid="303505d7f800000400001b2c",
    name="Deckenlicht Wohnen",
    zone_id=ZONE_WOHNEN,
)
BLIND_KUECHE = DeviceRef(
    dsuid="303505d7f8000000000000400001d4e500",
    dsid="303505d7f800000400001d4e",
    name="Rollladen Küche",
    zone_id=ZONE_KUECHE,
)
LAMP_SCHLAFEN = DeviceRef(
    dsuid="303505d7f8000000000000400002a6f700",
    dsid="303505d7f800000400002a6f",
    name="Nachttisch Schlafen",
    zone_id=ZONE_SCHLAFEN,
)
# A native vDC device: dSUID only, no dSID.
SENSOR_KUECHE = DeviceRef(
    dsuid="c0ffee0000000000000000000000000a00",
    dsid="",
    name="Feuchtesensor Küche",
    zone_id=ZONE_KUECHE,
)
# Two devices with the same name: selecting by that name is ambiguous.
SOCKET_WOHNEN = DeviceRef(
    dsuid="303505d7f8000000000000400003c8a100",
    dsid="303505d7f800000400003c8a",
    name="Steckdose",
    zone_id=ZONE_WOHNEN,
)
SOCKET_SCHLAFEN = DeviceRef(
    dsuid="303505d7f8000000000000400003c8b200",
    dsid="303505d7f800000400003c8b",
    name="Steckdose",
    zone_id=ZONE_SCHLAFEN,
)
DEVICES = (LIGHT_WOHNEN, BLIND_KUECHE, LAMP_SCHLAFEN, SENSOR_KUECHE, SOCKET_WOHNEN, SOCKET_SCHLAFEN)


def make_share(**overrides: Any) -> Share:
    share = Share(
        id="shr_test0001",
        label="Elektro Müller",
        level=Level.VIEW,
        created_at=NOW - timedelta(hours=1),
        starts_at=NOW - timedelta(hours=1),
        expires_at=NOW + timedelta(hours=4),
        zones=(),
        has_pin=False,
        max_redemptions=None,
        created_by="dssadmin",
    )
    return dataclasses.replace(share, **overrides)


def make_session(share: Share, **overrides: Any) -> ShareSession:
    session = ShareSession(
        id="ses_test0001",
        share_id=share.id,
        created_at=share.starts_at,
        last_seen_at=NOW,
        client="192.0.2.10",
    )
    return dataclasses.replace(session, **overrides)


def make_topology() -> Topology:
    return Topology(zones=dict(ZONES), devices=DEVICES)


def make_call(klass: str, method: str, /, **params: str) -> DssCall:
    """A /json/<klass>/<method> call with the given parameters, completed like the proxy
    completes a request (a device-interface verb carries category=algorithm unless given)."""
    full = with_always_sent((klass, method), params)
    return DssCall(Target.JSON, klass, method, full, f"/json/{klass}/{method}")


def decide_now(share: Share, call: DssCall, **options: frozenset[str]) -> Decision:
    """decide() for a call in the share's default session at NOW, on the test topology;
    `options` are decide's allow lists (raise_allowed, script_addons)."""
    return decide(
        share, make_session(share), call, NOW,
        topology=make_topology(), idle_timeout=IDLE_TIMEOUT, **options,
    )  # fmt: skip
