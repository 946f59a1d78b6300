"""`dss-addon serve` options: addon.json defaults, command line wins, short errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dss_addon.__main__ import UsageError, load_settings, main
from dss_addon.errors import BadInput
from dss_addon.settings import Listen

REPO = Path(__file__).resolve().parents[3]


def write_config(tmp_path: Path, **options: object) -> Path:
    path = tmp_path / "addon.json"
    path.write_text(json.dumps({"id": "dss-share", "options": options}), "utf-8")
    return path


def test_options_come_from_the_config_and_the_command_line_wins(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        dss_url="https://127.0.0.1:8080",
        data_dir=str(tmp_path / "data"),
        owner_listen="127.0.0.1:8091",
        share_listen="0.0.0.0:8443",
        dss_insecure=True,
    )
    settings = load_settings(
        ["serve", "--config", str(config), "--share-listen", "127.0.0.1:0", "--http"]
    )
    assert settings.dss_url == "https://127.0.0.1:8080"
    assert settings.data_dir == tmp_path / "data"
    assert settings.owner_listen == Listen("127.0.0.1", 8091)
    assert settings.share_listen == Listen("127.0.0.1", 0)
    assert settings.http is True
    assert settings.dss_insecure is True

    settings = load_settings(["serve", "--config", str(config), "--no-dss-insecure"])
    assert settings.dss_insecure is False
    assert settings.http is False


def test_the_homeowner_can_open_event_names_and_add_ons_to_configure_shares(
    tmp_path: Path,
) -> None:
    config = write_config(
        tmp_path,
        dss_url="https://127.0.0.1:8080",
        data_dir=str(tmp_path / "data"),
        raise_allowed=["tado.*"],
        script_addons=["tado"],
    )
    settings = load_settings(["serve", "--config", str(config)])
    assert settings.raise_allowed == frozenset({"tado.*"})
    assert settings.script_addons == frozenset({"tado"})
    bad = write_config(
        tmp_path, dss_url="https://127.0.0.1:8080", data_dir="d", script_addons="tado"
    )
    with pytest.raises((BadInput, UsageError)):
        load_settings(["serve", "--config", str(bad)])


def test_the_shipped_addon_json_is_a_valid_configuration() -> None:
    manifest = json.loads((REPO / "addon.json").read_text("utf-8"))
    assert manifest["entry"][:2] == ["dss-addon", "serve"]
    settings = load_settings(["serve", "--config", str(REPO / "addon.json")])
    assert settings.dss_insecure is True
    assert settings.owner_listen.host == "127.0.0.1"  # the owner site stays on the box


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["serve", "--bogus"],
        ["serve", "--dss-url", "https://x", "--data-dir", "d", "--owner-listen", "nonsense"],
        ["serve", "--config", "/nonexistent/addon.json"],
    ],
)
def test_bad_options_are_usage_errors(argv: list[str]) -> None:
    with pytest.raises((UsageError, BadInput)):
        load_settings(argv)


def test_bad_option_exits_2_with_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        main(["serve", "--dss-url", "ftp://x", "--data-dir", str(tmp_path)])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("dss-addon: ")
    assert "--dss-url" in err


def test_unusable_data_dir_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory", "utf-8")
    with pytest.raises(SystemExit) as info:
        main(["serve", "--dss-url", "http://127.0.0.1:1", "--data-dir", str(blocker / "data")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "data directory" in err
