"""``/api/v1/documents``, ``/api/v1/registers``, ``/api/v1/document-types``: văn bản đi/đến, sổ đăng ký.

The gateway only translates: the registry checks every field, role and agency again.
"""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any, Literal

import grpc
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from google.protobuf import json_format
from pydantic import BaseModel, BeforeValidator, Field, StringConstraints

from vanthu.common.v1 import common_pb2
from vanthu.registry.v1 import documents_pb2 as pb
from vanthu.workflow.v1 import workflow_pb2
from vanthu_core import policy
from vanthu_core.auth import Principal
from vanthu_core.errors import DomainError, FailedPrecondition, Unavailable
from vanthu_core.policy import DOCUMENTS, WORKFLOW
from vanthu_core.spreadsheet import XLSX_TYPE
from vanthu_gateway.access import calls
from vanthu_gateway.auth import authenticated, forward
from vanthu_gateway.disposition import attachment
from vanthu_gateway.routes import document_sheet
from vanthu_gateway.schema import IsoDate, NonNegativeInt32, RequestBody, ResponseBody, SearchWords

router = APIRouter(prefix="/api/v1", tags=["documents"])
User = Annotated[Principal, Depends(authenticated)]
Id = Annotated[str, Field(max_length=64)]
#: Signing and issuing call the signing service (timestamps, several files): longer than an ordinary call.
ACT_TIMEOUT_S = 150.0


class Signer(RequestBody):
    name: str = ""
    title: str = ""
    competence: Literal["", "TM.", "KT.", "TL.", "TUQ.", "Q."] = ""
    subject: str = Field("", max_length=64, description="the signer's account when chosen from your agency's people "
                                                        "(GET /api/v1/people): a deputy signs under their delegation")


class Recipient(RequestBody):
    agency_code: str = ""
    name: str = ""


class DocumentFile(RequestBody):
    object_id: str = Field(max_length=64, description="an upload of your agency (POST /api/v1/files)")
    sha256: str = Field("", max_length=64, description="optional; when given it must match the stored file")
    role: Literal["main", "attachment"] = "main"
    file_name: str = Field("", max_length=255, description="empty: the uploaded file's name")


class SignerOut(Signer, ResponseBody):
    pass


class RecipientOut(Recipient, ResponseBody):
    pass


class DocumentFileOut(DocumentFile, ResponseBody):
    content_type: str = ""


class Sender(RequestBody):
    agency_code: str = ""
    agency_name: str = ""
    number_symbol: str = ""
    document_date: IsoDate | None = None


class DocumentIn(RequestBody):
    """A draft (outgoing) or an arrival entered from paper (incoming)."""

    direction: Literal["outgoing", "incoming"] = "outgoing"
    type_code: str = Field(description="a type of Decree 30/2020 (see /api/v1/document-types), e.g. quyet_dinh")
    abstract: str = Field(description="trích yếu")
    urgency: Literal["normal", "urgent", "very_urgent", "express"] = "normal"
    confidentiality: str = Field("none", description="anything but 'none' is refused: classified documents are "
                                                      "never handled electronically")
    drafting_unit: str = ""
    unit_abbreviation: str = Field("", description="used in a letter's symbol: 456/UBND-VX")
    signer: Signer = Signer()
    place: str = ""
    recipients: list[Recipient] = Field(default_factory=list, max_length=500)
    files: list[DocumentFile] = Field(default_factory=list, max_length=50)
    answers_document_id: str = ""
    due_date: IsoDate | None = None
    sender: Sender | None = None
    legal_normative: bool = Field(False, description="văn bản quy phạm pháp luật: numbered in its type's own series, "
                                                     "the year in its symbol (12/2026/QĐ-UBND)")
    exchange_form: Literal["", "electronic", "electronic_and_paper"] = Field(
        "", description="incoming only: how the sender sends it (electronic_and_paper: bản giấy sẽ gửi kèm); an "
                        "outgoing document takes its type's form from the exchange catalogue when numbered")
    paper: bool = Field(False, description="incoming only: entered from a paper original, its files scans (no "
                                           "digital signature to verify: signature_check unsigned)")


class DocumentCreate(DocumentIn):
    agency_code: str = Field("", description="services only; people act for their own agency")


class DraftUpdate(DocumentIn):
    expected_version: NonNegativeInt32 = Field(
        0, description="refuse the change if the draft changed meanwhile (0: don't check)")


class DocumentOut(BaseModel):
    id: str
    agency_code: str
    direction: str
    status: str
    type_code: str
    abstract: str
    urgency: str
    drafting_unit: str
    unit_abbreviation: str
    signer: SignerOut
    place: str
    recipients: list[RecipientOut]
    files: list[DocumentFileOut]
    answers_document_id: str
    due_date: str
    issuing_agency_code: str
    issuing_agency_name: str
    number_symbol: str
    document_date: str
    register_id: str
    number: int
    numbered_at: str
    duplicate_of: str
    signature_check: str = Field("", description="incoming: pending, valid, or invalid (flagged on arrival); "
                                 "unsigned: a paper arrival entered by hand (scans: nothing to verify)")
    signature_note: str = ""
    signature_signers: list[str] = Field(default_factory=list, description=(
        "incoming: who signed its files and when, one line a signature (\"Nguyễn Văn Hưởng — Chủ tịch (Ủy ban nhân "
        "dân tỉnh Vĩnh Long), ký lúc 09:31 01/12/2026\"); empty until verified"))
    signed_by: str = Field("", description="outgoing: the competent person who signed the main file")
    signed_at: str = ""
    seal_error: str = Field("", description="status numbered: why the seal failed; issue again to complete it")
    legal_normative: bool = False
    arrived_at: str = Field("", description="incoming: when it arrived (the register book's Ngày đến)")
    exchange_form: str = Field("", description=(
        "electronic (chỉ gửi điện tử) or electronic_and_paper (gửi điện tử và bản giấy: the paper original is also "
        "sent); outgoing: the exchange catalogue's form for its type when numbered (empty before); incoming: the "
        "sender's"))
    reason: str
    created_by: str
    created_at: str
    updated_at: str
    version: int
    revocation: str = Field("", description="thu hồi/cập nhật. Incoming: requested (the sender asked: accept or "
                                            "refuse), accepted, refused; outgoing: pending (frozen), settled")
    revocation_reason: str = ""
    revocation_kind: str = Field("", description="revoke (thu hồi) or update (cập nhật)")
    replaces_document_id: str = Field("", description="thay thế: the arrival this one replaces")
    replaced_by_document_id: str = Field("", description="thay thế: the arrival that replaced this one")
    audience: list[str] = Field(default_factory=list, description=(
        "who inside the agency sees it: * (everyone), role:<role>, unit:<unit code>, user:<subject>"))


class DocumentPage(BaseModel):
    items: list[DocumentOut]
    next_page_token: str | None


class RegisterIn(RequestBody):
    direction: Literal["outgoing", "incoming", "copy"] = Field(description="copy: sổ bản sao (SY, SL, TrS)")
    name: str
    agency_abbreviation: str = ""
    type_codes: list[str] = Field(default_factory=list, max_length=40, description=(
        "outgoing: the types numbered here; none: every type of its kind no other register lists"))
    legal_normative: bool = Field(False, description="outgoing: numbers VB QPPL (lists exactly one type)")
    separate_arrival_series: bool = Field(False, description="incoming: a second arrival series, opened on purpose")


class RegisterOut(RegisterIn, ResponseBody):
    id: str
    agency_code: str
    active: bool
    next_number: int = Field(0, description=(
        "the number this year's series gives next (Vietnam time; 0 for a closed register): a hint shown before phát "
        "hành — the number is taken when the document is numbered, so another issue meanwhile moves it on"))


class DocumentTypeOut(BaseModel):
    code: str
    name: str
    abbreviation: str
    agency_code: str
    exchange_form: str = Field("electronic", description=(
        "your agency's exchange catalogue (danh mục gửi nhận): electronic (chỉ gửi điện tử) or electronic_and_paper "
        "(gửi điện tử và bản giấy)"))
    exchange_form_set_by: str = Field("", description="who set it last (empty: the default, never set)")
    exchange_form_set_at: str = ""


class ExchangeFormIn(RequestBody):
    exchange_form: Literal["electronic", "electronic_and_paper"] = Field(
        description="electronic: chỉ gửi điện tử; electronic_and_paper: gửi điện tử và bản giấy")


class DocumentTypeIn(RequestBody):
    code: str
    name: str
    abbreviation: str


class IssueIn(RequestBody):
    register_id: Id = Field("", description="empty: the register that covers the document's type and kind")


class RegisterArrivalIn(RequestBody):
    register_id: Id = Field("", description="empty: the agency's one incoming register for the document's type")
    confirm_duplicate: bool = False
    confirm_signature_problem: bool = Field(False, description="register although the signature check is invalid "
                                                               "or still pending (a reason is required)")
    reason: str = ""


class ReasonIn(RequestBody):
    reason: str


class HistoryOut(BaseModel):
    at: str
    actor: str
    action: str
    changes: dict[str, Any]
    note: str


def _documents(request: Request) -> Any:
    return request.app.state.clients.documents


def _dict(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True,
                                     always_print_fields_with_no_presence=True)


def _out(document: pb.Document) -> DocumentOut:
    return DocumentOut.model_validate(_dict(document))


def _input(body: DocumentIn) -> pb.DocumentInput:
    data = body.model_dump(mode="json", exclude={"agency_code", "expected_version"}, exclude_none=True)
    return json_format.ParseDict(data, pb.DocumentInput())


@router.get("/document-types", response_model=list[DocumentTypeOut], tags=["registers"],
            summary="Document types: the 29 of Decree 30/2020 and your agency's own")
@calls(DOCUMENTS + "ListDocumentTypes")
async def list_types(request: Request, principal: User) -> list[DocumentTypeOut]:
    reply = await _documents(request).ListDocumentTypes(pb.ListDocumentTypesRequest(), metadata=forward(principal))
    return [DocumentTypeOut.model_validate(_dict(t)) for t in reply.types]


@router.post("/document-types", response_model=DocumentTypeOut, status_code=201, tags=["registers"],
             summary="Add a specialised document type for your agency (admin)")
@calls(DOCUMENTS + "CreateDocumentType")
async def create_type(request: Request, principal: User, body: DocumentTypeIn) -> DocumentTypeOut:
    reply = await _documents(request).CreateDocumentType(pb.CreateDocumentTypeRequest(type=pb.DocumentType(
        code=body.code, name=body.name, abbreviation=body.abbreviation)), metadata=forward(principal))
    return DocumentTypeOut.model_validate(_dict(reply.type))


@router.put("/document-types/{code}/exchange-form", response_model=DocumentTypeOut, tags=["registers"],
            summary="Set how your agency sends documents of a type: electronic only, or with the paper original too "
                    "(danh mục gửi nhận; admin)")
@calls(DOCUMENTS + "SetExchangeForm")
async def set_exchange_form(request: Request, principal: User, code: Annotated[str, Path(max_length=40)],
                            body: ExchangeFormIn) -> DocumentTypeOut:
    reply = await _documents(request).SetExchangeForm(pb.SetExchangeFormRequest(
        type_code=code, exchange_form=body.exchange_form), metadata=forward(principal))
    return DocumentTypeOut.model_validate(_dict(reply.type))


@router.get("/registers", response_model=list[RegisterOut], tags=["registers"], summary="Your agency's registers")
@calls(DOCUMENTS + "ListRegisters")
async def list_registers(request: Request, principal: User,
                         direction: Literal["outgoing", "incoming", "copy"] | None = None) -> list[RegisterOut]:
    reply = await _documents(request).ListRegisters(pb.ListRegistersRequest(direction=direction or ""),
                                                    metadata=forward(principal))
    return [RegisterOut.model_validate(_dict(r)) for r in reply.registers]


@router.post("/registers", response_model=RegisterOut, status_code=201, tags=["registers"],
             summary="Open a register (clerk, admin)")
@calls(DOCUMENTS + "CreateRegister")
async def create_register(request: Request, principal: User, body: RegisterIn) -> RegisterOut:
    reply = await _documents(request).CreateRegister(pb.CreateRegisterRequest(register=pb.Register(
        **body.model_dump())), metadata=forward(principal))
    return RegisterOut.model_validate(_dict(reply.register))


BOOK_MEDIA_TYPES = {"text/csv": {"schema": {"type": "string"}},
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {
                        "schema": {"type": "string", "format": "binary"}},
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}


@router.get("/registers/{register_id}/export", tags=["registers"], response_class=Response,
            responses={200: {"description": "the book (X-Row-Count: its lines)", "content": BOOK_MEDIA_TYPES}},
            summary="The register book for a period, as CSV, printable XLSX or PDF to bind (Decree 30, Appendix IV)")
@calls(DOCUMENTS + "ExportRegister")
async def export_register(request: Request, principal: User, register_id: str, date_from: IsoDate, date_to: IsoDate,
                          format: Literal["csv", "xlsx", "pdf"] = "csv") -> Response:
    reply = await _documents(request).ExportRegister(pb.ExportRegisterRequest(
        register_id=register_id, date_from=date_from.isoformat(), date_to=date_to.isoformat(), format=format),
        metadata=forward(principal))
    return Response(content=reply.content, media_type=reply.content_type,
                    headers={"Content-Disposition": attachment(reply.file_name),
                             "X-Row-Count": str(reply.rows)})


@router.post("/documents", response_model=DocumentOut, status_code=201,
             summary="Create an outgoing draft, or enter an incoming document received on paper")
@calls(DOCUMENTS + "CreateDocument")
async def create_document(request: Request, principal: User, body: DocumentCreate) -> DocumentOut:
    reply = await _documents(request).CreateDocument(pb.CreateDocumentRequest(
        document=_input(body), agency_code=body.agency_code), metadata=forward(principal))
    return _out(reply.document)


Status = Literal["draft", "submitted", "signed", "numbered", "issued", "arrived", "registered", "rejected",
                 "cancelled", "revoked"]


def document_filters(
    type_code: Annotated[str | None, Query(max_length=40)] = None,
    register_id: Annotated[str | None, Query(max_length=64)] = None,
    status: Status | None = None,
    date_from: IsoDate | None = None, date_to: IsoDate | None = None,
    date_field: Annotated[Literal["document", "arrival"], Query(
        description="the date date_from/date_to bound: the document's own date (ngày văn bản) or, for arrivals, the "
                    "day it arrived (ngày đến: the incoming register book's period, as its export)")] = "document",
    issuing_agency_code: Annotated[str | None, Query(max_length=35)] = None,
    issuer_q: Annotated[SearchWords | None, Query(max_length=200, description=(
        "words of the issuing agency's name (cơ quan ban hành), with or without tones: a sender typed by hand, "
        "which has no code"))] = None,
    q: Annotated[SearchWords | None, Query(max_length=200, description="words of the abstract, with or without "
                                                                       "tones")] = None,
    revocation: Annotated[Literal["requested", "accepted", "refused", "pending", "settled"] | None, Query(
        description="thu hồi, cập nhật: only the documents whose revocation is in this state (requested: arrivals "
                    "whose sender asked, waiting for the clerk's answer)")] = None,
    answers_document_id: Annotated[str | None, Query(
        max_length=64, description="văn bản trả lời: only the documents that answer this one")] = None,
    mine: Annotated[bool, Query(description="only the documents the caller drafted")] = False,
) -> pb.ListDocumentsRequest:
    """The filters a list of documents and its export share, as the registry's request (direction and page apart)."""
    return pb.ListDocumentsRequest(
        type_code=type_code or "", register_id=register_id or "", status=status or "",
        date_from=date_from.isoformat() if date_from else "", date_to=date_to.isoformat() if date_to else "",
        date_field=date_field, issuing_agency_code=issuing_agency_code or "", text=q or "",
        issuer_text=issuer_q or "", revocation=revocation or "", answers_document_id=answers_document_id or "",
        mine=mine)


Filters = Annotated[pb.ListDocumentsRequest, Depends(document_filters)]


def _one_id(value: object) -> object:
    """One document's id per ``ids``: a comma-separated list (``ids=a,b``) is refused saying how to send several."""
    if isinstance(value, str) and "," in value:
        raise ValueError("mỗi tham số ids là mã của một văn bản; nhiều văn bản thì lặp lại tham số: ids=…&ids=…, "
                         "không ngăn cách bằng dấu phẩy")
    return value


@router.get("/documents", response_model=DocumentPage, summary="List your agency's documents, newest first")
@calls(DOCUMENTS + "ListDocuments")
async def list_documents(
    request: Request, principal: User, filters: Filters,
    direction: Literal["outgoing", "incoming"] | None = None,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    page_token: Annotated[str | None, Query(max_length=2048)] = None,
    ids: Annotated[list[Annotated[str, BeforeValidator(_one_id), StringConstraints(max_length=36)]] | None, Query(
        max_length=200, description="only these documents (those you do not see are left out): a list of tasks "
                                    "showing its documents' số, ký hiệu, sender, date and urgency")] = None,
) -> DocumentPage:
    filters.direction = direction or ""
    filters.ids.extend(ids or [])
    filters.page.CopyFrom(common_pb2.PageRequest(page_size=page_size, page_token=page_token or ""))
    reply = await _documents(request).ListDocuments(filters, metadata=forward(principal))
    return DocumentPage(items=[_out(d) for d in reply.documents], next_page_token=reply.page.next_page_token or None)


class TooManyExports(DomainError):
    """A person's second export while their first is being written (429)."""

    code = grpc.StatusCode.RESOURCE_EXHAUSTED


#: The most lines an export writes; a longer list is refused (422) asking for narrower filters.
EXPORT_MAX_ROWS = 10_000
#: Documents asked of the registry per page while exporting (its largest page).
EXPORT_PAGE = 500


@router.get("/documents/export", response_class=StreamingResponse,
            responses={200: {"description": "the list as filtered, every page (X-Row-Count: its lines)",
                             "content": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}},
            summary="The list of documents as filtered (the same filters as the list), every page, as an XLSX "
                    f"workbook with Vietnamese headers (Xuất Excel; at most {EXPORT_MAX_ROWS} lines)")
@calls(DOCUMENTS + "ListDocuments", DOCUMENTS + "ListDocumentTypes")
async def export_documents(request: Request, principal: User, filters: Filters,
                           direction: Literal["outgoing", "incoming"],
                           format: Literal["xlsx"] = "xlsx") -> StreamingResponse:
    """Pages through ListDocuments with the caller's token (what the caller sees, as the list shows it), refuses more
    than :data:`EXPORT_MAX_ROWS` lines before writing anything, and streams the workbook. One export at a time per
    person: a second one while the first is being written is 429."""
    running: set[str] | None = getattr(request.app.state, "document_exports", None)
    if running is None:
        running = request.app.state.document_exports = set()
    person = f"{principal.agency}/{principal.subject}"
    if person in running:
        raise TooManyExports("Đồng chí đang xuất một danh sách khác: đợi tệp đó tải xong rồi xuất tiếp.")
    running.add(person)
    try:
        documents = _documents(request)
        filters.direction = direction
        found: list[pb.Document] = []
        token = ""
        while True:
            filters.page.CopyFrom(common_pb2.PageRequest(page_size=EXPORT_PAGE, page_token=token))
            reply = await documents.ListDocuments(filters, metadata=forward(principal))
            found.extend(reply.documents)
            token = reply.page.next_page_token
            if len(found) > EXPORT_MAX_ROWS:
                most = f"{EXPORT_MAX_ROWS:,}".replace(",", ".")  # 10.000, as Vietnamese writes it
                raise FailedPrecondition(f"Danh sách lọc được có hơn {most} văn bản, quá số dòng một lần xuất Excel: "
                                         "hãy thu hẹp bộ lọc (khoảng ngày, loại văn bản, sổ) rồi xuất lại.")
            if not token:
                break
        types = await documents.ListDocumentTypes(pb.ListDocumentTypesRequest(), metadata=forward(principal))
        names = {t.code: t.name for t in types.types}
        spool = await asyncio.to_thread(document_sheet.workbook, direction, found, names)
    finally:
        running.discard(person)
    name = "Văn bản đến" if direction == "incoming" else "Văn bản đi"
    period = "_".join(day for day in (filters.date_from, filters.date_to) if day)
    return StreamingResponse(document_sheet.chunks(spool), media_type=XLSX_TYPE, headers={
        "Content-Disposition": attachment(f"{name}{'_' + period if period else ''}.xlsx"),
        "X-Row-Count": str(len(found))})


@router.get("/documents/{document_id}", response_model=DocumentOut, summary="One document")
@calls(DOCUMENTS + "GetDocument")
async def get_document(request: Request, principal: User, document_id: str) -> DocumentOut:
    reply = await _documents(request).GetDocument(pb.GetDocumentRequest(id=document_id), metadata=forward(principal))
    return _out(reply.document)


@router.put("/documents/{document_id}", response_model=DocumentOut,
            summary="Change a draft (one in its approval circuit: by its drafter, while it is returned to them)")
@calls(DOCUMENTS + "GetDocument", DOCUMENTS + "UpdateDraft", WORKFLOW + "ReviseOutgoing")
async def update_draft(request: Request, principal: User, document_id: str, body: DraftUpdate) -> DocumentOut:
    """A draft its circuit governs is changed through the workflow (ReviseOutgoing: only by its drafter while the
    draft is returned to them, so what was approved is what is signed); any other draft by the registry directly.
    A person whose roles never change drafts is refused first, as the registry would refuse them."""
    policy.check(policy.access(DOCUMENTS + "UpdateDraft"), principal, DOCUMENTS + "UpdateDraft")
    current = (await _documents(request).GetDocument(pb.GetDocumentRequest(id=document_id),
                                                     metadata=forward(principal))).document
    if current.in_circuit:
        workflow = request.app.state.clients.workflow
        if workflow is None:
            raise Unavailable("Dịch vụ xử lý công việc chưa được triển khai trên hệ thống này: báo quản trị hệ thống.")
        revised = await workflow.ReviseOutgoing(workflow_pb2.ReviseOutgoingRequest(
            document_id=document_id, document=_input(body), expected_version=body.expected_version),
            metadata=forward(principal))
        return _out(revised.document)
    reply = await _documents(request).UpdateDraft(pb.UpdateDraftRequest(
        id=document_id, document=_input(body), expected_version=body.expected_version), metadata=forward(principal))
    return _out(reply.document)


@router.post("/documents/{document_id}/submit", response_model=DocumentOut,
             summary="Submit a draft for signature (trình ký): its main file and attachments are PDFs (the drafter)")
@calls(DOCUMENTS + "SubmitDocument")
async def submit(request: Request, principal: User, document_id: str) -> DocumentOut:
    reply = await _documents(request).SubmitDocument(pb.SubmitDocumentRequest(id=document_id),
                                                     metadata=forward(principal))
    return _out(reply.document)


@router.post("/documents/{document_id}/return", response_model=DocumentOut,
             summary="Send a submitted draft back to its drafter with the reason (leader, head)")
@calls(DOCUMENTS + "ReturnDocument")
async def return_draft(request: Request, principal: User, document_id: str, body: ReasonIn) -> DocumentOut:
    reply = await _documents(request).ReturnDocument(pb.ReturnDocumentRequest(id=document_id, reason=body.reason),
                                                     metadata=forward(principal))
    return _out(reply.document)


@router.post("/documents/{document_id}/sign", response_model=DocumentOut,
             summary="Sign a submitted document as the competent person (ký số; leader, head of the agency, with "
                     "your own signing profile): the signed PDF replaces the main file")
@calls(DOCUMENTS + "SignDocument")
async def sign(request: Request, principal: User, document_id: str) -> DocumentOut:
    reply = await _documents(request).SignDocument(pb.SignDocumentRequest(id=document_id),
                                                   metadata=forward(principal), timeout=ACT_TIMEOUT_S)
    return _out(reply.document)


@router.post("/documents/{document_id}/issue", response_model=DocumentOut,
             summary="Issue (ban hành) a signed document in one act (clerk): the register's next number and today's "
                     "date, stamped and sealed with the agency's signature; attachments signed. If the seal fails "
                     "the document stays numbered (seal_error says why): the same call completes it")
@calls(DOCUMENTS + "IssueDocument")
async def issue(request: Request, principal: User, document_id: str, body: IssueIn | None = None) -> DocumentOut:
    reply = await _documents(request).IssueDocument(pb.IssueDocumentRequest(
        id=document_id, register_id=body.register_id if body else ""), metadata=forward(principal),
        timeout=ACT_TIMEOUT_S)
    return _out(reply.document)


@router.post("/documents/{document_id}/register", response_model=DocumentOut,
             summary="Register an arrival (vào sổ): take the next arrival number (clerk); with no register named, "
                     "the agency's one incoming register")
@calls(DOCUMENTS + "RegisterDocument")
async def register(request: Request, principal: User, document_id: str,
                   body: RegisterArrivalIn | None = None) -> DocumentOut:
    body = body or RegisterArrivalIn()
    reply = await _documents(request).RegisterDocument(pb.RegisterDocumentRequest(
        id=document_id, register_id=body.register_id, confirm_duplicate=body.confirm_duplicate,
        confirm_signature_problem=body.confirm_signature_problem, reason=body.reason), metadata=forward(principal))
    return _out(reply.document)


@router.post("/documents/{document_id}/reject", response_model=DocumentOut,
             summary="Reject an arrival, with the reason (clerk)")
@calls(DOCUMENTS + "RejectDocument")
async def reject(request: Request, principal: User, document_id: str, body: ReasonIn) -> DocumentOut:
    reply = await _documents(request).RejectDocument(pb.RejectDocumentRequest(id=document_id, reason=body.reason),
                                                     metadata=forward(principal))
    return _out(reply.document)


@router.post("/documents/{document_id}/cancel", response_model=DocumentOut,
             summary="Cancel a document; an issued one keeps its number (clerk, leader)")
@calls(DOCUMENTS + "CancelDocument")
async def cancel(request: Request, principal: User, document_id: str, body: ReasonIn) -> DocumentOut:
    reply = await _documents(request).CancelDocument(pb.CancelDocumentRequest(id=document_id, reason=body.reason),
                                                     metadata=forward(principal))
    return _out(reply.document)


@router.get("/documents/{document_id}/history", response_model=list[HistoryOut],
            summary="Every change: who, when, what")
@calls(DOCUMENTS + "GetDocumentHistory")
async def history(request: Request, principal: User, document_id: str) -> list[HistoryOut]:
    reply = await _documents(request).GetDocumentHistory(pb.GetDocumentHistoryRequest(id=document_id),
                                                         metadata=forward(principal))
    return [HistoryOut(at=e.at, actor=e.actor, action=e.action, changes=json.loads(e.changes_json or "{}"),
                       note=e.note) for e in reply.entries]


class AccessLogEntryOut(BaseModel):
    at: str
    subject: str
    username: str
    action: Literal["view", "download", "link", "stat"] = Field(
        description="view (opened), download (a file), link (a download link made), stat (a file's details read)")
    object_id: str = Field(description="the file, for a download or a link")
    client: str = Field(description="the application used (the token's client: vanthu-web, ...)")


class AccessLogPage(BaseModel):
    items: list[AccessLogEntryOut]
    next_page_token: str | None


@router.get("/documents/{document_id}/access-log", response_model=AccessLogPage,
            summary="Nhật ký truy cập: who opened the document and downloaded its files (Decree 30 Appendix VI, "
                    "III.5.a)")
@calls(DOCUMENTS + "GetDocumentAccessLog")
async def access_log(request: Request, principal: User, document_id: Annotated[str, Path(max_length=64)],
                     page_size: Annotated[int, Query(ge=1, le=500)] = 50,
                     page_token: Annotated[str, Query(max_length=2048)] = "") -> AccessLogPage:
    reply = await _documents(request).GetDocumentAccessLog(pb.GetDocumentAccessLogRequest(
        id=document_id, page=common_pb2.PageRequest(page_size=page_size, page_token=page_token)),
        metadata=forward(principal))
    return AccessLogPage(items=[AccessLogEntryOut.model_validate(_dict(e)) for e in reply.entries],
                         next_page_token=reply.page.next_page_token or None)


@router.post("/documents/{document_id}/revocation/accept", response_model=DocumentOut,
             summary="Accept the sender's revocation or update of an arrival (clerk; status 15 goes back): a revoked "
                     "arrival's content is removed, its trail kept")
@calls(DOCUMENTS + "AcceptRevocation")
async def accept_revocation(request: Request, principal: User, document_id: str) -> DocumentOut:
    reply = await _documents(request).AcceptRevocation(pb.AcceptRevocationRequest(id=document_id),
                                                       metadata=forward(principal))
    return _out(reply.document)


@router.post("/documents/{document_id}/revocation/refuse", response_model=DocumentOut,
             summary="Refuse the sender's revocation or update of an arrival, with the reason (clerk; status 16 goes "
                     "back)")
@calls(DOCUMENTS + "RefuseRevocation")
async def refuse_revocation(request: Request, principal: User, document_id: str, body: ReasonIn) -> DocumentOut:
    reply = await _documents(request).RefuseRevocation(pb.RefuseRevocationRequest(id=document_id,
                                                                                  reason=body.reason),
                                                       metadata=forward(principal))
    return _out(reply.document)
