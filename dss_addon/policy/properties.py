"""Rules for property/* calls: which parts of the dSS property tree a share may read or write."""

from __future__ import annotations

from collections.abc import Mapping

from dss_addon.policy.params import param, query_prefix, split_path, zone_segment_id
from dss_addon.policy.rules import (
    LEVEL_READ_PREFIXES,
    PROPERTY_BLOCKED_PREFIXES,
    PROPERTY_PATH_READ_METHODS,
    PROPERTY_QUERY_METHODS,
    PROPERTY_WRITE_BLOCKED_PREFIXES,
    PROPERTY_WRITE_METHODS,
    PROPERTY_WRITE_PREFIXES,
    Path,
)
from dss_addon.shares.model import Level

PATH_METHODS = PROPERTY_PATH_READ_METHODS | PROPERTY_WRITE_METHODS | PROPERTY_QUERY_METHODS


def _under(names: Path, prefix: Path) -> bool:
    return names[: len(prefix)] == prefix


def _show(prefix: Path) -> str:
    return "/" + "/".join(prefix)


def target(method: str, params: Mapping[str, str]) -> tuple[Path, bool] | str:
    """(names, open) that a property call reaches, or a denial reason.

    The path is matched as given: the dSS HTML-escapes it before the look-up, which never adds
    or removes a '/', so the segments are the same.
    """
    if method in PROPERTY_QUERY_METHODS:
        raw = param(params, "query")
        if not raw:
            return "missing property query"
        return query_prefix(raw) or "property path with '.' or '..' is blocked"
    raw = param(params, "path")
    if not raw:
        return "missing property path"
    names = split_path(raw)
    if names is None:
        return "property path with '.' or '..' is blocked"
    return names, False


def blocked(method: str, params: Mapping[str, str]) -> str | None:
    """Why a property call is blocked for every share, if it is."""
    if method not in PATH_METHODS:
        return None
    reached = target(method, params)
    if isinstance(reached, str):
        return reached
    names, is_open = reached
    for prefix in PROPERTY_BLOCKED_PREFIXES:
        # An open query below a shorter prefix may walk into the blocked subtree.
        if _under(names, prefix) or (is_open and _under(prefix, names)):
            return f"property path {_show(prefix)} is blocked"
    if method in PROPERTY_WRITE_METHODS:
        for prefix in PROPERTY_WRITE_BLOCKED_PREFIXES:
            if _under(names, prefix):
                return f"property writes under {_show(prefix)} are blocked"
    return None


def allowed(
    method: str,
    params: Mapping[str, str],
    level: Level,
    zones: tuple[int, ...],
    script_addons: frozenset[str] = frozenset(),
) -> str | None:
    """Why a property call is refused by the share's level and zones, or None if it may pass."""
    reached = target(method, params)
    if isinstance(reached, str):
        return reached
    names, is_open = reached
    if method in PROPERTY_WRITE_METHODS:
        return _write_reason(names, zones, script_addons)
    if not any(_under(names, p) for p in LEVEL_READ_PREFIXES[level]):
        return f"property path not in read allow-list for level {level}"
    if zones:
        return _zone_scope(names, is_open, zones)
    return None


def _write_reason(names: Path, zones: tuple[int, ...], script_addons: frozenset[str]) -> str | None:
    """Writes only below /scripts/<add-on>/ of an add-on listed for shares (none by default).

    An add-on's settings act on the whole home (timed events, scene responders may call
    apartment scenes), so a zone-restricted share never writes them, and the system's own
    add-ons are never writable.
    """
    if not any(_under(names, p) and len(names) > len(p) + 1 for p in PROPERTY_WRITE_PREFIXES):
        return "property writes allowed only under /scripts/<add-on>/"
    if zones:
        return "add-on settings are not writable by a zone-restricted share"
    addon = names[1]
    if addon.startswith("system-addon-") or addon not in script_addons:
        return "add-on not in the share write allow-list"
    return None


def _zone_scope(names: Path, is_open: bool, zones: tuple[int, ...]) -> str | None:
    """For a zone-restricted share, reads below /apartment/zones must name an allowed zone."""
    if names[:1] != ("apartment",):
        return None
    if len(names) == 1 or (len(names) == 2 and names[1] == "zones"):
        return "property wildcard over zones not allowed" if is_open else None
    if names[1] != "zones":
        return None
    zone_id = zone_segment_id(names[2])
    if zone_id is None:
        return "property path names no zone"
    if zone_id == 0 or zone_id not in zones:
        return f"zone {zone_id} outside share zones"
    return None
