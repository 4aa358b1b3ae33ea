"""gRPC servicer of records: proto <-> domain, who the caller is, input limits, the calls to the other services; the
rules are in :mod:`vanthu_records.domain` and the store."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from vanthu.records.v1 import records_pb2 as pb
from vanthu.records.v1 import records_pb2_grpc
from vanthu.registry.v1 import documents_pb2
from vanthu_archive.forms import Agency
from vanthu_archive.metadata import DocumentType
from vanthu_core import policy
from vanthu_core.errors import Aborted, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied, Unavailable
from vanthu_core.paging import page_size
from vanthu_core.service_token import ServiceTokens
from vanthu_core.text import clean_text, fold
from vanthu_core.timeutil import Clock, iso_vietnam, utc_now, vietnam_time
from vanthu_records import deposit, forms
from vanthu_records.domain import files as rules
from vanthu_records.domain import plan as plans
from vanthu_records.pages import read_page_counts
from vanthu_records.platform import Platform
from vanthu_records.store import Actor, DocumentMeta, FileView, ObjectVersion, PlanView, RecordedFile, RecordsStore

MAX_ID = 100
MAX_TEXT = 500
MAX_ADD = 200
MAX_PACKAGE = 64 * 1024 * 1024
#: A document goes into a file once it is what the agency holds: an outgoing one issued, an incoming one registered.
ADDABLE = {"outgoing": "issued", "incoming": "registered"}


def _id(value: str, field: str) -> str:
    text = value.strip()
    if not text or len(text) > MAX_ID:
        raise InvalidArgument(field, f"chưa nhập (tối đa {MAX_ID} ký tự).")
    return text


def _version(value: int) -> int:
    if value < 1:
        raise InvalidArgument("version", "cần phiên bản của danh mục hoặc hồ sơ như khi đồng chí mở ra (từ 1 trở "
                                         "lên): hãy tải lại rồi làm lại.")
    return value


def _date(value: str, field: str, *, required: bool = False) -> date | None:
    if not value:
        if required:
            raise InvalidArgument(field, "chưa nhập: hãy chọn ngày (YYYY-MM-DD).")
        return None
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidArgument(field, "phải là ngày dạng YYYY-MM-DD.") from None


def _year(value: int, field: str = "year") -> int:
    if not 1900 <= value <= 2200:
        raise InvalidArgument(field, f"là {value}; chỉ nhận năm từ 1900 đến 2200.")
    return value


def actor_of(caller: policy.Caller) -> Actor:
    p = caller.principal
    return Actor(subject=p.subject, username=p.username, name=p.name)


def plan_to_proto(view: PlanView, *, outline: bool = True) -> pb.Plan:
    row = view.row
    out = pb.Plan(id=row.id, agency_code=row.agency_code, year=row.year, plan_version=row.plan_version,
                  state=row.state, title=row.title, numbering=row.numbering, created_by=row.created_by,
                  approved_by=row.approved_by, approved_at=iso_vietnam(row.approved_at) if row.approved_at else "",
                  created_at=iso_vietnam(row.created_at), updated_at=iso_vietnam(row.updated_at),
                  version=row.version, revises_plan_id=row.revises_plan_id, decision_number=row.decision_number,
                  decision_date=row.decision_date.isoformat() if row.decision_date else "",
                  submitted_by=row.submitted_by, submitted_at=iso_vietnam(row.submitted_at) if row.submitted_at else "",
                  return_reason=row.return_reason)
    if outline:
        for h in view.headings:
            heading = out.headings.add(numeral=h.numeral, title=h.title, abbreviation=h.abbreviation)
            heading.entries.extend(_entry(e) for e in h.entries)
            for s in h.subheadings:
                heading.subheadings.add(number=s.number, title=s.title).entries.extend(_entry(e) for e in s.entries)
    return out


def _entry(e: plans.Entry) -> pb.PlanEntry:
    return pb.PlanEntry(id=e.id, number=e.number, notation=e.notation, title=e.title,
                        retention_years=e.retention_years, creator=e.creator, notes=e.notes,
                        creator_subject=e.creator_subject)


def _outline_of(headings: Any) -> list[plans.Heading]:
    def entries(items: Any) -> list[plans.Entry]:
        return [plans.Entry(id=e.id.strip(), title=e.title, retention_years=e.retention_years, creator=e.creator,
                            notes=e.notes, creator_subject=e.creator_subject[:MAX_ID]) for e in items]

    return [plans.Heading(title=h.title, abbreviation=h.abbreviation, entries=entries(h.entries),
                          subheadings=[plans.Subheading(title=s.title, entries=entries(s.entries))
                                       for s in h.subheadings]) for h in headings]


def file_to_proto(view: FileView, today: date, *, documents: bool = True,
                  document_total: int | None = None) -> pb.RecordFile:
    """The file as the API gives it; ``documents=False`` (a listing) leaves the documents out, and then
    ``document_total`` (counted by the caller) says how many there are."""
    r = view.row
    due, overdue = rules.deposit_flags(r.state, r.deposit_deadline, today)
    out = pb.RecordFile(
        id=r.id, agency_code=r.agency_code, file_code=view.code, year=r.year, notation=r.notation, title=r.title,
        retention_years=r.retention_years, rights=r.rights, language=r.language, creator=r.creator_name,
        creator_username=r.creator_username, start_date=r.start_date.isoformat(),
        end_date=r.end_date.isoformat() if r.end_date else "",
        document_total=len(view.documents) if document_total is None else document_total,
        page_total=r.page_total, description=r.description, keywords=r.keywords, plan_id=r.plan_id,
        plan_entry_id=r.plan_entry_id, state=r.state, closed_at=iso_vietnam(r.closed_at) if r.closed_at else "",
        deposit_deadline=r.deposit_deadline.isoformat() if r.deposit_deadline else "", deposit_due=due,
        deposit_overdue=overdue, submitted_at=iso_vietnam(r.submitted_at) if r.submitted_at else "",
        deposited_at=iso_vietnam(r.deposited_at) if r.deposited_at else "", deposited_by=r.deposited_by,
        return_reason=r.return_reason, retain_approval=r.retain_approval, created_at=iso_vietnam(r.created_at),
        updated_at=iso_vietnam(r.updated_at), version=r.version, unit=r.unit)
    if documents:
        for d in view.documents:
            m = d.meta
            doc = out.documents.add(
                document_id=m.document_id, ordinal=d.ordinal, document_code=d.document_code, direction=m.direction,
                type_name=m.type_name, code_number=m.code_number, code_notation=m.code_notation,
                issued_date=m.issued_date, organ_name=m.organ_name, subject=m.subject, language=m.language,
                page_amount=m.page_amount, description=m.description, signer=m.signer, keywords=m.keywords,
                mode=m.mode, confidence_level=m.confidence_level, added_by=d.added_by,
                added_at=iso_vietnam(d.added_at))
            for f in d.files:
                newest = f.newest
                doc.files.add(role=f.role, file_name=f.file_name, content_type=f.content_type,
                              object_id=newest.object_id, sha256=newest.sha256,
                              versions=[pb.ObjectVersion(**vars(v)) for v in f.versions])
    return out


def type_name(doc: documents_pb2.Document) -> str:
    """Tên loại văn bản: the registry's name of the type, else the archival code list's label whose folded form is
    the type's code (``cong_van`` → "Công văn"), else empty (the archive lib files it as "Khác")."""
    if doc.type_name:
        return doc.type_name
    for member in DocumentType:
        if fold(member.label).replace(" ", "_") == doc.type_code:
            return member.label
    return ""


def document_meta(doc: documents_pb2.Document, now_iso: str) -> tuple[DocumentMeta, list[RecordedFile]]:
    """The registry's document as a file's document (Circular 02/2019 fields the registry knows; the page count is
    filled in when the file is closed)."""
    number, _, notation = doc.number_symbol.partition("/")
    position = " ".join(p for p in (doc.signer.competence, doc.signer.title) if p)
    # Mức độ tin cậy (Circular 02/2019): an issued document or an electronic arrival is born digital; an arrival
    # entered by hand from paper (the registry's signature check "unsigned": its files are scans) is số hóa
    confidence = "goc_dien_tu" if doc.direction == "outgoing" or doc.signature_check not in ("", "unsigned") \
        else "so_hoa"
    signed = bool(doc.signed_by) if doc.direction == "outgoing" else doc.signature_check == "valid"
    meta = DocumentMeta(document_id=doc.id, direction=doc.direction, type_name=type_name(doc)[:100],
                        code_number=number[:11], code_notation=notation[:30], issued_date=doc.document_date,
                        organ_name=doc.issuing_agency_name[:200], subject=doc.abstract[:500],
                        signer=doc.signer.name[:50], signer_position=position[:100], confidence_level=confidence,
                        signed=signed)
    files = [RecordedFile(role=f.role, file_name=f.file_name, content_type=f.content_type,
                          versions=[ObjectVersion(object_id=f.object_id, sha256=f.sha256, size=0, kind="original",
                                                  created_at=now_iso)]) for f in doc.files]
    return meta, files


class RecordsApi(records_pb2_grpc.RecordsServiceServicer):
    """The servicer; ``on_commit`` wakes the outbox relay after a change."""

    def __init__(self, store: RecordsStore, platform: Platform, *, clock: Clock = utc_now,
                 on_commit: Callable[[], None] = lambda: None, tokens: ServiceTokens | None = None) -> None:
        self.store = store
        self.platform = platform
        #: the service's own credentials (storage references for imported files); None: importing is unavailable
        self.tokens = tokens
        self.clock = clock
        self.on_commit = on_commit

    def today(self) -> date:
        return vietnam_time(self.clock()).date()

    async def _agency(self, caller: policy.Caller) -> Agency:
        found = await self.platform.agency(caller.principal.token, caller.agency)
        return Agency(name=found.name or caller.agency, parent_name=found.parent_name, place=found.place)

    # -- plans ---------------------------------------------------------------------------------------------------
    async def CreatePlan(self, request: pb.CreatePlanRequest, context: Any) -> pb.CreatePlanResponse:
        caller = policy.require()
        title = clean_text("title", request.title, max_len=MAX_TEXT, required=not request.revise_plan_id)
        view = await self.store.create_plan(caller.agency, _year(request.year), title, actor_of(caller),
                                            request.revise_plan_id.strip()[:MAX_ID])
        return pb.CreatePlanResponse(plan=plan_to_proto(view))

    async def UpdatePlan(self, request: pb.UpdatePlanRequest, context: Any) -> pb.UpdatePlanResponse:
        caller = policy.require()
        numbering = request.numbering or plans.Numbering.CONTINUOUS.value
        if numbering not in {n.value for n in plans.Numbering}:
            raise InvalidArgument("numbering", "phải là 'continuous' (đánh số liên tục) hoặc 'per_heading' (đánh số "
                                               "theo đề mục).")
        headings = plans.check_outline(_outline_of(request.headings))
        if any(entry.creator_subject.strip() for _, entry in plans.entries_with_paths(headings)):
            # người lập hồ sơ: a person of the caller's agency as the directory lists them (the caller's token)
            plans.name_creators(headings, await self.platform.people(caller.principal.token))
        view = await self.store.update_plan(caller.agency, _id(request.plan_id, "plan_id"), _version(request.version),
                                            clean_text("title", request.title, max_len=MAX_TEXT), numbering,
                                            headings)
        return pb.UpdatePlanResponse(plan=plan_to_proto(view))

    async def SubmitPlan(self, request: pb.SubmitPlanRequest, context: Any) -> pb.SubmitPlanResponse:
        caller = policy.require()
        view = await self.store.submit_plan(caller.agency, _id(request.plan_id, "plan_id"), _version(request.version),
                                            actor_of(caller))
        self.on_commit()
        return pb.SubmitPlanResponse(plan=plan_to_proto(view))

    async def ReturnPlan(self, request: pb.ReturnPlanRequest, context: Any) -> pb.ReturnPlanResponse:
        caller = policy.require()
        reason = clean_text("reason", request.reason, max_len=plans.MAX_REASON)
        view = await self.store.return_plan(caller.agency, _id(request.plan_id, "plan_id"), _version(request.version),
                                            actor_of(caller), reason)
        self.on_commit()
        return pb.ReturnPlanResponse(plan=plan_to_proto(view))

    async def ApprovePlan(self, request: pb.ApprovePlanRequest, context: Any) -> pb.ApprovePlanResponse:
        caller = policy.require()
        decision = None
        if request.decision_number.strip() or request.decision_date.strip():
            if not (request.decision_number.strip() and request.decision_date.strip()):
                raise InvalidArgument("decision_number" if not request.decision_number.strip() else "decision_date",
                                      "số và ngày của quyết định ban hành danh mục phải nhập cùng nhau.")
            decided = _date(request.decision_date.strip(), "decision_date", required=True)
            assert decided is not None
            decision = (plans.check_decision_number(request.decision_number), decided)
        view = await self.store.approve_plan(caller.agency, _id(request.plan_id, "plan_id"),
                                             _version(request.version), actor_of(caller), decision)
        self.on_commit()
        return pb.ApprovePlanResponse(plan=plan_to_proto(view))

    async def GetPlan(self, request: pb.GetPlanRequest, context: Any) -> pb.GetPlanResponse:
        caller = policy.require()
        return pb.GetPlanResponse(plan=plan_to_proto(await self.store.get_plan(caller.agency,
                                                                               _id(request.plan_id, "plan_id"))))

    async def ListPlans(self, request: pb.ListPlansRequest, context: Any) -> pb.ListPlansResponse:
        caller = policy.require()
        rows = await self.store.list_plans(caller.agency, _year(request.year) if request.year else 0)
        return pb.ListPlansResponse(plans=[plan_to_proto(PlanView(r, []), outline=False) for r in rows])

    async def ExportPlan(self, request: pb.ExportPlanRequest, context: Any) -> pb.ExportPlanResponse:
        caller = policy.require()
        view = await self.store.get_plan(caller.agency, _id(request.plan_id, "plan_id"))
        content, content_type, name = forms.plan(view, request.format or "pdf", await self._agency(caller))
        return pb.ExportPlanResponse(content=content, content_type=content_type, file_name=name)

    # -- files ---------------------------------------------------------------------------------------------------
    def _can_read(self, caller: policy.Caller, view: FileView) -> None:
        p = caller.principal
        if view.row.creator_subject != p.subject and not p.has_any_role(*rules.FILE_READERS):
            raise NotFound(f"Không tìm thấy hồ sơ {view.row.id}.")

    async def _readable(self, caller: policy.Caller, file_id: str) -> FileView:
        view = await self.store.get_file(caller.agency, _id(file_id, "file_id"))
        self._can_read(caller, view)
        if view.row.state == rules.FileState.DEPOSITED:
            await self.store.log_access(caller.agency, view.row.id, "read", actor_of(caller))
        return view

    async def _own(self, caller: policy.Caller, file_id: str) -> FileView:
        """A file the caller created (the creator fills, closes and submits it)."""
        view = await self.store.get_file(caller.agency, _id(file_id, "file_id"))
        self._can_read(caller, view)
        if view.row.creator_subject != caller.principal.subject:
            raise PermissionDenied(f"Chỉ người lập hồ sơ ({view.row.creator_username}) mới sửa được hồ sơ này.")
        return view

    async def OpenFile(self, request: pb.OpenFileRequest, context: Any) -> pb.OpenFileResponse:
        caller = policy.require()
        start = _date(request.start_date, "start_date") or self.today()
        values: dict[str, Any] = {
            "agency_code": caller.agency,
            "language": clean_text("language", request.language or "Tiếng Việt", max_len=50),
            "rights": clean_text("rights", request.rights or "Công khai", max_len=30),
            "description": clean_text("description", request.description, max_len=MAX_TEXT, required=False),
            "unit": clean_text("unit", request.unit, max_len=200, required=False),
            "start_date": start}
        if request.plan_entry_id:
            plan, entry = await self.store.plan_entry(caller.agency, _id(request.plan_entry_id, "plan_entry_id"))
            values.update(plan_id=plan.id, plan_entry_id=entry.id, year=plan.year,
                          title=clean_text("title", request.title or entry.title, max_len=MAX_TEXT),
                          notation=rules.check_notation("notation", request.notation or entry.notation),
                          retention_years=plans.check_retention(
                              "retention_years", request.retention_years if request.HasField("retention_years")
                              else entry.retention_years))
            if not values["unit"]:
                # the entry's người lập hồ sơ picked from the directory is a person: the file's unit is theirs (their
                # name is not a unit); the free text of older plans names the unit itself
                values["unit"] = clean_text("unit", (await self.platform.unit_of(
                    caller.principal.token, entry.creator_subject)) if entry.creator_subject.strip()
                    else entry.creator, max_len=200, required=False)
        else:
            if not request.HasField("retention_years"):
                raise InvalidArgument("retention_years", "hồ sơ ngoài danh mục phải ghi thời hạn bảo quản (0: vĩnh "
                                                         "viễn, hoặc số năm).")
            values.update(year=_year(request.year) if request.year else _year(start.year, "start_date"),
                          title=clean_text("title", request.title, max_len=MAX_TEXT),
                          notation=rules.check_notation("notation", request.notation),
                          retention_years=plans.check_retention("retention_years", request.retention_years))
        forms.check_opening(values, caller.principal.name or caller.principal.username)
        view = await self.store.open_file(values, actor_of(caller))
        return pb.OpenFileResponse(file=file_to_proto(view, self.today()))

    async def GetFile(self, request: pb.GetFileRequest, context: Any) -> pb.GetFileResponse:
        caller = policy.require()
        view = await self._readable(caller, request.file_id)
        file = file_to_proto(view, self.today())
        if view.row.plan_entry_id and view.row.unit and view.row.unit == view.row.creator_name:
            # a file opened before issue 14's fix kept its creator's name as its unit: show their unit instead
            file.unit = await self.platform.unit_of(caller.principal.token, view.row.creator_subject)
        return pb.GetFileResponse(file=file)

    async def ListFiles(self, request: pb.ListFilesRequest, context: Any) -> pb.ListFilesResponse:
        caller = policy.require()
        if request.state and request.state not in {s.value for s in rules.FileState}:
            raise InvalidArgument("state", "phải là một trong: " + ", ".join(s.value for s in rules.FileState))
        everyone = caller.principal.has_any_role(*rules.FILE_READERS) and not request.mine
        size = page_size(request.page.page_size)
        after = request.page.page_token[:MAX_ID]
        today = self.today()
        found: list[pb.RecordFile] = []
        while True:
            rows = await self.store.list_files(caller.agency, year=_year(request.year) if request.year else 0,
                                               state=request.state,
                                               creator="" if everyone else caller.principal.subject,
                                               limit=size + 1, after=after)
            counts = await self.store.document_counts([row.id for row in rows[:size]])
            for row in rows[:size]:
                item = file_to_proto(FileView(row), today, documents=False, document_total=counts.get(row.id, 0))
                if not request.deposit_due or item.deposit_due or item.deposit_overdue:
                    found.append(item)
            if len(rows) <= size or len(found) >= size or not request.deposit_due:
                break
            after = rows[size - 1].id
        next_token = rows[size - 1].id if len(rows) > size else ""
        reply = pb.ListFilesResponse(files=found)
        reply.page.next_page_token = next_token
        return reply

    async def AddDocuments(self, request: pb.AddDocumentsRequest, context: Any) -> pb.AddDocumentsResponse:
        caller = policy.require()
        view = await self._own(caller, request.file_id)
        ids = [_id(i, f"document_ids[{n}]") for n, i in enumerate(request.document_ids)]
        if request.case_id:
            case = await self.platform.case(caller.principal.token, _id(request.case_id, "case_id"))
            if case.state != "completed":
                raise FailedPrecondition(f"Hồ sơ công việc đang ở trạng thái {case.state}: chỉ văn bản của hồ sơ công "
                                         "việc đã hoàn thành mới được đưa vào hồ sơ một lần.")
            ids.extend(i for i in case.document_ids if i not in ids)
        if not ids:
            raise InvalidArgument("document_ids", "hãy chọn văn bản cần thêm, hoặc một hồ sơ công việc đã hoàn thành.")
        if len(ids) > MAX_ADD:
            raise InvalidArgument("document_ids", f"mỗi lần thêm tối đa {MAX_ADD} văn bản.")
        rules.next_state(view.row.state, rules.FileAction.ADD)  # refuse before reading the registry
        now_iso = iso_vietnam(self.clock())
        documents = []
        for n, document_id in enumerate(ids):
            doc = await self.platform.document(caller.principal.token, document_id)
            wanted = ADDABLE.get(doc.direction)
            if wanted is None or doc.status != wanted:
                raise FailedPrecondition(f"Văn bản thứ {n + 1} chưa đưa vào hồ sơ được (trạng thái {doc.status}): "
                                         "hồ sơ chỉ nhận văn bản đi đã ban hành và văn bản đến đã vào sổ.")
            documents.append(document_meta(doc, now_iso))
        view, already = await self.store.add_documents(caller.agency, view.row.id, _version(request.version),
                                                       documents, actor_of(caller))
        return pb.AddDocumentsResponse(file=file_to_proto(view, self.today()), already_present=already)

    async def RemoveDocument(self, request: pb.RemoveDocumentRequest, context: Any) -> pb.RemoveDocumentResponse:
        caller = policy.require()
        view = await self._own(caller, request.file_id)
        view = await self.store.remove_document(caller.agency, view.row.id, _version(request.version),
                                                _id(request.document_id, "document_id"), actor_of(caller))
        return pb.RemoveDocumentResponse(file=file_to_proto(view, self.today()))

    async def CloseFile(self, request: pb.CloseFileRequest, context: Any) -> pb.CloseFileResponse:
        caller = policy.require()
        view = await self._own(caller, request.file_id)
        changes: dict[str, Any] = {}
        if request.title:
            changes["title"] = clean_text("title", request.title, max_len=MAX_TEXT)
        if request.HasField("retention_years"):
            changes["retention_years"] = plans.check_retention("retention_years", request.retention_years)
        if request.end_date:
            changes["end_date"] = end = _date(request.end_date, "end_date")
            if end is not None and end > self.today():
                # Thời gian tài liệu kết thúc: the latest document's date (Circular 02/2019, EndDate); not yet come
                raise InvalidArgument("end_date", f"sau ngày hôm nay ({self.today().isoformat()}); hồ sơ kết thúc ở "
                                                  "ngày của văn bản mới nhất.")
        if request.description:
            changes["description"] = clean_text("description", request.description, max_len=MAX_TEXT)
        if request.keywords:
            changes["keywords"] = clean_text("keywords", request.keywords, max_len=MAX_TEXT)
        pages = {}
        for document_id, amount in request.page_amounts.items():
            if not 1 <= amount <= 9999:
                raise InvalidArgument(f"page_amounts[{document_id[:MAX_ID]}]", "phải từ 1 đến 9999 trang.")
            pages[_id(document_id, "page_amounts")] = amount
        # the documents without a count get their main PDF's pages (the creator's figure wins where given)
        pages.update(await read_page_counts(self.platform, caller.principal.token, view.documents, pages))
        view = await self.store.close_file(caller.agency, view.row.id, _version(request.version), changes, pages,
                                           actor_of(caller), check=forms.check_closing)
        return pb.CloseFileResponse(file=file_to_proto(view, self.today()))

    async def ExportFileForm(self, request: pb.ExportFileFormRequest, context: Any) -> pb.ExportFileFormResponse:
        caller = policy.require()
        view = await self._readable(caller, request.file_id)
        if (request.form or "contents") != "contents":
            raise InvalidArgument("form", "contents (mục lục văn bản trong hồ sơ)")
        if view.row.state in (rules.FileState.OPEN, rules.FileState.COLLECTING):
            raise FailedPrecondition(f"Hồ sơ đang ở trạng thái {rules.state_name(view.row.state)}: mục lục văn bản "
                                     "được lập khi kết thúc hồ sơ.")
        content, content_type, name = forms.contents(view, await self._agency(caller))
        return pb.ExportFileFormResponse(content=content, content_type=content_type, file_name=name)

    async def GetFileHistory(self, request: pb.GetFileHistoryRequest, context: Any) -> pb.GetFileHistoryResponse:
        caller = policy.require()
        view = await self._readable(caller, request.file_id)
        rows = await self.store.history(caller.agency, view.row.id)
        return pb.GetFileHistoryResponse(entries=[pb.HistoryEntry(
            action=r.action, from_state=r.from_state, to_state=r.to_state, actor=r.actor, actor_name=r.actor_name,
            at=iso_vietnam(r.at), comment=r.comment) for r in rows])

    # -- deposit ---------------------------------------------------------------------------------------------------
    async def SubmitDeposit(self, request: pb.SubmitDepositRequest, context: Any) -> pb.SubmitDepositResponse:
        caller = policy.require()
        view = await self._own(caller, request.file_id)
        now = self.clock()

        def change(row: Any) -> None:
            row.submitted_at = now
            row.return_reason = ""

        view = await self.store.act(caller.agency, view.row.id, _version(request.version), rules.FileAction.SUBMIT,
                                    actor_of(caller), change=change)
        return pb.SubmitDepositResponse(file=file_to_proto(view, self.today()))

    async def ReturnDeposit(self, request: pb.ReturnDepositRequest, context: Any) -> pb.ReturnDepositResponse:
        caller = policy.require()
        reason = clean_text("reason", request.reason, max_len=MAX_TEXT)

        def change(row: Any) -> None:
            row.return_reason = reason

        view = await self.store.act(caller.agency, _id(request.file_id, "file_id"), _version(request.version),
                                    rules.FileAction.RETURN, actor_of(caller), comment=reason, change=change)
        return pb.ReturnDepositResponse(file=file_to_proto(view, self.today()))

    async def ReopenFile(self, request: pb.ReopenFileRequest, context: Any) -> pb.ReopenFileResponse:
        """The creator reopens a file the archivist returned (state ``returned`` → ``collecting``, §7.2) to correct
        what the return reason asks; the reason stays shown until the file is submitted again."""
        caller = policy.require()
        view = await self._own(caller, request.file_id)
        comment = clean_text("comment", request.comment, max_len=MAX_TEXT, required=False)
        view = await self.store.act(caller.agency, view.row.id, _version(request.version), rules.FileAction.REOPEN,
                                    actor_of(caller), comment=comment)
        return pb.ReopenFileResponse(file=file_to_proto(view, self.today()))

    async def RetainFile(self, request: pb.RetainFileRequest, context: Any) -> pb.RetainFileResponse:
        caller = policy.require()
        approval = clean_text("approval", request.approval, max_len=MAX_TEXT)
        years = rules.check_retain_years(request.years)

        def change(row: Any) -> None:
            closed = vietnam_time(row.closed_at).date()
            row.retained_years = years
            row.retain_approval = approval
            row.deposit_deadline = rules.deposit_deadline(closed, years)

        view = await self.store.act(caller.agency, _id(request.file_id, "file_id"), _version(request.version),
                                    rules.FileAction.RETAIN, actor_of(caller), comment=approval, change=change)
        return pb.RetainFileResponse(file=file_to_proto(view, self.today()))

    async def AcceptDeposit(self, request: pb.AcceptDepositRequest, context: Any) -> pb.AcceptDepositResponse:
        caller = policy.require()
        view = await self.store.get_file(caller.agency, _id(request.file_id, "file_id"))
        version = _version(request.version)
        if view.row.version != version:
            raise Aborted(f"Hồ sơ đã được người khác thay đổi (đồng chí mở phiên bản {version}, nay là "
                          f"{view.row.version}): hãy tải lại rồi làm lại.")
        rules.next_state(view.row.state, rules.FileAction.ACCEPT)
        view = await deposit.accept(self.store, self.platform, caller.principal.token, view, actor_of(caller),
                                    self.clock)
        return pb.AcceptDepositResponse(file=file_to_proto(view, self.today()))

    async def ExportDepositForm(self, request: pb.ExportDepositFormRequest,
                                context: Any) -> pb.ExportDepositFormResponse:
        caller = policy.require()
        if request.form not in ("handover", "list"):
            raise InvalidArgument("form", "phải là 'handover' (biên bản giao nhận) hoặc 'list' (mục lục hồ sơ nộp "
                                          "lưu).")
        if not request.file_ids or len(request.file_ids) > 500:
            raise InvalidArgument("file_ids", "phải chọn từ 1 đến 500 hồ sơ đã nộp lưu.")
        views = []
        for n, file_id in enumerate(request.file_ids):
            view = await self.store.get_file(caller.agency, _id(file_id, f"file_ids[{n}]"))
            if view.row.state != rules.FileState.DEPOSITED:
                raise FailedPrecondition(f"Hồ sơ thứ {n + 1} đang ở trạng thái {rules.state_name(view.row.state)}, "
                                         "chưa được tiếp nhận vào lưu trữ.")
            await self.store.log_access(caller.agency, view.row.id, "form", actor_of(caller))
            views.append(view)
        content, content_type, name = forms.deposit(request.form, views, await self._agency(caller), self.today(),
                                                    actor_of(caller))
        return pb.ExportDepositFormResponse(content=content, content_type=content_type, file_name=name)

    async def ListArchiveAccess(self, request: pb.ListArchiveAccessRequest,
                                context: Any) -> pb.ListArchiveAccessResponse:
        caller = policy.require()
        rows = await self.store.access_log(caller.agency, _id(request.file_id, "file_id"))
        return pb.ListArchiveAccessResponse(entries=[pb.ArchiveAccess(
            file_id=r.file_id, document_id=r.document_id, action=r.action, actor=r.actor, at=iso_vietnam(r.at))
            for r in rows])

    async def RenewTimestamps(self, request: pb.RenewTimestampsRequest, context: Any) -> pb.RenewTimestampsResponse:
        caller = policy.require()
        if not 1 <= request.within_days <= 3650:
            raise InvalidArgument("within_days", "phải từ 1 đến 3650 ngày.")
        renewed = await deposit.renew(self.store, self.platform, caller.principal.token, self.clock,
                                      within_days=request.within_days, agency=caller.agency,
                                      actor=actor_of(caller))
        return pb.RenewTimestampsResponse(renewed=renewed)

    async def ArchivedIn(self, request: pb.ArchivedInRequest, context: Any) -> pb.ArchivedInResponse:
        """The registry (its service token, naming the agency) asks which deposited files hold a document."""
        policy.require()
        agency = request.agency_code.strip()
        if not agency or len(agency) > 35:
            raise InvalidArgument("agency_code", "dịch vụ registry phải nói rõ thay mặt cơ quan nào (mã tối đa 35 ký "
                                                 "tự).")
        if not request.document_id or len(request.document_id) > 36:
            raise InvalidArgument("document_id", "phải là mã văn bản (tối đa 36 ký tự).")
        return pb.ArchivedInResponse(file_codes=await self.store.deposited_files_of(agency, request.document_id))

    # -- export and import -------------------------------------------------------------------------------------------
    async def ExportFile(self, request: pb.ExportFileRequest, context: Any) -> pb.ExportFileResponse:
        caller = policy.require()
        view = await self._readable(caller, request.file_id)
        if view.row.state in (rules.FileState.OPEN, rules.FileState.COLLECTING):
            raise FailedPrecondition(f"Hồ sơ đang ở trạng thái {rules.state_name(view.row.state)}: chỉ hồ sơ đã kết "
                                     "thúc hoặc đã nộp lưu mới xuất được.")
        if view.row.state == rules.FileState.DEPOSITED:
            await self.store.log_access(caller.agency, view.row.id, "export", actor_of(caller))
        content = await forms.export_package(view, self.platform, caller.principal.token, self.clock())
        return pb.ExportFileResponse(content=content, content_type="application/zip",
                                     file_name=f"{view.code}.zip")

    async def ImportFile(self, request: pb.ImportFileRequest, context: Any) -> pb.ImportFileResponse:
        caller = policy.require()
        if not request.content or len(request.content) > MAX_PACKAGE:
            raise InvalidArgument("content", f"phải là gói hồ sơ (ZIP) tối đa {MAX_PACKAGE // (1024 * 1024)} MB.")
        if self.tokens is None:
            raise Unavailable("Dịch vụ hồ sơ chưa được cấp tài khoản dịch vụ nên chưa giữ được tệp của hồ sơ nhập "
                              "vào: báo quản trị hệ thống.")
        view = await forms.import_package(request.content, self.store, self.platform, caller.principal.token,
                                          caller.agency, actor_of(caller), iso_vietnam(self.clock()))
        # the stored files are the file's: kept while it is (else swept as uploads nothing refers to, or deleted)
        service_token = await self.tokens.token()
        for d in view.documents:
            for f in d.files:
                for v in f.versions:
                    await self.platform.keep(service_token, v.object_id, f"records/file/{view.row.id}",
                                             caller.agency)
        return pb.ImportFileResponse(file=file_to_proto(view, self.today()))
