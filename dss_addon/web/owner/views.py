"""View models of the owner pages: plain dicts with times already formatted (pure). Texts that
only depend on a state or level live in ui/templates/owner/macros.html."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from urllib.parse import quote

from dss_addon.home_zone import home_zone
from dss_addon.shares.audit import AuditEntry
from dss_addon.shares.model import (
    FINAL_STATES,
    OVER_STATES,
    Share,
    ShareState,
    share_state,
    time_left,
    time_to_start,
)
from dss_addon.web.i18n import Lang
from dss_addon.web.owner.audit_text import Names, describe_call, describe_reason
from dss_addon.web.owner.present import iso

View = dict[str, object]
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def when(moment: datetime | None, lang: Lang) -> str:
    """Server-side text in the home's zone; owner.js rewrites it in the browser's zone."""
    if moment is None:
        return "—"
    local = moment.astimezone(home_zone())
    if lang is Lang.DE:
        return local.strftime("%d.%m.%Y, %H:%M")
    return f"{local.day} {_MONTHS[local.month - 1]} {local.year}, {local:%H:%M}"


def when_exact(moment: datetime, lang: Lang) -> str:
    """With seconds, in the home's zone: for the audit's CSV (spreadsheets read it as a time)."""
    local = moment.astimezone(home_zone())
    return local.strftime("%d.%m.%Y %H:%M:%S" if lang is Lang.DE else "%Y-%m-%d %H:%M:%S")


def duration_text(seconds: int, lang: Lang) -> str:
    """Mirrors durationText() in ui/static/owner.js."""
    minutes = max(0, seconds) // 60
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if lang is Lang.DE:
        if days:
            return f"{days} {'Tag' if days == 1 else 'Tage'} {hours} Std."
        return f"{hours} Std. {mins} Min." if hours else f"{mins} Min."
    if days:
        return f"{days} {'day' if days == 1 else 'days'} {hours} h"
    return f"{hours} h {mins} min" if hours else f"{mins} min"


def share_view(
    share: Share, now: datetime, live: int, lang: Lang, zone_names: Mapping[int, str]
) -> View:
    state = share_state(share, now)
    over = state in OVER_STATES
    # Only a share that can still be opened counts down (issue 10, item 10): a locked one
    # waits for the owner, a scheduled one counts down to its start.
    counts = state in (ShareState.ACTIVE, ShareState.USED_UP)
    seconds = int(time_left(share, now).total_seconds())
    to_start = int(time_to_start(share, now).total_seconds())
    request = share.pending_extension
    return {
        "id": share.id,
        "href": quote(share.id, safe=""),
        "label": share.label,
        "level": share.level.value,
        "state": state.value,
        "final": state in FINAL_STATES,
        "over": over,
        "archived": share.archived_at is not None,
        "created": when(share.created_at, lang),
        "starts": when(share.starts_at, lang),
        "starts_iso": iso(share.starts_at),
        "expires": when(share.expires_at, lang),
        "expires_iso": iso(share.expires_at),
        "seconds_left": seconds if counts else 0,
        "time_left": duration_text(seconds, lang) if counts else "—",
        "seconds_to_start": to_start,
        "starts_in": duration_text(to_start, lang),
        "last_used": when(share.last_used_at, lang),
        "last_used_iso": iso(share.last_used_at),
        "live": 0 if over else live,
        "has_pin": share.has_pin,
        "zones": [zone_names.get(z, f"#{z}") for z in share.zones],
        "redemptions": share.redemptions,
        "max_redemptions": share.max_redemptions,
        "predecessor": share.predecessor_id,
        "extension_request": None if request is None else {
            "minutes": request.minutes,
            "message": request.message,
            "at": when(request.at, lang),
            "at_iso": iso(request.at),
        },
    }


def audit_view(entry: AuditEntry, lang: Lang, names: Names) -> View:
    action, target = describe_call(entry.call, names, lang) if entry.call else ("", "")
    return {
        "at": when(entry.at, lang),
        "at_iso": iso(entry.at),
        "event": entry.event,
        "call": entry.call,
        "action": action,
        "target": target,
        "allowed": entry.allowed,
        "reason": describe_reason(entry.reason, names, lang, lambda m: when(m, lang)),
        "client": entry.client,
        "session": entry.session_id[:8],
    }
