import base64
import re

import pytest

from dss_addon.shares.secrets import (
    hash_pin,
    is_valid_pin,
    new_pin,
    new_secret,
    new_session_token,
    new_share_id,
    secret_digest,
    verify_pin,
)


def test_share_ids_are_short_lowercase_base32() -> None:
    ids = {new_share_id() for _ in range(200)}
    assert len(ids) == 200
    assert all(re.fullmatch(r"[a-z2-7]{10}", share_id) for share_id in ids)


@pytest.mark.parametrize("make", [new_secret, new_session_token])
def test_secrets_carry_256_random_bits_url_safe(make: object) -> None:
    assert callable(make)
    values = [make() for _ in range(200)]
    assert len(set(values)) == 200
    for value in values:
        assert isinstance(value, str)
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", value)
        assert len(base64.urlsafe_b64decode(value + "=")) == 32


def test_secret_bits_look_random() -> None:
    bits = "".join(
        f"{byte:08b}" for _ in range(50) for byte in base64.urlsafe_b64decode(new_secret() + "=")
    )
    ones = bits.count("1") / len(bits)
    assert 0.45 < ones < 0.55


def test_digest_is_sha256_and_stable() -> None:
    secret = new_secret()
    assert len(secret_digest(secret)) == 32
    assert secret_digest(secret) == secret_digest(secret)
    assert secret_digest(secret) != secret_digest(new_secret())


def test_pins_are_six_ascii_digits_and_vary() -> None:
    pins = [new_pin() for _ in range(300)]
    assert all(re.fullmatch(r"[0-9]{6}", pin) for pin in pins)
    assert len(set(pins)) > 250


@pytest.mark.parametrize(
    ("pin", "valid"),
    [
        ("000000", True),
        ("123456", True),
        ("12345", False),
        ("1234567", False),
        ("12345a", False),
        ("١٢٣٤٥٦", False),
        (" 12345", False),
        ("", False),
    ],
)
def test_pin_format(pin: str, valid: bool) -> None:
    assert is_valid_pin(pin) is valid


def test_pin_hash_verifies_the_right_pin_only() -> None:
    encoded = hash_pin("042917")
    assert encoded.startswith("scrypt$16384$8$1$")
    assert "042917" not in encoded
    assert verify_pin("042917", encoded)
    assert not verify_pin("042918", encoded)
    assert not verify_pin("42917", encoded)


def test_pin_hashes_are_salted() -> None:
    assert hash_pin("111111") != hash_pin("111111")


def test_hash_pin_refuses_a_malformed_pin() -> None:
    with pytest.raises(ValueError, match="6 ASCII digits"):
        hash_pin("12ab56")


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "garbage",
        "bcrypt$16384$8$1$c2FsdA$aGFzaA",
        "scrypt$16384$8$1$!!!$aGFzaA",
        "scrypt$16384$8$1$c2FsdHNhbHRzYWx0$aGFzaA",  # hash of the wrong length
        "scrypt$1000$8$1$c2FsdHNhbHRzYWx0$" + "A" * 43,  # n not a power of two
        "scrypt$1073741824$8$1$c2FsdHNhbHRzYWx0$" + "A" * 43,  # absurd cost
        "scrypt$x$8$1$c2FsdHNhbHRzYWx0$" + "A" * 43,
        "scrypt$16384$8$1$c2FsdHNhbHRzYWx0",
    ],
)
def test_malformed_hashes_never_verify(encoded: str) -> None:
    assert verify_pin("123456", encoded) is False


def test_a_tampered_hash_does_not_verify() -> None:
    encoded = hash_pin("123456")
    head, tail = encoded.rsplit("$", 1)
    flipped = ("B" if tail[0] == "A" else "A") + tail[1:]
    assert not verify_pin("123456", f"{head}${flipped}")
