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


def test_a_plans_submission_and_return_come_back_and_its_notification_says_where_it_leads() -> None:
    from vanthu.workflow.v1 import workflow_pb2
    from vanthu_gateway.routes.notifications import notification_out

    out = records._plan(pb.Plan(id="p", state="draft", submitted_by="vanthu.ubnd",
                                submitted_at="2026-12-01T09:00:00+07:00", return_reason="Bổ sung hồ sơ"))
    assert (out.submitted_by, out.submitted_at, out.return_reason) == (
        "vanthu.ubnd", "2026-12-01T09:00:00+07:00", "Bổ sung hồ sơ")
    note = notification_out(workflow_pb2.Notification(id="n", kind="plan_submitted", link="/ho-so?nam=2027"))
    assert note.link == "/ho-so?nam=2027"


def test_submitting_and_returning_a_plan_are_routes_of_their_own_with_their_roles() -> None:
    from vanthu_gateway.export_openapi import document

    paths = document()["paths"]
    submit = paths["/api/v1/records/plans/{plan_id}/submit"]["post"]
    returned = paths["/api/v1/records/plans/{plan_id}/return"]["post"]
    assert submit["x-grpc-methods"] == ["vanthu.records.v1.RecordsService/SubmitPlan"]
    assert sorted(submit["x-roles"]) == ["archivist", "clerk"]
    assert returned["x-roles"] == ["leader"]
