"""dSS parameter parsing quirks (restful.cpp), as pure functions."""

from __future__ import annotations

import re

_HEX = "0123456789abcdefABCDEF"
_INT_RE = re.compile(r"\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
BODY_LIMIT = 16 * 1024


def url_decode(raw: str) -> str:
    """`%XX` decoded and `+` to space; a `%` not followed by two hex digits returns `raw`."""
    out = bytearray()
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "%":
            pair = raw[i + 1 : i + 3]
            if len(pair) != 2 or pair[0] not in _HEX or pair[1] not in _HEX:
                return _as_text(raw)
            out.append(int(pair, 16))
            i += 3
            continue
        if ch == "+":
            out.append(0x20)
        else:
            out += ch.encode("latin-1") if ord(ch) < 256 else ch.encode("utf-8")
        i += 1
    return out.decode("utf-8", errors="replace")


def _as_text(raw: str) -> str:
    try:
        return raw.encode("latin-1").decode("utf-8", errors="replace")
    except UnicodeEncodeError:
        return raw


def parse_int(text: str | None) -> int | None:
    """strtol(base 0) that must consume the whole string; None when invalid."""
    if text is None:
        return None
    m = _INT_RE.fullmatch(text)
    if m is None:
        return None
    sign, digits = m.groups()
    if digits[:2] in ("0x", "0X"):
        value = int(digits[2:], 16)
    elif digits.startswith("0") and len(digits) > 1:
        value = int(digits[1:], 8)
    else:
        value = int(digits)
    return -value if sign == "-" else value


class Params:
    """The parameters of one /json request (query string, or a non-empty POST body)."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self._padded = "&" + raw

    @classmethod
    def from_request_parts(cls, query: str, body: bytes) -> Params:
        if body:
            return cls(body[:BODY_LIMIT].decode("latin-1"))
        return cls(query)

    def _raw_value(self, name: str) -> str | None:
        key = "&" + name + "="
        pos = self._padded.find(key)
        if pos < 0:
            return None
        start = pos + len(key)
        end = self._padded.find("&", start)
        return self._padded[start:] if end < 0 else self._padded[start:end]

    def has(self, name: str) -> bool:
        return self._raw_value(name) is not None

    def get(self, name: str) -> str | None:
        value = self._raw_value(name)
        return None if value is None else url_decode(value)

    def text(self, name: str) -> str:
        """The value, with missing and empty both as ''."""
        return self.get(name) or ""

    def int_or_none(self, name: str) -> int | None:
        return parse_int(self.get(name))
