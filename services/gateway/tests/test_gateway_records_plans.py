"""The file plan's routes translate every field of an entry both ways (issue 14's records review)."""

from __future__ import annotations

from vanthu.records.v1 import records_pb2 as pb
from vanthu_gateway.routes import records

SUBJECT = "b30701f7-331a-5c8a-b5c2-3d8e043d2714"


def test_the_person_keeping_an_entrys_file_goes_to_the_service_and_comes_back_by_subject() -> None:
    body = records.PlanEntryIn(title="Hồ sơ tuyển dụng công chức năm 2026", retention_years=0,
                               creator_subject=SUBJECT)
    assert records._entries([body])[0].creator_subject == SUBJECT
    plan = pb.Plan(id="p", headings=[pb.PlanHeading(title="Tổ chức, cán bộ", abbreviation="TCCB", entries=[
        pb.PlanEntry(id="e", title="Hồ sơ tuyển dụng", creator="Phạm Thị Ngọc Ánh", creator_subject=SUBJECT),
        pb.PlanEntry(id="f", title="Hồ sơ thi đua", creator="Phòng Tổ chức")])])
    entries = records._plan(plan).headings[0].entries
    assert [(e.creator, e.creator_subject) for e in entries] == [("Phạm Thị Ngọc Ánh", SUBJECT),
                                                                 ("Phòng Tổ chức", "")]
