"""Reading the PDF to sign: the bytes from the ``%PDF-`` header on, a pyHanko reader, page count and geometry.

PDF readers accept a few bytes before the header (ISO 32000-1, Annex H.3 item 1: Acrobat looks for ``%PDF-`` in
the first 1024 bytes), as left by tools that prepend a UTF-8 byte order mark. The bytes before the header are not
part of the document: they are dropped here, so that the signed output starts with ``%PDF-`` and the offsets of
its signature byte ranges count from the header, as every validator reads them.
"""

from __future__ import annotations

import io

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.rw_common import find_inherited_value_in_tree

from vanthu_core.errors import InvalidArgument
from vanthu_signing.domain.appearance import Box
from vanthu_signing.domain.geometry import PageGeometry

HEADER = b"%PDF-"
#: how far into the file the header is looked for (ISO 32000-1, Annex H.3)
HEADER_WINDOW = 1024
A4 = Box(0.0, 0.0, 595.276, 841.89)
#: how far from the end of the file ``startxref`` is looked for: ISO 32000-1 §7.5.5 puts it in the trailer, just
#: before the closing ``%%EOF``; the window allows the trailing whitespace and junk that scanners leave after it.
#: A file without it there is refused before parsing (a reader would otherwise search the whole file backwards).
STARTXREF_WINDOW = 8 * 1024


def _reader(data: bytes) -> PdfFileReader:
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    _ = reader.root["/Pages"]
    return reader


def _repaired(data: bytes) -> bytes:
    """The file rewritten by qpdf (pikepdf), which rebuilds cross-reference offsets counted from another origin."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def load_pdf(data: bytes, field_name: str = "pdf") -> tuple[bytes, PdfFileReader]:
    """The document from its ``%PDF-`` header on (bytes before it, such as a UTF-8 BOM, are dropped) and a
    pyHanko reader over those bytes.

    InvalidArgument(``field_name``) when the data is empty, has no ``%PDF-`` header in its first 1024 bytes, cannot
    be read or is encrypted; the message says what was found and what is accepted.
    """
    if not data:
        raise InvalidArgument(field_name, "rỗng (0 byte): hãy gửi tệp PDF.")
    start = data.find(HEADER, 0, HEADER_WINDOW)
    if start < 0:
        head = data[:8]
        raise InvalidArgument(field_name, f"không phải tệp PDF: không có phần đầu %PDF- trong {HEADER_WINDOW} byte "
                                          f"đầu (tệp bắt đầu bằng {head!r}); hãy gửi tệp PDF.")
    if data.rfind(b"startxref", max(0, len(data) - STARTXREF_WINDOW)) < 0:
        raise InvalidArgument(field_name, f"là tệp PDF hỏng: không có từ khóa startxref trong {STARTXREF_WINDOW} "
                                          "byte cuối tệp (ISO 32000-1 §7.5.5), tệp bị cắt cụt hoặc không phải PDF; "
                                          "hãy xuất lại tệp PDF.")
    body = data[start:]
    try:
        reader = _reader(body)
        encrypted = reader.encrypted
    except Exception as exc:
        if start == 0:
            raise InvalidArgument(field_name, f"là tệp PDF không đọc được ({exc}): hãy xuất lại tệp PDF.") from exc
        try:  # the offsets may count from the first byte of the file rather than from the header
            body = _repaired(data)
            reader = _reader(body)
            encrypted = reader.encrypted
        except Exception as exc2:
            raise InvalidArgument(field_name, f"là tệp PDF không đọc được ({exc2}): hãy xuất lại tệp PDF.") from exc2
    if encrypted:
        raise InvalidArgument(field_name, "bị mã hóa: hãy gửi tệp PDF không đặt mật khẩu, không mã hóa.")
    return body, reader


def read_pdf(data: bytes, field_name: str = "pdf") -> PdfFileReader:
    """A reader over the document; refuses empty, non-PDF, unreadable and encrypted input with a clear message
    (InvalidArgument(``field_name``)). A few bytes before the ``%PDF-`` header (a UTF-8 BOM) are accepted and
    dropped; see :func:`load_pdf`."""
    return load_pdf(data, field_name)[1]


def page_count(reader: PdfFileReader) -> int:
    return int(reader.root["/Pages"]["/Count"])


def _box(value: object) -> Box | None:
    if not isinstance(value, generic.ArrayObject) or len(value) != 4:
        return None
    try:
        x1, y1, x2, y2 = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return Box(x1, y1, x2, y2)


def page_geometry(reader: PdfFileReader, index: int) -> PageGeometry:
    """MediaBox, CropBox and /Rotate of page ``index`` (0-based), inherited from the page tree where the page does
    not set them (ISO 32000-1, §7.7.3.4); a missing or malformed MediaBox counts as A4, as viewers do."""
    page = reader.find_page_for_modification(index)[0].get_object()
    media = _box(find_inherited_value_in_tree(page, "/MediaBox", "/Parent")) or A4
    crop = _box(find_inherited_value_in_tree(page, "/CropBox", "/Parent"))
    rotate = find_inherited_value_in_tree(page, "/Rotate", "/Parent")
    try:
        turn = int(rotate) if rotate is not None else 0
    except (TypeError, ValueError):
        turn = 0
    return PageGeometry.of(media, crop, turn)


#: Actions that run something when a reader opens or clicks the document.
ACTIVE_ACTIONS = frozenset({"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/Rendition", "/RichMediaExecute"})


def _action_kinds(action: object, depth: int = 0) -> set[str]:
    """The action types of an action dictionary and its /Next chain."""
    action = action.get_object() if isinstance(action, generic.IndirectObject) else action
    if not isinstance(action, generic.DictionaryObject) or depth > 8:
        return set()
    kinds = {str(action.get("/S", ""))}
    following = action.get("/Next")
    for item in (following if isinstance(following, generic.ArrayObject) else [following] if following else []):
        kinds |= _action_kinds(item, depth + 1)
    return kinds


def active_content(reader: PdfFileReader) -> list[str]:
    """What in the document runs code or submits data when it is opened or clicked: document-level JavaScript,
    an opening action, additional actions (/AA) of the document, its pages or annotations that run JavaScript,
    launch a program or submit a form. Empty for an ordinary administrative document."""
    root = reader.root
    found: list[str] = []
    names = root.get("/Names")
    names = names.get_object() if isinstance(names, generic.IndirectObject) else names
    if isinstance(names, generic.DictionaryObject) and "/JavaScript" in names:
        found.append("mã JavaScript cấp văn bản (/Names /JavaScript)")
    kinds = _action_kinds(root.get("/OpenAction")) & ACTIVE_ACTIONS
    if kinds:
        found.append(f"hành động khi mở tệp ({', '.join(sorted(kinds))})")
    triggers = root.get("/AA")
    if isinstance(triggers, generic.DictionaryObject | generic.IndirectObject):
        found.append("hành động của văn bản (/AA)")
    for index in range(page_count(reader)):
        page = reader.find_page_for_modification(index)[0].get_object()
        if "/AA" in page:
            found.append(f"hành động của trang {index + 1} (/AA)")
        annotations = page.get("/Annots")
        annotations = annotations.get_object() if isinstance(annotations, generic.IndirectObject) else annotations
        for annotation in annotations if isinstance(annotations, generic.ArrayObject) else []:
            annotation = annotation.get_object()
            if not isinstance(annotation, generic.DictionaryObject):
                continue
            kinds = (_action_kinds(annotation.get("/A")) & ACTIVE_ACTIONS) | ({"/AA"} if "/AA" in annotation else set())
            if kinds:
                found.append(f"liên kết hoặc trường ở trang {index + 1} ({', '.join(sorted(kinds))})")
                break
    return found


def refuse_active_content(data: bytes, field_name: str = "source") -> None:
    """InvalidArgument(``field_name``) when the document would run code or submit data in its readers' hands: an
    official document the agency signs carries no scripts, launch or submit actions."""
    found = active_content(load_pdf(data, field_name)[1])
    if found:
        raise InvalidArgument(field_name, f"có {'; '.join(found)}: văn bản hành chính được ký số khi không có mã lệnh "
                                          "hay hành động tự chạy; hãy xuất hoặc in lại ra PDF không có chúng.")
