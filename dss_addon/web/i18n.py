"""German (default) and English; templates carry both texts: t("Deutsch", "English")."""

from __future__ import annotations

from enum import StrEnum

from aiohttp import web

LANG_COOKIE = "lang"


class Lang(StrEnum):
    DE = "de"
    EN = "en"


def pick_language(request: web.Request) -> Lang:
    """?lang= wins, then the language cookie, then Accept-Language; German by default."""
    for candidate in (request.query.get("lang"), request.cookies.get(LANG_COOKIE)):
        if candidate in (Lang.DE, Lang.EN):
            return Lang(candidate)
    return language_from_header(request.headers.get("Accept-Language", ""))


def language_from_header(header: str) -> Lang:
    best: tuple[float, Lang] | None = None
    for item in header.split(","):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in (Lang.DE, Lang.EN):
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                quality = 0.0
        if best is None or quality > best[0]:
            best = (quality, Lang(primary))
    return best[1] if best else Lang.DE


def translator(lang: Lang) -> Translate:
    return Translate(lang)


class Translate:
    """Callable given to templates as `t`: t("Freigabe", "Share") picks by language."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang

    def __call__(self, de: str, en: str) -> str:
        return de if self.lang is Lang.DE else en
