"""The in-process test stack: the simulator forwards the add-on tab to the owner site."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.support.stack import running_stack


async def test_stack_serves_both_sites_and_the_sim_forwards_the_addon_tab(
    tmp_path: Path,
) -> None:
    async with running_stack(tmp_path) as stack, aiohttp.ClientSession() as http:
        assert stack.sim.config.addon_url == stack.owner_url + "/"
        assert stack.runtime.share_base_url() == stack.share_url
        async with http.get(stack.share_url + "/s/") as resp:
            assert resp.status == 200
        async with http.get(stack.owner_url + "/", allow_redirects=False) as resp:
            direct = resp.status
        async with http.get(stack.sim_url + "/add-ons/dss-share/", allow_redirects=False) as resp:
            assert resp.status == direct
        assert direct < 500
