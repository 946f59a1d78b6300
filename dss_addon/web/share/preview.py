"""What the landing page may show before redemption (whose installation, level, until when).

A look-up by secret that neither redeems nor counts: link previews and reloads stay free."""

from __future__ import annotations

import html
import json
import logging

from dss_addon.errors import DssError
from dss_addon.runtime import Runtime
from dss_addon.shares.model import Level
from dss_addon.web.i18n import Translate

log = logging.getLogger(__name__)

NAME_TIMEOUT = 3.0  # seconds; the landing page shows no name rather than waiting long

LEVEL_TEXT: dict[Level, tuple[str, str]] = {
    Level.VIEW: (
        "Nur ansehen: Räume, Geräte, Verbrauch und Ereignisse lesen. Nichts wird geschaltet.",
        "View only: read rooms, devices, consumption and events. Nothing can be switched.",
    ),
    Level.OPERATE: (
        "Ansehen und bedienen: zusätzlich Licht, Jalousien und Szenen schalten, Geräte blinken "
        "lassen.",
        "View and operate: also switch lights, blinds and scenes, and make devices blink.",
    ),
    Level.CONFIGURE: (
        "Einrichten: zusätzlich Namen, Räume, Gruppen und Geräteeinstellungen ändern und den "
        "Konfigurator benutzen.",
        "Configure: also change names, rooms, groups and device settings, and use the "
        "configurator.",
    ),
}


def level_text(level: Level, t: Translate) -> str:
    return t(*LEVEL_TEXT[level])


async def apartment_name(runtime: Runtime, share_id: str) -> str | None:
    """Best effort: the page works without the name when the dSS is slow or down."""
    try:
        reply = await runtime.upstream.call(
            share_id, "apartment", "getName", {}, timeout=NAME_TIMEOUT
        )
    except DssError as err:
        log.info("apartment name for share %s unavailable: %s", share_id, err.code)
        return None
    try:
        name = json.loads(reply.body)["result"]["name"]
    except (ValueError, KeyError, TypeError):
        return None
    # The dSS stores names HTML-escaped (apartment/setName); the template escapes again.
    return html.unescape(name) if isinstance(name, str) else None
