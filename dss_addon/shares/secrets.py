"""Share secrets, session tokens and PINs: generation, digests and the slow PIN hash."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

SHARE_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"  # base32, lowercase: URL-safe, unambiguous
SHARE_ID_LENGTH = 10
SECRET_BYTES = 32  # 256 bits (DESIGN.md §3 rule 3)
PIN_LENGTH = 6

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
_SALT_BYTES = 16
_HASH_BYTES = 32
# A tampered or corrupt pin_hash must not make verification arbitrarily expensive.
_MAX_N = 2**20
_MAX_R = 16
_MAX_P = 4


def new_share_id() -> str:
    """Public identifier (owner URLs, audit rows); not a secret."""
    return "".join(secrets.choice(SHARE_ID_ALPHABET) for _ in range(SHARE_ID_LENGTH))


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def new_session_token() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def secret_digest(secret: str) -> bytes:
    """What is stored and looked up instead of a secret or a session token."""
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


def new_pin() -> str:
    return f"{secrets.randbelow(10**PIN_LENGTH):0{PIN_LENGTH}d}"


def is_valid_pin(pin: str) -> bool:
    # str.isdigit() would also accept other scripts' digits, e.g. "١٢٣٤٥٦".
    return len(pin) == PIN_LENGTH and all("0" <= c <= "9" for c in pin)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _scrypt(salt: bytes, n: int, r: int, p: int) -> Scrypt:
    return Scrypt(salt=salt, length=_HASH_BYTES, n=n, r=r, p=p)


def hash_pin(pin: str) -> str:
    """Encoded as "scrypt$n$r$p$<salt>$<hash>" so the parameters can change later."""
    if not is_valid_pin(pin):
        raise ValueError("a PIN is exactly 6 ASCII digits")
    salt = secrets.token_bytes(_SALT_BYTES)
    derived = _scrypt(salt, SCRYPT_N, SCRYPT_R, SCRYPT_P).derive(pin.encode("ascii"))
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(derived)}"


def verify_pin(pin: str, encoded: str) -> bool:
    """Constant-time check (Scrypt.verify); anything malformed is simply False."""
    if not is_valid_pin(pin):
        return False
    parts = encoded.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, expected = _unb64(parts[4]), _unb64(parts[5])
    except (ValueError, binascii.Error):
        return False
    if not (1 < n <= _MAX_N and n & (n - 1) == 0 and 0 < r <= _MAX_R and 0 < p <= _MAX_P):
        return False
    if len(salt) < 8 or len(expected) != _HASH_BYTES:
        return False
    try:
        _scrypt(salt, n, r, p).verify(pin.encode("ascii"), expected)
    except InvalidKey:
        return False
    return True
