"""Revocation: CRLs of the dev PKI, PAdES B-LT signing (/DSS), refusal of revoked certificates, hard-fail checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
import time_machine
from cryptography import x509

from vanthu_core.errors import FailedPrecondition
from vanthu_signing import pki
from vanthu_signing import signer as sg
from vanthu_signing.domain import appearance as ap
from vanthu_signing.signer import P12Key, Tsa
from vanthu_signing.verify import verify_pdf

from .conftest import CLOCK

ISSUED_ON = dt.date(2026, 11, 27)


@dataclass
class Ca:
    pki: pki.DevPki
    tsa: Tsa
    personal: P12Key
    agency: P12Key

    @property
    def roots(self) -> list[x509.Certificate]:
        return [self.pki.root.cert]

    def revocation(self, *revoked: pki.Issued, revoked_at: dt.datetime | None = None) -> pki.Revocation:
        """The root's CRL and an intermediate CRL listing ``revoked`` (the PKI object itself is not changed)."""
        assert self.pki.root_crl is not None
        inter = pki.issue_crl(self.pki.intermediate, [pki.RevokedEntry.of(r, revoked_at) for r in revoked],
                              number=2, this_update=revoked_at)
        return pki.Revocation([self.pki.root_crl, inter], self.roots)


@pytest.fixture(scope="module")
def ca(make_p12) -> Ca:  # type: ignore[no-untyped-def]
    made = pki.generate(now=CLOCK)
    chain = [made.intermediate.cert]
    return Ca(made, Tsa(made.tsa.cert, made.tsa.key_pem(), chain), make_p12(made.personal, chain),
              make_p12(made.agency, chain))


@pytest.fixture(scope="module")
def lt_signed(ca, make_pdf, signature_png, seal_png):  # type: ignore[no-untyped-def]
    rev = ca.pki.revocation()
    personal = sg.sign_personal(make_pdf(), ca.personal, signature_png, ca.tsa, revocation=rev)
    agency = sg.issue_and_sign_agency(personal.pdf, ca.agency, seal_png, ca.tsa, number_symbol="15/UBND-VP",
                                      issued_on=ISSUED_ON, trust_roots=ca.roots, revocation=rev)
    return personal, agency


# ---------------------------------------------------------------- the dev PKI's CRLs


def test_dev_pki_crls_written_and_reissued(tmp_path: Path) -> None:
    made = pki.generate()
    pki.write(made, tmp_path)
    root_crl = pki.load_crls((tmp_path / pki.ROOT_CRL).read_bytes())
    inter_crl = pki.load_crls((tmp_path / pki.INTERMEDIATE_CRL).read_bytes())
    assert (tmp_path / pki.ROOT_CRL).read_bytes().startswith(b"-----BEGIN X509 CRL-----")
    assert root_crl[0].is_signature_valid(made.root.cert.public_key())
    assert inter_crl[0].is_signature_valid(made.intermediate.cert.public_key())
    assert inter_crl[0].issuer == made.intermediate.cert.subject and len(inter_crl[0]) == 0
    assert not pki.crls_expiring(tmp_path)

    pki.reissue_crls(tmp_path, [made.personal.cert], reason=x509.ReasonFlags.key_compromise)
    pki.reissue_crls(tmp_path, [made.agency.cert], reason=x509.ReasonFlags.cessation_of_operation)
    crl = pki.load_crls((tmp_path / pki.INTERMEDIATE_CRL).read_bytes())[0]
    assert crl.is_signature_valid(made.intermediate.cert.public_key())
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 3
    assert {r.serial_number for r in crl} == {made.personal.cert.serial_number, made.agency.cert.serial_number}
    agency = crl.get_revoked_certificate_by_serial_number(made.agency.cert.serial_number)
    assert agency is not None
    assert agency.extensions.get_extension_for_class(x509.CRLReason).value.reason == \
        x509.ReasonFlags.cessation_of_operation

    rev = pki.Revocation.from_files([tmp_path / pki.ROOT_CRL, tmp_path / pki.INTERMEDIATE_CRL], [made.root.cert])
    issuers = [made.intermediate.cert]
    assert rev.status(made.personal.cert, issuers).status == "revoked"
    assert rev.status(made.tsa.cert, issuers).status == "good"
    assert rev.status(made.intermediate.cert, []).status == "good"  # the root's CRL, root from trust_roots
    # a CA of another PKI with the same name: its CRL does not apply to these certificates
    other = pki.generate()
    assert rev.status(other.personal.cert, [other.intermediate.cert]).status == "unknown"


def test_dev_pki_revoke_reissues_with_next_number() -> None:
    made = pki.generate()
    made.revoke(made.personal)
    made.revoke(made.agency.cert, reason=x509.ReasonFlags.superseded)
    assert made.intermediate_crl is not None
    assert {r.serial_number for r in made.intermediate_crl} == {made.personal.cert.serial_number,
                                                                made.agency.cert.serial_number}
    assert made.intermediate_crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 3


# ---------------------------------------------------------------- B-LT signing


def test_b_lt_signatures_embed_dss_and_verify(lt_signed, ca, pdfsig, tmp_path) -> None:  # type: ignore[no-untyped-def]
    personal, agency = lt_signed
    rev = ca.pki.revocation()
    assert b"/DSS" in personal.pdf and b"/CRLs" in personal.pdf
    report = verify_pdf(personal.pdf, ca.roots, revocation=rev)
    assert report.ok, report.text()
    s = report.signatures[0]
    assert s.revocation == "good" and s.ltv and s.timestamp_time is not None
    assert "Signature Validation: Signature is Valid" in pdfsig(personal.pdf, tmp_path)

    report = verify_pdf(agency.pdf, ca.roots, revocation=rev)
    assert report.ok, report.text()
    assert [(s.field_name, s.revocation, s.ltv) for s in report.signatures] == [
        (sg.FIELD_PERSONAL, "good", True), (sg.FIELD_AGENCY, "good", True)]
    text = report.text()
    assert "Tình trạng thu hồi chứng thư: chưa bị thu hồi" in text
    assert "Dữ liệu kiểm tra dài hạn (LTV, PAdES B-LT): Có" in text
    assert "KẾT LUẬN CHUNG: HỢP LỆ" in text
    out = pdfsig(agency.pdf, tmp_path)
    assert out.count("Signature Validation: Signature is Valid") == 2, out
    # without CRLs the same document still verifies; revocation is then simply not checked
    plain = verify_pdf(agency.pdf, ca.roots)
    assert plain.ok and all(s.revocation == "not_checked" and s.ltv for s in plain.signatures)


def test_b_t_without_crls_has_no_ltv(ca, make_pdf, signature_png) -> None:  # type: ignore[no-untyped-def]
    res = sg.sign_personal(make_pdf(), ca.personal, signature_png, ca.tsa)
    assert b"/DSS" not in res.pdf
    report = verify_pdf(res.pdf, ca.roots)
    assert report.ok and report.signatures[0].revocation == "not_checked" and not report.signatures[0].ltv
    assert "Dữ liệu kiểm tra dài hạn (LTV, PAdES B-LT): Không" in report.text()
    # checked against current CRLs (hard-fail) a B-T signature is fine too; it just carries no LTV data
    checked = verify_pdf(res.pdf, ca.roots, revocation=ca.pki.revocation())
    assert checked.ok, checked.text()
    assert checked.signatures[0].revocation == "good" and not checked.signatures[0].ltv


def test_attachment_b_lt(ca, make_pdf) -> None:  # type: ignore[no-untyped-def]
    rev = ca.pki.revocation()
    res = sg.sign_attachment(make_pdf(placeholders=False), ca.agency, ca.tsa, number_symbol="15/UBND-VP",
                             revocation=rev)
    report = verify_pdf(res.pdf, ca.roots, revocation=rev)
    assert report.ok, report.text()
    assert report.signatures[0].ltv and report.signatures[0].revocation == "good"


def test_revoked_personal_certificate_refused(ca, make_pdf, signature_png, make_p12) -> None:  # type: ignore[no-untyped-def]
    leaver = pki.issue_personal(ca.pki.intermediate, cn="Trần Thị Thu Hà", title="Phó Chủ tịch")
    key = make_p12(leaver, [ca.pki.intermediate.cert])
    with pytest.raises(FailedPrecondition, match="thu hồi") as err:
        sg.sign_personal(make_pdf(), key, signature_png, ca.tsa, revocation=ca.revocation(leaver))
    assert "revoked" in str(err.value) and "Trần Thị Thu Hà" in str(err.value)
    # the same key signs when its certificate is not listed
    assert sg.sign_personal(make_pdf(), key, signature_png, ca.tsa, revocation=ca.revocation()).pdf


def test_signing_refused_without_current_crl(ca, make_pdf, signature_png) -> None:  # type: ignore[no-untyped-def]
    assert ca.pki.root_crl is not None
    only_root = pki.Revocation([ca.pki.root_crl], ca.roots)  # nothing covers the end-entity certificates
    with pytest.raises(FailedPrecondition, match="CRL"):
        sg.sign_personal(make_pdf(), ca.personal, signature_png, ca.tsa, revocation=only_root)
    # verification is strict in the same way: no CRL of the issuer, no verdict of "not revoked"
    signed = sg.sign_personal(make_pdf(), ca.personal, signature_png, ca.tsa)
    report = verify_pdf(signed.pdf, ca.roots, revocation=only_root)
    s = report.signatures[0]
    assert not report.ok and s.revocation == "unknown"
    assert any("không xác định được tình trạng thu hồi" in p for p in s.problems), s.problems


def test_revocation_dated_after_the_timestamp_keeps_the_signature_valid(ca, make_pdf, signature_png, seal_png,  # type: ignore[no-untyped-def]
                                                                        make_p12) -> None:
    # a document from elsewhere, signed (B-T, no revocation data) with a certificate revoked afterwards
    signer = pki.issue_personal(ca.pki.intermediate, cn="Lê Văn Thành", title="Giám đốc")
    signed = sg.sign_personal(make_pdf(), make_p12(signer, [ca.pki.intermediate.cert]), signature_png, ca.tsa)
    stamped = verify_pdf(signed.pdf, ca.roots).signatures[0].timestamp_time
    assert stamped is not None
    rev = ca.revocation(signer, revoked_at=stamped + dt.timedelta(minutes=10))
    assert rev.status(signer.cert, [ca.pki.intermediate.cert]).status == "revoked"
    with time_machine.travel(stamped + dt.timedelta(days=1), tick=True):  # verified the day after the revocation
        report = verify_pdf(signed.pdf, ca.roots, revocation=rev)
        s = report.signatures[0]
        assert report.ok, report.text()
        assert s.revocation == "good" and s.validation_time == stamped and s.validation_basis == "timestamp"
        assert "(theo dấu thời gian)" in report.text()
        # and the agency still issues it: the leader signed while the certificate was in force
        issued = sg.issue_and_sign_agency(signed.pdf, ca.agency, seal_png, ca.tsa, number_symbol="16/UBND-VP",
                                          issued_on=ISSUED_ON, trust_roots=ca.roots, revocation=rev)
        assert verify_pdf(issued.pdf, ca.roots, revocation=rev).ok


def test_revocation_dated_before_the_timestamp_invalidates_the_signature(ca, make_pdf, signature_png, seal_png,  # type: ignore[no-untyped-def]
                                                                          make_p12) -> None:
    signer = pki.issue_personal(ca.pki.intermediate, cn="Lê Văn Thành", title="Giám đốc")
    signed = sg.sign_personal(make_pdf(), make_p12(signer, [ca.pki.intermediate.cert]), signature_png, ca.tsa)
    stamped = verify_pdf(signed.pdf, ca.roots).signatures[0].timestamp_time
    assert stamped is not None
    rev = ca.revocation(signer, revoked_at=stamped - dt.timedelta(minutes=1))
    report = verify_pdf(signed.pdf, ca.roots, revocation=rev)
    s = report.signatures[0]
    assert not report.ok and not s.ok
    assert s.revocation == "revoked" and s.intact and s.valid and s.validation_time == stamped
    assert any("chứng thư số đã bị thu hồi" in p for p in s.problems), s.problems
    text = report.text()
    assert "Tình trạng thu hồi chứng thư: ĐÃ BỊ THU HỒI" in text and "KẾT LUẬN CHUNG: KHÔNG HỢP LỆ" in text
    # and the agency does not issue it
    with pytest.raises(FailedPrecondition, match="thu hồi"):
        sg.issue_and_sign_agency(signed.pdf, ca.agency, seal_png, ca.tsa, number_symbol="16/UBND-VP",
                                 issued_on=ISSUED_ON, trust_roots=ca.roots, revocation=rev)


def test_revoked_intermediate_detected(ca, lt_signed) -> None:  # type: ignore[no-untyped-def]
    signed_at = verify_pdf(lt_signed[0].pdf, ca.roots).signatures[0].timestamp_time
    assert signed_at is not None
    root_crl = pki.issue_crl(ca.pki.root, [pki.RevokedEntry.of(ca.pki.intermediate, signed_at - dt.timedelta(hours=1))],
                             number=2)
    assert ca.pki.intermediate_crl is not None
    rev = pki.Revocation([root_crl, ca.pki.intermediate_crl], ca.roots)
    report = verify_pdf(lt_signed[0].pdf, ca.roots, revocation=rev)
    s = report.signatures[0]
    assert not report.ok and s.revocation == "revoked"
    assert any("thu hồi" in p and "CA" in p for p in s.problems), s.problems


# ---------------------------------------------------------------- issuing needs the [[SO]] / [[NGAY]] fields


def test_issue_refused_without_number_and_date_placeholders(ca, make_pdf, signature_png, seal_png) -> None:  # type: ignore[no-untyped-def]
    signed = sg.sign_personal(make_pdf(placeholders=False), ca.personal, signature_png, ca.tsa, page=0,
                              box=ap.Box(350, 300, 480, 360))
    assert verify_pdf(signed.pdf, ca.roots).ok
    with pytest.raises(FailedPrecondition) as err:
        sg.issue_and_sign_agency(signed.pdf, ca.agency, seal_png, ca.tsa, number_symbol="17/UBND-VP",
                                 issued_on=ISSUED_ON, trust_roots=ca.roots)
    msg = str(err.value)
    assert "[[SO]]" in msg and "[[NGAY]]" in msg and "số, ký hiệu" in msg
