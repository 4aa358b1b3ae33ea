"""The Vietnamese name a screen gives each request field, for the texts of refusals a person reads.

An :class:`~vanthu_core.errors.InvalidArgument` keeps the API's field name in its ``field`` (integrators need it);
its message, which the web application shows as is, starts with the field's name as the screen says it
("Trích yếu: …"). Terms follow the glossary of ``docs/conventions.md`` (Decree 30/2020/NĐ-CP's words).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Field (a dotted path's last part, or the whole path where the last part alone is ambiguous) → screen label.
LABELS: dict[str, str] = {
    # documents
    "abstract": "Trích yếu", "symbol": "Ký hiệu", "number": "Số", "number_symbol": "Số, ký hiệu",
    "type_code": "Loại văn bản", "type_codes": "Loại văn bản", "direction": "Loại văn bản (đi/đến)",
    "urgency": "Độ khẩn", "confidentiality": "Độ mật", "issued_at": "Ngày ban hành", "issue_date": "Ngày ban hành",
    "register_id": "Sổ đăng ký văn bản", "register": "Sổ đăng ký văn bản", "arrival_number": "Số đến",
    "arrival_key": "Mã văn bản đến", "document_id": "Văn bản", "document_ids": "Văn bản",
    "source_document_id": "Văn bản gốc", "replaces_document_id": "Văn bản được thay thế",
    "answers_document_id": "Văn bản được trả lời", "copy_number_symbol": "Số, ký hiệu bản sao",
    "issuing_agency_code": "Cơ quan ban hành",
    "drafting_unit": "Đơn vị soạn thảo", "recipients": "Nơi nhận", "recipient_codes": "Nơi nhận",
    "name": "Tên", "title": "Tiêu đề", "description": "Mô tả", "keywords": "Từ khóa", "language": "Ngôn ngữ",
    "place": "Địa danh", "legal_normative": "Văn bản quy phạm pháp luật", "paper": "Bản giấy",
    "page_amounts": "Số trang", "sender.agency_name": "Tên cơ quan gửi", "sender.number_symbol": "Số, ký hiệu",
    "version": "Phiên bản", "state": "Trạng thái", "reason": "Lý do", "text": "Nội dung", "rights": "Quyền sử dụng",
    "decision_number": "Số quyết định", "decision_date": "Ngày quyết định", "package": "Gói tin",
    "package_id": "Gói tin", "competence": "Thẩm quyền ký", "form": "Hình thức bản sao",
    "exchange_form": "Hình thức gửi", "retention_years": "Thời hạn bảo quản", "reply_document_id": "Văn bản trả lời",
    "exchange": "Hình thức gửi",
    # registers and numbering
    "next_number": "Số tiếp theo", "numbering": "Cách đánh số", "separate_arrival_series": "Dãy số đến riêng",
    "year": "Năm", "years": "Số năm", "ordinal": "Số thứ tự",
    # agencies, units, people
    "agency_code": "Mã định danh cơ quan", "agency_name": "Tên cơ quan",
    "agency_abbreviation": "Tên viết tắt của cơ quan",
    "parent_code": "Mã cơ quan cấp trên", "unit": "Đơn vị", "unit_code": "Mã đơn vị", "parent_id": "Mục cấp trên",
    "unit_abbreviation": "Tên viết tắt của đơn vị", "abbreviation": "Tên viết tắt", "short_name": "Tên viết tắt",
    "address": "Địa chỉ", "phone": "Điện thoại", "email": "Thư điện tử", "subject": "Người dùng",
    "position": "Chức vụ", "level": "Cấp", "code": "Mã", "holder": "Người giữ",
    # workflow
    "deadline": "Hạn xử lý", "leader": "Lãnh đạo", "lead": "Chủ trì", "cooperating": "Phối hợp",
    "for_information": "Nhận để biết", "instruction": "Ý kiến chỉ đạo", "deputy": "Người được ủy quyền",
    "consult": "Người được xin ý kiến", "task_id": "Công việc", "case_id": "Hồ sơ công việc",
    "case_kind": "Loại công việc", "result_file_ids": "Tệp kết quả", "approval": "Ý kiến phê duyệt",
    "within_days": "Số ngày", "valid_from": "Hiệu lực từ ngày", "valid_to": "Hiệu lực đến ngày",
    "on_behalf_of": "Thay mặt", "action": "Thao tác", "comment": "Ý kiến", "result": "Kết quả xử lý",
    "deadline_days": "Số ngày xử lý", "deadline_on": "Hạn xử lý (ngày)", "start_date": "Ngày bắt đầu",
    # signing
    "authority": "Thẩm quyền ký", "authority.competence": "Thẩm quyền ký", "authority.position": "Chức vụ người ký",
    "authority.title": "Chức danh người ký", "signer.name": "Họ tên người ký", "signer.title": "Chức danh người ký",
    "signer_position": "Chức vụ người ký", "signer_cert": "Chứng thư số của người ký",
    "signature_value": "Giá trị chữ ký số", "placeholder": "Vị trí chữ ký", "image": "Hình ảnh chữ ký",
    "key_label": "Nhãn khóa", "key.pin": "Mã PIN", "key.password": "Mật khẩu tệp khóa", "source.pdf": "Tệp PDF",
    "source": "Tệp nguồn", "source.object_id": "Tệp nguồn",
    # files and storage
    "file": "Tệp", "files": "Tệp", "file_ids": "Tệp", "file_name": "Tên tệp", "metadata.file_name": "Tên tệp",
    "object_id": "Tệp đã tải lên", "sha256": "Mã băm SHA-256", "metadata.claimed_sha256": "Mã băm SHA-256",
    "content": "Nội dung tệp", "metadata": "Thông tin tệp", "metadata.size_hint": "Dung lượng tệp",
    "metadata.declared_content_type": "Kiểu tệp", "metadata.agency_code": "Mã định danh cơ quan",
    "retain_until": "Giữ đến ngày", "kind": "Loại", "kinds": "Loại", "format": "Định dạng", "handle": "Mã tải lên",
    "bucket": "Kho lưu", "offset": "Vị trí bắt đầu", "length": "Độ dài", "Range": "Đoạn tệp yêu cầu (Range)",
    # records
    "headings": "Đề mục", "box": "Hộp", "end_date": "Ngày kết thúc", "creator": "Người lập", "notes": "Ghi chú",
    "creator_subject": "Người lập hồ sơ",
    "subheadings": "Tiểu mục",
    # searching and paging
    "query": "Từ khóa tìm kiếm", "sort": "Cách sắp xếp", "date_from": "Từ ngày", "date_to": "Đến ngày",
    "page": "Trang", "page_size": "Số dòng mỗi trang", "page_token": "Mã trang tiếp theo", "ids": "Danh sách mã",
    # whole requests
    "request": "Yêu cầu", "settings": "Thiết lập", "update": "Nội dung cập nhật", "now": "Thời điểm",
}

_INDEX = re.compile(r"\[([^\]]*)\]")
_ROW = re.compile(r"^row (\d+)\.")


def field_label(field: str) -> str:
    """The screen's name of an API field path.

    ``"abstract"`` → ``"Trích yếu"``; ``"files[2].sha256"`` → ``"Mã băm SHA-256 (mục thứ 3)"`` (the label of
    ``files.sha256``, else of ``sha256``; positions counted from 1 as a screen does, a key kept as it is:
    ``"page_amounts[<id>]"`` → ``"Số trang (<id>)"``); ``"row 4.type_code"`` (an imported sheet's row) → ``"Dòng 4,
    loại văn bản"``. An unknown field is named as the API spells it, in quotes.
    """
    row = _ROW.match(field)
    rest_of_field = field[row.end():] if row else field
    index = _INDEX.search(rest_of_field)
    path = _INDEX.sub("", rest_of_field)
    label = f"Trường “{rest_of_field}”"
    while path:
        if path in LABELS:
            label = LABELS[path]
            if index and index.group(1).isdigit():
                label += f" (mục thứ {int(index.group(1)) + 1})"
            elif index and index.group(1):
                label += f" ({index.group(1)})"
            break
        _, _, path = path.partition(".")
    return f"Dòng {row.group(1)}, {label[0].lower() + label[1:]}" if row else label


#: Token roles → the glossary's names.
ROLE_NAMES: dict[str, str] = {"clerk": "văn thư", "leader": "lãnh đạo", "head": "trưởng đơn vị",
                              "officer": "chuyên viên", "archivist": "lưu trữ", "admin": "quản trị"}


def role_names(roles: Iterable[str]) -> str:
    """The roles' Vietnamese names, in a stable order, joined for a sentence: ``{"clerk", "leader"}`` → ``"lãnh đạo,
    văn thư"``; an unknown role is kept as spelled."""
    return ", ".join(sorted(ROLE_NAMES.get(r, r) for r in roles))


#: Letters only Vietnamese uses among the scripts VanThu's texts are in: a text with none of them is not Vietnamese.
VIETNAMESE_LETTERS = frozenset("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
                               "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ")


def is_vietnamese(text: str) -> bool:
    """Whether ``text`` (NFC) has a letter only Vietnamese uses; a crude test, for telling a service's Vietnamese
    refusal from a library's English words."""
    return not VIETNAMESE_LETTERS.isdisjoint(text)
