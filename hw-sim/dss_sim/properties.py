"""The property tree (propertysystem.cpp) and its query / query2 languages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

PropValue = str | int | bool | float | None
FLAGS = ("READABLE", "WRITEABLE", "ARCHIVE")


class PropertyTypeError(Exception):
    """A typed read or write on a node of another type."""


@dataclass
class PropNode:
    name: str
    type: str = "none"  # none | string | integer | unsignedinteger | boolean | floating
    value: PropValue = None
    children: dict[str, PropNode] = field(default_factory=dict)
    flags: dict[str, bool] = field(
        default_factory=lambda: {"READABLE": True, "WRITEABLE": True, "ARCHIVE": False})

    @property
    def is_container(self) -> bool:
        return self.type == "none"

    def child(self, name: str) -> PropNode:
        """The named child, created as a container if missing."""
        node = self.children.get(name)
        if node is None:
            node = self.children[name] = PropNode(name)
        return node

    def set(self, path: str, value: PropValue) -> PropNode:
        """Create (or overwrite) a value node below this one; convenience for building trees."""
        node = self
        for part in _split(path):
            node = node.child(part)
        node.type = value_type(value)
        node.value = value
        return node

    def json_value(self) -> Any:
        return self.value


def value_type(value: PropValue) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "floating"
    if isinstance(value, str):
        return "string"
    return "none"


def public_type(node: PropNode) -> str:
    return "integer" if node.type == "unsignedinteger" else node.type


def _split(path: str) -> list[str]:
    return [p for p in path.split("/") if p]


def find(root: PropNode, path: str) -> PropNode | None:
    node: PropNode | None = root
    for part in _split(path):
        if node is None:
            return None
        node = node.children.get(part)
    return node


def create(root: PropNode, path: str) -> PropNode:
    node = root
    for part in _split(path):
        node = node.child(part)
    return node


def remove(root: PropNode, path: str) -> bool:
    parts = _split(path)
    if not parts:
        raise ValueError("root")
    parent = find(root, "/".join(parts[:-1]))
    if parent is None or parts[-1] not in parent.children:
        return False
    del parent.children[parts[-1]]
    return True


def walk(node: PropNode, prefix: str = "") -> Iterator[tuple[str, PropNode]]:
    for child in node.children.values():
        path = f"{prefix}/{child.name}"
        yield path, child
        yield from walk(child, path)


# ---- query / query2 -------------------------------------------------------------------------

_PART_RE = re.compile(r"^([^()]*)(?:\(([^()]*)\))?$")


@dataclass(frozen=True)
class QueryPart:
    name: str
    props: tuple[str, ...] | None  # None: no property list


def parse_query(query: str) -> list[QueryPart]:
    parts: list[QueryPart] = []
    for raw in _split(query):
        m = _PART_RE.match(raw)
        if m is None:
            parts.append(QueryPart(raw, None))
            continue
        name, plist = m.group(1), m.group(2)
        props = None if plist is None else tuple(p.strip() for p in plist.split(",") if p.strip())
        parts.append(QueryPart(name, props))
    return parts


def _matching(node: PropNode, name: str) -> list[PropNode]:
    if name == "*":
        return list(node.children.values())
    found = node.children.get(name)
    return [] if found is None else [found]


def _props_of(node: PropNode, props: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for prop in props:
        if prop == "*":
            for child in node.children.values():
                if not child.is_container:
                    out[child.name] = child.json_value()
            continue
        found = node.children.get(prop)
        if found is not None and not found.is_container:
            out[prop] = found.json_value()
    return out


def query(root: PropNode, text: str) -> dict[str, Any]:
    """`property/query`: parts with a property list emit arrays keyed by part (or parent) name."""
    out: dict[str, Any] = {}
    _query(root, parse_query(text), 0, out)
    return out


def _query(node: PropNode, parts: list[QueryPart], i: int, out: dict[str, Any]) -> None:
    if i >= len(parts):
        return
    part = parts[i]
    matches = _matching(node, part.name)
    if part.props is None:
        for child in matches:
            _query(child, parts, i + 1, out)
        return
    key = node.name if part.name == "*" else part.name
    items: list[Any] = out.setdefault(key, [])
    for child in matches:
        if not child.is_container:
            continue
        obj = _props_of(child, part.props)
        _query(child, parts, i + 1, obj)
        items.append(obj)


def query2(root: PropNode, text: str) -> dict[str, Any]:
    """`property/query2`: container nodes keyed by their own name; list-less parts flattened."""
    out: dict[str, Any] = {}
    _query2(root, parse_query(text), 0, out)
    return out


def _query2(node: PropNode, parts: list[QueryPart], i: int, out: dict[str, Any]) -> None:
    if i >= len(parts):
        return
    part = parts[i]
    for child in _matching(node, part.name):
        if not child.is_container:
            continue
        if part.props is None:
            _query2(child, parts, i + 1, out)
            continue
        obj = out.setdefault(child.name, {})
        obj.update(_props_of(child, part.props))
        _query2(child, parts, i + 1, obj)
