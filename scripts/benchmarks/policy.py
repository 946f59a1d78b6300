"""The policy decision: decide() timed in-process on the calls the share site decides most."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported lazily below: the end-to-end part needs nothing from dss_addon
    from dss_addon.policy import DssCall, Topology
    from dss_addon.shares.model import Share, ShareSession

from scripts.benchmarks.processes import BenchError

TARGET_DECIDE_US = 50.0

Case = tuple["Share", "ShareSession", "DssCall"]


def decide_cases(share: Share, session: ShareSession) -> list[Case]:
    """(share, session, call): a plain read, the typical structure read, and the costliest path
    (an operate share restricted to one zone switching a device it must look up)."""
    from dss_addon.policy import DssCall, Target
    from dss_addon.shares.model import Level

    device = f"{1:034x}"
    restricted = replace(share, level=Level.OPERATE, zones=(1,))
    return [
        (share, session, DssCall(Target.JSON, "apartment", "getName")),
        (share, session, DssCall(Target.JSON, "apartment", "getStructure")),
        # As the proxy builds it: every device-interface verb carries category=algorithm.
        (
            restricted,
            session,
            DssCall(Target.JSON, "device", "turnOn", {"dsuid": device, "category": "algorithm"}),
        ),
    ]


def _topology() -> Topology:
    from dss_addon.policy import DeviceRef, Topology

    zones = {0: "", **{zone: f"Zone {zone}" for zone in range(1, 9)}}
    devices = tuple(
        DeviceRef(f"{index:034x}", f"{index:024x}", f"Device {index}", 1 + (index - 1) % 8)
        for index in range(1, 65)
    )
    return Topology(zones, devices)



def time_decide(cases: list[Case], now: datetime, calls: int, into: list[list[int]]) -> None:
    """Appends ns per decide() call to `into`, one list per case; every case must be allowed."""
    from datetime import timedelta

    from dss_addon.policy import decide

    topology = _topology()
    idle = timedelta(minutes=30)
    while len(into) < len(cases):
        into.append([])
    for (share, session, call), timings in zip(cases, into, strict=True):
        decision = decide(share, session, call, now, topology=topology, idle_timeout=idle)
        if not decision.allowed:
            raise BenchError(f"decide() denied the bench call {call.klass}/{call.method}: "
                             f"{decision.reason}")
        for _ in range(calls):
            begin = time.perf_counter_ns()
            decide(share, session, call, now, topology=topology, idle_timeout=idle)
            timings.append(time.perf_counter_ns() - begin)


