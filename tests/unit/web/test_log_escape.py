"""Every log line is one record: control characters from requests are escaped."""

from __future__ import annotations

import io
import logging

import pytest

from dss_addon.web.log_escape import LOG_FORMAT, EscapingFormatter, escape_control


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/json/apartment/getName", "/json/apartment/getName"),
        ("/x\r\n2026-11-30 INFO forged", "/x\\x0d\\x0a2026-11-30 INFO forged"),
        ("tab\there", "tab\\x09here"),
        ("esc\x1b[31mred", "esc\\x1b[31mred"),
        ("nul\x00del\x7f", "nul\\x00del\\x7f"),
        ("c1\x85next", "c1\\x85next"),
        ("ls\u2028ps\u2029", "ls\\u2028ps\\u2029"),
        ("Müller %0d%0a", "Müller %0d%0a"),
        # Zero-width characters and marks, bidi embeddings, overrides and isolates, the BOM.
        ("a\u200bb\u200fc", "a\\u200bb\\u200fc"),
        ("a\u200cb\u200dc\u200ed", "a\\u200cb\\u200dc\\u200ed"),
        ("evil\u202egpj.exe", "evil\\u202egpj.exe"),
        ("\u202a\u202b\u202c\u202d", "\\u202a\\u202b\\u202c\\u202d"),
        ("\u2066x\u2067y\u2068z\u2069", "\\u2066x\\u2067y\\u2068z\\u2069"),
        ("bom\ufeff", "bom\\ufeff"),
        # The code points next to those ranges stay as they are (hair space, hyphen, ...).
        ("\u200a\u2010\u202f\u2065\ufefe", "\u200a\u2010\u202f\u2065\ufefe"),
    ],
)
def test_control_characters_become_visible_escapes(text: str, expected: str) -> None:
    assert escape_control(text) == expected


def _logger(stream: io.StringIO) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(EscapingFormatter(LOG_FORMAT))
    logger = logging.getLogger("tests.log_escape")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger


def test_a_record_with_a_newline_in_its_arguments_stays_one_line() -> None:
    stream = io.StringIO()
    _logger(stream).info("GET %s %d", "/s/\r\n2026-11-30 12:00:00 INFO owner: login ok", 404)
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    assert "\\x0d\\x0a2026-11-30" in lines[0]


def test_a_traceback_is_indented_so_no_line_of_it_passes_for_a_record() -> None:
    stream = io.StringIO()
    logger = _logger(stream)
    try:
        raise ValueError("bad\nFORGED line")
    except ValueError:
        logger.exception("failed")
    first, *rest = stream.getvalue().splitlines()
    assert first.endswith("failed")
    assert rest
    assert all(line.startswith("    ") for line in rest)
    # A newline inside the message cannot be told from the traceback's own, but the line it
    # starts is indented like the rest: it can never pass for a record of its own.
    assert "    FORGED line" in rest


def test_a_bidi_override_in_a_logged_path_is_shown_not_obeyed() -> None:
    stream = io.StringIO()
    _logger(stream).info("GET %s %d", "/s/\u202e404 TEG\u202c", 200)
    line = stream.getvalue().strip()
    assert "\u202e" not in line
    assert line.endswith("GET /s/\\u202e404 TEG\\u202c 200")
