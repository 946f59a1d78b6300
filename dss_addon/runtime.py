"""Everything the two sites share, opened in dependency order and closed in reverse."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import stat
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from dss_addon.clock import Clock, SystemClock
from dss_addon.dss.app_tokens import DssAppTokens
from dss_addon.dss.client import DssClient
from dss_addon.dss.session_file import SESSION_FILE, SessionFile
from dss_addon.dss.session_table import time_left
from dss_addon.dss.upstream import ShareUpstream
from dss_addon.errors import DssError, DssUnavailable, StoreError
from dss_addon.settings import Settings
from dss_addon.shares.service import ShareService
from dss_addon.shares.vault import KEY_FILE, TokenVault
from dss_addon.store import Store, open_store

log = logging.getLogger(__name__)

DB_FILE = "addon.db"
RELEASE_INTERVAL = 3600.0  # seconds between clean-ups of app tokens of ended shares
REVOCATION_RETRY_FIRST = 1.0  # seconds; doubled up to the maximum while the disk stays full
REVOCATION_RETRY_MAX = 30.0
DSS_DOWN_MEMO = 15.0  # seconds the owner's tab shows "not reachable" without asking again


class ShutdownDeadline:
    """When the shutdown must be done by (event-loop time): set by whoever starts it (serve at
    SIGTERM, else the runtime's own close); the earliest one set holds. What the runtime waits
    for while closing (releases under way, background loops) is bounded by it."""

    def __init__(self) -> None:
        self._deadline: float | None = None

    def start(self, within: float) -> None:
        deadline = asyncio.get_running_loop().time() + within
        self._deadline = deadline if self._deadline is None else min(self._deadline, deadline)

    def left(self) -> float | None:
        """Seconds left; None before the shutdown starts."""
        return time_left(self._deadline, asyncio.get_running_loop().time())


@dataclass
class Runtime:
    settings: Settings
    clock: Clock
    http: aiohttp.ClientSession
    store: Store
    vault: TokenVault
    dss: DssClient
    upstream: ShareUpstream
    shares: ShareService
    # Set by whoever binds the share listener (serve, the test stack): the base of share links
    # when no public URL is configured and the configured port was 0.
    share_url: str | None = None
    dss_down_until: float = 0.0  # monotonic: the owner's tab does not wait for the dSS till then
    shutdown: ShutdownDeadline = field(default_factory=ShutdownDeadline)

    def share_base_url(self) -> str:
        if self.settings.public_url or self.share_url is None:
            return self.settings.share_base_url()
        return self.share_url.rstrip("/")

    async def reconcile_app_tokens(self, owner_dss_token: str) -> bool:
        """While the homeowner looks at the shares: end those whose app token was revoked in
        the dSS's own list. Best effort; a dSS that does not answer changes nothing. False
        when the dSS did not answer (the tab says so and shows the shares from local data)."""
        if self.clock.monotonic() < self.dss_down_until:
            return False  # it did not answer a moment ago: the tab does not wait for it again
        try:
            enabled = await self.dss.enabled_app_tokens(owner_dss_token)
        except DssUnavailable as err:
            log.info("reading the dSS's app tokens failed: %s", err.code)
            self.dss_down_until = self.clock.monotonic() + DSS_DOWN_MEMO
            return False
        except DssError as err:
            log.info("reading the dSS's app tokens failed: %s", err.code)
            return True
        await self.upstream.learn_session_timeout(owner_dss_token)
        for share_id in await self.shares.reconcile_app_tokens(enabled):
            await self.upstream.close_share(share_id)
        return True


class _ClosingAppTokens:
    """DssAppTokens whose revocation goes through the upstream: it first logs out the share's
    own dSS session, so revoking a share leaves no session behind (the dSS keeps sessions
    alive after their token is revoked), and counts the revoking session in the budget."""

    def __init__(self, tokens: DssAppTokens, upstream: ShareUpstream) -> None:
        self._tokens = tokens
        self._upstream = upstream

    async def issue(self, name: str, owner_dss_token: str) -> str:
        app_token = await self._tokens.issue(name, owner_dss_token)
        # The homeowner's session is at hand: how long the dSS keeps sessions (once per run).
        await self._upstream.learn_session_timeout(owner_dss_token)
        return app_token

    async def revoke(self, app_token: str) -> None:
        # Through the upstream: that session counts in the budget like any other.
        await self._upstream.revoke_app_token(app_token)


def prepare_data_dir(data_dir: Path) -> None:
    """Create the data directory private to the add-on (0700); refuse one we cannot write.

    An existing directory keeps its mode (it may be shared, e.g. a home directory): the files
    that matter are created private anyway (database, keys, TLS key 0600 in 0700 folders)."""
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        mode = stat.S_IMODE(data_dir.stat().st_mode)
    except OSError as err:
        raise StoreError(f"the data directory {data_dir} is not usable: {err.strerror}") from err
    if not os.access(data_dir, os.W_OK | os.X_OK):
        raise StoreError(f"the data directory {data_dir} is not writable")
    if mode & 0o077:
        log.warning("the data directory %s is accessible by other users (mode %o)", data_dir, mode)


@asynccontextmanager
async def open_runtime(settings: Settings, clock: Clock | None = None) -> AsyncIterator[Runtime]:
    """Refuses (StoreError, with what to do) a data directory it cannot trust: a foreign or
    damaged database, a missing or replaced key while sealed app tokens exist, a key file
    of another user that others may read."""
    await asyncio.to_thread(prepare_data_dir, settings.data_dir)
    shutdown = ShutdownDeadline()
    async with AsyncExitStack() as stack:
        # No cookie jar: the dSS reads a `token` cookie before the `token` parameter, so a
        # remembered cookie of one share's session would override another's.
        http = await stack.enter_async_context(
            aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        )
        store = await stack.enter_async_context(
            open_store(settings.data_dir / DB_FILE, clock or SystemClock())
        )
        # From here on every part sees the store's clock: it never runs backwards.
        clock = store.clock
        vault = await open_vault(store, settings.data_dir)
        # The dSS's certificate is self-signed; verification is switched off for this one
        # client only when the settings say so, never globally.
        dss = DssClient(
            http,
            settings.dss_url,
            clock,
            timeout=settings.dss_timeout,
            ssl=False if settings.dss_insecure else True,
        )
        service: ShareService | None = None

        async def app_token_of(share_id: str) -> str | None:
            # The service is created after the upstream (it needs the upstream to revoke).
            return None if service is None else await service.app_token(share_id)

        async def token_revoked(share_id: str) -> None:
            # The owner revoked the share's app token in the dSS (DESIGN.md §3 rule 6).
            if service is not None:
                await service.app_token_revoked_in_dss(share_id)

        # The open dSS session tokens are kept sealed on disk: what a killed run left is
        # counted at once and logged out by the upstream's loop (session_file.py).
        upstream = ShareUpstream(
            dss,
            clock,
            app_token_of,
            on_token_revoked=token_revoked,
            session_file=SessionFile(settings.data_dir / SESSION_FILE, vault),
        )
        await upstream.adopt_leftovers()
        stack.push_async_callback(upstream.close_all)
        idle_task = asyncio.create_task(upstream.run(), name="dss-idle-logout")
        stack.push_async_callback(_cancel, idle_task)
        service = ShareService(
            store,
            clock,
            vault,
            _ClosingAppTokens(DssAppTokens(dss), upstream),
            max_lifetime=settings.max_lifetime,
            idle_timeout=settings.session_idle,
        )
        release_task = asyncio.create_task(_release_loop(service), name="dss-token-release")
        # A release under way is cancelled in its revokeToken; its logout then gets what is
        # left of the shutdown's time (cut off, it is held like a lost logout: session_table.py).
        stack.push_async_callback(_cancel, release_task, shutdown)
        # Before close_all: none starts then.
        stack.push_async_callback(_within, shutdown, "app-token releases", service.releases.close)
        # Closed before the store: one last try to save revocations the disk refused so far.
        stack.push_async_callback(service.persist_revocations)
        saver = asyncio.create_task(_revocation_loop(service), name="revocation-saver")
        stack.push_async_callback(_cancel, saver)
        # First of all when closing (serve has set an earlier deadline at SIGTERM already).
        stack.callback(shutdown.start, settings.shutdown_timeout)
        log.info("runtime ready (dSS %s, data in %s)", settings.dss_url, settings.data_dir)
        yield Runtime(
            settings, clock, http, store, vault, dss, upstream, service, shutdown=shutdown
        )
        log.info("runtime closing")


async def open_vault(store: Store, data_dir: Path) -> TokenVault:
    """The key file must open the app tokens the database holds: a new key (the file was
    deleted) or another one would leave every share answering 500, even to the owner."""
    sealed = await store.any_app_token()
    vault = await asyncio.to_thread(TokenVault.open, data_dir, must_exist=sealed is not None)
    if sealed is not None and not vault.opens(sealed):
        raise StoreError(
            f"the key file {data_dir / KEY_FILE} does not open the dSS app tokens in the"
            " database (was it replaced?); restore the original key file from a backup, or"
            f" move {data_dir / DB_FILE} away to start without shares"
        )
    return vault


async def _revocation_loop(service: ShareService) -> None:
    """Saves the revocations the disk refused (they hold in memory already), retrying with a
    growing pause until the disk takes them; sleeps while none waits."""
    while True:
        await service.revocations_pending.wait()
        pause = REVOCATION_RETRY_FIRST
        while True:
            try:
                if await service.persist_revocations():
                    break
            except Exception:
                log.exception("saving revocations failed")
            await asyncio.sleep(pause)
            pause = min(pause * 2, REVOCATION_RETRY_MAX)


async def _release_loop(service: ShareService) -> None:
    """Revoke in the dSS the app tokens of ended shares, at start-up and then hourly; failures
    (dSS down) are retried on the next round."""
    while True:
        try:
            released = await service.release_app_tokens()
        except Exception:
            log.exception("releasing dSS app tokens of ended shares failed")
        else:
            if released:
                log.info("released %d dSS app tokens of ended shares", released)
        await asyncio.sleep(RELEASE_INTERVAL)


async def _within(
    shutdown: ShutdownDeadline, what: str, step: Callable[[], Awaitable[None]]
) -> None:
    """`step`, cancelled when the shutdown's time is up."""
    try:
        async with asyncio.timeout(shutdown.left()):
            await step()
    except TimeoutError:
        log.warning("%s did not finish within the shutdown timeout", what)


async def _cancel(task: asyncio.Task[None], shutdown: ShutdownDeadline | None = None) -> None:
    """Cancel `task` and wait for it to end; with `shutdown`, no longer than its time left
    (the task is then cancelled again)."""
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        try:
            async with asyncio.timeout(None if shutdown is None else shutdown.left()):
                await task
        except TimeoutError:
            log.warning("%s did not stop within the shutdown timeout", task.get_name())
