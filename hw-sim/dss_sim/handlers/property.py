"""property/*: typed reads and writes, flags and the query languages over the tree."""

from __future__ import annotations

from dss_sim import properties as props
from dss_sim.envelope import JsonValue
from dss_sim.errors import DssFail
from dss_sim.handlers.base import ApiClass, Ctx, Handler, escape
from dss_sim.params import parse_int
from dss_sim.properties import FLAGS, PropNode

_NO_PATH = frozenset({"query", "query2", "vdcquery"})


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


def _node(ctx: Ctx) -> PropNode:
    node = props.find(ctx.sim.tree(), _path(ctx))
    if node is None:
        raise DssFail(f"Could not find node named '{_path(ctx)}'")
    return node


def _getter(*types: str) -> Handler:
    async def get(ctx: Ctx) -> JsonValue:
        node = _node(ctx)
        if node.type not in types:
            raise DssFail(f"Error getting property: 'Property-Type mismatch: {node.name}'")
        return {"value": node.value}
    return get


def _store(ctx: Ctx, kind: str, value: props.PropValue) -> None:
    node = props.find(ctx.sim.tree(), _path(ctx))
    if node is None:
        node = props.create(ctx.sim.tree(), _path(ctx))
    elif node.type not in ("none", kind) and not (kind == "integer"
                                                 and node.type == "unsignedinteger"):
        raise DssFail(f"Error setting property: 'Property-Type mismatch: {node.name}'")
    if node.type == "none" and node.children:
        raise DssFail(f"Error setting property: 'Property-Type mismatch: {node.name}'")
    node.type = kind if node.type != "unsignedinteger" else node.type
    node.value = value


async def set_string(ctx: Ctx) -> None:
    _store(ctx, "string", escape(ctx.params.text("value")))


async def set_integer(ctx: Ctx) -> None:
    raw = ctx.params.text("value")
    value = parse_int(raw)
    if value is None:
        raise DssFail(f"Could not convert parameter 'value' to integer. Got: '{raw}'")
    _store(ctx, "integer", value)


async def set_boolean(ctx: Ctx) -> None:
    raw = ctx.params.text("value")
    if raw not in ("true", "false"):
        raise DssFail(f"Expected 'true' or 'false' for parameter 'value' but got: '{raw}'")
    _store(ctx, "boolean", raw == "true")


async def set_floating(ctx: Ctx) -> None:
    raw = ctx.params.text("value")
    try:
        value = float(raw)
    except ValueError:
        raise DssFail(f"Could not convert parameter 'value' to float. Got: '{raw}'") from None
    _store(ctx, "floating", float(int(value)))  # the dSS bug: truncated before storing


async def get_children(ctx: Ctx) -> JsonValue:
    return [{"name": c.name, "type": props.public_type(c)} for c in _node(ctx).children.values()]


async def get_type(ctx: Ctx) -> JsonValue:
    return {"type": props.public_type(_node(ctx))}


async def get_flags(ctx: Ctx) -> JsonValue:
    return dict(_node(ctx).flags)


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


async def remove(ctx: Ctx) -> None:
    path = _path(ctx)
    if not [p for p in path.split("/") if p]:
        raise DssFail("Can't remove root node")
    if not props.remove(ctx.sim.tree(), path):
        raise DssFail(f"Could not find node named '{path}'")


async def query(ctx: Ctx) -> JsonValue:
    text = ctx.need("query", "Need parameter 'query'")
    return props.query(ctx.sim.tree(), text)


async def query2(ctx: Ctx) -> JsonValue:
    text = ctx.need("query", "Need parameter 'query'")
    return props.query2(ctx.sim.tree(), text)


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
