"""The on_login listeners: run in a background task once a share's new session is first used
(the notifier raises what it could not raise without a session: it never logs one in itself),
never under the deadline of the electrician's call; cancelled at close_all."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from dss_addon.dss.share_session import ShareSession

log = logging.getLogger(__name__)

LoginListener = Callable[[str], Awaitable[None]]  # awaited with the share id


class LoginListeners:
    def __init__(self) -> None:
        self._listeners: list[LoginListener] = []
        self._running: set[asyncio.Task[None]] = set()

    def add(self, listener: LoginListener) -> Callable[[], None]:
        """Returns a function that removes `listener`."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def announce(self, session: ShareSession) -> None:
        """Runs the listeners in a task of their own (tracked, cancelled at close): what they
        send never counts against the deadline of the call that opened the session."""
        if session.announced:
            return
        session.announced = True
        if not self._listeners:
            return
        task = asyncio.get_running_loop().create_task(self._run(session.share_id))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def announced(self) -> None:
        """Wait for the listeners running now."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)

    async def cancel(self) -> None:
        """Stop the listeners running now (they put back what they did not send)."""
        running = list(self._running)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    async def _run(self, share_id: str) -> None:
        for listener in list(self._listeners):
            try:
                await listener(share_id)
            except Exception:
                log.exception("a login listener failed for share %s", share_id)
