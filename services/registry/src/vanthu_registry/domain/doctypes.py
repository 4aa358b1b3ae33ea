"""Administrative document types (thể loại văn bản hành chính) of Decree 30/2020/NĐ-CP, Art. 7 and Appendix III.

The 29 types, in the Decree's order, with the abbreviations used in a document's symbol (ký hiệu). Letters
(công văn) and public letters (thư công) have no abbreviation. Agencies may add specialised types of
their own; a type nobody defined is refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vanthu_core.errors import InvalidArgument
from vanthu_core.text import clean_text

#: Letters: the symbol is ``<agency>-<unit>``, without a type abbreviation.
LETTER = "cong_van"


@dataclass(frozen=True)
class DocumentType:
    code: str
    name: str
    abbreviation: str
    #: None for the Decree's catalogue; the agency's code for its own specialised types.
    agency_code: str | None = None


STANDARD_TYPES: tuple[DocumentType, ...] = tuple(DocumentType(c, n, a) for c, n, a in (
    ("nghi_quyet", "Nghị quyết", "NQ"),
    ("quyet_dinh", "Quyết định", "QĐ"),
    ("chi_thi", "Chỉ thị", "CT"),
    ("quy_che", "Quy chế", "QC"),
    ("quy_dinh", "Quy định", "QyĐ"),
    ("thong_cao", "Thông cáo", "TC"),
    ("thong_bao", "Thông báo", "TB"),
    ("huong_dan", "Hướng dẫn", "HD"),
    ("chuong_trinh", "Chương trình", "CTr"),
    ("ke_hoach", "Kế hoạch", "KH"),
    ("phuong_an", "Phương án", "PA"),
    ("de_an", "Đề án", "ĐA"),
    ("du_an", "Dự án", "DA"),
    ("bao_cao", "Báo cáo", "BC"),
    ("bien_ban", "Biên bản", "BB"),
    ("to_trinh", "Tờ trình", "TTr"),
    ("hop_dong", "Hợp đồng", "HĐ"),
    (LETTER, "Công văn", ""),
    ("cong_dien", "Công điện", "CĐ"),
    ("ban_ghi_nho", "Bản ghi nhớ", "BGN"),
    ("ban_thoa_thuan", "Bản thỏa thuận", "BTT"),
    ("giay_uy_quyen", "Giấy ủy quyền", "GUQ"),
    ("giay_moi", "Giấy mời", "GM"),
    ("giay_gioi_thieu", "Giấy giới thiệu", "GGT"),
    ("giay_nghi_phep", "Giấy nghỉ phép", "GNP"),
    ("phieu_gui", "Phiếu gửi", "PG"),
    ("phieu_chuyen", "Phiếu chuyển", "PC"),
    ("phieu_bao", "Phiếu báo", "PB"),
    ("thu_cong", "Thư công", ""),
))

TYPE_CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
#: Abbreviations as the Decree writes them: letters (Vietnamese Đ included) and digits, no spaces.
ABBREVIATION = re.compile(r"^[A-Za-zĐđ0-9]{1,20}$")
#: An abbreviation of an agency's or a unit's name (in a ký hiệu: 12/QĐ-SNN&PTNT): as ABBREVIATION, with '&' between
#: letters as agencies write "và" (NN&PTNT: Nông nghiệp và Phát triển nông thôn). XML carries it escaped by the
#: edXML writer (vanthu_edxml.writer), never refused here for that.
NAME_ABBREVIATION = re.compile(r"^[A-Za-zĐđ0-9]+(?:&[A-Za-zĐđ0-9]+)*$")


def check_type(code: str, name: str, abbreviation: str, agency_code: str) -> DocumentType:
    """A specialised type an agency defines (loại văn bản chuyên ngành)."""
    if not TYPE_CODE.match(code or ""):
        raise InvalidArgument("code", "phải gồm 2–40 chữ thường không dấu, số hoặc '_' (ví dụ giay_phep_xay_dung).")
    if any(t.code == code for t in STANDARD_TYPES):
        raise InvalidArgument("code", "đã là một loại văn bản của Nghị định 30/2020: hãy chọn mã khác.")
    name = clean_text("name", name, max_len=100)
    abbreviation = clean_text("abbreviation", abbreviation, max_len=20)
    if not ABBREVIATION.match(abbreviation):
        raise InvalidArgument("abbreviation", "chỉ gồm chữ và số, không có dấu cách (ví dụ GPXD).")
    return DocumentType(code, name, abbreviation, agency_code)
