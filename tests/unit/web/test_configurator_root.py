"""The configurator's document root: the resolved file, not only the spelled path, stays out of
the web front's own areas."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from dss_addon.web.share.configurator_root import inside_allowed_area, page_file


@pytest.mark.parametrize(
    ("relative", "allowed"),
    [
        ("index.html", True),
        ("sim-static/app.js", True),
        ("js/jsonlib.js", True),  # a later segment is refused by name, not by prefix
        ("images/icons/lamp.png", True),  # the configurator's own icons folder
        ("js/json/parse.js", True),
        ("add-ons/demo-addon/index.html", False),
        ("Add-Ons/demo-addon/index.html", False),
        ("cgi-bin/reboot.html", False),
        ("browsesystem/x.html", False),  # the first segment by prefix, as the route grammar
        ("pages/add-ons/demo-addon/index.html", False),  # a root one level too high
        ("pages/cgi-bin/reboot.html", False),
        ("a b/index.html", False),  # a resolved name outside the route grammar
        ("", False),
    ],
)
def test_inside_allowed_area(relative: str, allowed: bool) -> None:
    assert inside_allowed_area(PurePosixPath(relative)) is allowed


def _root(tmp_path: Path) -> Path:
    root = tmp_path / "www"
    (root / "add-ons" / "demo").mkdir(parents=True)
    (root / "add-ons" / "demo" / "index.html").write_text("owner only")
    (root / "pages").mkdir()
    (root / "pages" / "index.html").write_text("configurator")
    return root


@pytest.mark.parametrize(
    ("link", "target", "path"),
    [
        ("apps", "add-ons", "/apps/demo/index.html"),
        ("apps", "add-ons", "/apps/demo/"),
        ("demo.html", "add-ons/demo/index.html", "/demo.html"),
        ("pages/more", "../add-ons", "/pages/more/demo/index.html"),
    ],
)
def test_a_symlink_into_an_area_is_refused(
    tmp_path: Path, link: str, target: str, path: str
) -> None:
    root = _root(tmp_path)
    (root / link).symlink_to(target)
    assert page_file(root, path) is None


def test_a_symlink_to_an_ordinary_page_still_serves(tmp_path: Path) -> None:
    root = _root(tmp_path)
    (root / "start.html").symlink_to("pages/index.html")
    assert page_file(root, "/start.html") == (root / "pages" / "index.html").resolve()
