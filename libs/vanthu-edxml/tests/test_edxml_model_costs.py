"""What reading and building a package costs in the model (issue 12's bench, a tenth round): dates and timestamps
in the form every writer uses are read without ``datetime.strptime`` (~20 µs a call) and read as it reads them; the
model's text normalisation looks its classes' fields up once, not at every object."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from vanthu_edxml import (
    Attachment,
    Code,
    DocumentId,
    DocumentPackage,
    Organization,
    PromulgationInfo,
    TraceHeader,
    TraceHeaderList,
    model,
    read_document,
    write_document,
)
from vanthu_edxml.model import DATE_FORMAT, TIMESTAMP_FORMAT, parse_date, parse_timestamp

DATES = [
    "2031/06/14",
    "2024/02/29",
    "2023/02/29",
    "2031/13/01",
    "2031/00/10",
    "2031/06/31",
    "0000/01/01",
    "2031/6/4",
    "2031/06/4",
    " 2031/06/14",
    "2031/06/14 ",
    "2031-06-14",
    "31/06/2031",
    "２０３１/06/14",
    "2031/06/14x",
    "",
    "9999/12/31",
]
TIMESTAMPS = [
    "2031/06/14 08:30:05",
    "2031/06/14 23:59:59",
    "2031/06/14 24:00:00",
    "2031/06/14 08:60:00",
    "2031/06/14 08:30:60",
    "2031/06/14 8:30:05",
    "2031/06/14T08:30:05",
    "2031/06/14 08:30",
    "2031/02/30 08:30:05",
    "2031/06/14  08:30:05",
]


def _strptime_or_error(text: str, form: str) -> datetime | str:
    try:
        return datetime.strptime(text, form)
    except ValueError:
        return "ValueError"


def _or_error(read: object, text: str) -> object:
    try:
        return read(text)  # type: ignore[operator]
    except ValueError:
        return "ValueError"


@pytest.mark.parametrize("text", DATES)
def test_a_date_is_read_as_strptime_reads_it(text: str) -> None:
    expected = _strptime_or_error(text, DATE_FORMAT)
    assert _or_error(parse_date, text) == (expected.date() if isinstance(expected, datetime) else expected)


@pytest.mark.parametrize("text", TIMESTAMPS)
def test_a_timestamp_is_read_as_strptime_reads_it(text: str) -> None:
    assert _or_error(parse_timestamp, text) == _strptime_or_error(text, TIMESTAMP_FORMAT)


def test_a_package_written_here_is_read_without_strptime(monkeypatch: pytest.MonkeyPatch) -> None:
    slow: list[str] = []
    real = model._strptime
    monkeypatch.setattr(model, "_strptime", lambda text, form: slow.append(text) or real(text, form))
    package = DocumentPackage(
        sender=Organization("000.00.00.G22", "Văn phòng Chính phủ"),
        recipients=(Organization("000.00.00.H41"),),
        document_id="000.00.00.G22,2031/06/14,12/VPCP-TTĐT",
        code=Code("12", "VPCP-TTĐT"),
        promulgation=PromulgationInfo("Hà Nội", date(2031, 6, 14)),
        subject="V/v đôn đốc triển khai",
        due_date=date(2031, 6, 30),
        trace=TraceHeaderList((TraceHeader("000.00.00.G22", datetime(2031, 6, 14, 8, 30, 5)),)),
        attachments=(Attachment.from_bytes("cid:1", "Công văn.pdf", b"%PDF-1.7\n%%EOF\n"),),
    )
    again = read_document(write_document(package))
    assert again == package
    assert again.parsed_document_id == DocumentId("000.00.00.G22", date(2031, 6, 14), "12", "VPCP-TTĐT")
    assert slow == []
    assert parse_date("2031/6/4") == date(2031, 6, 4) and slow == ["2031/6/4"]  # another form: as strptime reads it


def test_the_model_looks_up_its_fields_once_per_class(monkeypatch: pytest.MonkeyPatch) -> None:
    looked: list[type] = []
    real = model.dataclasses.fields
    monkeypatch.setattr(model, "_FIELD_NAMES", {})
    monkeypatch.setattr(model.dataclasses, "fields", lambda of: looked.append(type(of)) or real(of))
    for number in range(5):
        organization = Organization(" 000.00.00.G22 ", "Văn phòng Chính phủ")
        code = Code(str(number), "VPCP-TTĐT")
        assert organization.agency_code == "000.00.00.G22" and code.notation == "VPCP-TTĐT"  # still normalised
    assert sorted(t.__name__ for t in looked) == ["Code", "Organization"]
