"""The signing authority above a signature (quyền hạn, chức vụ của người ký; Decree 30/2020 Art. 13 and Appendix I,
box 7a/7b): its lines for a competence (KT., TUQ.), stamped at ``[[THAM_QUYEN]]`` or, under a delegation on a draft
without it, just above the signature image; read back from the signed PDF's text with pypdfium2, the signature
still valid and the seal still applicable."""

from __future__ import annotations

import datetime as dt
import io

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256

from vanthu_core.errors import FailedPrecondition, InvalidArgument
from vanthu_signing import signer as sg
from vanthu_signing import two_step
from vanthu_signing.domain import appearance as ap
from vanthu_signing.verify import verify_pdf
from vanthu_testing.documents import draft_pdf

KT = ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH")


def text(pdf: bytes) -> str:
    """Page 1's text as a reader sees it: its form fields flattened into the page (pdfium), then read."""
    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        assert pdfium_c.FPDFPage_Flatten(page.raw, pdfium_c.FLAT_NORMALDISPLAY) == pdfium_c.FLATTEN_SUCCESS
        page.close()
        return str(doc[0].get_textpage().get_text_range())
    finally:
        doc.close()


def authority_rect(pdf: bytes) -> ap.Box:
    """The user-space box of the signing authority's field."""
    with pikepdf.open(io.BytesIO(pdf)) as found:
        [rect] = [[float(v) for v in f.Rect] for f in found.Root.AcroForm.Fields if str(f.T) == sg.FIELD_AUTHORITY]
    return ap.Box(*rect)


@pytest.mark.unit
def test_the_authority_lines_follow_article_13() -> None:
    assert ap.authority_lines("KT.", "Chủ tịch", "Phó Chủ tịch") == KT
    assert ap.authority_lines("TUQ.", "chủ  tịch", "Chánh Văn phòng") == ("TUQ. CHỦ TỊCH", "CHÁNH VĂN PHÒNG")
    assert ap.authority_lines("", "Giám đốc", "Phó Giám đốc") == ("GIÁM ĐỐC",)  # one's own right: the title
    assert ap.authority_lines("", "") == ()
    with pytest.raises(InvalidArgument):
        ap.authority_lines("KY THAY", "Chủ tịch")
    with pytest.raises(InvalidArgument):
        ap.authority_lines("KT.", "")  # for whom


@pytest.mark.integration
def test_a_deputy_signs_kt_at_the_drafts_authority_placeholder(env, signature_png, seal_png) -> None:  # type: ignore[no-untyped-def]
    personal = sg.sign_personal(draft_pdf(title=ap.PLACEHOLDER_AUTHORITY), env.personal, signature_png, env.tsa,
                                authority=KT, authority_above=True)
    report = verify_pdf(personal.pdf, env.roots)
    assert report.ok, report.text()
    shown = text(personal.pdf)
    assert "THAM_QUYEN" not in shown  # the placeholder is gone from the content
    assert f"{KT[0]} {KT[1]}" in " ".join(shown.split())  # the competence's line, then the signer's position
    box = authority_rect(personal.pdf)
    assert box.y1 < 340 < box.y2 and box.y2 > personal.box.y2 + 20  # from where the draft put it, over the image
    sealed = sg.issue_and_sign_agency(personal.pdf, env.agency, seal_png, env.tsa, number_symbol="12/UBND-VP",
                                      issued_on=dt.date(2026, 11, 27), trust_roots=env.roots)
    assert verify_pdf(sealed.pdf, env.roots).ok
    assert KT[0] in text(sealed.pdf)


@pytest.mark.integration
def test_without_the_placeholder_a_delegated_signature_shows_its_competence_above_the_image(  # type: ignore[no-untyped-def]
        env, signature_png) -> None:
    tuq = ap.authority_lines("TUQ.", "Chủ tịch", "Chánh Văn phòng")
    personal = sg.sign_personal(draft_pdf(title=""), env.personal, signature_png, env.tsa, authority=tuq,
                                authority_above=True)
    assert verify_pdf(personal.pdf, env.roots).ok
    assert "TUQ. CHỦ TỊCH CHÁNH VĂN PHÒNG" in " ".join(text(personal.pdf).split())
    box = authority_rect(personal.pdf)
    assert personal.box.y2 <= box.y1 < box.y2 < personal.box.y2 + 45  # right above the signature image

    own = sg.sign_personal(draft_pdf(), env.personal, signature_png, env.tsa, authority=("CHỦ TỊCH",))
    assert text(own.pdf).count("CHỦ TỊCH") == 1  # one's own right, no placeholder: the draft's own line only


@pytest.mark.integration
def test_a_document_signed_before_gets_no_authority_added(env, signature_png) -> None:  # type: ignore[no-untyped-def]
    once = sg.sign_personal(draft_pdf(title=ap.PLACEHOLDER_AUTHORITY), env.personal, signature_png, env.tsa)
    with pytest.raises(FailedPrecondition, match="thẩm quyền ký"):
        sg.sign_personal(once.pdf, env.personal, signature_png, env.tsa, authority=KT, authority_above=True)


@pytest.mark.integration
def test_a_two_step_signing_under_a_delegation_draws_the_same_authority_and_keeps_it_in_its_state(  # type: ignore[no-untyped-def]
        env, signature_png) -> None:
    """A USB token's signing (two_step) shows the KT. line as the server-key signing does; the state tells the
    completion which lines the document shows (the registry refuses a deputy's handle prepared without them)."""
    prepared = two_step.prepare_personal(draft_pdf(title=ap.PLACEHOLDER_AUTHORITY), env.pki.personal.cert,
                                         [env.pki.intermediate.cert], signature_png, env.tsa, authority=KT,
                                         authority_above=True)
    assert two_step.prepared_authority(prepared.state) == KT
    signed = two_step.complete(prepared.state, env.pki.personal.key.sign(prepared.to_sign, PKCS1v15(), SHA256()),
                               env.tsa)
    assert verify_pdf(signed.pdf, env.roots).ok
    shown = " ".join(text(signed.pdf).split())
    assert f"{KT[0]} {KT[1]}" in shown and "THAM_QUYEN" not in shown
    assert authority_rect(signed.pdf).y2 > signed.box.y2 + 20  # at the draft's placeholder, over the image

    plain = two_step.prepare_personal(draft_pdf(), env.pki.personal.cert, [env.pki.intermediate.cert],
                                      signature_png, env.tsa)
    assert two_step.prepared_authority(plain.state) == ()
