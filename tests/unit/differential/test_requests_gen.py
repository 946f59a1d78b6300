"""The request generator: seeded, plain values, mutations in the dSS's C spellings, shrinkable."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.fuzz_corpus import CORPUS, WOHNEN_LIGHT, Base
from tests.support.requests_gen import FuzzRequest, Mutation, generate, generate_many

SCENE = Base(
    "operate", "zone", "callScene", (("id", "989"), ("groupID", "1"), ("sceneNumber", "5"))
)
PROP = Base("view", "property", "getString", (("path", "/system/version"),))
DEV = Base("operate", "device", "turnOn", (("dsuid", WOHNEN_LIGHT),))


def target(base: Base, *mutations: Mutation) -> str:
    return FuzzRequest(base, mutations).render().target.decode()


def test_the_same_seed_gives_the_same_requests() -> None:
    assert generate_many(7, 200) == generate_many(7, 200)
    assert generate_many(7, 50) != generate_many(8, 50)


def test_a_base_request_renders_as_a_plain_get() -> None:
    raw = FuzzRequest(SCENE).render()
    assert (raw.method, raw.target, raw.body) == (
        "GET",
        b"/json/zone/callScene?id=989&groupID=1&sceneNumber=5",
        b"",
    )


def test_percent_forms_of_the_dss_url_decoder() -> None:
    assert target(SCENE, Mutation("pct", "sceneNumber", "tab_plus")).endswith("sceneNumber=%+95")
    assert target(SCENE, Mutation("pct", "sceneNumber", "zz")).endswith("sceneNumber=5%zz")
    assert target(SCENE, Mutation("pct", "sceneNumber", "trailing")).endswith("=5%")
    assert target(SCENE, Mutation("pct", "sceneNumber", "ff")).endswith("=5%-1")
    assert "?id=9%389&" in target(SCENE, Mutation("pct", "id", "upper", 1))


def test_number_spellings_of_strtol() -> None:
    panic = Mutation("value", "sceneNumber", "65")
    spelled = {
        form: target(SCENE, panic, Mutation("number", "sceneNumber", form))
        for form in ("hex", "octal", "vtab", "formfeed", "wrap32", "plus")
    }
    assert spelled["hex"].endswith("sceneNumber=0x41")
    assert spelled["octal"].endswith("sceneNumber=0101")
    assert spelled["vtab"].endswith("sceneNumber=%0B65")
    assert spelled["formfeed"].endswith("sceneNumber=%0C65")
    assert spelled["wrap32"].endswith(f"sceneNumber={2**32 + 65}")
    assert spelled["plus"].endswith("sceneNumber=%2B65")


def test_device_id_spellings_of_str2dsid() -> None:
    assert target(DEV, Mutation("device_id", "dsuid", "upper")).endswith(WOHNEN_LIGHT.upper())
    assert target(DEV, Mutation("device_id", "dsuid", "zz", 0)).endswith("zz" + WOHNEN_LIGHT[2:])


def test_property_path_forms() -> None:
    assert target(PROP, Mutation("index", "path", "[0]", 0)).endswith("path=/system[0]/version")
    assert target(PROP, Mutation("segment", "path", "relative")).endswith("path=system/version")
    assert target(PROP, Mutation("segment", "path", "", 1)).endswith("path=/system//version")
    assert target(PROP, Mutation("segment", "path", ",security", 0)).endswith(
        "path=/system,security/version"
    )


def test_parameters_move_to_the_body_of_a_post() -> None:
    raw = FuzzRequest(SCENE, (Mutation("move", "", "to_body", 0),)).render()
    assert (raw.method, raw.target, raw.body) == (
        "POST",
        b"/json/zone/callScene",
        b"id=989&groupID=1&sceneNumber=5",
    )


def test_duplicates_cookies_and_tokens() -> None:
    raw = FuzzRequest(
        SCENE,
        (
            Mutation("duplicate", "sceneNumber", "65", 0),
            Mutation("cookie", "", "a=1;token=abc"),
            Mutation("add", "%74oken", "abc", 1),
        ),
    ).render()
    assert raw.target.endswith(b"sceneNumber=65&sceneNumber=5&%74oken=abc")
    assert raw.cookies == ("a=1;token=abc",)


def test_smaller_drops_one_mutation_or_one_parameter_at_a_time() -> None:
    request = FuzzRequest(SCENE, (Mutation("method", "", "PUT"), Mutation("value", "id", "0")))
    smaller = request.smaller()
    assert len(smaller) == 2 + 3
    assert all(len(r.mutations) + len(r.base.params) == 4 for r in smaller)


def test_the_corpus_covers_every_level() -> None:
    assert {b.level for b in CORPUS} == {"view", "operate", "configure"}


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False))
def test_every_generated_request_renders_to_bytes(rng: random.Random) -> None:
    request = generate(rng)
    raw = request.render()
    assert raw.target.startswith(b"/")
    assert raw.method in {"GET", "POST", "PUT", "DELETE", "PATCH"}
    assert request.describe()
    assert raw.show()
    for smaller in request.smaller():
        smaller.render()
