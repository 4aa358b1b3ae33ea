"""Fixtures for the signing suite: a dev PKI, the dev TSA, test PDFs (reportlab, Liberation Serif) and PNGs."""

from __future__ import annotations

import datetime as dt
import io
import os
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


def _make_pdf(*, pages: int = 1, placeholders: bool = True, visible: bool = False) -> bytes:
    """A Công văn-like A4 page: heading, 'Số: [[SO]]', '[[NGAY]]', body, signature block with [[CHU_KY]] (white
    8 pt, or black 12 pt when ``visible``, as drafts from the field have it)."""
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
        c.setFillColorRGB(*((0, 0, 0) if visible else (1, 1, 1)))
        c.setFont("LSerif", 12 if visible else 8)
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
    if seal:  # a ring, and a bar in its top part (shows which way is up)
        d.ellipse((4, 4, size[0] - 4, size[1] - 4), outline=(*color, 255), width=10)
        d.ellipse((40, 40, size[0] - 40, size[1] - 40), outline=(*color, 255), width=4)
        d.rectangle((size[0] * 0.3, size[1] * 0.15, size[0] * 0.7, size[1] * 0.3), fill=(*color, 255))
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


# ---------------------------------------------------------------- page geometry and rendering (tests of layout)

#: display frame (as the reader sees the visible area, y up) -> user space, for each /Rotate (checked by rendering)
def display_matrix(rotate: int, crop: tuple[float, float, float, float]) -> tuple[float, ...]:
    x1, y1, x2, y2 = crop
    return {0: (1, 0, 0, 1, x1, y1), 90: (0, 1, -1, 0, x2, y1), 180: (-1, 0, 0, -1, x2, y2),
            270: (0, -1, 1, 0, x1, y2)}[rotate]


@dataclass(frozen=True)
class Geometry:
    """How a test page is put on its sheet: /Rotate, MediaBox, CropBox, and whether they (and the resources) are
    inherited from the page tree. The content is drawn so that the visible area reads like the portrait A4 draft."""

    name: str
    rotate: int
    media: tuple[float, float, float, float]
    crop: tuple[float, float, float, float] | None = None
    inherited: bool = False


A4_W, A4_H = A4
GEOMETRIES = [
    Geometry("rotate0", 0, (0, 0, A4_W, A4_H)),
    Geometry("rotate90", 90, (0, 0, A4_H, A4_W)),
    Geometry("rotate180", 180, (0, 0, A4_W, A4_H)),
    Geometry("rotate270", 270, (0, 0, A4_H, A4_W)),
    Geometry("offset-origin-cropbox", 0, (-100, -50, 745, 942), (-50, 20, -50 + A4_W, 20 + A4_H)),
    Geometry("inherited-rotate90-cropbox", 90, (-100, -50, 945, 700), (-50, 20, -50 + A4_H, 20 + A4_W),
             inherited=True),
]


def reshape(pdf: bytes, g: Geometry) -> bytes:
    """The draft put on the sheet ``g`` describes (pikepdf), still reading as the same page."""
    import pikepdf

    doc = pikepdf.open(io.BytesIO(pdf))
    m = display_matrix(g.rotate, g.crop or g.media)
    for page in doc.pages:
        contents = page.obj.Contents
        streams = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        page.obj.Contents = pikepdf.Array([doc.make_stream(b"q %g %g %g %g %g %g cm\n" % m), *streams,
                                           doc.make_stream(b"\nQ\n")])
        holder = doc.Root.Pages if g.inherited else page.obj
        holder.MediaBox = pikepdf.Array(g.media)
        if g.crop:
            holder.CropBox = pikepdf.Array(g.crop)
        holder.Rotate = g.rotate
        if g.inherited:
            doc.Root.Pages.Resources = page.obj.Resources
    if g.inherited:
        for page in doc.pages:
            for key in ("/MediaBox", "/CropBox", "/Rotate", "/Resources"):
                if key in page.obj:
                    del page.obj[key]
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def render(pdf: bytes, tmp_path: Path, *, hide_annotations: bool = False, page: int = 1) -> Image.Image:
    """The page as a viewer shows it (its CropBox, rotated), 72 dpi: one pixel per point of the display frame."""
    src = tmp_path / "render-input.pdf"
    src.write_bytes(pdf)
    stem = tmp_path / "render-output"
    args = ["pdftoppm", "-png", "-r", "72", "-cropbox", "-singlefile", "-f", str(page), "-l", str(page)]
    if hide_annotations:
        args.append("-hide-annotations")
    subprocess.run([*args, str(src), str(stem)], check=True)
    img = Image.open(f"{stem}.png").convert("RGB")
    img.load()
    return img


def mask_bbox(img: Image.Image, kind: str) -> tuple[int, int, int, int] | None:
    """Bounding box (left, top, right, bottom; pixels) of the ``blue`` (signature), ``red`` (seal) or ``dark``
    (black or grey text) pixels."""
    return mask(img, kind).getbbox()


def count(img: Image.Image, kind: str, box: tuple[int, int, int, int]) -> int:
    """How many ``kind`` pixels lie in ``box`` (left, top, right, bottom)."""
    return mask(img.crop(box), kind).histogram()[255]


def mask(img: Image.Image, kind: str) -> Image.Image:
    from PIL import ImageChops

    r, g, b = img.split()

    def where(band: Image.Image, test: Callable[[int], bool]) -> Image.Image:
        return band.point(lambda v: 255 if test(v) else 0)

    if kind == "blue":
        return ImageChops.multiply(ImageChops.multiply(where(b, lambda v: v > 150), where(r, lambda v: v < 110)),
                                   where(g, lambda v: v < 130))
    if kind == "red":
        return ImageChops.multiply(ImageChops.multiply(where(r, lambda v: v > 150), where(g, lambda v: v < 110)),
                                   where(b, lambda v: v < 110))
    spread = ImageChops.subtract(ImageChops.lighter(ImageChops.lighter(r, g), b),
                                 ImageChops.darker(ImageChops.darker(r, g), b))
    return ImageChops.multiply(where(img.convert("L"), lambda v: v < 160), where(spread, lambda v: v < 40))


def text_words(pdf: bytes) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Words of page 1 with their boxes as poppler reports them (points from the top left of the MediaBox)."""
    import re

    out = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", "-", "-"], input=pdf, capture_output=True,
                         check=True).stdout.decode()
    words = re.findall(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">([^<]*)</word>', out)
    return [(w.replace("&#91;", "[").replace("&#93;", "]"), (float(a), float(b), float(c), float(d)))
            for a, b, c, d, w in words]


def plain_text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


FIELD_CASES = Path(__file__).resolve().parents[3] / ".." / "shared" / "fixtures" / "field-cases"


@pytest.fixture(scope="session")
def field_case() -> Callable[[str], bytes]:
    """A file of the shared field cases (skips when ../shared is not there)."""

    def read(name: str) -> bytes:
        path = FIELD_CASES / name
        if not path.exists():
            pytest.skip(f"{path} not available (the shared field cases sit beside the repository)")
        return path.read_bytes()

    return read


@dataclass
class TsaServer:
    url: str
    #: Sizes of the timestamp queries it answered.
    requests: list[int]


@pytest.fixture
def serve_tsa():  # type: ignore[no-untyped-def]
    """``serve_tsa(tsa)``: a real RFC 3161 timestamp authority over HTTP on a free port with ``tsa``'s key behind it
    (application/timestamp-query in, application/timestamp-reply out), as production configures one with
    VANTHU_SIGNING_TSA_URL. Stopped after the test."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from asn1crypto import tsp

    servers: list[tuple[ThreadingHTTPServer, threading.Thread]] = []

    def start(tsa: Tsa) -> TsaServer:
        stamper = tsa.timestamper()
        answered: list[int] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                if self.headers.get("Content-Type") != "application/timestamp-query":
                    self.send_error(415)
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                reply = stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                answered.append(len(body))
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append((server, thread))
        return TsaServer(f"http://127.0.0.1:{server.server_address[1]}/tsa", answered)

    yield start
    for server, thread in servers:
        server.shutdown()
        thread.join(5)


# ---------------------------------------------------------------- SoftHSM2: PKCS#11 keys on a real token

@dataclass
class SoftHsmToken:
    module: str
    conf: str
    token_label: str
    pin: str
    pki: pki.DevPki


@pytest.fixture(scope="session")
def softhsm_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsmToken]:
    """An isolated SoftHSM2 (its own SOFTHSM2_CONF and token directory) for the session: a fresh token
    ``vanthu-dev`` (PIN 123456) with keys labelled ``personal`` and ``agency``.

    SOFTHSM2_CONF is set for the session so that the PKCS#11 module, loaded in-process, finds the token.
    """
    pki_mod = pki
    if not pki_mod.have_softhsm():
        pytest.skip("softhsm2-util / pkcs11-tool / libsofthsm2.so not installed")
    base = tmp_path_factory.mktemp("softhsm")
    hsm = pki_mod.SoftHsm(base).setup()
    made = pki_mod.generate()
    pki_mod.load_into_softhsm(made, hsm)
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(hsm.conf)
    try:
        yield SoftHsmToken(hsm.module, str(hsm.conf), pki_mod.DEV_TOKEN, pki_mod.DEV_PIN, made)
    finally:
        if previous is None:
            os.environ.pop("SOFTHSM2_CONF", None)
        else:
            os.environ["SOFTHSM2_CONF"] = previous
