"""The oracle of the differential proof, table-driven: every rule with an allow and a deny row."""

from __future__ import annotations

import pytest
from dss_sim.effects import Effect, EffectKind

from tests.support.effects_judge import (
    Scope,
    is_apartment_wide_group,
    is_secret_like,
    judge,
    zone_of_path,
)

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


def e(kind: EffectKind, call: str = "x/y", **fields: object) -> Effect:
    if kind is ACTION:
        fields.setdefault("access", "algorithm")  # what the proxy sends (rows below vary it)
    return Effect(kind, call, **fields)  # type: ignore[arg-type]  # fields named per test row


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


TADO = "/scripts/tado"
UNDO = "zone/undoScene"


@pytest.mark.parametrize(
    ("s", "effect", "allowed"),
    [
        # /scripts: configure shares without zones, below a listed add-on's node only
        (scope("configure"), e(READ, path=TADO), True),
        (scope("configure"), e(READ, path=f"{TADO}/config/user"), True),
        (scope("configure"), e(READ, path="/scripts"), False),
        (scope("configure"), e(READ, path="/scripts/other"), False),
        (scope("configure"), e(READ, path="/scripts/other/version"), False),
        (scope("configure"), e(READ, path="/scripts/system-addon-timed-events/version"), False),
        (SYSTEM_ADDON_OPENED, e(READ, path="/scripts/system-addon-x/a"), False),
        (scope("configure", 989), e(READ, path=f"{TADO}/version"), False),
        (scope("configure", 989), e(READ, path=TADO), False),
        # secret-like names: never, anywhere, whole segment or part of one, any case
        (scope("configure"), e(READ, path=f"{TADO}/config/password"), False),
        (scope("configure"), e(READ, path=f"{TADO}/config/PassWord"), False),
        (scope("configure"), e(READ, path=f"{TADO}/apiKey"), False),
        (scope("configure"), e(READ, path=f"{TADO}/keyboard"), False),  # broad on purpose
        (scope("configure"), e(READ, path=f"{TADO}/oauth/x"), False),
        (scope("configure"), e(READ, path=f"{TADO}/sessionId"), False),
        (scope("configure"), e(READ, path=f"{TADO}/x/pwd"), False),
        (scope("view"), e(READ, path="/apartment/zones/zone989/secret"), False),
        (scope("view"), e(READ, path="/usr/states/tokens/state"), False),
        (scope("view"), e(READ, path="/usr/addon-states/tado/Credentials/state"), False),
        (scope("view"), e(READ, path="/apartment/zones/zone989/name"), True),
        (scope("configure"), e(WRITE, path=f"{TADO}/config/password"), False),
        (scope("configure"), e(WRITE, path=f"{TADO}/config/user"), True),
        # a zone-restricted share below /apartment: its zones' nodes only
        (scope("view", 989), e(READ, path="/apartment"), True),
        (scope("view", 989), e(READ, path="/apartment/name"), True),
        (scope("view", 989), e(READ, path="/apartment/zones/zone989"), True),
        (scope("view", 989), e(READ, path="/apartment/zones/zone989/devices/x/name"), True),
        (scope("view", 989), e(READ, path="/apartment/dSMeters"), False),
        (scope("view", 989), e(READ, path="/apartment/dSMeters/m/zones/989/name"), False),
        (scope("view", 989), e(READ, path="/apartment/dSMeters/m/name"), False),
        (scope("view", 989), e(READ, path="/apartment/devices"), False),
        (scope("view"), e(READ, path="/apartment/dSMeters/m/zones/989/name"), True),
        # ... and below /usr: a state's own values, not its device/ or dSMeter/ entries
        (scope("view", 989), e(READ, path="/usr/states"), True),
        (scope("view", 989), e(READ, path="/usr/states/wind"), True),
        (scope("view", 989), e(READ, path="/usr/states/wind/state"), True),
        (scope("view", 989), e(READ, path="/usr/states/s/device"), True),  # names only
        (scope("view", 989), e(READ, path="/usr/states/s/device/inputIndex"), False),
        (scope("view", 989), e(READ, path="/usr/states/s/dSMeter/m/name"), False),
        (scope("view", 989), e(READ, path="/usr/addon-states/tado/heating/state"), True),
        (scope("view", 989), e(READ, path="/usr/addon-states/tado/h/device/x"), False),
        (scope("view"), e(READ, path="/usr/states/s/device/inputIndex"), True),
        # state/set: configure without zones; add-on states of listed add-ons only
        (scope("configure"), e(CONFIG, path="/usr/states/heating_system/state"), True),
        (scope("configure"), e(CONFIG, path="/usr/addon-states/tado/heating/state"), True),
        (scope("configure"), e(CONFIG, path="/usr/addon-states/other/alarm1/state"), False),
        (SYSTEM_ADDON_OPENED, e(CONFIG, path="/usr/addon-states/system-addon-x/g/state"), False),
        (scope("configure", 989), e(CONFIG, path="/usr/states/heating_system/state"), False),
        (scope("configure", 989), e(CONFIG, path="/usr/addon-states/tado/h/state"), False),
        (scope("operate"), e(CONFIG, path="/usr/states/heating_system/state"), False),
        (scope("configure"), e(CONFIG, path="/usr/states"), False),
        (scope("configure"), e(CONFIG, path="/usr/addon-states/tado"), False),
        (scope("configure"), e(CONFIG, path="/scripts/tado/x"), False),
        # undo without a scene number: may undo an apartment scene (panic)
        (scope("operate"), e(ACTION, UNDO, zone=989, group=1, detail="last"), False),
        (scope("operate"), e(ACTION, "device/undoScene", device=LIGHT_989), False),
        (scope("operate"), e(ACTION, UNDO, zone=989, group=1, scene=5), True),
        (scope("operate"), e(ACTION, "device/blink", device=LIGHT_989, detail="blink"), True),
        # scene access: every action must be one the wind/fire protection holds against
        (scope("operate"), e(ACTION, zone=989, group=2, scene=5, access="manual"), False),
        (scope("operate"), e(ACTION, device=LIGHT_989, access="unchecked"), False),
        (scope("operate"), e(ACTION, zone=989, group=2, scene=5, access=""), False),
        (scope("operate"), e(ACTION, zone=989, group=2, scene=5, access="timer"), True),
        (scope("operate"), e(ACTION, zone=989, group=2, scene=5, access="unknown"), True),
        (scope("operate", 989), e(ACTION, device=LIGHT_989, access="manual"), False),
    ],
)  # fmt: skip
def test_the_judge_follows_the_red_team_rules(s: Scope, effect: Effect, allowed: bool) -> None:
    assert decide(s, effect) is allowed, judge(s, effect, ZONES.get).reason


def test_secret_words_match_inside_any_segment() -> None:
    assert is_secret_like("/scripts/a/config/userPassword")
    assert is_secret_like("/a/AUTH")
    assert not is_secret_like("/apartment/zones/zone989/name")
    assert not is_secret_like("/scripts/tado/config/user")


def test_the_default_fixture_has_no_secret_like_name_where_a_share_may_read() -> None:
    """Legitimate reads never trip the secret rule: every secret-like node of the default
    dss-sim tree is below a prefix no share reads anyway."""
    from dss_sim.clock import ManualClock
    from dss_sim.config import SimConfig
    from dss_sim.properties import canonical_path
    from dss_sim.sim import Simulator

    from tests.support.effects_judge import CONFIGURE_READ_PREFIXES, NEVER_READ, is_under

    tree = Simulator(config=SimConfig(), clock=ManualClock()).tree()
    stack, secret = list(tree.children), []
    while stack:
        node = stack.pop()
        path = canonical_path(node)
        if is_secret_like(path):
            secret.append(path)
        if node.alias is None:
            stack.extend(node.children)
    assert secret  # the fixture has secrets: the walk reached them
    readable = [
        p
        for p in secret
        if any(is_under(p, r) for r in CONFIGURE_READ_PREFIXES)
        and not any(is_under(p, n) for n in NEVER_READ)
    ]
    assert readable == []
