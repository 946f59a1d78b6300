"""Seeded request generation for the differential proof (pure): a legitimate base call plus a
list of mutations in the C ways the dSS reads a request (dss-api.md §1.3, §1.4, §9), rendered
to exact bytes. A request is a plain value: printed, it is a reproduction; without one of its
mutations or parameters, it is a smaller one (see `smaller`)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from urllib.parse import quote, unquote

from tests.support.fuzz_corpus import CORPUS, DANGEROUS, TOKEN, Base

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
_SAFE = "/*(),;=-_.~:"  # left unencoded in values, as clients send them


@dataclass(frozen=True, slots=True)
class Mutation:
    kind: str
    target: str = ""  # a parameter name, or "" for the request as a whole
    arg: str = ""
    pos: int = 0

    def describe(self) -> str:
        where = f"[{self.target}]" if self.target else ""
        return f"{self.kind}{where}({self.arg!r}, {self.pos})"


@dataclass(frozen=True, slots=True)
class RawRequest:
    method: str
    target: bytes  # path and query, byte for byte
    body: bytes = b""
    cookies: tuple[str, ...] = ()  # extra Cookie header fragments, after the share cookie
    headers: tuple[tuple[str, str], ...] = ()

    def show(self) -> str:
        lines = [f"{self.method} {self.target.decode('latin-1')}"]
        lines += [f"Cookie: <share>; {'; '.join(self.cookies)}"] if self.cookies else []
        lines += [f"{name}: {value}" for name, value in self.headers]
        lines += [f"body: {self.body.decode('latin-1')}"] if self.body else []
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class FuzzRequest:
    base: Base
    mutations: tuple[Mutation, ...] = ()

    def render(self) -> RawRequest:
        draft = Draft.of(self.base)
        for mutation in self.mutations:
            apply(draft, mutation)
        return draft.render()

    def describe(self) -> str:
        params = "&".join(f"{k}={v}" for k, v in self.base.params)
        muts = " ".join(m.describe() for m in self.mutations) or "-"
        return f"{self.base.klass}/{self.base.method}?{params} mutations: {muts}"

    def smaller(self) -> list[FuzzRequest]:
        """Every request with one mutation or one base parameter fewer (for shrinking)."""
        out = [
            replace(self, mutations=self.mutations[:i] + self.mutations[i + 1 :])
            for i in range(len(self.mutations))
        ]
        params = self.base.params
        out += [
            replace(self, base=replace(self.base, params=params[:i] + params[i + 1 :]))
            for i in range(len(params))
        ]
        return out


@dataclass
class Draft:
    """A request being mutated: raw (still encoded) pieces."""

    method: str
    segments: list[str]
    query: list[str]  # "name=value" items, raw
    body: list[str] | None = None  # "name=value" items, raw; None = no body
    cookies: list[str] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def of(cls, base: Base) -> Draft:
        items = [f"{name}={quote(value, safe=_SAFE)}" for name, value in base.params]
        return cls("GET", ["json", base.klass, base.method], items)

    def render(self) -> RawRequest:
        target = "/" + "/".join(self.segments)
        if self.query:
            target += "?" + "&".join(self.query)
        body = "&".join(self.body) if self.body is not None else ""
        return RawRequest(
            self.method,
            target.encode("utf-8", "surrogateescape"),
            body.encode("utf-8", "surrogateescape"),
            tuple(self.cookies),
            tuple(self.headers),
        )

    def lists(self) -> list[list[str]]:
        return [self.query] + ([self.body] if self.body is not None else [])

    def find(self, name: str) -> tuple[list[str], int] | None:
        for items in self.lists():
            for i, item in enumerate(items):
                if item.partition("=")[0] == name:
                    return items, i
        return None

    def edit(self, name: str, change: str) -> None:
        """Replace the raw value of the first `name` item by `change(value)`-style text."""
        found = self.find(name)
        if found is not None:
            items, i = found
            items[i] = f"{name}={change}"

    def value(self, name: str) -> str | None:
        found = self.find(name)
        return None if found is None else found[0][found[1]].partition("=")[2]


# ---- mutations ----------------------------------------------------------------------------


def _pct(draft: Draft, m: Mutation) -> None:
    raw = draft.value(m.target)
    if raw is None:
        return
    forms = {
        "tab_plus": "%+9" + raw,  # strtol("+9", 16) = 9: a TAB, skipped by strtol
        "tab_space": "% 9" + raw,
        "ff": raw + "%-1",
        "zz": raw + "%zz",  # invalid escape: the dSS keeps the whole value undecoded
        "trailing": raw + "%",
        "short": raw + "%4",
    }
    if m.arg in forms:
        draft.edit(m.target, forms[m.arg])
        return
    text = unquote(raw)
    if not text:
        return
    i = m.pos % len(text)
    enc = "".join(f"%{b:02X}" if m.arg == "upper" else f"%{b:02x}" for b in text[i].encode())
    draft.edit(m.target, quote(text[:i], safe=_SAFE) + enc + quote(text[i + 1 :], safe=_SAFE))


_NUMBER_FORMS = ("hex", "octal", "plus", "minus0", "space", "tab", "vtab", "formfeed", "newline",
                 "wrap32", "huge", "trailing", "plus_space")  # fmt: skip


def _number(draft: Draft, m: Mutation) -> None:
    raw = draft.value(m.target)
    if raw is None:
        return
    try:
        n = int(unquote(raw))  # only plain decimal values are respelled
    except ValueError:
        return
    forms = {
        "hex": hex(n) if n >= 0 else "-" + hex(-n),
        "octal": ("0" + format(n, "o")) if n > 0 else str(n),
        "plus": f"%2B{n}",
        "minus0": f"-0{n}" if n == 0 else str(n),
        "space": f"%20{n}",
        "tab": f"%09{n}",
        "vtab": f"%0B{n}",
        "formfeed": f"%0C{n}",
        "newline": f"%0A{n}",
        "wrap32": str(n + 2**32),
        "huge": str(n + 2**64),
        "trailing": f"{n}x",
        "plus_space": f"+{n}",  # '+' is a space after decoding
    }
    draft.edit(m.target, forms.get(m.arg, raw))


def _device_id(draft: Draft, m: Mutation) -> None:
    raw = draft.value(m.target)
    if raw is None or len(raw) < 4:
        return
    i = (m.pos % (len(raw) // 2)) * 2
    forms = {
        "upper": raw.upper(),
        "zz": raw[:i] + "zz" + raw[i + 2 :],
        "spaces": raw[:i] + "%20%20" + raw[i + 2 :],
        "plus": raw[:i] + "++" + raw[i + 2 :],
        "minus": raw[:i] + "-1" + raw[i + 2 :],
    }
    draft.edit(m.target, forms.get(m.arg, raw))


def _path_segment(draft: Draft, m: Mutation) -> None:
    raw = draft.value(m.target)
    if raw is None:
        return
    text = unquote(raw)
    parts = text.split("/")
    i = 1 + m.pos % max(1, len(parts) - 1) if len(parts) > 1 else 0
    if m.kind == "index":
        parts[i] = parts[i] + m.arg
    elif m.arg == "relative":
        parts = parts[1:] if parts and parts[0] == "" else parts
    elif m.arg.startswith(","):  # a key list: one query part naming a second key
        parts[i] = parts[i] + m.arg
    else:  # an empty segment, "." or ".."
        parts.insert(i, m.arg)
    draft.edit(m.target, quote("/".join(parts), safe=_SAFE + "[]"))


def _set_value(draft: Draft, m: Mutation) -> None:
    draft.edit(m.target, quote(m.arg, safe=_SAFE))


def _duplicate(draft: Draft, m: Mutation) -> None:
    found = draft.find(m.target)
    if found is None:
        return
    items, i = found
    item = f"{m.target}={quote(m.arg, safe=_SAFE)}"
    items.insert(i if m.pos % 2 == 0 else i + 1, item)


def _rename(draft: Draft, m: Mutation) -> None:
    found = draft.find(m.target)
    if found is not None:
        items, i = found
        items[i] = m.arg + "=" + items[i].partition("=")[2]


def _case(draft: Draft, m: Mutation) -> None:
    if m.target:
        _rename(draft, replace(m, arg=_flip(m.target, m.pos)))
        return
    i = 1 + m.pos % 2 if len(draft.segments) > 2 else 0
    draft.segments[i] = _flip(draft.segments[i], 0)


def _flip(name: str, pos: int) -> str:
    if not name:
        return name
    i = pos % len(name)
    return name[:i] + name[i].swapcase() + name[i + 1 :]


def _move(draft: Draft, m: Mutation) -> None:
    """Parameters into the body (or back): POST bodies replace the query on the dSS."""
    if m.arg == "to_body":
        draft.body = (draft.body or []) + draft.query
        draft.query = [] if m.pos % 2 == 0 else draft.query[: m.pos % 3]
        draft.method = "POST" if m.pos % 3 != 2 else draft.method
    elif draft.body is not None:
        draft.query += draft.body
        draft.body = None


def _method(draft: Draft, m: Mutation) -> None:
    draft.method = m.arg
    if m.pos % 2 and draft.body is None:
        draft.body = list(draft.query)  # the same parameters in a body, on any method


def _add_param(draft: Draft, m: Mutation) -> None:
    items = draft.body if (m.pos % 2 and draft.body is not None) else draft.query
    items.insert(0 if m.pos % 3 == 0 else len(items), f"{m.target}={m.arg}")


def _cookie(draft: Draft, m: Mutation) -> None:
    draft.cookies.append(m.arg)


def _extra_path(draft: Draft, m: Mutation) -> None:
    if m.arg == "double_slash":
        draft.segments.insert(1, "")
    elif m.arg == "dotdot":
        draft.segments[2:2] = ["x", ".."]
    elif m.arg == "dot":
        draft.segments.insert(2, ".")
    elif m.arg == "encoded_slash":
        draft.segments[1] += "%2F" + draft.segments.pop(2) if len(draft.segments) > 2 else ""
    else:
        draft.segments.append(m.arg)


def _header(draft: Draft, m: Mutation) -> None:
    draft.headers.append((m.target, m.arg))


_APPLY = {
    "pct": _pct, "number": _number, "device_id": _device_id, "index": _path_segment,
    "segment": _path_segment, "value": _set_value, "duplicate": _duplicate, "rename": _rename,
    "case": _case, "move": _move, "method": _method, "add": _add_param, "cookie": _cookie,
    "path": _extra_path, "header": _header,
}  # fmt: skip


def apply(draft: Draft, mutation: Mutation) -> None:
    _APPLY[mutation.kind](draft, mutation)


# ---- generation ---------------------------------------------------------------------------

_TOKEN_NAMES = ("token", "TOKEN", "Token", "%74oken", "token%00", "tok%65n", " token", "token[0]")
_CALLBACK = ("callback=", "callback=cb", "Callback=cb", "%63allback=cb", "callback")
_COOKIES = (f"a=1;token={TOKEN}", f" token={TOKEN}", f"; token={TOKEN}", f"token={TOKEN}",
            f"token={TOKEN}; token=", "token=")  # fmt: skip
_INDEXES = ("[0]", "[last]", "[", "[junk", "[1]", "[-1]")
_SEGMENTS = ("", ".", "..", "relative", ",security", ",zone990",
             ",system-addon-remote-connectivity", ",*")  # fmt: skip
_PATHS = ("double_slash", "dotdot", "dot", "encoded_slash", "x", "", "..")
_HEADERS = (("X-Forwarded-For", "127.0.0.1"), ("Authorization", "Digest username=dssadmin"),
            ("Content-Type", "application/x-www-form-urlencoded"), ("Content-Type", "text/plain"),
            ("Transfer-Encoding", "identity"))  # fmt: skip


_KINDS = ("pct", "number", "device_id", "index", "segment", "value", "value", "duplicate",
          "rename", "case", "move", "method", "token", "callback", "cookie", "path", "header",
          "add_dangerous")  # fmt: skip
_ID_FORMS = ("upper", "zz", "spaces", "plus", "minus")


def _param_names(base: Base) -> list[str]:
    return [name for name, _ in base.params]


def _names_for(kind: str, base: Base) -> list[str]:
    """The parameters a mutation kind has something to do with (all, if none fits)."""
    fits = {
        "number": [n for n, v in base.params if v.lstrip("-").isdigit()],
        "device_id": [n for n, _ in base.params if n in ("dsuid", "dsid") or len(_) > 20],
        "index": [n for n, _ in base.params if n in ("path", "query")],
        "segment": [n for n, _ in base.params if n in ("path", "query")],
    }.get(kind, [])
    return fits or _param_names(base)


def random_mutation(rng: random.Random, base: Base) -> Mutation:
    pos = rng.randrange(64)
    kind = rng.choice(_KINDS)
    names = _names_for(kind, base)
    name = rng.choice(names) if names else ""
    if kind == "pct":
        forms = ("upper", "lower", "tab_plus", "tab_space", "ff", "zz", "trailing", "short")
        return Mutation("pct", name, rng.choice(forms), pos)
    if kind == "number":
        return Mutation("number", name, rng.choice(_NUMBER_FORMS), pos)
    if kind == "device_id":
        return Mutation("device_id", name, rng.choice(_ID_FORMS), pos)
    if kind == "index":
        return Mutation("index", name, rng.choice(_INDEXES), pos)
    if kind == "segment":
        return Mutation("segment", name, rng.choice(_SEGMENTS), pos)
    if kind in ("value", "duplicate", "add_dangerous"):
        pool_name = name if name in DANGEROUS else rng.choice(sorted(DANGEROUS))
        value = rng.choice(DANGEROUS[pool_name])
        if kind == "value" and name:
            return Mutation("value", name, value, pos)
        if kind == "duplicate" and name:
            return Mutation("duplicate", name, value, pos)
        return Mutation("add", pool_name, quote(value, safe=_SAFE), pos)
    if kind == "rename":
        return Mutation("rename", name, rng.choice(("dsid", "dsuid", "id", "zoneID", "name")), pos)
    if kind == "case":
        return Mutation("case", rng.choice((name, "")), "", pos)
    if kind == "move":
        return Mutation("move", "", rng.choice(("to_body", "to_query")), pos)
    if kind == "method":
        return Mutation("method", "", rng.choice(METHODS), pos)
    if kind == "token":
        return Mutation("add", rng.choice(_TOKEN_NAMES), TOKEN, pos)
    if kind == "callback":
        cb_name, _, cb_value = rng.choice(_CALLBACK).partition("=")
        return Mutation("add", cb_name, cb_value, pos)
    if kind == "cookie":
        return Mutation("cookie", "", rng.choice(_COOKIES), pos)
    if kind == "path":
        return Mutation("path", "", rng.choice(_PATHS), pos)
    header, value = rng.choice(_HEADERS)
    return Mutation("header", header, value, pos)


def generate(rng: random.Random, *, max_mutations: int = 4) -> FuzzRequest:
    """One request: a base from the corpus and 0..max_mutations mutations (mostly 1-2)."""
    base = rng.choice(CORPUS)
    count = min(max_mutations, rng.choice((0, 1, 1, 1, 2, 2, 3, 4)))
    return FuzzRequest(base, tuple(random_mutation(rng, base) for _ in range(count)))


def generate_many(seed: int, count: int) -> list[FuzzRequest]:
    rng = random.Random(seed)
    return [generate(rng) for _ in range(count)]
