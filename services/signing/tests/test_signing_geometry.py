"""Page geometry: rotated pages (/Rotate 0/90/180/270), boxes whose origin is not (0, 0), a CropBox smaller than
the MediaBox, and MediaBox/CropBox/Rotate/Resources inherited from the page tree. For every kind of signature the
rendered page (as a viewer shows it) has the stamp on its anchor, upright and inside the visible page."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256
from PIL import ImageChops

from vanthu_signing import signer as sg
from vanthu_signing import two_step
from vanthu_signing.domain import appearance as ap
from vanthu_signing.verify import verify_pdf

from .conftest import GEOMETRIES, MM, Geometry, count, mask_bbox, plain_text, render, reshape, text_words

ISSUED_ON = dt.date(2026, 3, 5)
IDS = [g.name for g in GEOMETRIES]


@pytest.fixture(scope="module")
def draft(make_pdf):  # type: ignore[no-untyped-def]
    """The upright draft and where its placeholders are on screen (pixels at 72 dpi = points of the display)."""
    pdf = make_pdf(visible=True)
    words = {w: box for w, box in text_words(pdf)}
    number = next(box for w, box in words.items() if "[[SO]]" in w)
    return pdf, words["[[CHU_KY]]"], number, words["[[NGAY]]"]


def _centre(box: tuple[float, float, float, float]) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def _assert_signature_on(img, anchor) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    blue = mask_bbox(img, "blue")
    assert blue is not None, "no signature image on the page"
    cx, cy = _centre(anchor)
    bx, by = _centre(blue)
    assert abs(bx - cx) <= 4 and abs(by - cy) <= 4, (blue, anchor)  # centred on the placeholder
    assert blue[2] - blue[0] > 1.5 * (blue[3] - blue[1]), blue  # upright: the signature is wider than tall
    assert blue[0] > 0 and blue[2] < img.width and blue[1] > 0 and blue[3] < img.height
    return blue


def _assert_text_line_at(img, left: float, top: float, bottom: float, width: float) -> None:  # type: ignore[no-untyped-def]
    region = (round(left) - 3, round(top) - 5, round(left + width) + 3, round(bottom) + 5)
    dark = mask_bbox(img.crop(region), "dark")
    assert dark is not None, f"no text at {region}"
    assert dark[2] - dark[0] > 3 * (dark[3] - dark[1]), dark  # upright: a line of text is wider than tall
    assert dark[0] <= 6, dark  # starts where the placeholder started


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=IDS)
def test_personal_seal_number_and_date_sit_upright_on_their_anchors(geometry: Geometry, draft, env,  # type: ignore[no-untyped-def]
                                                                    signature_png, seal_png, tmp_path) -> None:
    base, chu_ky, so, ngay = draft
    pdf = reshape(base, geometry)
    personal = sg.sign_personal(pdf, env.personal, signature_png, env.tsa)
    issued = sg.issue_and_sign_agency(personal.pdf, env.agency, seal_png, env.tsa, number_symbol="12/UBND-VP",
                                      issued_on=ISSUED_ON, trust_roots=env.roots)
    report = verify_pdf(issued.pdf, env.roots)
    assert report.ok, report.text()
    img = render(issued.pdf, tmp_path)
    assert abs(img.width - 595) <= 1 and abs(img.height - 842) <= 1  # the visible area, portrait as drafted
    blue = _assert_signature_on(img, chu_ky)
    red = mask_bbox(img, "red")
    assert red is not None
    seal_px = 36 * MM
    assert abs((red[2] - red[0]) - seal_px) <= 6 and abs((red[3] - red[1]) - seal_px) <= 6, red  # real size, whole
    personal_left = _centre(chu_ky)[0] - ap.PERSONAL_BOX_W / 2
    assert abs(red[2] - (personal_left + ap.PERSONAL_BOX_W / 3)) <= 4, (red, blue)  # over the left third
    assert abs(_centre(red)[1] - _centre(blue)[1]) <= 4
    top = (red[0], red[1], red[2], red[1] + (red[3] - red[1]) // 3)
    bottom = (red[0], red[3] - (red[3] - red[1]) // 3, red[2], red[3])
    assert count(img, "red", top) > 1.3 * count(img, "red", bottom)  # the seal's bar is at its top: upright
    _assert_text_line_at(img, so[0], so[1], so[3], 140)
    _assert_text_line_at(img, ngay[0], ngay[1], ngay[3], 250)
    text = plain_text(issued.pdf)
    assert "12/UBND-VP" in text and "Vĩnh Long, ngày 05 tháng 3 năm 2026" in text
    assert "[[" not in text


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=IDS)
def test_attachment_and_copy_text_sit_upright_at_the_top_right(geometry: Geometry, env, make_pdf,  # type: ignore[no-untyped-def]
                                                               tmp_path) -> None:
    pdf = reshape(make_pdf(placeholders=False), geometry)
    when = dt.datetime(2026, 11, 27, 3, 4, 5, tzinfo=dt.UTC)
    attachment = sg.sign_attachment(pdf, env.agency, env.tsa, number_symbol="12/UBND-VP", when=when)
    copy = sg.sign_copy(pdf, env.agency, env.tsa, form="SY", agency_name="Ủy ban nhân dân tỉnh Vĩnh Long",
                        copy_number_symbol="05/SY-UBND", when=when)
    before = render(pdf, tmp_path)
    for signed, lines in ((attachment, 1), (copy, 4)):
        assert verify_pdf(signed.pdf, env.roots).ok
        after = render(signed.pdf, tmp_path)
        drawn = ImageChops.difference(before, after).convert("L").point(lambda v: 255 if v > 60 else 0).getbbox()
        assert drawn is not None, signed.field_name
        margin = after.width - 15 * MM  # the box's right edge is on the 15 mm margin, the text within it
        assert margin - 14 <= drawn[2] <= margin + 1, (drawn, signed.field_name)
        assert drawn[0] > after.width / 2 and drawn[1] > 0 and drawn[3] < 35 * MM, drawn  # top right, on the page
        height = drawn[3] - drawn[1]
        assert drawn[2] - drawn[0] > 2 * height and height <= lines * ap.COPY_LEADING + 4, drawn  # upright lines
    assert "12/UBND-VP 2026-11-27T10:04:05+07:00" in plain_text(attachment.pdf)


@pytest.mark.parametrize("geometry", GEOMETRIES, ids=IDS)
def test_two_step_signature_sits_upright_on_its_anchor(geometry: Geometry, draft, env, signature_png,  # type: ignore[no-untyped-def]
                                                       tmp_path) -> None:
    base, chu_ky, _, _ = draft
    prepared = two_step.prepare_personal(reshape(base, geometry), env.pki.personal.cert,
                                         [env.pki.intermediate.cert], signature_png, env.tsa)
    value = env.pki.personal.key.sign(prepared.to_sign, PKCS1v15(), SHA256())
    done = two_step.complete(prepared.state, value, env.tsa)
    assert verify_pdf(done.pdf, env.roots).ok
    _assert_signature_on(render(done.pdf, tmp_path), chu_ky)


def test_field_case_rotated_page_is_signed_upright_on_its_anchors(field_case, env, signature_png, seal_png,  # type: ignore[no-untyped-def]
                                                                  tmp_path) -> None:
    pdf = field_case("01b-rotate90-upright.pdf")
    words = dict(text_words(pdf))
    personal = sg.sign_personal(pdf, env.personal, signature_png, env.tsa)
    issued = sg.issue_and_sign_agency(personal.pdf, env.agency, seal_png, env.tsa, number_symbol="12/UBND-VP",
                                      issued_on=ISSUED_ON, trust_roots=env.roots)
    assert verify_pdf(issued.pdf, env.roots).ok
    img = render(issued.pdf, tmp_path)
    assert img.width > img.height  # the sheet is shown landscape
    _assert_signature_on(img, words["[[CHU_KY]]"])
    _assert_text_line_at(img, words["[[SO]]"][0], words["[[SO]]"][1], words["[[SO]]"][3], 140)
    _assert_text_line_at(img, words["[[NGAY]]"][0], words["[[NGAY]]"][1], words["[[NGAY]]"][3], 250)


def test_field_case_inherited_mediabox_signs_every_kind(field_case, env, signature_png, seal_png,  # type: ignore[no-untyped-def]
                                                        tmp_path) -> None:
    pdf = field_case("04-inherited-mediabox.pdf")
    words = dict(text_words(pdf))
    for signed in (sg.sign_attachment(pdf, env.agency, env.tsa, number_symbol="12/UBND-VP"),
                   sg.sign_copy(pdf, env.agency, env.tsa, form="TrS", agency_name="Ủy ban nhân dân tỉnh Vĩnh Long")):
        assert verify_pdf(signed.pdf, env.roots).ok
        assert signed.box.x2 == pytest.approx(595.28 - 15 * MM, abs=1)
    personal = sg.sign_personal(pdf, env.personal, signature_png, env.tsa)
    issued = sg.issue_and_sign_agency(personal.pdf, env.agency, seal_png, env.tsa, number_symbol="12/UBND-VP",
                                      issued_on=ISSUED_ON, trust_roots=env.roots)
    assert verify_pdf(issued.pdf, env.roots).ok
    _assert_signature_on(render(issued.pdf, tmp_path), words["[[CHU_KY]]"])
