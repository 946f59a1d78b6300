"""Releasing a share's dSS app token once the share is over: the token is revoked in the dSS
(the homeowner's rights there) and forgotten here. After a revocation at once; after "Job
erledigt" in the background once the share's observers are through with their last dSS calls
(`waits`: the done event's brief session); refused for now (the session budget full, the dSS
not answering) retried soon (release_retry.py); failed, retried by the hourly release loop
(ShareService.release_app_tokens). The share is unusable locally in every case meanwhile."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from enum import Enum

from dss_addon.errors import DssUnavailable, StoreError
from dss_addon.shares.contracts import AppTokens
from dss_addon.shares.release_retry import retry_delays
from dss_addon.shares.vault import TokenVault
from dss_addon.store import Store

log = logging.getLogger(__name__)

# Seconds the release of a done share's app token waits for its observers' dSS calls at most: a
# backstop only. Each wait bounds itself (the done event's brief session: its dSS calls have
# dss_timeout each), but it may queue behind other shares' brief sessions (one at a time), so
# it is not cut short while it waits its turn; the hourly release loop covers a wait that hangs.
RELEASE_WAIT = 30 * 60.0

class Release(Enum):
    """How releasing a share's app token went."""

    DONE = "done"  # revoked in the dSS and forgotten here
    NONE = "none"  # nothing to release (no token held)
    FAILED = "failed"  # refused or failed: the hourly release loop tries again
    LATER = "later"  # refused for now (DssUnavailable): retried soon (release_retry.py)


class AppTokenReleases:
    def __init__(
        self,
        store: Store,
        vault: TokenVault,
        app_tokens: AppTokens | None,
        failed: Callable[[str, str], None],
    ) -> None:
        self._store = store
        self._vault = vault
        self._app_tokens = app_tokens
        self._failed = failed  # (share id, why): audits a release that failed
        # Awaited (share_id) before the app token of a share whose job is done is released:
        # what its observers still send to the dSS in a session of the share's own (the done
        # event's brief session) must not find the token gone.
        self.waits: list[Callable[[str], Awaitable[None]]] = []
        self._releasing: set[asyncio.Task[None]] = set()
        # Share id -> the background retry of a release refused for now (DssUnavailable).
        self._retrying: dict[str, asyncio.Task[None]] = {}
        self.retry_delays: tuple[float, ...] = retry_delays()
        self._closed = False

    def in_background(self, share_id: str) -> None:
        """Releases the share's app token once `waits` are through (the share is ended
        in the database already: nothing may use the token meanwhile), however long they
        queue (RELEASE_WAIT is a backstop): released earlier, the token is closed and a raise
        still queued is refused. Should the process stop first, the hourly release loop
        releases it on the next run."""
        if self._app_tokens is None:
            return
        task = asyncio.get_running_loop().create_task(self._after_waits(share_id))
        self._releasing.add(task)
        task.add_done_callback(self._releasing.discard)

    async def _after_waits(self, share_id: str) -> None:
        for wait in list(self.waits):
            try:
                async with asyncio.timeout(RELEASE_WAIT):
                    await wait(share_id)
            except Exception:  # a failed wait only lets the release go on
                log.info("waiting to release the app token of share %s failed", share_id)
        try:
            await self.quietly(share_id)
        except Exception:  # a background task: the hourly release loop tries again
            log.exception("releasing the app token of share %s failed", share_id)

    async def done(self) -> None:
        """Wait for the app-token releases under way (tests, and whoever must see them)."""
        await asyncio.gather(*self._releasing, return_exceptions=True)

    async def close(self) -> None:
        """Cancel the app-token releases under way and their retries (shutdown): the hourly
        release loop does them on the next run."""
        self._closed = True
        tasks = [*self._releasing, *self._retrying.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def quietly(self, share_id: str) -> None:
        """After a revocation: a full disk must not turn it into an error; the hourly release
        loop retries what did not get through. Refused for now (the session budget full, the
        dSS not answering): retried soon in the background (release_retry.py)."""
        try:
            released = await self.release(share_id)
        except StoreError as err:
            log.warning("releasing the dSS app token of share %s: %s", share_id, err.code)
            return
        if released is Release.LATER:
            self._retry(share_id)

    def _retry(self, share_id: str) -> None:
        if self._closed or share_id in self._retrying:
            return
        task = asyncio.get_running_loop().create_task(self._with_retries(share_id))
        self._retrying[share_id] = task
        task.add_done_callback(lambda done: self._retried(share_id, done))

    def _retried(self, share_id: str, task: asyncio.Task[None]) -> None:
        if self._retrying.get(share_id) is task:
            del self._retrying[share_id]

    async def _with_retries(self, share_id: str) -> None:
        delays = self.retry_delays
        for attempt, delay in enumerate(delays, 1):
            await asyncio.sleep(delay)
            last = attempt == len(delays)
            try:
                released = await self.release(share_id, audit_later=last)
            except Exception:  # the store, most likely: the hourly release loop tries again
                log.exception("retrying the release of the app token of share %s", share_id)
                return
            if released is not Release.LATER:
                return
        log.info("the app token of share %s waits for the hourly release loop", share_id)

    async def retried(self) -> None:
        """Wait for the background retries of refused releases (tests)."""
        await asyncio.gather(*self._retrying.values(), return_exceptions=True)

    async def release(self, share_id: str, *, audit_later: bool = True) -> Release:
        if self._app_tokens is None:
            return Release.NONE
        blob = await self._store.app_token(share_id)
        if blob is None:
            return Release.NONE
        revoked = await self.revoke_token(
            share_id, self._vault.decrypt(blob), audit_later=audit_later
        )
        if revoked is not Release.DONE:
            return revoked
        await self._store.set_app_token(share_id, None)
        return Release.DONE

    async def revoke_token(
        self, share_id: str, app_token: str, *, audit_later: bool = True
    ) -> Release:
        """Best effort: the share is already unusable locally; the failure is audited (one
        refused for now only when `audit_later`: a retry soon need not add a row each time)."""
        assert self._app_tokens is not None
        try:
            await self._app_tokens.revoke(app_token)
        except Exception as err:  # whatever the dSS layer raises, the share stays revoked
            kind = type(err).__name__  # not str(err): it could echo the token back
            log.warning("revoking the dSS app token of share %s failed: %s", share_id, kind)
            later = isinstance(err, DssUnavailable)
            if audit_later or not later:
                self._failed(share_id, kind)
            return Release.LATER if later else Release.FAILED
        return Release.DONE
