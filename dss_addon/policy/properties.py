"""Rules for property/* calls: which parts of the dSS property tree a share may read or write.

- Secrets: a name that looks like one (SECRET_WORDS, case-insensitive, as or in any segment,
  query part or query property list; SECRET_WHOLE_WORDS as one of its words) is never read
  nor written, whatever the prefix.
- /scripts (add-on data, configure shares only): reads and writes only below
  /scripts/<add-on>/ of an add-on the owner listed (`script_addons`), never a system add-on,
  never for a zone-restricted share. Reads there name what they read: no wildcard parts and no
  `(*)` property lists (a `(*)` on a node with a `password` child would read it).
  `getChildren` of a listed add-on's node shows child names and types only, never values.
- Zone-restricted shares read /apartment only below /apartment/zones/zone<allowed>/, plus the
  apartment's own node, its name and the zone list's node (names only, no wildcard below):
  everything else there (the dSMeters, whose `zones/<id>` entries are aliases of whole zone
  nodes, zone.cpp Zone::addToDSMeter) may show another room. Below /usr, such a share reads a
  state's own values but not its `device/<dsuid>` or `dSMeter/<dsuid>` entries (aliases of
  the providing device's node, state.cpp), which may sit in another room.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from dss_addon.policy.params import (
    param,
    query_parts,
    query_prefix,
    split_path,
    zone_segment_id,
)
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

# Parts of names under which add-ons keep secrets (the tado add-on stores the homeowner's
# account as /scripts/tado/config/password): matched case-insensitively anywhere in a name.
SECRET_WORDS: tuple[str, ...] = (
    "password",
    "passwd",
    "passphrase",
    "pwd",
    "secret",
    "token",
    "key",
    "credential",
    "auth",
    "cert",
    "private",
    "cookie",
    "session",
)
# Short secret names, matched as whole words only (they are parts of too many harmless words
# as substrings: `ping`, `spinner`, `compass`, `bypass`, `option`). A name's words are its runs
# of letters split at camelCase boundaries, compared case-insensitively: `pin`, `userPin`,
# `PIN_code`, `wifiPSK`, `APIKey` and `pin2` name one; `ping`, `spinner`, `pinned` (another
# word) and `passage` do not.
SECRET_WHOLE_WORDS: frozenset[str] = frozenset(
    {"pass", "pin", "pw", "pwd", "psk", "otp", "apikey", "jwt", "bearer"}
)
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+")
# How deep a zone-restricted share reads below /usr: a state's own values
# (/usr/states/<name>/<value>, /usr/addon-states/<add-on>/<name>/<value>), never what its
# `device`/`dSMeter` aliases lead to.
_USR_DEPTH: Mapping[Path, int] = {("usr", "states"): 4, ("usr", "addon-states"): 5}


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
    parts = _parts(method, params)
    if any(is_secret(name) for name, props in parts for name in (name, *props)):
        return "property names that look like secrets are blocked"
    if method in PROPERTY_WRITE_METHODS:
        return _write_reason(names, zones, script_addons)
    if not any(_under(names, p) for p in LEVEL_READ_PREFIXES[level]):
        return f"property path not in read allow-list for level {level}"
    if names[:1] == ("scripts",):
        return _script_read_reason(names, is_open, parts, zones, script_addons)
    if zones:
        return _zone_scope(names, is_open, parts, zones)
    return None


def _parts(method: str, params: Mapping[str, str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """What a call names: (name, property list) per query part, or the path's segments."""
    if method in PROPERTY_QUERY_METHODS:
        return query_parts(param(params, "query"))
    return tuple((name, ()) for name in split_path(param(params, "path")) or ())


def words(name: str) -> tuple[str, ...]:
    """A name's words, lowercased: letter runs split at camelCase boundaries."""
    return tuple(w.lower() for w in _WORD.findall(name))


def is_secret(name: str) -> bool:
    """Whether a property name looks like a secret: a SECRET_WORDS part anywhere, or a
    SECRET_WHOLE_WORDS word."""
    low = name.lower()
    if any(word in low for word in SECRET_WORDS):
        return True
    return any(word in SECRET_WHOLE_WORDS for word in words(name))


def _addon_reason(names: Path, script_addons: frozenset[str]) -> str | None:
    addon = names[1]
    if addon.startswith("system-addon-") or addon not in script_addons:
        return "add-on not in the share allow-list"
    return None


def _script_read_reason(
    names: Path,
    is_open: bool,
    parts: tuple[tuple[str, tuple[str, ...]], ...],
    zones: tuple[int, ...],
    script_addons: frozenset[str],
) -> str | None:
    """Add-on data: only a listed add-on's, only what the call names."""
    if zones:
        return "add-on data is not readable by a zone-restricted share"
    if len(names) < 3:
        return "property reads allowed only below /scripts/<add-on>/"
    reason = _addon_reason(names, script_addons)
    if reason:
        return reason
    if is_open or any("*" in props for _, props in parts):
        return "property wildcard under /scripts not allowed"
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
    return _addon_reason(names, script_addons)


def _reach(parts: tuple[tuple[str, tuple[str, ...]], ...]) -> int:
    """How deep a path or query reads: a part with a property list (`name(p)`, `name(*)`) reads
    the values one level below the nodes it matches."""
    reaches = (depth + (1 if props else 0) for depth, (_, props) in enumerate(parts, 1))
    return max(reaches, default=0)


def _zone_scope(
    names: Path,
    is_open: bool,
    parts: tuple[tuple[str, tuple[str, ...]], ...],
    zones: tuple[int, ...],
) -> str | None:
    """A zone-restricted share's reads: below /apartment only its zones' nodes, below /usr
    only the states' own values (see the module docstring)."""
    for prefix, depth in _USR_DEPTH.items():
        if _under(names, prefix) and _reach(parts) > depth:
            return "property path below a state not allowed for a zone-restricted share"
    if names[:1] != ("apartment",):
        return None
    rest = names[1:]
    if rest in ((), ("zones",)):
        return "property wildcard over zones not allowed" if is_open else None
    if rest == ("name",):
        return "property wildcard over zones not allowed" if is_open else None
    if rest[0] != "zones":
        return f"property path /apartment/{rest[0]} not allowed for a zone-restricted share"
    zone_id = zone_segment_id(rest[1])
    if zone_id is None:
        return "property path names no zone"
    if zone_id == 0 or zone_id not in zones:
        return f"zone {zone_id} outside share zones"
    return None
