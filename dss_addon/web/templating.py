"""Jinja2 environment (autoescape, StrictUndefined) and the one render function."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import jinja2
from aiohttp import web

from dss_addon.web.i18n import Lang, pick_language, translator

TEMPLATES: web.AppKey[jinja2.Environment] = web.AppKey("templates", jinja2.Environment)


def create_environment(ui_dir: Path) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(ui_dir / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render(
    request: web.Request,
    template: str,
    context: Mapping[str, object],
    *,
    status: int = 200,
    lang: Lang | None = None,
) -> web.Response:
    env = request.app[TEMPLATES]
    lang = lang or pick_language(request)
    html = env.get_template(template).render({**context, "lang": lang.value, "t": translator(lang)})
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
