"""Read dSS call parameters exactly as the dSS would: integers, device and zone selection, paths."""

from __future__ import annotations

from collections.abc import Mapping

from dss_addon.policy.grammar import read_int
from dss_addon.policy.model import DeviceRef, Topology

# C isspace() in the "C" locale: what strtol skips before the number.
_C_SPACE = " \t\n\v\f\r"
_DIGITS = {
    8: frozenset("01234567"),
    10: frozenset("0123456789"),
    16: frozenset("0123456789abcdefABCDEF"),
}
_HEX = _DIGITS[16]
# Anything outside a C int is refused: the dSS may clamp (strtol) or truncate (long -> int), and
# a truncated 2**32 + 989 would address zone 989.
_INT_MIN = -(2**31)
_INT_MAX = 2**31 - 1


def parse_dss_int(s: str) -> int | None:
    """strtol(s, &end, 0) with the dSS's "the whole string must be consumed" rule.

    The dSS's reading, kept to show (and test) what the canonical grammar avoids; the policy
    reads integers with grammar.read_int only.

    `0x3dd` = 989, `010` = 8, ` +5` = 5; `08`, `5 `, `0x`, `` and `1_0` are invalid (None).
    """
    text = s.lstrip(_C_SPACE)
    sign = 1
    if text[:1] in ("+", "-"):
        if text[0] == "-":
            sign = -1
        text = text[1:]
    if text[:2] in ("0x", "0X"):
        base, digits = 16, text[2:]
    elif text[:1] == "0":
        base, digits = 8, text  # a lone "0" is octal zero
    else:
        base, digits = 10, text
    allowed = _DIGITS[base]
    if not digits or not all(c in allowed for c in digits):
        return None
    value = sign * int(digits, base)
    if value < _INT_MIN or value > _INT_MAX:
        return None
    return value


def param(params: Mapping[str, str], name: str) -> str:
    """The value of a parameter; absent and empty are the same for the dSS handlers we check."""
    return params.get(name, "")


def _hex_id(value: str, length: int) -> str | None:
    if len(value) != length or not all(c in _HEX for c in value):
        return None
    return value.lower()


def resolve_device(params: Mapping[str, str], topology: Topology) -> DeviceRef | str:
    """The device a device/* call addresses (dsuid > dsid > name), or why it cannot be known."""
    dsuid = param(params, "dsuid")
    if dsuid:
        key = _hex_id(dsuid, 34)
        device = topology.device_by_dsuid(key) if key is not None else None
        return device if device is not None else "unknown device"
    dsid = param(params, "dsid")
    if dsid:
        key = _hex_id(dsid, 24)
        device = topology.device_by_dsid(key) if key is not None else None
        return device if device is not None else "unknown device"
    name = param(params, "name")
    if name:
        named = topology.devices_named(name)
        if len(named) == 1:
            return named[0]
        return "unknown device" if not named else "device name is ambiguous"
    return "no device given"


def resolve_zone(params: Mapping[str, str], topology: Topology) -> int | str:
    """The zone a zone/* call addresses (`id` or `name`), or why it cannot be known."""
    raw_id = param(params, "id")
    name = param(params, "name")
    if raw_id and name:
        return "both zone id and name given"
    if raw_id:
        zone_id = read_int(raw_id)
        return zone_id if zone_id is not None else "unparsable zone id"
    if name:
        named = topology.zones_named(name)
        if len(named) == 1:
            return named[0]
        return "unknown zone" if not named else "zone name is ambiguous"
    return "no zone given"


def split_path(raw: str) -> tuple[str, ...] | None:
    """Property path segments; None if any segment is '.' or '..'.

    The dSS collapses empty segments (`//system//x` is `/system/x`).
    """
    parts = tuple(p for p in raw.split("/") if p)
    if any(p in (".", "..") for p in parts):
        return None
    return parts


def query_prefix(raw: str) -> tuple[tuple[str, ...], bool] | None:
    """The literal node names a property query walks before its first wildcard.

    Returns (names, open): `open` is True when a wildcard part follows, so the query may reach
    any node below `names`. A part `key(p1,p2)` still descends into the literal node `key`; its
    property list only reads that node's own values. None if a part is '.' or '..'.
    """
    names: list[str] = []
    is_open = False
    for part in raw.split("/"):
        if not part:
            continue
        name = part.split("(", 1)[0]
        if name in (".", ".."):
            return None
        if is_open:
            continue
        if not name or "*" in name:
            is_open = True
            continue
        names.append(name)
    return tuple(names), is_open


def query_parts(raw: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Every part of a (canonical) property query as (name, property list): `*` names match
    any child, a `*` property list reads every value below the matched node. Parts the
    grammar refuses never get here; `key(p),key2(q)` lists are refused by it too."""
    out: list[tuple[str, tuple[str, ...]]] = []
    for part in raw.split("/"):
        if not part:
            continue
        name, _, rest = part.partition("(")
        props = tuple(p for p in rest.rstrip(")").split(",") if p) if rest else ()
        out.append((name, props))
    return tuple(out)


def zone_segment_id(segment: str) -> int | None:
    """`zone989` -> 989; only the canonical spelling the dSS uses in its tree."""
    digits = segment[4:]
    if not segment.startswith("zone") or not digits.isascii() or not digits.isdigit():
        return None
    if digits != str(int(digits)):
        return None
    return int(digits)
