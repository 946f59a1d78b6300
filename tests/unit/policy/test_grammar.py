"""The canonical grammar: one spelling per value, and a serialiser the dSS reads back exactly.

The oracle for "what the dSS reads" is the simulator's parameter reader (dss_sim.params mirrors
restful.cpp and base.cpp), not our own parser."""

from __future__ import annotations

import json
import re

import pytest
from dss_sim.params import Params, parse_int
from hypothesis import given, settings
from hypothesis import strategies as st

from dss_addon.policy.grammar import INTEGER_KINDS, Kind, ParamType, form_body, read_int
from dss_addon.policy.model import DssCall, Target
from dss_addon.policy.schema import SCHEMA, with_always_sent
from dss_addon.web.share.dss_request import parse_dss_request

_HEX = "0123456789abcdef"
_TEXTISH = st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"))
_PATTERNS: dict[Kind, str] = {
    Kind.WORD: r"[A-Za-z0-9_.:\-]{1,20}",
    Kind.EVENT_NAME: r"[A-Za-z][A-Za-z0-9_.\-]{0,20}",
    Kind.SUBSCRIPTION: r"[A-Za-z0-9_\-]{1,20}",
    Kind.DECIMAL: r"-?(0|[1-9][0-9]{0,8})(\.[0-9]{1,6})?",
    Kind.PATH: r"(/[A-Za-z0-9_\-][A-Za-z0-9_.\-]{0,10}){1,5}",
    Kind.QUERY: (
        r"(/(\*|[A-Za-z0-9_\-][A-Za-z0-9_.\-]{0,8})"
        r"(\((\*|[A-Za-z0-9_\-]{1,5}(,[A-Za-z0-9_\-]{1,5}){0,3})\))?){1,5}"
    ),
    Kind.CHANNELS: r"[A-Za-z0-9_]{1,8}(;[A-Za-z0-9_]{1,8}){0,3}",
    Kind.CHANNEL_VALUES: (
        r"[a-z]{1,8}=-?[1-9][0-9]{0,3}(\.[0-9]{1,2})?(;[a-z]{1,8}=(0|[1-9][0-9]{0,3})){0,3}"
    ),
    Kind.EVENT_PARAMETER: (
        r"[a-z]{1,5}=[^;=&\\\x00-\x1f\x7f-\x9f]{0,8}(;[a-z]{1,5}=[a-z0-9 .]{0,8}){0,3}"
    ),
}  # fmt: skip
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=6),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
).filter(lambda d: isinstance(d, dict | list))


def values(kind: ParamType) -> st.SearchStrategy[str]:
    """Canonical spellings of `kind`'s values."""
    k = kind.kind
    if kind.choices:
        return st.sampled_from(sorted(kind.choices))
    if k in INTEGER_KINDS:
        return st.integers(kind.minimum, kind.maximum).map(str)
    if k is Kind.DSUID:
        return st.text(_HEX, min_size=34, max_size=34)
    if k is Kind.DSID:
        return st.text(_HEX, min_size=24, max_size=24)
    if k is Kind.BOOL:
        return st.sampled_from(["true", "false"])
    if k is Kind.TEXT:
        return st.text(_TEXTISH, max_size=min(kind.max_length, 40))
    if k is Kind.JSON:
        return _JSON.map(lambda d: json.dumps(d, separators=(",", ":"), ensure_ascii=True))
    if k is Kind.CATEGORY:
        return st.just("algorithm")
    if k is Kind.METER_SET:
        ids = st.lists(st.text(_HEX, min_size=34, max_size=34), min_size=1, max_size=3)
        return st.just(".meters(all)") | ids.map(lambda i: f".meters({','.join(i)})")
    return st.from_regex(_PATTERNS[k], fullmatch=True).filter(
        lambda text: kind.canonical(text) == text
    )


@st.composite
def canonical_calls(draw: st.DrawFn) -> DssCall:
    klass, method = draw(st.sampled_from(sorted(SCHEMA)))
    schema = SCHEMA[(klass, method)]
    names = draw(st.lists(st.sampled_from(sorted(schema)), unique=True)) if schema else []
    params = {name: draw(values(schema[name])) for name in names}
    # A canonical call always carries what the proxy adds (a verb's category).
    params = with_always_sent((klass, method), params)
    return DssCall(Target.JSON, klass, method, params, f"/json/{klass}/{method}")


_ESCAPE = re.compile(r"%(?![0-9A-F]{2})")


@settings(max_examples=400, deadline=None)
@given(canonical_calls())
def test_the_dss_reads_back_exactly_the_typed_values(call: DssCall) -> None:
    body = form_body(call.params)
    schema = SCHEMA[(call.klass, call.method)]
    dss = Params(body)
    for name, value in call.params.items():
        assert schema[name].canonical(value) == value
        assert dss.get(name) == value
        if schema[name].kind in INTEGER_KINDS:
            assert parse_int(dss.get(name)) == read_int(value) == int(value)
    # No byte the dSS could read another way: every % starts a two-hex-digit escape, no '+'
    # (the dSS reads it as a space), no whitespace or controls, nothing outside ASCII.
    assert _ESCAPE.search(body) is None
    assert "+" not in body
    assert body.isascii()
    assert not any(c.isspace() or ord(c) < 0x20 for c in body)


@settings(max_examples=300, deadline=None)
@given(canonical_calls())
def test_a_serialised_call_parses_back_to_itself(call: DssCall) -> None:
    body = form_body(call.params).encode("ascii")
    again = parse_dss_request("POST", call.path, "", body)
    assert again == call


@pytest.mark.parametrize(
    "text",
    ["0x41", "065", " 65", "+65", "\t65", "65 ", "6 5", "-0", "00", "1e2", "65.0", "", "٦٥",
     "2147483648", "-2147483649", "4294967361"],
)  # fmt: skip
def test_integers_have_one_spelling(text: str) -> None:
    assert read_int(text) is None
    assert ParamType(Kind.SCENE).canonical(text) is None


def test_integer_bounds_and_negatives() -> None:
    assert read_int("-2147483648") == -(2**31)
    assert read_int("2147483647") == 2**31 - 1
    assert ParamType(Kind.INT).canonical("-1") is None
    assert ParamType(Kind.INT, minimum=-1).canonical("-1") == "-1"


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        (Kind.DSUID, "303505D7F8000000000000400002A4F000", "303505d7f8000000000000400002a4f000"),
        (Kind.DSUID, "303505d7f8000000000000400002a4f0", None),
        (Kind.DSUID, " 03505d7f8000000000000400002a4f000", None),
        (Kind.DSUID, "-103505d7f8000000000000400002a4f00", None),
        (Kind.DSID, "zz3505d7f800000400002a4f", None),
        (Kind.BOOL, "1", None),
        (Kind.BOOL, "True", None),
        (Kind.DECIMAL, "20.5", "20.5"),
        (Kind.DECIMAL, "-0.0", None),
        (Kind.DECIMAL, "1e3", None),
        (Kind.DECIMAL, "nan", None),
        (Kind.PATH, "/a/b[0]", None),
        (Kind.PATH, "/a/b[last]", None),
        (Kind.PATH, "/a/b[junk", None),
        (Kind.PATH, "a/b", None),
        (Kind.PATH, "/a//b", None),
        (Kind.PATH, "/a/../b", None),
        (Kind.PATH, "/a/.../b", None),
        (Kind.PATH, "/a/b/", None),
        (Kind.PATH, "/a/b&amp;", None),
        (Kind.QUERY, "/a/*(x,y)/b(*)", "/a/*(x,y)/b(*)"),
        (Kind.QUERY, "/a/b(p),c(q)", None),
        (Kind.QUERY, "/a/b(p)(q)", None),
        (Kind.QUERY, "/a/b[0](*)", None),
        (Kind.QUERY, "/a/..(*)", None),
        (Kind.EVENT_PARAMETER, "a=1\\;b=2", None),
        (Kind.EVENT_PARAMETER, "a=1;b", None),
        (Kind.EVENT_PARAMETER, "a=1;b=2", "a=1;b=2"),
        (Kind.JSON, '{"a":1,"a":2}', None),
        (Kind.JSON, '{"a": NaN}', None),
        (Kind.JSON, '{"a": 1}', '{"a":1}'),
        (Kind.JSON, "1", None),
        (Kind.METER_SET, ".meters(ALL)", None),
        (Kind.METER_SET, ".meters(all).dsuid(x)", None),
        (Kind.CHANNEL_VALUES, "brightness=0x10", None),
    ],
)
def test_typed_values(kind: Kind, text: str, expected: str | None) -> None:
    assert ParamType(kind).canonical(text) == expected


def test_text_refuses_controls_and_invisible_characters() -> None:
    name = ParamType(Kind.TEXT, max_length=10)
    assert name.canonical("Küche") == "Küche"
    assert name.canonical("K\tche") is None
    assert name.canonical("K\u202eche") is None  # right-to-left override
    assert name.canonical("K\u200bche") is None  # zero-width space
    assert name.canonical("x" * 11) is None


def test_form_body_refuses_names_outside_the_grammar() -> None:
    with pytest.raises(ValueError, match="parameter name"):
        form_body({"a b": "1"})
