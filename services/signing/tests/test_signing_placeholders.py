"""Placeholders leave the document: after the personal signature and issuing, no [[CHU_KY]] / [[SO]] / [[NGAY]] is
in the text layer or visible on the page (not even through the transparent signature image), and every signature
stays valid. The text is taken out of the content before the first signature; the rest of each line stays put."""

from __future__ import annotations

import datetime as dt
import io

import pikepdf
import pytest
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256
from PIL import ImageChops
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.stamp import TextStamp, TextStampStyle

from vanthu_signing import signer as sg
from vanthu_signing import two_step
from vanthu_signing.domain import appearance as ap
from vanthu_signing.placeholders import remove_placeholders
from vanthu_signing.verify import verify_pdf

from .conftest import mask_bbox, plain_text, render, text_words

PLACEHOLDERS = (ap.PLACEHOLDER_SIGNATURE, ap.PLACEHOLDER_NUMBER, ap.PLACEHOLDER_DATE)
ISSUED_ON = dt.date(2026, 2, 15)


def _anchors(pdf: bytes) -> dict[str, tuple[int, int, int, int]]:
    """Placeholder word boxes of an upright draft, as pixel regions of a 72 dpi render."""
    out = {}
    for word, (x1, y1, x2, y2) in text_words(pdf):
        for p in PLACEHOLDERS:
            if p in word and p not in out:
                out[p] = (round(x1), round(y1), round(x2), round(y2))
    assert set(out) == set(PLACEHOLDERS), out
    return out


def _annotations_only(pdf: bytes) -> bytes:
    """The document with its page content emptied: what the widgets alone draw."""
    doc = pikepdf.open(io.BytesIO(pdf))
    for page in doc.pages:
        page.obj.Contents = doc.make_stream(b"")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def assert_no_placeholder_left(pdf: bytes, anchors: dict[str, tuple[int, int, int, int]], tmp_path) -> None:  # type: ignore[no-untyped-def]
    text = plain_text(pdf)
    assert not [p for p in PLACEHOLDERS if p in text], text
    content = render(pdf, tmp_path, hide_annotations=True)
    shown = render(pdf, tmp_path)
    widgets = render(_annotations_only(pdf), tmp_path)
    for name, (x1, y1, x2, y2) in anchors.items():
        inner = (x1 + 1, y1 + 1, x2 - 1, y2 - 1)
        assert mask_bbox(content.crop(inner), "dark") is None, f"{name} still drawn by the page content"
        # what shows there is exactly what the widgets draw: nothing of the placeholder shows through
        assert ImageChops.difference(shown.crop(inner), widgets.crop(inner)).getbbox() is None, name


def _issue(env, pdf: bytes, seal_png: bytes) -> bytes:  # type: ignore[no-untyped-def]
    return sg.issue_and_sign_agency(pdf, env.agency, seal_png, env.tsa, number_symbol="15/UBND-VP",
                                    issued_on=ISSUED_ON, trust_roots=env.roots).pdf


def _assert_all_valid(pdf: bytes, env, pdfsig, tmp_path, count: int = 2) -> None:  # type: ignore[no-untyped-def]
    report = verify_pdf(pdf, env.roots)
    assert report.ok and len(report.signatures) == count, report.text()
    assert pdfsig(pdf, tmp_path).count("Signature Validation: Signature is Valid") == count


def test_no_placeholder_in_text_or_on_the_page_after_personal_signature_and_issue(env, make_pdf, signature_png,  # type: ignore[no-untyped-def]
                                                                                  seal_png, pdfsig, tmp_path) -> None:
    draft = make_pdf(visible=True)
    anchors = _anchors(draft)
    personal = sg.sign_personal(draft, env.personal, signature_png, env.tsa)
    assert_no_placeholder_left(personal.pdf, {ap.PLACEHOLDER_SIGNATURE: anchors[ap.PLACEHOLDER_SIGNATURE]}, tmp_path)
    issued = _issue(env, personal.pdf, seal_png)
    assert_no_placeholder_left(issued, anchors, tmp_path)
    _assert_all_valid(issued, env, pdfsig, tmp_path)
    text = plain_text(issued)
    assert "15/UBND-VP" in text and "Vĩnh Long, ngày 15 tháng 02 năm 2026" in text


def test_no_placeholder_in_text_or_on_the_page_after_two_step_signature_and_issue(env, make_pdf, signature_png,  # type: ignore[no-untyped-def]
                                                                                  seal_png, pdfsig, tmp_path) -> None:
    draft = make_pdf(visible=True)
    prepared = two_step.prepare_personal(draft, env.pki.personal.cert, [env.pki.intermediate.cert], signature_png,
                                         env.tsa)
    done = two_step.complete(prepared.state, env.pki.personal.key.sign(prepared.to_sign, PKCS1v15(), SHA256()),
                             env.tsa)
    issued = _issue(env, done.pdf, seal_png)
    assert_no_placeholder_left(issued, _anchors(draft), tmp_path)
    _assert_all_valid(issued, env, pdfsig, tmp_path)


def test_field_case_baseline_keeps_no_placeholder(field_case, env, signature_png, seal_png, pdfsig, tmp_path) -> None:  # type: ignore[no-untyped-def]
    draft = field_case("00-baseline.pdf")
    personal = sg.sign_personal(draft, env.personal, signature_png, env.tsa)
    issued = _issue(env, personal.pdf, seal_png)
    assert_no_placeholder_left(issued, _anchors(draft), tmp_path)
    _assert_all_valid(issued, env, pdfsig, tmp_path)


def _standard_font_page() -> bytes:
    """Placeholders in a standard-14 font (no /Widths): split by a kerning TJ, inside a line, with char spacing."""
    doc = pikepdf.new()
    font = doc.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica,
                                                Encoding=pikepdf.Name.WinAnsiEncoding))
    content = (b"BT /F1 12 Tf 72 700 Td [(Ref: [[S) -30 (O]]) -300 (tail)] TJ 0 -30 Td ([[NGAY]] end of line) Tj "
               b"0 -30 Td 1.5 Tc ([[CHU_KY]] after) Tj ET")
    doc.add_blank_page(page_size=(595, 842))
    page = doc.pages[0]
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.obj.Contents = doc.make_stream(content)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _composite_font_page(make_pdf) -> bytes:  # type: ignore[no-untyped-def]
    """Placeholders shown with an embedded Type0 (Identity-H) font inside a form XObject, as pyHanko writes text."""
    w = IncrementalPdfFileWriter(io.BytesIO(make_pdf(placeholders=False)))
    style = TextStampStyle(stamp_text="Số: [[SO]] ngày [[NGAY]] hết", border_width=0,
                           text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(ap.font_for("Số ngày hết"))))
    TextStamp(w, style).apply(0, 100, 300)
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["standard-14 font, kerning TJ", "Type0 font in a form XObject"])
def test_removal_takes_out_only_the_placeholders_and_keeps_the_line_in_place(kind: str, make_pdf) -> None:  # type: ignore[no-untyped-def]
    pdf = _standard_font_page() if kind.startswith("standard") else _composite_font_page(make_pdf)
    before = text_words(pdf)
    cleaned, counts = remove_placeholders(pdf, PLACEHOLDERS)
    after = text_words(cleaned)
    assert all(p not in w for w, _ in after for p in PLACEHOLDERS), after

    def without(words):  # type: ignore[no-untyped-def]
        out = []
        for word, box in words:
            for p in PLACEHOLDERS:
                word = word.replace(p, " ")
            if word.split():
                out.append((" ".join(word.split()), box))
        return out

    kept = without(before)
    assert [w for w, _ in without(after)] == [w for w, _ in kept]
    for (word, old), (_, new) in zip(kept, without(after), strict=True):
        assert max(abs(a - b) for a, b in zip(old, new, strict=True)) < 0.6, (word, old, new)
    assert counts[ap.PLACEHOLDER_NUMBER] == 1 and counts[ap.PLACEHOLDER_DATE] == 1
