"""The oracle of the differential proof, table-driven: every rule with an allow and a deny row."""

from __future__ import annotations

import pytest
from dss_sim.effects import Effect, EffectKind

from tests.support.effects_judge import Scope, is_apartment_wide_group, judge, zone_of_path

READ, WRITE = EffectKind.READ, EffectKind.WRITE
ACTION, CONFIG = EffectKind.ACTION, EffectKind.CONFIG
RAISE, BUSY, CRASH = EffectKind.RAISE, EffectKind.BUSY_POLL, EffectKind.CRASH
ADDONS = frozenset({"tado"})
RAISES = frozenset({"my.evt", "pre.*"})
LIGHT_989 = "303505d7f800000000000000cf4b9c1f00"
LIGHT_990 = "303505d7f800000000000000be9aa91800"
SYSTEM_ADDON_OPENED = Scope("configure", (), frozenset({"system-addon-x"}))
ZONES = {LIGHT_989: 989, LIGHT_990: 990}


def scope(level: str, *zones: int) -> Scope:
    return Scope(level, zones, ADDONS, RAISES)


def decide(s: Scope, effect: Effect) -> bool:
    return judge(s, effect, ZONES.get).allowed


def e(kind: EffectKind, **fields: object) -> Effect:
    return Effect(kind, "x/y", **fields)  # type: ignore[arg-type]  # fields named per test row


@pytest.mark.parametrize(
    ("s", "effect", "allowed"),
    [
        # never, whatever the level
        (scope("configure"), e(CRASH, detail="relative path"), False),
        (scope("configure"), e(BUSY), False),
        (scope("configure"), e(READ, path="/system/security/applicationTokens"), False),
        (scope("configure"), e(READ, path="/system/security"), False),
        (scope("configure"), e(READ, path="/scripts/system-addon-remote-connectivity/t"), False),
        (scope("configure"), e(ACTION, zone=989, group=1, scene=65), False),
        (scope("configure"), e(ACTION, zone=0, group=0, scene=64), False),
        (scope("configure"), e(CONFIG, zone=989, group=1, scene=76), False),
        (scope("configure"), e(ACTION, device=LIGHT_989, scene=-1), False),
        # reads by level
        (scope("view"), e(READ, path="/apartment/zones/zone989/name"), True),
        (scope("view"), e(READ, path="/usr/states/presence/state"), True),
        (scope("view"), e(READ, path="/system/version/version"), True),
        (scope("view"), e(READ, path="/system/versions"), False),
        (scope("view"), e(READ, path="/system"), False),
        (scope("view"), e(READ, path="/config/x"), False),
        (scope("view"), e(READ, path="/scripts/tado/x"), False),
        (scope("operate"), e(READ, path="/scripts/tado/x"), False),
        (scope("configure"), e(READ, path="/scripts/tado/x"), True),
        (scope("view"), e(READ, path="apartment"), False),
        # writes: configure, no zones, /scripts/<listed add-on>/...
        (scope("configure"), e(WRITE, path="/scripts/tado/x"), True),
        (scope("configure"), e(WRITE, path="/scripts/tado/a/b"), True),
        (scope("configure"), e(WRITE, path="/scripts/tado"), False),
        (scope("configure"), e(WRITE, path="/scripts/other/x"), False),
        (scope("configure"), e(WRITE, path="/usr/states/fire/state"), False),
        (scope("configure"), e(WRITE, path="/scripts//x"), False),
        (SYSTEM_ADDON_OPENED, e(WRITE, path="/scripts/system-addon-x/a"), False),
        (scope("configure", 989), e(WRITE, path="/scripts/tado/x"), False),
        (scope("operate"), e(WRITE, path="/scripts/tado/x"), False),
        # actions and configuration by level
        (scope("view"), e(ACTION, zone=989, group=1, scene=5), False),
        (scope("operate"), e(ACTION, zone=989, group=1, scene=5), True),
        (scope("operate"), e(ACTION, zone=0, group=1, scene=5), True),
        (scope("operate"), e(CONFIG, zone=989, group=1, scene=5), False),
        (scope("configure"), e(CONFIG, zone=989, group=1, scene=17), True),
        (scope("configure"), e(CONFIG, device=LIGHT_989, group=16), True),
        # raise
        (scope("operate"), e(RAISE, detail="my.evt"), False),
        (scope("configure"), e(RAISE, detail="my.evt"), True),
        (scope("configure"), e(RAISE, detail="pre.x"), True),
        (scope("configure"), e(RAISE, detail="running"), False),
        (scope("configure"), e(RAISE, detail=""), False),
        # zone-restricted shares
        (scope("operate", 989), e(ACTION, zone=989, group=1, scene=5), True),
        (scope("operate", 989), e(ACTION, zone=990, group=1, scene=5), False),
        (scope("operate", 989), e(ACTION, zone=0, group=1, scene=5), False),
        (scope("operate", 989), e(ACTION, device=LIGHT_989, scene=5), True),
        (scope("operate", 989), e(ACTION, device=LIGHT_990, scene=5), False),
        (scope("operate", 989), e(ACTION, device="ff" * 17, scene=5), False),
        (scope("operate", 989, 990), e(ACTION, device=LIGHT_990), True),
        (scope("view", 989), e(READ, path="/apartment/zones/zone989/name"), True),
        (scope("view", 989), e(READ, path="/apartment/zones/zone990/name"), False),
        (scope("view", 989), e(READ, path="/apartment/zones/zone0/name"), False),
        (scope("view", 989), e(READ, path="/apartment/zones/foo"), False),
        (scope("view", 989), e(READ, path="/apartment/zones"), True),
        (scope("view", 989), e(READ, path="/apartment/devices/x", device=LIGHT_990), False),
        (scope("view", 989), e(READ, path="/apartment/zones/zone989/x", zone=990), False),
        (scope("configure", 989), e(CONFIG, device=LIGHT_989, group=1), True),
        (scope("configure", 989), e(CONFIG, device=LIGHT_989, group=48), True),
        (scope("configure", 989), e(CONFIG, device=LIGHT_989, group=16), False),
        (scope("configure", 989), e(CONFIG, device=LIGHT_989, group=39), False),
        (scope("configure", 989), e(CONFIG, device=LIGHT_989, group=40), True),
        (scope("configure", 989), e(CONFIG, device=LIGHT_989, group=63), False),
        (scope("configure", 989), e(CONFIG, device=LIGHT_989, group=64), False),
        (scope("configure", 989), e(CONFIG, zone=989, group=1, scene=17), True),
        (scope("configure", 989), e(CONFIG, zone=990, group=1, scene=17), False),
    ],
)  # fmt: skip
def test_the_judge_follows_the_rules(s: Scope, effect: Effect, allowed: bool) -> None:
    assert decide(s, effect) is allowed, judge(s, effect, ZONES.get).reason


def test_every_denial_says_why() -> None:
    verdict = judge(scope("view"), e(READ, path="/system/security/x"), ZONES.get)
    assert not verdict.allowed
    assert "/system/security" in verdict.reason


def test_zone_of_path_reads_only_zone_segments() -> None:
    assert zone_of_path("/apartment/zones/zone989/name") == 989
    assert zone_of_path("/apartment/zones/zone0") == 0
    assert zone_of_path("/apartment/zones/zonex") == -1
    assert zone_of_path("/apartment/zones/989") == -1
    assert zone_of_path("/apartment/zones") is None
    assert zone_of_path("/apartment/devices/x") is None


def test_apartment_wide_groups_are_all_but_the_per_zone_ones() -> None:
    assert [g for g in range(256) if not is_apartment_wide_group(g)] == [
        *range(16),
        *range(40, 56),
    ]
