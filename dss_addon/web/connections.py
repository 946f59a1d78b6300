"""The listeners' guard against idle and slow clients: connections counted per client and in
total (below the process's descriptor limit, so the other site and the dSS client always find
descriptors), and deadlines for request headers, request bodies and keep-alive idling, which
aiohttp's server does not bound by itself. TLS is started here, after a connection was counted,
so a client that never completes a handshake holds a counted slot too."""

from __future__ import annotations

import asyncio
import logging
import resource
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

from dss_addon.clock import Clock
from dss_addon.web.client_address import rate_key

log = logging.getLogger(__name__)

# Descriptors kept free of both listeners: the dSS client's pool (aiohttp's default of 100),
# the database, logs, and one accept burst per listener (asyncio accepts up to `backlog`
# sockets before the first of them is counted here).
FD_RESERVE = 100 + 32 + 2 * 128
BACKLOG = 128
MIN_TOTAL = 16
REPORT_EVERY = 10.0  # seconds between two log lines about refused connections


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    max_total: int
    max_per_client: int  # peers in `unlimited_peers` count only against the total
    header_timeout: float  # request headers complete within this after connect (TLS included)
    body_timeout: float  # the request body complete within this after its headers
    keepalive_timeout: float  # idle time allowed between two requests
    unlimited_peers: frozenset[str] = frozenset()  # a trusted front: every client comes via it


def descriptor_budget(wanted_share: int, wanted_owner: int) -> tuple[int, int]:
    """(share, owner) connection caps that fit below the soft RLIMIT_NOFILE with FD_RESERVE
    left over; the owner site's cap is kept whole where possible, the share site gets the rest.
    Never raises the limit itself."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return wanted_share, wanted_owner
    free = max(2 * MIN_TOTAL, soft - FD_RESERVE)
    owner = max(MIN_TOTAL, min(wanted_owner, free // 4))
    share = max(MIN_TOTAL, min(wanted_share, free - owner))
    return share, owner


class ConnectionRegistry:
    """Open connections of one listener, per client key and in total."""

    def __init__(self, limits: ConnectionLimits, clock: Clock) -> None:
        self.limits = limits
        self._clock = clock
        self._per_client: dict[str, int] = {}
        self.total = 0
        self.refused = 0
        self._next_report = 0.0  # a flood is reported every REPORT_EVERY, not per connection

    def admit(self, peer: str) -> str | None:
        """The key to release later, or None when the connection is over a limit."""
        key = peer if peer in self.limits.unlimited_peers else rate_key(peer)
        held = self._per_client.get(key, 0)
        over_client = peer not in self.limits.unlimited_peers and (
            held >= self.limits.max_per_client
        )
        if self.total >= self.limits.max_total or over_client:
            self.refused += 1
            now = self._clock.monotonic()
            if now >= self._next_report:
                self._next_report = now + REPORT_EVERY
                log.warning(
                    "refusing connections: %d refused so far, %d open, %d from %s",
                    self.refused, self.total, held, key,
                )  # fmt: skip
            return None
        self._per_client[key] = held + 1
        self.total += 1
        return key

    def release(self, key: str) -> None:
        self.total -= 1
        held = self._per_client.get(key, 0) - 1
        if held > 0:
            self._per_client[key] = held
        else:
            self._per_client.pop(key, None)

    def open_from(self, peer: str) -> int:
        return self._per_client.get(rate_key(peer), 0)


class _Connection(asyncio.Protocol):
    """One accepted socket: counted, given deadlines, then handed to aiohttp's handler (through
    TLS when the site has a context). Events are passed on as they come; data that arrives
    before the handler is attached (right after a TLS handshake) is kept and replayed."""

    def __init__(
        self,
        registry: ConnectionRegistry,
        handler_factory: Callable[[], asyncio.Protocol],
        ssl_context: ssl.SSLContext | None,
        by_handler: dict[asyncio.BaseProtocol, _Connection],
    ) -> None:
        self._registry = registry
        self._handler_factory = handler_factory
        self._ssl = ssl_context
        self._by_handler = by_handler
        self._handler: asyncio.Protocol | None = None
        self._raw: asyncio.Transport | None = None
        self._key: str | None = None
        self._early: list[bytes] = []
        self._early_eof = False
        self._timer: asyncio.TimerHandle | None = None
        self._request: web.BaseRequest | None = None
        self._tls_task: asyncio.Task[None] | None = None
        self._unsent = -1  # bytes waiting to be sent at the last deadline, -1: none checked

    # -- from the raw socket (or from the TLS layer, once started) -------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._raw is not None:  # the TLS layer reports its own transport: started below
            return
        assert isinstance(transport, asyncio.Transport)
        self._raw = transport
        peer = transport.get_extra_info("peername")
        address = peer[0] if isinstance(peer, tuple) and peer else "unknown"
        self._key = self._registry.admit(str(address))
        if self._key is None:
            transport.abort()
            return
        self._deadline(self._registry.limits.header_timeout)
        if self._ssl is None:
            self._attach(transport)
        else:
            # Nothing may be read before the TLS layer takes over the socket.
            transport.pause_reading()
            self._tls_task = asyncio.ensure_future(self._start_tls(transport, self._ssl))

    async def _start_tls(self, raw: asyncio.Transport, context: ssl.SSLContext) -> None:
        loop = asyncio.get_running_loop()
        try:
            secure = await loop.start_tls(
                raw,
                self,
                context,
                server_side=True,
                ssl_handshake_timeout=self._registry.limits.header_timeout,
            )
        except (OSError, ssl.SSLError, TimeoutError, ConnectionError):
            raw.abort()
            self._release()
            return
        if secure is None or secure.is_closing():
            raw.abort()
            self._release()
            return
        self._attach(secure)

    def _attach(self, transport: asyncio.Transport) -> None:
        handler = self._handler_factory()
        self._handler = handler
        self._by_handler[handler] = self
        handler.connection_made(transport)
        early, self._early = self._early, []
        for chunk in early:
            handler.data_received(chunk)
        if self._early_eof:
            handler.eof_received()

    def data_received(self, data: bytes) -> None:
        if self._handler is None:
            self._early.append(data)
        else:
            self._handler.data_received(data)

    def eof_received(self) -> bool | None:
        if self._handler is None:
            self._early_eof = True
            return None
        return self._handler.eof_received()

    def pause_writing(self) -> None:
        if self._handler is not None:
            self._handler.pause_writing()

    def resume_writing(self) -> None:
        if self._handler is not None:
            self._handler.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        handler, self._handler = self._handler, None
        if handler is not None:
            self._by_handler.pop(handler, None)
            handler.connection_lost(exc)
        self._release()

    def _release(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        key, self._key = self._key, None
        if key is not None:
            self._registry.release(key)

    # -- deadlines ---------------------------------------------------------------------

    def request_started(self, request: web.BaseRequest) -> None:
        self._request = request
        self._deadline(self._registry.limits.body_timeout)

    def request_finished(self) -> None:
        self._request = None
        self._unsent = -1
        self._deadline(self._registry.limits.keepalive_timeout)

    def _deadline(self, seconds: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(seconds, self._expired)

    def _expired(self) -> None:
        self._timer = None
        request = self._request
        # A request whose body is complete is being answered (a long poll may take minutes):
        # the handler, not the guard, bounds it.
        if request is not None and request.content.is_eof():
            return
        raw = self._raw
        if raw is None:
            return
        # An answer still going out to a slow client gets more time while it moves.
        unsent = raw.get_write_buffer_size()
        if unsent and unsent != self._unsent:
            self._unsent = unsent
            self._deadline(self._registry.limits.keepalive_timeout)
            return
        raw.abort()


class ConnectionGuard:
    """One listener's registry, its protocol factory and the middleware that tells each
    connection where its requests start and end (the deadlines follow them)."""

    def __init__(self, limits: ConnectionLimits, clock: Clock) -> None:
        self.registry = ConnectionRegistry(limits, clock)
        self._by_handler: dict[asyncio.BaseProtocol, _Connection] = {}

    def protocol_factory(
        self, handler_factory: Callable[[], asyncio.Protocol], ssl_context: ssl.SSLContext | None
    ) -> Callable[[], asyncio.Protocol]:
        def make() -> asyncio.Protocol:
            return _Connection(self.registry, handler_factory, ssl_context, self._by_handler)

        return make

    def middleware(self) -> Middleware:
        @web.middleware
        async def deadlines(request: web.Request, handler: Handler) -> web.StreamResponse:
            connection = self._by_handler.get(request.protocol)
            if connection is None:
                return await handler(request)
            connection.request_started(request)
            try:
                return await handler(request)
            finally:
                connection.request_finished()

        return deadlines


class GuardedSite(web.BaseSite):
    """A TCP site whose connections go through a ConnectionGuard (TLS included)."""

    __slots__ = ("_guard", "_host", "_port", "_tls")

    def __init__(
        self,
        runner: web.BaseRunner,
        host: str,
        port: int,
        guard: ConnectionGuard,
        *,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        super().__init__(runner, backlog=BACKLOG)
        self._host = host
        self._port = port
        self._guard = guard
        self._tls = ssl_context

    @property
    def name(self) -> str:
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        server = self._runner.server
        assert server is not None
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            self._guard.protocol_factory(server, self._tls),
            self._host,
            self._port,
            backlog=self._backlog,
            reuse_address=True,
        )
