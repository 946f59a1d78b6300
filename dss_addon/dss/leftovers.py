"""What a previous run of the add-on left in the dSS, read from the session file: its sessions
(counted at once, logged out as soon as the dSS answers) and its logins under way or never
answered (counted until the dSS would have swept what they may have opened)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from dss_addon.clock import Clock
from dss_addon.dss.client import DssClient
from dss_addon.dss.session_file import SessionFile
from dss_addon.dss.session_table import SessionTable
from dss_addon.dss.sessions import PHANTOM_HOLD
from dss_addon.errors import DssError

log = logging.getLogger(__name__)


def still_held(held_until: Sequence[float], wall: float) -> list[float]:
    """The holds (Unix times) of a previous run's logins that have not ended at `wall`."""
    return [until for until in held_until if until > wall]


class LeftoverSessions:
    def __init__(
        self, client: DssClient, clock: Clock, table: SessionTable, session_file: SessionFile | None
    ) -> None:
        self._client = client
        self._clock = clock
        self._table = table
        self._session_file = session_file
        self._lock = asyncio.Lock()

    def pending(self) -> bool:
        return bool(self._table.leftovers)

    async def adopt(self) -> int:
        """Take over the tokens a previous run left on disk (counted at once); they are logged
        out by `clear`. Returns how many."""
        if self._session_file is None:
            return 0
        table = self._table
        left = await self._session_file.load_all()
        tokens = left.tokens
        for token in tokens:
            table.budget.charge(token, float("inf"))
        table.leftovers = tokens
        if tokens:
            log.info("%d dSS sessions of a previous run to log out", len(tokens))
        now, wall = self._clock.monotonic(), self._clock.now().timestamp()
        held = still_held(left.held_until, wall)
        for until in held:  # its logins under way or unanswered: counted till their hold ends
            table.hold(table.new_ticket(), now, now + (until - wall))
        if held:
            log.info("%d dSS logins of a previous run counted till the dSS sweeps them", len(held))
        return len(tokens)

    async def clear(self) -> bool:
        """Log out a previous run's sessions; True when none is left. One token is asked
        first: if the dSS does not know it, a second one; both gone means the dSS restarted
        since, and the rest are dropped without being presented (each would be a phantom)."""
        table = self._table
        async with self._lock:
            tokens = list(table.leftovers)
            if not tokens:
                return True
            now = self._clock.monotonic()
            try:
                alive = False
                for probe in tokens[:2]:
                    alive = await self._client.logged_in_user(probe) is not None
                    if alive:
                        break
                    # Gone: it is a phantom now (counted till the sweep), never asked again.
                    table.budget.charge(probe, now + PHANTOM_HOLD)
                    table.leftovers.remove(probe)
                if not alive:
                    log.info("the dSS restarted since the last run: its sessions are gone")
                    for token in table.leftovers:
                        table.budget.release(token)
                    table.leftovers = []
                for token in list(table.leftovers):
                    await self._client.logout(token)
                    table.budget.release(token)
                    table.leftovers.remove(token)
            except DssError as err:
                log.info("logging out the last run's dSS sessions failed: %s", err.code)
                return False
        await table.persist()
        log.info("the last run's dSS sessions are cleared")
        return True
