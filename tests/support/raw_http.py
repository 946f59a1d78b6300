"""A minimal HTTP/1.1 keep-alive client that sends request targets byte for byte (aiohttp's
client re-encodes URLs), for the differential harness."""

from __future__ import annotations

import asyncio
import contextlib

from tests.support.requests_gen import RawRequest

TIMED_OUT = 0  # the status reported when no answer came in time (or the connection dropped)


class RawClient:
    def __init__(self, host: str, port: int, *, timeout: float = 1.5) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self._conn: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    @classmethod
    def for_url(cls, url: str, *, timeout: float = 1.5) -> RawClient:
        host, _, port = url.removeprefix("http://").rstrip("/").partition(":")
        return cls(host, int(port), timeout=timeout)

    async def close(self) -> None:
        if self._conn is not None:
            writer = self._conn[1]
            self._conn = None
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def send(self, request: RawRequest, cookie: str) -> tuple[int, bytes]:
        """Status and body; TIMED_OUT when there was no (complete) answer in time."""
        for attempt in range(2):
            reused = self._conn is not None
            try:
                return await asyncio.wait_for(self._exchange(request, cookie), self.timeout)
            except (TimeoutError, ValueError, asyncio.LimitOverrunError):  # before OSError
                await self.close()
                return TIMED_OUT, b""
            except (OSError, asyncio.IncompleteReadError):
                # A kept-alive connection the server closed after its last answer (it does so
                # after a 400): once more on a new one.
                await self.close()
                if not reused or attempt:
                    return TIMED_OUT, b""
        return TIMED_OUT, b""

    async def _exchange(self, request: RawRequest, cookie: str) -> tuple[int, bytes]:
        if self._conn is None:
            self._conn = await asyncio.open_connection(self.host, self.port)
        reader, writer = self._conn
        writer.write(encode(request, cookie))
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        headers = {}
        for line in lines:
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await _chunked(reader)
        else:
            body = await reader.read()
            await self.close()
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, body


async def _chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
        if size == 0:
            await reader.readuntil(b"\r\n")
            return bytes(body)
        body += await reader.readexactly(size)
        await reader.readexactly(2)


def encode(request: RawRequest, cookie: str) -> bytes:
    cookies = "; ".join((cookie, *request.cookies))
    lines = [f"{request.method} ", "", f" HTTP/1.1\r\nHost: share.example\r\nCookie: {cookies}\r\n"]
    head = lines[0].encode() + request.target + lines[2].encode()
    for name, value in request.headers:
        head += f"{name}: {value}\r\n".encode("latin-1")
    if request.body or request.method in ("POST", "PUT", "PATCH"):
        head += f"Content-Length: {len(request.body)}\r\n".encode()
    return head + b"\r\n" + request.body
