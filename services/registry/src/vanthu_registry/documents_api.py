"""gRPC servicer for documents, registers and types: proto <-> domain and permission checks.

Who may call each method is :data:`vanthu_core.policy.TABLE`'s to say (``vanthu.registry.v1.DocumentService/…``):
reads for anyone of the agency; drafts by officers, heads, leaders and clerks (submitted by their drafter); signing
and returning by leaders and heads; issuing, arrivals and copies by clerks; registers kept by clerks and admins.
Every method calls :func:`~vanthu_core.policy.require` for the caller and their agency: a person acts only within
their own agency (another agency's document or register is not found). A service token (interchange delivering an
arrival) names the agency it acts for.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime
from typing import Any

import grpc

from vanthu.common.v1 import common_pb2
from vanthu.registry.v1 import documents_pb2, documents_pb2_grpc
from vanthu_core import clients, policy
from vanthu_core.auth import Principal, current_principal
from vanthu_core.errors import DomainError, InvalidArgument, NotFound, PermissionDenied
from vanthu_core.numbers import bounded_int
from vanthu_core.spreadsheet import CSV_TYPE, XLSX_TYPE
from vanthu_core.text import clean_text, fold
from vanthu_core.timeutil import iso_vietnam
from vanthu_registry import exports
from vanthu_registry.documents_store import DATE_FIELDS, DocumentFilter, DocumentStore, NewArrival
from vanthu_registry.domain.agencies import check_code, parse_date
from vanthu_registry.domain.doctypes import LETTER, NAME_ABBREVIATION, DocumentType, check_type
from vanthu_registry.domain.documents import (
    DOCUMENT_ID,
    Competence,
    Confidentiality,
    Direction,
    DocumentFile,
    Draft,
    FileRole,
    Recipient,
    SenderInfo,
    Signer,
    Status,
    Urgency,
    check_metadata,
)
from vanthu_registry.domain.exchange import DEFAULT_FORM, check_form
from vanthu_registry.domain.registers import Register
from vanthu_registry.domain.revocation import Revocation
from vanthu_registry.exchange_catalogue import CatalogueEntry
from vanthu_registry.lifecycle import DocumentLifecycle
from vanthu_registry.register_import import read_book
from vanthu_registry.registers_store import RegisterBooks
from vanthu_registry.store import AgencyStore
from vanthu_registry.tables import HistoryEntry

MAX_EXPORT_DAYS = 366
#: What CheckFileAccess logs: a download, or a download link made.
FILE_ACTIONS = ("download", "link", "stat")
MAX_FILE_HOLDERS = 20
#: The most arrivals one RecordArrivals records (interchange's batches hold 64 by default).
MAX_ARRIVALS = 256


def _arrival_error(error: DomainError) -> documents_pb2.ArrivalResult:
    """The error one arrival of RecordArrivals met, as the status a CreateDocument of it would have answered."""
    return documents_pb2.ArrivalResult(error_code=error.code.value[0], error_message=error.message,
                                       error_field=getattr(error, "field", ""))


def _document_error(error: DomainError) -> documents_pb2.DocumentResult:
    """The error one item of GetDocuments met, as the status a GetDocument of it would have answered."""
    return documents_pb2.DocumentResult(error_code=error.code.value[0], error_message=error.message,
                                        error_field=getattr(error, "field", ""))


def _enum(field: str, enum: type[Any], value: str, default: Any = None) -> Any:
    if not value and default is not None:
        return default
    try:
        return enum(value)
    except ValueError:
        accepted = ", ".join(repr(e.value) for e in enum)
        raise InvalidArgument(field, f"phải là một trong các giá trị {accepted}.") from None


def _answered(value: str) -> str | None:
    """``ListDocumentsRequest.answers_document_id``: a document id (UUID) or empty; InvalidArgument otherwise."""
    value = value.strip()
    if value and not DOCUMENT_ID.match(value):
        raise InvalidArgument("answers_document_id", "phải là mã (UUID) của một văn bản, ví dụ "
                                                     "0192f0a1-7c3e-7b1a-9c1d-2f3e4a5b6c7d.")
    return value or None


def _mine(principal: Principal, mine: bool) -> str | None:
    """``ListDocumentsRequest.mine``: the caller's subject, a person's only (a service drafts nothing)."""
    if not mine:
        return None
    if principal.is_service or not principal.subject:
        raise InvalidArgument("mine", "chỉ một cán bộ mới lọc được văn bản mình soạn: hãy bỏ bộ lọc này.")
    return principal.subject


def _date_field(value: str) -> str:
    """``ListDocumentsRequest.date_field``: ``document`` (also when empty) or ``arrival``; InvalidArgument else."""
    if value and value not in DATE_FIELDS:
        raise InvalidArgument("date_field", "phải là 'document' (ngày văn bản) hoặc 'arrival' (ngày đến).")
    return value or "document"


#: The most documents ListDocuments takes by id (a list of tasks' page).
MAX_IDS = 200


def _ids(values: Any) -> tuple[str, ...]:
    """``ListDocumentsRequest.ids``: at most :data:`MAX_IDS` ids of at most 36 characters; InvalidArgument else."""
    ids = tuple(dict.fromkeys(v.strip() for v in values if v.strip()))
    if len(ids) > MAX_IDS:
        raise InvalidArgument("ids", f"tối đa {MAX_IDS} văn bản một lần (đã gửi {len(ids)}): hãy chia nhỏ danh sách.")
    if any(len(i) > 36 for i in ids):
        raise InvalidArgument("ids", "mỗi mã văn bản dài tối đa 36 ký tự.")
    return ids


def _iso(value: date | datetime | None) -> str:
    if value is None:
        return ""
    return iso_vietnam(value) if isinstance(value, datetime) else value.isoformat()


def draft_from_proto(d: documents_pb2.DocumentInput) -> Draft:
    """Field errors name the field as the REST body and ``DocumentInput`` spell it (``signer.name``)."""
    return check_metadata(Draft(
        direction=_document_direction(d.direction),
        type_code=d.type_code.strip(), abstract=d.abstract,
        urgency=_enum("urgency", Urgency, d.urgency, Urgency.NORMAL),
        confidentiality=_enum("confidentiality", Confidentiality, d.confidentiality, Confidentiality.NONE),
        drafting_unit=d.drafting_unit, unit_abbreviation=d.unit_abbreviation,
        signer=Signer(d.signer.name, d.signer.title,
                      _enum("signer.competence", Competence, d.signer.competence, Competence.OWN), d.signer.subject),
        place=d.place, recipients=[Recipient(r.agency_code.strip(), r.name) for r in d.recipients],
        files=[DocumentFile(f.object_id.strip(), f.sha256.strip().lower(), _enum(f"files[{i}].role", FileRole, f.role,
                                                                                 FileRole.MAIN), f.file_name)
               for i, f in enumerate(d.files)],
        answers_document_id=d.answers_document_id.strip(), due_date=parse_date("due_date", d.due_date),
        sender=SenderInfo(d.sender.agency_code.strip(), d.sender.agency_name, d.sender.number_symbol,
                          parse_date("sender.document_date", d.sender.document_date)),
        legal_normative=d.legal_normative, exchange_form=d.exchange_form, paper=d.paper))


def _document_direction(value: str) -> Direction:
    direction = _enum("direction", Direction, value, Direction.OUTGOING)
    if direction is Direction.COPY:
        raise InvalidArgument("direction", "văn bản là văn bản đi hoặc văn bản đến; bản sao được cấp số bằng chức "
                                           "năng cấp số bản sao.")
    return direction


def document_to_proto(doc: dict[str, Any]) -> documents_pb2.Document:
    return documents_pb2.Document(
        id=doc["id"], agency_code=doc["agency_code"], direction=doc["direction"], status=doc["status"],
        type_code=doc["type_code"], abstract=doc["abstract"], urgency=doc["urgency"],
        drafting_unit=doc["drafting_unit"], unit_abbreviation=doc["unit_abbreviation"],
        signer=documents_pb2.Signer(name=doc["signer_name"], title=doc["signer_title"],
                                    competence=doc["signer_competence"], subject=doc.get("signer_subject") or ""),
        place=doc["place"], recipients=[documents_pb2.Recipient(**r) for r in doc["recipients"]],
        files=[documents_pb2.DocumentFile(**f) for f in doc["files"]],
        answers_document_id=doc["answers_document_id"], due_date=_iso(doc["due_date"]),
        issuing_agency_code=doc["issuing_agency_code"], issuing_agency_name=doc["issuing_agency_name"],
        number_symbol=doc["number_symbol"], document_date=_iso(doc["document_date"]),
        register_id=doc["register_id"] or "", number=doc["number"] or 0, numbered_at=_iso(doc["numbered_at"]),
        duplicate_of=doc["duplicate_of"], reason=doc["reason"], created_by=doc["created_by"],
        signature_check=doc["signature_check"], signature_note=doc["signature_note"],
        signature_signers=doc.get("signature_signers") or [],
        signed_by=doc["signed_by"], signed_at=_iso(doc["signed_at"]), seal_error=doc["seal_error"],
        created_at=_iso(doc["created_at"]), updated_at=_iso(doc["updated_at"]), version=doc["version"],
        legal_normative=doc["legal_normative"], arrived_at=_iso(doc["arrived_at"]), imported=doc["imported"],
        exchange_form=doc["exchange_form"],
        revocation=doc["revocation"], revocation_reason=doc["revocation_reason"],
        revocation_kind=doc["revocation_kind"], replaces_document_id=doc["replaces_document_id"],
        replaced_by_document_id=doc["replaced_by_document_id"], audience=doc.get("audience") or [],
        in_circuit=bool(doc.get("in_circuit")), drafter_subject=doc.get("drafter_subject") or "")


def _type_to_proto(t: DocumentType, entry: CatalogueEntry | None) -> documents_pb2.DocumentType:
    """A type with the caller's agency's exchange form for it (the default when the agency never set it)."""
    return documents_pb2.DocumentType(
        code=t.code, name=t.name, abbreviation=t.abbreviation, agency_code=t.agency_code or "",
        exchange_form=(entry.form if entry else DEFAULT_FORM).value, exchange_form_set_by=entry.set_by if entry else "",
        exchange_form_set_at=_iso(entry.set_at) if entry else "")


def register_to_proto(r: Register) -> documents_pb2.Register:
    return documents_pb2.Register(id=r.id, agency_code=r.agency_code, direction=r.direction.value, name=r.name,
                                  agency_abbreviation=r.agency_abbreviation, type_codes=list(r.type_codes),
                                  active=r.active, legal_normative=r.legal_normative,
                                  separate_arrival_series=r.separate_arrival_series)


def _signing_authority(request: documents_pb2.SignDocumentRequest | documents_pb2.PrepareSignDocumentRequest,
                       ) -> tuple[str, str, str]:
    """The signing authority a (prepared) signature stamps, checked: (competence "KT."/"TUQ." or "", the person signed
    for, the signer's own position), the last two given only with a competence (Decree 30/2020 Art. 13).
    :class:`InvalidArgument` naming the field otherwise."""
    competence = request.competence.strip()
    if competence not in ("", "KT.", "TUQ."):
        raise InvalidArgument("competence", "khi ký theo ủy quyền phải là 'KT.' (ký thay) hoặc 'TUQ.' (thừa ủy "
                                            "quyền).")
    on_behalf_of = clean_text("on_behalf_of", request.on_behalf_of, max_len=100, required=False)
    if bool(competence) != bool(on_behalf_of):
        raise InvalidArgument("on_behalf_of", "thẩm quyền ký theo ủy quyền phải ghi người được ký thay (ghi cả "
                                              "hai hoặc bỏ trống cả hai).")
    position = clean_text("signer_position", request.signer_position, max_len=100, required=False)
    if position and not competence:
        raise InvalidArgument("signer_position", "chức vụ của chính người ký đi kèm thẩm quyền ký theo ủy quyền.")
    return competence, on_behalf_of, position


def _through_circuit() -> bool:
    """Whether the workflow vouched for the person's call: it comes through its outgoing circuit
    (:attr:`vanthu_core.policy.Access.vouched_by`)."""
    return policy.vouched_by() == clients.WORKFLOW


class DocumentApi(documents_pb2_grpc.DocumentServiceServicer):
    def __init__(self, documents: DocumentStore, agencies: AgencyStore, lifecycle: DocumentLifecycle,
                 on_commit: Any = None) -> None:
        self.documents = documents
        self.books = RegisterBooks(documents)
        self.agencies = agencies
        self.lifecycle = lifecycle
        self.on_commit = on_commit or (lambda: None)

    # -- types and registers -------------------------------------------------------------------
    async def ListDocumentTypes(self, request: documents_pb2.ListDocumentTypesRequest,
                                context: grpc.aio.ServicerContext) -> documents_pb2.ListDocumentTypesResponse:
        _, agency = policy.require()
        catalogue = await self.documents.exchange.entries(agency)
        return documents_pb2.ListDocumentTypesResponse(types=[
            _type_to_proto(t, catalogue.get(t.code)) for t in await self.documents.types(agency)])

    async def SetExchangeForm(self, request: documents_pb2.SetExchangeFormRequest,
                              context: grpc.aio.ServicerContext) -> documents_pb2.SetExchangeFormResponse:
        """Danh mục gửi nhận: the agency's admin puts one of the agency's types on the electronic-only list or on
        the list sent with the paper original too."""
        principal, agency = policy.require()
        form = check_form("exchange_form", request.exchange_form)
        assert form is not None
        type_code = clean_text("type_code", request.type_code, max_len=40)
        doc_type, entry = await self.documents.exchange.set_form(
            agency_code=agency, type_code=type_code, form=form, actor=principal.username or principal.subject)
        return documents_pb2.SetExchangeFormResponse(type=_type_to_proto(doc_type, entry))

    async def CreateDocumentType(self, request: documents_pb2.CreateDocumentTypeRequest,
                                 context: grpc.aio.ServicerContext) -> documents_pb2.CreateDocumentTypeResponse:
        _, agency = policy.require()
        t = await self.documents.add_type(check_type(request.type.code.strip(), request.type.name,
                                                     request.type.abbreviation, agency))
        return documents_pb2.CreateDocumentTypeResponse(type=_type_to_proto(t, None))

    async def CreateRegister(self, request: documents_pb2.CreateRegisterRequest,
                             context: grpc.aio.ServicerContext) -> documents_pb2.CreateRegisterResponse:
        principal, agency = policy.require()
        r = request.register
        direction = _enum("direction", Direction, r.direction)
        abbreviation = clean_text("agency_abbreviation", r.agency_abbreviation, max_len=20,
                                  required=direction is Direction.OUTGOING)
        if abbreviation and not NAME_ABBREVIATION.match(abbreviation):
            raise InvalidArgument("agency_abbreviation", "chỉ gồm chữ, số và '&' giữa hai chữ, không có dấu cách (ví "
                                                         "dụ UBND, SNN&PTNT).")
        register = await self.documents.create_register(
            agency_code=agency, direction=direction, name=clean_text("name", r.name, max_len=200),
            agency_abbreviation=abbreviation, type_codes=[c.strip() for c in r.type_codes],
            legal_normative=r.legal_normative, separate_arrival_series=r.separate_arrival_series,
            actor=principal.username or principal.subject)
        return documents_pb2.CreateRegisterResponse(register=register_to_proto(register))

    async def ListRegisters(self, request: documents_pb2.ListRegistersRequest,
                            context: grpc.aio.ServicerContext) -> documents_pb2.ListRegistersResponse:
        _, agency = policy.require()
        direction = _enum("direction", Direction, request.direction) if request.direction else None
        registers = [register_to_proto(r) for r in await self.documents.registers(agency, direction)]
        following = await self.documents.next_numbers([r.id for r in registers if r.active])
        for register in registers:
            register.next_number = following.get(register.id, 0)
        return documents_pb2.ListRegistersResponse(registers=registers)

    async def ExportRegister(self, request: documents_pb2.ExportRegisterRequest,
                             context: grpc.aio.ServicerContext) -> documents_pb2.ExportRegisterResponse:
        _, agency = policy.require()
        date_from, date_to = parse_date("date_from", request.date_from), parse_date("date_to", request.date_to)
        if date_from is None or date_to is None:
            raise InvalidArgument("date_from" if date_from is None else "date_to", "chưa nhập: hãy chọn ngày "
                                                                                   "(YYYY-MM-DD).")
        if date_to < date_from or (date_to - date_from).days > MAX_EXPORT_DAYS:
            raise InvalidArgument("date_to", f"phải bằng hoặc sau Từ ngày, cách nhiều nhất {MAX_EXPORT_DAYS} ngày.")
        fmt = request.format or "csv"
        if fmt not in ("csv", "xlsx", "pdf"):
            raise InvalidArgument("format", "phải là 'csv', 'xlsx' hoặc 'pdf' (sổ để in và đóng quyển).")
        register, docs = await self.documents.register_entries(agency, request.register_id, date_from, date_to)
        names = {t.code: t.name for t in await self.documents.types(agency)}
        lines = exports.rows(register, docs, names)
        stem = f"{exports.file_stem(register.name)}-{date_from.isoformat()}-{date_to.isoformat()}"
        if fmt == "csv":
            return documents_pb2.ExportRegisterResponse(file_name=f"{stem}.csv", content_type=CSV_TYPE,
                                                        content=exports.to_csv(register, lines), rows=len(lines))
        try:
            agency_name = (await self.agencies.get(agency)).name
        except NotFound:
            agency_name = agency
        if fmt == "pdf":
            from vanthu_registry import register_pdf  # reportlab: imported by a PDF export, not at start

            content = await asyncio.to_thread(register_pdf.to_pdf, register, agency_name, date_from, date_to, lines)
            return documents_pb2.ExportRegisterResponse(file_name=f"{stem}.pdf", content_type=register_pdf.PDF_TYPE,
                                                        rows=len(lines), content=content)
        return documents_pb2.ExportRegisterResponse(
            file_name=f"{stem}.xlsx", content_type=XLSX_TYPE, rows=len(lines),
            content=exports.to_xlsx(register, agency_name, date_from, date_to, lines))

    # -- documents -----------------------------------------------------------------------------
    async def CreateDocument(self, request: documents_pb2.CreateDocumentRequest,
                             context: grpc.aio.ServicerContext) -> documents_pb2.CreateDocumentResponse:
        """A person drafts (officer, head, leader, clerk) or a clerk records an arrival, for their own agency; the
        interchange service records an arrival for the agency it names (its client is the one the access table
        lets create documents)."""
        principal = current_principal()
        document = request.document
        named_type: DocumentType | None = None
        if principal.is_service and not document.type_code.strip() and document.type_name.strip():
            # interchange names the sender's type (edXML TypeName): the agency's type of that name, else công văn
            document = documents_pb2.DocumentInput()
            document.CopyFrom(request.document)
            named_type = await self._named_type(request.agency_code.strip(), request.document.type_name)
            document.type_code = named_type.code if named_type is not None else LETTER
        draft = draft_from_proto(document)
        principal, agency = policy.require("incoming" if draft.direction is Direction.INCOMING else None)
        if principal.is_service:
            # a service acting for an agency names it
            if not request.agency_code:
                raise InvalidArgument("agency_code", "dịch vụ phải nói rõ thay mặt cơ quan nào.")
            agency = check_code(request.agency_code.strip(), "agency_code")[0]
            if request.arrival_key and draft.direction is not Direction.INCOMING:
                raise InvalidArgument("arrival_key", "chỉ văn bản đến (nhận qua trục liên thông) mới có mã này: hãy "
                                                     "để trống.")
        else:
            if request.agency_code and request.agency_code.strip() != agency:
                raise PermissionDenied("Đồng chí chỉ tạo được văn bản cho cơ quan mình.")
            if request.arrival_key:
                raise InvalidArgument("arrival_key", "chỉ dịch vụ liên thông mới ghi nhận văn bản đến qua trục: hãy "
                                                     "để trống.")
            if request.document.replaces_document_id:
                raise InvalidArgument("replaces_document_id", "chỉ dịch vụ liên thông mới ghi nhận văn bản thay thế: "
                                                              "hãy để trống.")
        try:
            agency_name = (await self.agencies.get(agency)).name
        except NotFound:
            raise InvalidArgument("agency_code", f"{agency} không có trong danh bạ cơ quan: hãy chọn cơ quan trong "
                                                 "danh bạ.") from None
        doc = await self.lifecycle.create(principal, agency_code=agency, agency_name=agency_name, draft=draft,
                                          actor=principal.username or principal.subject, doc_type=named_type,
                                          arrival_key=clean_text("arrival_key", request.arrival_key, max_len=200,
                                                                 required=False),
                                          replaces_document_id=clean_text(
                                              "replaces_document_id", request.document.replaces_document_id,
                                              max_len=36, required=False))
        self.on_commit()
        return documents_pb2.CreateDocumentResponse(document=document_to_proto(doc))

    async def RecordArrivals(self, request: documents_pb2.RecordArrivalsRequest,
                             context: grpc.aio.ServicerContext) -> documents_pb2.RecordArrivalsResponse:
        """The interchange service records several arrivals at once (those of the packages one of its consumer's
        batches took in), each as CreateDocument records one for the agency it names (an incoming document, with its
        ``arrival_key``; the type named by its sender's type name), in one transaction: one result per arrival, the
        document or the error that arrival alone met."""
        principal, _ = policy.require()  # the access table admits the interchange client only
        if len(request.arrivals) > MAX_ARRIVALS:
            raise InvalidArgument("arrivals", f"có {len(request.arrivals)} văn bản đến; mỗi lần ghi nhận tối đa "
                                              f"{MAX_ARRIVALS}.")
        results: list[documents_pb2.ArrivalResult | None] = [None] * len(request.arrivals)
        arrivals: list[NewArrival] = []
        places: list[int] = []
        names: dict[str, str] = {}
        types: dict[tuple[str, str], DocumentType | None] = {}
        for index, item in enumerate(request.arrivals):
            try:
                arrival = await self._arrival(item, names, types)
            except DomainError as error:
                results[index] = _arrival_error(error)
                continue
            if index < len(request.traceparents) and request.traceparents[index]:
                arrival.trace = {"traceparent": request.traceparents[index]}
            arrivals.append(arrival)
            places.append(index)
        made = await self.lifecycle.create_arrivals(arrivals, actor=principal.username or principal.subject)
        for index, result in zip(places, made, strict=True):
            results[index] = _arrival_error(result) if isinstance(result, DomainError) else \
                documents_pb2.ArrivalResult(document=document_to_proto(result))
        if any(isinstance(result, dict) for result in made):
            self.on_commit()
        return documents_pb2.RecordArrivalsResponse(results=[r for r in results if r is not None])

    async def _arrival(self, item: documents_pb2.CreateDocumentRequest, names: dict[str, str],
                       types: dict[tuple[str, str], DocumentType | None]) -> NewArrival:
        """One arrival of RecordArrivals, checked as CreateDocument checks a service's: an incoming document with
        its ``arrival_key`` for the agency it names (in the directory); ``names`` and ``types`` keep the agencies'
        names and the types read for the request's earlier arrivals."""
        agency = check_code(item.agency_code.strip(), "agency_code")[0] if item.agency_code.strip() else ""
        if not agency:
            raise InvalidArgument("agency_code", "dịch vụ phải nói rõ thay mặt cơ quan nào.")
        document = item.document
        named_type: DocumentType | None = None
        if not document.type_code.strip() and document.type_name.strip():
            document = documents_pb2.DocumentInput()
            document.CopyFrom(item.document)
            if (agency, fold(item.document.type_name)) not in types:
                types[(agency, fold(item.document.type_name))] = await self._named_type(agency,
                                                                                        item.document.type_name)
            named_type = types[(agency, fold(item.document.type_name))]
            document.type_code = named_type.code if named_type is not None else LETTER
        draft = draft_from_proto(document)
        if draft.direction is not Direction.INCOMING:
            raise InvalidArgument("direction", "chỉ ghi nhận văn bản đến (nhận qua trục liên thông).")
        key = clean_text("arrival_key", item.arrival_key, max_len=200, required=True)
        if agency not in names:
            try:
                names[agency] = (await self.agencies.get(agency)).name
            except NotFound:
                raise InvalidArgument("agency_code", f"{agency} không có trong danh bạ cơ quan: hãy chọn cơ quan "
                                                     "trong danh bạ.") from None
        return NewArrival(agency_code=agency, agency_name=names[agency], draft=draft, document_id="", arrival_key=key,
                          replaces_document_id=clean_text("replaces_document_id", item.document.replaces_document_id,
                                                          max_len=36, required=False),
                          doc_type=named_type)

    async def _type_named(self, agency_code: str, name: str) -> str:
        """The code of ``agency_code``'s type named ``name`` (case and diacritics ignored); công văn when none."""
        named = await self._named_type(agency_code, name)
        return named.code if named is not None else LETTER

    async def _named_type(self, agency_code: str, name: str) -> DocumentType | None:
        """``agency_code``'s type named ``name`` (case and diacritics ignored); công văn when none (None when even
        that is missing). CreateDocument reads it once and gives it to the store, which does not read it again."""
        wanted = fold(name)
        types = await self.documents.types(agency_code)
        return next((t for t in types if fold(t.name) == wanted), None) or \
            next((t for t in types if t.code == LETTER), None)

    async def UpdateDraft(self, request: documents_pb2.UpdateDraftRequest,
                          context: grpc.aio.ServicerContext) -> documents_pb2.UpdateDraftResponse:
        principal, agency = policy.require()
        draft = draft_from_proto(request.document)
        if draft.direction is not Direction.OUTGOING:
            raise InvalidArgument("direction", "chỉ dự thảo văn bản đi mới sửa được.")
        doc = await self.lifecycle.update_draft(agency_code=agency, document_id=request.id, draft=draft,
                                                actor=principal.username,
                                                expected_version=bounded_int("expected_version",
                                                                             request.expected_version),
                                                through_circuit=_through_circuit(),
                                                actor_subject=principal.subject, principal=principal)
        return documents_pb2.UpdateDraftResponse(document=document_to_proto(doc))

    async def GetDocument(self, request: documents_pb2.GetDocumentRequest,
                          context: grpc.aio.ServicerContext) -> documents_pb2.GetDocumentResponse:
        principal, agency = policy.require()
        if principal.is_service:
            # interchange reads an issued document of the agency it names (nothing before it is issued); search
            # any document of it, to index it (its own access filter applies each document's audience)
            if not request.agency_code.strip():
                raise InvalidArgument("agency_code", "dịch vụ phải nói rõ thay mặt cơ quan nào.")
            doc = await self.documents.get(check_code(request.agency_code.strip(), "agency_code")[0], request.id)
            if principal.client_id != clients.SEARCH and doc["status"] != Status.ISSUED.value:
                raise NotFound(f"Văn bản {request.id} chưa được ban hành.")
            found = documents_pb2.GetDocumentResponse(document=document_to_proto(doc))
            found.document.type_name = await self.documents.type_name(doc["agency_code"], doc["type_code"])
            return found
        if request.agency_code.strip() and request.agency_code.strip() != agency:
            raise NotFound(f"Không tìm thấy văn bản {request.id}: văn bản không tồn tại hoặc đã bị xóa.")
        return documents_pb2.GetDocumentResponse(document=document_to_proto(
            await self.documents.get(agency, request.id, principal)))

    async def GetDocuments(self, request: documents_pb2.GetDocumentsRequest,
                           context: grpc.aio.ServicerContext) -> documents_pb2.GetDocumentsResponse:
        """The interchange service reads several issued documents at once (those of one consumer batch), each as
        GetDocument reads one for it (an issued document of the agency it names), in one read: one result per item,
        the document or the error that item alone met."""
        policy.require()  # the access table admits the interchange client only
        if len(request.items) > MAX_ARRIVALS:
            raise InvalidArgument("items", f"có {len(request.items)} văn bản; mỗi lần đọc tối đa {MAX_ARRIVALS}.")
        results: list[documents_pb2.DocumentResult | None] = [None] * len(request.items)
        wanted: list[tuple[str, str]] = []
        places: list[int] = []
        for index, item in enumerate(request.items):
            try:
                if not item.agency_code.strip():
                    raise InvalidArgument("agency_code", "dịch vụ phải nói rõ thay mặt cơ quan nào.")
                wanted.append((check_code(item.agency_code.strip(), "agency_code")[0], item.id))
                places.append(index)
            except DomainError as error:
                results[index] = _document_error(error)
        for index, found in zip(places, await self.documents.get_many(wanted), strict=True):
            if isinstance(found, DomainError):
                results[index] = _document_error(found)
            elif found[0]["status"] != Status.ISSUED.value:
                results[index] = _document_error(NotFound(f"Văn bản {request.items[index].id} chưa được ban hành."))
            else:
                result = documents_pb2.DocumentResult(document=document_to_proto(found[0]))
                result.document.type_name = found[1]
                results[index] = result
        return documents_pb2.GetDocumentsResponse(results=[r for r in results if r is not None])

    async def ListDocuments(self, request: documents_pb2.ListDocumentsRequest,
                            context: grpc.aio.ServicerContext) -> documents_pb2.ListDocumentsResponse:
        principal, agency = policy.require()
        if principal.is_service:  # search, rebuilding its index: the agency it names
            if not request.agency_code.strip():
                raise InvalidArgument("agency_code", "dịch vụ phải nói rõ thay mặt cơ quan nào.")
            agency = check_code(request.agency_code.strip(), "agency_code")[0]
        elif request.agency_code.strip() and request.agency_code.strip() != agency:
            raise PermissionDenied("Đồng chí chỉ xem được danh sách văn bản của cơ quan mình.")
        filters = DocumentFilter(
            direction=_enum("direction", Direction, request.direction) if request.direction else None,
            type_code=request.type_code or None, register_id=request.register_id or None,
            status=_enum("status", Status, request.status) if request.status else None,
            date_from=parse_date("date_from", request.date_from), date_to=parse_date("date_to", request.date_to),
            issuing_agency_code=request.issuing_agency_code or None,
            text=clean_text("text", request.text, max_len=200, required=False) or None,
            issuer_text=clean_text("issuer_text", request.issuer_text, max_len=200, required=False) or None,
            ids=_ids(request.ids),
            date_field=_date_field(request.date_field),
            revocation=_enum("revocation", Revocation, request.revocation).value if request.revocation else None,
            answers_document_id=_answered(request.answers_document_id),
            drafter_subject=_mine(principal, request.mine))
        docs, token = await self.documents.find(agency, filters, request.page.page_size, request.page.page_token,
                                                principal)
        return documents_pb2.ListDocumentsResponse(documents=[document_to_proto(d) for d in docs],
                                                   page=common_pb2.PageResponse(next_page_token=token))

    async def SubmitDocument(self, request: documents_pb2.SubmitDocumentRequest,
                             context: grpc.aio.ServicerContext) -> documents_pb2.SubmitDocumentResponse:
        principal, agency = policy.require()
        doc = await self.lifecycle.submit(principal, agency_code=agency, document_id=request.id,
                                          through_circuit=_through_circuit())
        self.on_commit()
        return documents_pb2.SubmitDocumentResponse(document=document_to_proto(doc))

    async def EnterCircuit(self, request: documents_pb2.EnterCircuitRequest,
                           context: grpc.aio.ServicerContext) -> documents_pb2.EnterCircuitResponse:
        """The workflow's circuit starts on the drafter's draft (the workflow vouching for the drafter's call): from
        then on the document is submitted, returned, signed and issued only through the circuit."""
        principal, agency = policy.require()
        if not _through_circuit():
            raise PermissionDenied("Chỉ quy trình trình ký (dịch vụ quy trình) mới đưa văn bản vào quy trình: hãy bắt "
                                   "đầu quy trình từ mục Công việc.")
        document_id = clean_text("id", request.id, max_len=36)
        doc = await self.lifecycle.enter_circuit(principal, agency_code=agency, document_id=document_id)
        return documents_pb2.EnterCircuitResponse(document=document_to_proto(doc))

    async def ReturnDocument(self, request: documents_pb2.ReturnDocumentRequest,
                             context: grpc.aio.ServicerContext) -> documents_pb2.ReturnDocumentResponse:
        principal, agency = policy.require()
        doc = await self.documents.return_draft(agency_code=agency, document_id=request.id, actor=principal.username,
                                                reason=clean_text("reason", request.reason, max_len=500),
                                                through_circuit=_through_circuit())
        self.on_commit()
        return documents_pb2.ReturnDocumentResponse(document=document_to_proto(doc))

    async def SignDocument(self, request: documents_pb2.SignDocumentRequest,
                           context: grpc.aio.ServicerContext) -> documents_pb2.SignDocumentResponse:
        principal, agency = policy.require()
        competence, on_behalf_of, position = _signing_authority(request)
        try:
            handle = clean_text("handle", request.handle, max_len=64, required=False)
            if bool(handle) != bool(request.signature_value):
                raise InvalidArgument("signature_value", "ký số hai bước phải gửi cả mã phiên ký và giá trị chữ ký.")
            doc = await self.lifecycle.sign(principal, agency_code=agency, document_id=request.id,
                                            competence=competence, on_behalf_of=on_behalf_of, position=position,
                                            handle=handle, signature_value=request.signature_value,
                                            through_circuit=_through_circuit())
        finally:
            self.on_commit()
        return documents_pb2.SignDocumentResponse(document=document_to_proto(doc))

    async def PrepareSignDocument(self, request: documents_pb2.PrepareSignDocumentRequest,
                                  context: grpc.aio.ServicerContext) -> documents_pb2.PrepareSignDocumentResponse:
        """Step 1 of a two-step SignDocument: what the signer's key signs, the document showing the signing
        authority SignDocument stamps (the same checks of a delegation's competence, person and position)."""
        principal, agency = policy.require()
        competence, _, position = _signing_authority(request)
        r = await self.lifecycle.prepare_sign(principal, agency_code=agency, document_id=request.id,
                                              competence=competence, position=position,
                                              through_circuit=_through_circuit())
        return documents_pb2.PrepareSignDocumentResponse(
            handle=r.handle, to_sign=r.to_sign, digest=r.digest, digest_algorithm=r.digest_algorithm,
            signature_algorithm=r.signature_algorithm, expires_at=r.expires_at, page=r.box.page, x1=r.box.x1,
            y1=r.box.y1, x2=r.box.x2, y2=r.box.y2, image=r.image, authority=list(r.authority))

    async def IssueDocument(self, request: documents_pb2.IssueDocumentRequest,
                            context: grpc.aio.ServicerContext) -> documents_pb2.IssueDocumentResponse:
        principal, agency = policy.require()
        try:
            doc = await self.lifecycle.issue(principal, agency_code=agency, document_id=request.id,
                                             register_id=request.register_id, through_circuit=_through_circuit())
        finally:
            self.on_commit()
        return documents_pb2.IssueDocumentResponse(document=document_to_proto(doc))

    async def RegisterDocument(self, request: documents_pb2.RegisterDocumentRequest,
                               context: grpc.aio.ServicerContext) -> documents_pb2.RegisterDocumentResponse:
        principal, agency = policy.require()
        doc = await self.documents.register_arrival(
            agency_code=agency, document_id=request.id, register_id=request.register_id, actor=principal.username,
            confirm_duplicate=request.confirm_duplicate, confirm_signature_problem=request.confirm_signature_problem,
            reason=clean_text("reason", request.reason, max_len=500, required=False))
        self.on_commit()
        return documents_pb2.RegisterDocumentResponse(document=document_to_proto(doc))

    async def NumberCopy(self, request: documents_pb2.NumberCopyRequest,
                         context: grpc.aio.ServicerContext) -> documents_pb2.NumberCopyResponse:
        principal, agency = policy.require()
        if request.validate_only:
            await self.documents.check_copy(
                agency_code=agency, register_id=request.register_id, form=request.form,
                source_document_id=clean_text("source_document_id", request.source_document_id, max_len=36,
                                              required=False))
            return documents_pb2.NumberCopyResponse()
        copy = await self.lifecycle.number_copy(
            agency_code=agency, register_id=request.register_id, form=request.form,
            source_document_id=clean_text("source_document_id", request.source_document_id, max_len=36,
                                          required=False),
            object_id=clean_text("object_id", request.object_id, max_len=36, required=False),
            sha256=clean_text("sha256", request.sha256, max_len=64, required=False).lower(), actor=principal.username)
        self.on_commit()
        return documents_pb2.NumberCopyResponse(copy=documents_pb2.Copy(
            id=copy["id"], register_id=copy["register_id"], year=copy["register_year"], number=copy["number"],
            form=copy["form"], number_symbol=copy["number_symbol"], source_document_id=copy["source_document_id"],
            object_id=copy["object_id"], sha256=copy["sha256"], created_by=copy["created_by"],
            created_at=_iso(copy["created_at"])))

    async def RejectDocument(self, request: documents_pb2.RejectDocumentRequest,
                             context: grpc.aio.ServicerContext) -> documents_pb2.RejectDocumentResponse:
        principal, agency = policy.require()
        doc = await self.documents.reject(agency_code=agency, document_id=request.id, actor=principal.username,
                                          reason=clean_text("reason", request.reason, max_len=500))
        self.on_commit()
        return documents_pb2.RejectDocumentResponse(document=document_to_proto(doc))

    async def CancelDocument(self, request: documents_pb2.CancelDocumentRequest,
                             context: grpc.aio.ServicerContext) -> documents_pb2.CancelDocumentResponse:
        principal, agency = policy.require()
        doc = await self.lifecycle.cancel(agency_code=agency, document_id=request.id, actor=principal.username,
                                          reason=clean_text("reason", request.reason, max_len=500))
        self.on_commit()
        return documents_pb2.CancelDocumentResponse(document=document_to_proto(doc))

    # -- thu hồi, cập nhật ----------------------------------------------------------------------
    async def RecordRevocation(self, request: documents_pb2.RecordRevocationRequest,
                               context: grpc.aio.ServicerContext) -> documents_pb2.RecordRevocationResponse:
        """Interchange records what a sender asked of an arrival, or what an agency asked of its recipients."""
        principal, _ = policy.require()
        if not request.agency_code.strip():
            raise InvalidArgument("agency_code", "dịch vụ phải nói rõ thay mặt cơ quan nào.")
        agency = check_code(request.agency_code.strip(), "agency_code")[0]
        update = None
        if request.HasField("update"):
            content = documents_pb2.DocumentInput()
            content.CopyFrom(request.update)
            content.direction = "incoming"
            if not content.type_code.strip():  # the sender's type name, as for an arrival
                content.type_code = await self._type_named(agency, content.type_name)
            update = draft_from_proto(content)
        # the person who asked (the sender's clerk) when interchange names one; else the service itself
        actor = clean_text("actor", request.actor, max_len=255, required=False) or principal.username
        doc = await self.lifecycle.record_revocation(
            agency_code=agency, document_id=request.id,
            state=request.state, reason=clean_text("reason", request.reason, max_len=500, required=False),
            kind=request.kind, actor=actor or principal.subject, update=update)
        self.on_commit()
        return documents_pb2.RecordRevocationResponse(document=document_to_proto(doc))

    async def AcceptRevocation(self, request: documents_pb2.AcceptRevocationRequest,
                               context: grpc.aio.ServicerContext) -> documents_pb2.AcceptRevocationResponse:
        principal, agency = policy.require()
        doc = await self.lifecycle.accept_revocation(agency_code=agency, document_id=request.id,
                                                     actor=principal.username)
        self.on_commit()
        return documents_pb2.AcceptRevocationResponse(document=document_to_proto(doc))

    async def RefuseRevocation(self, request: documents_pb2.RefuseRevocationRequest,
                               context: grpc.aio.ServicerContext) -> documents_pb2.RefuseRevocationResponse:
        principal, agency = policy.require()
        doc = await self.lifecycle.refuse_revocation(agency_code=agency, document_id=request.id,
                                                     reason=clean_text("reason", request.reason, max_len=500),
                                                     actor=principal.username)
        self.on_commit()
        return documents_pb2.RefuseRevocationResponse(document=document_to_proto(doc))

    async def GetDocumentHistory(self, request: documents_pb2.GetDocumentHistoryRequest,
                                 context: grpc.aio.ServicerContext) -> documents_pb2.GetDocumentHistoryResponse:
        principal, agency = policy.require()
        entries = await self.documents.history(agency, request.id, principal)
        return documents_pb2.GetDocumentHistoryResponse(entries=_history(entries))

    async def GetDocumentAccessLog(self, request: documents_pb2.GetDocumentAccessLogRequest,
                                   context: grpc.aio.ServicerContext) -> documents_pb2.GetDocumentAccessLogResponse:
        """Nhật ký truy cập of one document the caller (a clerk or a leader) sees, newest first."""
        principal, agency = policy.require()
        rows, token = await self.documents.access_entries(agency, request.id, principal, request.page.page_size,
                                                          request.page.page_token)
        return documents_pb2.GetDocumentAccessLogResponse(
            entries=[documents_pb2.AccessLogEntry(at=iso_vietnam(r.at), subject=r.subject, username=r.username,
                                                  action=r.action, object_id=r.object_id, client=r.client)
                     for r in rows],
            page=common_pb2.PageResponse(next_page_token=token))

    async def CheckFileAccess(self, request: documents_pb2.CheckFileAccessRequest,
                              context: grpc.aio.ServicerContext) -> documents_pb2.CheckFileAccessResponse:
        """A file of documents is about to be handed out to the caller: allowed when they see one of them (NotFound
        otherwise), logged on each they see."""
        principal, agency = policy.require()
        if request.action not in FILE_ACTIONS:
            raise InvalidArgument("action", f"phải là một trong {', '.join(FILE_ACTIONS)}.")
        ids = [clean_text("document_ids", i, max_len=36) for i in request.document_ids]
        if not ids or len(ids) > MAX_FILE_HOLDERS:
            raise InvalidArgument("document_ids", f"hãy nêu từ 1 đến {MAX_FILE_HOLDERS} văn bản chứa tệp.")
        seen = await self.documents.check_file_access(
            agency_code=agency, principal=principal, object_id=clean_text("object_id", request.object_id, max_len=36),
            document_ids=ids, action=request.action)
        return documents_pb2.CheckFileAccessResponse(document_ids=seen)

    # -- going live mid-year -------------------------------------------------------------------
    async def SetRegisterStart(self, request: documents_pb2.SetRegisterStartRequest,
                               context: grpc.aio.ServicerContext) -> documents_pb2.SetRegisterStartResponse:
        principal, agency = policy.require()
        start = await self.books.set_start(
            agency_code=agency, register_id=request.register_id, next_number=request.next_number,
            reason=clean_text("reason", request.reason, max_len=500), actor=principal.username or principal.subject)
        self.on_commit()
        return documents_pb2.SetRegisterStartResponse(register_id=start.register_id, year=start.year,
                                                      next_number=start.next_number)

    async def ImportRegister(self, request: documents_pb2.ImportRegisterRequest,
                             context: grpc.aio.ServicerContext) -> documents_pb2.ImportRegisterResponse:
        principal, agency = policy.require()
        file_name = clean_text("file_name", request.file_name, max_len=200, required=False) or "register.csv"
        if not request.content:
            raise InvalidArgument("content", "tệp rỗng: hãy gửi sổ đăng ký văn bản dạng .csv (UTF-8) hoặc .xlsx.")
        register = await self.documents.register(agency, request.register_id)
        book = await asyncio.to_thread(read_book, request.content, file_name, register.direction)
        report = await self.books.import_book(agency_code=agency, register_id=register.id, book=book,
                                              file_name=file_name, dry_run=request.dry_run,
                                              actor=principal.username or principal.subject)
        if report.imported:
            self.on_commit()
        return documents_pb2.ImportRegisterResponse(
            lines=report.lines, imported=report.imported, dry_run=report.dry_run,
            refusals=[documents_pb2.ImportRefusal(line=r.line, field=r.field, reason=r.reason)
                      for r in report.refusals],
            years=[documents_pb2.ImportYear(year=y, first_number=lo, last_number=hi)
                   for y, (lo, hi) in sorted(report.years.items())])

    async def CloseRegister(self, request: documents_pb2.CloseRegisterRequest,
                            context: grpc.aio.ServicerContext) -> documents_pb2.CloseRegisterResponse:
        principal, agency = policy.require()
        register = await self.books.close(agency_code=agency, register_id=request.register_id,
                                          reason=clean_text("reason", request.reason, max_len=500),
                                          actor=principal.username or principal.subject)
        self.on_commit()
        return documents_pb2.CloseRegisterResponse(register=register_to_proto(register))

    async def GetRegisterHistory(self, request: documents_pb2.GetRegisterHistoryRequest,
                                 context: grpc.aio.ServicerContext) -> documents_pb2.GetRegisterHistoryResponse:
        _, agency = policy.require()
        return documents_pb2.GetRegisterHistoryResponse(
            entries=_history(await self.documents.register_history(agency, request.register_id)))


def _history(entries: list[HistoryEntry]) -> list[documents_pb2.HistoryEntry]:
    return [documents_pb2.HistoryEntry(at=iso_vietnam(e.at), actor=e.actor, action=e.action, note=e.note,
                                       changes_json=json.dumps(e.changes, ensure_ascii=False)) for e in entries]
