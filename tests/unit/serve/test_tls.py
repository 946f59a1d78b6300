"""The share site's self-signed certificate."""

from __future__ import annotations

import ipaddress
import stat
from pathlib import Path

from cryptography import x509

from dss_addon.tls import ensure_certificate, server_context
from tests.support.clock import FakeClock

ANY_ADDRESS = "0.0.0.0"  # noqa: S104  # a certificate name under test, nothing binds to it


def test_certificate_is_generated_once_with_a_private_key(tmp_path: Path) -> None:
    clock = FakeClock()
    cert_path, key_path = ensure_certificate(tmp_path, ["192.168.1.20", "dss.local"], clock)
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_path.parent.stat().st_mode) == 0o700
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("192.168.1.20") in names.get_values_for_type(x509.IPAddress)
    assert "dss.local" in names.get_values_for_type(x509.DNSName)
    assert cert.not_valid_before_utc < clock.now() < cert.not_valid_after_utc
    server_context(cert_path, key_path)

    before = cert_path.read_bytes()
    assert ensure_certificate(tmp_path, ["10.0.0.1"], clock) == (cert_path, key_path)
    assert cert_path.read_bytes() == before


def test_unspecified_listen_address_is_not_a_subject_name(tmp_path: Path) -> None:
    cert_path, _ = ensure_certificate(tmp_path, [ANY_ADDRESS], FakeClock())
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address(ANY_ADDRESS) not in names.get_values_for_type(x509.IPAddress)
