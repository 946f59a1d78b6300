"""`dss-sim`: run the simulator standalone."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import logging
import signal
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from aiohttp import web

from dss_sim.app import create_sim_app
from dss_sim.appliance import Appliance, create_trusted_app, create_webfront_app, write_www_pages
from dss_sim.config import SimConfig
from dss_sim.sim import Simulator
from dss_sim.tls import server_context, write_self_signed


def parse_listen(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {text!r}")
    return host.strip("[]"), int(port)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive: {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="dss-sim", description="digitalSTROM Server simulator")
    p.add_argument("--listen", type=parse_listen, default=("127.0.0.1", 8080),
                   metavar="HOST:PORT", help="address to listen on (default 127.0.0.1:8080)")
    p.add_argument("--http", action="store_true", help="plain HTTP instead of HTTPS")
    p.add_argument("--password", default="dssadmin", help="dssadmin password")
    p.add_argument("--fixture", type=Path, help="apartment JSON fixture")
    p.add_argument("--session-timeout", type=_positive, default=180.0, metavar="S")
    p.add_argument("--latency-ms", type=_non_negative_int, default=0, metavar="N")
    p.add_argument("--addon-url", help="where /add-ons/dss-share/ is forwarded")
    p.add_argument("--data-dir", type=Path, help="persist security.json (and the cert) here")
    p.add_argument("--int-width", type=int, choices=(32, 64), default=32, metavar="BITS",
                   help="width of C long in the modelled dSS build: 32 (ARM, default) or 64")
    p.add_argument("--timezone", default="Europe/Berlin", metavar="ZONE",
                   help="the zone of the dSS's clock (system/time)")
    p.add_argument("--www-pages", type=Path, metavar="DIR",
                   help="model the appliance: the web front serves this document root (filled "
                        "with the configurator's pages when empty) behind a dssadmin digest "
                        "login; the dSS port serves no pages")
    p.add_argument("--webfront-listen", type=parse_listen, default=("127.0.0.1", 8443),
                   metavar="HOST:PORT", help="the appliance web front (with --www-pages)")
    p.add_argument("--trusted-listen", type=parse_listen, default=("127.0.0.1", 8088),
                   metavar="HOST:PORT",
                   help="the dSS's trusted port (with --www-pages): any caller is the user it "
                        "names, without a password; every request is logged as a warning")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.fixture is not None and not args.fixture.is_file():
        print(f"dss-sim: fixture not found: {args.fixture}", file=sys.stderr)
        return 2
    if args.addon_url is not None and not args.addon_url.startswith(("http://", "https://")):
        print("dss-sim: --addon-url must start with http:// or https://", file=sys.stderr)
        return 2
    config = SimConfig(password=args.password, fixture=args.fixture,
                       session_timeout=args.session_timeout, latency_ms=args.latency_ms,
                       addon_url=args.addon_url, data_dir=args.data_dir,
                       int_width=args.int_width, www_pages=args.www_pages,
                       timezone=args.timezone)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        sim = Simulator(config)
    except (OSError, ValueError, KeyError) as exc:
        print(f"dss-sim: cannot load the apartment: {exc}", file=sys.stderr)
        return 2
    if args.www_pages is not None:
        args.www_pages.mkdir(parents=True, exist_ok=True)
        if not any(args.www_pages.iterdir()):
            write_www_pages(args.www_pages)
    host, port = args.listen
    try:
        asyncio.run(_serve(sim, host, port, not args.http, args.data_dir,
                           _appliance_sites(sim, args)))
    except OSError as exc:
        print(f"dss-sim: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


ExtraSite = tuple[str, web.Application, tuple[str, int], bool]


def _appliance_sites(sim: Simulator, args: argparse.Namespace) -> list[ExtraSite]:
    """(name, app, address, tls) of the appliance's other listeners: none without --www-pages."""
    if args.www_pages is None:
        return []
    appliance = Appliance(args.www_pages)
    return [("web front", create_webfront_app(sim, appliance), args.webfront_listen,
             not args.http),
            ("trusted port", create_trusted_app(sim, appliance), args.trusted_listen, False)]


async def _serve(sim: Simulator, host: str, port: int, tls: bool, data_dir: Path | None,
                 extra: list[ExtraSite]) -> None:
    runner = web.AppRunner(create_sim_app(sim), handle_signals=False, access_log=None)
    await runner.setup()
    runners: list[web.AppRunner] = []
    with tempfile.TemporaryDirectory(prefix="dss-sim-") as tmp:
        ssl_ctx = None
        if tls:
            cert, key = write_self_signed(data_dir or Path(tmp), host, dt.datetime.now(dt.UTC))
            ssl_ctx = server_context(cert, key)
        site = web.TCPSite(runner, host, port, ssl_context=ssl_ctx)
        try:
            await site.start()
            bound = runner.addresses[0][1] if runner.addresses else port
            shown = f"[{host}]" if ":" in host else host
            print(f"dss-sim listening on {'https' if tls else 'http'}://{shown}:{bound}",
                  flush=True)
            for name, app, (extra_host, extra_port), extra_tls in extra:
                extra_runner = web.AppRunner(app, handle_signals=False, access_log=None)
                await extra_runner.setup()
                runners.append(extra_runner)
                await web.TCPSite(extra_runner, extra_host, extra_port,
                                  ssl_context=ssl_ctx if extra_tls else None).start()
                bound = extra_runner.addresses[0][1]
                scheme = "https" if extra_tls else "http"
                print(f"dss-sim {name} on {scheme}://{extra_host}:{bound}", flush=True)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                with contextlib.suppress(NotImplementedError):
                    loop.add_signal_handler(sig, stop.set)
            await stop.wait()
        finally:
            for extra_runner in runners:
                await extra_runner.cleanup()
            await runner.cleanup()


if __name__ == "__main__":
    raise SystemExit(main())
