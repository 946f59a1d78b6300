"""Events raised at once in a brief dSS session of the share's own (notifications/service.py
AT_ONCE): a PIN lockout, throttled against whoever guesses at PIN links, and a job done, which
only an authenticated electrician causes once per share and which is not. Judged at the
simulator: its event history, its logins and the sessions it holds."""

from __future__ import annotations

import aiohttp

from dss_addon.dss.brief_sessions import BRIEF_INTERVAL
from dss_addon.shares.service import CreatedShare
from tests.support.notifications import notifier_of, told
from tests.support.share_site import create_share, open_share, redeem, sim_paths
from tests.support.stack import Stack

LOGIN = "/json/system/loginApplication"


def _app_sessions(stack: Stack) -> int:
    return sum(1 for s in stack.sim.sessions.sessions.values() if s.is_application)


async def _lock(http: aiohttp.ClientSession, stack: Stack, created: CreatedShare) -> None:
    wrong = "000000" if created.pin != "000000" else "111111"
    for _ in range(5):
        await redeem(http, stack, created.secret, wrong)
    share = await stack.runtime.shares.get(created.share.id)
    assert share.pin_failures >= 5


async def test_pin_lockouts_in_a_row_open_one_brief_session_per_interval(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    first, second = [await create_share(stack, pin=True) for _ in range(2)]
    logins = sim_paths(stack).count(LOGIN)
    await _lock(http, stack, first)
    await _lock(http, stack, second)
    assert told(stack, first.share.id) == ["locked"]
    assert told(stack, second.share.id) == []  # waits: the interval is not over
    assert sim_paths(stack).count(LOGIN) == logins + 1
    stack.clock.advance(seconds=BRIEF_INTERVAL)
    await notifier_of(stack).flush_waiting()
    assert told(stack, second.share.id) == ["locked"]
    assert sim_paths(stack).count(LOGIN) == logins + 2
    assert _app_sessions(stack) == 0  # each logged out at once
    assert stack.runtime.upstream.occupied() == 0


async def test_a_job_done_right_after_a_pin_lockout_reaches_the_dss_at_once(
    stack: Stack, http: aiohttp.ClientSession
) -> None:
    guessed = await create_share(stack, pin=True)
    helper = await open_share(http, stack, level="view")  # never used: no dSS session
    share_id = helper.created.share.id
    await _lock(http, stack, guessed)
    assert told(stack, guessed.share.id) == ["locked"]  # a brief session just now
    assert not stack.runtime.upstream.has_session(share_id)
    assert (await helper.post("/s/done", json={})).status == 200
    # Both of its events, in one brief session, before its app token was given back.
    assert told(stack, share_id) == ["first_use", "done"]
    assert notifier_of(stack).waiting() == {}
    assert _app_sessions(stack) == 0
    assert stack.runtime.upstream.occupied() == 0
