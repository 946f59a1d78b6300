"""The share site under connection abuse, against the real `dss-addon serve` process started
with a 1,024 descriptor limit: 2,000 idle connections, slowloris headers and bodies. The owner
site and other shares keep answering, the process never runs out of descriptors, and every
idle or slow socket is closed after the (short, configured) deadlines."""

from __future__ import annotations

import asyncio
import json
import resource
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest

from tests.support.addon_process import Sites, dss_sim, password_owner, serve_args
from tests.support.owner import JSON, OwnerClient
from tests.support.processes import ready_line, text_of

FD_LIMIT = 1024
IDLE_CONNECTIONS = 2000
DEADLINE = 3.0  # header, body and keep-alive timeouts given to the add-on
PER_CLIENT = 32
BATCH = 50  # connects at once, well below the listener's backlog of 128
SLACK = 10.0  # seconds beyond a deadline for the close to reach us on a loaded machine

pytestmark = pytest.mark.timeout(180)


def _limit_descriptors() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))


def _enough_descriptors_here(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


@asynccontextmanager
async def limited_addon(dss_url: str, tmp_path: Path) -> AsyncIterator[Sites]:
    config = tmp_path / "addon.json"
    options = {
        "header_timeout": DEADLINE,
        "body_timeout": DEADLINE,
        "keepalive_timeout": DEADLINE,
        "max_connections_per_client": PER_CLIENT,
    }
    config.write_text(json.dumps({"options": options}), "utf-8")
    stderr = tmp_path / "addon.err"
    args = [*serve_args(dss_url, tmp_path / "data"), "--config", str(config)]
    with stderr.open("wb") as err:
        proc = await asyncio.create_subprocess_exec(
            *args, stdout=asyncio.subprocess.PIPE, stderr=err, preexec_fn=_limit_descriptors
        )
        try:
            owner_url = await ready_line(proc, "dss-addon owner site on", stderr)
            share_url = await ready_line(proc, "dss-addon share site on", stderr)
            yield Sites(owner_url, share_url, proc, stderr)
        finally:
            if proc.returncode is None:
                proc.terminate()
                try:
                    await asyncio.wait_for(proc.wait(), 15)
                except TimeoutError:
                    proc.kill()
                    await proc.wait()


Pair = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def _open_idle(url: str, sources: list[str], per_source: int) -> list[Pair]:
    """Connections that send nothing, from several loopback addresses (127.0.0.0/8 is all
    local on Linux), opened in batches the listener's backlog takes: a connect beyond it
    would wait for the kernel's SYN retries (seconds), not for the add-on."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    pairs: list[Pair] = []
    for source in sources:
        for start in range(0, per_source, BATCH):
            batch = [
                asyncio.open_connection(host, port, local_addr=(source, 0))
                for _ in range(min(BATCH, per_source - start))
            ]
            for result in await asyncio.gather(*batch, return_exceptions=True):
                if not isinstance(result, BaseException):
                    pairs.append(result)
    return pairs


async def _closed_by_server(pair: Pair) -> None:
    reader, writer = pair
    with suppress(ConnectionError):
        while await reader.read(65536):  # an answer already given, then the end
            pass
    writer.close()


async def _all_closed_within(pairs: list[Pair], seconds: float) -> None:
    await asyncio.wait_for(asyncio.gather(*(_closed_by_server(p) for p in pairs)), seconds)


async def _share_answers(http: aiohttp.ClientSession, sites: Sites, owner: OwnerClient) -> None:
    created = await owner.create(label="Andere Firma", level="view")
    secret = str(created["link"]).split("#", 1)[1]
    async with http.post(
        sites.share_url + "/s/redeem", data=json.dumps({"secret": secret}), headers=JSON
    ) as resp:
        assert resp.status == 200, await resp.text()
        cookie = resp.cookies["dss_share"].value
    async with http.get(
        sites.share_url + "/json/apartment/getName", headers={"Cookie": f"dss_share={cookie}"}
    ) as resp:
        assert resp.status == 200
        assert (await resp.json())["ok"] is True


Running = tuple[Sites, aiohttp.ClientSession, OwnerClient]


@asynccontextmanager
async def running(tmp_path: Path) -> AsyncIterator[Running]:
    _enough_descriptors_here(4 * IDLE_CONNECTIONS)
    connector = aiohttp.TCPConnector(force_close=True)
    async with dss_sim(tmp_path) as sim_url, limited_addon(sim_url, tmp_path) as sites, \
            aiohttp.ClientSession(connector=connector,
                                  cookie_jar=aiohttp.DummyCookieJar()) as http:  # fmt: skip
        yield sites, http, await password_owner(http, sites.owner_url)


async def test_two_thousand_idle_connections_leave_the_owner_site_and_other_shares_answering(
    tmp_path: Path,
) -> None:
    idle: list[Pair] = []
    try:
        async with running(tmp_path) as (sites, http, owner):
            await _flood(sites, http, owner, idle)
    finally:
        for _, writer in idle:
            writer.close()


async def _flood(
    sites: Sites, http: aiohttp.ClientSession, owner: OwnerClient, idle: list[Pair]
) -> None:
    # Four noisy addresses: each keeps its 32 connections, the rest are closed at once.
    noisy = [f"127.0.0.{i}" for i in range(2, 6)]
    idle += await _open_idle(sites.share_url, noisy, IDLE_CONNECTIONS // len(noisy))
    await _share_answers(http, sites, owner)
    # 2,000 more from 125 addresses: the share site's total cap is reached, and still the
    # owner site and the dSS client (creating a share asks the dSS) find descriptors.
    many = [f"127.0.1.{i}" for i in range(1, 126)]
    idle += await _open_idle(sites.share_url, many, IDLE_CONNECTIONS // len(many))
    opened = time.monotonic()
    assert (await owner.get("/api/shares")).status == 200
    await owner.create(label="Während der Flut", level="view")
    # Every idle socket is closed by the add-on once the header deadline has passed.
    await _all_closed_within(idle, DEADLINE + SLACK - (time.monotonic() - opened))
    await _share_answers(http, sites, owner)
    assert sites.proc.returncode is None
    log = text_of(sites.stderr)
    assert "Too many open files" not in log
    assert "out of system resource" not in log
    assert "refusing connections" in log
    assert log.count("refusing connections") <= 3  # reported every 10 s, not per socket


async def _drip(writer: asyncio.StreamWriter, first: bytes, then: bytes) -> None:
    """Slowloris: a little more every so often, never the end of the request."""
    writer.write(first)
    with suppress(ConnectionError):
        while not writer.is_closing():
            await asyncio.sleep(DEADLINE / 6)  # the pace of the attack, not a wait for expiry
            writer.write(then)
            await writer.drain()


async def test_slow_headers_slow_bodies_and_idle_keep_alive_are_cut_off(tmp_path: Path) -> None:
    async with running(tmp_path) as (sites, http, owner):
        parts = urlsplit(sites.share_url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        headers, body, kept = [await asyncio.open_connection(host, port) for _ in range(3)]
        started = time.monotonic()
        drips = [
            asyncio.ensure_future(_drip(headers[1], b"GET /s/ HTTP/1.1\r\nHost: x\r\n",
                                        b"X-Slow: 1\r\n")),
            asyncio.ensure_future(_drip(
                body[1],
                b"POST /s/redeem HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: 4000\r\n\r\n{",
                b" ",
            )),
        ]  # fmt: skip
        try:
            kept[1].write(b"GET /s/ HTTP/1.1\r\nHost: x\r\n\r\n")
            assert (await kept[0].readline()).startswith(b"HTTP/1.1 200")
            # Meanwhile the site answers everyone else.
            await _share_answers(http, sites, owner)
            await _all_closed_within([headers, body], 2 * DEADLINE + SLACK)
            # The kept-alive connection: its response, then nothing; closed after idling.
            await _all_closed_within([kept], 2 * DEADLINE + SLACK)
            assert time.monotonic() - started < 2 * DEADLINE + SLACK
        finally:
            for drip in drips:
                drip.cancel()
            for _, writer in (headers, body, kept):
                writer.close()
