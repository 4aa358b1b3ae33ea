"""The development PKI and its CLI; the SoftHSM2 fixture."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from vanthu_signing import pki
from vanthu_signing import signer as sg
from vanthu_signing.verify import verify_pdf

from .conftest import CLOCK

VN = dt.timezone(dt.timedelta(hours=7))
#: real clocks the suite must not care about: today's run, New Year's Day (Vietnam time) and a year ahead (CI)
REAL_CLOCKS = [CLOCK, dt.datetime(2027, 1, 1, 0, 0, 1, tzinfo=VN), CLOCK + dt.timedelta(days=365)]


@pytest.mark.parametrize("real_now", REAL_CLOCKS, ids=["today", "new-year", "a-year-ahead"])
def test_pki_issued_at_a_given_instant_has_fixed_validity_windows(real_now: dt.datetime) -> None:
    with time_machine.travel(real_now, tick=False):
        made = pki.generate(now=CLOCK)
    for issued in (made.root, made.intermediate, made.personal, made.agency, made.tsa):
        assert issued.cert.not_valid_before_utc == CLOCK - dt.timedelta(days=1)
    assert made.personal.cert.not_valid_after_utc == CLOCK + dt.timedelta(days=730)
    assert made.root.cert.not_valid_after_utc == CLOCK + dt.timedelta(days=3650)
    for crl in (made.root_crl, made.intermediate_crl):
        assert crl is not None
        assert crl.last_update_utc == CLOCK - dt.timedelta(minutes=5)
        assert crl.next_update_utc == CLOCK - dt.timedelta(minutes=5) + dt.timedelta(days=pki.DEV_CRL_DAYS)


@pytest.mark.parametrize("real_now", REAL_CLOCKS[1:], ids=["new-year", "a-year-ahead"])
def test_suite_signs_and_verifies_whatever_the_real_date(real_now: dt.datetime, env, make_pdf) -> None:  # type: ignore[no-untyped-def]
    """The suite's PKI and pinned dates keep working when the machine's clock is elsewhere (CI runs a year ahead)."""
    when = CLOCK + dt.timedelta(hours=1)  # a pinned signing time, as the suite's tests use
    with time_machine.travel(real_now, tick=True):
        signed = sg.sign_attachment(make_pdf(placeholders=False), env.agency, env.tsa, number_symbol="1/UBND",
                                    when=when)
    report = verify_pdf(signed.pdf, env.roots)
    assert report.ok, report.text()


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
