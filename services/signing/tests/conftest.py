"""Fixtures for the signing suite: a dev PKI, the dev TSA, test PDFs (reportlab, Liberation Serif) and PNGs."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from PIL import Image, ImageDraw
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from vanthu_signing import pki
from vanthu_signing.signer import P12Key, Tsa

MM = 72 / 25.4
#: The instant the suite's own clock starts at (it ticks from there): the test PKI is issued at it and the modules
#: that sign with it run at it, so no test depends on the real calendar (CI also runs the suite a year ahead).
CLOCK = dt.datetime(2026, 11, 27, 3, 0, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module", autouse=True)
def frozen_clock(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each module runs with the clock at :data:`CLOCK` (ticking), except integration modules: their real servers
    make their PKI relative to the clock at start, and external ones (PostgreSQL) keep the real time."""
    if request.node.get_closest_marker("integration") is not None:
        yield
        return
    with time_machine.travel(CLOCK, tick=True):
        yield


@dataclass
class Env:
    pki: pki.DevPki
    tsa: Tsa
    personal: P12Key
    agency: P12Key

    @property
    def roots(self) -> list:
        return [self.pki.root.cert]


def p12(issued: pki.Issued, chain: list) -> P12Key:
    from cryptography.hazmat.primitives.serialization import pkcs12

    data = pkcs12.serialize_key_and_certificates(b"k", issued.key, issued.cert, chain,
                                                 serialization.BestAvailableEncryption(b"pw"))
    return P12Key(data, b"pw")


@pytest.fixture(scope="session")
def env() -> Env:
    made = pki.generate(now=CLOCK)
    chain = [made.intermediate.cert]
    return Env(made, Tsa(made.tsa.cert, made.tsa.key_pem(), chain), p12(made.personal, chain), p12(made.agency, chain))


def _fonts() -> None:
    # Liberation Serif 1.07 (Debian) lacks the precomposed Vietnamese letters U+1Exx: DejaVu Serif has them.
    if "LSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("LSerif", "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"))
        pdfmetrics.registerFont(TTFont("LSerifB", "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf"))


def _make_pdf(*, pages: int = 1, placeholders: bool = True) -> bytes:
    """A Công văn-like A4 page: heading, 'Số: [[SO]]', '[[NGAY]]', body, signature block with [[CHU_KY]]."""
    _fonts()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    w, h = A4
    c.setFont("LSerifB", 12)
    c.drawCentredString(35 * MM + 80, h - 25 * MM, "ỦY BAN NHÂN DÂN")
    c.drawCentredString(35 * MM + 80, h - 25 * MM - 14, "TỈNH VĨNH LONG")
    c.drawCentredString(w - 20 * MM - 130, h - 25 * MM, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    c.drawCentredString(w - 20 * MM - 130, h - 25 * MM - 14, "Độc lập - Tự do - Hạnh phúc")
    c.setFont("LSerif", 13)
    if placeholders:
        c.drawString(35 * MM + 30, h - 25 * MM - 40, "Số: [[SO]]")
        c.drawString(w - 20 * MM - 230, h - 25 * MM - 40, "[[NGAY]]")
    c.drawString(35 * MM, h - 80 * MM, "Về việc triển khai văn bản điện tử có chữ ký số trên địa bàn tỉnh.")
    c.drawString(35 * MM, h - 90 * MM, "Ủy ban nhân dân tỉnh đề nghị các sở, ban, ngành thực hiện nghiêm túc.")
    c.setFont("LSerifB", 13)
    sx = w - 20 * MM - 110
    c.drawCentredString(sx, 120 * MM, "TM. ỦY BAN NHÂN DÂN")
    c.drawCentredString(sx, 120 * MM - 16, "CHỦ TỊCH")
    if placeholders:
        c.setFillColorRGB(1, 1, 1)
        c.setFont("LSerif", 8)
        c.drawCentredString(sx, 120 * MM - 55, "[[CHU_KY]]")
        c.setFillColorRGB(0, 0, 0)
        c.setFont("LSerifB", 13)
    c.drawCentredString(sx, 120 * MM - 100, "Nguyễn Văn Hưởng")
    for i in range(1, pages):
        c.showPage()
        c.setFont("LSerif", 13)
        c.drawCentredString(w / 2, h - 15 * MM, str(i + 1))
        c.drawString(35 * MM, h - 40 * MM, "Trang tiếp theo của văn bản.")
    c.showPage()
    c.save()
    return buf.getvalue()


def _make_png(color: tuple[int, int, int], *, seal: bool = False, size: tuple[int, int] = (400, 200),
             mode: str = "RGBA", fmt: str = "PNG") -> bytes:
    img = Image.new("RGBA", size, (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if seal:
        d.ellipse((4, 4, size[0] - 4, size[1] - 4), outline=(*color, 255), width=10)
        d.ellipse((40, 40, size[0] - 40, size[1] - 40), outline=(*color, 255), width=4)
    else:
        d.line([(20, 150), (100, 40), (160, 160), (240, 50), (380, 120)], fill=(*color, 255), width=8)
    out = io.BytesIO()
    img.convert(mode).save(out, fmt)
    return out.getvalue()


@pytest.fixture(scope="session")
def signature_png() -> bytes:
    return _make_png((20, 40, 200))


@pytest.fixture(scope="session")
def seal_png() -> bytes:
    return _make_png((220, 0, 0), seal=True, size=(400, 400))


@pytest.fixture(scope="session")
def make_pdf() -> Callable[..., bytes]:
    return _make_pdf


@pytest.fixture(scope="session")
def make_png() -> Callable[..., bytes]:
    return _make_png


@pytest.fixture(scope="session")
def pdfsig() -> Callable[[bytes, Path], str]:
    return _pdfsig


@pytest.fixture(scope="session")
def make_p12() -> Callable[..., P12Key]:
    return p12


def _pdfsig(pdf: bytes, tmp_path: Path) -> str:
    """Run poppler's pdfsig (no NSS trust store with the dev root: only the signature itself is checked)."""
    path = tmp_path / "pdfsig-input.pdf"
    path.write_bytes(pdf)
    proc = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, check=False)
    return proc.stdout + proc.stderr
