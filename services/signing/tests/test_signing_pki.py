"""The development PKI and its CLI; the SoftHSM2 fixture."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from vanthu_signing import pki


def test_cli_writes_dev_pki(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "vanthu_signing.cli", "dev-pki", str(tmp_path / "pki")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    d = tmp_path / "pki"
    for name in ("root.crt", "intermediate.crt", "personal.p12", "agency.p12", "tsa.p12"):
        assert (d / name).exists()
    key, cert, chain = pkcs12.load_key_and_certificates((d / "personal.p12").read_bytes(), pki.DEV_P12_PASSWORD)
    assert key is not None and cert is not None and len(chain) == 1
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Nguyễn Văn Hưởng"
    assert cert.subject.get_attributes_for_oid(NameOID.TITLE)[0].value == "Chủ tịch"
    for name in ("root.crt", "intermediate.crt", "personal.crt", "agency.crt", "tsa.crt"):
        c = x509.load_pem_x509_certificate((d / name).read_bytes())
        assert c.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)[0].value == pki.DEV_OU
    agency = x509.load_pem_x509_certificate((d / "agency.crt").read_bytes())
    assert agency.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "Ủy ban nhân dân tỉnh Vĩnh Long"
    tsa = x509.load_pem_x509_certificate((d / "tsa.crt").read_bytes())
    assert ExtendedKeyUsageOID.TIME_STAMPING in tsa.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value


def test_chain_links() -> None:
    made = pki.generate()
    made.personal.cert.verify_directly_issued_by(made.intermediate.cert)
    made.intermediate.cert.verify_directly_issued_by(made.root.cert)
    made.agency.cert.verify_directly_issued_by(made.intermediate.cert)


@pytest.mark.integration
def test_softhsm_token_holds_keys(softhsm_token) -> None:  # type: ignore[no-untyped-def]
    out = subprocess.run(["pkcs11-tool", "--module", softhsm_token.module, "--token-label", softhsm_token.token_label,
                          "--login", "--pin", softhsm_token.pin, "-O"], capture_output=True, text=True, check=True)
    assert out.stdout.count("Private Key Object") == 2
    assert "label:      personal" in out.stdout and "label:      agency" in out.stdout
