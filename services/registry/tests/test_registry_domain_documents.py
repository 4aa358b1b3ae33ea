"""The refusal of a draft whose files are not PDF at trình ký, in the words a civil servant reads."""

from __future__ import annotations

import pytest

from vanthu_core.errors import FailedPrecondition
from vanthu_registry.domain.documents import DocumentFile, FileRole, check_ready_to_submit, file_kind

pytestmark = pytest.mark.unit

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_a_word_appendix_is_refused_naming_the_file_and_its_kind_without_mime_type_or_field() -> None:
    files = [
        DocumentFile(object_id="a", role=FileRole.MAIN, file_name="Công văn.pdf", content_type="application/pdf"),
        DocumentFile(object_id="b", role=FileRole.ATTACHMENT, file_name="Dự thảo trả lời.docx", content_type=DOCX),
    ]
    with pytest.raises(FailedPrecondition) as refused:
        check_ready_to_submit(files)
    assert refused.value.message == (
        "Phụ lục Dự thảo trả lời.docx là tệp Word (.docx); tệp của văn bản đi được ký "
        "số dưới dạng PDF: hãy chuyển sang PDF."
    )
    assert "application/" not in refused.value.message
    assert "files[" not in refused.value.message


@pytest.mark.parametrize(
    ("name", "content_type", "kind"),
    [
        ("Bảng kê.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "tệp Excel (.xlsx)"),
        ("Dự toán.XLS", "application/vnd.ms-excel", "tệp Excel (.xls)"),
        ("Tờ trình.doc", "application/msword", "tệp Word (.doc)"),
        ("Sơ đồ.png", "image/png", "tệp .png"),
        ("", DOCX, "tệp Word (.docx)"),
        ("không tên", "application/octet-stream", "tệp không phải PDF"),
    ],
)
def test_file_kinds_are_named_in_plain_vietnamese(name: str, content_type: str, kind: str) -> None:
    assert file_kind(name, content_type) == kind


def test_a_recipient_is_named_once_and_a_classic_code_in_lower_case_is_read_in_upper_case() -> None:
    """A draft listing Sở Nội vụ twice was issued and never left (found trying the exchange as a new user); one typed
    ``000.00.41.h61`` was issued to nobody ("no route"), its number taken. Codes not of the QCVN 102 form are kept
    as typed; recipients named in words only may repeat."""
    from vanthu_core.errors import InvalidArgument
    from vanthu_registry.domain.documents import Direction, Draft, Recipient, check_metadata

    def draft(*recipients: Recipient) -> Draft:
        return Draft(direction=Direction.OUTGOING, type_code="cong_van", abstract="V/v báo cáo công tác cải cách hành "
                     "chính quý IV năm 2031", recipients=list(recipients))

    checked = check_metadata(draft(Recipient("000.00.41.h61", "UBND phường Long Châu"),
                                   Recipient("vendor-x.abc", "Hệ thống khác"), Recipient("", "Như trên"),
                                   Recipient("", "Như trên"), Recipient("000.00.02.H61", "Sở Nội vụ")))
    assert [r.agency_code for r in checked.recipients] == ["000.00.41.H61", "vendor-x.abc", "", "", "000.00.02.H61"]
    with pytest.raises(InvalidArgument) as twice:
        check_metadata(draft(Recipient("000.00.02.H61", "Sở Nội vụ"), Recipient("000.00.41.H61", "Long Châu"),
                             Recipient("000.00.02.h61", "Sở Nội vụ tỉnh Vĩnh Long")))
    assert twice.value.field == "recipients[2].agency_code"
    assert "000.00.02.H61 đã có trong danh sách nơi nhận (nơi nhận thứ 1)" in twice.value.message
