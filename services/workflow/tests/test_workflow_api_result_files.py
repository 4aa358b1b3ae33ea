"""A task completed with its result files (báo cáo kết quả), on an arrival's case and on a job, through the real gRPC
API on SQLite and PostgreSQL, with storage faked: the completing person's own uploads (PDF, DOCX, XLSX within the
limit) are referred to under ``workflow/task/<task id>`` so storage keeps them; another agency's or another person's
upload, or another type, is refused in Vietnamese and nothing is held; a reference storage refuses leaves the task
open; a completion that fails leaves no reference."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest

from vanthu.workflow.v1 import workflow_pb2 as pb
from vanthu_workflow.result_files import DOCX, XLSX

from .conftest import SNV, Harness

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'workflow.db'}"
    return str(request.getfixturevalue("postgres_url"))


OFFICER = "chuyenvien.ubnd"
#: The refusal of a file that is not the caller's own upload in the agency's store (whoever's, if anyone's, it is).
NOT_OWN = "không phải tệp đồng chí đã tải lên kho của cơ quan"


async def arrival(h: Harness) -> tuple[pb.Case, pb.Task]:
    case = await h.assigned(lead=pb.Party(kind="person", id=h.subject(OFFICER)))
    return case, h.task(case, "lead")


async def test_completing_an_arrival_with_own_files_keeps_them_under_the_task(harness: Harness) -> None:
    h = harness
    case, lead = await arrival(h)
    files = [h.upload(OFFICER, "Báo cáo kết quả.pdf"), h.upload(OFFICER, "Dự thảo trả lời.docx", content_type=DOCX),
             h.upload(OFFICER, "Số liệu.xlsx", content_type=XLSX)]
    done = (await h.call(h.api.CompleteTask, pb.CompleteTaskRequest(
        task_id=lead.id, version=case.version, result="Đã xử lý xong", result_file_ids=files), OFFICER)).case
    assert (done.state, list(done.result_file_ids)) == ("completed", files)
    assert h.files.held() == {f: {f"workflow/task/{lead.id}"} for f in files}
    # whoever sees the case reads the files with it
    seen = (await h.call(h.api.GetCase, pb.GetCaseRequest(document_id=case.document_id), "lanhdao.ubnd")).case
    assert list(seen.result_file_ids) == files


async def test_completing_a_job_with_a_file_keeps_it(harness: Harness) -> None:
    h = harness
    job = (await h.call(h.api.GiveJob, pb.GiveJobRequest(
        title="Báo cáo tình hình cải cách hành chính", lead=pb.Party(kind="person", id=h.subject(OFFICER)),
        deadline_days=3), "lanhdao.ubnd")).case
    lead = h.task(job, "lead")
    report = h.upload(OFFICER, "Báo cáo cải cách hành chính.pdf")
    done = (await h.call(h.api.CompleteTask, pb.CompleteTaskRequest(
        task_id=lead.id, version=job.version, result="Đã gửi báo cáo", result_file_ids=[report]), OFFICER)).case
    assert (done.state, list(done.result_file_ids)) == ("completed", [report])
    assert h.files.held() == {report: {f"workflow/task/{lead.id}"}}


@pytest.mark.parametrize(("uploader", "agency", "content_type", "size", "code", "words"), [
    # a colleague's upload and another agency's (or none) are refused alike, naming nothing of the file: its name
    # (a document's file the officer does not see, say) and whether it exists stay unsaid
    ("truongphong.ubnd", "", "", 0, grpc.StatusCode.INVALID_ARGUMENT, NOT_OWN),
    ("chuyenvien.snv", SNV, "", 0, grpc.StatusCode.INVALID_ARGUMENT, NOT_OWN),
    (OFFICER, "", "image/png", 0, grpc.StatusCode.INVALID_ARGUMENT, "không phải PDF, DOCX hay XLSX"),
    (OFFICER, "", "", 201 * 1024 * 1024, grpc.StatusCode.INVALID_ARGUMENT, "lớn hơn 200 MB"),
], ids=["another_persons", "another_agencys", "an_image", "too_large"])
async def test_a_file_not_the_callers_own_pdf_docx_xlsx_is_refused_and_the_task_stays_open(
        harness: Harness, uploader: str, agency: str, content_type: str, size: int, code: grpc.StatusCode,
        words: str) -> None:
    h = harness
    case, lead = await arrival(h)
    own = h.upload(OFFICER)
    other = h.upload(uploader, "Tệp khác.pdf", **{k: v for k, v in (("agency", agency), ("content_type", content_type),
                                                                      ("size", size)) if v})
    refused = await h.refused(h.api.CompleteTask, pb.CompleteTaskRequest(
        task_id=lead.id, version=case.version, result="Xong", result_file_ids=[own, other]), OFFICER)
    assert refused.code() == code and words in (refused.details() or ""), refused.details()
    if words == NOT_OWN:  # the caller's own file is named; another's is not
        assert "Tệp khác" not in (refused.details() or "")
    assert h.files.held() == {}
    still = (await h.call(h.api.GetCase, pb.GetCaseRequest(document_id=case.document_id), OFFICER)).case
    assert (still.state, still.version, list(still.result_file_ids)) == (case.state, case.version, [])


async def test_a_reference_storage_refuses_leaves_the_task_open(harness: Harness) -> None:
    h = harness
    case, lead = await arrival(h)
    h.files.refuse_keep = True
    refused = await h.refused(h.api.CompleteTask, pb.CompleteTaskRequest(
        task_id=lead.id, version=case.version, result="Xong", result_file_ids=[h.upload(OFFICER)]), OFFICER)
    assert refused.code() == grpc.StatusCode.UNAVAILABLE
    still = (await h.call(h.api.GetCase, pb.GetCaseRequest(document_id=case.document_id), OFFICER)).case
    assert (still.state, still.version) == (case.state, case.version)


async def test_a_completion_that_fails_leaves_no_reference(harness: Harness) -> None:
    h = harness
    case, lead = await arrival(h)
    refused = await h.refused(h.api.CompleteTask, pb.CompleteTaskRequest(
        task_id=lead.id, version=case.version + 7, result="Xong", result_file_ids=[h.upload(OFFICER)]), OFFICER)
    assert refused.code() == grpc.StatusCode.ABORTED or refused.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert h.files.held() == {}


async def test_only_the_lead_attaches_result_files(harness: Harness) -> None:
    """The case's result is the lead's (chủ trì): a cooperating person completing with files is refused, nothing
    held, their task still open."""
    h = harness
    case = await h.assigned(lead=pb.Party(kind="person", id=h.subject(OFFICER)),
                            cooperating=[pb.Party(kind="person", id=h.subject("luutru.ubnd"))])
    side = h.task(case, "cooperating")
    refused = await h.refused(h.api.CompleteTask, pb.CompleteTaskRequest(
        task_id=side.id, version=case.version, result="Nhất trí", result_file_ids=[h.upload("luutru.ubnd")]),
        "luutru.ubnd")
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT and "chỉ người chủ trì" in (refused.details() or "")
    assert h.files.held() == {}
    still = (await h.call(h.api.GetCase, pb.GetCaseRequest(document_id=case.document_id), OFFICER)).case
    assert [t.state for t in still.tasks if t.id == side.id] == ["open"]


# -- who may have a result file (issue 14 item 1): the case's audience only, NotFound for anyone else -------------
async def test_a_result_file_of_an_arrivals_case_goes_to_those_who_see_the_case_only(harness: Harness) -> None:
    """The lead and the leaders see the case; a colleague the registry does not show the arrival to and who holds no
    task of it, and a person of another agency, get NotFound (the file's existence is not told)."""
    h = harness
    case, lead = await arrival(h)
    report = h.upload(OFFICER)
    await h.call(h.api.CompleteTask, pb.CompleteTaskRequest(task_id=lead.id, version=case.version, result="Xong",
                                                            result_file_ids=[report]), OFFICER)
    ask = pb.CheckFileAccessRequest(object_id=report, task_ids=[lead.id])
    for user in (OFFICER, "lanhdao.ubnd"):
        assert list((await h.call(h.api.CheckFileAccess, ask, user)).task_ids) == [lead.id]
    h.directory.unseen[case.document_id] = {"luutru.ubnd"}  # outside the case: not in the document's audience
    for user in ("luutru.ubnd", "chuyenvien.snv"):
        refused = await h.refused(h.api.CheckFileAccess, ask, user)
        assert refused.code() == grpc.StatusCode.NOT_FOUND, (user, refused.details())
        assert report not in (refused.details() or "") and lead.id not in (refused.details() or "")


async def test_a_result_file_of_a_job_goes_to_its_giver_and_holders_only(harness: Harness) -> None:
    h = harness
    job = (await h.call(h.api.GiveJob, pb.GiveJobRequest(
        title="Báo cáo tình hình cải cách hành chính", lead=pb.Party(kind="person", id=h.subject(OFFICER)),
        deadline_days=3), "lanhdao.ubnd")).case
    lead = h.task(job, "lead")
    report = h.upload(OFFICER, "Báo cáo cải cách hành chính.pdf")
    await h.call(h.api.CompleteTask, pb.CompleteTaskRequest(task_id=lead.id, version=job.version, result="Xong",
                                                            result_file_ids=[report]), OFFICER)
    ask = pb.CheckFileAccessRequest(object_id=report, task_ids=[lead.id])
    for user in (OFFICER, "lanhdao.ubnd"):
        assert list((await h.call(h.api.CheckFileAccess, ask, user)).task_ids) == [lead.id]
    for user in ("luutru.ubnd", "truongphong.ubnd", "chuyenvien.snv"):  # a colleague, a head, another agency
        assert (await h.refused(h.api.CheckFileAccess, ask, user)).code() == grpc.StatusCode.NOT_FOUND, user


async def test_a_task_that_does_not_hold_the_file_gives_no_access_to_it(harness: Harness) -> None:
    """A person who sees a case cannot reach another file by naming that case's task: the task's result must hold
    the object."""
    h = harness
    case, lead = await arrival(h)
    await h.call(h.api.CompleteTask, pb.CompleteTaskRequest(task_id=lead.id, version=case.version, result="Xong",
                                                            result_file_ids=[h.upload(OFFICER)]), OFFICER)
    other = h.upload("truongphong.ubnd", "Tệp khác.pdf")
    refused = await h.refused(h.api.CheckFileAccess, pb.CheckFileAccessRequest(object_id=other, task_ids=[lead.id]),
                              OFFICER)
    assert refused.code() == grpc.StatusCode.NOT_FOUND


async def test_a_second_completion_that_fails_leaves_the_first_ones_files_held(harness: Harness) -> None:
    """Issue 14 item 3: the same completion sent twice (a second click, another tab): the second fails (the version
    moved), and releasing what it had referred to must not release the files the first completion holds under the
    same reference (storage's sweep would then delete a completed task's report)."""
    h = harness
    case, lead = await arrival(h)
    report = h.upload(OFFICER)
    request = pb.CompleteTaskRequest(task_id=lead.id, version=case.version, result="Xong", result_file_ids=[report])
    done = (await h.call(h.api.CompleteTask, request, OFFICER)).case
    refused = await h.refused(h.api.CompleteTask, request, OFFICER)
    assert refused.code() in (grpc.StatusCode.ABORTED, grpc.StatusCode.FAILED_PRECONDITION), refused.details()
    assert h.files.held() == {report: {f"workflow/task/{lead.id}"}}
    assert list(done.result_file_ids) == [report]


def test_a_completed_case_has_no_step_out_of_it_so_its_result_files_stay_held() -> None:
    """Issue 14 item 3: result files are referred to on completion and never released, which is right only while
    nothing reopens a completed case or job. The transition tables have no step from "completed" to another state
    (a for-information person marking it read leaves it completed); a step that reopens one must release the
    task's references (and completion refer to them again), and this test then tells so."""
    from vanthu_workflow.domain.incoming import LEAD_ACTIONS, LEADER_ACTIONS, SIDE_ACTIONS, WITHDRAWAL, State

    for table in (LEADER_ACTIONS, LEAD_ACTIONS, SIDE_ACTIONS):
        for action, moves in table.items():
            assert moves.get(State.COMPLETED, State.COMPLETED) == State.COMPLETED, action
    assert State.COMPLETED not in WITHDRAWAL
