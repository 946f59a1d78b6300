"""What a journaled call changes, resolved as the policy resolves it: one spelling per value.

A share may address one device by dsuid, dsid or name, one zone by id or name and one property
by any path spelling the dSS collapses to the same node. The journal keys and restores a value
by the resolved target, so a value reached two ways is one value (its oldest "before" is what
undo restores). Pure.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from dss_addon.journal.values import Params, target_of
from dss_addon.policy import Topology
from dss_addon.policy.params import resolve_device, resolve_zone, split_path

# A zone call's group: kept as given here. The 2017 dSS looks a groupName up among the zone's
# groups (Zone::getGroup(name): the first group of that name; a groupName wins over a groupID,
# zonerequesthandler.cpp), and groups can be renamed (structure/groupSetName), so a name is
# mapped to an id only from the zone's groups read fresh (groups_named, by_group_id).
_ZONE_GROUP = ("groupID", "groupName")


def resolved_target(klass: str, params: Mapping[str, str], topology: Topology | None) -> Params:
    """The canonical target of a call: `{"dsuid": ...}` for a device, `{"id": zone}` (+ its
    group) for a zone, `{"path": "/a/b"}` for a property; the target as given when it cannot
    be resolved (no topology, or the name is unknown or ambiguous)."""
    given = target_of(params)
    if klass == "device" and topology is not None:
        device = resolve_device(params, topology)
        return given if isinstance(device, str) else {"dsuid": device.dsuid}
    if klass == "zone" and topology is not None:
        zone = resolve_zone(params, topology)
        if isinstance(zone, str):
            return given
        group = {k: params[k] for k in _ZONE_GROUP if params.get(k)}
        return {"id": str(zone), **group}
    if klass == "property" and "path" in params:
        parts = split_path(params["path"])
        return given if parts is None else {"path": "/" + "/".join(parts)}
    return given


def groups_named(structure: bytes, zone_id: str, name: str) -> list[int]:
    """The ids of the groups called `name` in zone `zone_id`, from an apartment/getStructure
    answer (`{"ok": true, "result": {"apartment": {"zones": [{"id", "groups": [{"id",
    "name"}]}]}}}`). The name is compared as stored, as the dSS does. Empty when the answer
    cannot be read."""
    try:
        answer = json.loads(structure)
        zones = answer["result"]["apartment"]["zones"]
        zone = next(z for z in zones if isinstance(z, dict) and str(z.get("id")) == zone_id)
        groups = zone["groups"]
        return [int(g["id"]) for g in groups if isinstance(g, dict) and g.get("name") == name
                and isinstance(g.get("id"), int) and not isinstance(g.get("id"), bool)]
    except (ValueError, TypeError, KeyError, StopIteration):
        return []


def by_group_id(target: Mapping[str, str], group_id: int) -> Params:
    """A zone target with its group by id only (what the journal keys and restores by)."""
    kept = {k: v for k, v in target.items() if k not in _ZONE_GROUP}
    return {**kept, "groupID": str(group_id)}
