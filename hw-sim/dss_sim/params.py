"""dSS parameter parsing, the C way (restful.cpp, base.cpp), as pure functions.

Values are handled as byte strings carried in `str` (one character per byte, latin-1) while
the dSS parses them, and turned into text only at the end, as the dSS stores bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

BODY_LIMIT = 16 * 1024
C_SPACE = " \t\n\v\f\r"  # C isspace() in the "C" locale
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True)
class StrtolResult:
    value: int  # already saturated at the bounds of the C type
    end: int  # index of the first character not consumed (0 when nothing was parsed)


def strtol(text: str, base: int, bits: int = 32, unsigned: bool = False) -> StrtolResult:
    """C strtol/strtoul on `text` read as a C string (it ends at the first NUL).

    Leading C whitespace, an optional sign, `0x` for base 16/0, octal `0` for base 0. Without
    digits `end` is 0 (no conversion). strtol saturates at the signed bounds of a `bits`-wide
    long; strtoul returns the negation modulo 2**bits and saturates at 2**bits - 1.
    """
    c_text = text.split("\0", 1)[0]
    i = 0
    while i < len(c_text) and c_text[i] in C_SPACE:
        i += 1
    negative = False
    if i < len(c_text) and c_text[i] in "+-":
        negative = c_text[i] == "-"
        i += 1
    if base in (0, 16) and c_text[i : i + 2].lower() == "0x" and _digit(c_text, i + 2, 16):
        i += 2
        base = 16
    elif base == 0:
        base = 8 if c_text[i : i + 1] == "0" else 10
    start = i
    magnitude = 0
    while _digit(c_text, i, base):
        magnitude = magnitude * base + _DIGITS.index(c_text[i].lower())
        i += 1
    if i == start:
        return StrtolResult(0, 0)
    if unsigned:
        limit = (1 << bits) - 1
        if magnitude > limit:
            return StrtolResult(limit, i)
        return StrtolResult((-magnitude) & limit if negative else magnitude, i)
    value = -magnitude if negative else magnitude
    return StrtolResult(max(-(1 << (bits - 1)), min((1 << (bits - 1)) - 1, value)), i)


def _digit(text: str, i: int, base: int) -> bool:
    if i >= len(text):
        return False
    pos = _DIGITS.find(text[i].lower())
    return 0 <= pos < base


def to_c_int(value: int, bits: int = 32) -> int:
    """A conversion to a `bits`-wide signed C int (two's complement wrap)."""
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def str_to_int(text: str | None, long_bits: int = 32) -> int | None:
    """base.cpp strToInt: `int(strtol(s, &end, 0))` accepted when `*end == 0`; None when the
    dSS would throw. `long_bits` is the width of `long` (32 on the ARM dSS, 64 on x86-64)."""
    if not text:
        return None
    c_text = text.split("\0", 1)[0]
    result = strtol(c_text, 0, long_bits)
    if result.end != len(c_text):
        return None
    return to_c_int(result.value)


def str_to_int_def(text: str | None, default: int, long_bits: int = 32) -> int:
    """base.cpp strToIntDef."""
    value = str_to_int(text, long_bits)
    return default if value is None else value


def str_to_uint(text: str | None, long_bits: int = 32) -> int | None:
    """base.cpp strToUInt: `unsigned(strtoul(s, &end, 0))` accepted when `*end == 0`."""
    if not text:
        return None
    c_text = text.split("\0", 1)[0]
    result = strtol(c_text, 0, long_bits, unsigned=True)
    if result.end != len(c_text):
        return None
    return result.value & 0xFFFFFFFF


def parse_int(text: str | None, long_bits: int = 32) -> int | None:
    """strToInt as a value or None (kept for the callers of the old name)."""
    return str_to_int(text, long_bits)


def url_decode_bytes(raw: str) -> str:
    """base.cpp urlDecode on a byte string; the result is a byte string too.

    After each `%` with at least two characters following, the two characters go through
    `strtol(pair, &end, 16)` and must be consumed entirely (`%+9`, `% 9` are TAB, `%-1` is
    0xFF); otherwise the whole input is returned undecoded. Text outside escapes has `+`
    turned into a space. A `%` with fewer than two characters after it stops decoding.
    """
    out: list[str] = []
    last = 0
    pos = raw.find("%")
    while pos != -1 and len(raw) > pos + 2:
        out.append(raw[last:pos].replace("+", " "))
        pair = raw[pos + 1 : pos + 3]
        result = strtol(pair, 16, 64)
        if result.end != len(pair.split("\0", 1)[0]):  # *end != '\0'
            return raw
        out.append(chr(result.value & 0xFF))
        last = pos + 3
        pos = raw.find("%", last)
    out.append(raw[last:].replace("+", " "))
    return "".join(out)


def as_bytes(text: str) -> str:
    """Any text as a byte string (UTF-8 bytes, one character per byte)."""
    try:
        return text.encode("latin-1").decode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", errors="surrogateescape").decode("latin-1")


def as_text(raw: str) -> str:
    """A byte string read as UTF-8 (invalid bytes replaced)."""
    return raw.encode("latin-1").decode("utf-8", errors="replace")


def url_decode(raw: str) -> str:
    """urlDecode, with the decoded bytes read as UTF-8."""
    return as_text(url_decode_bytes(as_bytes(raw)))


class Params:
    """The parameters of one /json request (restful.cpp RestfulRequest): the query string, or
    the body of a POST when it is not empty. `long_bits` is the build's width of C `long`."""

    def __init__(self, raw: str, long_bits: int = 32) -> None:
        self.raw = raw
        self.long_bits = long_bits
        self._padded = "&" + raw

    @classmethod
    def from_request_parts(cls, query: str, body: bytes, long_bits: int = 32) -> Params:
        if body:
            return cls(body[:BODY_LIMIT].decode("latin-1"), long_bits)
        return cls(query, long_bits)

    def _raw_value(self, name: str) -> str | None:
        key = "&" + name + "="
        pos = self._padded.find(key)
        if pos < 0:
            return None
        start = pos + len(key)
        end = self._padded.find("&", start)
        return self._padded[start:] if end < 0 else self._padded[start:end]

    def has(self, name: str) -> bool:
        """RestfulRequest::hasParameter: present, even with an empty value."""
        return self._raw_value(name) is not None

    def get(self, name: str) -> str | None:
        value = self._raw_value(name)
        return None if value is None else url_decode(value)

    def text(self, name: str) -> str:
        """RestfulRequest::getParameter: the value, with missing and empty both as ''."""
        return self.get(name) or ""

    def int_or_none(self, name: str) -> int | None:
        """strToInt of the value (None: missing, empty or not a number)."""
        return str_to_int(self.get(name), self.long_bits)

    def int_def(self, name: str, default: int) -> int:
        """strToIntDef(getParameter(name), default)."""
        return str_to_int_def(self.get(name), default, self.long_bits)

    def uint_or_none(self, name: str, bits: int = 32) -> int | None:
        """getParameter<uintN_t>: strToUInt, then truncated to the `bits`-wide target."""
        value = str_to_uint(self.get(name), self.long_bits)
        return None if value is None else value & ((1 << bits) - 1)


def str2dsid(text: str) -> str | None:
    """ds485types.cpp str2dsid: only the length (24 bytes) is checked; each pair of characters
    goes through `strtol(pair, NULL, 16)` with no end check (`zz` or two spaces are 0x00,
    `-1` is 0xFF, ` f` is 0x0f). The dSID as 24 lowercase hex digits, None when the dSS throws
    "can not convert from string, invalid dSID"."""
    raw = as_bytes(text)
    if len(raw) != 24:
        return None
    return "".join(f"{strtol(raw[i:i + 2], 16).value & 0xFF:02x}" for i in range(0, 24, 2))


def str2dsuid(text: str) -> str | None:
    """ds485types.cpp str2dsuid via libdsuid dsuid_from_string (not in the dSS source tree):
    modelled strictly as 34 hex digits; the dSUID in lowercase, None when it throws
    "can not convert from string, invalid dSUID"."""
    raw = as_bytes(text)
    if len(raw) != 34 or any(ch not in "0123456789abcdefABCDEF" for ch in raw):
        return None
    return raw.lower()
