"""The share bar put into configurator pages: the electrician sees whose share this is, its
level and time left, "Job done" and the way back to the overview (share-bar.js/.css, the
template share/configurator_bar.html). The bar's script and style come from the share site
itself, so the strict CSP (script-src 'self', no inline code) stays as it is."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser

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
_UTF8_BOM = b"\xef\xbb\xbf"
# Elements whose content a browser reads as text, not tags (html.parser before Python 3.13
# knows only script and style).
_TEXT_ONLY = frozenset({"title", "textarea"})


@dataclass(frozen=True, slots=True)
class PageTags:
    """Byte offsets just past the tags that place the bar (None: the page has no such tag):
    the doctype, the <html> and <head> start tags, </head>, and the <body> start tag."""

    doctype: int | None = None
    html: int | None = None
    head: int | None = None
    head_close: int | None = None
    body: int | None = None


class _BodyFound(Exception):
    pass


class _TagScanner(HTMLParser):
    """The tags as a browser finds them: comments and script/style/title/textarea content are
    skipped. Offsets are in bytes: the page is read as Latin-1, one character per byte."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=False)
        self._text = text
        self._line_starts = [0]
        at = text.find("\n")
        while at >= 0:
            self._line_starts.append(at + 1)
            at = text.find("\n", at + 1)
        self._text_only: str | None = None
        self._found: dict[str, int] = {}

    def scan(self) -> PageTags:
        try:
            self.feed(self._text)
            self.close()
        except _BodyFound:
            pass
        return PageTags(**self._found)

    def _here(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def _tag_end(self) -> int:
        end = self._text.find(">", self._here())
        return len(self._text) if end < 0 else end + 1

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        # "<![CDATA[" and the like: a browser reads a bogus comment up to the next ">" (the
        # stock parser asserts on a malformed one instead).
        end = self.rawdata.find(">", i + 3)
        return -1 if end < 0 else end + 1

    def handle_decl(self, decl: str) -> None:
        if decl.lower().startswith("doctype") and not self._found:
            self._found["doctype"] = self._tag_end()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._text_only is not None:
            return
        if tag in _TEXT_ONLY:
            self._text_only = tag
        elif tag in ("html", "head", "body") and tag not in self._found:
            self._found[tag] = self._here() + len(self.get_starttag_text() or "")
            if tag == "body":
                raise _BodyFound

    def handle_endtag(self, tag: str) -> None:
        if tag == self._text_only:
            self._text_only = None
        elif self._text_only is None and tag == "head" and "head_close" not in self._found:
            self._found["head_close"] = self._tag_end()


def page_tags(page: bytes) -> PageTags:
    """Where the page's doctype, <html>, <head>, </head> and <body> end, up to its first
    <body> start tag."""
    return _TagScanner(page.decode("latin-1")).scan()


def inject_bar(page: bytes, bar: bytes) -> bytes:
    """The page with HEAD_ASSETS first in its head and `bar` first in its body.

    The tags are the ones a browser sees (page_tags): not a "<head>" in a comment, nor a
    "<body>" in a script's string. Without a <head> tag the assets follow the <html> start
    tag, else the doctype (never before it: that would switch the page to quirks mode); without
    a <body> tag the bar follows </head>, else the assets."""
    tags = page_tags(page)
    assets_at = tags.head or tags.html or tags.doctype or (3 if page.startswith(_UTF8_BOM) else 0)
    bar_at = max(tags.body or tags.head_close or assets_at, assets_at)
    return (
        page[:assets_at] + HEAD_ASSETS + page[assets_at:bar_at] + bar + page[bar_at:]
    )


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
