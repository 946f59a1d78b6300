"""Which dSS lifetime ("epoch") each session belongs to, as far as the add-on knows, and what a
403 "not logged in" tells about it (see upstream.py): the first 403 of an epoch asks once, with
loggedInUser, whether another session of the same epoch is alive. Dead: the dSS restarted and
every session of the epoch is dropped unasked. Alive: only the refused one is logged out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from dss_addon.clock import Clock
from dss_addon.dss.client import DssClient
from dss_addon.dss.session_table import SessionTable
from dss_addon.dss.sessions import PHANTOM_HOLD
from dss_addon.dss.share_session import ShareSession, Stale
from dss_addon.errors import DssError

log = logging.getLogger(__name__)


def epoch_witness(
    refused: ShareSession, sessions: Iterable[ShareSession], epoch: int
) -> ShareSession:
    """The session asked whether the dSS still lives: the most recently used other session
    of the same epoch (the first of equals), else the refused one itself."""
    others = [s for s in sessions if s is not refused and s.epoch == epoch]
    return max(others, key=lambda s: s.last_used, default=refused)


class Epochs:
    def __init__(self, client: DssClient, clock: Clock, table: SessionTable) -> None:
        self._client = client
        self._clock = clock
        self._table = table
        self.current = 0
        self._lock = asyncio.Lock()

    async def settled(self) -> None:
        """Wait while an epoch is in question (calls starting meanwhile wait for the answer)."""
        if self._lock.locked():
            async with self._lock:
                pass

    async def refused(self, session: ShareSession, stale: Stale) -> None:
        """The dSS answered 403 to the session (or it was dropped here meanwhile)."""
        table = self._table
        if not stale.presented:
            table.forget(session)
            return
        now = self._clock.monotonic()
        table.budget.charge(session.token, now + PHANTOM_HOLD)
        async with self._lock:
            if session.epoch != self.current or not table.is_current(session):
                table.forget(session)  # settled while this one waited
                return
            witness = epoch_witness(session, table.sessions.values(), self.current)
            try:
                alive = await self._client.logged_in_user(witness.token) is not None
            except DssError as err:
                log.info("asking the dSS about a session failed: %s", err.code)
                table.forget(session)
                return
            if alive:
                if witness is session:
                    table.budget.release(session.token)
                forgotten = False
            else:
                table.budget.charge(witness.token, now + PHANTOM_HOLD)
                self.current += 1
                stale_ones = [s for s in table.sessions.values() if s.epoch < self.current]
                log.info("the dSS restarted: %d sessions dropped unasked", len(stale_ones))
                for old in stale_ones:
                    table.forget(old)
                forgotten = True
        if not forgotten:
            # Refused although the dSS lives on: logged out all the same, best effort.
            await table.logout(session)
