"""Assigned work (giao việc) through the real gRPC API on SQLite and on a real PostgreSQL server, as the demo users
do it: a leader gives a job to Phòng Tổng hợp, its head gives a sub-job to an officer of the unit, both are
completed (the parent only after its sub-job, with files); the giver recalls, reassigns, decides an extension and
receives a return; wrong roles, people outside the job and another agency are refused; illegal steps name the job's
state; two assignees completing at once: one wins."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest

from vanthu.workflow.v1 import events_pb2 as ev
from vanthu.workflow.v1 import workflow_pb2 as pb

from .conftest import Harness

pytestmark = pytest.mark.integration
TITLE = "Chuẩn bị báo cáo tổng kết công tác chuyển đổi số năm 2031"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'workflow.db'}"
    return str(request.getfixturevalue("postgres_url"))


def person(h: Harness, username: str) -> pb.Party:
    return pb.Party(kind="person", id=h.subject(username))


async def give(h: Harness, user: str = "lanhdao.ubnd", *, lead: pb.Party | None = None, parent_id: str = "",
               title: str = TITLE, **fields: object) -> pb.Case:
    request = pb.GiveJobRequest(title=title, description="Số liệu đến hết quý III", parent_id=parent_id,
                                lead=lead or pb.Party(kind="unit", id="TH"), **{"deadline_days": 5, **fields})
    return (await h.call(h.api.GiveJob, request, user)).case


async def test_a_job_with_a_sub_job_goes_from_given_to_completed(harness: Harness) -> None:
    h = harness
    job = await give(h, cooperating=[person(h, "luutru.ubnd")], for_information=[pb.Party(kind="unit", id="NC")])
    assert (job.kind, job.state, job.version, job.document_id, job.abstract) == ("job", "assigned", 1, "", TITLE)
    assert (job.drafter, job.unit_code, job.parent_id, job.depth) == (h.subject("lanhdao.ubnd"), "", "", 0)
    assert job.deadline == "2031-06-18"  # 5 working days from Wednesday 11 June 2031
    lead = h.task(job, "lead", assignee="TH")

    # the head finds it in the inbox beside the documents, marked as a job, and gives a sub-job to an officer
    inbox = await h.call(h.api.ListInbox, pb.ListInboxRequest(), "truongphong.ubnd")
    assert [(t.id, t.case_kind, t.abstract, t.document_id) for t in inbox.tasks] == [(lead.id, "job", TITLE, "")]
    sub = await give(h, "truongphong.ubnd", lead=person(h, "chuyenvien.ubnd"), parent_id=job.id,
                     title="Tổng hợp số liệu của các xã", deadline_days=3)
    assert (sub.parent_id, sub.depth, sub.unit_code, sub.drafter) == (job.id, 1, "TH", h.subject("truongphong.ubnd"))
    job = (await h.call(h.api.GetJob, pb.GetJobRequest(case_id=job.id), "truongphong.ubnd")).case

    # the parent is completed only once its sub-job is
    refused = await h.refused(h.api.CompleteTask, pb.CompleteTaskRequest(
        task_id=lead.id, version=job.version, result="Đã báo cáo"), "truongphong.ubnd")
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION and "việc con đang làm" in (refused.details() or "")
    sub_lead = h.task(sub, "lead")
    sub = (await h.call(h.api.RecordProgress, pb.RecordProgressRequest(
        task_id=sub_lead.id, version=sub.version, comment="Đã có số liệu 10/12 xã"), "chuyenvien.ubnd")).case
    sub = (await h.call(h.api.CompleteTask, pb.CompleteTaskRequest(
        task_id=sub_lead.id, version=sub.version, result="Đã tổng hợp"), "chuyenvien.ubnd")).case
    assert sub.state == "completed"
    files = [h.upload("truongphong.ubnd", "Báo cáo tổng kết.pdf"), h.upload("truongphong.ubnd", "Số liệu.pdf")]
    job = (await h.call(h.api.CompleteTask, pb.CompleteTaskRequest(
        task_id=lead.id, version=job.version, result="Đã gửi báo cáo", result_file_ids=files),
        "truongphong.ubnd")).case
    assert (job.state, job.result, list(job.result_file_ids)) == ("completed", "Đã gửi báo cáo", files)
    assert [(t.kind, t.state) for t in job.tasks] == [("lead", "done"), ("cooperating", "cancelled"),
                                                      ("for_information", "open")]
    assert [(s.action, s.from_state, s.to_state, s.actor) for s in job.steps] == [
        ("assign", "", "assigned", "lanhdao.ubnd"), ("complete", "assigned", "completed", "truongphong.ubnd")]
    assert job.steps[0].comment == ("chủ trì: Phòng Tổng hợp; phối hợp: Võ Minh Đường; nhận để biết: Phòng Nội "
                                     "chính; hạn xử lý: 18/06/2031")

    # the giver lists the jobs they gave; the sub-jobs of a job are listed for those who see it
    given = await h.call(h.api.ListJobs, pb.ListJobsRequest(), "lanhdao.ubnd")
    assert [(j.id, j.state, len(j.tasks)) for j in given.jobs] == [(job.id, "completed", 0)]
    children = await h.call(h.api.ListJobs, pb.ListJobsRequest(parent_id=job.id), "lanhdao.ubnd")
    assert [j.id for j in children.jobs] == [sub.id]

    events = [e for e in await h.events() if isinstance(e, ev.JobAssigned | ev.JobCompleted)]
    assert [(type(e).__name__, e.case_id) for e in events] == [
        ("JobAssigned", job.id), ("JobAssigned", sub.id), ("JobCompleted", sub.id), ("JobCompleted", job.id)]
    assert (events[0].lead, list(events[0].cooperating), list(events[0].for_information), events[0].deadline) == (
        "unit:TH", [f"person:{h.subject('luutru.ubnd')}"], ["unit:NC"], "2031-06-18")
    assert (events[1].parent_id, events[3].giver, list(events[3].result_file_ids)) == (
        job.id, h.subject("lanhdao.ubnd"), files)
    assert all(e.meta.agency_code == "000.00.00.H61" for e in events)
    # a job has no document: its steps do not go to a document's history
    assert not [e for e in await h.events() if isinstance(e, ev.StepRecorded) and e.case_id in (job.id, sub.id)]


async def test_the_giver_recalls_reassigns_decides_an_extension_and_receives_a_return(harness: Harness) -> None:
    h = harness
    job = await give(h, "truongphong.ubnd", lead=person(h, "chuyenvien.ubnd"))
    assert job.unit_code == "TH"
    lead = h.task(job, "lead")
    job = (await h.call(h.api.RequestExtension, pb.RequestExtensionRequest(
        task_id=lead.id, version=job.version, days=2, reason="Chờ số liệu"), "chuyenvien.ubnd")).case
    assert job.state == "extension_requested"
    decision = h.task(job, "extension")
    assert (decision.assignee_kind, decision.assignee) == ("person", h.subject("truongphong.ubnd"))
    job = (await h.call(h.api.DecideJobExtension, pb.DecideJobExtensionRequest(
        case_id=job.id, version=job.version, grant=True), "truongphong.ubnd")).case
    assert (job.state, job.deadline) == ("in_progress", "2031-06-20")

    job = (await h.call(h.api.ReturnIncoming, pb.ReturnIncomingRequest(
        task_id=lead.id, version=job.version, reason="Không đủ thẩm quyền"), "chuyenvien.ubnd")).case
    assert job.state == "returned"
    back = await h.call(h.api.ListInbox, pb.ListInboxRequest(case_kind="job"), "truongphong.ubnd")
    assert [(t.kind, t.case_id) for t in back.tasks] == [("direct", job.id)]
    job = (await h.call(h.api.ReassignJob, pb.ReassignJobRequest(
        case_id=job.id, version=job.version, lead=person(h, "truongphong.ubnd"), deadline_days=1,
        comment="Trưởng phòng trực tiếp làm"), "truongphong.ubnd")).case
    assert (job.state, job.steps[-1].action) == ("assigned", "assign")
    job = (await h.call(h.api.RecallJob, pb.RecallJobRequest(case_id=job.id, version=job.version),
                       "truongphong.ubnd")).case
    assert job.state == "submitted"
    assert [(t.kind, t.assignee) for t in job.tasks if t.state == "open"] == [
        ("direct", h.subject("truongphong.ubnd"))]
    assert [s.action for s in job.steps] == ["assign", "request_extension", "grant_extension", "return", "assign",
                                             "recall"]
    # the reassignment stays within the head's unit
    refused = await h.refused(h.api.ReassignJob, pb.ReassignJobRequest(
        case_id=job.id, version=job.version, lead=person(h, "luutru.ubnd")), "truongphong.ubnd")
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED and "Phòng Tổng hợp" in (refused.details() or "")
    assert " TH" not in (refused.details() or "")  # the unit by its name, never its code


async def test_only_leaders_and_heads_give_work_and_heads_within_their_unit(harness: Harness) -> None:
    h = harness
    for user in ("chuyenvien.ubnd", "vanthu.ubnd", "luutru.ubnd"):
        refused = await h.refused(h.api.GiveJob, pb.GiveJobRequest(
            title=TITLE, lead=person(h, "chuyenvien.ubnd")), user)
        assert refused.code() == grpc.StatusCode.PERMISSION_DENIED, user
    for lead in (person(h, "luutru.ubnd"), pb.Party(kind="unit", id="NC"), pb.Party(kind="unit", id="TH")):
        refused = await h.refused(h.api.GiveJob, pb.GiveJobRequest(title=TITLE, lead=lead), "truongphong.ubnd")
        assert refused.code() == grpc.StatusCode.PERMISSION_DENIED and "trong đơn vị" in (refused.details() or "")
    job = await give(h)  # Phòng Tổng hợp leads, Luutru of Văn phòng cooperates
    job = await give(h, cooperating=[person(h, "luutru.ubnd")])
    coop = h.task(job, "cooperating")
    # a cooperating person is no lead: no sub-jobs; the lead's sub-jobs stay within the lead's unit
    refused = await h.refused(h.api.GiveJob, pb.GiveJobRequest(
        title="Việc con", lead=person(h, "luutru.ubnd"), parent_id=job.id), "luutru.ubnd")
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED and "chủ trì" in (refused.details() or "")
    refused = await h.refused(h.api.GiveJob, pb.GiveJobRequest(
        title="Việc con", lead=person(h, "luutru.ubnd"), parent_id=job.id), "truongphong.ubnd")
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED and "Phòng Tổng hợp" in (refused.details() or "")
    assert " TH" not in (refused.details() or "")  # the unit by its name, never its code
    # only the giver directs the job: not another person, not even the head who holds it
    for method, request in (
            (h.api.RecallJob, pb.RecallJobRequest(case_id=job.id, version=job.version)),
            (h.api.ReassignJob, pb.ReassignJobRequest(case_id=job.id, version=job.version,
                                                      lead=pb.Party(kind="unit", id="NC")))):
        refused = await h.refused(method, request, "truongphong.ubnd")
        assert refused.code() == grpc.StatusCode.PERMISSION_DENIED and "người giao việc" in (refused.details() or "")
    refused = await h.refused(h.api.CompleteTask, pb.CompleteTaskRequest(
        task_id=h.task(job, "lead").id, version=job.version), "chuyenvien.ubnd")
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED  # the unit's task is its head's until given on
    await h.call(h.api.CompleteTask, pb.CompleteTaskRequest(task_id=coop.id, version=job.version), "luutru.ubnd")
    refused = await h.refused(h.api.GiveJob, pb.GiveJobRequest(title=" ", lead=person(h, "luutru.ubnd")),
                              "lanhdao.ubnd")
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_nobody_outside_the_job_sees_it_and_another_agency_finds_nothing(harness: Harness) -> None:
    h = harness
    job = await give(h, "truongphong.ubnd", lead=person(h, "chuyenvien.ubnd"))
    sub = await give(h, "chuyenvien.ubnd", lead=person(h, "chuyenvien.ubnd"), parent_id=job.id)
    for user in ("truongphong.ubnd", "chuyenvien.ubnd"):
        assert (await h.call(h.api.GetJob, pb.GetJobRequest(case_id=sub.id), user)).case.id == sub.id
    lead = h.task(job, "lead")
    for user in ("lanhdao.ubnd", "vanthu.ubnd", "luutru.ubnd", "lanhdao.snv", "truongphong.snv"):
        for method, request in (
                (h.api.GetJob, pb.GetJobRequest(case_id=job.id)),
                (h.api.GetJob, pb.GetJobRequest(case_id=sub.id)),
                (h.api.GetCase, pb.GetCaseRequest(case_id=job.id)),
                (h.api.GetCase, pb.GetCaseRequest(document_id=job.id)),
                (h.api.ListJobs, pb.ListJobsRequest(parent_id=job.id)),
                (h.api.RecallJob, pb.RecallJobRequest(case_id=job.id, version=job.version)),
                (h.api.DecideJobExtension, pb.DecideJobExtensionRequest(case_id=job.id, version=job.version))):
            refused = await h.refused(method, request, user)
            assert refused.code() == grpc.StatusCode.NOT_FOUND, (user, method)
        assert (await h.call(h.api.ListJobs, pb.ListJobsRequest(), user)).jobs == []
    for method, request, user in (
            (h.api.RecallJob, pb.RecallJobRequest(case_id=job.id, version=job.version), "lanhdao.snv"),
            (h.api.RecordProgress, pb.RecordProgressRequest(task_id=lead.id, version=job.version, comment="x"),
             "chuyenvien.snv"),
            (h.api.GiveJob, pb.GiveJobRequest(title=TITLE, lead=person(h, "chuyenvien.snv"), parent_id=job.id),
             "truongphong.snv")):
        refused = await h.refused(method, request, user)
        assert refused.code() == grpc.StatusCode.NOT_FOUND, (user, method)
    refused = await h.refused(h.api.GiveJob, pb.GiveJobRequest(title=TITLE, lead=person(h, "chuyenvien.snv")),
                              "lanhdao.ubnd")
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT  # a person of another agency
    assert [t.id for t in (await h.call(h.api.ListInbox, pb.ListInboxRequest(), "chuyenvien.snv")).tasks] == []


async def test_illegal_steps_on_a_job_are_refused_naming_its_state(harness: Harness) -> None:
    h = harness
    job = await give(h, lead=person(h, "chuyenvien.ubnd"))
    refused = await h.refused(h.api.DecideJobExtension, pb.DecideJobExtensionRequest(
        case_id=job.id, version=job.version, grant=True), "lanhdao.ubnd")
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "Việc đang ở trạng thái đã phân công" in (refused.details() or "")
    # the incoming processing's leader steps do not apply to a job, nor a job's to an incoming document
    refused = await h.refused(h.api.AssignIncoming, pb.AssignIncomingRequest(
        case_id=job.id, version=job.version, lead=pb.Party(kind="unit", id="NC")), "lanhdao.ubnd")
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION and "giao việc" in (refused.details() or "")
    case = await h.submitted()
    refused = await h.refused(h.api.RecallJob, pb.RecallJobRequest(case_id=case.id, version=case.version),
                              "lanhdao.ubnd")
    assert refused.code() == grpc.StatusCode.NOT_FOUND  # an incoming document's case is no job
    job = (await h.call(h.api.CompleteTask, pb.CompleteTaskRequest(
        task_id=h.task(job, "lead").id, version=job.version, result="Xong"), "chuyenvien.ubnd")).case
    for method, request in (
            (h.api.RecallJob, pb.RecallJobRequest(case_id=job.id, version=job.version)),
            (h.api.ReassignJob, pb.ReassignJobRequest(case_id=job.id, version=job.version,
                                                      lead=pb.Party(kind="unit", id="NC")))):
        refused = await h.refused(method, request, "lanhdao.ubnd")
        assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "Việc đang ở trạng thái hoàn thành" in (refused.details() or "")
    refused = await h.refused(h.api.GiveJob, pb.GiveJobRequest(
        title="Việc con", lead=person(h, "chuyenvien.ubnd"), parent_id=job.id), "chuyenvien.ubnd")
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION and "Việc đang ở trạng thái hoàn thành" in (
        refused.details() or "")


async def test_sub_jobs_go_three_levels_deep_and_no_further(harness: Harness) -> None:
    h = harness
    job = await give(h, lead=person(h, "chuyenvien.ubnd"))
    for depth in (1, 2, 3):
        job = await give(h, "chuyenvien.ubnd", lead=person(h, "chuyenvien.ubnd"), parent_id=job.id)
        assert job.depth == depth
    refused = await h.refused(h.api.GiveJob, pb.GiveJobRequest(
        title="Việc con", lead=person(h, "chuyenvien.ubnd"), parent_id=job.id), "chuyenvien.ubnd")
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION and "tối đa 3 cấp" in (refused.details() or "")
    # the top-level giver still sees the deepest job
    assert (await h.call(h.api.GetJob, pb.GetJobRequest(case_id=job.id), "lanhdao.ubnd")).case.depth == 3


async def test_two_assignees_completing_at_once_one_wins_the_other_is_aborted(harness: Harness) -> None:
    h = harness
    for _ in range(3):
        job = await give(h, lead=person(h, "chuyenvien.ubnd"), cooperating=[person(h, "luutru.ubnd")])
        lead, coop = h.task(job, "lead"), h.task(job, "cooperating")
        results = await asyncio.gather(
            h.call(h.api.CompleteTask, pb.CompleteTaskRequest(task_id=lead.id, version=job.version, result="A"),
                   "chuyenvien.ubnd"),
            h.call(h.api.CompleteTask, pb.CompleteTaskRequest(task_id=coop.id, version=job.version, result="B"),
                   "luutru.ubnd"), return_exceptions=True)
        failed = [r for r in results if isinstance(r, BaseException)]
        assert len(failed) == 1, results
        assert isinstance(failed[0], grpc.aio.AioRpcError) and failed[0].code() == grpc.StatusCode.ABORTED
        won = next(r for r in results if not isinstance(r, BaseException)).case
        got = (await h.call(h.api.GetJob, pb.GetJobRequest(case_id=job.id), "lanhdao.ubnd")).case
        assert got.version == won.version and [s.action for s in got.steps] == ["assign", "complete"]


async def test_the_inbox_filters_by_what_a_task_is_about(harness: Harness) -> None:
    h = harness
    await h.assigned()  # an incoming document: Phòng Tổng hợp leads
    job = await give(h)
    jobs = await h.call(h.api.ListInbox, pb.ListInboxRequest(case_kind="job"), "truongphong.ubnd")
    assert [t.case_id for t in jobs.tasks] == [job.id] and jobs.counts.todo == 1
    both = await h.call(h.api.ListInbox, pb.ListInboxRequest(), "truongphong.ubnd")
    assert sorted(t.case_kind for t in both.tasks) == ["incoming", "job"] and both.counts.todo == 2
    refused = await h.refused(h.api.ListInbox, pb.ListInboxRequest(case_kind="meeting"), "truongphong.ubnd")
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_job_for_a_unit_without_a_head_is_refused_naming_it_and_writes_nothing(harness: Harness) -> None:
    """Issue 14: giao việc and its giao lại to a unit without a head (trưởng đơn vị), whose task nobody would
    receive, are refused before anything is written."""
    h = harness
    h.directory.without_head("000.00.00.H61", "NC")
    events = await h.events()
    message = ("Phòng Nội chính chưa có trưởng đơn vị: chưa ai nhận được việc. Hãy giao cho người cụ thể hoặc nhờ "
               "quản trị gán trưởng đơn vị.")
    for parties in ({"lead": pb.Party(kind="unit", id="NC")},
                    {"cooperating": [pb.Party(kind="unit", id="NC")]},
                    {"for_information": [pb.Party(kind="unit", id="NC")]}):
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await give(h, **parties)  # type: ignore[arg-type]
        assert (refused.value.code(), refused.value.details()) == (grpc.StatusCode.INVALID_ARGUMENT, message)
    assert await h.events() == events
    jobs = await h.call(h.api.ListJobs, pb.ListJobsRequest(), "lanhdao.ubnd")
    assert list(jobs.jobs) == []

    job = await give(h)
    refused_again = await h.refused(h.api.ReassignJob, pb.ReassignJobRequest(
        case_id=job.id, version=job.version, lead=pb.Party(kind="unit", id="NC"), deadline_days=3), "lanhdao.ubnd")
    assert refused_again.details() == message
    after = (await h.call(h.api.GetJob, pb.GetJobRequest(case_id=job.id), "lanhdao.ubnd")).case
    assert (after.version, after.lead.id) == (job.version, "TH")


async def test_the_jobs_given_are_filtered_by_title_words_state_and_days_given_only_among_ones_own(
        harness: Harness) -> None:
    """Issue 14: Giao việc's list filters on the server — words of the title with or without tones, the job's state,
    the days it was given (Vietnam dates, both included) — paged with the filters kept, and only ever among the
    jobs the caller gave: another person, or another agency, finds nothing with the same filters."""
    h = harness
    h.clock.now = datetime(2031, 6, 9, 1, 0, tzinfo=UTC)  # Monday 9 June, 08:00 in Vietnam
    report = await give(h, title="Báo cáo tổng kết công tác chuyển đổi số")
    h.clock.now = datetime(2031, 6, 10, 16, 30, tzinfo=UTC)  # Tuesday 23:30 in Vietnam: still the 10th
    meeting = await give(h, title="Chuẩn bị hội nghị tổng kết năm")
    h.clock.now = datetime(2031, 6, 10, 17, 30, tzinfo=UTC)  # Wednesday 11 June, 00:30 in Vietnam
    plan = await give(h, title="Kế hoạch chuyển đổi số năm 2032", lead=person(h, "chuyenvien.ubnd"))
    plan = (await h.call(h.api.RecordProgress, pb.RecordProgressRequest(
        task_id=h.task(plan, "lead").id, version=plan.version, comment="Đã có dự thảo"), "chuyenvien.ubnd")).case
    own = await give(h, "truongphong.ubnd", title="Báo cáo tổng kết của phòng", lead=person(h, "chuyenvien.ubnd"))

    async def listed(user: str = "lanhdao.ubnd", **filters: object) -> list[str]:
        found, token, pages = [], "", 0
        while True:
            page = await h.call(h.api.ListJobs, pb.ListJobsRequest(page_size=1, page_token=token, **filters), user)
            found += [j.id for j in page.jobs]
            token, pages = page.next_page_token, pages + 1
            if not token or pages > 10:
                return found

    assert await listed() == [plan.id, meeting.id, report.id]
    assert await listed(query="tong ket") == [meeting.id, report.id]  # tones optional, each word
    assert await listed(query="TỔNG   KẾT chuyển") == [report.id]
    assert await listed(query="chuyen doi so", state="in_progress") == [plan.id]
    assert await listed(state="assigned") == [meeting.id, report.id]
    assert await listed(date_from="2031-06-10", date_to="2031-06-10") == [meeting.id]
    assert await listed(date_from="2031-06-10") == [plan.id, meeting.id]
    assert await listed(date_to="2031-06-09") == [report.id]
    # the head's own job is theirs alone; the leader's words find none of it, nor anything for another agency
    assert await listed("truongphong.ubnd", query="tong ket") == [own.id]
    for user in ("lanhdao.snv", "truongphong.snv", "chuyenvien.ubnd"):
        assert await listed(user, query="tong ket") == []
        assert await listed(user, state="assigned") == []
    for wrong, field in ((pb.ListJobsRequest(state="done"), "state"),
                         (pb.ListJobsRequest(date_from="10/06/2031"), "date_from"),
                         (pb.ListJobsRequest(date_from="2031-06-11", date_to="2031-06-10"), "date_to"),
                         (pb.ListJobsRequest(query="x" * 201), "query")):
        refused = await h.refused(h.api.ListJobs, wrong, "lanhdao.ubnd")
        assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT, field


async def test_giving_a_job_again_names_the_officer_who_held_the_lead_and_their_unit(harness: Harness) -> None:
    """Issue 14: the head of Phòng Tổng hợp gave the job's lead to an officer; the giver's giao lại says it was taken
    from that officer (of the unit), not from the unit alone."""
    h = harness
    job = await give(h)
    lead = h.task(job, "lead", assignee="TH")
    job = (await h.call(h.api.DelegateTask, pb.DelegateTaskRequest(
        task_id=lead.id, version=job.version, subject=h.subject("chuyenvien.ubnd")), "truongphong.ubnd")).case
    job = (await h.call(h.api.ReassignJob, pb.ReassignJobRequest(
        case_id=job.id, version=job.version, lead=person(h, "luutru.ubnd"), deadline_days=3), "lanhdao.ubnd")).case
    assert job.steps[-1].action == "reassign"
    assert job.steps[-1].comment.startswith(
        "giao lại chủ trì: từ Phạm Thị Ngọc Ánh (Phòng Tổng hợp) sang Võ Minh Đường; hạn xử lý: ")
