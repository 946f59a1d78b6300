"""The one place where log text is made safe: control characters from requests (a path with
`%0d%0a`, a header, an exception message quoting either) never start a forged log line."""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

# C0 controls, DEL, C1 controls and the Unicode line and paragraph separators: everything a
# terminal, a log viewer or `str.splitlines()` may treat as a line break or an escape sequence.
# Also the invisible ones that change how a line reads: zero-width characters and marks
# (U+200B-U+200F), the byte order mark / zero-width no-break space (U+FEFF), and the bidi
# embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) that can show a line's
# text in another order than it was written ("Trojan Source").
_CONTROL = re.compile(
    "[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]"
)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Lines of a traceback after the first are indented: only a record's first line starts at the
# left margin (with its time stamp), so nothing inside a traceback can pass for a record.
_CONTINUATION = "\n    "


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def escape_control(text: str) -> str:
    """`text` on one line: every control, bidi or zero-width character becomes a visible
    `\\xNN` / `\\uNNNN`."""
    return _CONTROL.sub(_escape_char, text)


def _escape_lines(text: str) -> str:
    return _CONTINUATION.join(escape_control(line) for line in text.split("\n"))


class EscapingFormatter(logging.Formatter):
    """A record is one line (its message escaped); a traceback follows on indented lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return escape_control(super().formatMessage(record))

    def formatException(self, ei: logging._SysExcInfoType) -> str:
        return _escape_lines(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _escape_lines(super().formatStack(stack_info))

    def format(self, record: logging.LogRecord) -> str:
        # logging.Formatter.format joins the message and the traceback with a bare newline.
        head, newline, rest = super().format(record).partition("\n")
        return head + _CONTINUATION + rest if newline else head


def configure_logging(level: int = logging.INFO, stream: TextIO | None = None) -> None:
    """Root logging to `stream` (stderr), every handler with the escaping formatter."""
    logging.basicConfig(level=level, stream=stream or sys.stderr)
    formatter = EscapingFormatter(LOG_FORMAT)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(formatter)


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Method, raw path and status only: query strings may carry tokens, so they are never
    logged; the path is logged as received (still percent-encoded), and escaped as well."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s %d %.3fs",
            escape_control(request.remote or "-"),
            escape_control(request.method),
            escape_control(request.rel_url.raw_path),
            response.status,
            time,
        )
