"""Dashboards (issue 13 item 5): the counting rules on hand-made facts, then through the real gRPC API as the demo
users see them (a leader the agency and every unit, a head their own unit, an officer nothing, another agency none of
ours) and as CSV and XLSX files whose Vietnamese text and formula-like names come out as written."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

import grpc
import pytest
from openpyxl import load_workbook

from vanthu.workflow.v1 import workflow_pb2 as pb
from vanthu_core.grpc_server import field_violations
from vanthu_workflow.dashboard import UNASSIGNED, CaseFacts, summarise, to_csv, to_xlsx

from .conftest import Harness

T0 = datetime(2031, 6, 2, 2, 0, tzinfo=UTC)  # 09:00 in Vietnam, a Monday


def facts(state: str, unit: str, deadline: date | None, days: float | None) -> CaseFacts:
    return CaseFacts(state=state, unit_code=unit, deadline=deadline, started_at=T0,
                     completed_at=None if days is None else T0 + timedelta(days=days))


@pytest.mark.unit
def test_overdue_counts_open_cases_past_their_deadline_and_cases_completed_after_it() -> None:
    cases = [
        facts("completed", "TH", date(2031, 6, 6), 2),  # on time
        facts("completed", "TH", date(2031, 6, 3), 4),  # late: completed on the 6th
        facts("in_progress", "TH", date(2031, 6, 9), None),  # open, past its deadline on the 10th
        facts("assigned", "NC", date(2031, 6, 12), None),  # open, not due yet
        facts("withdrawn", "NC", date(2031, 6, 5), None),  # stopped: not overdue
        facts("submitted", UNASSIGNED, None, None),
    ]
    agency, units = summarise(cases, date(2031, 6, 10), {"TH": "Phòng Tổng hợp", "NC": "Phòng Nội chính"})
    assert (agency.total, agency.with_deadline, agency.overdue_open, agency.completed_late) == (6, 5, 1, 1)
    assert agency.overdue_rate == pytest.approx(2 / 5)
    assert agency.median_processing_days == pytest.approx(3.0)
    assert [(r.unit_code, r.unit_name, r.total) for r in units] == [
        ("NC", "Phòng Nội chính", 2), ("TH", "Phòng Tổng hợp", 3), (UNASSIGNED, "Chưa giao đơn vị", 1)]
    th = units[1]
    assert (dict(th.by_state), th.overdue_rate) == ({"completed": 2, "in_progress": 1}, pytest.approx(2 / 3))
    nc = units[0]
    assert (nc.overdue_rate, nc.median_processing_days) == (0.0, 0.0)
    _, only = summarise(cases, date(2031, 6, 10), {}, units={"NC"}.__contains__)
    assert [r.unit_code for r in only] == ["NC"]


@pytest.mark.unit
def test_the_exports_keep_vietnamese_text_and_never_make_a_formula_of_a_name() -> None:
    agency, units = summarise([facts("completed", "=HYPERLINK", date(2031, 6, 3), 4)], date(2031, 6, 10),
                              {"=HYPERLINK": "=HYPERLINK(\"http://x\") Phòng Đối ngoại"})
    names = {"completed": "hoàn thành"}
    text = to_csv([agency, *units], "incoming", names).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:2] == ["Mã đơn vị", "Đơn vị"] and rows[0][-1] == "hoàn thành"
    assert rows[1][1] == "Toàn cơ quan"
    assert rows[2][:2] == ["'=HYPERLINK", "'=HYPERLINK(\"http://x\") Phòng Đối ngoại"]
    assert rows[2][7] == "100.0"  # completed late: the overdue rate in per cent
    book = load_workbook(io.BytesIO(to_xlsx([agency, *units], "incoming", names, date(2031, 6, 1),
                                            date(2031, 6, 30))))
    sheet = book.active
    assert sheet is not None
    assert sheet.cell(row=1, column=1).value == "THỐNG KÊ XỬ LÝ VĂN BẢN ĐẾN"
    assert sheet.cell(row=2, column=1).value == "Từ ngày 01/06/2031 đến ngày 30/06/2031"
    cell = sheet.cell(row=7, column=2)
    assert (cell.value, cell.data_type) == ("=HYPERLINK(\"http://x\") Phòng Đối ngoại", "s")
    assert sheet.cell(row=7, column=3).value == 1


def month(**extra: str) -> pb.GetDashboardRequest:
    return pb.GetDashboardRequest(date_from="2031-06-01", date_to="2031-06-30", **extra)


@pytest.mark.integration
async def test_leaders_see_the_agency_and_its_units_heads_their_unit_and_nobody_another_agencys(
        harness: Harness) -> None:
    h = harness
    done = await h.assigned(days=5)  # Phòng Tổng hợp leads
    h.clock.now += timedelta(days=1)
    await h.call(h.api.CompleteTask, pb.CompleteTaskRequest(
        task_id=h.task(done, "lead").id, version=done.version, result="Đã tham mưu văn bản trả lời"),
        "truongphong.ubnd")
    late = await h.assigned(days=1, lead=pb.Party(kind="unit", id="NC"), cooperating=[])
    await h.submitted()  # on the leaders' desk, no unit yet
    h.clock.now += timedelta(days=7)

    leader = await h.call(h.api.GetDashboard, month(), "lanhdao.ubnd")
    assert (leader.agency.total, leader.agency.completed, leader.agency.with_deadline) == (3, 1, 2)
    assert (leader.agency.overdue_open, leader.agency.overdue_rate) == (1, pytest.approx(0.5))
    assert leader.agency.median_processing_days == pytest.approx(1.0)
    assert {r.unit_code: (r.unit_name, dict(r.by_state)) for r in leader.units} == {
        "TH": ("Phòng Tổng hợp", {"completed": 1}), "NC": ("Phòng Nội chính", {"assigned": 1}),
        UNASSIGNED: ("Chưa giao đơn vị", {"submitted": 1})}
    assert late.state == "assigned"

    head = await h.call(h.api.GetDashboard, month(), "truongphong.ubnd")
    assert not head.HasField("agency")
    assert [(r.unit_code, r.total) for r in head.units] == [("TH", 1)]

    other = await h.call(h.api.GetDashboard, month(), "lanhdao.snv")
    assert (other.agency.total, list(other.units)) == (0, [])
    refused = await h.refused(h.api.GetDashboard, month(), "chuyenvien.ubnd")
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED

    earlier = await h.call(h.api.GetDashboard, pb.GetDashboardRequest(date_from="2031-05-01", date_to="2031-05-31"),
                           "lanhdao.ubnd")
    assert earlier.agency.total == 0

    exported = await h.call(h.api.GetDashboard, month(format="csv"), "lanhdao.ubnd")
    assert exported.file_name == "thong-ke-xu-ly-van-ban-den_20310601-20310630.csv"
    lines = list(csv.reader(io.StringIO(exported.file.decode("utf-8").lstrip("\ufeff"))))
    assert [line[1] for line in lines[1:]] == ["Toàn cơ quan", "Phòng Nội chính", "Phòng Tổng hợp",
                                               "Chưa giao đơn vị"]
    assert "đã phân công" in lines[0]


@pytest.mark.integration
async def test_assigned_work_has_its_own_dashboard_apart_from_the_documents(harness: Harness) -> None:
    h = harness
    await h.assigned()  # an incoming document's processing
    await h.call(h.api.GiveJob, pb.GiveJobRequest(
        title="Chuẩn bị báo cáo sơ kết 6 tháng đầu năm", lead=pb.Party(kind="unit", id="NC"), deadline_days=2),
        "lanhdao.ubnd")
    h.clock.now += timedelta(days=7)
    jobs = await h.call(h.api.GetDashboard, month(kind="job"), "lanhdao.ubnd")
    assert (jobs.agency.total, jobs.agency.overdue_open) == (1, 1)
    assert [(r.unit_code, dict(r.by_state)) for r in jobs.units] == [("NC", {"assigned": 1})]
    documents = await h.call(h.api.GetDashboard, month(), "lanhdao.ubnd")
    assert [r.unit_code for r in documents.units] == ["TH"]
    exported = await h.call(h.api.GetDashboard, month(kind="job", format="xlsx"), "lanhdao.ubnd")
    assert exported.file_name == "thong-ke-xu-ly-giao-viec_20310601-20310630.xlsx"
    sheet = load_workbook(io.BytesIO(exported.file)).active
    assert sheet is not None and sheet.cell(row=1, column=1).value == "THỐNG KÊ THỰC HIỆN CÔNG VIỆC ĐƯỢC GIAO"


@pytest.mark.integration
@pytest.mark.parametrize(("request_", "field"), [
    (pb.GetDashboardRequest(date_from="01/06/2031", date_to="2031-06-30"), "date_from"),
    (pb.GetDashboardRequest(date_from="2031-06-30", date_to="2031-06-01"), "date_to"),
    (pb.GetDashboardRequest(date_from="2020-01-01", date_to="2031-06-01"), "date_to"),
    (month(kind="archive"), "kind"),
    (month(format="pdf"), "format"),
])
async def test_a_bad_period_kind_or_format_is_refused_naming_the_field(
        harness: Harness, request_: pb.GetDashboardRequest, field: str) -> None:
    refused = await harness.refused(harness.api.GetDashboard, request_, "lanhdao.ubnd")
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT and field in dict(field_violations(refused))
