"""Red team, round 4: attacks on the round-3 fixes and on what is left, read against the real
dSS source (packi/dss-mainline, 2017). Each test drives the real stack and judges the effect at
the simulator (its recorded calls, effects log or model state).

Each finding is fixed; its test guards the defence.
Where the simulator does not yet do what the source does (hw-sim/tests/test_redteam_fidelity4.py)
the test judges the calls the simulator received, as the dSS would have executed them."""

from __future__ import annotations

import aiohttp
import pytest
from dss_sim.model import Device

from tests.integration.attacks.support import exact, forwarded
from tests.support.share_site import open_share
from tests.support.stack import Stack

KUECHE, WOHNEN = 990, 989
METER_EG = "3504175fe000000000000000000043a700"  # dSM Erdgeschoss: Wohnen and Küche
HOOD_KUECHE = "303505d7f80000000000000024c502ca00"  # "Dunstabzug", a switch terminal
# ds485types.cpp dsuid_get_next_dsuid (libdsuid): a device's 2-way partner is the device whose
# dSUID is the next one (serial + 1). Such pairs are real: a TKM/UMR with two button inputs
# reports two dSUIDs in a row, and an installer may put the halves in two rooms.
PARTNER_WOHNEN = "303505d7f80000000000000024c502cb00"
PAIRING_MODES = ("2way", "2way_up", "2way_down", "1way_combined")


def _partner_in_wohnen(stack: Stack) -> Device:
    partner = Device(
        dsuid=PARTNER_WOHNEN,
        dsid="303505d7f800000024c502cb",
        name="Taster Wohnen Tür",
        zone_id=WOHNEN,
        groups=[1],
        meter_dsuid=METER_EG,
        hw_info="SW-TKM210",
        function_id=33056,
    )
    stack.sim.apartment.devices[PARTNER_WOHNEN] = partner
    return partner


# devicerequesthandler.cpp setButtonInputMode (a configure call that zone-restricted shares may
# make: only setButtonActiveGroup, setButtonID, setJokerGroup... are blocked for them): for every
# mode but "1way", `pPartnerDevice = pDevice->getPartnerDevice()` (device.cpp: the device with
# the next dSUID, wherever it is) gets the paired button input mode, and then
#     if (pDevice->getZoneID() != pPartnerDevice->getZoneID())
#       m_manipulator.addDeviceToZone(pPartnerDevice, zone);
#     m_manipulator.deviceRemoveFromGroups(pPartnerDevice);   // out of its clusters
#     m_manipulator.setJokerGroup(pPartnerDevice, pDevice->getActiveGroup());
# A kitchen share MOVES the living room's device into the kitchen (persistently, on the dSM),
# takes it out of the apartment's clusters, re-programs its button, gets its full JSON in the
# answer (toJSON of the partner), and from then on the policy sees it as a kitchen device: every
# device/* call on it passes. The decision only checks the addressed device's zone.
@pytest.mark.parametrize("mode", PAIRING_MODES)
async def test_a_room_share_cannot_pull_another_rooms_device_in_by_button_pairing(
    stack: Stack, http: aiohttp.ClientSession, mode: str
) -> None:
    partner = _partner_in_wohnen(stack)
    helper = await open_share(http, stack, level="configure", zones=[KUECHE])
    path = "/json/device/setButtonInputMode"
    mark = len(stack.sim.calls)
    await exact(helper, "GET", f"{path}?dsuid={HOOD_KUECHE}&mode={mode}")
    # What the dSS would have executed: a pairing of the kitchen device, whose partner
    # (the next dSUID) lives in the living room.
    paired = [p for p in forwarded(stack, path, mark) if p.get("mode") in PAIRING_MODES]
    assert (partner.zone_id, paired) == (WOHNEN, [])


# "1way" un-pairs without moving anything (the handler returns before the move), but it still
# answers with the partner's full device data (toJSON of the next-dSUID device, wherever it
# is) and may switch that partner back: refused for a room share as well. A whole-home
# configure share keeps every mode.
async def test_button_modes_stay_with_whole_home_shares(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    _partner_in_wohnen(stack)
    path = "/json/device/setButtonInputMode"
    room = await open_share(http, stack, level="configure", zones=[KUECHE])
    mark = len(stack.sim.calls)
    status, _ = await exact(room, "GET", f"{path}?dsuid={HOOD_KUECHE}&mode=1way")
    assert (status, forwarded(stack, path, mark)) == (403, [])
    home = await open_share(http, stack, level="configure")
    status, text = await exact(home, "GET", f"{path}?dsuid={HOOD_KUECHE}&mode=1way")
    assert status == 200, text
    assert [p["mode"] for p in forwarded(stack, path, mark)] == ["1way"]


OUTDOOR_SENSOR_TYPES = (10, 12, 14, 15, 16, 17, 18, 19, 20)


# zonerequesthandler.cpp setSensorSource: the policy checks that `id` is the share's zone and
# `dsuid` a device in it, but for the outdoor sensor types (TemperatureOutdoors 10,
# BrightnessOutdoors 12, HumidityOutdoors 14, AirPressure 15, GustSpeed 16, GustDirection 17,
# WindSpeed 18, WindDirection 19, Precipitation 20) the handler does `pZone =
# m_Apartment.getZone(0)` and StructureManipulator::setZoneSensor assigns the APARTMENT's
# outdoor sensor: a kitchen share replaces the home's outdoor temperature / wind / rain sensor
# with a device of its own room, persistently (on every dSM), for the heating controllers and
# everything that reads the apartment's weather values. (The simulator still records this on
# the named zone: hw-sim/tests/test_redteam_fidelity4.py.)
@pytest.mark.parametrize("sensor_type", [10, 18, 20])
async def test_a_room_share_cannot_reassign_the_apartments_outdoor_sensors(
    stack: Stack, http: aiohttp.ClientSession, sensor_type: int
) -> None:
    helper = await open_share(http, stack, level="configure", zones=[KUECHE])
    path = "/json/zone/setSensorSource"
    mark = len(stack.sim.calls)
    await exact(
        helper, "GET", f"{path}?id={KUECHE}&dsuid={HOOD_KUECHE}&sensorType={sensor_type}"
    )
    outdoor = [
        p for p in forwarded(stack, path, mark)
        if int(p.get("sensorType", "-1")) in OUTDOOR_SENSOR_TYPES
    ]
    assert outdoor == []


# Not a finding: an indoor sensor of the room itself.
async def test_a_room_share_may_assign_its_rooms_indoor_sensor(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    helper = await open_share(http, stack, level="configure", zones=[KUECHE])
    status, text = await exact(
        helper,
        "GET",
        f"/json/zone/setSensorSource?id={KUECHE}&dsuid={HOOD_KUECHE}&sensorType=9",
    )
    assert status == 200, text


# zonerequesthandler.cpp setTemperatureControlConfig: `ReferenceZone` (and in
# setTemperatureControlConfig2 the `zoneFollowerMode` JSON's "referenceZone", zone.cpp
# ZoneHeatingProperties::parseFollowerMode) names ANOTHER zone: in zone-follower mode the room's
# valves follow that zone's controller, and the room's own status and values
# (getTemperatureControlStatus/Values, getTemperatureControlInternals) then report the
# reference zone's control value: how hard the other room heats (windows open, people home).
# The policy checks only `id`.
@pytest.mark.parametrize(
    "target",
    [
        f"/json/zone/setTemperatureControlConfig?id={KUECHE}&ControlMode=2"
        f"&ReferenceZone={WOHNEN}",
        f"/json/zone/setTemperatureControlConfig2?id={KUECHE}&zoneFollowerMode="
        f"%7B%22referenceZone%22%3A{WOHNEN}%7D",
    ],
)
async def test_a_room_share_cannot_make_its_heating_follow_another_room(
    stack: Stack, http: aiohttp.ClientSession, target: str
) -> None:
    helper = await open_share(http, stack, level="configure", zones=[KUECHE])
    path = target.partition("?")[0]
    mark = len(stack.sim.calls)
    await exact(helper, "GET", target)
    sent = forwarded(stack, path, mark)
    named = [p for p in sent if str(WOHNEN) in (p.get("ReferenceZone", "")
                                                 + p.get("zoneFollowerMode", ""))]
    assert named == []
