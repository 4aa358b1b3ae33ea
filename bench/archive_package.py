"""Archive package export and import (issue 16, item 5): a closed file of 200 documents of 1 MB each.

"export" is :func:`vanthu_archive.package.export_package` — every unsigned PDF made PDF/A-2b (pikepdf: XMP,
output intent, a Liberation font embedded for the standard font the page uses), the metadata XML, the SHA-256
manifest, the ZIP — against a plain ZIP (stored, as the package stores documents) of the same 200 files with a
SHA-256 of each, in the same run. "import" is :func:`vanthu_archive.package.import_package` (limits, manifest,
schema validation, metadata checks, digests) against reading every entry of that plain ZIP back and hashing it.
Each PDF is distinct: a page of text in Helvetica (not embedded) and a 1 MB image of random bytes.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import time
import zipfile
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pikepdf

sys.path.insert(0, str(Path(__file__).parent))
from _common import report

from vanthu_archive.metadata import DocumentMetadata, DocumentType, FileMetadata, Retention
from vanthu_archive.package import DocumentFile, export_package, import_package

TOPIC = "archive"
DOCUMENTS = int(os.environ.get("VANTHU_BENCH_ARCHIVE_DOCS", "200"))
SIZE = 1024 * 1024
CREATED = datetime(2027, 1, 15, 9, 0, tzinfo=timezone(timedelta(hours=7)))


def one_pdf(i: int) -> bytes:
    """A one-page PDF of about 1 MB: a line of Helvetica text and a 512×683 RGB image of random bytes."""
    pdf = pikepdf.new()
    width, height = 512, SIZE // (512 * 3)
    image = pdf.make_stream(os.urandom(width * height * 3), Type=pikepdf.Name.XObject,
                            Subtype=pikepdf.Name.Image, Width=width, Height=height,
                            ColorSpace=pikepdf.Name.DeviceRGB, BitsPerComponent=8)
    font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica,
                              Encoding=pikepdf.Name.WinAnsiEncoding)
    content = f"BT /F1 12 Tf 72 760 Td (Van ban so {i}) Tj ET q 400 0 0 534 72 200 cm /Im1 Do Q".encode()
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 595, 842],
                              Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font),
                                                           XObject=pikepdf.Dictionary(Im1=image)),
                              Contents=pdf.make_stream(content))
    pdf.pages.append(pikepdf.Page(page))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def a_file(n: int) -> tuple[FileMetadata, list[DocumentFile]]:
    file = FileMetadata(organ_id="000.00.12.H41", catalogue=2026, notation="01.TCCB",
                        title="Hồ sơ thử hiệu năng nộp lưu", retention=Retention.permanent(), creator="Nguyễn Văn An",
                        start_date=date(2026, 1, 1), end_date=date(2026, 12, 31), doc_total=n, page_total=n)
    docs = [DocumentFile(DocumentMetadata(file.file_code, i, DocumentType.OFFICIAL_LETTER, date(2026, 1, 1),
                                          "Sở Nội vụ tỉnh Vĩnh Long", f"Công văn số {i} về việc thử hiệu năng", 1,
                                          number=str(i), code_notation="SNV-VP"), one_pdf(i))
            for i in range(1, n + 1)]
    return file, docs


def plain_zip(docs: list[DocumentFile]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for d in docs:
            hashlib.sha256(d.content).hexdigest()
            zf.writestr(f"documents/{d.metadata.code}.pdf", d.content, compress_type=zipfile.ZIP_STORED)
    return buffer.getvalue()


def plain_unzip(data: bytes) -> list[str]:
    """Read every entry back and hash it (what any import must do at least)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [hashlib.sha256(zf.read(name)).hexdigest() for name in zf.namelist()]


def best(call: Callable[[], object], runs: int) -> float:
    """The fastest of ``runs`` calls, seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    file, docs = a_file(DOCUMENTS)
    package = export_package(file, docs, created=CREATED)
    baseline_zip = plain_zip(docs)
    export_s = best(lambda: export_package(file, docs, created=CREATED), 3)
    zip_s = best(lambda: plain_zip(docs), 3)
    report(TOPIC, f"export {DOCUMENTS} x 1 MB (PDF/A)", export_s, zip_s, "s", higher_is_better=False,
           package_mb=round(len(package) / 1e6, 1), plain_zip_mb=round(len(baseline_zip) / 1e6, 1))
    import_s = best(lambda: import_package(package), 3)
    unzip_s = best(lambda: plain_unzip(baseline_zip), 3)
    report(TOPIC, f"import {DOCUMENTS} x 1 MB", import_s, unzip_s, "s", higher_is_better=False)


if __name__ == "__main__":
    main()
