"""The journal for the owner: JSON for the API, and a readable diff in the owner's language
(room, device and scene names), grouped by device. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from dss_addon.journal.values import SHARE_ACTOR, Change
from dss_addon.web.i18n import Lang, translator

JsonObject = dict[str, object]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def change_json(change: Change, lang: Lang = Lang.EN) -> JsonObject:
    return {
        "id": change.id,
        "at": _iso(change.at),
        "call": change.call,
        "target": dict(change.target),
        "names": dict(change.names),
        "before": change.before,
        "after": change.after,
        "restorable": change.restorable,
        "applied": change.applied,
        "undone": change.undone_at is not None,
        "undone_at": _iso(change.undone_at),
        "undo_of": change.undo_of,
        "by": "share" if change.actor == SHARE_ACTOR else "owner",
        "text": describe(change, lang),
        "group": group_of(change, lang),
    }


def _quoted(value: str | None, lang: Lang) -> str:
    if value is None:
        return "?"
    return f"„{value}“" if lang is Lang.DE else f"“{value}”"


def describe(change: Change, lang: Lang) -> str:
    """One line: what changed, from what to what."""
    t = translator(lang)
    before, after = _quoted(change.before, lang), _quoted(change.after, lang)
    params = change.params
    match change.method:
        case "setName":
            what = t("Name", "Name")
        case "sceneSetName":
            scene = params.get("sceneNumber", "?")
            what = t(f"Name der Szene {scene}", f"Name of scene {scene}")
        case "setSceneValue":
            scene = params.get("sceneID", "?")
            what = t(f"Wert der Szene {scene}", f"Value of scene {scene}")
        case "addTag" | "removeTag":
            tag = params.get("tag", "")
            added = change.after == "true"
            return t(
                f"Markierung {_quoted(tag, lang)} {'hinzugefügt' if added else 'entfernt'}",
                f"Tag {_quoted(tag, lang)} {'added' if added else 'removed'}",
            )
        case _ if change.klass == "property":
            what = t(f"Einstellung {params.get('path', '')}", f"Setting {params.get('path', '')}")
        case _:
            what = change.method
    if not change.restorable and change.after is not None:
        return t(
            f"{what}: → {after} (alter Wert unbekannt, nicht wiederherstellbar)",
            f"{what}: → {after} (old value unknown, not restorable)",
        )
    if not change.restorable:
        detail = ", ".join(f"{k}={v}" for k, v in sorted(params.items()))
        return t(
            f"{what} ({detail}); alter Wert unbekannt, nicht wiederherstellbar",
            f"{what} ({detail}); old value unknown, not restorable",
        )
    return f"{what}: {before} → {after}"


def group_of(change: Change, lang: Lang) -> str:
    """The heading the change is listed under: device (with its room), room, or the home."""
    t = translator(lang)
    device, zone = change.names.get("device"), change.names.get("zone")
    if device:
        return f"{device} ({zone})" if zone else device
    if zone:
        return t(f"Raum {zone}", f"Room {zone}")
    if change.klass == "device":
        return t("Gerät ", "Device ") + change.target.get("dsuid", change.target.get("dsid", "?"))
    if change.klass == "property":
        return t("Einstellungen von Erweiterungen", "Add-on settings")
    return t("Wohnung", "Home")


def group_key(change: Change) -> tuple[str, ...]:
    """What a change belongs to: a device (by its dSUID, whatever it was called), a room, the
    add-on settings or the home."""
    target = change.target
    if change.klass == "device":
        return ("device", target.get("dsuid") or target.get("dsid") or target.get("name", ""))
    if change.klass == "zone":
        return ("zone", target.get("id") or target.get("name", ""))
    return (change.klass,)


def grouped(changes: Sequence[Change], lang: Lang) -> list[tuple[str, list[Change]]]:
    """Newest first within each group; groups in order of their newest change, titled with
    the names from their oldest change (a device renamed by the share keeps its old title)."""
    groups: dict[tuple[str, ...], list[Change]] = {}
    for change in sorted(changes, key=lambda c: c.id, reverse=True):
        groups.setdefault(group_key(change), []).append(change)
    return [(group_of(items[-1], lang), items) for items in groups.values()]
