"""Recording a share's configuration calls (the proxy's hook) and the owner's undo."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from dss_addon.dss.client import RawReply
from dss_addon.errors import (
    AddonError,
    BadInput,
    DssError,
    DssRejected,
    ShareNotFound,
    StoreError,
)
from dss_addon.journal.store import JournalStore, NewChange
from dss_addon.journal.table import is_journaled, restorer_of
from dss_addon.journal.targets import by_group_id, groups_named, resolved_target
from dss_addon.journal.values import (
    SHARE_ACTOR,
    Change,
    Params,
    applied_ok,
    parse_answer,
    read_params,
    restore_call,
    value_after,
    value_key,
)
from dss_addon.policy import DssCall, Target, Topology
from dss_addon.runtime import Runtime
from dss_addon.shares.audit import AuditEntry
from dss_addon.shares.model import Share, ShareSession

log = logging.getLogger(__name__)

UNDO_EVENT = "change_undone"  # audit event of an owner's undo


# -- the proxy's hook --------------------------------------------------------------------------


async def before_call(
    runtime: Runtime, share: Share, session: ShareSession, call: DssCall, params: dict[str, str]
) -> int | None:
    """After the policy allowed `call` and before it is forwarded: reads the value it replaces
    and journals the change. None for calls that change no configuration."""
    if call.target is not Target.JSON or not is_journaled((call.klass, call.method)):
        return None
    after = value_after(call.klass, call.method, params)
    topology = await _topology(runtime, share.id, call.klass)
    # The value as the policy resolved its target, whatever spelling the share used: one value
    # reached two ways is one value to undo.
    target = resolved_target(call.klass, params, topology)
    named = await _group_by_id(runtime, share.id, call.klass, target)
    target = target if named is None else named
    before = None
    restorer = restorer_of((call.klass, call.method))
    if restorer is not None and after is not None and (named is not None or (
        "groupName" not in target
    )):
        try:
            reply = await runtime.upstream.call(
                share.id, call.klass, restorer.getter, read_params(target, params, restorer)
            )
            before = parse_answer(reply.body, restorer)
        except DssError as err:
            log.info("journal: reading %s failed (%s): not restorable", call.method, err.code)
    new = NewChange(
        share_id=share.id,
        session_id=session.id,
        actor=SHARE_ACTOR,
        at=runtime.clock.now(),
        call=f"{call.klass}/{call.method}",
        target=target,
        names=_names(topology, call.klass, params),
        params=params,
        before=before,
        after=after,  # kept when the old value is unknown: the owner still sees what was set
    )
    return await JournalStore(runtime.store).record(new)


async def after_call(
    runtime: Runtime, change_id: int | None, reply: RawReply, params: dict[str, str]
) -> None:
    """Marks a change the dSS refused as not applied, unless the call may have changed
    something before the dSS refused it: setSceneValue programs a `command` (the scene's vdc
    action) before it checks the value (devicerequesthandler.cpp)."""
    if change_id is None or applied_ok(reply.body) or "command" in params:
        return
    await JournalStore(runtime.store).refused(change_id)


async def _group_by_id(
    runtime: Runtime, share_id: str, klass: str, target: Params
) -> Params | None:
    """A zone call's group given by name, as the id the dSS resolves it to now (its zone's
    groups read fresh: groups can be renamed). None when there is no name, or when it is
    unknown or ambiguous or cannot be read: then the change is not restorable."""
    name = target.get("groupName")
    if klass != "zone" or not name or not target.get("id", "").isdigit():
        return None
    try:
        reply = await runtime.upstream.call(share_id, "apartment", "getStructure", {})
    except DssError as err:
        log.info("journal: reading the zone's groups failed (%s): not restorable", err.code)
        return None
    found = groups_named(reply.body, target["id"], name)
    return by_group_id(target, found[0]) if len(found) == 1 else None


async def _topology(runtime: Runtime, share_id: str, klass: str) -> Topology | None:
    """The topology the policy decided on (cached; best effort): None for classes whose
    targets it does not name, or when it cannot be read."""
    if klass not in {"device", "zone"}:
        return None
    try:
        return await runtime.upstream.topology(share_id)
    except (DssError, StoreError):
        return None


def _names(topology: Topology | None, klass: str, params: dict[str, str]) -> dict[str, str]:
    """Room and device names for the owner's readable list (best effort)."""
    if topology is None:
        return {}
    names: dict[str, str] = {}
    zone_id: int | None = None
    if klass == "device":
        dsuid, dsid = params.get("dsuid", ""), params.get("dsid", "")
        device = topology.device_by_dsuid(dsuid) if dsuid else topology.device_by_dsid(dsid)
        if device is None and params.get("name"):
            found = topology.devices_named(params["name"])
            device = found[0] if len(found) == 1 else None
        if device is not None:
            names["device"] = html.unescape(device.name)
            zone_id = device.zone_id
    elif params.get("id", "").isdigit():
        zone_id = int(params["id"])
    elif params.get("name"):
        found_zones = topology.zones_named(params["name"])
        zone_id = found_zones[0] if len(found_zones) == 1 else None
    if zone_id is not None and zone_id in topology.zones:
        names["zone"] = html.unescape(topology.zones[zone_id])
    return names


# -- the owner's undo ---------------------------------------------------------------------------


class UndoConflict(AddonError):
    """A value is no longer what the share left: the owner must confirm (force)."""

    code = "conflict"

    def __init__(self, conflicts: list[dict[str, object]]) -> None:
        super().__init__("The value was changed since; confirm to overwrite it.")
        self.conflicts = conflicts


@dataclass
class _Group:
    """Changes of one value; the newest says what should be there, the oldest what was."""

    changes: list[Change] = field(default_factory=list)

    @property
    def newest(self) -> Change:
        return max(self.changes, key=lambda c: c.id)

    @property
    def oldest(self) -> Change:
        return min(self.changes, key=lambda c: c.id)


def undoable(change: Change) -> bool:
    # A zone's group is restored by id only: a change an earlier release journaled by
    # groupName could hit another group once the groups were renamed.
    by_name = "groupName" in change.target
    return change.applied and change.restorable and change.undone_at is None and not by_name


def plan(changes: Sequence[Change], change_id: int | None) -> list[_Group]:
    """The values to restore: one change, or every change the share made (grouped per value,
    newest value first)."""
    if change_id is not None:
        chosen = [c for c in changes if c.id == change_id]
        if not chosen:
            raise ShareNotFound("No such change.")
        if not undoable(chosen[0]):
            raise BadInput("This change cannot be undone.", field="change_id")
        return [_Group([chosen[0]])]
    groups: dict[str, _Group] = {}
    for change in changes:
        if change.actor == SHARE_ACTOR and undoable(change):
            groups.setdefault(value_key(change), _Group()).changes.append(change)
    return sorted(groups.values(), key=lambda g: g.newest.id, reverse=True)


async def _current(runtime: Runtime, token: str, change: Change) -> str | None:
    restorer = restorer_of((change.klass, change.method))
    assert restorer is not None
    reply = await runtime.dss.call(
        change.klass, restorer.getter, read_params(change.target, change.params, restorer), token
    )
    return parse_answer(reply.body, restorer)


async def undo(
    runtime: Runtime,
    share_id: str,
    *,
    user: str,
    dss_token: str,
    change_id: int | None,
    force: bool,
) -> list[Change]:
    """Restores through the owner's own dSS session (never a share's) and journals and audits
    the undo; every value is checked first, and nothing is written while one conflicts."""
    store = JournalStore(runtime.store)
    groups = plan(await store.changes(share_id), change_id)
    currents: list[str | None] = []
    conflicts: list[dict[str, object]] = []
    for group in groups:
        current = await _current(runtime, dss_token, group.newest)
        currents.append(current)
        if current != group.newest.after:
            conflicts.append(
                {
                    "change_id": group.newest.id,
                    "call": group.newest.call,
                    "target": dict(group.newest.target),
                    "names": dict(group.newest.names),
                    "expected": group.newest.after,
                    "current": current,
                }
            )
    if conflicts and not force:
        raise UndoConflict(conflicts)
    now = runtime.clock.now()
    undone: list[int] = []
    rows: list[NewChange] = []
    audit: list[AuditEntry] = []
    try:
        for group, current in zip(groups, currents, strict=True):
            oldest = group.oldest
            assert oldest.before is not None
            klass, method, params = restore_call(oldest, oldest.before)
            reply = await runtime.dss.call(klass, method, params, dss_token)
            if not applied_ok(reply.body):
                raise DssRejected(f"the dSS refused to restore {oldest.call}")
            undone.extend(c.id for c in group.changes)
            rows.append(
                NewChange(
                    share_id=share_id,
                    session_id="",
                    actor=user,
                    at=now,
                    call=oldest.call,
                    target=dict(oldest.target),
                    names=dict(oldest.names),
                    params=params,
                    before=current if current is not None else group.newest.after,
                    after=oldest.before,
                    undo_of=group.newest.id,
                )
            )
            audit.append(
                AuditEntry(
                    share_id,
                    now,
                    UNDO_EVENT,
                    call=f"{klass}/{method}",
                    allowed=True,
                    reason=f"undo of change {group.newest.id} by {user}",
                )
            )
    finally:
        # What was restored is recorded even when a later value failed.
        if undone:
            await store.undone(undone, rows, audit, now)
    return await store.changes(share_id)


async def changes(runtime: Runtime, share_id: str) -> list[Change]:
    return await JournalStore(runtime.store).changes(share_id)
