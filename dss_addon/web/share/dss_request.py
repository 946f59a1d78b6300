"""A share-site request turned into a typed, canonical dSS call, or refused (pure).

The grammar is docs/canonical-grammar.md. Anything outside it is refused before the policy
and before any dSS round trip, whatever the dSS would make of it: the proxy never has to know
how the dSS parses a spelling it does not accept. `url_decode` and `parse_params` read a form
the way the dSS does (dss-api.md §1.3); they are kept to check what the dSS received, never to
decide.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from dss_addon.policy.grammar import PARAM_NAME, show_name
from dss_addon.policy.model import DssCall, Target
from dss_addon.policy.schema import params_of, with_always_sent

BODY_LIMIT = 16 * 1024  # the dSS reads at most this much body in one read
JSON_PREFIX = "/json/"
CONFIGURATOR_PREFIX = "/s/dss/"

# Read and never forwarded: `token` would pick the dSS session (DESIGN.md §3 rule 5), `_dc` is
# the cache buster of ExtJS (the dSS configurator's toolkit) and means nothing to the dSS.
DROPPED_PARAMS = frozenset({"token", "_dc"})
NON_CANONICAL = "non-canonical request"

_HEX = frozenset("0123456789abcdefABCDEF")
# Raw characters allowed in a query or body besides %XX escapes: printable ASCII without
# space, '#' and the characters browsers always escape. Everything else must be %-encoded.
_RAW_VALUE = re.compile(r"[A-Za-z0-9\-._~!$'()*,;:@/?%+=]*")
_IDENTIFIER = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
# The upstream web front's own areas: never reached through the configurator route.
_CONFIGURATOR_FORBIDDEN = (
    "json", "browse", "cgi-bin", "add-ons", "websocket", "icons", "getlatestlogs", "www",
)  # fmt: skip
_CONFIGURATOR_SEGMENT = re.compile(r"[A-Za-z0-9_\-.~]+")
_CONFIGURATOR_VALUE = re.compile(r"[A-Za-z0-9_.\-]{0,64}")


@dataclass(frozen=True, slots=True)
class Refused:
    """A request outside the canonical grammar. `reason` names what, never the value."""

    reason: str
    path: str  # the raw request path, for the audit log


class _Refusal(Exception):
    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


def parse_dss_request(method: str, path: str, query_string: str, body: bytes) -> DssCall | Refused:
    """`path` and `query_string` are the raw (still percent-encoded) request target parts.

    Bodies above BODY_LIMIT are refused by the caller before this is reached.
    """
    try:
        if path.startswith(CONFIGURATOR_PREFIX):
            return _configurator_call(method, path, query_string, body)
        if not path.startswith(JSON_PREFIX):
            return DssCall(Target.OTHER, path=path)
        return _json_call(method, path, query_string, body)
    except _Refusal as refusal:
        return Refused(f"{NON_CANONICAL}: {refusal.what}", path[:200])


def _json_call(method: str, path: str, query_string: str, body: bytes) -> DssCall:
    klass, sep, method_name = path[len(JSON_PREFIX) :].partition("/")
    if not sep or not _IDENTIFIER.fullmatch(klass) or not _IDENTIFIER.fullmatch(method_name):
        raise _Refusal("class and method must be plain identifiers")
    raw = read_form(_source(method, query_string, body))
    schema = params_of((klass, method_name))
    if schema is None:
        # Not an allowed call: the policy refuses it by name; the values are never forwarded.
        return DssCall(Target.JSON, klass, method_name, raw, path)
    params: dict[str, str] = {}
    for name, value in raw.items():
        kind = schema.get(name)
        if kind is None:
            raise _Refusal(f"unknown parameter {show_name(name)} for {klass}/{method_name}")
        canonical = kind.canonical(value)
        if canonical is None:
            raise _Refusal(f"{name} is not a valid {kind.kind}")
        params[name] = canonical
    # A device-interface verb always carries its category, "algorithm" unless the client sent
    # "timer" (the same to the dSS): a missing one would be "manual" and pass the wind and
    # fire protections of the blinds.
    params = with_always_sent((klass, method_name), params)
    return DssCall(Target.JSON, klass, method_name, params, path)


def _source(method: str, query_string: str, body: bytes) -> str:
    """The one parameter source, as the dSS picks it, with every ambiguity refused."""
    if not body:
        return query_string
    if method != "POST":
        raise _Refusal(f"a body on a {_method_name(method)} request")
    text = _ascii(body)
    in_query = _meaningful(read_form(query_string))
    if in_query and in_query != _meaningful(read_form(text)):
        # The dSS reads only the body; a client that also puts other parameters in the query
        # means something the dSS will not do.
        raise _Refusal("a POST body and a query string that differ")
    return text


def _method_name(method: str) -> str:
    return method if _IDENTIFIER.fullmatch(method) else "non-POST"


def _meaningful(params: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in params.items() if k not in DROPPED_PARAMS}


def _ascii(body: bytes) -> str:
    try:
        return body.decode("ascii")
    except UnicodeDecodeError:
        raise _Refusal("raw non-ASCII bytes in the body") from None


def read_form(raw: str) -> dict[str, str]:
    """`name=value&...` with identifier names, each once, %XX-escaped UTF-8 values (`+` is a
    space); `token` and `_dc` dropped, `callback` (JSONP) refused. Raises _Refusal."""
    params: dict[str, str] = {}
    if raw == "":
        return params
    seen: set[str] = set()
    for pair in raw.split("&"):
        name, sep, value = pair.partition("=")
        if not sep or not PARAM_NAME.fullmatch(name):
            raise _Refusal("a parameter without an identifier name and '='")
        if name in seen:
            raise _Refusal(f"parameter {show_name(name)} given twice")
        seen.add(name)
        if name.lower() == "callback":
            raise _Refusal("JSONP callback")
        decoded = strict_decode(value)
        if name not in DROPPED_PARAMS:
            params[name] = decoded
    return params


def strict_decode(raw: str) -> str:
    """`%XX` (two hex digits) and `+` as a space; the bytes must be UTF-8. Raises _Refusal."""
    if not _RAW_VALUE.fullmatch(raw):
        raise _Refusal("a raw character that must be percent-encoded")
    decoded = _percent_decoded(raw)
    if decoded is None:
        raise _Refusal("an invalid percent escape")
    try:
        return decoded.decode("utf-8")
    except UnicodeDecodeError:
        raise _Refusal("a value that is not UTF-8") from None


def _percent_decoded(raw: str) -> bytes | None:
    """`%XX` (two hex digits) as its byte and `+` as a space, other characters as their UTF-8
    bytes; None at a `%` that two hex digits do not follow."""
    out = bytearray()
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "%":
            pair = raw[i + 1 : i + 3]
            if len(pair) != 2 or not set(pair) <= _HEX:
                return None
            out.append(int(pair, 16))
            i += 3
            continue
        out += b" " if ch == "+" else ch.encode("utf-8", "surrogateescape")
        i += 1
    return bytes(out)


def _configurator_call(method: str, path: str, query_string: str, body: bytes) -> DssCall:
    upstream = configurator_path(path[len(CONFIGURATOR_PREFIX) :])
    if upstream is None:
        return DssCall(Target.OTHER, path=path)
    if body:
        raise _Refusal(f"a body on a {_method_name(method)} configurator request")
    params = read_form(query_string)
    for name, value in params.items():
        if not _CONFIGURATOR_VALUE.fullmatch(value):
            raise _Refusal(f"configurator parameter {show_name(name)} is not a plain word")
    return DssCall(Target.CONFIGURATOR, params=params, path=upstream)


def configurator_path(tail: str) -> str | None:
    """The upstream path for a configurator page, confined to the web front's root.

    No encoded characters at all (so no %2F, %2E or %00), no "." or ".." segments, no empty
    segments (no "//host" or absolute URLs), and never the dSS's JSON, browse or CGI areas.
    """
    if tail == "":
        return "/"
    segments = (tail[:-1] if tail.endswith("/") else tail).split("/")
    if not all(_CONFIGURATOR_SEGMENT.fullmatch(s) and s.strip(".") for s in segments):
        return None
    # Prefixes, not names: a web front that routes "/browse..." by prefix must not be reachable
    # as "/browsesystem/security" either.
    if segments[0].lower().startswith(_CONFIGURATOR_FORBIDDEN):
        return None
    return "/" + tail


def upstream_params(call: DssCall) -> dict[str, str]:
    """What the proxy forwards: the decided canonical params (credentials were never kept)."""
    return {k: v for k, v in call.params.items() if k not in DROPPED_PARAMS}


def url_decode(raw: str) -> str:
    """The dSS's reading, for checks only: `%XX` decoded, `+` as a space; a `%` not followed by
    two hex digits keeps `raw` as is. Undecodable bytes become U+FFFD."""
    decoded = _percent_decoded(raw)
    if decoded is None:
        return raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return decoded.decode("utf-8", "replace")


def parse_params(raw: str) -> dict[str, str]:
    """The dSS's reading, for checks only: the first `name=` pair wins."""
    params: dict[str, str] = {}
    for pair in raw.split("&"):
        name, sep, value = pair.partition("=")
        if sep and name not in params:
            params[name] = url_decode(value)
    return params
