"""PDF/A-2b conversion of unsigned PDFs and the checks that run without a validator, on good and on bad files."""

from __future__ import annotations

import io
from collections.abc import Callable

import pikepdf
import pypdfium2
import pytest
from pikepdf import Array, Dictionary, Name

from vanthu_archive.forms import Agency, FilePlan, PlanEntry, PlanHeading, file_plan_pdf
from vanthu_archive.metadata import Retention
from vanthu_archive.pdfa import PdfaError, check_pdfa, is_signed, to_pdfa

pytestmark = pytest.mark.unit

PlainPdf = Callable[..., bytes]


def text_of(data: bytes) -> list[str]:
    pdf = pypdfium2.PdfDocument(data)
    try:
        return [pdf[i].get_textpage().get_text_range().strip() for i in range(len(pdf))]
    finally:
        pdf.close()


def edit(data: bytes, change: object) -> bytes:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        change(pdf)  # type: ignore[operator]
        out = io.BytesIO()
        pdf.save(out)
    return out.getvalue()


def test_generated_pdf_fails_the_checks_and_passes_once_converted_with_its_text_unchanged(plain_pdf: PlainPdf) -> None:
    original = plain_pdf("Báo cáo tổng kết", pages=3, font="Times-Roman")
    problems = check_pdfa(original)
    assert any("pdfaid" in p for p in problems)
    assert any("OutputIntent" in p for p in problems)
    assert any("Times-Roman chưa được nhúng" in p for p in problems)
    converted = to_pdfa(original, title="Báo cáo tổng kết")
    assert check_pdfa(converted) == []
    assert text_of(converted) == text_of(original)
    with pikepdf.open(io.BytesIO(converted)) as pdf:
        meta = pdf.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("2", "B")
        assert meta["dc:title"] == "Báo cáo tổng kết"
        fonts = {str(f.BaseFont) for f in pdf.pages[0].Resources.Font.values()}
        assert "/LiberationSerif-Regular" in fonts
    assert to_pdfa(original) == to_pdfa(original)


def test_the_form_pdfs_embed_every_font(plain_pdf: PlainPdf) -> None:
    plan = FilePlan(Agency("Sở Nội vụ"), 2026, (PlanHeading("Văn phòng", (PlanEntry("01.VP", "Báo cáo",
                                                                                      Retention(), "An"),)),))
    problems = check_pdfa(file_plan_pdf(plan))
    assert not [p for p in problems if "phông" in p]
    assert check_pdfa(to_pdfa(file_plan_pdf(plan))) == []


def test_encrypted_pdf_is_flagged_and_conversion_removes_owner_only_encryption(plain_pdf: PlainPdf) -> None:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(plain_pdf())) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(owner="chu", user="", R=6))
    encrypted = out.getvalue()
    assert "tệp được mã hóa (PDF/A cấm mã hóa)" in check_pdfa(encrypted)
    assert check_pdfa(to_pdfa(encrypted)) == []
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(plain_pdf())) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(owner="chu", user="mat-khau", R=6))
    assert check_pdfa(out.getvalue()) == ["tệp được mã hóa (PDF/A cấm mã hóa)"]
    with pytest.raises(PdfaError, match="mật khẩu"):
        to_pdfa(out.getvalue())


def add_javascript(pdf: pikepdf.Pdf) -> None:
    js = pdf.make_indirect(Dictionary(S=Name.JavaScript, JS=pikepdf.String("app.alert('x')")))
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([pikepdf.String("a"), js])))
    pdf.Root.OpenAction = js
    pdf.pages[0].obj.AA = Dictionary(O=js)


def add_launch_link(pdf: pikepdf.Pdf) -> None:
    launch = Dictionary(S=Name.Launch, F=pikepdf.String("calc.exe"))
    link = pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([0, 0, 10, 10]), A=launch))
    pdf.pages[0].obj.Annots = Array([link])


def test_javascript_and_launch_actions_are_flagged_and_removed_by_conversion(plain_pdf: PlainPdf) -> None:
    scripted = edit(to_pdfa(plain_pdf()), add_javascript)
    problems = check_pdfa(scripted)
    assert "có JavaScript (Names/JavaScript)" in problems
    assert "có hành động bổ sung (AA) ở tài liệu hoặc trang" in problems
    assert "có hành động bị cấm JavaScript" in problems
    launching = edit(to_pdfa(plain_pdf()), add_launch_link)
    assert check_pdfa(launching) == ["có hành động bị cấm Launch"]
    for bad in (scripted, launching):
        assert check_pdfa(to_pdfa(bad)) == []


def test_embedded_files_are_flagged(plain_pdf: PlainPdf) -> None:
    def attach(pdf: pikepdf.Pdf) -> None:
        pdf.attachments["a.txt"] = pikepdf.AttachedFileSpec(pdf, b"hello")

    attached = edit(to_pdfa(plain_pdf()), attach)
    assert check_pdfa(attached) == ["có tệp đính kèm nhúng (EmbeddedFiles)"]
    assert check_pdfa(to_pdfa(attached)) == []


def test_a_font_without_substitute_is_flagged_and_refused(plain_pdf: PlainPdf) -> None:
    def garamond(pdf: pikepdf.Pdf) -> None:
        pdf.pages[0].Resources.Font.F1.BaseFont = Name("/Garamond")

    odd = edit(plain_pdf(), garamond)
    assert "phông chữ Garamond chưa được nhúng" in check_pdfa(odd)
    with pytest.raises(PdfaError, match="Garamond"):
        to_pdfa(odd)


def test_missing_identification_or_wrong_version_is_flagged(plain_pdf: PlainPdf) -> None:
    def drop_intent(pdf: pikepdf.Pdf) -> None:
        del pdf.Root["/OutputIntents"]

    assert check_pdfa(edit(to_pdfa(plain_pdf()), drop_intent)) == ["thiếu OutputIntent GTS_PDFA1 với hồ sơ màu ICC"]

    def wrong_part(pdf: pikepdf.Pdf) -> None:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["pdfaid:part"] = "7"

    assert any("pdfaid:part='7'" in p for p in check_pdfa(edit(to_pdfa(plain_pdf()), wrong_part)))
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(to_pdfa(plain_pdf()))) as pdf:
        pdf.save(out, force_version="2.0")
    assert check_pdfa(out.getvalue()) == ["phiên bản PDF 2.0 vượt quá 1.7 mà PDF/A-2 cho phép"]
    assert check_pdfa(b"not a pdf")[0].startswith("không đọc được tệp PDF")


def test_signed_pdfs_are_recognised_and_never_converted(signed_pdf: bytes, plain_pdf: PlainPdf) -> None:
    assert is_signed(signed_pdf)
    assert not is_signed(plain_pdf())
    with pytest.raises(PdfaError, match="ký số"):
        to_pdfa(signed_pdf)
