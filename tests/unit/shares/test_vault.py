import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from dss_addon.errors import StoreError
from dss_addon.shares.vault import TokenVault


def test_first_open_creates_a_private_key_file(tmp_path: Path) -> None:
    vault = TokenVault.open(tmp_path)
    key_file = tmp_path / "keys" / "app-tokens.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    blob = vault.encrypt("dss-app-token")
    assert b"dss-app-token" not in blob
    assert vault.decrypt(blob) == "dss-app-token"


def test_reopening_keeps_the_key(tmp_path: Path) -> None:
    blob = TokenVault.open(tmp_path).encrypt("token-1")
    assert TokenVault.open(tmp_path).decrypt(blob) == "token-1"


def test_a_prepended_key_rotates_and_old_blobs_still_decrypt(tmp_path: Path) -> None:
    old_blob = TokenVault.open(tmp_path).encrypt("token-1")
    key_file = tmp_path / "keys" / "app-tokens.key"
    key_file.write_bytes(Fernet.generate_key() + b"\n" + key_file.read_bytes())
    vault = TokenVault.open(tmp_path)
    assert vault.decrypt(old_blob) == "token-1"
    rotated = vault.rotate(old_blob)
    only_new = TokenVault([key_file.read_bytes().splitlines()[0]])
    assert only_new.decrypt(rotated) == "token-1"


def test_a_lost_key_is_a_store_error_without_the_token(tmp_path: Path) -> None:
    blob = TokenVault.open(tmp_path).encrypt("token-1")
    with pytest.raises(StoreError) as caught:
        TokenVault([Fernet.generate_key()]).decrypt(blob)
    assert "token-1" not in str(caught.value)


def test_an_empty_or_bad_key_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "keys").mkdir()
    (tmp_path / "keys" / "app-tokens.key").write_bytes(b"# no keys\n")
    with pytest.raises(StoreError):
        TokenVault.open(tmp_path)
    with pytest.raises(StoreError):
        TokenVault([b"not-a-key"])
