"""How a new share's link is handed out: QR code and a prefilled e-mail (pure). The PIN is
never part of either: it goes over a second channel."""

from __future__ import annotations

from urllib.parse import quote

from markupsafe import Markup

from dss_addon.shares.model import Level, Share
from dss_addon.web.i18n import Lang
from dss_addon.web.owner.link_place import Place
from dss_addon.web.owner.views import when

_LEVEL_TEXT = {
    Lang.DE: {
        Level.VIEW: "nur ansehen, nichts schalten oder ändern",
        Level.OPERATE: "ansehen und bedienen, nichts umkonfigurieren",
        Level.CONFIGURE: "ansehen, bedienen und einrichten",
    },
    Lang.EN: {
        Level.VIEW: "view only, nothing can be switched or changed",
        Level.OPERATE: "view and operate, no reconfiguration",
        Level.CONFIGURE: "view, operate and configure",
    },
}


def qr_svg(link: str) -> Markup:
    # segno writes only geometry (no text, no style attribute), so the SVG is safe to inline
    # under the CSP; the link is encoded in the path data, never as markup.
    import segno  # only for the page shown once per share: not kept in memory before

    svg = segno.make(link, error="m").svg_inline(
        scale=4, border=4, light="#fff", dark="#000", svgclass="qr", lineclass=None
    )
    return Markup(svg)  # noqa: S704  # segno's own output, see above


_PLACE_TEXT = {
    Lang.DE: {
        Place.HOME: "Der Link funktioniert nur vor Ort, im Heimnetz (WLAN) des Hauses.",
        Place.ANYWHERE: "Der Link funktioniert auch von unterwegs.",
    },
    Lang.EN: {
        Place.HOME: "The link works only on site, in the house's home network (Wi-Fi).",
        Place.ANYWHERE: "The link also works from anywhere.",
    },
}
# The device's own certificate is self-signed, like the configurator's.
_CERTIFICATE_TEXT = {
    Lang.DE: " Beim ersten Öffnen warnt der Browser vor dem Zertifikat des Geräts: das ist hier "
    "erwartet, bitte die Warnung bestätigen.",
    Lang.EN: " On first opening, the browser warns about the device's certificate: that is "
    "expected here, please confirm the warning.",
}


def place_text(link: str, lang: Lang, place: Place) -> str:
    text = _PLACE_TEXT[lang][place]
    if place is Place.HOME and link.startswith("https://"):
        text += _CERTIFICATE_TEXT[lang]
    return text + "\n\n"


def mail_text(link: str, share: Share, lang: Lang, place: Place) -> tuple[str, str]:
    until = when(share.expires_at, lang)
    level = _LEVEL_TEXT[lang][share.level]
    where = place_text(link, lang, place)
    if lang is Lang.DE:
        pin = (
            "Die PIN bekommen Sie getrennt von dieser E-Mail, telefonisch oder per SMS.\n\n"
            if share.has_pin else ""
        )
        return "Zugang zu meiner digitalSTROM-Installation", (
            "Hallo,\n\nmit diesem Link haben Sie Zugang zu meiner digitalSTROM-Installation "
            f"({level}):\n\n{link}\n\nDer Link gilt bis {until} und nur für Sie: bitte nicht "
            f"weitergeben.\n\n{where}{pin}Wenn Sie fertig sind, klicken Sie auf „Job erledigt“; "
            "dann endet der Zugang sofort.\n\nViele Grüße\n"
        )
    pin = "You will get the PIN separately from this e-mail, by phone or text message.\n\n"
    return "Access to my digitalSTROM installation", (
        "Hello,\n\nthis link gives you access to my digitalSTROM installation "
        f"({level}):\n\n{link}\n\nIt is valid until {until} and only for you: please do not "
        f"pass it on.\n\n{where}{pin if share.has_pin else ''}When you are done, click "
        "\"Job done\"; "
        "access ends at once.\n\nBest regards\n"
    )


def mailto(link: str, share: Share, lang: Lang, place: Place) -> str:
    subject, body = mail_text(link, share, lang, place)
    return f"mailto:?subject={quote(subject, safe='')}&body={quote(body, safe='')}"
