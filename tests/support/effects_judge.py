"""The oracle of the differential proof: may a share have caused this effect on the dSS? (pure)

Written from the issue's rules and dss-api.md, independently of dss_addon.policy on purpose: it
is the specification the proxy is judged by, so it must not share the proxy's mistakes. It
judges what the simulated dSS *resolved and did* (dss_sim.effects), never a request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dss_sim.effects import Effect, EffectKind

LEVELS = ("view", "operate", "configure")  # cumulative, weakest first

# Never readable by any share: password hashes and application tokens; the cloud connector's
# tokens (dss-api.md §5.4, §9 row 17).
NEVER_READ = ("/system/security", "/scripts/system-addon-remote-connectivity")
# dss-api.md §5.1: the diagnosis reads.
READ_PREFIXES = (
    "/apartment",
    "/usr/states",
    "/usr/addon-states",
    "/system/version",
    "/system/uptime",
    "/system/dSID",
    "/system/dSUID",
    "/system/host",
)
CONFIGURE_READ_PREFIXES = (*READ_PREFIXES, "/scripts")
# Scenes 64 and up are apartment scenes (auto-standby, panic, alarms, fire, deep off...):
# never called nor re-programmed through a share (dss-api.md §3.1).
FIRST_APARTMENT_SCENE = 64
# Group ids that stay inside a zone, from the dSS source (src/model/modelconst.h), which says
# more than dss-api.md §3.1: 0..15 standard groups (isDefaultGroup, 13..15 reserved), 40..47
# zone user groups (isZoneUserGroup), 48..55 control groups (isControlGroup). Apartment-wide:
# 16..39 user clusters (isAppUserGroup) and 64..249 global applications; 56..63 are undefined
# and count as apartment-wide (deny by default).
ZONE_GROUPS = frozenset({*range(0, 16), *range(40, 56)})
SYSTEM_ADDON_PREFIX = "system-addon-"
# Names under which the dSS and its add-ons keep secrets (the tado add-on stores the homeowner's
# account as /scripts/tado/config/password): never read, as a whole segment or part of one, in
# any case, below any prefix. Deliberately broad: `keyboard` or `author` count too. The default
# fixture has no such name where a share may read (tests/unit/differential checks it): they
# are all below /system/security, /scripts/system-addon-remote-connectivity and /config.
SECRET_WORDS = ("password", "passwd", "passphrase", "pwd", "secret", "token", "key",
                "credential", "auth", "cert", "private", "cookie", "session")  # fmt: skip
# sceneaccess.cpp SceneAccess::checkAccess: the wind and fire protections of the blinds hold
# against these categories (Effect.access) only; `manual` is never blocked, and `unchecked`
# calls never ask.
PROTECTED_ACCESS = frozenset({"algorithm", "timer", "unknown"})
# A zone-restricted share reads these /apartment nodes themselves (names, no rooms' content).
ZONE_SHARE_APARTMENT_NODES = frozenset({"/apartment", "/apartment/name", "/apartment/zones"})
# How deep a zone-restricted share reads below /usr (segments of the path): a state's own
# values, /usr/states/<name>/<value> and /usr/addon-states/<add-on>/<name>/<value>, never what
# a state's `device/` or `dSMeter/` entries hold (state.cpp: aliases of the providing device's
# node, which may sit in another room, plus its input index and state name).
ZONE_SHARE_USR_DEPTH = {"/usr/states": 4, "/usr/addon-states": 5}

DeviceZone = Callable[[str], int | None]  # dSUID -> its zone now, None if unknown


@dataclass(frozen=True, slots=True)
class Scope:
    """What one share may do, with the add-on settings the harness runs with."""

    level: str  # one of LEVELS
    zones: tuple[int, ...] = ()
    script_addons: frozenset[str] = frozenset()
    raise_allowed: frozenset[str] = frozenset()

    def at_least(self, level: str) -> bool:
        return LEVELS.index(self.level) >= LEVELS.index(level)

    def describe(self) -> str:
        zones = ",".join(map(str, self.zones)) if self.zones else "all"
        return f"{self.level}/zones={zones}"


@dataclass(frozen=True, slots=True)
class Judgement:
    allowed: bool
    reason: str = ""


ALLOWED = Judgement(True)


def _deny(reason: str) -> Judgement:
    return Judgement(False, reason)


def is_under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def is_apartment_wide_group(group: int) -> bool:
    return group not in ZONE_GROUPS


def raise_listed(name: str, allowed: frozenset[str]) -> bool:
    if not name:
        return False
    return name in allowed or any(
        p.endswith("*") and len(p) > 1 and name.startswith(p[:-1]) for p in allowed
    )


def judge(scope: Scope, effect: Effect, device_zone: DeviceZone) -> Judgement:
    """Allowed, or why not. Deny by default: an effect kind not named here is a violation."""
    kind = effect.kind
    if kind is EffectKind.CRASH:
        return _deny(f"the dSS crashed: {effect.detail}")
    if kind is EffectKind.BUSY_POLL:
        return _deny("event/get made the dSS busy-loop")
    if kind is EffectKind.READ:
        return _read(scope, effect, device_zone)
    if kind is EffectKind.WRITE:
        return _write(scope, effect)
    if kind is EffectKind.ACTION:
        if not scope.at_least("operate"):
            return _deny(f"an output was driven by a {scope.level} share")
        return (
            (_scene(effect) or _undo_last(effect) or _access(effect))
            or _zones(scope, effect, device_zone)
            or ALLOWED
        )
    if kind is EffectKind.CONFIG:
        if not scope.at_least("configure"):
            return _deny(f"configuration changed by a {scope.level} share")
        return (
            (_scene(effect) or _zones(scope, effect, device_zone) or _binding(scope, effect))
            or _state(scope, effect)
            or ALLOWED
        )
    if kind is EffectKind.RAISE:
        if not scope.at_least("configure"):
            return _deny(f"event raised by a {scope.level} share")
        if not raise_listed(effect.detail, scope.raise_allowed):
            return _deny(f"event {effect.detail!r} is not in the raise allow-list")
        return ALLOWED
    return _deny(f"unknown effect kind {kind}")  # type: ignore[unreachable]  # deny by default


def is_secret_like(path: str) -> bool:
    """A path with a segment that names, or has in its name, a secret word (any case)."""
    return any(word in segment.lower() for segment in path.split("/") for word in SECRET_WORDS)


def _read(scope: Scope, effect: Effect, device_zone: DeviceZone) -> Judgement:
    path = effect.path
    for prefix in NEVER_READ:
        if is_under(path, prefix):
            return _deny(f"read of {path} (below {prefix}, never readable)")
    if is_secret_like(path):
        return _deny(f"read of {path} (a secret-like name, never readable)")
    prefixes = CONFIGURE_READ_PREFIXES if scope.at_least("configure") else READ_PREFIXES
    if not path.startswith("/") or not any(is_under(path, p) for p in prefixes):
        return _deny(f"read of {path} outside the {scope.level} read prefixes")
    if is_under(path, "/scripts"):
        return _script_read(scope, path) or ALLOWED
    if scope.zones:
        zone = zone_of_path(path)
        if zone is not None and not _zone_ok(scope, zone):
            return _deny(f"read of {path} (zone {zone} outside the share's zones)")
        return _zone_share_read(path) or _zones(scope, effect, device_zone) or ALLOWED
    return _zones(scope, effect, device_zone) or ALLOWED


def _addon_closed(scope: Scope, addon: str) -> str | None:
    """Why an add-on's data is not open to shares, if it is not."""
    if addon.startswith(SYSTEM_ADDON_PREFIX):
        return f"system add-on {addon!r}"
    if addon not in scope.script_addons:
        return f"add-on {addon!r} not opened to shares"
    return None


def _script_read(scope: Scope, path: str) -> Judgement | None:
    """Add-on data: configure shares without zones, /scripts/<listed add-on> and below only."""
    if scope.zones:
        return _deny(f"read of {path} by a zone-restricted share")
    parts = path.split("/")  # ["", "scripts", "<add-on>", ...]
    if len(parts) < 3 or not parts[2]:
        return _deny(f"read of {path} (lists every add-on: only /scripts/<add-on> and below)")
    closed = _addon_closed(scope, parts[2])
    return _deny(f"read of {path}: {closed}") if closed else None


def _zone_share_read(path: str) -> Judgement | None:
    """A zone-restricted share below /apartment (its zones' nodes; zone_of_path checked the
    zone) and /usr (a state's own values)."""
    if is_under(path, "/apartment"):
        if path in ZONE_SHARE_APARTMENT_NODES or zone_of_path(path) is not None:
            return None
        return _deny(f"read of {path} by a zone-restricted share (not one of its zones' nodes)")
    for prefix, depth in ZONE_SHARE_USR_DEPTH.items():
        if is_under(path, prefix) and len(path.split("/")) - 1 > depth:
            return _deny(f"read of {path} by a zone-restricted share (below a state's values)")
    return None


def zone_of_path(path: str) -> int | None:
    """The zone id a path below /apartment/zones/ names; -1 for a segment that names no zone."""
    parts = path.split("/")
    if parts[1:3] != ["apartment", "zones"] or len(parts) < 4:
        return None
    segment = parts[3]
    digits = segment.removeprefix("zone")
    if segment == digits or not digits.isdigit() or not digits.isascii():
        return -1
    return int(digits)


def _write(scope: Scope, effect: Effect) -> Judgement:
    path = effect.path
    if not scope.at_least("configure"):
        return _deny(f"write of {path} by a {scope.level} share")
    if scope.zones:
        return _deny(f"write of {path} by a zone-restricted share")
    parts = path.split("/")
    # ["", "scripts", "<add-on>", "<at least one more>", ...]
    if len(parts) < 4 or parts[0] != "" or parts[1] != "scripts" or not all(parts[2:]):
        return _deny(f"write of {path} outside /scripts/<add-on>/")
    if is_secret_like(path):
        return _deny(f"write of {path} (a secret-like name)")
    closed = _addon_closed(scope, parts[2])
    return _deny(f"write of {path}: {closed}") if closed else ALLOWED


def _state(scope: Scope, effect: Effect) -> Judgement | None:
    """A state set (state/set): /usr/states/<name>/... (the dSS lets only the heating states
    through) and /usr/addon-states/<listed add-on>/<name>/..., by a share without zones."""
    path = effect.path
    if not path:
        return None
    if scope.zones:
        return _deny(f"state {path} set by a zone-restricted share")
    parts = path.split("/")
    if is_under(path, "/usr/states") and len(parts) >= 4 and all(parts[3:]):
        return None
    if is_under(path, "/usr/addon-states") and len(parts) >= 5 and all(parts[3:]):
        closed = _addon_closed(scope, parts[3])
        return _deny(f"state {path} set: {closed}") if closed else None
    return _deny(f"configuration of {path} (not a state)")


def _scene(effect: Effect) -> Judgement | None:
    if effect.scene is not None and not 0 <= effect.scene < FIRST_APARTMENT_SCENE:
        return _deny(f"{effect.kind} with scene {effect.scene} (apartment/reserved scene)")
    return None


def _undo_last(effect: Effect) -> Judgement | None:
    """undoScene without a scene number undoes whatever the target called last: an apartment
    scene (panic, fire, alarm) included (deviceinterfacerequesthandler.cpp undoSceneLast)."""
    if effect.call.endswith("/undoScene") and effect.scene is None:
        return _deny(f"undo of the last scene ({effect.detail or 'no scene number'})")
    return None


def _access(effect: Effect) -> Judgement | None:
    """Every output a share drives is subject to the blinds' wind and fire protection."""
    if effect.access not in PROTECTED_ACCESS:
        category = effect.access or "not recorded"
        return _deny(f"action with scene access {category!r} (no wind/fire protection)")
    return None


def _zone_ok(scope: Scope, zone: int) -> bool:
    return zone != 0 and zone in scope.zones


def _zones(scope: Scope, effect: Effect, device_zone: DeviceZone) -> Judgement | None:
    if not scope.zones:
        return None
    if effect.zone is not None and not _zone_ok(scope, effect.zone):
        return _deny(f"{effect.kind} in zone {effect.zone} outside the share's zones")
    if effect.device is not None:
        zone = device_zone(effect.device)
        if zone is None or not _zone_ok(scope, zone):
            return _deny(f"{effect.kind} on device {effect.device} in zone {zone}")
    return None


def _binding(scope: Scope, effect: Effect) -> Judgement | None:
    """A room's device bound to an apartment-wide group would act on the whole home later."""
    if not scope.zones or effect.device is None or effect.group is None:
        return None
    if is_apartment_wide_group(effect.group):
        return _deny(f"device {effect.device} bound to apartment-wide group {effect.group}")
    return None
