"""The property tree and how the dSS resolves paths in it (propertysystem.cpp), "the C way".

- Children are an ordered list; several children may share a name. `addChild` gives a new child
  the index max(index of same-named siblings) + 1; indices are never renumbered on removal.
- Every path segment may carry an index suffix (`getAndRemoveIndexFromPropertyName`): `name[2]`,
  `name[last]` (the last same-named child), `name[` and `name[junk` (index 0, via `atoi`).
- A path must start with `/` (`PropertySystem::getProperty`); empty segments are looked up as
  children named "" (never found), except that one trailing `/` (and `//` as the whole rest of a
  path) means "this node" (`PropertyNode::getProperty`).
- A node may be an alias of another (`PropertyNode::alias`): it keeps its own name and place,
  but its children, type and value are the target's, and look-ups, creations and queries walk
  on in the target (`m_AliasTarget`). What is read through an alias is the target: effects
  name the target's canonical path.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

PropValue = str | int | bool | float | None
FLAGS = ("READABLE", "WRITEABLE", "ARCHIVE")
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
_C_SPACE = " \t\n\v\f\r"
_TRIM_SPACE = " \t\n\r"  # base.cpp trim()


class PropertyTypeError(Exception):
    """A typed read or write on a node of another type (PropertyTypeMismatch)."""

    def __init__(self, node: PropNode) -> None:
        super().__init__(f"Property-Type mismatch: {node.name}")


class EmptyNameError(Exception):
    """createProperty's DS_REQUIRE on an empty segment (a std::runtime_error: HTTP 500)."""

    def __init__(self, rest: str) -> None:
        # ds::log::str of the DS_REQUIRE arguments: the literal, `_propPath` (names starting with
        # '_' are not printed), the condition, the file and line; the thread context is empty.
        super().__init__(f"Cannot create property with empty name. {rest} "
                         "condition:!nextOne.empty() propertysystem.cpp:858 ")


class Children(list["PropNode"]):
    """A node's children in order. `values()` and `get(name)` keep the old dict-style callers
    working (`get` is the exact name at index 0, no suffix parsing)."""

    def values(self) -> list[PropNode]:
        return list(self)

    def get(self, name: str, default: PropNode | None = None) -> PropNode | None:
        for node in self:
            if node.name == name and node.index == 0:
                return node
        return default


@dataclass(eq=False)
class PropNode:
    name: str
    type: str = "none"  # none | string | integer | unsignedinteger | boolean | floating
    value: PropValue = None
    children: Children = field(default_factory=Children)
    flags: dict[str, bool] = field(
        default_factory=lambda: {"READABLE": True, "WRITEABLE": True, "ARCHIVE": False})
    index: int = 0  # m_Index among same-named siblings
    parent: PropNode | None = field(default=None, repr=False)
    proxy: bool = False  # linked to live model state: a write of another type is a mismatch
    alias: PropNode | None = field(default=None, repr=False)  # `m_AliasTarget`

    @property
    def is_container(self) -> bool:
        return self.type == "none"

    def count(self, name: str) -> int:
        return sum(1 for c in self.children if c.name == name)

    def add_child(self, node: PropNode) -> PropNode:
        """`addChild`: appended, indexed after the same-named siblings."""
        if node.parent is not None:
            node.parent.remove_child(node)
        node.index = max((c.index for c in self.children if c.name == node.name), default=-1) + 1
        node.parent = self
        self.children.append(node)
        return node

    def remove_child(self, node: PropNode) -> bool:
        for i, child in enumerate(self.children):
            if child is node:
                del self.children[i]
                node.parent = None
                return True
        return False

    def replace_child(self, node: PropNode) -> PropNode:
        """Put `node` where the exact-named index-0 child was (or append it)."""
        old = self.children.get(node.name)
        if old is None:
            return self.add_child(node)
        pos = next(i for i, c in enumerate(self.children) if c is old)
        old.parent = None
        node.parent, node.index = self, 0
        self.children[pos] = node
        return node

    def child(self, name: str) -> PropNode:
        """The exact-named child (index 0), created as a container if missing; for builders."""
        node = self.children.get(name)
        return node if node is not None else self.add_child(PropNode(name))

    def set(self, path: str, value: PropValue) -> PropNode:
        """Create (or overwrite) a value node below this one, like the dSS's createProperty
        followed by a set (one leading `/` is dropped); for building trees."""
        node = create_below(self, path[1:] if path.startswith("/") else path, [])
        node.type = value_type(value)
        node.value = value
        return node

    def display_name(self) -> str:
        """`getDisplayName`: `name[i]` when the parent has several children of this name."""
        if self.parent is not None and self.parent.count(self.name) > 1:
            return f"{self.name}[{self.index}]"
        return self.name

    def json_value(self) -> PropValue:
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


def resolved(node: PropNode) -> PropNode:
    """The node an alias stands for (itself if it is none)."""
    while node.alias is not None:
        node = node.alias
    return node


def children_of(node: PropNode) -> Children:
    """`getChildNodes`: an alias's children are its target's."""
    return resolved(node).children


def public_type(node: PropNode) -> str:
    """The type getChildren shows ("do not expose unsigned int to the UI")."""
    kind = resolved(node).type
    return "integer" if kind == "unsignedinteger" else kind


def canonical_path(node: PropNode) -> str:
    """The absolute path naming this node and no other: names joined by `/`, with `[i]` only
    for an index above 0 (such a node is not reachable by its bare name)."""
    parts: list[str] = []
    cur: PropNode | None = node
    while cur is not None and cur.parent is not None:
        parts.append(f"{cur.name}[{cur.index}]" if cur.index > 0 else cur.name)
        cur = cur.parent
    return "/" + "/".join(reversed(parts))


# ---- path resolution ------------------------------------------------------------------------


def c_atoi(text: str) -> int:
    """glibc atoi (strtol base 10, no end check), saturated to a 32-bit long like on ARM."""
    i = 0
    while i < len(text) and text[i] in _C_SPACE:
        i += 1
    sign = 1
    if i < len(text) and text[i] in "+-":
        sign = -1 if text[i] == "-" else 1
        i += 1
    start = i
    while i < len(text) and "0" <= text[i] <= "9":
        i += 1
    value = sign * int(text[start:i]) if i > start else 0
    return max(INT_MIN, min(INT_MAX, value))


def split_index(segment: str) -> tuple[str, int]:
    """`getAndRemoveIndexFromPropertyName`: (name, index); index -1 means `last`.

    The C++ erases `end` characters from the `[` (a length used as a position), so text after
    `]` is partly eaten (`ab[0]xyz` -> `abyz`), and a missing `]` takes the rest of the string.
    """
    pos = segment.find("[")
    if pos < 0:
        return segment, 0
    end = segment.find("]")
    if end < 0 or end < pos:
        inner = segment[pos + 1:]
    else:
        inner = segment[pos + 1:end]
    erase = len(segment) if end < 0 else end
    name = segment[:pos] + segment[pos + erase:]
    if inner.strip(_TRIM_SPACE) == "last":
        return name, -1
    return name, c_atoi(inner)


def child_by_name(node: PropNode, segment: str) -> PropNode | None:
    """`getPropertyByName`: the same-named child with that index, or for `last` the last one."""
    node = resolved(node)
    if not node.children:
        return None
    name, index = split_index(segment)
    last: PropNode | None = None
    for child in node.children:
        if child.name == name:
            if child.index == index:
                return child
            last = child
    return last if index == -1 else None


def _car_cdr(path: str) -> tuple[str, str]:
    head, sep, tail = path.partition("/")
    return head, tail if sep else ""


def resolve_below(node: PropNode, path: str) -> PropNode | None:
    """`PropertyNode::getProperty`: a path relative to `node`; "" and "/" are `node` itself."""
    while path not in ("", "/"):
        head, path = _car_cdr(path)
        found = child_by_name(node, head)
        if found is None:
            return None
        node = found
        if not path:
            return resolved(node)
    return resolved(node)


def find(root: PropNode, path: str) -> PropNode | None:
    """`PropertySystem::getProperty`: None unless the path starts with `/`."""
    if not path.startswith("/"):
        return None
    return resolve_below(root, path[1:])


def create_below(node: PropNode, path: str, created: list[PropNode]) -> PropNode:
    """`PropertyNode::createProperty`: existing segments are resolved like a look-up; a missing
    one loses one trailing `+` and its index suffix and is appended as a new child (so `a+` or
    `a[1]` adds a second `a`). New nodes are appended to `created`, even when a later segment
    fails with EmptyNameError."""
    while path not in ("", "/"):
        rest = path
        head, path = _car_cdr(path)
        node = resolved(node)
        nxt = child_by_name(node, head)
        if nxt is None:
            name = head[:-1] if head.endswith("+") else head
            name, _ = split_index(name)  # the index given is overwritten by addChild
            if not name:
                raise EmptyNameError(rest)
            nxt = node.add_child(PropNode(name))
            created.append(nxt)
        node = nxt
        if not path:
            break
    return resolved(node)


def create(root: PropNode, path: str, created: list[PropNode]) -> PropNode | None:
    """`PropertySystem::createProperty`: None (the caller's NULL) unless the path starts with
    `/`."""
    if not path.startswith("/"):
        return None
    return create_below(root, path[1:], created)


def walk(node: PropNode, prefix: str = "") -> Iterator[tuple[str, PropNode]]:
    """Every node below `node` with its path (index suffixes as in canonical_path)."""
    for child in node.children:
        path = f"{prefix}/{child.name}" + (f"[{child.index}]" if child.index > 0 else "")
        yield path, child
        yield from walk(child, path)
