"""The Appendix V forms: PDFs read back with pypdfium2 (the Vietnamese text is there, the fonts embedded), XLSX read
back with openpyxl (text stays text)."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date

import openpyxl
import pikepdf
import pypdfium2
import pytest

from vanthu_archive.forms import (
    Agency,
    DepositList,
    FilePlan,
    HandoverRecord,
    PlanEntry,
    PlanHeading,
    PlanSubheading,
    contents_pdf,
    contents_xlsx,
    deposit_list_pdf,
    file_plan_pdf,
    file_plan_xlsx,
    handover_record_pdf,
    number_in_words,
    place_and_date,
    roman,
)
from vanthu_archive.metadata import DocumentMetadata, DocumentType, FileMetadata, Retention

pytestmark = pytest.mark.unit

AGENCY = Agency("Sở Nội vụ tỉnh Vĩnh Long", "Ủy ban nhân dân tỉnh Vĩnh Long", "Vĩnh Long")


def pdf_text(data: bytes) -> str:
    """All pages' text, whitespace collapsed, NFC."""
    pdf = pypdfium2.PdfDocument(data)
    try:
        text = " ".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()
    return unicodedata.normalize("NFC", re.sub(r"\s+", " ", text))


def fonts_embedded(data: bytes) -> bool:
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages:
            for font in page.resources.get("/Font", {}).values():
                descriptor = font.get("/FontDescriptor")
                if descriptor is None or not any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    return False
    return True


def a_plan() -> FilePlan:
    recruit = PlanEntry("01.TCCB", "=Hồ sơ tuyển dụng công chức năm 2026", Retention(20), "Nguyễn Văn An")
    training = PlanEntry("02.TCCB", "Kế hoạch đào tạo, bồi dưỡng", Retention.permanent(), "Phòng Tổ chức", "Mới")
    report = PlanEntry("03.VP", "Báo cáo tổng kết công tác năm", Retention.permanent(), "Lê Thị Hoa")
    return FilePlan(AGENCY, 2026, (
        PlanHeading("Tổ chức cán bộ", subheadings=(PlanSubheading("Công tác tuyển dụng", (recruit, training)),)),
        PlanHeading("Văn phòng", entries=(report,)),
    ), decision="12/QĐ-SNV ngày 05 tháng 01 năm 2026 của Giám đốc Sở")


def a_file() -> FileMetadata:
    return FileMetadata(organ_id="000.00.12.H41", catalogue=2026, notation="01.TCCB",
                        title="Hồ sơ tuyển dụng công chức năm 2026", retention=Retention(20), creator="Nguyễn Văn An",
                        start_date=date(2026, 1, 5), end_date=date(2026, 12, 20), doc_total=2, page_total=5,
                        sheet_total=3)


def documents() -> list[DocumentMetadata]:
    code = a_file().file_code
    return [
        DocumentMetadata(code, 2, DocumentType.REPORT, date(2026, 3, 1), "Phòng Tổ chức cán bộ",
                         "Kết quả thi tuyển", 3, number="", code_notation="BC-TCCB"),
        DocumentMetadata(code, 1, DocumentType.PLAN, date(2026, 1, 6), "Sở Nội vụ", "Tuyển dụng công chức năm 2026",
                         2, number="05", code_notation="KH-SNV", description="Bản chính"),
    ]


def test_file_plan_pdf_has_the_appendix_v_form_in_vietnamese() -> None:
    data = file_plan_pdf(a_plan())
    text = pdf_text(data)
    for expected in ("ỦY BAN NHÂN DÂN TỈNH VĨNH LONG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Độc lập - Tự do - Hạnh phúc", "DANH MỤC HỒ SƠ", "Năm 2026", "Quyết định số 12/QĐ-SNV",
                     "Danh mục hồ sơ này có 3 hồ sơ, bao gồm:", "2 hồ sơ bảo quản vĩnh viễn;",
                     "1 hồ sơ bảo quản có thời hạn.", "I. TỔ CHỨC CÁN BỘ", "1. Công tác tuyển dụng", "II. VĂN PHÒNG",
                     "01.TCCB =Hồ sơ tuyển dụng công chức năm 2026 20 năm Nguyễn Văn An",
                     "02.TCCB Kế hoạch đào tạo, bồi dưỡng Vĩnh viễn Phòng Tổ chức Mới",
                     "(1) (2) (3) (4) (5)"):
        assert expected in text, expected
    assert text.index("I. TỔ CHỨC CÁN BỘ") < text.index("01.TCCB") < text.index("II. VĂN PHÒNG") < text.index("03.VP")
    assert fonts_embedded(data)


def test_file_plan_xlsx_keeps_text_as_text_and_the_structure() -> None:
    book = openpyxl.load_workbook(io.BytesIO(file_plan_xlsx(a_plan())))
    sheet = book.active
    assert sheet is not None
    cells = {c.value: c for row in sheet.iter_rows() for c in row if c.value is not None}
    title = cells["=Hồ sơ tuyển dụng công chức năm 2026"]
    assert title.data_type == "s"
    assert [sheet.cell(row=title.row, column=c).value for c in range(1, 6)] == [
        "01.TCCB", "=Hồ sơ tuyển dụng công chức năm 2026", "20 năm", "Nguyễn Văn An", None]
    for expected in ("DANH MỤC HỒ SƠ", "Năm 2026", "I. TỔ CHỨC CÁN BỘ", "1. Công tác tuyển dụng", "II. VĂN PHÒNG",
                     "Số và ký hiệu hồ sơ", "(5)"):
        assert expected in cells, expected
    assert cells["I. TỔ CHỨC CÁN BỘ"].font.bold and cells["1. Công tác tuyển dụng"].font.italic
    assert any("3 hồ sơ" in str(v) and "2 hồ sơ bảo quản vĩnh viễn" in str(v) for v in cells)


def test_contents_table_lists_documents_by_ordinal_with_page_ranges() -> None:
    text = pdf_text(contents_pdf(a_file(), documents(), AGENCY))
    for expected in ("MỤC LỤC VĂN BẢN, TÀI LIỆU", "Số, ký hiệu hồ sơ: 01.TCCB", "Năm 2026",
                     "Tên loại và trích yếu nội dung văn bản", "Tác giả văn bản",
                     "1 05/KH-SNV 06/01/2026 Kế hoạch Tuyển dụng công chức năm 2026 Sở Nội vụ 1-2 Bản chính",
                     "2 BC-TCCB 01/03/2026 Báo cáo Kết quả thi tuyển Phòng Tổ chức cán bộ 3-5"):
        assert expected in text, expected
    sheet = openpyxl.load_workbook(io.BytesIO(contents_xlsx(a_file(), documents(), AGENCY))).active
    assert sheet is not None
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["1", "05/KH-SNV", "06/01/2026", "Kế hoạch Tuyển dụng công chức năm 2026", "Sở Nội vụ", "1-2",
            "Bản chính"] in rows


def test_deposit_list_counts_files_in_digits_and_words() -> None:
    second = FileMetadata(organ_id="000.00.12.H41", catalogue=2026, notation="03.VP", title="Báo cáo tổng kết",
                          retention=Retention.permanent(), creator="Lê Thị Hoa", start_date=date(2026, 2, 1),
                          end_date=date(2026, 2, 1), doc_total=1, page_total=4)
    deposit = DepositList(AGENCY, "Phòng Tổ chức cán bộ", 2026, (a_file(), second), made_on=date(2027, 1, 8),
                          made_by="Nguyễn Văn An")
    text = pdf_text(deposit_list_pdf(deposit))
    for expected in ("MỤC LỤC HỒ SƠ, TÀI LIỆU NỘP LƯU", "PHÒNG TỔ CHỨC CÁN BỘ", "Năm 2026",
                     "Mục lục này gồm: 2 hồ sơ (đơn vị bảo quản).",
                     "Viết bằng chữ: hai hồ sơ (đơn vị bảo quản).",
                     "1 01.TCCB Hồ sơ tuyển dụng công chức năm 2026 05/01/2026 - 20/12/2026 20 năm 3/5",
                     "2 03.VP Báo cáo tổng kết 01/02/2026 Vĩnh viễn 4", "Vĩnh Long, ngày 08 tháng 01 năm 2027",
                     "Người lập", "Nguyễn Văn An"):
        assert expected in text, expected


def test_handover_record_states_parties_and_electronic_counts() -> None:
    record = HandoverRecord(AGENCY, date(2027, 3, 15), "Danh mục hồ sơ năm 2026", "Phòng Tổ chức cán bộ",
                            "Nguyễn Văn An", "Chuyên viên", "Phạm Thị Lưu", "Lưu trữ viên",
                            "Tài liệu Phòng Tổ chức cán bộ năm 2026", "2026", file_count=2, computer_file_count=7)
    data = handover_record_pdf(record)
    text = pdf_text(data)
    for expected in ("BIÊN BẢN", "Giao nhận hồ sơ, tài liệu", "Vĩnh Long, ngày 15 tháng 3 năm 2027",
                     "Căn cứ Nghị định số 30/2020/NĐ-CP", "Căn cứ Danh mục hồ sơ năm 2026,",
                     "BÊN GIAO: Phòng Tổ chức cán bộ", "Ông (bà): Nguyễn Văn An", "BÊN NHẬN: Lưu trữ cơ quan",
                     "Ông (bà): Phạm Thị Lưu", "1. Tên khối tài liệu giao nộp: Tài liệu Phòng Tổ chức cán bộ năm 2026",
                     "- Tổng số hồ sơ: 2", "- Tổng số tệp tin trong hồ sơ: 7", "ĐẠI DIỆN BÊN GIAO",
                     "ĐẠI DIỆN BÊN NHẬN"):
        assert expected in text, expected
    assert fonts_embedded(data)


@pytest.mark.parametrize(("n", "words"), [
    (0, "không"), (5, "năm"), (10, "mười"), (15, "mười lăm"), (21, "hai mươi mốt"), (24, "hai mươi tư"),
    (105, "một trăm linh năm"), (110, "một trăm mười"), (1015, "một nghìn không trăm mười lăm"),
    (2000000, "hai triệu"), (1000001, "một triệu không trăm linh một"),
])
def test_number_in_words(n: int, words: str) -> None:
    assert number_in_words(n) == words


def test_roman_numerals_and_dates() -> None:
    assert [roman(n) for n in (1, 4, 9, 14, 40, 1990)] == ["I", "IV", "IX", "XIV", "XL", "MCMXC"]
    assert place_and_date("Huế", date(2026, 11, 5)) == "Huế, ngày 05 tháng 11 năm 2026"
    assert place_and_date("Huế", date(2026, 2, 15)) == "Huế, ngày 15 tháng 02 năm 2026"
