"""``/api/v1/records``: hồ sơ và lưu trữ cơ quan (issue 16) — the file plan (danh mục hồ sơ) drafted by the clerk or
archivist and approved by the leader; files (hồ sơ) opened, filled with documents, closed; deposit (nộp lưu)
submitted by the file's creator, accepted or returned by the archivist; the Appendix V forms; export and import.

Every rule (roles, tenancy, the state machine, versions) is the records service's; these routes translate.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from google.protobuf import json_format
from pydantic import BaseModel, Field

from vanthu.common.v1 import common_pb2
from vanthu.records.v1 import records_pb2 as pb
from vanthu_core.auth import Principal
from vanthu_core.errors import Unavailable
from vanthu_core.policy import RECORDS
from vanthu_gateway.access import calls
from vanthu_gateway.auth import authenticated, forward
from vanthu_gateway.disposition import attachment
from vanthu_gateway.schema import INT32_MAX, IsoDate, RequestBody

router = APIRouter(prefix="/api/v1/records", tags=["records"])
User = Annotated[Principal, Depends(authenticated)]
Id = Annotated[str, Field(min_length=1, max_length=100)]
Version = Annotated[int, Field(ge=1, le=INT32_MAX, description="the version of the plan or file as read")]
Retention = Annotated[int, Field(ge=0, le=100, description="thời hạn bảo quản: 0 = vĩnh viễn, else years")]
PDF_MEDIA = {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}
FORM_MEDIA = {**PDF_MEDIA, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
    "schema": {"type": "string", "format": "binary"}}}
#: Accepting a deposit locks and augments every file; export and import move whole packages (seconds).
LONG_S = 300.0
ZIP_MEDIA = {"application/zip": {"schema": {"type": "string", "format": "binary"}}}


# -- models ------------------------------------------------------------------------------------------------------

class PlanEntryIn(RequestBody):
    id: str = Field("", max_length=100, description="keep an existing entry's id; empty for a new entry")
    title: str = Field(max_length=500)
    retention_years: Retention
    creator: str = Field("", max_length=200, description="đơn vị / người lập hồ sơ as typed (plans written before "
                                                         "the picker); replaced by the person's name when "
                                                         "creator_subject names one")
    notes: str = Field("", max_length=500)
    creator_subject: str = Field("", max_length=100, description="người lập hồ sơ picked from the directory "
                                                                 "(GET /api/v1/people): the person's subject; the "
                                                                 "service checks they belong to the caller's agency")


class PlanSubheadingIn(RequestBody):
    title: str = Field(max_length=500)
    entries: list[PlanEntryIn] = Field(default_factory=list, max_length=500)


class PlanHeadingIn(RequestBody):
    title: str = Field(max_length=500)
    abbreviation: str = Field(max_length=10, description="TCCB → notations 01.TCCB, 02.TCCB…")
    entries: list[PlanEntryIn] = Field(default_factory=list, max_length=500)
    subheadings: list[PlanSubheadingIn] = Field(default_factory=list, max_length=50)


class PlanEntryOut(BaseModel):
    id: str
    number: int
    notation: str
    title: str
    retention_years: int
    creator: str = Field(description="người lập hồ sơ as the plan prints it: the picked person's name, or the text "
                                     "written before")
    notes: str
    creator_subject: str = Field("", description="the picked person's subject; empty for text written before")


class PlanSubheadingOut(BaseModel):
    number: int
    title: str
    entries: list[PlanEntryOut]


class PlanHeadingOut(BaseModel):
    numeral: str
    title: str
    abbreviation: str
    entries: list[PlanEntryOut]
    subheadings: list[PlanSubheadingOut]


class PlanOut(BaseModel):
    id: str
    agency_code: str
    year: int
    plan_version: int
    state: str = Field(description="draft, submitted (chờ duyệt), approved (frozen), superseded")
    title: str
    numbering: str = Field(description="continuous or per_heading")
    headings: list[PlanHeadingOut]
    created_by: str
    approved_by: str
    approved_at: str
    created_at: str
    updated_at: str
    version: int
    revises_plan_id: str
    decision_number: str = Field("", description="the issuing decision's number and notation (15/QĐ-UBND)")
    decision_date: str = Field("", description="the issuing decision's date (YYYY-MM-DD)")
    submitted_by: str = Field("", description="who submitted it for approval last (username)")
    submitted_at: str = Field("", description="when (ISO 8601, +07:00)")
    return_reason: str = Field("", description="why a leader returned it (while it is a draft again)")


class PlansOut(BaseModel):
    plans: list[PlanOut]


class CreatePlanIn(RequestBody):
    year: int = Field(ge=1900, le=2200)
    title: str = Field("", max_length=500)
    revise_plan_id: str = Field("", max_length=100, description="a new version of this approved plan")


class UpdatePlanIn(RequestBody):
    version: Version
    title: str = Field(max_length=500)
    numbering: Literal["continuous", "per_heading"] = "continuous"
    headings: list[PlanHeadingIn] = Field(max_length=50)


class RecordVersionIn(RequestBody):
    version: Version


class ApprovePlanIn(RecordVersionIn):
    decision_number: str = Field("", max_length=50, description="số và ký hiệu of the decision issuing the plan "
                                                                "(15/QĐ-UBND); with decision_date, or neither")
    decision_date: str = Field("", max_length=10, description="its date, YYYY-MM-DD (the plan's year or the one "
                                                              "before; not after today)")


class ObjectVersionOut(BaseModel):
    object_id: str
    sha256: str
    size: int
    kind: str = Field(description="original, deposited, augmented")
    created_at: str
    retain_until: str
    legal_hold: bool
    timestamp_expires_at: str


class RecordedFileOut(BaseModel):
    role: str
    file_name: str
    content_type: str
    object_id: str = Field(description="the newest version's object")
    sha256: str
    versions: list[ObjectVersionOut]


class FileDocumentOut(BaseModel):
    document_id: str
    ordinal: int
    document_code: str
    direction: str
    type_name: str
    code_number: str
    code_notation: str
    issued_date: str
    organ_name: str
    subject: str
    language: str
    page_amount: int
    description: str
    signer: str
    keywords: str
    mode: str
    confidence_level: str
    files: list[RecordedFileOut]
    added_by: str
    added_at: str


class FileOut(BaseModel):
    id: str
    agency_code: str
    file_code: str
    year: int
    notation: str
    title: str
    retention_years: int
    rights: str
    language: str
    creator: str
    creator_username: str
    start_date: str
    end_date: str
    document_total: int
    page_total: int
    description: str
    keywords: str
    plan_id: str
    plan_entry_id: str
    state: str = Field(description="open, collecting, closed, submitted, returned, retained, deposited")
    closed_at: str
    deposit_deadline: str
    deposit_due: bool
    deposit_overdue: bool
    submitted_at: str
    deposited_at: str
    deposited_by: str
    return_reason: str
    retain_approval: str
    documents: list[FileDocumentOut]
    created_at: str
    updated_at: str
    version: int
    unit: str


class FilesOut(BaseModel):
    files: list[FileOut]
    next_cursor: str | None


class AddedOut(BaseModel):
    file: FileOut
    already_present: list[str]


class OpenFileIn(RequestBody):
    plan_entry_id: str = Field("", max_length=100, description="open from this entry of an approved plan")
    title: str = Field("", max_length=500)
    notation: str = Field("", max_length=20, description="số và ký hiệu hồ sơ (outside the plan)")
    retention_years: Retention | None = None
    start_date: IsoDate | None = None
    language: str = Field("", max_length=50)
    rights: str = Field("", max_length=30)
    description: str = Field("", max_length=500)
    unit: str = Field("", max_length=200)
    year: int = Field(0, ge=0, le=2200)


class AddDocumentsIn(RequestBody):
    version: Version
    document_ids: list[Id] = Field(default_factory=list, max_length=200)
    case_id: str = Field("", max_length=100, description="a completed processing case: its documents")


class CloseFileIn(RequestBody):
    version: Version
    title: str = Field("", max_length=500)
    retention_years: Retention | None = None
    end_date: IsoDate | None = None
    description: str = Field("", max_length=500)
    keywords: str = Field("", max_length=500)
    page_amounts: dict[Id, Annotated[int, Field(ge=1, le=9999)]] = Field(
        default_factory=dict, max_length=999, description="document id → pages, for documents without a count")


class PlanReturnIn(RequestBody):
    version: Version
    reason: str = Field(min_length=1, max_length=2000, description="lý do trả lại")


class DepositReturnIn(RequestBody):
    version: Version
    reason: str = Field(min_length=1, max_length=500)


class ReopenIn(RequestBody):
    version: Version
    comment: str = Field("", max_length=2000, description="what the creator is about to correct (optional)")


class RetainIn(RequestBody):
    version: Version
    approval: str = Field(min_length=1, max_length=500, description="the approval (văn bản đồng ý)")
    years: int = Field(ge=1, le=2)


class RecordHistoryEntryOut(BaseModel):
    action: str
    from_state: str
    to_state: str
    actor: str
    actor_name: str
    at: str
    comment: str


class RecordHistoryOut(BaseModel):
    entries: list[RecordHistoryEntryOut]


class AccessOut(BaseModel):
    file_id: str
    document_id: str
    action: str
    actor: str
    at: str


class AccessLogOut(BaseModel):
    entries: list[AccessOut]


class RenewIn(RequestBody):
    within_days: int = Field(ge=1, le=3650)


class RenewOut(BaseModel):
    renewed: int


# -- helpers -----------------------------------------------------------------------------------------------------

def _records(request: Request) -> Any:
    stub = request.app.state.clients.records
    if stub is None:
        raise Unavailable("Dịch vụ hồ sơ chưa được triển khai trên hệ thống này: báo quản trị hệ thống.")
    return stub


def _dict(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True,
                                     always_print_fields_with_no_presence=True)


def _plan(message: pb.Plan) -> PlanOut:
    return PlanOut.model_validate(_dict(message))


def _file(message: pb.RecordFile) -> FileOut:
    return FileOut.model_validate(_dict(message))


def _download(reply: Any) -> Response:
    return Response(content=reply.content, media_type=reply.content_type,
                    headers={"Content-Disposition": attachment(reply.file_name)})


def _entries(items: list[PlanEntryIn]) -> list[pb.PlanEntry]:
    return [pb.PlanEntry(id=e.id, title=e.title, retention_years=e.retention_years, creator=e.creator, notes=e.notes,
                         creator_subject=e.creator_subject) for e in items]


# -- the file plan -----------------------------------------------------------------------------------------------

@router.get("/plans", response_model=PlansOut, summary="The file plans of the caller's agency (danh mục hồ sơ)")
@calls(RECORDS + "ListPlans")
async def list_plans(request: Request, principal: User,
                     year: Annotated[int, Query(ge=0, le=2200, description="0: every year")] = 0) -> PlansOut:
    reply = await _records(request).ListPlans(pb.ListPlansRequest(year=year), metadata=forward(principal))
    return PlansOut(plans=[_plan(p) for p in reply.plans])


@router.post("/plans", response_model=PlanOut, status_code=201,
             summary="Draft the file plan of a year, or a new version of the approved one (clerk, archivist)")
@calls(RECORDS + "CreatePlan")
async def create_plan(request: Request, principal: User, body: CreatePlanIn) -> PlanOut:
    reply = await _records(request).CreatePlan(pb.CreatePlanRequest(
        year=body.year, title=body.title, revise_plan_id=body.revise_plan_id), metadata=forward(principal))
    return _plan(reply.plan)


@router.get("/plans/{plan_id}", response_model=PlanOut, summary="A file plan with its headings and entries")
@calls(RECORDS + "GetPlan")
async def get_plan(request: Request, principal: User, plan_id: str) -> PlanOut:
    reply = await _records(request).GetPlan(pb.GetPlanRequest(plan_id=plan_id), metadata=forward(principal))
    return _plan(reply.plan)


@router.put("/plans/{plan_id}", response_model=PlanOut,
            summary="Replace a draft plan's outline: headings (I, II…), sub-headings (1, 2…), entries; numbers and "
                    "notations are computed (clerk, archivist)")
@calls(RECORDS + "UpdatePlan")
async def update_plan(request: Request, principal: User, plan_id: str, body: UpdatePlanIn) -> PlanOut:
    reply = await _records(request).UpdatePlan(pb.UpdatePlanRequest(
        plan_id=plan_id, version=body.version, title=body.title, numbering=body.numbering,
        headings=[pb.PlanHeading(title=h.title, abbreviation=h.abbreviation, entries=_entries(h.entries),
                                 subheadings=[pb.PlanSubheading(title=s.title, entries=_entries(s.entries))
                                              for s in h.subheadings]) for h in body.headings]),
        metadata=forward(principal))
    return _plan(reply.plan)


@router.post("/plans/{plan_id}/submit", response_model=PlanOut,
             summary="Submit (trình duyệt) a draft plan to the leaders, who are notified (clerk, archivist)")
@calls(RECORDS + "SubmitPlan")
async def submit_plan(request: Request, principal: User, plan_id: str, body: RecordVersionIn) -> PlanOut:
    reply = await _records(request).SubmitPlan(pb.SubmitPlanRequest(plan_id=plan_id, version=body.version),
                                               metadata=forward(principal))
    return _plan(reply.plan)


@router.post("/plans/{plan_id}/return", response_model=PlanOut,
             summary="Return (trả lại) a submitted plan with a reason: a draft again, its submitter notified (leader)")
@calls(RECORDS + "ReturnPlan")
async def return_plan(request: Request, principal: User, plan_id: str, body: PlanReturnIn) -> PlanOut:
    reply = await _records(request).ReturnPlan(pb.ReturnPlanRequest(plan_id=plan_id, version=body.version,
                                                                    reason=body.reason), metadata=forward(principal))
    return _plan(reply.plan)


@router.post("/plans/{plan_id}/approve", response_model=PlanOut,
             summary="Approve (phê duyệt) a draft or submitted plan: frozen from then on, its submitter notified "
                     "(leader)")
@calls(RECORDS + "ApprovePlan")
async def approve_plan(request: Request, principal: User, plan_id: str, body: ApprovePlanIn) -> PlanOut:
    reply = await _records(request).ApprovePlan(pb.ApprovePlanRequest(
        plan_id=plan_id, version=body.version, decision_number=body.decision_number,
        decision_date=body.decision_date), metadata=forward(principal))
    return _plan(reply.plan)


@router.get("/plans/{plan_id}/export", response_class=Response,
            responses={200: {"description": "the plan as Appendix V's form", "content": FORM_MEDIA}},
            summary="The file plan printed (Decree 30, Appendix V): PDF or XLSX")
@calls(RECORDS + "ExportPlan")
async def export_plan(request: Request, principal: User, plan_id: str,
                      format: Literal["pdf", "xlsx"] = "pdf") -> Response:
    return _download(await _records(request).ExportPlan(pb.ExportPlanRequest(plan_id=plan_id, format=format),
                                                         metadata=forward(principal)))


# -- files -------------------------------------------------------------------------------------------------------

@router.get("/files", response_model=FilesOut,
            summary="Files of the caller's agency: their own, or every one for archivists, leaders and clerks")
@calls(RECORDS + "ListFiles")
async def list_files(request: Request, principal: User,
                     year: Annotated[int, Query(ge=0, le=2200)] = 0,
                     state: Literal["", "open", "collecting", "closed", "submitted", "returned", "retained",
                                    "deposited"] = "",
                     mine: bool = False,
                     deposit_due: Annotated[bool, Query(description="only files due or overdue for deposit")] = False,
                     limit: Annotated[int, Query(ge=1, le=200)] = 50,
                     cursor: Annotated[str, Query(max_length=100)] = "") -> FilesOut:
    reply = await _records(request).ListFiles(pb.ListFilesRequest(
        year=year, state=state, mine=mine, deposit_due=deposit_due,
        page=common_pb2.PageRequest(page_size=limit, page_token=cursor)), metadata=forward(principal))
    return FilesOut(files=[_file(f) for f in reply.files], next_cursor=reply.page.next_page_token or None)


@router.post("/files", response_model=FileOut, status_code=201,
             summary="Open a file (mở hồ sơ) from a plan entry, or outside the plan with its title, notation and "
                     "retention (officer, head, clerk, leader)")
@calls(RECORDS + "OpenFile")
async def open_file(request: Request, principal: User, body: OpenFileIn) -> FileOut:
    message = pb.OpenFileRequest(
        plan_entry_id=body.plan_entry_id, title=body.title, notation=body.notation,
        start_date=body.start_date.isoformat() if body.start_date else "", language=body.language,
        rights=body.rights, description=body.description, unit=body.unit, year=body.year)
    if body.retention_years is not None:
        message.retention_years = body.retention_years
    reply = await _records(request).OpenFile(message, metadata=forward(principal))
    return _file(reply.file)


@router.get("/files/{file_id}", response_model=FileOut, summary="A file with its documents and their metadata")
@calls(RECORDS + "GetFile")
async def get_file(request: Request, principal: User, file_id: str) -> FileOut:
    reply = await _records(request).GetFile(pb.GetFileRequest(file_id=file_id), metadata=forward(principal))
    return _file(reply.file)


@router.post("/files/{file_id}/documents", response_model=AddedOut,
             summary="Add documents the caller may open (issued outgoing, registered incoming), or a completed "
                     "case's, to their own file")
@calls(RECORDS + "AddDocuments")
async def add_documents(request: Request, principal: User, file_id: str, body: AddDocumentsIn) -> AddedOut:
    reply = await _records(request).AddDocuments(pb.AddDocumentsRequest(
        file_id=file_id, version=body.version, document_ids=body.document_ids, case_id=body.case_id),
        metadata=forward(principal))
    return AddedOut(file=_file(reply.file), already_present=list(reply.already_present))


@router.delete("/files/{file_id}/documents/{document_id}", response_model=FileOut,
               summary="Take a document out of an open file (the later ordinals move up)")
@calls(RECORDS + "RemoveDocument")
async def remove_document(request: Request, principal: User, file_id: str, document_id: str,
                          version: Annotated[int, Query(ge=1, le=INT32_MAX)]) -> FileOut:
    reply = await _records(request).RemoveDocument(pb.RemoveDocumentRequest(
        file_id=file_id, version=version, document_id=document_id), metadata=forward(principal))
    return _file(reply.file)


@router.post("/files/{file_id}/close", response_model=FileOut,
             summary="Close the file (kết thúc hồ sơ): missing metadata filled, retention re-checked")
@calls(RECORDS + "CloseFile")
async def close_file(request: Request, principal: User, file_id: str, body: CloseFileIn) -> FileOut:
    message = pb.CloseFileRequest(file_id=file_id, version=body.version, title=body.title,
                                  end_date=body.end_date.isoformat() if body.end_date else "",
                                  description=body.description, keywords=body.keywords,
                                  page_amounts=body.page_amounts)
    if body.retention_years is not None:
        message.retention_years = body.retention_years
    reply = await _records(request).CloseFile(message, metadata=forward(principal))
    return _file(reply.file)


@router.get("/files/{file_id}/contents", response_class=Response,
            responses={200: {"description": "mục lục văn bản (Appendix V.IV)", "content": PDF_MEDIA}},
            summary="The internal table of contents of a closed file (PDF)")
@calls(RECORDS + "ExportFileForm")
async def file_contents(request: Request, principal: User, file_id: str) -> Response:
    return _download(await _records(request).ExportFileForm(pb.ExportFileFormRequest(
        file_id=file_id, form="contents"), metadata=forward(principal)))


@router.get("/files/{file_id}/history", response_model=RecordHistoryOut, summary="Every step of the file, who and when")
@calls(RECORDS + "GetFileHistory")
async def file_history(request: Request, principal: User, file_id: str) -> RecordHistoryOut:
    reply = await _records(request).GetFileHistory(pb.GetFileHistoryRequest(file_id=file_id),
                                                   metadata=forward(principal))
    return RecordHistoryOut.model_validate(_dict(reply))


# -- deposit -----------------------------------------------------------------------------------------------------

@router.post("/files/{file_id}/submit", response_model=FileOut,
             summary="Deposit (nộp lưu) a closed file into the agency archive (the file's creator)")
@calls(RECORDS + "SubmitDeposit")
async def submit_deposit(request: Request, principal: User, file_id: str, body: RecordVersionIn) -> FileOut:
    reply = await _records(request).SubmitDeposit(pb.SubmitDepositRequest(file_id=file_id, version=body.version),
                                                  metadata=forward(principal))
    return _file(reply.file)


@router.post("/files/{file_id}/accept", response_model=FileOut,
             summary="Accept a deposit: objects locked for the retention period, signatures augmented to PAdES B-LTA "
                     "(archivist)")
@calls(RECORDS + "AcceptDeposit")
async def accept_deposit(request: Request, principal: User, file_id: str, body: RecordVersionIn) -> FileOut:
    reply = await _records(request).AcceptDeposit(pb.AcceptDepositRequest(file_id=file_id, version=body.version),
                                                  metadata=forward(principal), timeout=LONG_S)
    return _file(reply.file)


@router.post("/files/{file_id}/return", response_model=FileOut,
             summary="Return a deposit to its creator with reasons (archivist)")
@calls(RECORDS + "ReturnDeposit")
async def return_deposit(request: Request, principal: User, file_id: str, body: DepositReturnIn) -> FileOut:
    reply = await _records(request).ReturnDeposit(pb.ReturnDepositRequest(
        file_id=file_id, version=body.version, reason=body.reason), metadata=forward(principal))
    return _file(reply.file)


@router.post("/files/{file_id}/reopen", response_model=FileOut,
             summary="Reopen a file the archivist returned, to correct it and deposit it again (the file's creator)")
@calls(RECORDS + "ReopenFile")
async def reopen_file(request: Request, principal: User, file_id: str, body: ReopenIn) -> FileOut:
    reply = await _records(request).ReopenFile(pb.ReopenFileRequest(
        file_id=file_id, version=body.version, comment=body.comment), metadata=forward(principal))
    return _file(reply.file)


@router.post("/files/{file_id}/retain", response_model=FileOut,
             summary="Let the unit keep a closed file 1 or 2 more years, naming the approval (leader)")
@calls(RECORDS + "RetainFile")
async def retain_file(request: Request, principal: User, file_id: str, body: RetainIn) -> FileOut:
    reply = await _records(request).RetainFile(pb.RetainFileRequest(
        file_id=file_id, version=body.version, approval=body.approval, years=body.years),
        metadata=forward(principal))
    return _file(reply.file)


@router.get("/files/{file_id}/access-log", response_model=AccessLogOut,
            summary="Who read an archived file and when (archivist, leader, admin)")
@calls(RECORDS + "ListArchiveAccess")
async def access_log(request: Request, principal: User, file_id: str) -> AccessLogOut:
    reply = await _records(request).ListArchiveAccess(pb.ListArchiveAccessRequest(file_id=file_id),
                                                      metadata=forward(principal))
    return AccessLogOut.model_validate(_dict(reply))


@router.get("/deposit-forms", response_class=Response,
            responses={200: {"description": "biên bản giao nhận or mục lục hồ sơ nộp lưu", "content": PDF_MEDIA}},
            summary="The handover record or the list of deposited files (Appendix V), PDF (archivist, leader)")
@calls(RECORDS + "ExportDepositForm")
async def deposit_form(request: Request, principal: User, form: Literal["handover", "list"],
                       file_id: Annotated[list[str], Query(min_length=1, max_length=500)]) -> Response:
    return _download(await _records(request).ExportDepositForm(pb.ExportDepositFormRequest(
        form=form, file_ids=file_id), metadata=forward(principal)))


@router.post("/renew-timestamps", response_model=RenewOut,
             summary="Re-timestamp archived documents whose last timestamp expires within N days (archivist)")
@calls(RECORDS + "RenewTimestamps")
async def renew_timestamps(request: Request, principal: User, body: RenewIn) -> RenewOut:
    reply = await _records(request).RenewTimestamps(pb.RenewTimestampsRequest(within_days=body.within_days),
                                                    metadata=forward(principal), timeout=LONG_S)
    return RenewOut(renewed=reply.renewed)


# -- export and import -------------------------------------------------------------------------------------------

@router.get("/files/{file_id}/export", response_class=Response,
            responses={200: {"description": "metadata.xml, the files, manifest-sha256.txt", "content": ZIP_MEDIA}},
            summary="A closed or deposited file as one package (ZIP)")
@calls(RECORDS + "ExportFile")
async def export_file(request: Request, principal: User, file_id: str) -> Response:
    return _download(await _records(request).ExportFile(pb.ExportFileRequest(file_id=file_id),
                                                        metadata=forward(principal), timeout=LONG_S))


#: The import's body as the OpenAPI document declares it: the exported package's bytes (application/zip).
IMPORT_BODY = {"requestBody": {"required": True, "content": {"application/zip": {"schema": {
    "type": "string", "format": "binary"}}}}}


@router.post("/import", response_model=FileOut, status_code=201, openapi_extra=IMPORT_BODY,
             summary="Recreate a file from an exported package: the request body is the ZIP (archivist)")
@calls(RECORDS + "ImportFile")
async def import_file(request: Request, principal: User) -> FileOut:
    reply = await _records(request).ImportFile(pb.ImportFileRequest(content=await request.body()),
                                               metadata=forward(principal), timeout=LONG_S)
    return _file(reply.file)
