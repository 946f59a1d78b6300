"""The fuzzer's report (pure): counts add up across workers, violations are kept once each."""

from __future__ import annotations

from dss_sim.effects import Effect, EffectKind

from tests.support.differential import KEEP_VIOLATIONS, Report, Violation
from tests.support.effects_judge import Scope
from tests.support.fuzz_corpus import CORPUS
from tests.support.raw_http import encode
from tests.support.requests_gen import FuzzRequest, Mutation, RawRequest


def violation(call: str = "zone/callScene") -> Violation:
    request = FuzzRequest(CORPUS[0], (Mutation("value", "sceneNumber", "65"),))
    effect = Effect(EffectKind.ACTION, call, zone=0, group=0, scene=65)
    return Violation(Scope("operate"), request, effect, "scene 65", minimal=request)


def test_reports_merge_counts_and_keep_each_violation_once() -> None:
    one, two = Report(sent=2, violation_count=1), Report(sent=3, violation_count=2)
    one.statuses.update({200: 2})
    two.statuses.update({200: 1, 403: 2})
    one.violations.append(violation())
    two.violations += [violation(), violation("apartment/callScene")]
    total = Report()
    total.merge(one)
    total.merge(two)
    assert (total.sent, total.violation_count) == (5, 3)
    assert total.statuses == {200: 3, 403: 2}
    assert [v.effect.call for v in total.violations] == ["zone/callScene", "apartment/callScene"]


def test_a_report_keeps_a_bounded_number_of_violations() -> None:
    total = Report()
    for i in range(KEEP_VIOLATIONS + 5):
        total.merge(Report(violations=[violation(f"zone/call{i}")]))
    assert len(total.violations) == KEEP_VIOLATIONS


def test_the_summary_shows_the_reproduction() -> None:
    report = Report(sent=1, violation_count=1, violations=[violation()])
    report.statuses[200] += 1
    text = report.summary()
    assert "requests sent: 1" in text
    assert "VIOLATION for a operate/zones=all share: scene 65" in text
    assert "reproduction:" in text


def test_requests_go_out_byte_for_byte() -> None:
    raw = RawRequest("POST", b"/json/zone/callScene?id=%+9989", b"sceneNumber=5", ("a=1;token=X",))
    wire = encode(raw, "share=abc")
    assert wire.startswith(b"POST /json/zone/callScene?id=%+9989 HTTP/1.1\r\n")
    assert b"\r\nCookie: share=abc; a=1;token=X\r\n" in wire
    assert wire.endswith(b"Content-Length: 13\r\n\r\nsceneNumber=5")
