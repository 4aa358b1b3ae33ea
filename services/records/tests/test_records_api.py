"""Records through its real gRPC server, on SQLite and PostgreSQL: the plan drafted, approved and frozen; files
opened, filled, closed, deposited; roles, tenancy (another agency: NOT_FOUND), per-document visibility, optimistic
concurrency, the append-only history, the archive's access log, reminders, export and import."""

from __future__ import annotations

import io
import zipfile
from datetime import date, timedelta
from pathlib import Path

import grpc
import pytest
from sqlalchemy import text

from vanthu.records.v1 import events_pb2 as ev
from vanthu.records.v1 import records_pb2 as pb
from vanthu_records.platform import CaseDocuments

from .conftest import SNV, UBND, Harness

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
    assert frozen.code() == grpc.StatusCode.FAILED_PRECONDITION and "frozen" in frozen.details()
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
    assert "the file is collecting" in illegal.details()


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
    events = await h.events()
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


async def test_the_archive_librarys_rules_refuse_a_malformed_file_naming_the_field(harness: Harness) -> None:
    h = harness
    refused = await h.refused(h.api.OpenFile, pb.OpenFileRequest(
        title="Hồ sơ ngoài danh mục", notation="TCCB-01", retention_years=10, start_date="2031-01-05"), OFFICER)
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT and "notation" in refused.details()
    file = (await h.call(h.api.OpenFile, pb.OpenFileRequest(
        title="Hồ sơ ngoài danh mục", notation="07.VP", retention_years=10, start_date="2031-01-05"), OFFICER)).file
    assert file.file_code == f"{UBND}.2031.07.VP" and not file.plan_entry_id
