"""Simulator settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class SimConfig:
    password: str = "dssadmin"  # noqa: S105 - the dSS factory default
    fixture: Path | None = None  # None: the packaged default apartment
    session_timeout: float = 180.0  # idle seconds before a session may be swept
    session_limit: int = 30
    sweep_interval: float = 30.0
    latency_ms: int = 0  # added before every /json answer
    addon_url: str | None = None  # where /add-ons/dss-share/* is forwarded
    data_dir: Path | None = None  # enabled app tokens and the password persist here
    # Width of C `long` in the modelled dSS build: 32 on the ARM appliance (strtol saturates at
    # +-2**31), 64 on an x86-64 build (strtol saturates at +-2**63, then `int` wraps).
    int_width: int = 32
    # The appliance's layout (dss_sim.appliance): lighttpd's document root with the
    # configurator's pages. None: one listener plays the dSS and its web front together.
    www_pages: Path | None = None
    # The zone of the modelled dSS's clock (system/time); the 2017 firmware reports only its
    # abbreviation and offset, newer ones also the zone's name.
    timezone: str = "Europe/Berlin"
