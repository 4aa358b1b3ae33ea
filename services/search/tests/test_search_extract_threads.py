"""PDFium is not thread-safe: the indexer reads files in worker threads at the consumers' concurrency, and a
3,000-page PDF issued to two agencies crashed the search service in ``libpdfium.so`` (segfault), which stopped the
whole ``make dev``, and other runs lost pages ("Failed to load page") or cut the text short (found trying the
exchange as a new user). Extraction and OCR's page rendering from several threads at once must read what one thread
alone reads. Run in a child process, so that a crash is reported as this test failing, not as a lost worker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

CHILD = r"""
import sys, threading
from vanthu_search.extract import extract, page_images

data = open(sys.argv[1], "rb").read()
alone = extract(data, "application/pdf", min_chars=5)
assert alone.text.count("đường") == 300 and alone.scanned_pages == [], (alone.text[:200], alone.scanned_pages)
results, errors = [], []

def read() -> None:
    try:
        for _ in range(2):
            results.append(extract(data, "application/pdf", min_chars=5))
    except BaseException as error:
        errors.append(repr(error))

def render() -> None:
    try:
        sizes = [image.size for _, image in page_images(data, "application/pdf", list(range(1, 301, 10)), 30)]
        assert len(sizes) == 30, sizes
    except BaseException as error:
        errors.append(repr(error))

threads = [threading.Thread(target=read) for _ in range(4)] + [threading.Thread(target=render) for _ in range(2)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
assert not errors, errors
assert len(results) == 8 and all(r.text == alone.text and r.scanned_pages == [] for r in results), \
    [len(r.text) for r in results]
print("same", len(alone.text))
"""


def long_pdf(path: Path, pages: int) -> None:
    """A PDF of ``pages`` pages, each with a line of Vietnamese text (one "đường" a page)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from vanthu_testing.documents import FONT

    if "VanThuTestSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("VanThuTestSerif", FONT))
    c = canvas.Canvas(str(path))
    for number in range(1, pages + 1):
        c.setFont("VanThuTestSerif", 12)
        c.drawString(60, 700, f"Trang {number}: nâng cấp đường tỉnh, ưu tiên vốn, mẫu số ẫ")
        c.showPage()
    c.save()


def test_files_read_from_several_threads_at_once_read_as_one_thread_alone(tmp_path: Path) -> None:
    pdf = tmp_path / "ke-hoach-300-trang.pdf"
    long_pdf(pdf, 300)
    child = subprocess.run([sys.executable, "-c", CHILD, str(pdf)], capture_output=True, text=True, timeout=600)
    assert child.returncode == 0, (child.returncode, child.stdout[-2000:], child.stderr[-2000:])
    assert child.stdout.startswith("same ")
