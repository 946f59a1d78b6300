"""The /json proxy: identify the share session, decide afresh, forward the canonical call."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

from aiohttp import web

from dss_addon.dss.client import RawReply
from dss_addon.errors import AccessDenied, DssError, DssUnavailable, ShareEnded
from dss_addon.journal import service as journal
from dss_addon.policy import DssCall, Target, Topology, decide
from dss_addon.policy.model import Decision
from dss_addon.policy.rules import VIEW_CALLS
from dss_addon.runtime import Runtime
from dss_addon.shares.audit import AuditEvent, audit_call
from dss_addon.shares.model import USABLE_STATES, Share, ShareSession, share_state
from dss_addon.web.share.auth import authenticate, client_of, read_capped
from dss_addon.web.share.dss_request import BODY_LIMIT, Refused, parse_dss_request, upstream_params
from dss_addon.web.share.event_poll import (
    POLL_GRACE_SECONDS,
    SUBSCRIPTION_PARAM,
    lost_subscription,
    namespace,
    namespaced_params,
    poll_timeout_ms,
    scrub_event_answer,
    strip_namespace,
)
from dss_addon.web.share.event_subscriptions import (
    SubscriptionLedger,
    release,
    sweep_now_and_then,
)
from dss_addon.web.share.keys import RUNTIME
from dss_addon.web.share.limits import PROXY_LIMITS, poll_slot, throttle
from dss_addon.web.share.zone_filter import filter_answer, needs_filter

# Answered here and never forwarded: the browser must not log in to the dSS (DESIGN.md §3.5).
_NO_LOGIN = {"ok": False, "message": "This share needs no login: the add-on signs in for you."}
LOCAL_ANSWERS: dict[tuple[str, str], dict[str, object]] = {
    ("system", "login"): _NO_LOGIN,
    ("system", "loginApplication"): _NO_LOGIN,
    ("system", "logout"): {"ok": True},  # ends nothing upstream
}
# Only these classes have decisions that depend on the topology (zone names, device zones); an
# empty topology only ever denies more, so everything else is decided without a dSS round trip.
_TOPOLOGY_CLASSES = frozenset({"zone", "device"})
_NO_TOPOLOGY = Topology(zones={})
_TOPOLOGY_SETTERS = frozenset({("zone", "setName"), ("device", "setName")})


def changes_topology(call: DssCall) -> bool:
    return call.klass == "structure" or (call.klass, call.method) in _TOPOLOGY_SETTERS


async def json_proxy(request: web.Request) -> web.StreamResponse:
    runtime = request.app[RUNTIME]
    body = await read_limited_body(request)
    raw_path = request.raw_path.partition("?")[0]
    parsed = parse_dss_request(request.method, raw_path, request.rel_url.raw_query_string, body)
    call = parsed if isinstance(parsed, DssCall) else DssCall(Target.OTHER, path=parsed.path)
    local = LOCAL_ANSWERS.get((call.klass, call.method)) if call.target is Target.JSON else None
    if local is not None:
        return _dss_json(local)
    share, session = await authenticate(request)
    limits = request.app[PROXY_LIMITS]
    throttle(
        limits,
        runtime.shares,
        share_id=share.id,
        session_id=session.id,
        call=call,
        client=client_of(request),
    )
    if isinstance(parsed, Refused):
        refuse(request, runtime, share, session, parsed)
    ledger = limits.subscriptions
    ledger.attach(runtime.upstream)
    sweep_now_and_then(ledger, runtime)
    if call.target is Target.JSON and call.klass == "event":
        reply, body = await _event_call(request, runtime, share, session, call)
        return _json_reply(reply, body)
    async with request_deadline(runtime):
        await authorize(request, runtime, share, session, call)
        params = namespaced_params(call, upstream_params(call), session.id)
        # Configuration calls: the value they replace is read and journaled first (issue 11);
        # a call that then runs out of time stays journaled (it may have reached the dSS).
        change = await journal.before_call(runtime, share, session, call, params)
        reply = await runtime.upstream.call(share.id, call.klass, call.method, params)
    await journal.after_call(runtime, change, reply, params)
    body = strip_namespace(reply.body, session.id)
    if needs_filter((call.klass, call.method), share.zones):
        # Apartment-wide reads show a zone-restricted share only its zones (zone_filter.py).
        body = filter_answer((call.klass, call.method), body, share.zones)
    if changes_topology(call):
        # Names and device zones decide zone-restricted calls: the next decision must see
        # what this call changed, not a minute-old copy.
        runtime.upstream.invalidate_topology()
    return _json_reply(reply, body)


async def _event_call(
    request: web.Request, runtime: Runtime, share: Share, session: ShareSession, call: DssCall
) -> tuple[RawReply, bytes]:
    """event/*: subscribe counted against the share's caps (event_subscriptions.py), get held
    in a long-poll slot and scrubbed, unsubscribe freeing the id."""
    limits, clock = request.app[PROXY_LIMITS], runtime.clock
    ledger = limits.subscriptions
    client_params = upstream_params(call)
    sub_id = client_params.get(SUBSCRIPTION_PARAM, "")
    params = namespaced_params(call, client_params, session.id)
    if call.method == "subscribe":
        # Ids nobody polls any more make room first (a reloaded page leaves its old id).
        abandoned = ledger.take_abandoned(share.id, clock.monotonic())
        await release(runtime.upstream, share.id, abandoned)
        async with request_deadline(runtime):
            decision = await _decide(runtime, share, session, call)
        if decision.allowed and sub_id:
            name = client_params.get("name", "")
            refusal = ledger.admit(share.id, session.id, sub_id, name, clock.monotonic())
            decision = Decision.deny(refusal) if refusal else decision
        _enforce(request, runtime, share, session, "event/subscribe", decision)
        try:
            async with request_deadline(runtime):
                reply = await runtime.upstream.call(share.id, "event", "subscribe", params)
        finally:
            if sub_id:
                ledger.subscribed(share.id, session.id, sub_id, clock.monotonic())
        return reply, strip_namespace(reply.body, session.id)
    async with request_deadline(runtime):
        await authorize(request, runtime, share, session, call)
    if call.method == "get":
        async with poll_slot(limits, share_id=share.id, session_id=session.id):
            with ledger.polling(share.id, session.id, sub_id, clock.monotonic()):
                await _restore(runtime, ledger, share.id, session.id, sub_id)
                reply = await _long_poll(runtime, share, params)
                upstream_id = params.get(SUBSCRIPTION_PARAM, "")
                if lost_subscription(reply.status, reply.body, upstream_id):
                    # The share's dSS session was replaced between the restore and the poll.
                    ledger.lapse(share.id, session.id, sub_id)
                    if await _restore(runtime, ledger, share.id, session.id, sub_id):
                        reply = await _long_poll(runtime, share, params)
            ledger.touch(share.id, session.id, sub_id, clock.monotonic())
        return reply, scrub_event_answer(reply.body, session.id, share.zones)
    async with request_deadline(runtime):
        reply = await runtime.upstream.call(share.id, call.klass, call.method, params)
    if call.method == "unsubscribe":
        # The dSS drops the whole id, whatever the name (session.cpp unsubscribeEventSubscription).
        ledger.unsubscribed(share.id, session.id, sub_id)
    return reply, strip_namespace(reply.body, session.id)


async def _restore(
    runtime: Runtime, ledger: SubscriptionLedger, share_id: str, session_id: str, sub_id: str
) -> bool:
    """Subscribe a lapsed id again (its dSS session was logged out or the dSS restarted) with
    every name it had, in the share's current dSS session; True if it was lapsed."""
    names = ledger.to_restore(share_id, session_id, sub_id)
    if not names:
        return False
    upstream_id = namespace(session_id) + sub_id
    async with request_deadline(runtime):
        for name in names:
            params = {"name": name, SUBSCRIPTION_PARAM: upstream_id}
            await runtime.upstream.call(share_id, "event", "subscribe", params)
    ledger.restored(share_id, session_id, sub_id)
    return True


@contextlib.asynccontextmanager
async def request_deadline(runtime: Runtime) -> AsyncIterator[None]:
    """One deadline for everything a request waits for at the dSS: a topology read, the check
    of the share's app token (concurrent calls of a share queue behind one), a login and the
    call itself. A hung dSS (connection accepted, no answer) fails every waiting request
    `dss_timeout` seconds after it came in, not one timeout after the other."""
    try:
        async with asyncio.timeout(runtime.settings.dss_timeout):
            yield
    except TimeoutError:
        raise DssUnavailable("the dSS did not answer in time") from None


def _json_reply(reply: RawReply, body: bytes) -> web.Response:
    return web.Response(
        body=body, status=reply.status, content_type="application/json", charset="utf-8"
    )


def refuse(
    request: web.Request, runtime: Runtime, share: Share, session: ShareSession, refused: Refused
) -> None:
    """A request outside the canonical grammar: audited and refused before any dSS round
    trip (not even a topology read), whatever the share and session."""
    _enforce(request, runtime, share, session, refused.path, Decision.deny(refused.reason))


async def authorize(
    request: web.Request, runtime: Runtime, share: Share, session: ShareSession, call: DssCall
) -> None:
    """Decide, audit, and raise ShareEnded (401) or AccessDenied (403) unless allowed."""
    decision = await _decide(runtime, share, session, call)
    topology = await _audit_topology(runtime, share, call) if decision.allowed else None
    what = audit_call(call, topology)
    _enforce(request, runtime, share, session, what, decision)


async def _audit_topology(runtime: Runtime, share: Share, call: DssCall) -> Topology | None:
    """The topology an allowed zone or device call addressed by name (or dSID) was just
    decided on (cached), for the audit to name what it acts on; None when not needed."""
    if call.target is not Target.JSON or call.klass not in _TOPOLOGY_CLASSES:
        return None
    if "id" in call.params if call.klass == "zone" else "dsuid" in call.params:
        return None
    try:
        return await runtime.upstream.topology(share.id)
    except DssError:
        return None


def _enforce(
    request: web.Request,
    runtime: Runtime,
    share: Share,
    session: ShareSession,
    what: str,
    decision: Decision,
) -> None:
    now = runtime.clock.now()
    allowed = decision.allowed
    event = AuditEvent.CALL if allowed else AuditEvent.DENIED
    runtime.shares.audit(
        share.id,
        event,
        call=what[:200],
        allowed=allowed,
        reason=decision.reason,
        client=client_of(request),
        session_id=session.id,
    )
    if allowed:
        return
    if share_state(share, now) not in USABLE_STATES:
        raise ShareEnded("This share has ended.")
    raise AccessDenied(decision.reason)


async def _decide(runtime: Runtime, share: Share, session: ShareSession, call: DssCall) -> Decision:
    """Decided first without a topology (that only ever denies more), then, for the classes
    whose decision depends on it, with the cached one (at most a minute old).

    A zone-restricted share's call that acts (anything beyond the view level) and passed on the
    cached topology is decided once more on a topology read now: the owner may have moved a
    device out of the shared room, or renamed rooms, directly on the dSS a moment ago, and the
    dSS raises no event for that in every firmware. Why verify per action rather than follow
    the dSS's events: it needs no standing event subscription (a dSS session held for good out
    of the home's 30), it cannot miss an event across a dSS restart, and actions come at the
    pace of a person clicking; reads keep the cached topology (what they return was readable a
    minute ago). The read is shared by concurrent actions (ShareUpstream.topology).
    """
    settings, now = runtime.settings, runtime.clock.now()

    def decide_with(topology: Topology) -> Decision:
        return decide(
            share,
            session,
            call,
            now,
            topology=topology,
            idle_timeout=settings.session_idle,
            raise_allowed=settings.raise_allowed,
            script_addons=settings.script_addons,
        )

    decision = decide_with(_NO_TOPOLOGY)
    if decision.allowed or call.target is not Target.JSON or call.klass not in _TOPOLOGY_CLASSES:
        return decision
    decision = decide_with(await runtime.upstream.topology(share.id))
    if decision.allowed and share.zones and acts(call):
        decision = decide_with(await runtime.upstream.topology(share.id, fresh=True))
    return decision


def acts(call: DssCall) -> bool:
    """Whether a call may change something: everything outside the view level's allow-list."""
    return (call.klass, call.method) not in VIEW_CALLS


async def read_limited_body(request: web.Request) -> bytes:
    """The dSS reads at most 16 KiB; anything larger is refused before it is parsed."""
    body = await read_capped(request, BODY_LIMIT)
    if body is None:
        raise web.HTTPRequestEntityTooLarge(
            max_size=BODY_LIMIT,
            actual_size=request.content_length or BODY_LIMIT + 1,
            text=json.dumps({"ok": False, "message": "Request body too large."}),
            content_type="application/json",
        )
    return body


async def _long_poll(runtime: Runtime, share: Share, params: dict[str, str]) -> RawReply:
    """event/get, capped to the share's end and cut short when the share is revoked or ended."""
    # Armed before the share is read again, so a revocation in between is not missed.
    changed = runtime.shares.watch(share.id)
    share = await runtime.shares.get(share.id)
    now = runtime.clock.now()
    if share_state(share, now) not in USABLE_STATES:
        raise ShareEnded("This share has ended.")
    timeout_ms = poll_timeout_ms(params, now, share.expires_at)
    params = {**params, "timeout": str(timeout_ms)}
    limit = max(timeout_ms, 0) / 1000 + POLL_GRACE_SECONDS

    async def within_limit() -> RawReply:
        # One deadline for the token check, a login and the poll itself.
        try:
            async with asyncio.timeout(limit):
                return await runtime.upstream.call(share.id, "event", "get", params, timeout=limit)
        except TimeoutError:
            raise DssUnavailable("the dSS did not answer in time") from None

    poll = asyncio.ensure_future(within_limit())
    try:
        while True:
            waiter = asyncio.ensure_future(changed.wait())
            await asyncio.wait({poll, waiter}, return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            if poll.done():
                return poll.result()
            changed = runtime.shares.watch(share.id)  # re-armed first, as above
            share = await runtime.shares.get(share.id)
            if share_state(share, runtime.clock.now()) not in USABLE_STATES:
                raise ShareEnded("This share has ended.")
    finally:
        if not poll.done():
            poll.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await poll


def _dss_json(payload: dict[str, object]) -> web.Response:
    body = json.dumps(payload, separators=(",", ":"))
    return web.Response(text=body, content_type="application/json", charset="utf-8")
