"""Digitised copies (sao y / sao lục / trích sao): the copying agency's signature, text only, top right of page 1."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from vanthu_core.errors import InvalidArgument
from vanthu_signing import signer as sg
from vanthu_signing.domain import appearance as ap
from vanthu_signing.verify import verify_pdf

AGENCY = "Ủy ban nhân dân tỉnh Vĩnh Long"
WHEN = dt.datetime(2026, 11, 27, 3, 4, 5, tzinfo=dt.UTC)
MM = 72 / 25.4


def _scanned_pdf(pages: int = 2) -> bytes:
    """A scan-like PDF: each page is one greyish raster image with dark 'text' bars, no text layer."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    w, h = A4
    for _ in range(pages):
        img = Image.new("RGB", (620, 877), (246, 244, 238))
        d = ImageDraw.Draw(img)
        for y in range(120, 800, 22):  # body lines, below the top margin
            d.rectangle((80, y, 560, y + 8), fill=(60, 60, 60))
        c.drawImage(ImageReader(img), 0, 0, width=w, height=h)
        c.showPage()
    c.save()
    return buf.getvalue()


def _render(pdf: bytes, tmp_path: Path, name: str) -> Image.Image:
    src = tmp_path / f"{name}.pdf"
    src.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-png", "-r", "72", "-f", "1", "-l", "1", str(src), str(tmp_path / name)], check=True)
    return Image.open(sorted(tmp_path.glob(f"{name}-*.png"))[0]).convert("RGB")


def _text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-f", "1", "-l", "1", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


@pytest.fixture(scope="module")
def scanned() -> bytes:
    return _scanned_pdf()


@pytest.fixture(scope="module")
def copied(env, scanned):  # type: ignore[no-untyped-def]
    return sg.sign_copy(scanned, env.agency, env.tsa, form="SY", agency_name=AGENCY, copy_number_symbol="05/SY-UBND",
                        when=WHEN)


def test_scanned_pdf_has_no_text_layer(scanned) -> None:  # type: ignore[no-untyped-def]
    assert not _text(scanned).strip()


def test_copy_signature_valid_pyhanko_and_pdfsig(copied, env, pdfsig, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert copied.field_name == sg.FIELD_COPY == "ChuKySaoVanBan" and copied.page == 0
    report = verify_pdf(copied.pdf, env.roots)
    assert report.ok, report.text()
    s = report.signatures[0]
    assert s.field_name == "ChuKySaoVanBan" and s.signer == AGENCY and s.timestamp_time is not None
    out = pdfsig(copied.pdf, tmp_path)
    assert "Signature Validation: Signature is Valid" in out and "ChuKySaoVanBan" in out


def test_copy_text_visible(copied) -> None:  # type: ignore[no-untyped-def]
    lines = [line.strip() for line in _text(copied.pdf).splitlines() if line.strip()]
    assert lines == ["SAO Y", AGENCY, "Số: 05/SY-UBND", "2026-11-27T10:04:05+07:00"], lines
    assert lines[-1].endswith("+07:00")


def test_copy_geometry_top_right_black_text(copied, scanned, tmp_path) -> None:  # type: ignore[no-untyped-def]
    before, after = _render(scanned, tmp_path, "before"), _render(copied.pdf, tmp_path, "after")
    w, h = after.size
    b = copied.box
    # the box: top right of page 1, inside the top margin area, right edge on the 15 mm margin
    assert b.x2 == pytest.approx(w - 15 * MM, abs=1) and b.y2 == pytest.approx(h - 8 * MM, abs=1)
    assert b.x1 > w / 2 and b.y1 > h - 35 * MM
    # every pixel the signature changed lies inside the box, and is dark grey/black text
    a, o = after.load(), before.load()
    changed = [(x, y) for y in range(h) for x in range(w) if a[x, y] != o[x, y]]
    assert changed
    xs, ys = [x for x, _ in changed], [y for _, y in changed]
    assert b.x1 - 2 <= min(xs) and max(xs) <= b.x2 + 2, (min(xs), max(xs), b)
    assert h - b.y2 - 2 <= min(ys) and max(ys) <= h - b.y1 + 2, (min(ys), max(ys), b)
    assert min(xs) > w / 2 and max(ys) < h / 6  # top right region
    dark = [a[x, y] for x, y in changed if sum(a[x, y]) < 300]
    assert dark and all(max(c) - min(c) < 30 for c in dark)  # black (anti-aliased grey) only, no colour
    # the text reaches down four lines but stays within 10 pt lines (no image, no scaling up)
    assert 30 <= max(ys) - min(ys) <= 4 * ap.COPY_LEADING + 6


@pytest.mark.parametrize(("form", "shown"), [("SL", "SAO LỤC"), ("TrS", "TRÍCH SAO"), ("trs", "TRÍCH SAO"),
                                             ("sao y", "SAO Y"), ("Sao lục", "SAO LỤC")])
def test_forms(form: str, shown: str, env, scanned) -> None:  # type: ignore[no-untyped-def]
    res = sg.sign_copy(scanned, env.agency, env.tsa, form=form, agency_name=AGENCY, when=WHEN)
    lines = [line.strip() for line in _text(res.pdf).splitlines() if line.strip()]
    assert lines == [shown, AGENCY, "2026-11-27T10:04:05+07:00"], lines  # no number line when none is given
    assert verify_pdf(res.pdf, env.roots).ok


def test_vietnamese_font_has_the_glyphs(copied) -> None:  # type: ignore[no-untyped-def]
    from fontTools.ttLib import TTFont

    text = ap.copy_text("SL", AGENCY, "05/SL-UBND", WHEN)
    cmap = TTFont(ap.font_for(text)).getBestCmap()
    assert all(ord(ch) in cmap for ch in text.replace("\n", ""))
    # the embedded font of the appearance is that font (DejaVu Serif: Liberation Serif 1.07 lacks U+1Exx)
    assert b"DejaVu" in copied.pdf or b"Liberation" in copied.pdf


def test_bad_form_refused(env, scanned) -> None:  # type: ignore[no-untyped-def]
    for form in ("", "BAN SAO", "XX", "SY-UBND"):
        with pytest.raises(InvalidArgument) as err:
            sg.sign_copy(scanned, env.agency, env.tsa, form=form, agency_name=AGENCY)
        assert err.value.field == "form"


def test_bad_input_refused(env, scanned) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgument) as err:
        sg.sign_copy(scanned, env.agency, env.tsa, form="SY", agency_name="  ")
    assert err.value.field == "agency_name"
    with pytest.raises(InvalidArgument) as err:
        sg.sign_copy(b"not a pdf", env.agency, env.tsa, form="SY", agency_name=AGENCY)
    assert err.value.field == "pdf"


def test_copy_of_signed_document_keeps_it_valid(env, make_pdf, signature_png) -> None:  # type: ignore[no-untyped-def]
    """A copy signature added to an already signed PDF is an incremental update: both signatures stay valid."""
    personal = sg.sign_personal(make_pdf(), env.personal, signature_png, env.tsa)
    res = sg.sign_copy(personal.pdf, env.agency, env.tsa, form="TrS", agency_name=AGENCY, when=WHEN)
    report = verify_pdf(res.pdf, env.roots)
    assert report.ok, report.text()
    assert [s.field_name for s in report.signatures] == [sg.FIELD_PERSONAL, sg.FIELD_COPY]
