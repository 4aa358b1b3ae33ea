"""Records through its real gRPC server, on SQLite and PostgreSQL: the plan drafted, approved and frozen; files
opened, filled, closed, deposited; roles, tenancy (another agency: NOT_FOUND), per-document visibility, optimistic
concurrency, the append-only history, the archive's access log, reminders, export and import."""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from datetime import date, timedelta
from pathlib import Path

import grpc
import pytest
from sqlalchemy import text

from vanthu.records.v1 import events_pb2 as ev
from vanthu.records.v1 import records_pb2 as pb
from vanthu.records.v1 import records_pb2_grpc
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.grpc_server import field_violations
from vanthu_records.platform import CaseDocuments
from vanthu_records.server import RecordsServer
from vanthu_records.settings import RecordsSettings

from .conftest import SNV, UBND, FakePlatform, Harness

pytestmark = pytest.mark.integration
OFFICER, CLERK, LEADER, ARCHIVIST, HEAD = "chuyenvien.ubnd", "vanthu.ubnd", "lanhdao.ubnd", "luutru.ubnd", \
    "truongphong.ubnd"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'records.db'}"
    return str(request.getfixturevalue("postgres_url"))


async def test_the_plan_is_drafted_by_the_clerk_approved_by_the_leader_and_then_frozen(harness: Harness) -> None:
    h = harness
    refused = await h.refused(h.api.CreatePlan, pb.CreatePlanRequest(year=2031, title="Danh mục"), OFFICER)
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED
    plan = await h.approved_plan()
    assert plan.state == "approved" and plan.approved_by == LEADER
    assert [h_.numeral for h_ in plan.headings] == ["I", "II"]
    assert [e.notation for e in plan.headings[0].entries] == ["01.TCCB", "02.TCCB"]
    assert plan.headings[1].subheadings[0].entries[0].notation == "03.VP"
    frozen = await h.refused(h.api.UpdatePlan, pb.UpdatePlanRequest(plan_id=plan.id, version=plan.version,
                                                                     title="Khác"), CLERK)
    assert frozen.code() == grpc.StatusCode.FAILED_PRECONDITION and "không sửa được" in frozen.details()
    # a change is a new version, which supersedes the old one once approved
    revision = (await h.call(h.api.CreatePlan, pb.CreatePlanRequest(year=2031, revise_plan_id=plan.id),
                             ARCHIVIST)).plan
    assert revision.plan_version == 2 and revision.state == "draft"
    assert [e.title for e in revision.headings[0].entries] == [e.title for e in plan.headings[0].entries]
    assert revision.headings[0].entries[0].id != plan.headings[0].entries[0].id
    await h.call(h.api.ApprovePlan, pb.ApprovePlanRequest(plan_id=revision.id, version=revision.version), LEADER)
    old = (await h.call(h.api.GetPlan, pb.GetPlanRequest(plan_id=plan.id), OFFICER)).plan
    assert old.state == "superseded"
    # another agency does not see it
    other = await h.refused(h.api.GetPlan, pb.GetPlanRequest(plan_id=plan.id), "lanhdao.snv")
    assert other.code() == grpc.StatusCode.NOT_FOUND
    pdf = (await h.call(h.api.ExportPlan, pb.ExportPlanRequest(plan_id=plan.id, format="pdf"), OFFICER))
    assert pdf.content.startswith(b"%PDF-") and pdf.content_type == "application/pdf"
    xlsx = (await h.call(h.api.ExportPlan, pb.ExportPlanRequest(plan_id=plan.id, format="xlsx"), OFFICER))
    assert zipfile.is_zipfile(io.BytesIO(xlsx.content))


async def test_a_plan_submitted_for_approval_waits_unchanged_and_its_leaders_and_submitter_are_told(
        harness: Harness) -> None:
    """Trình duyệt: the clerk submits the draft (PlanSubmitted: the workflow tells the leaders), it cannot be edited
    while it waits; a leader returns it with a reason (PlanReturned to the submitter), it is a draft again; submitted
    again, a leader approves it (PlanApproved to the submitter). Officers submit nothing, clerks return nothing."""
    h = harness
    plan = await h.draft_plan()
    refused = await h.refused(h.api.SubmitPlan, pb.SubmitPlanRequest(plan_id=plan.id, version=plan.version), OFFICER)
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED
    submitted = (await h.call(h.api.SubmitPlan, pb.SubmitPlanRequest(plan_id=plan.id, version=plan.version),
                              CLERK)).plan
    assert (submitted.state, submitted.submitted_by) == ("submitted", CLERK) and submitted.submitted_at
    waiting = await h.refused(h.api.UpdatePlan, pb.UpdatePlanRequest(
        plan_id=plan.id, version=submitted.version, title="Khác", headings=plan.headings), ARCHIVIST)
    assert waiting.code() == grpc.StatusCode.FAILED_PRECONDITION and "chờ lãnh đạo duyệt" in waiting.details()
    assert (await h.refused(h.api.ReturnPlan, pb.ReturnPlanRequest(
        plan_id=plan.id, version=submitted.version, reason="Thiếu"), CLERK)).code() == grpc.StatusCode.PERMISSION_DENIED
    no_reason = await h.refused(h.api.ReturnPlan, pb.ReturnPlanRequest(plan_id=plan.id, version=submitted.version,
                                                                       reason=" "), LEADER)
    assert no_reason.code() == grpc.StatusCode.INVALID_ARGUMENT
    returned = (await h.call(h.api.ReturnPlan, pb.ReturnPlanRequest(
        plan_id=plan.id, version=submitted.version, reason="Bổ sung hồ sơ về cải cách hành chính"), LEADER)).plan
    assert (returned.state, returned.return_reason) == ("draft", "Bổ sung hồ sơ về cải cách hành chính")
    again = (await h.call(h.api.SubmitPlan, pb.SubmitPlanRequest(plan_id=plan.id, version=returned.version),
                          ARCHIVIST)).plan
    assert again.return_reason == ""
    approved = (await h.call(h.api.ApprovePlan, pb.ApprovePlanRequest(plan_id=plan.id, version=again.version),
                             LEADER)).plan
    assert approved.state == "approved"
    events = [e for e in await h.events() if e.DESCRIPTOR.full_name.startswith("vanthu.records.v1.Plan")]
    clerk, archivist = h.issuer.subject(CLERK), h.issuer.subject(ARCHIVIST)
    assert [(type(e).__name__, e.submitter_subject, e.meta.agency_code, e.plan_id, e.year) for e in events] == [
        ("PlanSubmitted", clerk, UBND, plan.id, 2031), ("PlanReturned", clerk, UBND, plan.id, 2031),
        ("PlanSubmitted", archivist, UBND, plan.id, 2031), ("PlanApproved", archivist, UBND, plan.id, 2031)]
    assert events[0].submitter_name == "Trần Thị Thu Hương" and events[1].returner_name == "Nguyễn Văn Hưởng"
    assert events[1].reason == "Bổ sung hồ sơ về cải cách hành chính"
    # another agency's leader does not find it
    other = await h.refused(h.api.ReturnPlan, pb.ReturnPlanRequest(plan_id=plan.id, version=approved.version,
                                                                   reason="x"), "lanhdao.snv")
    assert other.code() == grpc.StatusCode.NOT_FOUND


async def test_the_person_keeping_an_entrys_file_is_one_of_the_callers_agency_named_from_the_directory(
        harness: Harness) -> None:
    """Người lập hồ sơ is picked from the directory: the plan stores the subject and prints the directory's name; a
    person of another agency (or nobody) is refused naming the field, and the free text of older plans stays."""
    h = harness
    plan = await h.draft_plan()
    officer, other = h.issuer.subject(OFFICER), h.issuer.subject("chuyenvien.snv")

    def outline(subject: str) -> list[pb.PlanHeading]:
        headings = [pb.PlanHeading() for _ in plan.headings]
        for mine, theirs in zip(headings, plan.headings, strict=True):
            mine.CopyFrom(theirs)
        headings[0].entries[1].creator = "gõ tay: bỏ qua"
        headings[0].entries[1].creator_subject = subject
        return headings

    for subject in (other, "khong-co-ai"):
        refused = await h.refused(h.api.UpdatePlan, pb.UpdatePlanRequest(
            plan_id=plan.id, version=plan.version, title=plan.title, headings=outline(subject)), CLERK)
        assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert [f for f, _ in field_violations(refused)] == ["headings[0].entries[1].creator_subject"]
        assert "không phải cán bộ của cơ quan" in refused.details()
    saved = (await h.call(h.api.UpdatePlan, pb.UpdatePlanRequest(
        plan_id=plan.id, version=plan.version, title=plan.title, headings=outline(officer)), ARCHIVIST)).plan
    entry = saved.headings[0].entries[1]
    assert (entry.creator_subject, entry.creator) == (officer, "Phạm Thị Ngọc Ánh")
    assert saved.headings[0].entries[0].creator == "Phòng Tổ chức"  # free text written before: kept as it was
    read = (await h.call(h.api.GetPlan, pb.GetPlanRequest(plan_id=plan.id), OFFICER)).plan
    assert read.headings[0].entries[1] == entry


async def test_a_file_opened_from_an_entry_naming_a_person_belongs_to_that_persons_unit(harness: Harness) -> None:
    """Issue 14: the file of an entry whose người lập hồ sơ was picked from the directory showed the person as its
    unit (Đơn vị: Phạm Thị Ngọc Ánh); its unit is the person's (Phòng Tổng hợp), the free text of older plans stays."""
    h = harness
    officer = h.issuer.subject(OFFICER)
    h.platform.units[officer] = "Phòng Tổng hợp"
    plan = await h.draft_plan()
    headings = [pb.PlanHeading() for _ in plan.headings]
    for mine, theirs in zip(headings, plan.headings, strict=True):
        mine.CopyFrom(theirs)
    headings[0].entries[1].creator_subject = officer
    plan = (await h.call(h.api.UpdatePlan, pb.UpdatePlanRequest(
        plan_id=plan.id, version=plan.version, title=plan.title, headings=headings), CLERK)).plan
    plan = (await h.call(h.api.ApprovePlan, pb.ApprovePlanRequest(plan_id=plan.id, version=plan.version),
                         LEADER)).plan
    assert plan.headings[0].entries[1].creator == "Phạm Thị Ngọc Ánh"
    picked = (await h.call(h.api.OpenFile, pb.OpenFileRequest(plan_entry_id=plan.headings[0].entries[1].id),
                           OFFICER)).file
    assert picked.unit == "Phòng Tổng hợp"
    written = (await h.call(h.api.OpenFile, pb.OpenFileRequest(plan_entry_id=plan.headings[0].entries[0].id),
                            OFFICER)).file
    assert written.unit == "Phòng Tổ chức"
    # a file opened before the fix stored the person's name as its unit: its page shows their unit
    async with h.server.store.sessions() as session:
        await session.execute(text("UPDATE files SET unit = creator_name WHERE id = :id"), {"id": picked.id})
        await session.commit()
    shown = (await h.call(h.api.GetFile, pb.GetFileRequest(file_id=picked.id), OFFICER)).file
    assert shown.unit == "Phòng Tổng hợp"


async def test_documents_get_gapless_ordinals_and_codes_and_one_may_be_in_several_files(harness: Harness) -> None:
    h = harness
    file = await h.opened()
    assert file.file_code == f"{UBND}.2031.01.TCCB" and file.retention_years == 0 and file.state == "open"
    outgoing, incoming = h.platform.add(direction="outgoing"), h.platform.add(direction="incoming")
    reply = await h.call(h.api.AddDocuments, pb.AddDocumentsRequest(
        file_id=file.id, version=file.version, document_ids=[outgoing, incoming]), OFFICER)
    file = reply.file
    assert file.state == "collecting"
    assert [(d.ordinal, d.document_code) for d in file.documents] == [
        (1, f"{UBND}.2031.01.TCCB.001"), (2, f"{UBND}.2031.01.TCCB.002")]
    doc = file.documents[0]
    assert (doc.code_number, doc.code_notation, doc.type_name, doc.issued_date) == \
        ("05", "UBND-VP", "Công văn", "2031-06-01")
    again = await h.call(h.api.AddDocuments, pb.AddDocumentsRequest(
        file_id=file.id, version=file.version, document_ids=[outgoing]), OFFICER)
    assert list(again.already_present) == [outgoing] and len(again.file.documents) == 2
    # the same document in a second file, of another entry
    plan = (await h.call(h.api.ListPlans, pb.ListPlansRequest(year=2031), OFFICER)).plans[0]
    entry = (await h.call(h.api.GetPlan, pb.GetPlanRequest(plan_id=plan.id), OFFICER)).plan.headings[0].entries[1]
    second = (await h.call(h.api.OpenFile, pb.OpenFileRequest(plan_entry_id=entry.id), OFFICER)).file
    second = (await h.call(h.api.AddDocuments, pb.AddDocumentsRequest(
        file_id=second.id, version=second.version, document_ids=[incoming]), OFFICER)).file
    assert second.documents[0].document_code == f"{UBND}.2031.02.TCCB.001"
    # removing a document closes the gap
    file = (await h.call(h.api.RemoveDocument, pb.RemoveDocumentRequest(
        file_id=file.id, version=again.file.version, document_id=outgoing), OFFICER)).file
    assert [(d.document_id, d.ordinal) for d in file.documents] == [(incoming, 1)]


async def test_an_officer_adds_only_documents_the_registry_lets_them_open(harness: Harness) -> None:
    h = harness
    file = await h.opened()
    hidden = h.platform.add(direction="incoming")
    h.platform.hidden[hidden] = {OFFICER}
    other_agency = h.platform.add(SNV, direction="outgoing")
    draft = h.platform.add(direction="outgoing", status="draft")
    for document_id, code in ((hidden, grpc.StatusCode.NOT_FOUND), (other_agency, grpc.StatusCode.NOT_FOUND),
                              (draft, grpc.StatusCode.FAILED_PRECONDITION)):
        refused = await h.refused(h.api.AddDocuments, pb.AddDocumentsRequest(
            file_id=file.id, version=file.version, document_ids=[document_id]), OFFICER)
        assert refused.code() == code, refused.details()
    now = (await h.call(h.api.GetFile, pb.GetFileRequest(file_id=file.id), OFFICER)).file
    assert now.version == file.version and not now.documents


async def test_a_completed_cases_documents_go_in_with_one_action(harness: Harness) -> None:
    h = harness
    file = await h.opened()
    arrival, reply = h.platform.add(direction="incoming"), h.platform.add(direction="outgoing")
    h.platform.cases["c1"] = (UBND, "", CaseDocuments("completed", (arrival, reply)))
    h.platform.cases["c2"] = (UBND, "", CaseDocuments("assigned", (arrival,)))
    refused = await h.refused(h.api.AddDocuments, pb.AddDocumentsRequest(file_id=file.id, version=file.version,
                                                                          case_id="c2"), OFFICER)
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION and "assigned" in refused.details()
    file = (await h.call(h.api.AddDocuments, pb.AddDocumentsRequest(file_id=file.id, version=file.version,
                                                                     case_id="c1"), OFFICER)).file
    assert [d.document_id for d in file.documents] == [arrival, reply]


async def test_only_the_creator_fills_the_file_and_another_agency_does_not_find_it(harness: Harness) -> None:
    h = harness
    file = await h.opened()
    doc = h.platform.add()
    request = pb.AddDocumentsRequest(file_id=file.id, version=file.version, document_ids=[doc])
    assert (await h.refused(h.api.AddDocuments, request, HEAD)).code() == grpc.StatusCode.NOT_FOUND
    assert (await h.refused(h.api.AddDocuments, request, CLERK)).code() == grpc.StatusCode.PERMISSION_DENIED
    assert (await h.refused(h.api.GetFile, pb.GetFileRequest(file_id=file.id), "luutru.snv")).code() == \
        grpc.StatusCode.NOT_FOUND
    assert (await h.refused(h.api.AcceptDeposit, pb.AcceptDepositRequest(file_id=file.id, version=file.version),
                            OFFICER)).code() == grpc.StatusCode.PERMISSION_DENIED
    listed = (await h.call(h.api.ListFiles, pb.ListFilesRequest(), ARCHIVIST)).files
    assert [f.id for f in listed] == [file.id]
    assert not (await h.call(h.api.ListFiles, pb.ListFilesRequest(), HEAD)).files


async def test_a_listing_counts_each_files_documents_as_reading_the_file_does(harness: Harness) -> None:
    h = harness
    file = await h.opened()
    file = (await h.call(h.api.AddDocuments, pb.AddDocumentsRequest(
        file_id=file.id, version=file.version, document_ids=[h.platform.add(), h.platform.add()]), OFFICER)).file
    plan = (await h.call(h.api.GetPlan, pb.GetPlanRequest(plan_id=file.plan_id), OFFICER)).plan
    empty = (await h.call(h.api.OpenFile, pb.OpenFileRequest(plan_entry_id=plan.headings[0].entries[1].id),
                          OFFICER)).file
    listed = {f.id: f for f in (await h.call(h.api.ListFiles, pb.ListFilesRequest(), ARCHIVIST)).files}
    assert (listed[file.id].document_total, listed[empty.id].document_total) == (2, 0)
    assert not listed[file.id].documents  # a listing leaves the documents themselves out


async def test_a_file_outside_the_plan_takes_its_year_from_a_start_date_in_the_accepted_years(harness: Harness) -> None:
    h = harness
    for start in ("0001-01-01", "9999-12-31"):
        refused = await h.refused(h.api.OpenFile, pb.OpenFileRequest(
            title="Hồ sơ thử", notation="07.VP", retention_years=5, start_date=start), CLERK)
        assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT and "start_date" in dict(field_violations(refused))
    file = (await h.call(h.api.OpenFile, pb.OpenFileRequest(
        title="Hồ sơ thử", notation="07.VP", retention_years=5, start_date="2031-03-02"), CLERK)).file
    assert file.year == 2031 and file.file_code == f"{UBND}.2031.07.VP"


async def test_a_file_is_not_closed_with_an_end_date_still_to_come(harness: Harness) -> None:
    h = harness
    file = await h.opened()
    file = (await h.call(h.api.AddDocuments, pb.AddDocumentsRequest(
        file_id=file.id, version=file.version, document_ids=[h.platform.add()]), OFFICER)).file
    for end in ("2031-06-12", "9999-12-31"):  # the clock's today is 2031-06-11
        refused = await h.refused(h.api.CloseFile, pb.CloseFileRequest(
            file_id=file.id, version=file.version, end_date=end, page_amounts={file.documents[0].document_id: 1}),
            OFFICER)
        assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT and "end_date" in dict(field_violations(refused))
    closed = (await h.call(h.api.CloseFile, pb.CloseFileRequest(
        file_id=file.id, version=file.version, end_date="2031-06-11", page_amounts={file.documents[0].document_id: 1}),
        OFFICER)).file
    assert closed.state == "closed" and closed.end_date == "2031-06-11"


async def test_a_stale_version_is_aborted_and_an_illegal_step_names_the_state(harness: Harness) -> None:
    h = harness
    file = await h.opened()
    docs = [h.platform.add(), h.platform.add()]
    await h.call(h.api.AddDocuments, pb.AddDocumentsRequest(file_id=file.id, version=file.version,
                                                             document_ids=docs[:1]), OFFICER)
    stale = await h.refused(h.api.AddDocuments, pb.AddDocumentsRequest(file_id=file.id, version=file.version,
                                                                        document_ids=docs[1:]), OFFICER)
    assert stale.code() == grpc.StatusCode.ABORTED
    illegal = await h.refused(h.api.SubmitDeposit, pb.SubmitDepositRequest(file_id=file.id, version=file.version + 1),
                              OFFICER)
    assert illegal.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "đang cập nhật" in illegal.details()


async def test_closing_needs_every_page_count_and_produces_the_table_of_contents(harness: Harness) -> None:
    h = harness
    file = await h.opened()
    doc = h.platform.add()
    file = (await h.call(h.api.AddDocuments, pb.AddDocumentsRequest(file_id=file.id, version=file.version,
                                                                     document_ids=[doc]), OFFICER)).file
    early = await h.refused(h.api.ExportFileForm, pb.ExportFileFormRequest(file_id=file.id), OFFICER)
    assert early.code() == grpc.StatusCode.FAILED_PRECONDITION
    missing = await h.refused(h.api.CloseFile, pb.CloseFileRequest(file_id=file.id, version=file.version), OFFICER)
    assert missing.code() == grpc.StatusCode.INVALID_ARGUMENT and doc in missing.details()
    file = (await h.call(h.api.CloseFile, pb.CloseFileRequest(
        file_id=file.id, version=file.version, page_amounts={doc: 3}, retention_years=20,
        keywords="tuyển dụng"), OFFICER)).file
    assert (file.state, file.page_total, file.document_total, file.end_date, file.retention_years) == \
        ("closed", 3, 1, "2031-06-01", 20)
    assert file.deposit_deadline == "2032-06-11" and not file.deposit_due
    form = await h.call(h.api.ExportFileForm, pb.ExportFileFormRequest(file_id=file.id), OFFICER)
    assert form.content.startswith(b"%PDF-")
    history = (await h.call(h.api.GetFileHistory, pb.GetFileHistoryRequest(file_id=file.id), OFFICER)).entries
    assert [(e.action, e.to_state, e.actor) for e in history] == [
        ("open", "open", OFFICER), ("add", "collecting", OFFICER), ("close", "closed", OFFICER)]
    async with h.server.store.sessions() as session:
        with pytest.raises(Exception, match="append-only"):
            await session.execute(text("DELETE FROM file_history"))


async def test_the_archivist_accepts_a_deposit_locking_and_augmenting_every_object(harness: Harness) -> None:
    h = harness
    file = await h.closed()  # retention: permanent (the plan's first entry)
    file = (await h.call(h.api.SubmitDeposit, pb.SubmitDepositRequest(file_id=file.id, version=file.version),
                          OFFICER)).file
    assert file.state == "submitted"
    file = (await h.call(h.api.AcceptDeposit, pb.AcceptDepositRequest(file_id=file.id, version=file.version),
                          ARCHIVIST)).file
    assert file.state == "deposited" and file.deposited_by == ARCHIVIST
    for doc in file.documents:
        [recorded] = doc.files
        kinds = [v.kind for v in recorded.versions]
        assert kinds == ["deposited", "augmented"]
        assert recorded.object_id == recorded.versions[-1].object_id  # the record points to the newest
        for version in recorded.versions:
            assert h.platform.locks[version.object_id] == (None, True)  # permanent: a legal hold, no end date
            assert version.legal_hold
    # every access to an archived file is logged
    await h.call(h.api.GetFile, pb.GetFileRequest(file_id=file.id), LEADER)
    log = (await h.call(h.api.ListArchiveAccess, pb.ListArchiveAccessRequest(file_id=file.id), ARCHIVIST)).entries
    assert [(e.action, e.actor) for e in log] == [("read", LEADER)]
    handover = await h.call(h.api.ExportDepositForm, pb.ExportDepositFormRequest(form="handover",
                                                                                 file_ids=[file.id]), ARCHIVIST)
    assert handover.content.startswith(b"%PDF-")


async def test_a_retained_years_file_is_locked_until_its_retention_ends(harness: Harness) -> None:
    h = harness
    file = await h.closed(entry=1)  # 20 years
    file = (await h.call(h.api.SubmitDeposit, pb.SubmitDepositRequest(file_id=file.id, version=file.version),
                          OFFICER)).file
    file = (await h.call(h.api.AcceptDeposit, pb.AcceptDepositRequest(file_id=file.id, version=file.version),
                          ARCHIVIST)).file
    version = file.documents[0].files[0].versions[0]
    assert h.platform.locks[version.object_id] == (date(2051, 6, 11), False)


async def test_a_returned_file_is_mended_and_submitted_again(harness: Harness) -> None:
    h = harness
    file = await h.closed()
    file = (await h.call(h.api.SubmitDeposit, pb.SubmitDepositRequest(file_id=file.id, version=file.version),
                          OFFICER)).file
    no_reason = await h.refused(h.api.ReturnDeposit, pb.ReturnDepositRequest(file_id=file.id, version=file.version),
                                ARCHIVIST)
    assert no_reason.code() == grpc.StatusCode.INVALID_ARGUMENT
    file = (await h.call(h.api.ReturnDeposit, pb.ReturnDepositRequest(
        file_id=file.id, version=file.version, reason="Thiếu văn bản trả lời"), ARCHIVIST)).file
    assert (file.state, file.return_reason) == ("returned", "Thiếu văn bản trả lời")
    file = (await h.call(h.api.SubmitDeposit, pb.SubmitDepositRequest(file_id=file.id, version=file.version),
                          OFFICER)).file
    assert file.state == "submitted" and not file.return_reason


async def test_the_creator_reopens_a_returned_file_adds_the_missing_reply_and_deposits_it_again(
        harness: Harness) -> None:
    """A return asks for a correction (ux.md, the archivist's trả lại): the creator reopens the file (returned →
    collecting), adds what was missing, closes and submits it again. Nobody else reopens it, nor a file not
    returned."""
    h = harness
    file = await h.closed(n=1)
    reopen = pb.ReopenFileRequest(file_id=file.id, version=file.version, comment="Bổ sung văn bản trả lời")
    not_returned = await h.refused(h.api.ReopenFile, reopen, OFFICER)
    assert not_returned.code() == grpc.StatusCode.FAILED_PRECONDITION and "đã kết thúc" in not_returned.details()
    file = (await h.call(h.api.SubmitDeposit, pb.SubmitDepositRequest(file_id=file.id, version=file.version),
                          OFFICER)).file
    file = (await h.call(h.api.ReturnDeposit, pb.ReturnDepositRequest(
        file_id=file.id, version=file.version, reason="Thiếu văn bản trả lời của Sở Nội vụ"), ARCHIVIST)).file
    reopen = pb.ReopenFileRequest(file_id=file.id, version=file.version, comment="Bổ sung văn bản trả lời")
    for other in (CLERK, ARCHIVIST, LEADER):
        assert (await h.refused(h.api.ReopenFile, reopen, other)).code() == grpc.StatusCode.PERMISSION_DENIED
    stale = await h.refused(h.api.ReopenFile, pb.ReopenFileRequest(file_id=file.id, version=file.version - 1),
                            OFFICER)
    assert stale.code() == grpc.StatusCode.ABORTED
    file = (await h.call(h.api.ReopenFile, reopen, OFFICER)).file
    assert (file.state, file.return_reason) == ("collecting", "Thiếu văn bản trả lời của Sở Nội vụ")
    reply = h.platform.add(direction="outgoing")
    file = (await h.call(h.api.AddDocuments, pb.AddDocumentsRequest(
        file_id=file.id, version=file.version, document_ids=[reply]), OFFICER)).file
    file = (await h.call(h.api.CloseFile, pb.CloseFileRequest(
        file_id=file.id, version=file.version, page_amounts={reply: 1}), OFFICER)).file
    file = (await h.call(h.api.SubmitDeposit, pb.SubmitDepositRequest(file_id=file.id, version=file.version),
                          OFFICER)).file
    assert (file.state, file.document_total, file.return_reason) == ("submitted", 2, "")
    history = (await h.call(h.api.GetFileHistory, pb.GetFileHistoryRequest(file_id=file.id), OFFICER)).entries
    assert ("reopen", "returned", "collecting", "Bổ sung văn bản trả lời") in [
        (e.action, e.from_state, e.to_state, e.comment) for e in history]


async def test_reminders_go_out_once_30_days_ahead_and_once_when_overdue(harness: Harness) -> None:
    h = harness
    file = await h.closed()
    assert file.deposit_deadline == "2032-06-11"
    assert await h.server.reminders.run() == 0
    h.clock.now += timedelta(days=366 - 30)  # 2032-05-12: 30 days ahead
    assert await h.server.reminders.run() == 1
    assert await h.server.reminders.run() == 0
    due = (await h.call(h.api.ListFiles, pb.ListFilesRequest(deposit_due=True), OFFICER)).files
    assert [f.id for f in due] == [file.id] and due[0].deposit_due
    h.clock.now += timedelta(days=31)
    assert await h.server.reminders.run() == 1
    events = [e for e in await h.events() if not isinstance(e, ev.PlanApproved)]  # the plan's approval told too
    assert [type(e) for e in events] == [ev.FileDepositDue, ev.FileDepositOverdue]
    assert events[0].creator_username == OFFICER and events[0].meta.agency_code == UBND
    assert events[1].deposit_deadline == "2032-06-11"
    # the leader lets the unit keep it two more years: a new deadline, reminded again when it comes
    file = (await h.call(h.api.GetFile, pb.GetFileRequest(file_id=file.id), OFFICER)).file
    file = (await h.call(h.api.RetainFile, pb.RetainFileRequest(
        file_id=file.id, version=file.version, approval="Công văn 12/UBND-VP", years=2), LEADER)).file
    assert (file.state, file.deposit_deadline, file.deposit_overdue) == ("retained", "2034-06-11", False)


async def test_renewing_timestamps_adds_a_locked_version_to_the_chain(harness: Harness) -> None:
    h = harness
    file = await h.closed(n=1)
    file = (await h.call(h.api.SubmitDeposit, pb.SubmitDepositRequest(file_id=file.id, version=file.version),
                          OFFICER)).file
    await h.call(h.api.AcceptDeposit, pb.AcceptDepositRequest(file_id=file.id, version=file.version), ARCHIVIST)
    renewed = await h.call(h.api.RenewTimestamps, pb.RenewTimestampsRequest(within_days=30), ARCHIVIST)
    assert renewed.renewed == 0  # the timestamp expires in 2036
    h.clock.now = h.clock.now.replace(year=2036, month=5, day=20)
    renewed = await h.call(h.api.RenewTimestamps, pb.RenewTimestampsRequest(within_days=30), ARCHIVIST)
    assert renewed.renewed == 1
    file = (await h.call(h.api.GetFile, pb.GetFileRequest(file_id=file.id), ARCHIVIST)).file
    chain = file.documents[0].files[0].versions
    assert [v.kind for v in chain] == ["deposited", "augmented", "augmented"]
    assert h.platform.locks[chain[-1].object_id] == (None, True)
    assert file.state == "deposited"
    # the operator's command: the same step with an archivist's token
    from vanthu_records.__main__ import renew_timestamps

    h.clock.now = h.clock.now.replace(year=2041)
    assert await renew_timestamps(f"127.0.0.1:{h.port}", 30, h.issuer.token(ARCHIVIST)) == 0
    assert await renew_timestamps(f"127.0.0.1:{h.port}", 30, h.issuer.token(OFFICER)) == 1  # not an archivist
    file = (await h.call(h.api.GetFile, pb.GetFileRequest(file_id=file.id), ARCHIVIST)).file
    assert len(file.documents[0].files[0].versions) == 4


async def test_an_exported_file_imports_into_another_agency_with_the_same_metadata(harness: Harness) -> None:
    h = harness
    file = await h.closed(signed=False)  # the fake's PDFs carry no signature (the lib checks what a package says)
    package = await h.call(h.api.ExportFile, pb.ExportFileRequest(file_id=file.id), OFFICER)
    with zipfile.ZipFile(io.BytesIO(package.content)) as z:
        names = set(z.namelist())
        assert {"metadata.xml", "manifest-sha256.txt"} <= names
    refused = await h.refused(h.api.ImportFile, pb.ImportFileRequest(content=package.content), "chuyenvien.snv")
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED
    imported = (await h.call(h.api.ImportFile, pb.ImportFileRequest(content=package.content), "luutru.snv")).file
    assert imported.agency_code == SNV and imported.state == "closed"
    assert imported.file_code == f"{SNV}.2031.01.TCCB"
    same = ("title", "notation", "year", "retention_years", "start_date", "end_date", "page_total",
            "document_total", "language", "rights")
    assert [getattr(imported, f) for f in same] == [getattr(file, f) for f in same]
    fields = ("ordinal", "type_name", "code_number", "code_notation", "issued_date", "organ_name", "subject",
              "page_amount", "confidence_level")
    assert [[getattr(d, f) for f in fields] for d in imported.documents] == \
        [[getattr(d, f) for f in fields] for d in file.documents]
    # the imported objects are the file's: storage keeps them for it (not swept as unreferenced uploads, not
    # deletable by the agency's clerk), referenced by the records service for the importing agency
    kept = [v.object_id for d in imported.documents for f in d.files for v in f.versions]
    assert kept and all(h.platform.references.get(o) == {f"records/file/{imported.id}"} for o in kept)
    assert ("vanthu-records", SNV) in h.platform.calls
    # the same package again: its file (notation and year) is this agency's already, refused before any file is
    # stored (a refusal stores and publishes nothing)
    stored = set(h.platform.objects)
    again = await h.refused(h.api.ImportFile, pb.ImportFileRequest(content=package.content), "luutru.snv")
    assert again.code() == grpc.StatusCode.ALREADY_EXISTS and imported.notation in again.details()
    assert set(h.platform.objects) == stored
    tampered = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package.content)) as z, zipfile.ZipFile(tampered, "w") as out:
        for name in z.namelist():
            data = z.read(name)
            out.writestr(name, data + b"x" if name.startswith("documents/") else data)
    bad = await h.refused(h.api.ImportFile, pb.ImportFileRequest(content=tampered.getvalue()), "luutru.snv")
    assert bad.code() == grpc.StatusCode.INVALID_ARGUMENT and "SHA-256" in bad.details()
    from vanthu_archive.package import import_package

    checked = import_package(package.content)  # the lib validates the XML against its schema and every digest
    assert checked.file.file_code == file.file_code and len(checked.documents) == 2


async def test_a_documents_attachments_go_into_the_package_and_come_back_on_import(harness: Harness) -> None:
    h = harness
    sheet = b"PK\x03\x04 bang tong hop"
    # the name as a Mac keyboard sends it (NFD): it comes back NFC
    nfd = unicodedata.normalize("NFD", "Phụ lục kinh phí đợt 1.xlsx")
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    file = await h.closed(signed=False, attachments=((nfd, xlsx, sheet), ("Ảnh chụp.png", "image/png", b"\x89PNG")))
    package = (await h.call(h.api.ExportFile, pb.ExportFileRequest(file_id=file.id), OFFICER)).content
    with zipfile.ZipFile(io.BytesIO(package)) as z:
        assert z.read(f"documents/{file.file_code}.001-01.xlsx") == sheet
        assert z.read(f"documents/{file.file_code}.001-02.png") == b"\x89PNG"
    imported = (await h.call(h.api.ImportFile, pb.ImportFileRequest(content=package), "luutru.snv")).file
    first = imported.documents[0]
    assert [(f.role, f.file_name, f.content_type) for f in first.files] == [
        ("main", f"{file.file_code}.001.pdf", "application/pdf"),
        ("attachment", "Phụ lục kinh phí đợt 1.xlsx", xlsx), ("attachment", "Ảnh chụp.png", "image/png")]
    stored = [h.platform.objects[f.versions[0].object_id] for f in first.files[1:]]
    assert stored == [(SNV, sheet), (SNV, b"\x89PNG")]
    assert [len(d.files) for d in imported.documents[1:]] == [1]


async def test_a_package_recreates_the_file_in_a_second_installation_with_the_same_metadata(
        harness: Harness, tmp_path: Path) -> None:
    """Issue 16 item 5: another VanThu installation (its own records service, database and storage: nothing shared
    with the first but the package's bytes) takes the exported file in with the same metadata, its documents'
    files stored in its own storage with the digests the package's manifest gives."""
    h = harness
    file = await h.closed(signed=False)
    package = (await h.call(h.api.ExportFile, pb.ExportFileRequest(file_id=file.id), OFFICER)).content
    first_objects = dict(h.platform.objects)
    other = FakePlatform()
    server = RecordsServer(RecordsSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'other.db'}"),
                           h.issuer.service_settings("records"), clock=h.clock, platform=other, sweeping=False)
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}", options=[("grpc.max_send_message_length", 80 << 20)])
    try:
        api = records_pb2_grpc.RecordsServiceStub(channel)
        archivist = bearer_metadata(h.issuer.token("luutru.ubnd"))
        imported = (await api.ImportFile(pb.ImportFileRequest(content=package), metadata=archivist)).file
        again = (await api.GetFile(pb.GetFileRequest(file_id=imported.id), metadata=archivist)).file
    finally:
        await channel.close()
        await server.stop()
    assert h.platform.objects == first_objects  # the first installation is not touched
    assert again.file_code == file.file_code == f"{UBND}.2031.01.TCCB"
    same = ("title", "notation", "year", "retention_years", "start_date", "end_date", "page_total",
            "document_total", "language", "rights")
    assert [getattr(again, f) for f in same] == [getattr(file, f) for f in same]
    fields = ("ordinal", "document_code", "type_name", "code_number", "code_notation", "issued_date", "organ_name",
              "subject", "page_amount", "confidence_level")
    assert [[getattr(d, f) for f in fields] for d in again.documents] == \
        [[getattr(d, f) for f in fields] for d in file.documents]
    from vanthu_archive.package import import_package

    packaged = {hashlib.sha256(d.content).hexdigest() for d in import_package(package).documents}
    stored = {hashlib.sha256(data).hexdigest() for _, data in other.objects.values()}
    assert len(packaged) == 2 and packaged <= stored  # the files are in the second installation's own storage


async def test_the_archive_librarys_rules_refuse_a_malformed_file_naming_the_field(harness: Harness) -> None:
    h = harness
    refused = await h.refused(h.api.OpenFile, pb.OpenFileRequest(
        title="Hồ sơ ngoài danh mục", notation="TCCB-01", retention_years=10, start_date="2031-01-05"), OFFICER)
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert refused.details().startswith("Số và ký hiệu hồ sơ")  # the field named once
    file = (await h.call(h.api.OpenFile, pb.OpenFileRequest(
        title="Hồ sơ ngoài danh mục", notation="07.VP", retention_years=10, start_date="2031-01-05"), OFFICER)).file
    assert file.file_code == f"{UBND}.2031.07.VP" and not file.plan_entry_id


async def deposited(h: Harness, agency: str) -> pb.RecordFile:
    """A deposited file of one signed document of ``agency`` (ubnd or snv users)."""
    who = "ubnd" if agency == UBND else "snv"
    plan = await h.approved_plan(drafter=f"vanthu.{who}", leader=f"lanhdao.{who}")
    officer = f"chuyenvien.{who}"
    file = (await h.call(h.api.OpenFile, pb.OpenFileRequest(plan_entry_id=plan.headings[0].entries[0].id,
                                                            start_date="2031-01-05"), officer)).file
    doc = h.platform.add(agency, direction="outgoing")
    file = (await h.call(h.api.AddDocuments, pb.AddDocumentsRequest(file_id=file.id, version=file.version,
                                                                    document_ids=[doc]), officer)).file
    file = (await h.call(h.api.CloseFile, pb.CloseFileRequest(file_id=file.id, version=file.version,
                                                              page_amounts={doc: 2}), officer)).file
    file = (await h.call(h.api.SubmitDeposit, pb.SubmitDepositRequest(file_id=file.id, version=file.version),
                         officer)).file
    return (await h.call(h.api.AcceptDeposit, pb.AcceptDepositRequest(file_id=file.id, version=file.version),
                         f"luutru.{who}")).file


async def test_the_server_re_timestamps_every_agencys_archive_on_its_own_token(harness: Harness) -> None:
    """Issue 16 item 4: the scheduled run (``renewal.run``, what the server does every ``renew_interval_s``)
    augments each archived PDF whose last timestamp expires within ``renew_within_days`` (90 by default) of the
    injected clock, for each agency, with the records service's own token naming the file's agency; a file that
    fails is left for the next round while the others go on."""
    h = harness
    ubnd, snv = await deposited(h, UBND), await deposited(h, SNV)
    h.platform.calls.clear()
    assert await h.server.renewal.run() == 0  # 2031: the timestamps expire in 2036
    h.clock.now = h.clock.now.replace(year=2036, month=3, day=20)  # 83 days before 2036-06-11
    h.platform.expires_at = "2041-06-11T00:00:00+00:00"  # new timestamps: the TSA's renewed certificate
    broken = ubnd.documents[0].files[0].versions[-1].object_id
    h.platform.tsa_away.add(broken)  # UBND's file fails this round (the TSA away)
    assert await h.server.renewal.run() == 1
    assert h.platform.calls[-2:] == [("vanthu-records", SNV)] * 2  # augmented, then the new version locked
    h.platform.tsa_away.clear()
    assert await h.server.renewal.run() == 1  # UBND's now; SNV's was renewed (its new timestamp expires later)
    assert {agency for _, agency in h.platform.calls} == {UBND, SNV}
    assert {who for who, _ in h.platform.calls} == {"vanthu-records"}
    for file, archivist in ((ubnd, ARCHIVIST), (snv, "luutru.snv")):
        got = (await h.call(h.api.GetFile, pb.GetFileRequest(file_id=file.id), archivist)).file
        chain = got.documents[0].files[0].versions
        assert [v.kind for v in chain] == ["deposited", "augmented", "augmented"]
        assert h.platform.objects[chain[-1].object_id][0] == (UBND if file is ubnd else SNV)
        assert h.platform.locks[chain[-1].object_id] == (None, True)  # permanent retention: a legal hold
        history = (await h.call(h.api.GetFileHistory, pb.GetFileHistoryRequest(file_id=file.id), archivist)).entries
        assert history[-1].actor == "service-account-vanthu-records"
    assert await h.server.renewal.run() == 0  # nothing due again until the new timestamps near their expiry


def test_the_renewal_schedule_is_configured_within_bounds() -> None:
    from pydantic import ValidationError

    from vanthu_records.settings import RecordsSettings

    assert (RecordsSettings().renew_interval_s, RecordsSettings().renew_within_days) == (86400.0, 90)
    assert RecordsSettings(renew_within_days=30, renew_interval_s=3600).renew_within_days == 30
    for bad in ({"renew_within_days": 0}, {"renew_within_days": 4000}, {"renew_interval_s": 0}):
        with pytest.raises(ValidationError):
            RecordsSettings(**bad)


async def test_every_read_storage_announces_of_an_archived_object_is_in_the_access_log(harness: Harness) -> None:
    """Issue 16 item 3: storage's ``vanthu.storage.object.read`` for an object of a deposited file's version chain
    becomes a ``download`` line of that file (reader, time of the read), once per event; reads of other objects, or
    of another agency's, are not the archive's."""
    from datetime import UTC, datetime

    from vanthu.storage.v1 import events_pb2 as storage_events
    from vanthu.storage.v1 import storage_pb2
    from vanthu_core.events import new_meta

    h = harness
    file = await deposited(h, UBND)
    doc = file.documents[0]
    deposited_id, augmented_id = (v.object_id for v in doc.files[0].versions)
    read_at = datetime(2031, 7, 1, 2, 30, tzinfo=UTC)

    def read(object_id: str, reader: str, agency: str = UBND) -> storage_events.ObjectRead:
        return storage_events.ObjectRead(meta=new_meta(actor="sub", agency=agency, occurred_at=read_at),
                                         object=storage_pb2.StoredObject(object_id=object_id, agency_code=agency),
                                         reader=reader)

    first = read(augmented_id, "vanthu-gateway")
    assert await h.server.archive_reads.log(first) == 1
    assert await h.server.archive_reads.log(first) == 0  # redelivered: logged once
    assert await h.server.archive_reads.log(read(deposited_id, "chuyenvien.ubnd")) == 1  # any version of the chain
    assert await h.server.archive_reads.log(read(h.platform.store_object(UBND, b"x"), "chuyenvien.ubnd")) == 0
    assert await h.server.archive_reads.log(read(augmented_id, "chuyenvien.snv", SNV)) == 0
    await h.server.archive_reads(first)  # the consumer's entry point
    entries = (await h.call(h.api.ListArchiveAccess, pb.ListArchiveAccessRequest(file_id=file.id), ARCHIVIST)).entries
    downloads = [(e.action, e.actor, e.document_id) for e in entries if e.action == "download"]
    assert downloads == [("download", "vanthu-gateway", doc.document_id),
                         ("download", "chuyenvien.ubnd", doc.document_id)]
    assert next(e.at for e in entries if e.action == "download").startswith("2031-07-01T09:30")


def pdf_of_pages(n: int) -> bytes:
    import pypdfium2

    document = pypdfium2.PdfDocument.new()
    for _ in range(n):
        document.new_page(595, 842)  # A4 in points
    out = io.BytesIO()
    document.save(out)
    document.close()
    return out.getvalue()


async def test_closing_reads_the_page_counts_the_creator_left_out_from_the_documents_pdfs(harness: Harness) -> None:
    """Issue 16 item 4 (second round): a document given no page count gets its main PDF's pages (PDFium); the
    creator's figure wins where given; a PDF that cannot be read still needs one from the creator."""
    h = harness
    file = await h.opened()
    read, given, unreadable = h.platform.add(), h.platform.add(), h.platform.add()
    for doc, pages in ((read, 3), (given, 5)):
        object_id = h.platform.documents[doc].files[0].object_id
        h.platform.objects[object_id] = (UBND, pdf_of_pages(pages))
    file = (await h.call(h.api.AddDocuments, pb.AddDocumentsRequest(
        file_id=file.id, version=file.version, document_ids=[read, given, unreadable]), OFFICER)).file
    missing = await h.refused(h.api.CloseFile, pb.CloseFileRequest(file_id=file.id, version=file.version), OFFICER)
    assert missing.code() == grpc.StatusCode.INVALID_ARGUMENT and unreadable in (missing.details() or "")
    assert read not in (missing.details() or "") and given not in (missing.details() or "")
    file = (await h.call(h.api.CloseFile, pb.CloseFileRequest(
        file_id=file.id, version=file.version, page_amounts={given: 4, unreadable: 2}), OFFICER)).file
    assert {d.document_id: d.page_amount for d in file.documents} == {read: 3, given: 4, unreadable: 2}
    assert file.page_total == 9


def test_a_pdf_pdfium_cannot_open_gives_no_page_count() -> None:
    from vanthu_records.pages import pdf_pages

    assert pdf_pages(pdf_of_pages(2)) == 2
    assert pdf_pages(b"%PDF-1.7\nkhong phai pdf") is None
    assert pdf_pages(pdf_of_pages(0)) is None


async def test_the_plan_names_its_issuing_decision_and_its_forms_print_it(harness: Harness) -> None:
    """Issue 16 (second round): the leader approves the plan with the decision issuing it (số, ngày quyết định ban
    hành danh mục hồ sơ, Decree 30/2020 Art. 28): both or neither, a decision number's shape, dated in the plan's
    year or the one before and not after today (the clock: 2031-06-11); both forms print it."""
    import openpyxl
    import pypdfium2

    h = harness
    draft = await h.draft_plan()
    for number, day, field in (("15/QĐ-UBND", "", "decision_date"), ("", "2031-01-05", "decision_number"),
                               ("QĐ-UBND", "2031-01-05", "decision_number"), ("15/", "2031-01-05", "decision_number"),
                               ("15/QĐ-UBND", "2031-06-12", "decision_date"),  # tomorrow
                               ("15/QĐ-UBND", "2029-12-30", "decision_date"),  # two years before the plan's
                               ("15/QĐ-UBND", "05/01/2031", "decision_date")):
        refused = await h.refused(h.api.ApprovePlan, pb.ApprovePlanRequest(
            plan_id=draft.id, version=draft.version, decision_number=number, decision_date=day), LEADER)
        assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT and field in dict(field_violations(refused)), number
    plan = (await h.call(h.api.ApprovePlan, pb.ApprovePlanRequest(
        plan_id=draft.id, version=draft.version, decision_number="15/QĐ-UBND", decision_date="2030-12-28"),
        LEADER)).plan
    assert (plan.state, plan.decision_number, plan.decision_date) == ("approved", "15/QĐ-UBND", "2030-12-28")
    got = (await h.call(h.api.GetPlan, pb.GetPlanRequest(plan_id=plan.id), OFFICER)).plan
    assert (got.decision_number, got.decision_date) == ("15/QĐ-UBND", "2030-12-28")
    line = "15/QĐ-UBND ngày 28 tháng 12 năm 2030 của"
    xlsx = await h.call(h.api.ExportPlan, pb.ExportPlanRequest(plan_id=plan.id, format="xlsx"), OFFICER)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert any(line in str(c.value) for row in sheet.iter_rows() for c in row if c.value)
    pdf = await h.call(h.api.ExportPlan, pb.ExportPlanRequest(plan_id=plan.id, format="pdf"), OFFICER)
    document = pypdfium2.PdfDocument(pdf.content)
    text = document[0].get_textpage().get_text_range()
    document.close()
    assert line in " ".join(text.split())
