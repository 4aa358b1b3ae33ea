"""Verification judges a signature at its trusted timestamp's time (past validation), not at today's date: archived
documents do not turn invalid when certificates expire or are revoked later; the current time only gates new
signatures."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from vanthu_core.errors import FailedPrecondition
from vanthu_signing import pki
from vanthu_signing import signer as sg
from vanthu_signing.domain import appearance as ap
from vanthu_signing.verify import verify_pdf

from .conftest import CLOCK


@pytest.fixture(scope="module")
def short_lived(env, make_p12):  # type: ignore[no-untyped-def]
    """A personal certificate valid for two hours from CLOCK."""
    issued = pki.issue_personal(env.pki.intermediate, cn="Phạm Thị Hoa", title="Phó Chủ tịch",
                                not_before=CLOCK - dt.timedelta(hours=1), not_after=CLOCK + dt.timedelta(hours=2))
    return issued, make_p12(issued, [env.pki.intermediate.cert])


def test_signature_stays_valid_after_its_certificate_expires(env, short_lived, make_pdf, signature_png,  # type: ignore[no-untyped-def]
                                                             seal_png) -> None:
    issued, key = short_lived
    signed = sg.sign_personal(make_pdf(), key, signature_png, env.tsa)
    stamped = verify_pdf(signed.pdf, env.roots).signatures[0].timestamp_time
    assert stamped is not None and stamped < issued.cert.not_valid_after_utc
    later = CLOCK + dt.timedelta(days=20)  # the certificate expired long ago; the dev CRLs are still current
    with time_machine.travel(later, tick=True):
        for revocation in (None, env.pki.revocation()):
            report = verify_pdf(signed.pdf, env.roots, revocation=revocation)
            s = report.signatures[0]
            assert report.ok, report.text()
            assert s.trusted and s.validation_time == stamped and s.validation_basis == "timestamp"
        text = report.text()
        assert f"Thời điểm kiểm tra: {ap.iso_vn(stamped)} (theo dấu thời gian)" in text
        # the agency may still issue what was signed in time ...
        issued_doc = sg.issue_and_sign_agency(signed.pdf, env.agency, seal_png, env.tsa, number_symbol="3/UBND",
                                              issued_on=later.date(), trust_roots=env.roots)
        assert verify_pdf(issued_doc.pdf, env.roots).ok
        # ... but the expired certificate signs nothing new: the current time gates a new signature
        with pytest.raises(FailedPrecondition, match="hết hạn"):
            sg.sign_personal(make_pdf(), key, signature_png, env.tsa)


def test_signature_without_timestamp_is_judged_at_the_current_time(env, short_lived, make_pdf) -> None:  # type: ignore[no-untyped-def]
    _, key = short_lived
    w = IncrementalPdfFileWriter(io.BytesIO(make_pdf(placeholders=False)))
    signer = signers.SimpleSigner.load_pkcs12_data(key.data, other_certs=(), passphrase=key.password)
    out = signers.sign_pdf(w, signers.PdfSignatureMetadata(field_name="KhongDauThoiGian"), signer=signer)
    pdf = out.getvalue()
    now = verify_pdf(pdf, env.roots).signatures[0]
    assert now.validation_basis == "current_time" and not now.ok  # B-T requires a timestamp
    assert now.trusted and now.validation_time is not None
    with time_machine.travel(CLOCK + dt.timedelta(days=1), tick=False):
        expired = verify_pdf(pdf, env.roots)
    s = expired.signatures[0]
    assert not s.trusted and s.validation_time == CLOCK + dt.timedelta(days=1)
    assert "thời điểm hiện tại" in expired.text()
