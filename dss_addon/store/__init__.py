"""Persistence: shares, sessions and the audit trail in one SQLite file (aiosqlite)."""

from dss_addon.store.connection import open_store
from dss_addon.store.store import SessionRecord, ShareRecord, Store

__all__ = ["SessionRecord", "ShareRecord", "Store", "open_store"]
