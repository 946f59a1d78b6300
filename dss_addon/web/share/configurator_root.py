"""The configurator's pages read from the web front's document root (/www/pages on the
appliance), for configure shares: read-only, confined to that folder (symlinks resolved), and
never the web front's other areas (CGIs, add-ons' pages), whatever the request spelled."""

from __future__ import annotations

import asyncio
from pathlib import Path, PurePosixPath

from dss_addon.errors import DssUnavailable
from dss_addon.web.share.dss_request import configurator_path

PAGE_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".png": "image/png",
    ".gif": "image/gif",
    ".jpg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}
INDEX = "index.html"


# Deeper down only the areas that hold other owners' pages count: the configurator's own
# assets may well sit in folders named "icons" or "json" (only the web front's top-level
# /icons and /json are the dSS's).
NESTED_AREAS = frozenset({"add-ons", "cgi-bin"})


def inside_allowed_area(relative: PurePosixPath) -> bool:
    """Whether a file's resolved path relative to the resolved root stays out of the web
    front's own areas: its first segment passes the route grammar (forbidden prefixes, as the
    web front routes them), and no deeper segment is an area's name either (a root set one
    level too high, /www instead of /www/pages, must not open .../add-ons or .../cgi-bin)."""
    if not relative.parts or configurator_path(relative.as_posix()) is None:
        return False
    return not any(part.lower() in NESTED_AREAS for part in relative.parts[1:])


def page_file(root: Path, path: str) -> Path | None:
    """The file for an upstream configurator path ("/", "/js/app.js"), or None.

    `path` already passed dss_request.configurator_path; it is checked again here because this
    is the last step before the file system: no NUL, backslash or percent sign, no "." or ".."
    segments, none of the web front's own areas, and after resolving symlinks a file of a
    known page type inside the root, whose resolved path is outside those areas as well (a
    symlink "apps -> add-ons" inside the root must not serve another add-on's pages). A folder
    means its index.html."""
    if any(ch in path for ch in "\x00\\%") or not path.startswith("/"):
        return None
    if configurator_path(path[1:]) != path:
        return None
    try:
        base = root.resolve(strict=True)
        target = (base / PurePosixPath(path[1:])).resolve(strict=True)
        if target.is_dir():
            target = (target / INDEX).resolve(strict=True)
    except (OSError, RuntimeError):  # missing, a loop of symlinks, unreadable
        return None
    if base not in target.parents or not target.is_file():
        return None
    if not inside_allowed_area(PurePosixPath(target.relative_to(base).as_posix())):
        return None
    if target.suffix.lower() not in PAGE_TYPES:
        return None
    return target


def _read(target: Path, limit: int) -> bytes:
    with target.open("rb") as handle:
        body = handle.read(limit + 1)
    if len(body) > limit:
        raise DssUnavailable("the configurator page is too large")
    return body


async def read_page(root: Path, path: str, limit: int) -> tuple[bytes, str] | None:
    """(body, content type) of the page, or None when there is no such page."""
    target = page_file(root, path)
    if target is None:
        return None
    try:
        body = await asyncio.to_thread(_read, target, limit)
    except OSError:
        return None
    return body, PAGE_TYPES[target.suffix.lower()]
