"""Who calls a site: the socket peer, or the forwarded client behind a trusted proxy (the share
site's configured proxies, the owner site's dSS web front)."""

from __future__ import annotations

import ipaddress

from aiohttp import web
from aiohttp.typedefs import Handler, Middleware

UNKNOWN = "unknown"


def client_address(request: web.Request, trusted_proxies: frozenset[str]) -> str:
    peer = _peer(request)
    return forwarded_client(peer, request.headers.getall("X-Forwarded-For", []), trusted_proxies)


def forwarded_client(peer: str, forwarded_for: list[str], trusted_proxies: frozenset[str]) -> str:
    """X-Forwarded-For counts only when the socket peer is a configured proxy.

    The header is read from the right: every hop added by a trusted proxy is skipped, and the
    first address a trusted proxy saw from an untrusted peer is the client. Anything to its left
    was written by the client itself and is ignored.
    """
    if peer not in trusted_proxies:
        return peer
    hops = [h.strip() for header in forwarded_for for h in header.split(",")]
    for hop in reversed(hops):
        if not _is_address(hop):
            return peer  # a malformed chain: trust nothing in it
        if hop not in trusted_proxies:
            return hop
    return peer


def _peer(request: web.Request) -> str:
    # Not request.remote: that may already have been rewritten from forwarding headers.
    transport = request.transport
    peername = transport.get_extra_info("peername") if transport is not None else None
    if isinstance(peername, tuple) and peername and isinstance(peername[0], str):
        return peername[0]
    return UNKNOWN


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def rate_key(address: str) -> str:
    """What rate limits count per: the address, but a whole IPv6 /64 for IPv6 (one household or
    host holds a /64 and can rotate through it freely)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))
    return str(ip)


def forwarded_remote_middleware(trusted: frozenset[str]) -> Middleware:
    """Outermost: `request.remote` becomes the real client when the peer is a trusted front
    (lighttpd's mod_proxy appends the address it saw to X-Forwarded-For), the peer otherwise;
    so every later step (the login limit, the access log) counts per real client."""

    @web.middleware
    async def forwarded(request: web.Request, handler: Handler) -> web.StreamResponse:
        return await handler(request.clone(remote=client_address(request, trusted)))

    return forwarded
