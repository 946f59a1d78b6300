"""Typed aiohttp application keys."""

from __future__ import annotations

from aiohttp import ClientSession, web

from dss_sim.sim import Simulator

SIM = web.AppKey("SIM", Simulator)
ADDON_CLIENT = web.AppKey("ADDON_CLIENT", ClientSession)
