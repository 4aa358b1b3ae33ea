"""Signatures that outlive their certificates (issue 16 item 4): augmentation of a signed PDF to PAdES B-LTA and
re-timestamping (ETSI EN 319 142-1), and verification of the result years later from its embedded validation data,
offline. The test PKI has fixed validity windows from CLOCK: the signer's and the signature timestamp's
certificates end at CLOCK + 2 years; the archive TSAs' below are longer-lived, as a scheduler relies on."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import time_machine
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.pdf_utils.reader import PdfFileReader

from vanthu_core.errors import FailedPrecondition
from vanthu_signing import lta, pki
from vanthu_signing import signer as sg
from vanthu_signing.pdfdoc import read_pdf
from vanthu_signing.verify import verify_pdf

from .conftest import CLOCK

YEAR = dt.timedelta(days=365)


@dataclass
class Archive:
    """The test PKI of the module, a signature timestamp authority and two archive TSAs (HTTP, RFC 3161)."""

    made: pki.DevPki
    signature_tsa: sg.Tsa
    #: valid until CLOCK + 4 years, then the second until CLOCK + 9 years (the intermediate CA's ends at + 10)
    archive_tsa: sg.HttpTsa
    archive_cert: x509.Certificate
    second_tsa: sg.HttpTsa
    second_cert: x509.Certificate
    key: sg.P12Key

    @property
    def roots(self) -> list[x509.Certificate]:
        return [self.made.root.cert]

    def revocation_at(self, when: dt.datetime) -> pki.Revocation:
        """CRLs current at ``when``, as the service would have configured them then."""
        fresh = pki.DevPki(root=self.made.root, intermediate=self.made.intermediate, personal=self.made.personal,
                           agency=self.made.agency, tsa=self.made.tsa)
        fresh.issue_crls(now=when)
        return fresh.revocation()


@pytest.fixture
def archive(env, serve_tsa, make_p12) -> Archive:  # type: ignore[no-untyped-def]
    made = env.pki
    chain = [made.intermediate.cert]

    def tsa(cn: str, years: int) -> tuple[sg.HttpTsa, x509.Certificate]:
        issued = pki.issue(pki._name(cn), made.intermediate, eku=[ExtendedKeyUsageOID.TIME_STAMPING], now=CLOCK,
                           not_after=CLOCK + years * YEAR)
        return sg.HttpTsa(serve_tsa(sg.Tsa(issued.cert, issued.key_pem(), chain)).url), issued.cert

    first, first_cert = tsa("VanThu Archive TSA 1", 4)
    second, second_cert = tsa("VanThu Archive TSA 2", 9)
    return Archive(made, env.tsa, first, first_cert, second, second_cert, env.personal)


@contextlib.contextmanager
def offline() -> Iterator[None]:
    """No network connection may be opened in the block (a revocation fetch would be one)."""

    def refuse(self: socket.socket, address: object) -> None:
        raise AssertionError(f"verification tried to connect to {address}")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", refuse)
        yield


def _augment(pdf: bytes, archive: Archive, tsa: sg.HttpTsa, when: dt.datetime) -> lta.Augmented:
    """Augment at ``when`` with the CRLs current then (the archive TSA answers over HTTP)."""
    with time_machine.travel(when, tick=True):
        return lta.augment_lta(pdf, archive.roots, tsa, archive.revocation_at(when))


def _dss(pdf: bytes) -> tuple[set[str], int]:
    """The subjects' CNs of the certificates in the /DSS and how many CRLs it holds."""
    reader = read_pdf(pdf)
    dss = reader.root["/DSS"]
    names = {x509.load_der_x509_certificate(ref.get_object().data).subject.get_attributes_for_oid(
        x509.NameOID.COMMON_NAME)[0].value for ref in dss.get("/Certs", [])}
    return {str(n) for n in names}, len(dss.get("/CRLs", []))


def _fields(pdfsig_output: str) -> list[str]:
    return [line.split(":", 1)[1].strip() for line in pdfsig_output.splitlines()
            if "Signature Field Name:" in line]


def test_b_lta_outlives_the_signer_and_timestamp_certificates(archive, make_pdf, signature_png, pdfsig,  # type: ignore[no-untyped-def]
                                                               tmp_path) -> None:
    signed = sg.sign_personal(make_pdf(), archive.key, signature_png, archive.signature_tsa,
                              revocation=archive.made.revocation())  # B-LT, as the service signs
    augmented = _augment(signed.pdf, archive, archive.archive_tsa, CLOCK + YEAR)  # deposited a year later

    assert augmented.pdf.startswith(signed.pdf)  # an incremental update: the signed revision is untouched
    assert augmented.signatures == 1 and augmented.document_timestamps == 1
    assert augmented.field_name == "DauThoiGianLuuTru1" and "VanThu Archive TSA 1" in augmented.tsa_subject
    assert augmented.timestamp_expires_at == archive.archive_cert.not_valid_after_utc
    assert CLOCK + YEAR <= augmented.timestamp_time < CLOCK + YEAR + dt.timedelta(minutes=5)
    certs, crls = _dss(augmented.pdf)
    # the signer's, the signature timestamp's and the document timestamp's chains, and the CRLs of both CAs
    assert {pki.PERSONAL_NAME, "VanThu Dev TSA", "VanThu Archive TSA 1", "VanThu Dev Intermediate CA"} <= certs
    assert crls >= 2
    reader = PdfFileReader(io.BytesIO(augmented.pdf))
    assert [e.field_name for e in reader.embedded_timestamp_signatures] == ["DauThoiGianLuuTru1"]

    fields = _fields(pdfsig(augmented.pdf, tmp_path))
    assert fields == ["ChuKyCaNhan", "DauThoiGianLuuTru1"]  # poppler reads the signature and the timestamp

    # three years on: the signer's and the signature TSA's certificates expired a year ago
    later = CLOCK + 3 * YEAR
    assert archive.made.personal.cert.not_valid_after_utc < later
    assert archive.made.tsa.cert.not_valid_after_utc < later
    with time_machine.travel(later, tick=True), offline():
        revocation = archive.revocation_at(later)
        report = verify_pdf(augmented.pdf, archive.roots, revocation=revocation)
        assert report.ok, report.text()
        sig = report.signatures[0]
        assert sig.validation_basis == "timestamp" and sig.validation_time is not None
        assert sig.validation_time < CLOCK + dt.timedelta(minutes=5)  # judged when it was signed
        assert sig.archive_time == augmented.timestamp_time
        assert "Dấu thời gian lưu trữ (PAdES B-LTA)" in report.text()
        # the B-LT original alone no longer proves anything: its timestamp's certificate has expired
        assert not verify_pdf(signed.pdf, archive.roots, revocation=revocation).ok


def test_re_timestamping_extends_the_chain_past_the_first_archive_tsa(archive, make_pdf, signature_png,  # type: ignore[no-untyped-def]
                                                                       pdfsig, tmp_path) -> None:
    signed = sg.sign_personal(make_pdf(), archive.key, signature_png, archive.signature_tsa,
                              revocation=archive.made.revocation())
    first = _augment(signed.pdf, archive, archive.archive_tsa, CLOCK + YEAR)
    # the scheduler re-timestamps before the first archive TSA's certificate expires (CLOCK + 4 years), when the
    # signer's and the signature TSA's certificates have long expired
    second = _augment(first.pdf, archive, archive.second_tsa, CLOCK + 3 * YEAR)
    assert second.pdf.startswith(first.pdf)
    assert second.document_timestamps == 2 and second.field_name == "DauThoiGianLuuTru2"
    assert second.timestamp_expires_at == archive.second_cert.not_valid_after_utc
    assert _fields(pdfsig(second.pdf, tmp_path)) == ["ChuKyCaNhan", "DauThoiGianLuuTru1", "DauThoiGianLuuTru2"]

    # five years on even the first archive TSA's certificate has expired: the second timestamp carries the chain
    later = CLOCK + 5 * YEAR
    with time_machine.travel(later, tick=True), offline():
        revocation = archive.revocation_at(later)
        report = verify_pdf(second.pdf, archive.roots, revocation=revocation)
        assert report.ok, report.text()
        assert report.signatures[0].archive_time == first.timestamp_time
        assert not verify_pdf(first.pdf, archive.roots, revocation=revocation).ok  # not renewed in time


def test_only_valid_signed_pdfs_are_augmented(archive, make_pdf, signature_png) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FailedPrecondition) as err:
        _augment(make_pdf(), archive, archive.archive_tsa, CLOCK)
    assert "chưa có chữ ký số" in str(err.value)

    signed = sg.sign_personal(make_pdf(), archive.key, signature_png, archive.signature_tsa,
                              revocation=archive.made.revocation())
    # the signer's certificate revoked before the archive augments it: never extended
    revoked = pki.DevPki(root=archive.made.root, intermediate=archive.made.intermediate,
                         personal=archive.made.personal, agency=archive.made.agency, tsa=archive.made.tsa)
    revoked.issue_crls([pki.RevokedEntry.of(archive.made.personal, CLOCK - dt.timedelta(hours=1))], now=CLOCK + YEAR)
    with time_machine.travel(CLOCK + YEAR, tick=True), pytest.raises(FailedPrecondition) as err:
        lta.augment_lta(signed.pdf, archive.roots, archive.archive_tsa, revoked.revocation())
    assert "không hợp lệ" in str(err.value) and "thu hồi" in str(err.value)
    # past its expiry a B-LT signature cannot be proven any more: too late to archive it
    with pytest.raises(FailedPrecondition) as err:
        _augment(signed.pdf, archive, archive.archive_tsa, CLOCK + 3 * YEAR)
    assert "không hợp lệ" in str(err.value)
    # without revocation data there is no B-LTA
    with pytest.raises(FailedPrecondition) as err:
        lta.augment_lta(signed.pdf, archive.roots, archive.archive_tsa, None)
    assert "CRL" in str(err.value)
