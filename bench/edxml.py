"""edXML read and write throughput (issue 6): vanthu_edxml against plain lxml on the same bytes, same run.

Two packages: a document package with a 10 MB attachment, and a status package. "read" is
``read_package`` (hardened parse + model, attachment kept lazily) vs ``lxml.etree.fromstring``
(with ``huge_tree=True``, which plain lxml needs for a >10 MB text node); "write" is ``write_package`` vs
``lxml.etree.tostring`` of the parsed tree. Peak memory (tracemalloc) of one operation is reported alongside.
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).parent))
from _common import report

from vanthu_edxml import (
    Attachment,
    Code,
    DocumentId,
    DocumentPackage,
    DocumentType,
    Organization,
    PromulgationInfo,
    ResponseFor,
    StaffInfo,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
    read_package,
    write_package,
)

TOPIC = "edxml"
SENDER = Organization("000.00.02.H61", "Sở Nội vụ tỉnh Vĩnh Long", email="snv@vinhlong.gov.vn")


def document(size: int) -> DocumentPackage:
    code = Code("1234", "SNV-VP")
    return DocumentPackage(
        sender=SENDER, recipients=(Organization("000.00.00.H61", "Ủy ban nhân dân tỉnh Vĩnh Long"),),
        document_id=DocumentId.build(SENDER.agency_code, date(2025, 7, 1), code), code=code,
        promulgation=PromulgationInfo("Vĩnh Long", date(2025, 7, 1)),
        document_type=DocumentType("1", "0", "Công văn"), subject="V/v đề nghị hướng dẫn thực hiện",
        trace=TraceHeaderList((TraceHeader(SENDER.agency_code, datetime(2025, 7, 1, 8, 0, 0)),)),
        attachments=(Attachment.from_bytes("cid:1", "cong_van.pdf", os.urandom(size)),))


def status() -> StatusPackage:
    return StatusPackage(
        sender=SENDER, response_for=ResponseFor("000.00.00.G22", "7816/VPCP-TTĐT", date(2015, 9, 30),
                                                "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"),
        staff=StaffInfo("Văn thư", "Nguyễn Thị Ngọc Trâm", None, "84912000001"), status_code="03",
        description="Tiếp nhận văn bản điện tử, vào sổ văn bản đến của đơn vị",
        timestamp=datetime(2025, 7, 1, 9, 0, 0))


def rate(call: Callable[[], object], seconds: float, min_runs: int = 3) -> float:
    """Calls per second over at least ``seconds`` (after one warm-up call)."""
    call()
    runs, start = 0, time.perf_counter()
    while runs < min_runs or time.perf_counter() - start < seconds:
        call()
        runs += 1
    return runs / (time.perf_counter() - start)


def peak(call: Callable[[], object]) -> float:
    tracemalloc.start()
    call()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top / 1e6


def measure(label: str, data: bytes, seconds: float) -> None:
    pkg = read_package(data)
    huge = etree.XMLParser(huge_tree=True, resolve_entities=False)
    tree = etree.fromstring(data, huge)
    mb = len(data) / 1e6
    for op, ours, base in (
        ("read", lambda: read_package(data), lambda: etree.fromstring(data, huge)),
        ("write", lambda: write_package(pkg), lambda: etree.tostring(tree, encoding="UTF-8", xml_declaration=True)),
    ):
        project, baseline = rate(ours, seconds), rate(base, seconds)
        report(TOPIC, f"{label} {op} packages/s", project, baseline, "packages/s")
        report(TOPIC, f"{label} {op} MB/s", project * mb, baseline * mb, "MB/s")
        report(TOPIC, f"{label} {op} peak memory", peak(ours), peak(base), "MB", higher_is_better=False,
               note="tracemalloc: Python allocations only (libxml2's own memory is not seen)")


def main() -> None:
    seconds = float(os.environ.get("BENCH_SECONDS", "2"))
    measure("10MB attachment", write_package(document(10 * 1024 * 1024)), seconds)
    measure("status package", write_package(status()), seconds)


if __name__ == "__main__":
    main()
