"""Red team, round 2: attacks on the canonical proxy read against the real dSS source
(packi/dss-mainline, 2017). Each test drives the real stack and judges the effect at the
simulator (its effects log, model state or recorded calls).

A test marked xfail(strict=True) is an open finding: it passes once the product is fixed."""

from __future__ import annotations

import aiohttp
import pytest
from dss_sim.effects import EffectKind

from tests.integration.attacks.support import exact, forwarded, owner_call
from tests.support.share_site import open_share
from tests.support.stack import Stack

KUECHE, WOHNEN = 990, 989
LIGHT_KUECHE = "303505d7f80000000000000061fc6eb300"
SHADE_KUECHE = "303505d7f800000000000000c4c5106600"
METER_EG = "3504175fe000000000000000000043a700"  # dSM Erdgeschoss: Wohnen and Küche
PANIC = 65


async def _panic(stack: Stack) -> None:
    """The homeowner (or the alarm system) calls the apartment's panic scene."""
    await owner_call(stack, "apartment", "callScene", {"sceneNumber": str(PANIC)})
    assert stack.sim.device(LIGHT_KUECHE).last_called_scene == PANIC


# deviceinterfacerequesthandler.cpp undoScene: strToIntDef(sceneNumber, -1) == -1 ->
# interface->undoSceneLast(): whatever the target called last is undone, an apartment scene
# (panic, fire, alarm) included. The policy requires a number only for zone 0.
@pytest.mark.parametrize(
    "target",
    [
        f"/json/device/undoScene?dsuid={LIGHT_KUECHE}",
        f"/json/zone/undoScene?id={KUECHE}",
        f"/json/zone/undoScene?id={KUECHE}&groupID=1",
    ],
)
async def test_a_room_share_cannot_undo_the_panic_scene(
    stack: Stack, http: aiohttp.ClientSession, target: str
) -> None:
    helper = await open_share(http, stack, level="operate", zones=[KUECHE])
    await _panic(stack)
    await exact(helper, "GET", target)
    # The panic scene is still what the kitchen light shows.
    assert stack.sim.device(LIGHT_KUECHE).last_called_scene == PANIC


async def test_an_explicit_room_scene_undo_still_works(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="operate", zones=[KUECHE])
    status, text = await exact(
        helper, "GET", f"/json/device/callScene?dsuid={LIGHT_KUECHE}&sceneNumber=5"
    )
    assert status == 200, text
    status, text = await exact(
        helper, "GET", f"/json/device/undoScene?dsuid={LIGHT_KUECHE}&sceneNumber=5"
    )
    assert status == 200, text
    assert stack.sim.device(LIGHT_KUECHE).last_called_scene == 0


async def _wind(stack: Stack) -> None:
    await owner_call(
        stack, "property", "setString", {"path": "/usr/states/wind/state", "value": "active"}
    )
    assert stack.sim.state("wind") == "active"


# sceneaccess.cpp SceneAccess::checkAccess: "manual scene calls are never blocked"; and
# deviceinterfacerequesthandler.cpp getCategory: no `category` parameter means "manual". The
# wind and fire protections of the blinds (group 2) only hold against timer/algorithm/unknown
# calls: a remote share that sends no category (or category=manual) drives the awnings out in
# a storm, or the shades down during a fire, as if someone stood at the switch.
@pytest.mark.parametrize(
    "target",
    [
        f"/json/zone/callScene?id={KUECHE}&groupID=2&sceneNumber=5",
        f"/json/zone/callScene?id={KUECHE}&groupID=2&sceneNumber=5&category=manual",
        f"/json/device/callScene?dsuid={SHADE_KUECHE}&sceneNumber=5",
        f"/json/device/setValue?dsuid={SHADE_KUECHE}&value=255",
        f"/json/zone/turnOn?id={KUECHE}&groupID=2",
        # devicerequesthandler.cpp setOutputChannelValue: no scene access check at all.
        f"/json/device/setOutputChannelValue?dsuid={SHADE_KUECHE}&channelvalues=brightness=100",
    ],
)
async def test_a_share_cannot_override_the_wind_protection_of_blinds(
    stack: Stack, http: aiohttp.ClientSession, target: str
) -> None:
    helper = await open_share(http, stack, level="operate", zones=[KUECHE])
    await _wind(stack)
    mark = stack.sim.effects.mark()
    await exact(helper, "GET", target)
    actions = [e for e in stack.sim.effects.since(mark) if e.kind is EffectKind.ACTION]
    assert actions == []


# Not a finding: the same call with a non-manual category is refused by the dSS itself.
async def test_a_timer_category_blind_call_is_blocked_by_the_dss_in_wind(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="operate", zones=[KUECHE])
    await _wind(stack)
    mark = stack.sim.effects.mark()
    await exact(
        helper, "GET", f"/json/zone/callScene?id={KUECHE}&groupID=2&sceneNumber=5&category=timer"
    )
    assert [e for e in stack.sim.effects.since(mark) if e.kind is EffectKind.ACTION] == []


def _subscriptions(stack: Stack) -> int:
    return sum(len(per_session) for per_session in stack.sim.events.subscriptions.values())


# eventrequesthandler.cpp subscribe -> session.cpp Session::subscribeEventSubscription: one
# EventSubscriptionSession per new subscriptionID, with no limit; eventcollector.cpp
# EventCollector::handleEvent appends every matching event to m_PendingEvents, a vector that
# only event/get drains. A view share that subscribes under many ids and never polls makes
# every event on the bus be copied into every one of those queues, for as long as the share
# lasts (days): the dSS's memory grows without bound (a dSS11 has 128 MB) and the event
# interpreter matches each event against every subscription. The proxy rate-limits requests,
# but not the number of standing subscriptions.
async def test_a_share_cannot_pile_up_event_subscriptions_on_the_dss(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="view", zones=[KUECHE])
    before = _subscriptions(stack)
    for i in range(100):
        await exact(helper, "GET", f"/json/event/subscribe?name=callScene&subscriptionID={i}")
    # A configurator page needs a handful; anything beyond a small cap must be refused.
    assert _subscriptions(stack) - before <= 16


# zone.cpp Zone::addToDSMeter: /apartment/dSMeters/<dsuid>/zones/<id> is an alias of the whole
# /apartment/zones/zone<id> node (and PropertyNode::getChildNodes/getProperty follow aliases,
# so queries walk through it). The policy's zone scope for property reads only looks at
# /apartment/zones/...: a share restricted to the kitchen reads the living room (names,
# devices, groups, scene names, heating values) through the meter both rooms hang on.
@pytest.mark.parametrize(
    ("method", "param"),
    [
        ("getString", f"path=/apartment/dSMeters/{METER_EG}/zones/{WOHNEN}/name"),
        ("getChildren", f"path=/apartment/dSMeters/{METER_EG}/zones/{WOHNEN}/devices"),
        ("query", "query=/apartment/dSMeters/*/zones/*(*)"),
        ("query", f"query=/apartment/dSMeters/{METER_EG}/zones/{WOHNEN}/groups/*/scenes/*(*)"),
    ],
)
async def test_a_room_share_cannot_read_another_room_through_the_meter_alias(
    stack: Stack, http: aiohttp.ClientSession, method: str, param: str
) -> None:
    helper = await open_share(http, stack, level="view", zones=[KUECHE])
    path = f"/json/property/{method}"
    mark = len(stack.sim.calls)
    status, _ = await exact(helper, "GET", f"{path}?{param}")
    assert status == 403
    assert forwarded(stack, path, mark) == []


# staterequesthandler.cpp set: with a non-empty `addon`, Apartment::getState(addon, name) is any
# state whose provider service is that add-on; only addon="" is checked against a white list.
# The property rules let a configure share write /scripts/<add-on>/ only for add-ons the owner
# listed, never system-addon-*; state/set writes the states of every add-on, the system's own
# included (state changes are what the owner's automations and the system add-ons react to).
@pytest.mark.parametrize(
    "addon", ["system-addon-user-defined-states", "system-addon-scene-responder", "other-addon"]
)
async def test_a_configure_share_cannot_set_the_states_of_unlisted_addons(
    stack: Stack, http: aiohttp.ClientSession, addon: str
) -> None:
    # A state the add-on registered (the dSS refuses states nobody registered).
    stack.sim.tree().set(f"/usr/addon-states/{addon}/alarm1/state", "inactive")
    helper = await open_share(http, stack, level="configure")
    mark = stack.sim.effects.mark()
    await exact(helper, "GET", f"/json/state/set?addon={addon}&name=alarm1&value=active")
    assert [e.path for e in stack.sim.effects.since(mark) if e.kind is EffectKind.CONFIG] == []


TADO_PASSWORD = "/scripts/tado/config/password"


# Property reads under /scripts are open to every configure share (rules.py
# PROPERTY_CONFIGURE_READ_PREFIXES), for every add-on, listed for shares or not, and for
# zone-restricted shares too; only the remote-connectivity subtree is blocked. Add-ons keep
# their secrets there: the tado add-on (zynick/digitalstrom-addon-tado, scripts/config.js)
# stores the homeowner's tado account as Property.setSavedProperty('config/username') and
# 'config/password' (XOR with a key that ships in the add-on: plain text in effect).
@pytest.mark.parametrize(
    ("method", "param"),
    [
        ("getString", f"path={TADO_PASSWORD}"),
        ("query", "query=/scripts/tado/config(*)"),
        ("query", "query=/scripts/tado/*(*)"),
    ],
)
async def test_a_room_configure_share_cannot_read_an_addons_stored_password(
    stack: Stack, http: aiohttp.ClientSession, method: str, param: str
) -> None:
    await owner_call(stack, "property", "setString", {"path": TADO_PASSWORD, "value": "xor-pw"})
    helper = await open_share(http, stack, level="configure", zones=[KUECHE])
    mark = stack.sim.effects.mark()
    await exact(helper, "GET", f"/json/property/{method}?{param}")
    reads = [e.path for e in stack.sim.effects.since(mark) if e.kind is EffectKind.READ]
    assert not [p for p in reads if p.startswith("/scripts/tado/config")]
