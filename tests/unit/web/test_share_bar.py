"""The share bar goes where a browser sees <head> and <body>, whatever else the page says."""

from __future__ import annotations

import pytest

from dss_addon.web.share.share_bar import HEAD_ASSETS, PageTags, inject_bar, page_tags

BAR = b'<div id="dss-share-bar"></div>'
A = HEAD_ASSETS


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        (  # the ordinary page
            b"<!DOCTYPE html><html><head><title>x</title></head><body><p>x</p></body></html>",
            b"<!DOCTYPE html><html><head>" + A + b"<title>x</title></head><body>" + BAR
            + b"<p>x</p></body></html>",
        ),
        (  # a comment mentioning <head> and <body>
            b"<!DOCTYPE html><!-- <head> and <body> go here --><html><head></head><body></body>",
            b"<!DOCTYPE html><!-- <head> and <body> go here --><html><head>" + A
            + b"</head><body>" + BAR + b"</body>",
        ),
        (  # <body> in a script's string, <head> in a style's comment
            b"<html><head><style>/* <head> */</style><script>var s = '<body>';</script></head>"
            b"<body class=\"main\">x</body>",
            b"<html><head>" + A + b"<style>/* <head> */</style><script>var s = '<body>';"
            b"</script></head><body class=\"main\">" + BAR + b"x</body>",
        ),
        (  # <body> in the title (text, not a tag, for a browser)
            b"<html><head><title>a <body> b</title></head><body>x",
            b"<html><head>" + A + b"<title>a <body> b</title></head><body>" + BAR + b"x",
        ),
        (  # no <head>: after <html>, never before the doctype (quirks mode)
            b"<!DOCTYPE html>\n<html lang=\"de\"><body>x</body></html>",
            b"<!DOCTYPE html>\n<html lang=\"de\">" + A + b"<body>" + BAR + b"x</body></html>",
        ),
        (  # neither <head> nor <html>: after the doctype
            b"<!doctype html><title>x</title><p>x",
            b"<!doctype html>" + A + BAR + b"<title>x</title><p>x",
        ),
        (  # no <body>: the bar after </head>
            b"<!DOCTYPE html><html><HEAD><title>x</title></HEAD ><p>x</p></html>",
            b"<!DOCTYPE html><html><HEAD>" + A + b"<title>x</title></HEAD >" + BAR
            + b"<p>x</p></html>",
        ),
        (  # a late <head> after <body> is not the head
            b"<body>x<head></head></body>",
            A + b"<body>" + BAR + b"x<head></head></body>",
        ),
        (  # a byte order mark stays first
            b"\xef\xbb\xbf<p>x</p>",
            b"\xef\xbb\xbf" + A + BAR + b"<p>x</p>",
        ),
        (  # a bogus comment "<![CDATA[" ends at the first ">"
            b"<html><![CDATA[<head>]]><head><body>",
            b"<html><![CDATA[<head>]]><head>" + A + b"<body>" + BAR,
        ),
        (b"", A + BAR),
        (b"plain text", A + BAR + b"plain text"),
    ],
)
def test_inject_bar(page: bytes, expected: bytes) -> None:
    assert inject_bar(page, BAR) == expected


def test_offsets_are_bytes_on_later_lines() -> None:
    page = "<!DOCTYPE html>\n<html>\n<head><title>Grüße</title>\n</head>\n<body>".encode()
    tags = page_tags(page)
    assert tags == PageTags(
        doctype=page.index(b"\n"),
        html=page.index(b"<html>") + 6,
        head=page.index(b"<head>") + 6,
        head_close=page.index(b"</head>") + 7,
        body=len(page),
    )


@pytest.mark.parametrize(
    "page", [b"<", b"<!", b"<![", b"<![x\n<body", b"<!-- <body>", b"<head", b"</", b"<?x", b"\xff"]
)
def test_broken_markup_still_gets_the_bar(page: bytes) -> None:
    out = inject_bar(page, BAR)
    assert out.count(A) == 1
    assert out.count(BAR) == 1
