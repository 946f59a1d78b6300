"""Mutations of a request in the C ways the dSS reads one (dss-api.md §1.3, §1.4, §9), applied
to a Draft: the raw (still percent-encoded) pieces of a request (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from urllib.parse import quote, unquote

from tests.support.fuzz_corpus import Base

SAFE = "/*(),;=-_.~:"  # left unencoded in values, as clients send them


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
        items = [f"{name}={quote(value, safe=SAFE)}" for name, value in base.params]
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
    draft.edit(m.target, quote(text[:i], safe=SAFE) + enc + quote(text[i + 1 :], safe=SAFE))


NUMBER_FORMS = ("hex", "octal", "plus", "minus0", "space", "tab", "vtab", "formfeed", "newline",
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
    draft.edit(m.target, quote("/".join(parts), safe=SAFE + "[]"))


def _set_value(draft: Draft, m: Mutation) -> None:
    draft.edit(m.target, quote(m.arg, safe=SAFE))


def _duplicate(draft: Draft, m: Mutation) -> None:
    found = draft.find(m.target)
    if found is None:
        return
    items, i = found
    item = f"{m.target}={quote(m.arg, safe=SAFE)}"
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
