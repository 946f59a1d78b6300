"""decide(): may this share's session make this dSS call now? Pure, synchronous, deny by default."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta

from dss_addon.policy import properties
from dss_addon.policy.grammar import ALWAYS_SENT, Kind, read_int, show_name
from dss_addon.policy.model import Decision, DssCall, Target, Topology
from dss_addon.policy.params import param, resolve_device, resolve_zone, split_path
from dss_addon.policy.rules import (
    ALWAYS_BLOCKED_CALLS,
    ALWAYS_BLOCKED_CLASSES,
    EVENT_RAISE_NEVER,
    EVENT_SUBSCRIBE_NAMES,
    KNOWN_OTHER_TARGETS,
    LEVEL_CALLS,
    RESTRICTED_SHARE_BLOCKED_CLASSES,
    RESTRICTED_SHARE_BLOCKED_DEVICE_METHODS,
    ROOM_SENSOR_TYPES,
    SCENE_LIMIT,
    SCENE_METHODS,
    VIEW_CALLS,
    ZONE_LOCAL_GROUPS,
    ZONE_SHARE_APARTMENT_READS,
    ZONE_SHARE_SCOPED_CLASSES,
)
from dss_addon.policy.schema import params_of
from dss_addon.shares.model import (
    USABLE_STATES,
    Level,
    Share,
    ShareSession,
    session_idle,
    share_state,
)

_NO_RAISE: frozenset[str] = frozenset()


def decide(
    share: Share,
    session: ShareSession | None,
    call: DssCall,
    now: datetime,
    *,
    topology: Topology,
    idle_timeout: timedelta,
    raise_allowed: frozenset[str] = _NO_RAISE,
    script_addons: frozenset[str] = _NO_RAISE,
) -> Decision:
    """Decide one call. `raise_allowed` lists event names (or `prefix*`) event/raise may use;
    `script_addons` the add-ons whose data (/scripts/<add-on>/) configure shares may read and
    write, and whose states (state/set?addon=) they may set.

    The order matters only for the reason given: every check can deny on its own, and the call
    is allowed only if none does.
    """
    reason = (
        _session_reason(share, session, now, idle_timeout)
        or _state_reason(share, now)
        or _target_reason(share, call)
    )
    if reason:
        return Decision.deny(reason)
    if call.target is Target.CONFIGURATOR:
        return Decision.allow(f"configurator for level {share.level}")
    reason = (
        _jsonp_reason(call.params)
        or _blocked_reason(call, raise_allowed)
        or _level_reason(share.level, call)
        or _grammar_reason(call)
        or _parameter_reason(share, call, topology, script_addons)
        or _typed_reason(share, call)
    )
    if reason:
        return Decision.deny(reason)
    return Decision.allow(f"allowed for level {share.level}")


def _session_reason(
    share: Share, session: ShareSession | None, now: datetime, idle_timeout: timedelta
) -> str | None:
    if session is None:
        return "no session"
    if session.share_id != share.id:
        return "session belongs to another share"
    if session.ended_at is not None:
        return "session ended"
    if session_idle(session, now, idle_timeout):
        return "session idle"
    return None


def _state_reason(share: Share, now: datetime) -> str | None:
    state = share_state(share, now)
    return None if state in USABLE_STATES else f"share {state}"


def _target_reason(share: Share, call: DssCall) -> str | None:
    if call.target is Target.JSON:
        return None if call.klass and call.method else "no dSS call given"
    if call.target is Target.CONFIGURATOR:
        if share.level is not Level.CONFIGURE:
            return f"configurator not allowed for level {share.level}"
        # Defence in depth: the proxy classifies paths; never let a dSS-side or setup path
        # through as "configurator".
        parts = split_path(call.path)
        if parts is None:
            return "configurator path with '.' or '..'"
        if parts[:1] and parts[0] in KNOWN_OTHER_TARGETS:
            return f"target /{parts[0]} not allowed"
        return None
    parts = split_path(call.path) or ()
    if parts[:1] and parts[0] in KNOWN_OTHER_TARGETS:
        return f"target /{parts[0]} not allowed"
    return "target not allowed"


def _jsonp_reason(params: Mapping[str, str]) -> str | None:
    # Even empty: hasParameter() is true for "callback=", and the proxy must not be the one
    # that decides what the dSS does with it.
    return "JSONP callback not allowed" if "callback" in params else None


def _blocked_reason(call: DssCall, raise_allowed: frozenset[str]) -> str | None:
    klass, method = call.klass, call.method
    if klass in ALWAYS_BLOCKED_CLASSES:
        return f"always blocked: {klass}/*"
    if (klass, method) in ALWAYS_BLOCKED_CALLS:
        return f"always blocked: {klass}/{method}"
    if klass == "property":
        return properties.blocked(method, call.params)
    if klass == "event" and method == "raise":
        name = param(call.params, "name")
        if name in EVENT_RAISE_NEVER or not _raise_listed(name, raise_allowed):
            return "always blocked: event/raise of an event not in the raise allow-list"
    return None


def _raise_listed(name: str, raise_allowed: frozenset[str]) -> bool:
    if not name:
        return False
    if name in raise_allowed:
        return True
    return any(p.endswith("*") and name.startswith(p[:-1]) for p in raise_allowed if len(p) > 1)


def _level_reason(level: Level, call: DssCall) -> str | None:
    if (call.klass, call.method) in LEVEL_CALLS[level]:
        return None
    return f"not in allow-list for level {level}"


def _grammar_reason(call: DssCall) -> str | None:
    """Every parameter is one the call takes, in its canonical spelling (grammar.py): the
    proxy builds calls that way; a call built elsewhere with another spelling is refused, so
    what follows may read the values as plain typed values."""
    schema = params_of((call.klass, call.method))
    if schema is None:
        return "no parameter schema for this call"
    for name, value in call.params.items():
        kind = schema.get(name)
        if kind is None:
            return f"non-canonical request: unknown parameter {show_name(name)}"
        if kind.canonical(value) != value:
            return f"non-canonical request: {name} is not a valid {kind.kind}"
    return None


def _typed_reason(share: Share, call: DssCall) -> str | None:
    """Rules by parameter type, for every allowed call at once (a new setter cannot forget
    them): no apartment scenes anywhere, for a zone-restricted share no device bound to a
    group that reaches beyond its zone, and every device-interface verb with its (non-manual)
    category."""
    schema = params_of((call.klass, call.method)) or {}
    for name, param_type in schema.items():
        if param_type.kind in ALWAYS_SENT and name not in call.params:
            return f"{name} required ({param_type.kind})"
    for name, value in call.params.items():
        kind = schema[name].kind
        if kind is Kind.SCENE and int(value) >= SCENE_LIMIT:
            return f"scene {value} not allowed ({name})"
        if (
            kind is Kind.GROUP
            and share.zones
            and call.klass == "device"
            and int(value) not in ZONE_LOCAL_GROUPS
        ):
            return f"group {value} reaches beyond a zone ({name})"
        if kind is Kind.ZONE and share.zones and int(value) not in share.zones:
            # The call's target and any zone it names besides (a heating reference zone).
            return f"zone {value} outside share zones ({name})"
    return None


def _parameter_reason(
    share: Share, call: DssCall, topology: Topology, script_addons: frozenset[str]
) -> str | None:
    klass, method, params = call.klass, call.method, call.params
    zones = share.zones
    if klass == "zone":
        return _zone_reason(zones, method, params, topology)
    if klass == "device":
        return _device_reason(zones, method, params, topology)
    if zones and klass in ZONE_SHARE_SCOPED_CLASSES:
        reason = _zone_share_read_reason(call)
        if reason:
            return reason
    if klass == "apartment":
        if method in SCENE_METHODS:
            return _scene_reason(params, where="apartment ")
        return None
    if klass == "property":
        return properties.allowed(method, params, share.level, zones, script_addons)
    if klass == "event" and method == "subscribe":
        if param(params, "name") not in EVENT_SUBSCRIBE_NAMES:
            return "event name not in subscribe allow-list"
        return None
    if zones and klass in RESTRICTED_SHARE_BLOCKED_CLASSES:
        return f"{klass}/* not allowed for a zone-restricted share"
    if klass == "state":
        return _addon_state_reason(params, script_addons)
    return None


def _zone_share_read_reason(call: DssCall) -> str | None:
    """A zone-restricted share's apartment, circuit and metering calls: only the reads that
    carry no other room's data or are filtered to its zones (rules.ZONE_SHARE_APARTMENT_READS)."""
    if (call.klass, call.method) in ZONE_SHARE_APARTMENT_READS:
        return None
    if (call.klass, call.method) in VIEW_CALLS:
        return f"{call.klass}/{call.method} shows other rooms: not for a zone-restricted share"
    if call.klass == "apartment":
        return "apartment-wide action not allowed for a zone-restricted share"
    return f"{call.klass} changes not allowed for a zone-restricted share"


def _addon_state_reason(params: Mapping[str, str], script_addons: frozenset[str]) -> str | None:
    """state/set with an `addon` sets any state that add-on provides (staterequesthandler.cpp
    set checks its white list of system states only when `addon` is empty;
    Apartment::getState(addon, name)): only for add-ons the owner listed, like their
    /scripts settings, never a system add-on. Without `addon`, the dSS's own white list holds.
    """
    addon = param(params, "addon")
    if addon and (addon.startswith("system-addon-") or addon not in script_addons):
        return "add-on not in the share allow-list"
    return None


def _zone_reason(
    zones: tuple[int, ...], method: str, params: Mapping[str, str], topology: Topology
) -> str | None:
    is_scene = method in SCENE_METHODS
    if not zones and not is_scene:
        return None
    zone_id = resolve_zone(params, topology)
    if isinstance(zone_id, str):
        return zone_id
    if zones:
        if zone_id == 0:
            return "zone 0 (whole apartment) not allowed for a zone-restricted share"
        if zone_id not in zones:
            return f"zone {zone_id} outside share zones"
        # zone/setSensorSource and friends name a second, device, target.
        if param(params, "dsuid") or param(params, "dsid"):
            reason = _device_zone_reason(zones, params, topology)
            if reason:
                return reason
        reason = _room_only_reason(method, params, zones)
        if reason:
            return reason
    if is_scene:
        return _scene_reason(params, where="apartment " if zone_id == 0 else "")
    return None


def _room_only_reason(method: str, params: Mapping[str, str], zones: tuple[int, ...]) -> str | None:
    """Zone calls that a zone-restricted share may make only while they stay in its rooms."""
    if method == "setSensorSource" and int(param(params, "sensorType") or -1) not in (
        ROOM_SENSOR_TYPES
    ):
        return "sensor type of the whole home not allowed for a zone-restricted share"
    follower = param(params, "zoneFollowerMode")
    if follower:
        reference = _reference_zone(follower)
        if reference is None or reference not in zones:
            return "heating reference zone outside share zones"
    return None


def _reference_zone(follower_json: str) -> int | None:
    """zone.cpp ZoneHeatingProperties::parseFollowerMode: the zone a follower copies; None when
    it cannot be read (refused then)."""
    try:
        mode = json.loads(follower_json)
    except ValueError:
        return None
    reference = mode.get("referenceZone") if isinstance(mode, dict) else None
    if isinstance(reference, bool) or not isinstance(reference, int):
        return None
    return reference


def _device_reason(
    zones: tuple[int, ...], method: str, params: Mapping[str, str], topology: Topology
) -> str | None:
    if zones:
        if method in RESTRICTED_SHARE_BLOCKED_DEVICE_METHODS:
            return f"device/{method} not allowed for a zone-restricted share"
        reason = _device_zone_reason(zones, params, topology)
        if reason:
            return reason
    if method in SCENE_METHODS:
        return _scene_reason(params, where="")
    return None


def _device_zone_reason(
    zones: tuple[int, ...], params: Mapping[str, str], topology: Topology
) -> str | None:
    device = resolve_device(params, topology)
    if isinstance(device, str):
        return device
    if device.zone_id == 0 or device.zone_id not in zones:
        return f"device in zone {device.zone_id} outside share zones"
    return None


def _scene_reason(params: Mapping[str, str], *, where: str) -> str | None:
    """Every scene call names its scene, undoScene included: without one
    (deviceinterfacerequesthandler.cpp undoScene: strToIntDef(sceneNumber, -1) == -1) the dSS
    undoes whatever the target called last, an apartment scene (panic, fire, alarm) included."""
    raw = param(params, "sceneNumber")
    if not raw:
        return f"{where}scene number required"
    scene = read_int(raw)
    if scene is None:
        return f"{where}scene number unparsable"
    if scene < 0 or scene >= SCENE_LIMIT:
        return f"{where}scene {scene} not allowed"
    return None
