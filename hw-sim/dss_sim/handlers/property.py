"""property/*: typed reads and writes, flags and the query languages over the tree
(propertyrequesthandler.cpp `jsonHandleRequest`).

The path is HTML-escaped (util.cpp `escapeHTML`) before the look-up and resolved by
`PropertySystem::getProperty` (properties.find). Only the set* methods use the node without a
NULL check after `createProperty`: a path not starting with `/` crashes the dSS there (for
setInteger only once the value parsed). Every other method answers "Could not find node named"
for a relative path.
"""

from __future__ import annotations

from dss_sim import properties as props
from dss_sim import propquery
from dss_sim.cfloat import double_to_int, parse_c_double
from dss_sim.effects import Effect, EffectKind
from dss_sim.envelope import JsonValue
from dss_sim.errors import DssCrash, DssFail
from dss_sim.handlers.base import ApiClass, Ctx, Handler, escape
from dss_sim.params import parse_int
from dss_sim.properties import FLAGS, INT_MAX, INT_MIN, PropNode

_NO_PATH = frozenset({"query", "query2", "vdcquery"})
_UINT_MAX = 2**32 - 1


def prepare(ctx: Ctx, method: str) -> None:
    if method in _NO_PATH:
        return
    path = ctx.params.get("path")
    if not path:
        raise DssFail("Need parameter 'path' for property operations")
    ctx.target = escape(path)


def _path(ctx: Ctx) -> str:
    assert isinstance(ctx.target, str)
    return ctx.target


def _call(ctx: Ctx) -> str:
    return f"property/{ctx.request.match_info.get('tail', '').partition('/')[2]}"


def _record(ctx: Ctx, kind: EffectKind, node: PropNode) -> None:
    ctx.sim.record(Effect(kind, _call(ctx), path=props.canonical_path(node)))


def _lookup(ctx: Ctx) -> PropNode | None:
    return props.find(ctx.sim.tree(), _path(ctx))


def _node(ctx: Ctx) -> PropNode:
    node = _lookup(ctx)
    if node is None:
        raise DssFail(f"Could not find node named '{_path(ctx)}'")
    return node


def _read(ctx: Ctx) -> PropNode:
    node = _node(ctx)
    _record(ctx, EffectKind.READ, node)
    return node


def _getter(*types: str) -> Handler:
    async def get(ctx: Ctx) -> JsonValue:
        node = _read(ctx)
        if node.type not in types:
            raise DssFail(f"Error getting property: '{props.PropertyTypeError(node)}'")
        return {"value": node.value}
    return get


def _create(ctx: Ctx) -> PropNode | None:
    """`PropertySystem::createProperty`, recording every node it added."""
    created: list[PropNode] = []
    try:
        return props.create(ctx.sim.tree(), _path(ctx), created)
    except props.EmptyNameError as exc:
        raise DssFail(str(exc), 500) from None
    finally:
        for node in created:
            _record(ctx, EffectKind.WRITE, node)


def _existing_or_created(ctx: Ctx) -> PropNode:
    node = _lookup(ctx) or _create(ctx)
    if node is None:
        raise DssCrash(f"{_call(ctx)} with the relative path '{_path(ctx)}': createProperty "
                       "returned NULL and the handler dereferenced it")
    return node


def _store(ctx: Ctx, node: PropNode, kind: str, value: props.PropValue) -> None:
    """`PropertyNode::set*Value`: a plain node takes any type; a proxy only its own."""
    if node.proxy and node.type != kind:
        raise DssFail(f"Error setting property: '{props.PropertyTypeError(node)}'")
    node.type = kind
    node.value = value
    _record(ctx, EffectKind.WRITE, node)


async def set_string(ctx: Ctx) -> None:
    value = escape(ctx.params.text("value"))
    _store(ctx, _existing_or_created(ctx), "string", value)


async def set_integer(ctx: Ctx) -> None:
    # The node is created before the value is checked; a NULL node is used only after that.
    node = _lookup(ctx)
    kind = "integer" if node is None or node.type == "integer" else "unsignedinteger"
    if node is None:
        _create(ctx)
    raw = ctx.params.text("value")
    value = parse_int(raw) if raw else None
    if value is None:
        raise DssFail(f"Could not convert parameter 'value' to integer. Got: '{raw}'")
    if kind == "integer":
        value = max(INT_MIN, min(INT_MAX, value))  # strtol on 32-bit ARM
    else:
        value = _UINT_MAX if abs(value) > _UINT_MAX else value % 2**32  # strtoul
    _store(ctx, _existing_or_created(ctx), kind, value)


async def set_boolean(ctx: Ctx) -> None:
    raw = ctx.params.text("value")
    if raw not in ("true", "false"):
        raise DssFail(f"Expected 'true' or 'false' for parameter 'value' but got: '{raw}'")
    _store(ctx, _existing_or_created(ctx), "boolean", raw == "true")


async def set_floating(ctx: Ctx) -> None:
    raw = ctx.params.text("value")
    value = parse_c_double(raw)
    if value is None:  # sic: the dSS's message
        raise DssFail(f"Could not convert parameter 'value' to std::string. Got: '{raw}'")
    # The dSS stores the double through an `int` (truncated; saturated on ARM, NaN is 0).
    _store(ctx, _existing_or_created(ctx), "floating", float(double_to_int(value)))


async def get_children(ctx: Ctx) -> JsonValue:
    node = _read(ctx)
    return [{"name": c.display_name(), "type": props.public_type(c)} for c in node.children]


async def get_type(ctx: Ctx) -> JsonValue:
    return {"type": _read(ctx).type}  # unsignedinteger shown as is here


async def get_flags(ctx: Ctx) -> JsonValue:
    return dict(_read(ctx).flags)


async def set_flag(ctx: Ctx) -> None:
    node = _node(ctx)
    flag = ctx.params.text("flag")
    if flag not in FLAGS:
        raise DssFail(f"Expected 'READABLE', 'WRITEABLE' or 'ARCHIVE' for parameter 'flag' "
                      f"but got: '{flag}'")
    raw = ctx.params.text("value")
    if raw not in ("true", "false"):
        raise DssFail(f"Expected 'true' or 'false' for parameter 'value' but got: '{raw}'")
    node.flags[flag] = raw == "true"
    _record(ctx, EffectKind.WRITE, node)


async def remove(ctx: Ctx) -> None:
    node = _node(ctx)
    if node.parent is None:
        raise DssFail("Can't remove root node")
    path = props.canonical_path(node)
    node.parent.remove_child(node)
    ctx.sim.record(Effect(EffectKind.WRITE, _call(ctx), path=path))


def _emit(ctx: Ctx) -> propquery.Emit:
    def emit(node: PropNode) -> None:
        _record(ctx, EffectKind.READ, node)
    return emit


async def query(ctx: Ctx) -> JsonValue:
    text = ctx.need("query", "Need parameter 'query'")
    try:
        return propquery.query(ctx.sim.tree(), text, _emit(ctx))
    except propquery.QueryError as exc:
        raise DssFail(str(exc), 500) from None


async def query2(ctx: Ctx) -> JsonValue:
    text = ctx.need("query", "Need parameter 'query'")
    try:
        return propquery.query2(ctx.sim.tree(), text, _emit(ctx))
    except propquery.QueryError as exc:
        raise DssFail(str(exc), 500) from None


async def vdcquery(ctx: Ctx) -> JsonValue:
    ctx.need("query", "Need parameter 'query'")
    return {}


HANDLERS: dict[str, Handler] = {
    "getString": _getter("string"), "getInteger": _getter("integer", "unsignedinteger"),
    "getBoolean": _getter("boolean"), "getFloating": _getter("floating"),
    "setString": set_string, "setInteger": set_integer, "setBoolean": set_boolean,
    "setFloating": set_floating, "getChildren": get_children, "getType": get_type,
    "getFlags": get_flags, "setFlag": set_flag, "remove": remove,
    "query": query, "query2": query2, "vdcquery": vdcquery,
}
API = ApiClass(HANDLERS, prepare=prepare)
