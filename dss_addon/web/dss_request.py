"""A share-site request read exactly as the dSS would read it (dss-api.md §1.2-1.3), and the
canonical parameters the proxy forwards instead of the raw request (pure)."""

from __future__ import annotations

import re

from dss_addon.policy.model import DssCall, Target

BODY_LIMIT = 16 * 1024  # the dSS reads at most this much body in one read
JSON_PREFIX = "/json/"
CONFIGURATOR_PREFIX = "/s/dss/"

# Never forwarded: `token` would pick the dSS session (DESIGN.md §3 rule 5), `callback` turns the
# answer into JSONP (the policy refuses it; stripping it again is defence in depth).
STRIPPED_PARAMS = frozenset({"token", "callback"})

_HEX = frozenset("0123456789abcdefABCDEF")
# dSS class and method names are identifiers; the method may continue with "/segments" (the dSS
# hands the whole rest of the path to the class).
_SEGMENT = re.compile(r"[A-Za-z0-9_]+")
# Parameter names every dSS handler reads are identifiers. The dSS matches names byte for byte
# without decoding them, so "%74oken" is not "token" to it; such names can reach no handler.
_PARAM_NAME = re.compile(r"[A-Za-z0-9_.\-]+")
# The upstream web front's own areas: never reached through the configurator route.
_CONFIGURATOR_FORBIDDEN = (
    "json", "browse", "cgi-bin", "add-ons", "websocket", "icons", "getlatestlogs", "www",
)  # fmt: skip
_CONFIGURATOR_SEGMENT = re.compile(r"[A-Za-z0-9_\-.~]+")


def url_decode(raw: str) -> str:
    """`%XX` decoded, `+` as a space; a `%` not followed by two hex digits keeps `raw` as is.

    Bytes are read as UTF-8 (invalid sequences become U+FFFD), so every value can be re-encoded:
    the proxy forwards that text, and the dSS reads the same value the policy saw.
    """
    out = bytearray()
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "%":
            pair = raw[i + 1 : i + 3]
            if len(pair) != 2 or not set(pair) <= _HEX:
                return _text(_raw_bytes(raw))
            out.append(int(pair, 16))
            i += 3
            continue
        out += b" " if ch == "+" else _raw_bytes(ch)
        i += 1
    return _text(bytes(out))


def _raw_bytes(text: str) -> bytes:
    """Undecodable request bytes arrive as surrogate escapes (U+DC80-U+DCFF): give them back."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # any other lone surrogate cannot come from the wire
        return text.encode("utf-8", "replace")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def parse_params(raw: str) -> dict[str, str]:
    """The dSS looks up `"&" + name + "="` in `"&" + raw`: the first pair with `=` wins."""
    params: dict[str, str] = {}
    for pair in raw.split("&"):
        name, sep, value = pair.partition("=")
        if not sep or not _PARAM_NAME.fullmatch(name) or name in params:
            continue
        params[name] = url_decode(value)
    return params


def parse_dss_request(method: str, path: str, query_string: str, body: bytes) -> DssCall:
    """`path` and `query_string` are the raw (still percent-encoded) request target parts.

    Bodies above BODY_LIMIT are refused by the caller before this is reached.
    """
    if path.startswith(CONFIGURATOR_PREFIX):
        return _configurator_call(path, query_string)
    if not path.startswith(JSON_PREFIX):
        return DssCall(Target.OTHER, path=path)
    # Only POST bodies are read by the dSS; an empty one falls back to the query (#11669).
    raw = body.decode("utf-8", "surrogateescape") if method == "POST" and body else query_string
    klass, method_name = _split_json_tail(path[len(JSON_PREFIX) :])
    if klass is None:
        return DssCall(Target.OTHER, path=path)
    return DssCall(Target.JSON, klass, method_name, parse_params(raw), path)


def _split_json_tail(tail: str) -> tuple[str | None, str]:
    # Anything but plain identifier segments (%2F, "..", "//", a trailing "/") is not a call we
    # can name with certainty, so it becomes OTHER and the policy refuses it.
    klass, _, method = tail.partition("/")
    segments = method.split("/")
    if not _SEGMENT.fullmatch(klass) or not all(_SEGMENT.fullmatch(s) for s in segments):
        return None, ""
    return klass, method


def _configurator_call(path: str, query_string: str) -> DssCall:
    upstream = configurator_path(path[len(CONFIGURATOR_PREFIX) :])
    if upstream is None:
        return DssCall(Target.OTHER, path=path)
    return DssCall(Target.CONFIGURATOR, params=parse_params(query_string), path=upstream)


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
    """What the proxy forwards: the decided params, minus credentials and JSONP."""
    return {k: v for k, v in call.params.items() if k not in STRIPPED_PARAMS}
