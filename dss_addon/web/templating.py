"""Jinja2 environment (autoescape, StrictUndefined) and the one render function."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from dss_addon.web.i18n import Lang, pick_language, translator

if TYPE_CHECKING:
    import jinja2


class Templates:
    """The pages' templates. jinja2 is loaded on the first page rendered, not at start: on the
    device the add-on mostly idles, answering /json for helpers, and memory is scarce."""

    def __init__(self, ui_dir: Path) -> None:
        self._directory = ui_dir / "templates"
        self._environment: jinja2.Environment | None = None

    @property
    def environment(self) -> jinja2.Environment:
        if self._environment is None:
            import jinja2

            self._environment = jinja2.Environment(
                loader=jinja2.FileSystemLoader(self._directory),
                autoescape=True,
                undefined=jinja2.StrictUndefined,
                trim_blocks=True,
                lstrip_blocks=True,
            )
        return self._environment


TEMPLATES: web.AppKey[Templates] = web.AppKey("templates", Templates)


def render(
    request: web.Request,
    template: str,
    context: Mapping[str, object],
    *,
    status: int = 200,
    lang: Lang | None = None,
) -> web.Response:
    env = request.app[TEMPLATES].environment
    lang = lang or pick_language(request)
    html = env.get_template(template).render({**context, "lang": lang.value, "t": translator(lang)})
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8")
