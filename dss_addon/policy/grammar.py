"""The canonical grammar of a forwarded dSS call (docs/canonical-grammar.md): value types with
one spelling each, and the form-body serialiser. Pure.

Every type accepts only spellings whose meaning is the same under any reasonable reading (the
dSS's strtol base 0, strtod, its lenient urlDecode, str2dsid, its property-path parser) and
returns the canonical spelling of the value. A canonical spelling is a pure function of the
typed value and back (int <-> plain decimal, id <-> lowercase hex, bool <-> true/false), so the
policy may decide on the canonical strings and the proxy forwards exactly those.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

INT_MIN = -(2**31)
INT_MAX = 2**31 - 1

# Parameter names: identifiers, matched byte for byte by the dSS (it never decodes names).
PARAM_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_INT = re.compile(r"-?(?:0|[1-9][0-9]{0,9})")
_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]{0,8})(?:\.[0-9]{1,6})?")
_HEX = re.compile(r"[0-9a-fA-F]+")
_WORD = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
_EVENT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]{0,63}")
_SUBSCRIPTION = re.compile(r"[A-Za-z0-9_\-]{1,40}")
_CHANNEL = re.compile(r"[A-Za-z0-9_]{1,32}")
# Property tree names: no `[ ]` (index suffixes alias the plain name), no `( ) , *` (query
# syntax), no HTML-escaped characters, no '.'/'..'-only segments (checked separately).
_SEGMENT = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_QUERY_PART = re.compile(
    r"(?P<name>\*|[A-Za-z0-9_.\-]{1,64})"
    r"(?:\((?P<props>\*|[A-Za-z0-9_\-]{1,64}(?:,[A-Za-z0-9_\-]{1,64}){0,31})\))?"
)
_LONG_HEX = re.compile(r"[0-9a-fA-F]{12,}")
_EVENT_KEY = re.compile(r"[A-Za-z0-9_]{1,32}")
_METER_SET = re.compile(r"\.meters\((all|[0-9a-fA-F,]{24,2000})\)")
_PATH_MAX = 256
_JSON_MAX = 4000
_LIST_MAX = 16
# Unicode categories refused in text: controls, format characters (bidi overrides, zero-width),
# surrogates, private use, unassigned, line and paragraph separators.
_BAD_TEXT_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class Kind(StrEnum):
    INT = "integer"
    SCENE = "scene number"
    GROUP = "group id"
    ZONE = "zone id"
    DSUID = "dSUID"
    DSID = "dSID"
    BOOL = "boolean"
    DECIMAL = "decimal number"
    TEXT = "text"
    WORD = "word"
    EVENT_NAME = "event name"
    SUBSCRIPTION = "subscription id"
    EVENT_PARAMETER = "event parameter list"
    PATH = "property path"
    QUERY = "property query"
    CHANNELS = "channel list"
    CHANNEL_VALUES = "channel value list"
    JSON = "JSON document"
    METER_SET = "meter set"
    CATEGORY = "scene access category"


INTEGER_KINDS = frozenset({Kind.INT, Kind.SCENE, Kind.GROUP, Kind.ZONE})

# The scene access category of a device-interface verb (sceneaccess.cpp): the dSS takes a call
# without one as "manual" (deviceinterfacerequesthandler.cpp getCategory), and
# SceneAccess::checkAccess never blocks manual calls, so the wind and fire protections of the
# blinds would not hold against a share. A remote helper is not a person at the switch: the
# only canonical category is "algorithm". A client's "timer" means the same to checkAccess and
# is normalised to it; "manual" (and anything else) is refused.
CATEGORY_ALGORITHM = "algorithm"
_CATEGORIES = frozenset({CATEGORY_ALGORITHM, "timer"})
# Parameters every canonical call of their type carries: the value the proxy adds when the
# client leaves one out (and decide() refuses a call without it).
ALWAYS_SENT: Mapping[Kind, str] = {Kind.CATEGORY: CATEGORY_ALGORITHM}


@dataclass(frozen=True, slots=True)
class ParamType:
    """A parameter's type: integers carry their bounds, text its maximum length; `choices`,
    when given, lists the only canonical spellings (an enumeration such as a metering type)."""

    kind: Kind
    minimum: int = 0
    maximum: int = INT_MAX
    max_length: int = 0  # TEXT only; 0 for other kinds
    choices: frozenset[str] = frozenset()

    def canonical(self, text: str) -> str | None:
        """The canonical spelling of `text` (already percent-decoded), or None if outside."""
        out = self._canonical(text)
        if out is not None and self.choices and out not in self.choices:
            return None
        return out

    def _canonical(self, text: str) -> str | None:
        if self.kind in INTEGER_KINDS:
            value = read_int(text)
            ok = value is not None and self.minimum <= value <= self.maximum
            return text if ok else None
        if self.kind is Kind.TEXT:
            return text if _is_text(text, self.max_length) else None
        return _CANONICAL[self.kind](text)


def read_int(text: str) -> int | None:
    """Plain decimal ASCII within a C int: no sign but '-', no leading zeros, no '-0'."""
    if not _INT.fullmatch(text) or text == "-0":
        return None
    value = int(text)
    return value if INT_MIN <= value <= INT_MAX else None


def _is_text(text: str, max_length: int) -> bool:
    if len(text) > max_length:
        return False
    return all(unicodedata.category(c) not in _BAD_TEXT_CATEGORIES for c in text)


def _hex_id(length: int) -> Callable[[str], str | None]:
    def canonical(text: str) -> str | None:
        return text.lower() if len(text) == length and _HEX.fullmatch(text) else None

    return canonical


def _bool(text: str) -> str | None:
    return text if text in ("true", "false") else None


def _decimal(text: str) -> str | None:
    if not _DECIMAL.fullmatch(text) or (text.startswith("-") and float(text) == 0):
        return None
    return text


def _category(text: str) -> str | None:
    return CATEGORY_ALGORITHM if text in _CATEGORIES else None


def _pattern(pattern: re.Pattern[str]) -> Callable[[str], str | None]:
    return lambda text: text if pattern.fullmatch(text) else None


def _segments(text: str) -> list[str] | None:
    if len(text) > _PATH_MAX or not text.startswith("/"):
        return None  # relative paths crash the dSS on set* (dss-api.md §9 #5)
    return text[1:].split("/")


def _path(text: str) -> str | None:
    parts = _segments(text)
    if parts is None or not all(_SEGMENT.fullmatch(p) and p.strip(".") for p in parts):
        return None
    return text


def _query(text: str) -> str | None:
    parts = _segments(text)
    if parts is None:
        return None
    for part in parts:
        match = _QUERY_PART.fullmatch(part)
        if match is None or not match["name"].strip("."):
            return None
    return text


def _channels(text: str) -> str | None:
    items = text.split(";")
    ok = len(items) <= _LIST_MAX and all(_CHANNEL.fullmatch(i) for i in items)
    return text if ok else None


def _channel_values(text: str) -> str | None:
    items = text.split(";")
    if len(items) > _LIST_MAX:
        return None
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not _CHANNEL.fullmatch(name) or _decimal(value) is None:
            return None
    return text


def _event_parameter(text: str) -> str | None:
    """`key=value;key2=value2`. The dSS honours `\\;` as a literal ';': backslashes are refused,
    and values hold no ';', '=', '&' or controls, so the list splits one way only."""
    if len(text) > 512:
        return None
    for item in text.split(";"):
        key, sep, value = item.partition("=")
        if not sep or not _EVENT_KEY.fullmatch(key) or not _is_text(value, 256):
            return None
        if any(c in value for c in ";=&\\"):
            return None
    return text


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key")
    return dict(pairs)


def _reject_constant(name: str) -> object:
    raise ValueError(name)


def _json(text: str) -> str | None:
    """An object or array, re-serialised compactly in ASCII (the same document for any JSON
    reader): duplicate keys and NaN/Infinity are refused."""
    if len(text) > _JSON_MAX:
        return None
    try:
        doc = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except ValueError:
        return None
    if not isinstance(doc, dict | list):
        return None
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=True)


def _meter_set(text: str) -> str | None:
    match = _METER_SET.fullmatch(text)
    if match is None:
        return None
    inner = match[1]
    if inner == "all":
        return text
    ids = inner.split(",")
    if len(ids) > _LIST_MAX or not all(len(i) in (24, 34) and _HEX.fullmatch(i) for i in ids):
        return None
    return f".meters({','.join(i.lower() for i in ids)})"


_CANONICAL: Mapping[Kind, Callable[[str], str | None]] = {
    Kind.DSUID: _hex_id(34),
    Kind.DSID: _hex_id(24),
    Kind.BOOL: _bool,
    Kind.DECIMAL: _decimal,
    Kind.WORD: _pattern(_WORD),
    Kind.EVENT_NAME: _pattern(_EVENT_NAME),
    Kind.SUBSCRIPTION: _pattern(_SUBSCRIPTION),
    Kind.EVENT_PARAMETER: _event_parameter,
    Kind.PATH: _path,
    Kind.QUERY: _query,
    Kind.CHANNELS: _channels,
    Kind.CHANNEL_VALUES: _channel_values,
    Kind.JSON: _json,
    Kind.METER_SET: _meter_set,
    Kind.CATEGORY: _category,
}


def show_name(name: str) -> str:
    """A parameter name as a reason may show it: short, and never what looks like a key."""
    if len(name) > 24 or _LONG_HEX.search(name) or not PARAM_NAME.fullmatch(name):
        return "(a parameter name)"
    return name


def form_body(params: Mapping[str, str]) -> str:
    """The form body the dSS receives, serialised from canonical values.

    Every byte outside the unreserved set (A-Z a-z 0-9 - . _ ~) becomes %XX with two uppercase
    hex digits; a space is %20, never '+', so the dSS's urlDecode (which reads `%+9` as a TAB
    and keeps a whole value undecoded after a bad escape) has exactly one reading.
    """
    for name in params:
        if not PARAM_NAME.fullmatch(name):
            raise ValueError("not a parameter name")
    return "&".join(f"{name}={quote(value, safe='')}" for name, value in params.items())
