"""--dss-url: the dSS's own port, never its trusted port (which believes any user name)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dss_addon.__main__ import main
from dss_addon.errors import BadInput
from dss_addon.settings import parse_dss_url, settings_from_options


@pytest.mark.parametrize(
    "url",
    ["https://127.0.0.1:8080", "https://127.0.0.1:8080/", "http://localhost", "https://[::1]:80"],
)
def test_the_dss_own_ports_are_accepted(url: str) -> None:
    assert parse_dss_url(url, option="--dss-url") == url.rstrip("/")


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8088", "https://127.0.0.1:8088/", "http://[::1]:8088", "http://dss:08088"],
)
def test_the_trusted_port_is_refused(url: str) -> None:
    with pytest.raises(BadInput, match="trusted port") as info:
        parse_dss_url(url, option="--dss-url")
    assert info.value.field == "--dss-url"


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999", "http://127.0.0.1:port"])
def test_an_impossible_port_is_a_clear_error(url: str) -> None:
    with pytest.raises(BadInput, match="--dss-url: expected a port"):
        parse_dss_url(url, option="--dss-url")


def test_addon_json_with_the_trusted_port_is_refused() -> None:
    with pytest.raises(BadInput, match="trusted port"):
        settings_from_options({"dss_url": "http://127.0.0.1:8088", "data_dir": "d"})


def test_serve_with_the_trusted_port_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["serve", "--dss-url", "http://127.0.0.1:8088", "--data-dir", str(tmp_path)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "--dss-url" in err
    assert "8088" in err
