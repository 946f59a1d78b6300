"""Revoking a share's application token in the dSS's own list ends the share, also when the
share never opened a dSS session: the owner's list reconciles with the dSS."""

from __future__ import annotations

import aiohttp

from tests.support.owner import OwnerClient, share_of
from tests.support.stack import Stack


async def test_a_token_revoked_in_the_dss_list_ends_its_share_in_the_owner_list(
    stack: Stack, owner: OwnerClient, http: aiohttp.ClientSession
) -> None:
    revoked_there = str(share_of(await owner.create(label="Elektro Müller"))["id"])
    untouched = str(share_of(await owner.create(label="Support"))["id"])
    app_token = await stack.runtime.shares.app_token(revoked_there)
    assert app_token is not None

    # The homeowner removes the token under "access authorisations" of the dSS itself.
    owner_token = owner.cookie.partition("=")[2]
    query = {"applicationToken": app_token, "token": owner_token}
    async with http.get(f"{stack.sim_url}/json/system/revokeToken", params=query) as resp:
        assert (await resp.json()) == {"ok": True}

    reply = await owner.get("/api/shares")
    assert reply.status == 200, reply.text
    listed = reply.json()["shares"]
    assert isinstance(listed, list)
    states = {str(s["id"]): s["state"] for s in listed}
    assert states == {revoked_there: "revoked", untouched: "active"}
    audit = await stack.runtime.shares.audit_log(revoked_there)
    assert ("revoked", "by dss") in [(entry.event, entry.reason) for entry in audit]
    assert await stack.runtime.shares.app_token(revoked_there) is None
