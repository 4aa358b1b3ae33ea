"""Tampering is detected: flipped byte, page appended, content drawn after signing, untrusted root, revoked
certificate."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from vanthu_signing import pki
from vanthu_signing import signer as sg
from vanthu_signing.verify import verify_pdf


@pytest.fixture(scope="module")
def personal_pdf(env, make_pdf, signature_png) -> bytes:  # type: ignore[no-untyped-def]
    return sg.sign_personal(make_pdf(), env.personal, signature_png, env.tsa).pdf


def test_flipped_byte_in_signed_range(personal_pdf, env, pdfsig, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = bytearray(personal_pdf)
    idx = data.index(b"stream") + 40  # inside the first (signed) content stream
    data[idx] ^= 0x01
    report = verify_pdf(bytes(data), env.roots)
    assert not report.ok
    assert not report.signatures[0].intact
    assert "KHÔNG HỢP LỆ" in report.text()
    assert "Signature is Valid" not in pdfsig(bytes(data), tmp_path)


def _incremental(pdf: bytes, change) -> bytes:  # type: ignore[no-untyped-def]
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    change(w)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_page_appended_after_signing(personal_pdf, env) -> None:  # type: ignore[no-untyped-def]
    def add_page(w: IncrementalPdfFileWriter) -> None:
        content = w.add_object(generic.StreamObject(stream_data=b"0 0 1 rg 100 100 200 200 re f"))
        page = generic.DictionaryObject({
            "/Type": generic.NameObject("/Page"),
            "/MediaBox": generic.ArrayObject([generic.NumberObject(v) for v in (0, 0, 595, 842)]),
            "/Contents": content, "/Resources": generic.DictionaryObject(),
        })
        w.insert_page(page)

    tampered = _incremental(personal_pdf, add_page)
    report = verify_pdf(tampered, env.roots)
    sig = report.signatures[0]
    assert sig.intact and sig.valid  # the signed bytes are untouched ...
    assert not sig.modification_ok and not report.ok  # ... but the later revision is not acceptable
    assert sig.coverage == "ENTIRE_REVISION"


def test_content_drawn_after_signing(personal_pdf, env) -> None:  # type: ignore[no-untyped-def]
    def draw(w: IncrementalPdfFileWriter) -> None:
        ref = w.add_object(generic.StreamObject(stream_data=b"q 1 0 0 rg 50 50 300 20 re f Q"))
        w.add_stream_to_page(0, ref)

    report = verify_pdf(_incremental(personal_pdf, draw), env.roots)
    sig = report.signatures[0]
    assert sig.intact
    assert not sig.modification_ok
    assert sig.modification_level not in ("NONE", "LTA_UPDATES", "FORM_FILLING")
    assert not report.ok


def test_untrusted_root(personal_pdf) -> None:  # type: ignore[no-untyped-def]
    other = pki.generate("Some Other Root")
    report = verify_pdf(personal_pdf, [other.root.cert])
    sig = report.signatures[0]
    assert sig.intact and not sig.trusted and not report.ok
    assert any("tin cậy" in p for p in sig.problems)


def test_revoked_certificate(personal_pdf, env) -> None:  # type: ignore[no-untyped-def]
    made = env.pki
    assert made.root_crl is not None
    signed_at = verify_pdf(personal_pdf, env.roots).signatures[0].timestamp_time
    assert signed_at is not None  # revoked before the signature's timestamp
    entry = pki.RevokedEntry.of(made.personal, signed_at - dt.timedelta(hours=1))
    inter_crl = pki.issue_crl(made.intermediate, [entry], number=2)
    report = verify_pdf(personal_pdf, env.roots, revocation=pki.Revocation([made.root_crl, inter_crl], env.roots))
    sig = report.signatures[0]
    assert sig.intact and sig.valid and not report.ok
    assert sig.revocation == "revoked" and any("thu hồi" in p for p in sig.problems)
    assert verify_pdf(personal_pdf, env.roots, revocation=made.revocation()).ok
