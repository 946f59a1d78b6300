"""Simulator fidelity found by the red team (round 2): places where the simulator answers
differently from the 2017 dSS source, in a way a defence of the add-on depends on.

Each test cites the source function (they were xfail(strict=True) until the simulator was
fixed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.conftest import DssHttp

METER_EG = "3504175fe000000000000000000043a700"  # dSM Erdgeschoss: Wohnen (989) and Küche (990)


# zone.cpp Zone::addToDSMeter: `dsMeter->getPropertyNode()->createProperty("zones/" +
# intToString(zoneID))->alias(zone->m_pPropertyNode)`: below each dSM, `zones/<id>` (a plain
# number) is an alias of the whole `/apartment/zones/zone<id>` node (name, devices, groups,
# scenes, heating). The simulator had `zones/zone<id>` with only a ZoneID, so a zone-restricted
# share reading another room through the dSM alias showed nothing.
async def test_a_meter_zone_entry_is_an_alias_of_the_zone_node(dss: DssHttp, token: str) -> None:
    base = f"/apartment/dSMeters/{METER_EG}/zones/989"
    name = await dss.ok(f"/json/property/getString?path={base}/name", token)
    assert name == {"value": "Wohnen"}
    children = await dss.ok(f"/json/property/getChildren?path={base}", token)
    assert {c["name"] for c in children} >= {"ZoneID", "name", "devices", "groups"}


# staterequesthandler.cpp set -> apartment.cpp Apartment::getState(identifier, name): a state
# that no add-on registered is `DS_FAIL_REQUIRE("State not found", name)` (an exception: 500);
# the simulator created any /usr/addon-states/<addon>/<name>/state instead, so tests of
# state/set showed effects the real dSS would refuse.
async def test_state_set_of_an_unregistered_addon_state_fails(dss: DssHttp, token: str) -> None:
    await dss.fail("/json/state/set?addon=no-such-addon&name=x&value=active", token, status=500)
