"""The whole application-token flow and event delivery over a real socket, as a client sees it."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.conftest import DssHttp, Structure

HEX64 = re.compile(r"[0-9a-f]{64}")
ZERO_DSUID = "0" * 34


async def test_app_token_flow_and_scene_event_delivery_end_to_end(
    dss: DssHttp, structure: Structure
) -> None:
    # 1. Logged out: request an application token.
    reply = await dss.get("/json/system/requestApplicationToken?applicationName=e2e")
    app_token = reply.json()["result"]["applicationToken"]
    assert HEX64.fullmatch(app_token)
    assert reply.set_cookies == []

    # 2. The owner logs in and 3. enables it.
    owner = await dss.login()
    reply = await dss.get(f"/json/system/enableToken?applicationToken={app_token}", token=owner)
    assert reply.text == '{"ok":true}'

    # 4. The application logs in with it.
    reply = await dss.get(f"/json/system/loginApplication?loginToken={app_token}")
    app_session = reply.json()["result"]["token"]
    assert reply.set_cookies == [f"token={app_session}; path=/; HttpOnly; Secure"]

    # 5. It subscribes to callScene.
    await dss.subscribe(app_session, "callScene", "1001")

    # 6. Someone else calls a zone scene.
    zone_id = structure.room["id"]
    reply = await dss.get(
        f"/json/zone/callScene?id={zone_id}&groupID=1&sceneNumber=17", token=owner
    )
    assert reply.text == '{"ok":true}'

    # 7. event/get delivers it with the §3.8 properties.
    event = await dss.wait_event(app_session, "callScene", "1001")
    assert event["name"] == "callScene"
    properties = event["properties"]
    assert properties["sceneID"] == "17"
    assert properties["groupID"] == "1"
    assert properties["zoneID"] == str(zone_id)
    assert properties["originDSUID"] == ZERO_DSUID
    assert properties["callOrigin"] == "2"
    assert isinstance(properties["originToken"], str)
    assert all(isinstance(v, str) for v in properties.values())
    assert event["source"] == {
        "set": f".zone({zone_id}).group(1)",
        "groupID": 1,
        "zoneID": zone_id,
        "isApartment": False,
        "isGroup": True,
        "isDevice": False,
    }
    assert await dss.ok(f"/json/zone/getLastCalledScene?id={zone_id}&groupID=1", owner) == {
        "scene": 17
    }

    # 8. The owner revokes the token: an ApplicationTokenDeleted event, no more logins.
    await dss.subscribe(app_session, "ApplicationTokenDeleted", "1001")
    reply = await dss.get(f"/json/system/revokeToken?applicationToken={app_token}", token=owner)
    assert reply.text == '{"ok":true}'
    deleted = await dss.wait_event(app_session, "ApplicationTokenDeleted", "1001")
    assert deleted["properties"]["ApplicationToken"] == app_token
    message = await dss.fail(f"/json/system/loginApplication?loginToken={app_token}")
    assert message == "Application-Authentication failed"
