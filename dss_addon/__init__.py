"""dss-share: expiring, scoped, revocable access to a digitalSTROM Server."""

__version__ = "0.1.0"
