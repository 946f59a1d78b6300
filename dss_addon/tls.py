"""The share site's self-signed TLS certificate: generated once, kept in <data_dir>/tls/."""

from __future__ import annotations

import ipaddress
import os
import ssl
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from dss_addon.clock import Clock

if TYPE_CHECKING:
    from cryptography import x509

TLS_DIR = "tls"
CERT_FILE = "share-site.crt"
KEY_FILE = "share-site.key"
VALIDITY = timedelta(days=3650)  # like the dSS's own certificate: nobody renews it on a device


def _subject_names(hosts: list[str]) -> list[x509.GeneralName]:
    from cryptography import x509

    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    addresses = {ipaddress.ip_address("127.0.0.1")}
    for host in hosts:
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            if host:
                names.append(x509.DNSName(host))
            continue
        if not address.is_unspecified:
            addresses.add(address)
    names.extend(x509.IPAddress(a) for a in sorted(addresses, key=str))
    return names


def _write_private(path: Path, data: bytes) -> None:
    # Created 0600 from the start; O_EXCL so a concurrent start cannot swap the key under us.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def ensure_certificate(data_dir: Path, hosts: list[str], clock: Clock) -> tuple[Path, Path]:
    """(certificate, key) paths; a new self-signed pair if none exists yet. Synchronous."""
    tls_dir = data_dir / TLS_DIR
    tls_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    cert_path, key_path = tls_dir / CERT_FILE, tls_dir / KEY_FILE
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    key_pem, cert_pem = _generate_pair(hosts, clock.now())
    key_path.unlink(missing_ok=True)
    _write_private(key_path, key_pem)
    cert_path.write_bytes(cert_pem)
    return cert_path, key_path


def _generate_pair(hosts: list[str], now: datetime) -> tuple[bytes, bytes]:
    """(key PEM, certificate PEM). cryptography's x509 is imported here, not at module level:
    the pair is made once per device, and the module would stay in memory for good."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dss-share add-on")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectAlternativeName(_subject_names(hosts)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context
