"""The exchange catalogue (danh mục văn bản gửi nhận): per agency and document type, whether documents go
electronic only or electronic with the paper original too.

Decision 28/2018/QĐ-TTg: an e-document sent through the system replaces paper — no paper copy once it is sent —
except documents to the Government or the Prime Minister and those on a list the head of the ministry, sector or
locality decides (``regulations.md`` §6). The seed directive (Chỉ thị 05/CT-UBND of UBND tỉnh Vĩnh Long, item
``../shared/seeds/``) asks the Văn phòng UBND tỉnh and the Sở Nội vụ to have the province issue "Danh mục các loại
văn bản được trao đổi, tiếp nhận xử lý bằng văn bản hồ sơ điện tử, không dùng văn bản giấy và danh mục các loại văn
bản trao đổi, tiếp nhận xử lý song song vừa văn bản, hồ sơ giấy vừa văn bản hồ sơ điện tử"; it names no type for
either list. So every type is electronic only until the agency's admin puts it on the paper list. On the wire the
form is edXML ``Bussiness/Paper`` (0 / 1, "gửi kèm văn bản giấy", ``regulations.md`` §1.3.3). No I/O here.
"""

from __future__ import annotations

from enum import StrEnum

from vanthu_core.errors import InvalidArgument


class ExchangeForm(StrEnum):
    #: Chỉ gửi điện tử (edXML Paper 0).
    ELECTRONIC = "electronic"
    #: Gửi điện tử và bản giấy (edXML Paper 1): the paper original follows.
    ELECTRONIC_AND_PAPER = "electronic_and_paper"


#: What a type nobody put on the paper list is (Decision 28/2018: the e-document replaces paper).
DEFAULT_FORM = ExchangeForm.ELECTRONIC
#: The register book's note for each form with paper (Ghi chú): the sender's and the recipient's wording.
OUTGOING_PAPER_NOTE = "Gửi kèm bản giấy"
INCOMING_PAPER_NOTE = "Bản giấy sẽ gửi kèm"


def check_form(field: str, value: str, *, required: bool = True) -> ExchangeForm | None:
    """The form named ``value`` (InvalidArgument naming ``field`` otherwise); None for "" when not required."""
    value = (value or "").strip()
    if not value and not required:
        return None
    try:
        return ExchangeForm(value)
    except ValueError:
        raise InvalidArgument(field, "phải là 'electronic' (chỉ gửi điện tử) hoặc 'electronic_and_paper' (gửi điện "
                                     "tử và bản giấy).") from None


def paper_note(direction: str, form: str) -> str:
    """The register book's note for a document of ``form`` ("" when no paper goes with it)."""
    if form != ExchangeForm.ELECTRONIC_AND_PAPER:
        return ""
    return OUTGOING_PAPER_NOTE if direction == "outgoing" else INCOMING_PAPER_NOTE
