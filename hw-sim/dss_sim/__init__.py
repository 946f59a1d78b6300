"""dss-sim: a digitalSTROM Server (dSS) simulator speaking the classic JSON API."""

from dss_sim.config import SimConfig
from dss_sim.sim import RecordedCall, Simulator

__all__ = ["RecordedCall", "SimConfig", "Simulator"]
