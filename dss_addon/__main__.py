"""The `dss-addon` command: the only code that reads argv, the environment and config files."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NoReturn

from dss_addon.allocator import keep_large_blocks_mapped
from dss_addon.audit_cli import audit_command
from dss_addon.diagnostics import install_from_env
from dss_addon.errors import AddonError
from dss_addon.runtime import prepare_data_dir
from dss_addon.serve import serve
from dss_addon.settings import Settings, settings_from_options
from dss_addon.web.log_escape import configure_logging

PROG = "dss-addon"
EXIT_USAGE = 2
CLI_OPTIONS = (
    "dss_url", "data_dir", "owner_listen", "share_listen", "public_url", "path_prefix",
    "configurator_root",
)
CLI_FLAGS = ("http", "dss_insecure")


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="dss-share: expiring, scoped access to a dSS")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    run = commands.add_parser("serve", help="run the owner site and the share site")
    commands.add_parser("audit", help="audit verify --data-dir DIR: check the audit trail")
    run.add_argument("--config", type=Path, help="addon.json; its `options` are defaults")
    run.add_argument("--dss-url", help="the dSS, e.g. https://127.0.0.1:8080")
    run.add_argument("--data-dir", help="where shares, keys and the certificate live")
    run.add_argument("--owner-listen", metavar="HOST:PORT", help="owner site (plain HTTP)")
    run.add_argument("--share-listen", metavar="HOST:PORT", help="share site")
    run.add_argument("--public-url", help="how helpers reach the share site (share links)")
    run.add_argument(
        "--path-prefix",
        metavar="/PATH",
        help="the owner site also answers below this path (a web front that cannot strip it)",
    )
    run.add_argument(
        "--configurator-root",
        metavar="DIR",
        help="configure shares read the configurator's pages from this folder (/www/pages on "
        "the appliance) instead of the dSS's port",
    )
    run.add_argument(
        "--http",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="share site without TLS (behind an existing TLS tunnel)",
    )
    run.add_argument(
        "--dss-insecure",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="accept the dSS's self-signed certificate",
    )
    return parser


def _config_options(path: Path) -> dict[str, object]:
    try:
        manifest = json.loads(path.read_text("utf-8"))
    except OSError as err:
        raise UsageError(f"--config: cannot read {path}: {err.strerror}") from err
    except ValueError as err:
        raise UsageError(f"--config: {path} is not valid JSON") from err
    options = manifest.get("options", {}) if isinstance(manifest, dict) else None
    if not isinstance(options, dict):
        raise UsageError(f"--config: {path} has no `options` object")
    return options


def load_settings(argv: Sequence[str]) -> Settings:
    """argv → Settings: addon.json `options` first, command-line options win."""
    args = _parser().parse_args(argv)
    options: dict[str, object] = {}
    if args.config is not None:
        options.update(_config_options(args.config))
    cli: Mapping[str, object] = vars(args)
    for name in (*CLI_OPTIONS, *CLI_FLAGS):
        if cli.get(name) is not None:
            options[name] = cli[name]
    return settings_from_options(options)


async def _run(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await serve(settings, stop)


def _fail(message: str) -> NoReturn:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)
    sys.exit(EXIT_USAGE)


def main(argv: Sequence[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["audit"]:  # a command on the data directory, not the server
        sys.exit(audit_command(args[1:]))
    try:
        settings = load_settings(args)
    except UsageError as err:
        _fail(f"error: {err}")
    except AddonError as err:
        _fail(err.message)
    configure_logging(logging.INFO, sys.stderr)
    keep_large_blocks_mapped()  # PIN checks' scrypt memory goes back to the system
    install_from_env(os.environ)  # opt-in allocation tracing (diagnostics.py); off by default
    try:
        prepare_data_dir(settings.data_dir)
        asyncio.run(_run(settings))
    except AddonError as err:
        _fail(err.message)
    except OSError as err:
        # Typically a listener address in use or not available on this machine.
        _fail(f"cannot start: {err.strerror or err}")
    except KeyboardInterrupt:  # Ctrl-C before the signal handlers were installed
        sys.exit(130)


if __name__ == "__main__":
    main()
