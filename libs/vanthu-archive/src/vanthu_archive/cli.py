"""``vanthu-archive``: check an archival package or a PDF, for the archivist of the receiving archive.

``vanthu-archive check hoso.zip`` imports the package exactly as :func:`vanthu_archive.package.import_package`
does (limits, manifest, schema, metadata, digests, PDF/A and signatures) and prints the file and its documents;
``vanthu-archive pdfa van-ban.pdf`` prints what :func:`vanthu_archive.pdfa.check_pdfa` finds.

Exit codes: 0 ok, 1 refused or not PDF/A, 2 unreadable input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .package import PackageError, import_package
from .pdfa import check_pdfa, is_signed

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vanthu-archive", description="Gói hồ sơ lưu trữ và tệp PDF/A.")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="kiểm tra một gói hồ sơ (.zip)")
    check.add_argument("file", type=Path)
    pdfa = sub.add_parser("pdfa", help="kiểm tra những gì kiểm tra được của PDF/A")
    pdfa.add_argument("file", type=Path)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command; returns the exit code (see the module docstring)."""
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        out.write(f"Không đọc được {args.file}: {exc.strerror}\n")
        return EXIT_USAGE
    if args.command == "pdfa":
        problems = check_pdfa(data)
        if is_signed(data):
            out.write("Tệp có chữ ký số (giữ nguyên, không chuyển đổi).\n")
        for problem in problems:
            out.write(f"- {problem}\n")
        out.write("Không thấy lỗi PDF/A nào kiểm tra được.\n" if not problems else "")
        return EXIT_INVALID if problems else EXIT_OK
    try:
        package = import_package(data)
    except PackageError as exc:
        out.write("Gói hồ sơ bị từ chối:\n" + "".join(f"- {p}\n" for p in exc.problems))
        return EXIT_INVALID
    f = package.file
    end = f"{f.end_date:%d/%m/%Y}" if f.end_date else "…"
    out.write(f"Mã hồ sơ: {f.file_code}\nTiêu đề: {f.title}\nThời hạn bảo quản: {f.retention.label}\n"
              f"Thời gian: {f.start_date:%d/%m/%Y} - {end}\n")
    out.write(f"Số văn bản: {len(package.documents)}, số trang: {f.page_total}\n")
    for d in package.documents:
        out.write(f"{d.metadata.ordinal:>4}. {d.metadata.code}  {d.format}  {d.metadata.subject}\n")
        for a in d.attachments:
            out.write(f"        kèm theo: {a.name}  {a.format}\n")
    out.write("Gói hồ sơ hợp lệ: lược đồ, mã băm và siêu dữ liệu khớp.\n")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
