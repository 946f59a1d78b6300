"""`dss-addon audit verify`: one line and exit 0 when every audit chain holds, the first broken
row and exit 1 otherwise (DESIGN.md §4; docs/audit.md)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from dss_addon.errors import StoreError
from dss_addon.store.audit_verify import audit_key, verify_database, verify_export
from dss_addon.web.log_escape import escape_control

DB_FILE = "addon.db"  # as in runtime.py, which this command does not import (no server)
EXIT_BROKEN = 1
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dss-addon audit", description="the audit trail")
    commands = parser.add_subparsers(dest="command", required=True)
    verify = commands.add_parser("verify", help="check the audit hash chains")
    verify.add_argument("--data-dir", type=Path, help="the add-on's data directory")
    verify.add_argument(
        "--export", type=Path, help="check an exported chain (JSON) instead of the database;"
        " with --data-dir, the device's seals are checked too"
    )
    return parser


def audit_command(argv: Sequence[str]) -> int:
    args = _parser().parse_args(argv)
    data_dir: Path | None = args.data_dir
    try:
        if args.export is not None:
            key = None if data_dir is None else audit_key(data_dir, create=False)
            verdict = verify_export(args.export, key)
        elif data_dir is None:
            print("dss-addon audit verify: give --data-dir or --export", file=sys.stderr)
            return EXIT_USAGE
        else:
            db = data_dir / DB_FILE
            if not db.is_file():
                raise StoreError(f"no database at {db}")
            verdict = verify_database(db, audit_key(data_dir, create=False))
    except StoreError as err:
        print(f"dss-addon audit verify: {escape_control(err.message)}", file=sys.stderr)
        return EXIT_USAGE
    # The verdict quotes database text (share ids): a forger's control characters must not
    # redraw the line on the owner's terminal.
    print(escape_control(verdict.line()))
    return EXIT_BROKEN if verdict.broken is not None else 0
