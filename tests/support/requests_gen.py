"""Seeded request generation for the differential proof (pure): a legitimate base call plus a
list of mutations (tests.support.request_mutations), rendered to exact bytes. A request is a plain
value: printed, it is a reproduction; without one of its mutations or parameters, it is a
smaller one (see `smaller`)."""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from urllib.parse import quote

from tests.support.fuzz_corpus import CORPUS, DANGEROUS, TOKEN, Base
from tests.support.request_mutations import (
    NUMBER_FORMS,
    SAFE,
    Draft,
    Mutation,
    RawRequest,
    apply,
)

__all__ = ["FuzzRequest", "Mutation", "RawRequest", "generate", "generate_many"]

METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


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


_TOKEN_NAMES = ("token", "TOKEN", "Token", "%74oken", "token%00", "tok%65n", " token", "token[0]")
_CALLBACK = ("callback=", "callback=cb", "Callback=cb", "%63allback=cb", "callback")
_COOKIES = (f"a=1;token={TOKEN}", f" token={TOKEN}", f"; token={TOKEN}", f"token={TOKEN}",
            f"token={TOKEN}; token=", "token=")  # fmt: skip
_INDEXES = ("[0]", "[last]", "[", "[junk", "[1]", "[-1]")
_SEGMENTS = ("", ".", "..", "relative", ",security", ",zone990",
             ",system-addon-remote-connectivity", ",*", ",password", ",device")  # fmt: skip
_PATHS = ("double_slash", "dotdot", "dot", "encoded_slash", "x", "", "..")
_HEADERS = (("X-Forwarded-For", "127.0.0.1"), ("Authorization", "Digest username=dssadmin"),
            ("Content-Type", "application/x-www-form-urlencoded"), ("Content-Type", "text/plain"),
            ("Transfer-Encoding", "identity"))  # fmt: skip


_KINDS = ("pct", "number", "device_id", "index", "segment", "value", "value", "duplicate",
          "rename", "case", "move", "method", "token", "callback", "cookie", "path", "header",
          "add_dangerous", "category")  # fmt: skip
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
        return Mutation("number", name, rng.choice(NUMBER_FORMS), pos)
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
        return Mutation("add", pool_name, quote(value, safe=SAFE), pos)
    if kind == "rename":
        return Mutation("rename", name, rng.choice(("dsid", "dsuid", "id", "zoneID", "name")), pos)
    if kind == "case":
        return Mutation("case", rng.choice((name, "")), "", pos)
    if kind == "move":
        return Mutation("move", "", rng.choice(("to_body", "to_query")), pos)
    if kind == "method":
        return Mutation("method", "", rng.choice(METHODS), pos)
    if kind == "category":  # on any verb: the scene access category the dSS checks
        value = quote(rng.choice(DANGEROUS["category"]), safe=SAFE)
        return Mutation("add", "category", value, pos)
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
