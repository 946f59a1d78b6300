"""A revoked share's app token whose revokeToken the dSS carried out but whose answer was lost:
the add-on keeps it (a refused login with it proves nothing, the dSS refuses logins at its
session limit too) until the homeowner's tab reads the dSS's own token list, which does tell;
from then on the release loop no longer logs in with it."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import aiohttp
import pytest
from dss_sim.handlers import system as dss_system
from dss_sim.handlers.base import Ctx

from dss_addon.settings import Settings
from tests.support.owner import owner_client, share_of
from tests.support.share_site import sim_params
from tests.support.stack import running_stack


def _deadline(settings: Settings) -> Settings:
    return dataclasses.replace(settings, dss_timeout=1.0)


async def test_the_owner_list_clears_a_token_the_dss_revoked_unanswered(
    tmp_path: Path, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running_stack(tmp_path, configure=_deadline) as stack:
        owner = await owner_client(http, stack)
        share_id = str(share_of(await owner.create(label="Elektro Müller"))["id"])
        kept = str(share_of(await owner.create(label="Support"))["id"])
        app_token = await stack.runtime.shares.app_token(share_id)
        assert app_token is not None
        real_revoke = dss_system.HANDLERS["revokeToken"]

        async def answer_lost(ctx: Ctx) -> None:
            await real_revoke(ctx)
            await asyncio.sleep(1.5)  # done in the dSS, the answer comes too late

        monkeypatch.setitem(dss_system.HANDLERS, "revokeToken", answer_lost)
        await stack.runtime.shares.revoke(share_id, actor="dssadmin")
        monkeypatch.setitem(dss_system.HANDLERS, "revokeToken", real_revoke)
        await stack.runtime.shares.releases.retried()
        assert app_token not in stack.sim.security.enabled  # gone in the dSS
        assert await stack.runtime.shares.app_token(share_id) == app_token  # kept here

        reply = await owner.get("/api/shares")  # the tab reads the dSS's token list
        assert reply.status == 200, reply.text
        assert await stack.runtime.shares.app_token(share_id) is None
        assert await stack.runtime.shares.app_token(kept) is not None
        listed = reply.json()["shares"]
        assert isinstance(listed, list)
        states = {str(s["id"]): s["state"] for s in listed}
        assert states == {share_id: "revoked", kept: "active"}

        mark = len(stack.sim.calls)
        assert await stack.runtime.shares.release_app_tokens() == 0
        logins = [
            c
            for c in stack.sim.calls[mark:]
            if c.path == "/json/system/loginApplication"
            and sim_params(c).get("loginToken") == app_token
        ]
        assert logins == []
