"""The share bar put into configurator pages: the electrician sees whose share this is, its
level and time left, "Job done" and the way back to the overview (share-bar.js/.css, the
template share/configurator_bar.html). The bar's script and style come from the share site
itself, so the strict CSP (script-src 'self', no inline code) stays as it is."""

from __future__ import annotations

import re
from datetime import datetime

from aiohttp import web

from dss_addon.shares.model import Level, Share, time_left
from dss_addon.web.i18n import pick_language, translator
from dss_addon.web.share.preview import level_text
from dss_addon.web.templating import TEMPLATES

BAR_TEMPLATE = "share/configurator_bar.html"
# Before everything else in <head>: the bar's script wraps fetch/XMLHttpRequest before the
# configurator's own scripts run.
HEAD_ASSETS = (
    b'<link rel="stylesheet" href="/s/static/share-bar.css">'
    b'<script src="/s/static/share-bar.js"></script>'
)
# The bar is one line on a phone: the level's short name, its full text as a tooltip.
LEVEL_NAME: dict[Level, tuple[str, str]] = {
    Level.VIEW: ("Ansehen", "View"),
    Level.OPERATE: ("Bedienen", "Operate"),
    Level.CONFIGURE: ("Konfigurieren", "Configure"),
}
_HEAD_OPEN = re.compile(rb"<head(?:\s[^>]*)?>", re.IGNORECASE)
_BODY_OPEN = re.compile(rb"<body(?:\s[^>]*)?>", re.IGNORECASE)


def inject_bar(page: bytes, bar: bytes) -> bytes:
    """The page with HEAD_ASSETS first in its head and `bar` first in its body (or, for pages
    without those tags, both at the start)."""
    head = _HEAD_OPEN.search(page)
    at = head.end() if head else 0
    page = page[:at] + HEAD_ASSETS + page[at:]
    body = _BODY_OPEN.search(page, at + len(HEAD_ASSETS))
    at = body.end() if body else at + len(HEAD_ASSETS)
    return page[:at] + bar + page[at:]


def render_bar(request: web.Request, share: Share, now: datetime) -> bytes:
    lang = pick_language(request)
    t = translator(lang)
    template = request.app[TEMPLATES].environment.get_template(BAR_TEMPLATE)
    html = template.render(
        lang=lang.value,
        t=t,
        label=share.label,
        level_name=t(*LEVEL_NAME[share.level]),
        level_text=level_text(share.level, t),
        seconds_left=int(time_left(share, now).total_seconds()),
    )
    return html.encode("utf-8")
