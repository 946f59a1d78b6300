"""`property/query` and `query2` (propertyquery.cpp), parsed and run like the dSS.

Parsing (`parseParts`, `evalPropertyList`, base.cpp `splitString`): the query is split on `/`
(`\\/` is a literal slash) and the text before the first `/` is dropped (so a query must start
with `/` to name anything; `run` also answers `{}` unless it does). One part may hold several
keys separated by `,` (`\\,` literal): `zone1(name),zone2(ZoneID)`; text after a `)` that is not
followed by `,` becomes another key. Property lists are split on `,` and trimmed; a `=value`
after a property name is ignored; an empty property (`*(a,,b)`, `*(a,)`, `*( )`) makes the dSS
index an empty vector: HTTP 500. A `(` without `)` fails with `illegal query: missing ')'`.

Matching: part names are compared literally with child names (no index suffixes; `*` matches
every child); names in a property list are looked up with `getPropertyByName`, so `name[0]` and
`name[last]` work there. `query` emits an object (even an empty one) for every matching child,
value nodes too; `query2` only descends into and emits containers.

Key lists: the 2017 source parses `key,key2` but walks every key as one more level. Newer
firmware answers both keys at the same level (dss-api.md §9 #7); `key_lists=True` (the default,
used by the simulator) does that: each key of a part is matched against the same parent and the
next part applies below each of them. `key_lists=False` is the 2017 walk.

JSON objects may repeat a key (the dSS's JSONWriter does not merge): they are built as
`JsonPairs`, which serialises every pair and reads as "last one wins", like a JSON parser.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dss_sim.properties import PropNode, child_by_name, children_of, resolved

_TRIM = " \t\n\r"
_EMPTY_VECTOR = "vector::_M_range_check: __n (which is 0) >= this->size() (which is 0)"


class QueryError(Exception):
    """A std::exception thrown while parsing a query: the dSS answers 500 with its what()."""


class JsonPairs(dict[str, Any]):
    """A JSON object that keeps repeated keys in order when serialised."""

    def __init__(self) -> None:
        super().__init__()
        self.pairs: list[tuple[str, Any]] = []

    def add(self, key: str, value: Any) -> None:
        self.pairs.append((key, value))
        self[key] = value

    def items(self) -> list[tuple[str, Any]]:  # type: ignore[override]
        return list(self.pairs)  # what json's encoder serialises


@dataclass(frozen=True)
class Part:
    name: str
    props: tuple[str, ...]
    child: bool  # False: another key of the same query part


def split_string(source: str, delim: str, trim: bool) -> list[str]:
    """base.cpp `splitString`: `\\<delim>` is literal; a trailing delimiter adds ""."""
    out: list[str] = []
    cur, start, skip = source, 0, 0
    while start < len(cur):
        pos = cur.find(delim, skip)
        if pos > 0 and cur[pos - 1] == "\\":
            cur = cur[: pos - 1] + cur[pos:]
            skip = pos
            continue
        if pos < 0:
            field = cur[start:]
            out.append(field.strip(_TRIM) if trim else field)
            break
        field = cur[start:pos]
        out.append(field.strip(_TRIM) if trim else field)
        skip = start = pos + 1
        if len(cur) == skip:
            out.append("")
    return out


def _find_and_unescape(text: str, ch: str, start: int = 0) -> tuple[str, int]:
    pos = text.find(ch, start)
    while pos > 0 and text[pos - 1] == "\\":
        text = text[: pos - 1] + text[pos:]
        pos = text.find(ch, pos)
    return text, pos


def _eval_property_list(text: str) -> tuple[str, tuple[str, ...], str]:
    """`evalPropertyList`: (key, property names, what is left of the part)."""
    text, comma = _find_and_unescape(text, ",")
    bracket = text.find("(")
    if comma >= 0 and (bracket < 0 or comma < bracket):
        return text[:comma], (), text[comma + 1:]
    if bracket < 0:
        return text, (), ""
    key = text[:bracket]
    close = text.find(")")
    if close < 0:
        raise QueryError("illegal query: missing ')'")
    plist = text[bracket + 1:close] if close >= bracket else text[bracket + 1:]
    text, end = _find_and_unescape(text, ",", close)
    rest = text[end + 1:] if end >= 0 else text[close + 1:]
    names = []
    for item in split_string(plist, ",", True):
        pair = split_string(item, "=", True)  # splitKeyValue
        if not pair:
            raise QueryError(_EMPTY_VECTOR)
        names.append(pair[0])
    return key, tuple(names), rest


def parse_query(query: str) -> list[Part]:
    """`parseParts` with the leading separator dropped (query and query2)."""
    parts: list[Part] = []
    for raw in split_string(query, "/", False):
        child, rest = True, raw
        while True:
            key, props, rest = _eval_property_list(rest)
            parts.append(Part(key, props, child))
            child = False
            if not rest:
                break
    return parts[1:]


def _levels(parts: list[Part], key_lists: bool) -> list[list[Part]]:
    levels: list[list[Part]] = []
    for part in parts:
        if key_lists and not part.child and levels:
            levels[-1].append(part)
        else:
            levels.append([part])
    return levels


Emit = Callable[[PropNode], None]


def _add_property(obj: JsonPairs, node: PropNode, emit: Emit) -> None:
    """`addProperty`: containers skipped; unsigned integers go out as strings (getAsString).
    An alias shows its own name and its target's value."""
    target = resolved(node)
    if target.type == "none":
        return
    emit(target)
    value = str(target.value) if target.type == "unsignedinteger" else target.value
    obj.add(node.name, value)


def _add_properties(part: Part, obj: JsonPairs, node: PropNode, emit: Emit) -> None:
    for name in part.props:
        if name == "*":
            for child in children_of(node):
                _add_property(obj, child, emit)
            continue
        found = child_by_name(node, name)
        if found is not None:
            _add_property(obj, found, emit)


def _matches(part: Part, node: PropNode) -> bool:
    return part.name == "*" or node.name == part.name


def _own_name(node: PropNode) -> str:
    return node.name if node.parent is not None else "/"  # the dSS's root node is named "/"


def _run(node: PropNode, levels: list[list[Part]], i: int, out: JsonPairs, emit: Emit) -> None:
    """`runFor`, for each key of level i."""
    for part in levels[i]:
        items: list[JsonPairs] = []
        if part.props:
            out.add(_own_name(node) if part.name == "*" else part.name, items)
        for child in list(children_of(node)):
            if not _matches(part, child):
                continue
            target = out
            if part.props:
                target = JsonPairs()
                _add_properties(part, target, child, emit)
            if i + 1 < len(levels):
                _run(child, levels, i + 1, target, emit)
            if part.props:
                items.append(target)


def _run2(node: PropNode, levels: list[list[Part]], i: int, out: JsonPairs, emit: Emit) -> None:
    """`runFor2`, for each key of level i."""
    for part in levels[i]:
        for child in list(children_of(node)):
            if not _matches(part, child) or resolved(child).type != "none":
                continue
            target = out
            if part.props:
                target = JsonPairs()
                _add_properties(part, target, child, emit)
            if i + 1 < len(levels):
                _run2(child, levels, i + 1, target, emit)
            if part.props:
                out.add(child.name, target)


def _ignore(node: PropNode) -> None:
    return None


def query(root: PropNode, text: str, emit: Emit = _ignore, *, key_lists: bool = True
          ) -> JsonPairs:
    """`property/query`: `emit` is called for every value node put into the answer."""
    return _answer(_run, root, text, emit, key_lists)


def query2(root: PropNode, text: str, emit: Emit = _ignore, *, key_lists: bool = True
           ) -> JsonPairs:
    """`property/query2`: containers keyed by their own name; list-less parts flattened."""
    return _answer(_run2, root, text, emit, key_lists)


Walk = Callable[[PropNode, list[list[Part]], int, JsonPairs, Emit], None]


def _answer(walk: Walk, root: PropNode, text: str, emit: Emit, key_lists: bool) -> JsonPairs:
    out = JsonPairs()
    levels = _levels(parse_query(text), key_lists)
    if text.startswith("/") and levels:
        walk(root, levels, 0, out, emit)
    return out
