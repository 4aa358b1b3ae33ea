"""Sample documents for the suites: a draft PDF as an officer would upload it (reportlab, DejaVu Serif, which has
every precomposed Vietnamese letter), with the placeholders the signing service anchors on."""

from __future__ import annotations

import io

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
ABSTRACT = "Về việc triển khai văn bản điện tử có chữ ký số trên địa bàn tỉnh Vĩnh Long."


def draft_pdf(abstract: str = ABSTRACT, *, signer: str = "Nguyễn Văn Hưởng", without: tuple[str, ...] = (),
              title: str = "CHỦ TỊCH") -> bytes:
    """A one-page công văn (A4) with ``Số: [[SO]]``, ``[[NGAY]]`` and ``[[CHU_KY]]`` between the title and the
    signer's name; placeholders named in ``without`` are left out (a draft someone forgot to prepare). ``title``:
    the signing authority line above the signature (``[[THAM_QUYEN]]``: stamped by signing, whoever signs)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if "VanThuTestSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("VanThuTestSerif", FONT))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("VanThuTestSerif", 13)
    c.drawString(100, 760, "Số: " + ("" if "[[SO]]" in without else "[[SO]]"))
    if "[[NGAY]]" not in without:
        c.drawString(330, 760, "[[NGAY]]")
    c.drawString(80, 600, abstract)
    c.drawCentredString(420, 340, title)
    if "[[CHU_KY]]" not in without:
        c.drawCentredString(420, 290, "[[CHU_KY]]")
    c.drawCentredString(420, 230, signer)
    c.showPage()
    c.save()
    return buf.getvalue()
