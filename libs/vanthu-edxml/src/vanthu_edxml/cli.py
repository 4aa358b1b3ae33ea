"""``vanthu-edxml``: show, validate, build, sign and verify edXML packages.

Exit codes: 0 ok, 1 invalid or not verified, 2 usage error or unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from .convert import as_dict, from_dict
from .errors import EdxmlError
from .model import DocumentPackage, Package, StatusPackage
from .reader import read_package
from .signature import sign, verify
from .validate import validate
from .writer import format_date, format_timestamp, write_package

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vanthu-edxml", description="edXML packages of QCVN 102:2016/BTTTT.")
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("show", help="print the package header and attachments")
    show.add_argument("file", type=Path)
    show.add_argument("--json", action="store_true", help="print the model as JSON")
    check = sub.add_parser("validate", help="validate a package (exit 1 if it has errors)")
    check.add_argument("file", type=Path)
    check.add_argument("--received", action="store_true",
                       help="receiving profile: DocumentId quirks of peers are warnings, not errors")
    build = sub.add_parser("build", help="write a canonical package from a JSON model or from any package")
    build.add_argument("file", type=Path, help="a .json model (as printed by show --json) or an edXML package")
    build.add_argument("-o", "--output", type=Path, help="output file (default: stdout)")
    build.add_argument("--xlink", action="store_true", help="use the xlink manifest variant")
    signing = sub.add_parser("sign", help="sign a package (XML-DSig, RSA-SHA256)")
    signing.add_argument("file", type=Path)
    signing.add_argument("--key", type=Path, required=True, help="PEM private key")
    signing.add_argument("--cert", type=Path, required=True, help="PEM certificate")
    signing.add_argument("-o", "--output", type=Path, help="output file (default: stdout)")
    checking = sub.add_parser("verify", help="verify a package signature (exit 1 unless valid)")
    checking.add_argument("file", type=Path)
    checking.add_argument("--cert", type=Path, help="PEM certificate to pin")
    checking.add_argument("--ca", help="PEM CA bundle to validate the embedded certificate against")
    return parser


def _line(out: TextIO, label: str, value: object) -> None:
    if value not in (None, "", ()):
        out.write(f"{label:<22} {value}\n")


def _show(pkg: Package, out: TextIO) -> None:
    _line(out, "From", f"{pkg.sender.agency_code} {pkg.sender.name or ''}".strip())
    if isinstance(pkg, StatusPackage):
        _line(out, "Kind", "status package (gói tin trạng thái)")
        if pkg.response_for:
            _line(out, "ResponseFor", pkg.response_for.document_id)
        status = pkg.status
        _line(out, "StatusCode", f"{pkg.status_code} ({status.name.lower() if status else 'unknown'})")
        _line(out, "Description", pkg.description)
        _line(out, "Timestamp", format_timestamp(pkg.timestamp))
        return
    _line(out, "Kind", "document package (gói tin văn bản)")
    for recipient in pkg.recipients:
        _line(out, "To", f"{recipient.agency_code} {recipient.name or ''}".strip())
    _line(out, "DocumentId", pkg.document_id)
    _line(out, "Code", str(pkg.code) if pkg.code else None)
    if pkg.promulgation:
        _line(out, "Promulgation", f"{pkg.promulgation.place or ''} {format_date(pkg.promulgation.date) or ''}")
    _line(out, "DocumentType", pkg.document_type.type_name if pkg.document_type else None)
    _line(out, "Subject", pkg.subject)
    if pkg.signer:
        _line(out, "Signer", " ".join(p for p in (pkg.signer.competence, pkg.signer.position,
                                                   pkg.signer.full_name) if p))
    _line(out, "DueDate", format_date(pkg.due_date))
    _line(out, "BusinessType", pkg.business_type)
    _line(out, "Signature", pkg.signature_slot)
    for att in pkg.attachments:
        size = f"{att.data.estimated_size} bytes" if att.data else "no content"
        _line(out, "Attachment", f"{att.content_id} {att.name or ''} [{att.content_type or '?'}] {size}")


def _read(path: Path) -> bytes:
    return path.read_bytes()


def _emit(data: bytes, output: Path | None) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        output.write_bytes(data)


def _run(args: argparse.Namespace, out: TextIO) -> int:
    if args.command == "show":
        shown = read_package(_read(args.file))
        if args.json:
            out.write(json.dumps(as_dict(shown), ensure_ascii=False, indent=2) + "\n")
        else:
            _show(shown, out)
        return EXIT_OK
    if args.command == "validate":
        report = validate(read_package(_read(args.file)), strict=not args.received)
        out.write(f"{args.file}: {'valid' if report.ok else 'INVALID'} "
                  f"({len(report.errors)} errors, {len(report.warnings)} warnings)\n")
        for issue in (*report.errors, *report.warnings):
            out.write(f"  {issue}\n")
        return EXIT_OK if report.ok else EXIT_INVALID
    if args.command == "build":
        raw = _read(args.file)
        pkg: Package
        if args.file.suffix.lower() == ".json":
            try:
                spec: Any = json.loads(raw.decode("utf-8"))
            except ValueError as exc:
                raise EdxmlError(f"not JSON: {exc}") from None
            if not isinstance(spec, dict):
                raise EdxmlError("the JSON model must be an object")
            pkg = from_dict(spec)
        else:
            pkg = read_package(raw)
        _emit(write_package(pkg, xlink_manifest=args.xlink), args.output)
        return EXIT_OK
    if args.command == "sign":
        _emit(sign(_read(args.file), _read(args.key), _read(args.cert)), args.output)
        return EXIT_OK
    outcome = verify(_read(args.file), _read(args.cert) if args.cert else None, ca_pem_file=args.ca)
    signer = f" by {outcome.signer}" if outcome.signer else ""
    out.write(f"{args.file}: {outcome.status}{signer}{': ' + outcome.reason if outcome.reason else ''}\n")
    return EXIT_OK if outcome.ok else EXIT_INVALID


def main(argv: Sequence[str] | None = None) -> int:
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help exits 0, usage errors 2
        return int(exc.code or 0)
    try:
        return _run(args, sys.stdout)
    except (EdxmlError, OSError) as exc:
        sys.stderr.write(f"vanthu-edxml: {exc}\n")
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["DocumentPackage", "main"]
