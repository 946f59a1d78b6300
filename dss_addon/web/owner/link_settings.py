"""The homeowner's link settings, kept in one small JSON file in the data directory (written
whole, atomically: a power cut leaves the old file or the new one, never half of one)."""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from dss_addon.errors import StoreError, StoreFull
from dss_addon.web.owner.link_place import check_public_url

log = logging.getLogger(__name__)

LINK_SETTINGS_FILE = "link-settings.json"
MAX_FILE = 4096


@dataclass(frozen=True, slots=True)
class LinkSettings:
    public_url: str = ""  # the stored public HTTPS address; "" when none


def _read(path: Path) -> LinkSettings:
    try:
        raw = path.read_bytes()[:MAX_FILE]
    except FileNotFoundError:
        return LinkSettings()
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        log.warning("%s is not valid JSON; using no public address", path.name)
        return LinkSettings()
    url = data.get("public_url") if isinstance(data, dict) else None
    # Checked again on reading: a file edited by hand cannot smuggle in a bad link base.
    if isinstance(url, str) and check_public_url(url).ok:
        return LinkSettings(check_public_url(url).url)
    return LinkSettings()


def _write(path: Path, settings: LinkSettings) -> None:
    text = json.dumps({"public_url": settings.public_url}, ensure_ascii=False) + "\n"
    scratch = path.with_name(path.name + ".new")
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(scratch, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


async def load_link_settings(data_dir: Path) -> LinkSettings:
    return await asyncio.to_thread(_read, data_dir / LINK_SETTINGS_FILE)


async def save_link_settings(data_dir: Path, settings: LinkSettings) -> None:
    try:
        await asyncio.to_thread(_write, data_dir / LINK_SETTINGS_FILE, settings)
    except OSError as err:
        if err.errno == errno.ENOSPC:
            raise StoreFull("The storage is full: the settings were not saved.") from err
        raise StoreError("The settings could not be saved.") from err
