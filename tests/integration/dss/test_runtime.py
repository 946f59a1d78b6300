"""The runtime's wiring: a share gets its own dSS app token and session; revoking ends both."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from dss_addon.errors import DssAuthFailed, ShareEnded
from dss_addon.shares.audit import AuditEvent
from dss_addon.shares.service import Owner
from tests.support.shares import share_request
from tests.support.stack import running_stack


async def test_share_gets_an_app_token_a_lazy_session_and_loses_both_on_revoke(
    tmp_path: Path,
) -> None:
    async with running_stack(tmp_path, owner=False, share=False) as stack:
        runtime, sim = stack.runtime, stack.sim
        assert stat.S_IMODE((tmp_path / "data").stat().st_mode) == 0o700
        owner_token = await runtime.dss.login("dssadmin", "dssadmin")
        created = await runtime.shares.create(
            share_request(stack.clock.now()), Owner("dssadmin", owner_token)
        )
        share_id = created.share.id
        app_token = await runtime.shares.app_token(share_id)
        assert app_token is not None
        assert app_token in sim.security.enabled
        assert not runtime.upstream.has_session(share_id)

        reply = await runtime.upstream.call(share_id, "apartment", "getName", {})
        assert json.loads(reply.body)["result"]["name"] == "Haus Muster"
        assert runtime.upstream.has_session(share_id)
        sessions = len(sim.sessions.sessions)

        await runtime.shares.revoke(share_id, actor="dssadmin")
        assert app_token not in sim.security.enabled
        assert not runtime.upstream.has_session(share_id)
        assert len(sim.sessions.sessions) == sessions - 1
        with pytest.raises(DssAuthFailed):
            await runtime.upstream.call(share_id, "apartment", "getName", {})


async def test_closing_the_runtime_logs_out_every_dss_session(tmp_path: Path) -> None:
    async with running_stack(tmp_path, owner=False, share=False) as stack:
        owner_token = await stack.runtime.dss.login("dssadmin", "dssadmin")
        for label in ("a", "b"):
            created = await stack.runtime.shares.create(
                share_request(stack.clock.now(), label=label), Owner("dssadmin", owner_token)
            )
            await stack.runtime.upstream.call(created.share.id, "apartment", "getName", {})
        await stack.runtime.dss.logout(owner_token)
        assert len(stack.sim.sessions.sessions) == 2
    assert len(stack.sim.sessions.sessions) == 0


async def test_revoking_the_app_token_in_the_dss_revokes_the_share(tmp_path: Path) -> None:
    """DESIGN.md §3 rule 6: the owner's revocation in the dSS's own token list ends the share."""
    async with running_stack(tmp_path, owner=False, share=False) as stack:
        runtime, sim = stack.runtime, stack.sim
        owner_token = await runtime.dss.login("dssadmin", "dssadmin")
        created = await runtime.shares.create(
            share_request(stack.clock.now()), Owner("dssadmin", owner_token)
        )
        share_id = created.share.id
        app_token = await runtime.shares.app_token(share_id)
        assert app_token is not None
        await runtime.upstream.call(share_id, "apartment", "getName", {})
        await runtime.dss.revoke_token(app_token, owner_token)
        await runtime.dss.logout(owner_token)
        stack.clock.advance(60)
        with pytest.raises(ShareEnded):
            await runtime.upstream.call(share_id, "apartment", "getName", {})
        share = await runtime.shares.get(share_id)
        assert share.revoked_at is not None
        audit = await runtime.shares.audit_log(share_id)
        assert [(e.event, e.reason) for e in audit if e.event == AuditEvent.REVOKED] == [
            (AuditEvent.REVOKED, "by dss")
        ]
        assert await runtime.shares.app_token(share_id) is None  # nothing left to revoke
        assert not runtime.upstream.has_session(share_id)
        assert len(sim.sessions.sessions) == 0
