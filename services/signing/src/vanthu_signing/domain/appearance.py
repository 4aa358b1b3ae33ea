"""Signature appearance rules of Decree 30/2020, Appendix I (regulations §3.8, §3.9).

* personal signature (box 7c): visible, the signer's blue transparent PNG, centred on an anchor found in
  the page text (default placeholder ``[[CHU_KY]]``) or at given coordinates;
* agency signature (box 8): the red transparent seal PNG at the seal's real size, overlapping the left
  third of the personal signature box;
* attachment signature (II.8.b): no image; "<số, ký hiệu> <ISO 8601 time +07:00>" at the top right of
  page 1, Times (Liberation Serif) 10 pt, black;
* copy signature (sao y / sao lục / trích sao): no image; form, copying agency, copy number/symbol and ISO 8601
  time +07:00 on separate lines at the top right of page 1, 10 pt, black.

Boxes are PDF user-space rectangles ``(x1, y1, x2, y2)`` in points, origin bottom-left.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import math
import os
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image

from vanthu_core.errors import InvalidArgument

if TYPE_CHECKING:
    from vanthu_signing.domain.geometry import PageGeometry

VN_TZ = dt.timezone(dt.timedelta(hours=7), "ICT")
PLACEHOLDER_SIGNATURE = "[[CHU_KY]]"
PLACEHOLDER_NUMBER = "[[SO]]"
PLACEHOLDER_DATE = "[[NGAY]]"
FONT_PATH = Path("/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf")
# Liberation Serif 1.07 (Debian) lacks U+1Exx (ả, ộ, ư̛…); text needing them falls back to DejaVu Serif.
FALLBACK_FONT_PATH = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
ATTACHMENT_FONT_SIZE = 10
PT_PER_MM = 72 / 25.4

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MIN_IMAGE_PX = 32
MAX_IMAGE_PX = 2000
PERSONAL_BOX_W = 130.0  # points
PERSONAL_BOX_H = 60.0
SEAL_DIAMETER_MM = 36.0  # a typical round seal of a provincial People's Committee
ATTACHMENT_MARGIN_TOP = 20 * PT_PER_MM
ATTACHMENT_MARGIN_RIGHT = 15 * PT_PER_MM


@dataclass(frozen=True)
class Box:
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (round(self.x1), round(self.y1), round(self.x2), round(self.y2))


@dataclass(frozen=True)
class Anchor:
    """Where a placeholder word is: 0-based page, its box in user space, the page's MediaBox size (points, as
    poppler reports it) and, when known, the page geometry (rotation, visible area)."""

    page: int  # 0-based
    box: Box
    page_width: float
    page_height: float
    geometry: PageGeometry | None = None

    @property
    def display_box(self) -> Box:
        """The anchor as the reader sees it (display frame of :mod:`.geometry`; user space without geometry)."""
        return self.geometry.to_display(self.box) if self.geometry is not None else self.box


def check_png(data: bytes, field: str) -> Image.Image:
    """A signature or seal image: PNG only, with an alpha channel, within size limits."""
    if not data:
        raise InvalidArgument(field, "chưa có: hãy gửi ảnh PNG nền trong suốt.")
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidArgument(field, f"dài {len(data)} byte; chỉ nhận tối đa {MAX_IMAGE_BYTES} byte.")
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise InvalidArgument(field, "không phải ảnh PNG; chỉ nhận ảnh PNG nền trong suốt.")
    try:
        img = Image.open(io.BytesIO(data))
        img.load()
    except Exception as exc:
        raise InvalidArgument(field, f"là ảnh PNG không đọc được ({exc}): hãy lưu lại ảnh rồi tải lên lại.") from exc
    has_alpha = img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info)
    if not has_alpha:
        raise InvalidArgument(field, f"không có nền trong suốt (chế độ {img.mode}): hãy dùng ảnh PNG nền trong suốt.")
    w, h = img.size
    if min(w, h) < MIN_IMAGE_PX or max(w, h) > MAX_IMAGE_PX:
        raise InvalidArgument(field, f"có kích thước {w}x{h} điểm ảnh; mỗi cạnh phải từ {MIN_IMAGE_PX} đến "
                                     f"{MAX_IMAGE_PX} điểm ảnh.")
    return img.convert("RGBA")


def find_text(pdf: bytes, needle: str) -> Anchor | None:
    """First occurrence of ``needle`` (a single word) in the page text (poppler's ``pdftotext -bbox``), with its
    box in user space and the page geometry; see :func:`vanthu_signing.placeholders.find_anchors`."""
    from vanthu_signing.placeholders import find_anchors

    return find_anchors(pdf, (needle,)).get(needle)


def personal_box(anchor: Anchor, width: float = PERSONAL_BOX_W, height: float = PERSONAL_BOX_H) -> Box:
    """The signature image box (user space), ``width`` x ``height`` points as the reader sees it, centred on the
    anchor (box 7c: between the position line and the signer's name) and kept inside the visible page."""
    a = anchor.display_box
    cx, cy = (a.x1 + a.x2) / 2, (a.y1 + a.y2) / 2
    shown = Box(cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)
    if anchor.geometry is None:
        return shown
    return anchor.geometry.to_user(anchor.geometry.keep_visible(shown))


def seal_box(personal: Box, diameter_mm: float = SEAL_DIAMETER_MM) -> Box:
    """The seal at real size, its right edge one third into the personal box, vertically centred on it."""
    d = diameter_mm * PT_PER_MM
    right = personal.x1 + personal.width / 3
    cy = (personal.y1 + personal.y2) / 2
    return Box(right - d, cy - d / 2, right, cy + d / 2)


@functools.lru_cache(maxsize=4)
def _scaled_font(path: str) -> str:
    """A copy of the font rescaled to 1000 units/em (pyHanko writes glyph widths in font units, which PDF reads
    as thousandths of an em; fonts with 2048 units/em would otherwise be rendered with wide spacing)."""
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    font = TTFont(path)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    out = Path(tempfile.gettempdir()) / f"vanthu-signing-{Path(path).stem}-1000upem.ttf"
    if not out.exists():
        partial = out.with_suffix(f".{os.getpid()}.tmp")
        font.save(str(partial))
        partial.replace(out)  # atomic: concurrent processes write the same bytes
    return str(out)


@functools.lru_cache(maxsize=8)
def _cmap(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(path).getBestCmap())


def font_for(text: str, *, bold: bool = False) -> str:
    """Path of a 1000-units/em font covering ``text``: Liberation Serif (Times metrics), else DejaVu Serif; their
    bold faces with ``bold``."""
    regular = FONT_PATH if all(ord(ch) in _cmap(str(FONT_PATH)) for ch in text) else FALLBACK_FONT_PATH
    chosen = regular.with_name(BOLD_FACES[regular.name]) if bold else regular
    return _scaled_font(str(chosen))


BOLD_FACES = {FONT_PATH.name: "LiberationSerif-Bold.ttf", FALLBACK_FONT_PATH.name: "DejaVuSerif-Bold.ttf"}

# -- the signing authority (quyền hạn, chức vụ của người ký: Decree 30/2020 Art. 13, Appendix I, box 7a/7b) ---------
#: Where a draft wants the signing authority lines stamped when it is signed (their first line's place).
PLACEHOLDER_AUTHORITY = "[[THAM_QUYEN]]"
#: The competences a signature may show (Art. 13): thay mặt, quyền, ký thay, thừa lệnh, thừa ủy quyền.
AUTHORITY_COMPETENCES = ("TM.", "Q.", "KT.", "TL.", "TUQ.")
AUTHORITY_FONT_SIZE = 13  # Appendix I: uppercase bold, 13–14 pt
AUTHORITY_LEADING = 16
MAX_AUTHORITY_CHARS = 120


def authority_lines(competence: str, title: str, position: str = "") -> tuple[str, ...]:
    """The signing authority lines above a signature (Decree 30/2020 Art. 13, Appendix I box 7a/7b, uppercase):
    in the signer's own right their ``title`` (``"GIÁM ĐỐC"``); under a ``competence`` (KT., TUQ., TL., TM., Q.)
    the competence and the competent person's or body's ``title`` on the first line, and the signer's own
    ``position`` on the second (``"KT. GIÁM ĐỐC"`` / ``"PHÓ GIÁM ĐỐC"``; ``"TUQ. CHỦ TỊCH"`` / ``"CHÁNH VĂN
    PHÒNG"``). Empty when nothing is known. InvalidArgument for an unknown competence, a competence without the
    title it stands for, or a line longer than :data:`MAX_AUTHORITY_CHARS`."""
    competence, title, position = (" ".join(unicodedata.normalize("NFC", v).split()) for v in
                                   (competence, title, position))
    if competence and competence not in AUTHORITY_COMPETENCES:
        raise InvalidArgument("authority.competence", f"phải là một trong {', '.join(AUTHORITY_COMPETENCES)} (Nghị "
                                                      "định 30/2020 Điều 13), hoặc để trống khi ký với thẩm quyền "
                                                      "của chính mình.")
    if competence and not title:
        raise InvalidArgument("authority.title", f"{competence} phải ghi chức vụ của người có thẩm quyền được ký "
                                                 "thay, ví dụ Giám đốc.")
    lines = [f"{competence} {title}".strip(), position if competence else ""]
    lines = [line.upper() for line in lines if line]
    if any(len(line) > MAX_AUTHORITY_CHARS for line in lines):
        raise InvalidArgument("authority", f"mỗi dòng tối đa {MAX_AUTHORITY_CHARS} ký tự.")
    return tuple(lines)


def iso_vn(when: dt.datetime) -> str:
    """ISO 8601 with the Vietnamese offset, seconds precision: ``2026-11-27T17:05:52+07:00``."""
    return when.astimezone(VN_TZ).replace(microsecond=0).isoformat()


def date_line(place: str, day: dt.date) -> str:
    """The place-and-date line of a document (box 4, Decree 30/2020/NĐ-CP, Appendix I, Part I, IV.4):
    ``"Vĩnh Long, ngày 05 tháng 3 năm 2026"``.

    Days below 10 and the months 1 and 2 take a leading zero; the other months do not (``ngày 15 tháng 02``,
    ``ngày 01 tháng 01``, ``ngày 20 tháng 10``). ``place`` is the địa danh (NFC, surrounding spaces removed);
    an empty place is refused (InvalidArgument("place")).
    """
    name = unicodedata.normalize("NFC", " ".join(place.split()))
    if not name:
        raise InvalidArgument("place", "chưa nhập: hãy ghi địa danh của cơ quan ban hành, ví dụ Vĩnh Long.")
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{name}, ngày {day.day:02d} tháng {month} năm {day.year}"


def attachment_text(number_symbol: str, when: dt.datetime) -> str:
    if not number_symbol.strip():
        raise InvalidArgument("number_symbol", "chưa nhập: hãy ghi số và ký hiệu của văn bản gốc.")
    return f"{number_symbol.strip()} {iso_vn(when)}"


def text_width(text: str, size: float = ATTACHMENT_FONT_SIZE) -> float:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if "VanThuSigningSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("VanThuSigningSerif", str(FONT_PATH)))
    return float(pdfmetrics.stringWidth(text, "VanThuSigningSerif", size))


def attachment_box(text: str, page_width: float, page_height: float) -> Box:
    w = math.ceil(text_width(text)) + 6
    h = int(ATTACHMENT_FONT_SIZE) + 6
    x2 = round(page_width - ATTACHMENT_MARGIN_RIGHT)
    y1 = round(page_height - ATTACHMENT_MARGIN_TOP) + 2  # inside the top margin, clear of the body text
    return Box(x2 - w, y1, x2, y1 + h)


# ---------------------------------------------------------------- digitised copies (sao y, sao lục, trích sao)

# Decree 30/2020, Appendix I: the copying agency's signature on an electronic copy has no image; it shows the
# copy form, the copying agency, the copy's number/symbol and the signing time (ISO 8601, +07:00) at the top
# right of page 1 in Times New Roman 10 pt, black.
COPY_FORMS = {"SY": "SAO Y", "SL": "SAO LỤC", "TRS": "TRÍCH SAO"}
COPY_LEADING = 12  # points, for the 10 pt copy text
COPY_MARGIN_TOP = 8 * PT_PER_MM  # the text block hangs from here, inside the top margin of a scanned page


def copy_form(form: str) -> str:
    """``SY``/``SL``/``TrS`` (any case) or the written form (``SAO Y``, ``Sao lục``…) -> ``SAO Y``/``SAO LỤC``/
    ``TRÍCH SAO``."""
    key = " ".join(form.split()).upper()
    if key in COPY_FORMS:
        return COPY_FORMS[key]
    if key in COPY_FORMS.values():
        return key
    raise InvalidArgument("form", f"hình thức bản sao {form!r} không có: hãy dùng SY (sao y), SL (sao lục) hoặc TrS "
                                  "(trích sao).")


def copy_text(form: str, agency_name: str, copy_number_symbol: str, when: dt.datetime) -> str:
    """The lines of a copy signature: form, copying agency, ``Số: <number/symbol>`` (when given), time."""
    name = " ".join(agency_name.split())
    if not name:
        raise InvalidArgument("agency_name", "chưa nhập: hãy ghi tên cơ quan sao văn bản.")
    lines = [copy_form(form), name]
    if copy_number_symbol.strip():
        lines.append(f"Số: {copy_number_symbol.strip()}")
    lines.append(iso_vn(when))
    return "\n".join(lines)


@functools.lru_cache(maxsize=8)
def _reportlab_font(path: str) -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    name = f"VanThu-{Path(path).stem}"
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, path))
    return name


def font_text_width(text: str, size: float = ATTACHMENT_FONT_SIZE, *, bold: bool = False) -> float:
    """Width of the widest line of ``text`` in the font :func:`font_for` picks for it."""
    from reportlab.pdfbase import pdfmetrics

    name = _reportlab_font(font_for(text, bold=bold))
    return max(float(pdfmetrics.stringWidth(line, name, size)) for line in text.split("\n"))


def copy_box(text: str, page_width: float, page_height: float) -> Box:
    """Top right of the page: right edge on the 15 mm right margin, top 8 mm below the page edge."""
    w = math.ceil(font_text_width(text)) + 8
    h = COPY_LEADING * len(text.split("\n")) + 6
    x2 = round(page_width - ATTACHMENT_MARGIN_RIGHT)
    y2 = round(page_height - COPY_MARGIN_TOP)
    return Box(x2 - w, y2 - h, x2, y2)
