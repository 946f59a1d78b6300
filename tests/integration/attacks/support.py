"""Small helpers for the attack tests: byte-exact request targets and what the dSS received."""

from __future__ import annotations

from typing import Any

from yarl import URL

from tests.support.share_site import Helper, sim_params
from tests.support.stack import Stack


async def exact(helper: Helper, method: str, target: str, **kwargs: Any) -> tuple[int, str]:
    """Send `target` (path and query) exactly as written: no client-side re-quoting."""
    headers = {**helper.headers, **kwargs.pop("headers", {})}
    url = URL(helper.stack.share_url + target, encoded=True)
    async with helper.http.request(method, url, headers=headers, **kwargs) as resp:
        return resp.status, await resp.text()


def forwarded(stack: Stack, path: str, since: int) -> list[dict[str, str]]:
    """The parameters the simulator read for each call to `path`, without the add-on's token."""
    out: list[dict[str, str]] = []
    for call in stack.sim.calls[since:]:
        if call.path == path:
            params = sim_params(call)
            params.pop("token", None)
            out.append(params)
    return out


async def owner_call(stack: Stack, klass: str, method: str, params: dict[str, str]) -> None:
    """The homeowner doing something in the dSS configurator (a real dssadmin session)."""
    token = stack.sim.login_token()
    reply = await stack.runtime.dss.call(klass, method, params, token)
    assert reply.status == 200, reply.body
    assert b'"ok":true' in reply.body, reply.body
