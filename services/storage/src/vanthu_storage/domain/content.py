"""Which bytes are accepted (loại tệp được phép): detection from the content, never from the name.

The caller's declared content type is only checked against what the bytes are. ZIP-based office formats
(DOCX, XLSX, ODT) are told apart by their member names, which the caller supplies (read from the staged file).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

import filetype

from vanthu_core.errors import InvalidArgument

#: How many leading bytes detection needs.
HEAD_BYTES = 8192

PDF = "application/pdf"
XML = "application/xml"
ZIP = "application/zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/tiff", "image/webp", "image/bmp"})

#: The allow-list.
ALLOWED = frozenset({PDF, XML, ZIP, DOCX, XLSX, ODT, *IMAGES})

#: Aliases a caller may declare for an accepted type.
ALIASES = {"text/xml": XML, "image/jpg": "image/jpeg", "application/x-zip-compressed": ZIP,
           "application/x-pdf": PDF}
#: Declared types that say "I do not know" and are therefore never a mismatch.
UNKNOWN = frozenset({"", "application/octet-stream", "binary/octet-stream"})

EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe",
                    b"\xce\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"#!")
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")

MAX_FILE_NAME = 255
#: PDF readers look for the header within the first 1024 bytes (Adobe's PDF Reference, implementation note 13);
#: storage accepts a PDF only when it begins with the header, and says so when it finds one later.
PDF_HEADER = b"%PDF-"
PDF_HEADER_WINDOW = 1024
UTF8_BOM = b"\xef\xbb\xbf"
ACCEPTED = ("chỉ nhận PDF, DOCX, XLSX, ODT, ảnh (PNG, JPEG, GIF, TIFF, WebP, BMP), XML và ZIP.")


def is_executable(head: bytes) -> bool:
    """Windows PE (MZ), ELF, Mach-O and scripts with a ``#!`` line."""
    return head.startswith(EXECUTABLE_MAGIC)


def _looks_like_xml(head: bytes) -> bool:
    text = head.removeprefix(b"\xef\xbb\xbf")
    if text.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM
        text = text.decode("utf-16", errors="ignore").encode()
    text = text.lstrip(b" \t\r\n")
    return text.startswith(b"<?xml") or (text.startswith(b"<") and text[1:2].isalpha() and b">" in text)


def classify_zip(names: Iterable[str], mimetype_member: bytes | None = None) -> str:
    """DOCX, XLSX, ODT or plain ZIP, from the member names (and an ODF ``mimetype`` member's content)."""
    members = set(names)
    if mimetype_member is not None and mimetype_member.strip() == ODT.encode():
        return ODT
    if "[Content_Types].xml" in members:
        if any(n.startswith("word/") for n in members):
            return DOCX
        if any(n.startswith("xl/") for n in members):
            return XLSX
    return ZIP


def detect(head: bytes, zip_names: Iterable[str] | None = None, mimetype_member: bytes | None = None) -> str:
    """The content type of a file from its first bytes (and its ZIP members when it is a ZIP).

    Raises :class:`InvalidArgument` on ``content`` for executables, for anything not on the allow-list, and for a
    PDF whose header does not come first (bytes before ``%PDF-``, such as a UTF-8 byte-order mark: such a file's
    byte offsets are all off, and a signature added to it covers bytes that readers disagree about), saying
    exactly which of these it is.
    """
    if is_executable(head):
        raise InvalidArgument("content", f"là chương trình chạy được; {ACCEPTED}")
    if head.startswith(PDF_HEADER):
        return PDF
    if head.startswith(ZIP_MAGIC):
        return classify_zip(zip_names or (), mimetype_member)
    kind = filetype.guess(head[:HEAD_BYTES])
    if kind is not None and kind.mime in IMAGES:
        return str(kind.mime)
    if kind is None and _looks_like_xml(head):
        return XML
    late_header = head.find(PDF_HEADER, 1, PDF_HEADER_WINDOW + len(PDF_HEADER))
    if late_header > 0:
        raise InvalidArgument("content", _bytes_before_pdf_header(head, late_header))
    if kind is not None and kind.mime in ALLOWED:  # recognised, but not in the form accepted for its type
        raise InvalidArgument("content", f"trông như {kind.mime} nhưng phần đầu tệp không đúng dạng {kind.mime}: hãy "
                                         "lưu hoặc xuất lại tệp rồi tải lên tệp đó.")
    found = f" (có vẻ là {kind.mime})" if kind is not None else ""
    raise InvalidArgument("content", f"không phải loại tệp được nhận{found}; {ACCEPTED}")


def _bytes_before_pdf_header(head: bytes, offset: int) -> str:
    """Why a PDF with ``offset`` bytes before its header is refused, and what to do about it."""
    what = "dấu thứ tự byte UTF-8 (EF BB BF)" if head.startswith(UTF8_BOM) and offset == len(UTF8_BOM) \
        else f"{offset} byte ({head[:min(offset, 8)].hex(' ').upper()}{' …' if offset > 8 else ''})"
    return (f"là tệp PDF có {what} trước phần đầu '%PDF-': tệp PDF phải bắt đầu bằng '%PDF-'. Hãy lưu hoặc xuất lại "
            "văn bản dạng PDF (hoặc xóa các byte trước '%PDF-') rồi tải lên lại.")


def normalise_declared(declared: str) -> str:
    value = declared.split(";", 1)[0].strip().lower()
    return ALIASES.get(value, value)


def check_declared(declared: str, detected: str) -> None:
    """A declared type must agree with the detected one (a ZIP-based office file may be declared as ZIP)."""
    value = normalise_declared(declared)
    if value in UNKNOWN or value == detected:
        return
    if value == ZIP and detected in (DOCX, XLSX, ODT):
        return
    raise InvalidArgument("metadata.declared_content_type",
                          f"ghi {value} nhưng nội dung là {detected}: hãy để trống hoặc ghi {detected}.")


#: The bidirectional controls, which make a name show other than it is ("Quyết định\u202efdp.exe" reads "Quyết
#: địnhexe.pdf" in a list while the file saves as .exe): dropped from file names, which then show as they are (not
#: refused: a name a peer agency's package carries must not make its arrival fail).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def check_file_name(name: str) -> str:
    """NFC, trimmed, without bidirectional controls (dropped), a plain name (no folders, no control characters), at
    most 255 characters."""
    value = "".join(c for c in unicodedata.normalize("NFC", name) if c not in BIDI_CONTROLS).strip()
    if not value:
        raise InvalidArgument("metadata.file_name", "chưa nhập (tên gốc của tệp).")
    if len(value) > MAX_FILE_NAME:
        raise InvalidArgument("metadata.file_name", f"dài quá {MAX_FILE_NAME} ký tự: hãy đổi tên tệp ngắn hơn.")
    if any(unicodedata.category(c) == "Cc" for c in value) or "/" in value or "\\" in value \
            or value in (".", ".."):
        raise InvalidArgument("metadata.file_name", "phải là tên tệp đơn thuần, không có thư mục hay ký tự điều "
                                                    "khiển.")
    return value
