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
