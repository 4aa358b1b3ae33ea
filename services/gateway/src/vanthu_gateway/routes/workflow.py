"""``/api/v1/workflow``: the outgoing circuit (quy trình văn bản đi: gửi dự thảo, duyệt or trả lại, lấy ý kiến,
trình ký, ký, ban hành) and the processing of incoming documents (xử lý văn bản đến) — the clerk submits (trình) a
registered document to a leader, the leader assigns it (phân công: chủ trì, phối hợp, nhận để biết, hạn xử lý, ý kiến
chỉ đạo), the head of a unit gives the unit's task to one of its people, the assignees record progress, ask for more
time, return or complete it — and each person's inbox. Every command carries the case's ``version`` as read: a stale
one answers 409. The workflow service checks the role, the state and the agency again.

Assigned work (giao việc) under ``/jobs``: a leader gives a job not tied to a document to units and people of the
agency, a head to people of their unit, a job's lead gives sub-jobs to people of the lead's unit; the giver reassigns,
recalls and decides extensions. A job's assignees act on its tasks with the same ``/tasks/{task_id}/…`` routes as a
document's (delegate, progress, extension, return, complete); the inbox shows both, ``case_kind`` saying which."""

from __future__ import annotations

import base64
import re
from typing import Annotated, Any, Literal

import grpc
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import AfterValidator, Field

from vanthu.workflow.v1 import workflow_pb2 as pb
from vanthu_core.auth import Principal
from vanthu_core.errors import InvalidArgument, Unavailable
from vanthu_core.policy import WORKFLOW
from vanthu_core.spreadsheet import CSV_TYPE, XLSX_TYPE
from vanthu_gateway.access import calls
from vanthu_gateway.auth import authenticated, forward
from vanthu_gateway.disposition import attachment
from vanthu_gateway.routes.signing import BoxOut, PreparedOut
from vanthu_gateway.schema import INT32_MAX, IsoDate, RequestBody, ResponseBody, SearchWords

router = APIRouter(prefix="/api/v1/workflow", tags=["workflow"])
User = Annotated[Principal, Depends(authenticated)]
Id = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]
Version = Annotated[int, Field(ge=1, le=INT32_MAX, description="the case's version as you read it")]
Text = Annotated[str, Field(max_length=2000)]
Subject = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")]
TaskKind = Literal["direct", "lead", "cooperating", "for_information", "extension", "review", "consult", "draft",
                   "sign", "issue"]
UnitCode = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")]
FileId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")]


class PartyIn(RequestBody):
    kind: Literal["unit", "person"] = Field(description="a unit of your agency (its head receives the task) or a "
                                                        "person (by subject)")
    id: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$")] = Field(
        description="the unit's code or the person's subject")


class PartyOut(ResponseBody):
    kind: str
    id: str
    name: str


class TaskOut(ResponseBody):
    id: str
    case_id: str
    document_id: str
    kind: str = Field(description="direct (chỉ đạo), lead (chủ trì), cooperating (phối hợp), for_information (nhận "
                                  "để biết), extension (xin gia hạn: a leader decides); outgoing: review (duyệt), "
                                  "consult (cho ý kiến), draft (the drafter's: rework or submit), sign (ký), issue "
                                  "(ban hành)")
    assignee_kind: str = Field(description="unit, person, or role (the agency's leaders)")
    assignee: str
    unit_code: str
    state: str = Field(description="open, in_progress, done, cancelled (taken back), withdrawn (stopped with its "
                                   "case: the document was cancelled or revoked; note says which)")
    deadline: str = Field(description="hạn xử lý, YYYY-MM-DD; empty: none")
    deadline_state: str = Field(description="on_time, due_soon, overdue (in working days); empty when closed")
    created_at: str
    done_at: str
    abstract: str = Field(description="the document's trích yếu; a job's title")
    note: str
    case_kind: str = Field(description="what the task is about: incoming (a document to process), outgoing (a draft "
                                       "in its circuit) or job (giao việc)")
    outcome: str = Field("", description="a done task: how it ended, the action of the step that closed it "
                                         "(complete, approve, sign, issue, answer; return, return_draft, "
                                         "return_unsigned: trả lại); empty otherwise")
    case_state: str = Field("", description="the state of the task's case (completed, withdrawn, ...): a "
                                            "for_information task stays open on a completed case for its holder to "
                                            "mark read; this says the case itself is finished")
    case_deadline: str = Field("", description="an extension request (kind extension): the case's hạn xử lý now, "
                                               "YYYY-MM-DD; empty for other tasks")
    requested_deadline: str = Field("", description="an extension request (kind extension): the hạn xử lý asked "
                                                    "for (xin gia hạn đến), YYYY-MM-DD; empty for other tasks")
    given_by: str = Field("", description="người giao: the subject of the person who gave the task (whose step "
                                          "created it, or the head who handed it on); empty for tasks given before "
                                          "the workflow recorded it")
    given_by_name: str = Field("", description="người giao: that person's name, as the workflow recorded it")


class StepOut(ResponseBody):
    seq: int
    task_id: str
    action: str
    from_state: str
    to_state: str
    actor: str
    actor_name: str
    at: str = Field(description="ISO 8601, +07:00")
    comment: str
    on_behalf_of: str = Field("", description="taken by a deputy under a delegation (ủy quyền): the delegator's "
                                              "username")
    delegation_id: str = ""
    competence: str = Field("", description="... and the competence that delegation gives (KT., TUQ.)")


class CircuitStepOut(ResponseBody):
    step: str = Field(description="review, consult, sign, issue")
    role: str


class CaseOut(ResponseBody):
    id: str
    agency_code: str
    document_id: str
    state: str = Field(description="submitted (đã trình), assigned (đã phân công), in_progress (đang xử lý), "
                                   "extension_requested (xin gia hạn), returned (trả lại), completed (hoàn thành)")
    version: int
    abstract: str
    arrival_number: int
    leader: str
    lead: PartyOut | None
    cooperating: list[PartyOut]
    for_information: list[PartyOut]
    deadline: str
    instruction: str
    result: str
    reply_document_id: str
    created_at: str
    updated_at: str
    tasks: list[TaskOut]
    steps: list[StepOut]
    kind: str = Field(description="incoming (xử lý văn bản đến), outgoing (quy trình văn bản đi: in_review, "
                                  "returned, consulting, approved, submitted, signed, issued) or job (giao việc: "
                                  "abstract is its title, instruction its description, drafter its giver; the "
                                  "incoming states)")
    definition_version: int = Field(description="outgoing: the circuit definition's version the case started with")
    circuit: list[CircuitStepOut] = Field(description="outgoing: the steps the case follows, and who acts at each")
    drafter: str
    drafter_name: str
    unit_code: str = Field(description="outgoing: the drafting unit; job: the unit it stays within (empty: the "
                                       "agency)")
    type_code: str
    parent_id: str = Field(description="job: the job it is a sub-job of (empty: a top-level job)")
    depth: int = Field(description="job: its level below the top-level job (0–3)")
    result_file_ids: list[str] = Field(description="the stored files attached to the result")


class InboxCountsOut(ResponseBody):
    todo: int
    due_soon: int
    overdue: int
    done: int


class InboxOut(ResponseBody):
    tasks: list[TaskOut]
    counts: InboxCountsOut
    next_page_token: str


class SubmitIn(RequestBody):
    document_id: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="a registered incoming document (đã vào sổ) of your agency")
    leader: Subject | None = Field(None, description="the leader's subject; none: the agency's leaders")
    comment: Text = ""


class AssignIn(RequestBody):
    version: Version
    lead: PartyIn = Field(description="chủ trì: one unit or person")
    cooperating: list[PartyIn] = Field(default_factory=list, max_length=50, description="phối hợp")
    for_information: list[PartyIn] = Field(default_factory=list, max_length=50, description="nhận để biết")
    deadline_days: int | None = Field(None, ge=1, le=365, description="hạn xử lý in working days from today")
    deadline: IsoDate | None = Field(None, description="or hạn xử lý as a date")
    instruction: Text = Field("", description="ý kiến chỉ đạo")


class CommentIn(RequestBody):
    version: Version
    comment: Text = ""


class DecisionIn(RequestBody):
    version: Version
    grant: bool
    comment: Text = ""


class DelegateIn(RequestBody):
    version: Version
    subject: Subject = Field(description="a person of the unit you head")
    comment: Text = ""


class ProgressIn(RequestBody):
    version: Version
    comment: Annotated[str, Field(min_length=1, max_length=2000)]


class ExtensionIn(RequestBody):
    version: Version
    days: int | None = Field(None, ge=1, le=365, description="working days more than the current deadline")
    deadline: IsoDate | None = Field(None, description="or the new deadline as a date")
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


class ReturnIn(RequestBody):
    version: Version
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


_DOCUMENT_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _document_id(value: str) -> str:
    """A document's id (UUID) or empty: anything else (a stray character, a NUL) is a 400 naming the field."""
    if value and not _DOCUMENT_ID.fullmatch(value):
        raise ValueError("phải là mã (UUID) của một văn bản, ví dụ 0192f0a1-7c3e-7b1a-9c1d-2f3e4a5b6c7d")
    return value


class CompleteIn(RequestBody):
    version: Version
    result: Text = Field("", description="kết quả xử lý")
    reply_document_id: Annotated[str, Field(max_length=64), AfterValidator(_document_id)] = Field(
        "", description="the outgoing reply this work produced (văn bản trả lời), if any")
    result_file_ids: list[FileId] = Field(default_factory=list, max_length=20,
                                          description="stored files (ids) attached to the result")


class JobIn(RequestBody):
    title: Annotated[str, Field(min_length=1, max_length=500)] = Field(description="tên công việc")
    description: Text = Field("", description="nội dung, yêu cầu")
    lead: PartyIn = Field(description="chủ trì: one unit or person")
    cooperating: list[PartyIn] = Field(default_factory=list, max_length=50, description="phối hợp")
    for_information: list[PartyIn] = Field(default_factory=list, max_length=50, description="nhận để biết")
    deadline_days: int | None = Field(None, ge=1, le=365, description="hạn xử lý in working days from today")
    deadline: IsoDate | None = Field(None, description="or hạn xử lý as a date")
    parent_id: Annotated[str, Field(max_length=64)] = Field(
        "", description="a sub-job (việc con): the job whose lead you are; empty: a top-level job")


class ReassignJobIn(RequestBody):
    version: Version
    lead: PartyIn = Field(description="chủ trì: one unit or person")
    cooperating: list[PartyIn] = Field(default_factory=list, max_length=50, description="phối hợp")
    for_information: list[PartyIn] = Field(default_factory=list, max_length=50, description="nhận để biết")
    deadline_days: int | None = Field(None, ge=1, le=365, description="hạn xử lý in working days from today")
    deadline: IsoDate | None = Field(None, description="or hạn xử lý as a date")
    comment: Text = ""


class JobsOut(ResponseBody):
    jobs: list[CaseOut] = Field(description="without their tasks and history (GET /jobs/{case_id})")
    next_page_token: str


class StartOutgoingIn(RequestBody):
    document_id: Annotated[str, Field(min_length=1, max_length=64)] = Field(
        description="your outgoing draft (dự thảo văn bản đi)")
    comment: Text = ""
    unit_code: str = Field("", max_length=64, description="the drafting unit whose head reviews, one of yours; empty: "
                                                          "the unit the draft names, else your first")


class ReviewIn(RequestBody):
    version: Version
    approve: bool = Field(description="true: duyệt; false: trả lại dự thảo (the comment required)")
    comment: Text = ""
    consult: list[UnitCode] = Field(default_factory=list, max_length=50,
                                    description="approving: units of your agency to consult (lấy ý kiến)")


class AnswerIn(RequestBody):
    version: Version
    opinion: Annotated[str, Field(min_length=1, max_length=2000)] = Field(description="ý kiến of the unit")


class VersionIn(RequestBody):
    version: Version


class SignIn(RequestBody):
    version: Version
    handle: str = Field("", max_length=64, description="a key the service does not hold (USB token): the handle of "
                        "POST /api/v1/workflow/cases/{case_id}/prepare-signature (the only preparation a document's "
                        "signature accepts: the registry draws the signing authority line and binds the handle to "
                        "the document and its main file)")
    signature_value: str = Field("", max_length=4096, description="base64 of the value your key made over that "
                                 "preparation's to_sign; empty with no handle (the key the service holds signs)")


class IssueIn(RequestBody):
    version: Version
    register_id: Annotated[str, Field(max_length=64)] = Field(
        "", description="the register; empty: the one covering the document's type")


def _workflow(request: Request) -> Any:
    stub = request.app.state.clients.workflow
    if stub is None:
        raise Unavailable("Dịch vụ xử lý công việc chưa được triển khai trên hệ thống này: báo quản trị hệ thống.")
    return stub


def _party(p: pb.Party) -> PartyOut:
    return PartyOut(kind=p.kind, id=p.id, name=p.name)


def _task(t: pb.Task) -> TaskOut:
    return TaskOut(id=t.id, case_id=t.case_id, document_id=t.document_id, kind=t.kind, assignee_kind=t.assignee_kind,
                   assignee=t.assignee, unit_code=t.unit_code, state=t.state, deadline=t.deadline,
                   deadline_state=t.deadline_state, created_at=t.created_at, done_at=t.done_at, abstract=t.abstract,
                   note=t.note, case_kind=t.case_kind, outcome=t.outcome, case_state=t.case_state,
                   case_deadline=t.case_deadline, requested_deadline=t.requested_deadline,
                   given_by=t.given_by, given_by_name=t.given_by_name)


def _case(c: pb.Case) -> CaseOut:
    return CaseOut(
        id=c.id, agency_code=c.agency_code, document_id=c.document_id, state=c.state, version=c.version,
        abstract=c.abstract, arrival_number=c.arrival_number, leader=c.leader,
        lead=_party(c.lead) if c.HasField("lead") else None, cooperating=[_party(p) for p in c.cooperating],
        for_information=[_party(p) for p in c.for_information], deadline=c.deadline, instruction=c.instruction,
        result=c.result, reply_document_id=c.reply_document_id, created_at=c.created_at, updated_at=c.updated_at,
        tasks=[_task(t) for t in c.tasks],
        steps=[StepOut(seq=s.seq, task_id=s.task_id, action=s.action, from_state=s.from_state, to_state=s.to_state,
                       actor=s.actor, actor_name=s.actor_name, at=s.at, comment=s.comment,
                       on_behalf_of=s.on_behalf_of, delegation_id=s.delegation_id, competence=s.competence)
               for s in c.steps],
        kind=c.kind, definition_version=c.definition_version,
        circuit=[CircuitStepOut(step=s.step, role=s.role) for s in c.circuit], drafter=c.drafter,
        drafter_name=c.drafter_name, unit_code=c.unit_code, type_code=c.type_code, parent_id=c.parent_id,
        depth=c.depth, result_file_ids=list(c.result_file_ids))


def _parties(parties: list[PartyIn]) -> list[pb.Party]:
    return [pb.Party(kind=p.kind, id=p.id) for p in parties]


@router.post("/incoming", response_model=CaseOut, status_code=201,
             summary="Submit a registered incoming document to a leader (trình, clerk)")
@calls(WORKFLOW + "SubmitIncoming")
async def submit(request: Request, principal: User, body: SubmitIn) -> CaseOut:
    reply = await _workflow(request).SubmitIncoming(pb.SubmitIncomingRequest(
        document_id=body.document_id, leader=body.leader or "", comment=body.comment), metadata=forward(principal))
    return _case(reply.case)


@router.get("/cases/{case_id}", response_model=CaseOut, summary="A case with its tasks and history")
@calls(WORKFLOW + "GetCase")
async def get_case(request: Request, principal: User, case_id: Id) -> CaseOut:
    reply = await _workflow(request).GetCase(pb.GetCaseRequest(case_id=case_id), metadata=forward(principal))
    return _case(reply.case)


@router.get("/documents/{document_id}/case", response_model=CaseOut | None,
            summary="The case of a document (an arrival's processing, an outgoing draft's circuit), with its tasks "
                    "and history")
@calls(WORKFLOW + "GetCase")
async def get_document_case(
        request: Request, principal: User, document_id: Id,
        if_exists: Annotated[bool, Query(description=(
            "answer null (200), not 404, when the document has no case yet (an arrival not submitted, a draft whose "
            "circuit has not started) or is not the caller's to see: the screens that ask whether there is one"))]
        = False) -> CaseOut | None:
    try:
        reply = await _workflow(request).GetCase(pb.GetCaseRequest(document_id=document_id),
                                                 metadata=forward(principal))
    except grpc.aio.AioRpcError as error:
        if if_exists and error.code() == grpc.StatusCode.NOT_FOUND:
            return None
        raise
    return _case(reply.case)


@router.post("/cases/{case_id}/assign", response_model=CaseOut,
             summary="Assign (phân công) or reassign the case (leader): lead, cooperating, for information, deadline, "
                     "instruction")
@calls(WORKFLOW + "AssignIncoming")
async def assign(request: Request, principal: User, case_id: Id, body: AssignIn) -> CaseOut:
    reply = await _workflow(request).AssignIncoming(pb.AssignIncomingRequest(
        case_id=case_id, version=body.version, lead=pb.Party(kind=body.lead.kind, id=body.lead.id),
        cooperating=_parties(body.cooperating), for_information=_parties(body.for_information),
        deadline_days=body.deadline_days or 0, deadline=body.deadline.isoformat() if body.deadline else "",
        instruction=body.instruction), metadata=forward(principal))
    return _case(reply.case)


@router.post("/cases/{case_id}/recall", response_model=CaseOut,
             summary="Take the case back (thu hồi, leader): the open tasks are cancelled")
@calls(WORKFLOW + "RecallIncoming")
async def recall(request: Request, principal: User, case_id: Id, body: CommentIn) -> CaseOut:
    reply = await _workflow(request).RecallIncoming(pb.RecallIncomingRequest(
        case_id=case_id, version=body.version, comment=body.comment), metadata=forward(principal))
    return _case(reply.case)


@router.post("/cases/{case_id}/extension", response_model=CaseOut,
             summary="Grant or refuse the lead's extension request (leader)")
@calls(WORKFLOW + "DecideExtension")
async def decide_extension(request: Request, principal: User, case_id: Id, body: DecisionIn) -> CaseOut:
    reply = await _workflow(request).DecideExtension(pb.DecideExtensionRequest(
        case_id=case_id, version=body.version, grant=body.grant, comment=body.comment), metadata=forward(principal))
    return _case(reply.case)


@router.post("/tasks/{task_id}/delegate", response_model=CaseOut,
             summary="Give the unit's task to a person of the unit (head of the unit)")
@calls(WORKFLOW + "DelegateTask")
async def delegate(request: Request, principal: User, task_id: Id, body: DelegateIn) -> CaseOut:
    reply = await _workflow(request).DelegateTask(pb.DelegateTaskRequest(
        task_id=task_id, version=body.version, subject=body.subject, comment=body.comment),
        metadata=forward(principal))
    return _case(reply.case)


@router.post("/tasks/{task_id}/progress", response_model=CaseOut, summary="Record progress on a task of yours")
@calls(WORKFLOW + "RecordProgress")
async def progress(request: Request, principal: User, task_id: Id, body: ProgressIn) -> CaseOut:
    reply = await _workflow(request).RecordProgress(pb.RecordProgressRequest(
        task_id=task_id, version=body.version, comment=body.comment), metadata=forward(principal))
    return _case(reply.case)


@router.post("/tasks/{task_id}/extension", response_model=CaseOut,
             summary="Ask for more time on the lead task (xin gia hạn); a leader decides")
@calls(WORKFLOW + "RequestExtension")
async def request_extension(request: Request, principal: User, task_id: Id, body: ExtensionIn) -> CaseOut:
    reply = await _workflow(request).RequestExtension(pb.RequestExtensionRequest(
        task_id=task_id, version=body.version, days=body.days or 0,
        deadline=body.deadline.isoformat() if body.deadline else "", reason=body.reason), metadata=forward(principal))
    return _case(reply.case)


@router.post("/tasks/{task_id}/return", response_model=CaseOut,
             summary="Return the case to the leaders with a reason (trả lại, the lead)")
@calls(WORKFLOW + "ReturnIncoming")
async def return_case(request: Request, principal: User, task_id: Id, body: ReturnIn) -> CaseOut:
    reply = await _workflow(request).ReturnIncoming(pb.ReturnIncomingRequest(
        task_id=task_id, version=body.version, reason=body.reason), metadata=forward(principal))
    return _case(reply.case)


@router.post("/tasks/{task_id}/complete", response_model=CaseOut,
             summary="Complete a task of yours; the lead's completes the case (hoàn thành)")
@calls(WORKFLOW + "CompleteTask")
async def complete(request: Request, principal: User, task_id: Id, body: CompleteIn) -> CaseOut:
    reply = await _workflow(request).CompleteTask(pb.CompleteTaskRequest(
        task_id=task_id, version=body.version, result=body.result, reply_document_id=body.reply_document_id,
        result_file_ids=body.result_file_ids), metadata=forward(principal))
    return _case(reply.case)


@router.get("/inbox", response_model=InboxOut, summary="Your tasks (to do, due soon, overdue, done) with counts")
@calls(WORKFLOW + "ListInbox")
async def inbox(request: Request, principal: User,
                bucket: Literal["todo", "due_soon", "overdue", "done", "all"] = "todo",
                kind: Annotated[list[TaskKind] | None, Query(max_length=10, description="task kinds to keep")] = None,
                case_kind: Annotated[Literal["incoming", "outgoing", "job"] | None, Query(
                    description="only the tasks about incoming documents, outgoing drafts or jobs")] = None,
                q: Annotated[SearchWords | None, Query(max_length=200, description=(
                    "words the document's trích yếu (a job's title) contains, with or without diacritics"))] = None,
                type_code: Annotated[str | None, Query(max_length=50, description="the document's type")] = None,
                issuing_agency_code: Annotated[str | None, Query(max_length=50, description=(
                    "an incoming document's issuing agency (mã định danh)"))] = None,
                date_from: Annotated[IsoDate | None, Query(description=(
                    "tasks given from this day (Vietnam date, included)"))] = None,
                date_to: Annotated[IsoDate | None, Query(description="... to this day (included)")] = None,
                page_size: Annotated[int, Query(ge=0, le=200)] = 0,
                page_token: Annotated[str, Query(max_length=200)] = "") -> InboxOut:
    """The filters narrow the list and its counts alike, and only ever within your own tasks."""
    reply = await _workflow(request).ListInbox(pb.ListInboxRequest(
        bucket=bucket, kinds=list(kind or []), page_size=page_size, page_token=page_token,
        case_kind=case_kind or "", query=q or "", type_code=type_code or "",
        issuing_agency_code=issuing_agency_code or "", date_from=date_from.isoformat() if date_from else "",
        date_to=date_to.isoformat() if date_to else ""), metadata=forward(principal))
    return InboxOut(tasks=[_task(t) for t in reply.tasks],
                    counts=InboxCountsOut(todo=reply.counts.todo, due_soon=reply.counts.due_soon,
                                          overdue=reply.counts.overdue, done=reply.counts.done),
                    next_page_token=reply.next_page_token)


# -- assigned work (giao việc) -----------------------------------------------------------------------------------
@router.post("/jobs", response_model=CaseOut, status_code=201,
             summary="Give a job (giao việc: leader, or a head within their unit) or a sub-job (the job's lead)")
@calls(WORKFLOW + "GiveJob")
async def give_job(request: Request, principal: User, body: JobIn) -> CaseOut:
    reply = await _workflow(request).GiveJob(pb.GiveJobRequest(
        title=body.title, description=body.description, lead=pb.Party(kind=body.lead.kind, id=body.lead.id),
        cooperating=_parties(body.cooperating), for_information=_parties(body.for_information),
        deadline_days=body.deadline_days or 0, deadline=body.deadline.isoformat() if body.deadline else "",
        parent_id=body.parent_id), metadata=forward(principal))
    return _case(reply.case)


class DeadlineOut(ResponseBody):
    deadline: str = Field(description="the hạn xử lý (YYYY-MM-DD) an assignment made now would get")
    today: str = Field(description="today in Vietnam at the workflow service's clock (YYYY-MM-DD)")
    day_off: str = Field(description="why the deadline is not a working day (\"Tết Dương lịch\", \"Thứ Bảy\"); empty "
                                     "when it is one")


@router.get("/deadline", response_model=DeadlineOut,
            summary="The deadline a number of working days gives today, or whether a date is a day off, as the "
                    "workflow service counts it (its calendar: weekends, Tết and the other holidays)")
@calls(WORKFLOW + "ComputeDeadline")
async def compute_deadline(request: Request, principal: User,
                           days: Annotated[int | None, Query(ge=1, le=365, description=(
                               "working days from today (as an assignment's deadline_days)"))] = None,
                           date: Annotated[IsoDate | None, Query(description=(
                               "or a date (as an assignment's deadline): checked, its day off named"))] = None,
                           start: Annotated[IsoDate | None, Query(description=(
                               "with days: count them from this date instead of today (xin gia hạn: from the "
                               "current deadline)"))] = None,
                           ) -> DeadlineOut:
    reply = await _workflow(request).ComputeDeadline(pb.ComputeDeadlineRequest(
        days=days or 0, deadline=date.isoformat() if date else "", start=start.isoformat() if start else ""),
        metadata=forward(principal))
    return DeadlineOut(deadline=reply.deadline, today=reply.today, day_off=reply.day_off)


@router.get("/jobs", response_model=JobsOut, summary="The jobs you gave, or the sub-jobs of a job you see")
@calls(WORKFLOW + "ListJobs")
async def list_jobs(request: Request, principal: User,
                    parent_id: Annotated[str, Query(max_length=64, description="a job: its sub-jobs")] = "",
                    q: Annotated[SearchWords | None, Query(max_length=200, description=(
                        "words the job's title contains, with or without diacritics"))] = None,
                    state: Annotated[Literal["assigned", "in_progress", "extension_requested", "returned",
                                             "completed", "submitted"] | None, Query(
                        description="the job's state")] = None,
                    date_from: Annotated[IsoDate | None, Query(description=(
                        "jobs given from this day (Vietnam date, included)"))] = None,
                    date_to: Annotated[IsoDate | None, Query(description="... to this day (included)")] = None,
                    page_size: Annotated[int, Query(ge=0, le=200)] = 0,
                    page_token: Annotated[str, Query(max_length=200)] = "") -> JobsOut:
    """The filters narrow only the jobs you gave (or the sub-jobs of a job you see), page after page."""
    reply = await _workflow(request).ListJobs(pb.ListJobsRequest(
        parent_id=parent_id, page_size=page_size, page_token=page_token, query=q or "", state=state or "",
        date_from=date_from.isoformat() if date_from else "", date_to=date_to.isoformat() if date_to else ""),
        metadata=forward(principal))
    return JobsOut(jobs=[_case(c) for c in reply.jobs], next_page_token=reply.next_page_token)


@router.get("/jobs/{case_id}", response_model=CaseOut,
            summary="A job with its tasks and history (its giver, the givers above it, its assignees)")
@calls(WORKFLOW + "GetJob")
async def get_job(request: Request, principal: User, case_id: Id) -> CaseOut:
    reply = await _workflow(request).GetJob(pb.GetJobRequest(case_id=case_id), metadata=forward(principal))
    return _case(reply.case)


@router.post("/jobs/{case_id}/reassign", response_model=CaseOut,
             summary="Give the job again (the giver): new lead, cooperating, for information, deadline")
@calls(WORKFLOW + "ReassignJob")
async def reassign_job(request: Request, principal: User, case_id: Id, body: ReassignJobIn) -> CaseOut:
    reply = await _workflow(request).ReassignJob(pb.ReassignJobRequest(
        case_id=case_id, version=body.version, lead=pb.Party(kind=body.lead.kind, id=body.lead.id),
        cooperating=_parties(body.cooperating), for_information=_parties(body.for_information),
        deadline_days=body.deadline_days or 0, deadline=body.deadline.isoformat() if body.deadline else "",
        comment=body.comment), metadata=forward(principal))
    return _case(reply.case)


@router.post("/jobs/{case_id}/recall", response_model=CaseOut,
             summary="Take the job back (thu hồi, the giver): the open tasks are cancelled")
@calls(WORKFLOW + "RecallJob")
async def recall_job(request: Request, principal: User, case_id: Id, body: CommentIn) -> CaseOut:
    reply = await _workflow(request).RecallJob(pb.RecallJobRequest(
        case_id=case_id, version=body.version, comment=body.comment), metadata=forward(principal))
    return _case(reply.case)


@router.post("/jobs/{case_id}/extension", response_model=CaseOut,
             summary="Grant or refuse the lead's extension request (the giver)")
@calls(WORKFLOW + "DecideJobExtension")
async def decide_job_extension(request: Request, principal: User, case_id: Id, body: DecisionIn) -> CaseOut:
    reply = await _workflow(request).DecideJobExtension(pb.DecideJobExtensionRequest(
        case_id=case_id, version=body.version, grant=body.grant, comment=body.comment), metadata=forward(principal))
    return _case(reply.case)


# -- dashboards (issue 13 item 5) -------------------------------------------------------------------------------
class DashboardRowOut(ResponseBody):
    unit_code: str = Field(description="the unit (incoming: the lead's; outgoing: the drafting unit); empty: the "
                                       "whole agency; '-': not given to a unit yet")
    unit_name: str
    total: int
    by_state: dict[str, int] = Field(description="state → cases in it now")
    completed: int
    with_deadline: int = Field(description="cases with a deadline (hạn xử lý)")
    overdue_open: int = Field(description="still open past their deadline")
    completed_late: int = Field(description="completed after their deadline")
    overdue_rate: float = Field(description="(overdue_open + completed_late) / with_deadline, 0..1")
    median_processing_days: float = Field(description="median start → completion of the completed cases, days")


class DashboardOut(ResponseBody):
    agency: DashboardRowOut | None = Field(description="the whole agency (leaders only)")
    units: list[DashboardRowOut]


DashboardKind = Literal["incoming", "outgoing", "job"]
EXPORT_TYPES = {"csv": CSV_TYPE, "xlsx": XLSX_TYPE}


def _dashboard_row(row: pb.DashboardRow) -> DashboardRowOut:
    return DashboardRowOut(
        unit_code=row.unit_code, unit_name=row.unit_name, total=row.total, by_state=dict(row.by_state),
        completed=row.completed, with_deadline=row.with_deadline, overdue_open=row.overdue_open,
        completed_late=row.completed_late, overdue_rate=row.overdue_rate,
        median_processing_days=row.median_processing_days)


@router.get("/dashboard", response_model=DashboardOut,
            summary="Cases started in a period per agency and unit: by state, overdue rate, median processing time "
                    "(leaders: the agency and every unit; heads: their units)")
@calls(WORKFLOW + "GetDashboard")
async def get_dashboard(request: Request, principal: User, date_from: IsoDate, date_to: IsoDate,
                        kind: DashboardKind = "incoming") -> DashboardOut:
    reply = await _workflow(request).GetDashboard(pb.GetDashboardRequest(
        date_from=date_from.isoformat(), date_to=date_to.isoformat(), kind=kind), metadata=forward(principal))
    return DashboardOut(agency=_dashboard_row(reply.agency) if reply.HasField("agency") else None,
                        units=[_dashboard_row(r) for r in reply.units])


@router.get("/dashboard/export", response_class=Response,
            responses={200: {"description": "the dashboard as a file",
                             "content": {t: {"schema": {"type": "string", "format": "binary"}}
                                         for t in EXPORT_TYPES.values()}}},
            summary="The dashboard as CSV or an XLSX workbook")
@calls(WORKFLOW + "GetDashboard")
async def export_dashboard(request: Request, principal: User, date_from: IsoDate, date_to: IsoDate,
                           kind: DashboardKind = "incoming", format: Literal["csv", "xlsx"] = "xlsx") -> Response:
    reply = await _workflow(request).GetDashboard(pb.GetDashboardRequest(
        date_from=date_from.isoformat(), date_to=date_to.isoformat(), kind=kind, format=format),
        metadata=forward(principal))
    return Response(content=reply.file, media_type=EXPORT_TYPES[format],
                    headers={"Content-Disposition": attachment(reply.file_name)})


# -- the outgoing circuit (quy trình văn bản đi) -----------------------------------------------------------------
@router.post("/outgoing", response_model=CaseOut, status_code=201,
             summary="Put your outgoing draft into its circuit (gửi dự thảo: to review, as the definition says)")
@calls(WORKFLOW + "StartOutgoing")
async def start_outgoing(request: Request, principal: User, body: StartOutgoingIn) -> CaseOut:
    reply = await _workflow(request).StartOutgoing(pb.StartOutgoingRequest(
        document_id=body.document_id, comment=body.comment, unit_code=body.unit_code), metadata=forward(principal))
    return _case(reply.case)


@router.post("/cases/{case_id}/review", response_model=CaseOut,
             summary="Approve the draft, with units to consult, or return it with comments (the reviewer)")
@calls(WORKFLOW + "ReviewOutgoing")
async def review_outgoing(request: Request, principal: User, case_id: Id, body: ReviewIn) -> CaseOut:
    reply = await _workflow(request).ReviewOutgoing(pb.ReviewOutgoingRequest(
        case_id=case_id, version=body.version, approve=body.approve, comment=body.comment, consult=body.consult),
        metadata=forward(principal))
    return _case(reply.case)


@router.post("/cases/{case_id}/resend", response_model=CaseOut,
             summary="Send the corrected draft back to review (the drafter)")
@calls(WORKFLOW + "ResendOutgoing")
async def resend_outgoing(request: Request, principal: User, case_id: Id, body: CommentIn) -> CaseOut:
    reply = await _workflow(request).ResendOutgoing(pb.ResendOutgoingRequest(
        case_id=case_id, version=body.version, comment=body.comment), metadata=forward(principal))
    return _case(reply.case)


@router.post("/tasks/{task_id}/answer", response_model=CaseOut,
             summary="Answer a consultation with the unit's opinion (the consulted unit's head)")
@calls(WORKFLOW + "AnswerConsultation")
async def answer_consultation(request: Request, principal: User, task_id: Id, body: AnswerIn) -> CaseOut:
    reply = await _workflow(request).AnswerConsultation(pb.AnswerConsultationRequest(
        task_id=task_id, version=body.version, opinion=body.opinion), metadata=forward(principal))
    return _case(reply.case)


@router.post("/cases/{case_id}/submit", response_model=CaseOut,
             summary="Submit the approved draft for signature (trình ký, the drafter)")
@calls(WORKFLOW + "SubmitOutgoing")
async def submit_outgoing(request: Request, principal: User, case_id: Id, body: CommentIn) -> CaseOut:
    reply = await _workflow(request).SubmitOutgoing(pb.SubmitOutgoingRequest(
        case_id=case_id, version=body.version, comment=body.comment), metadata=forward(principal))
    return _case(reply.case)


@router.post("/cases/{case_id}/sign", response_model=CaseOut,
             summary="Sign the submitted document (ký, with your own signing profile)")
@calls(WORKFLOW + "SignOutgoing")
async def sign_outgoing(request: Request, principal: User, case_id: Id, body: SignIn) -> CaseOut:
    try:
        value = base64.b64decode(body.signature_value, validate=True)
    except ValueError as exc:
        raise InvalidArgument("signature_value", "không phải dữ liệu base64.") from exc
    reply = await _workflow(request).SignOutgoing(pb.SignOutgoingRequest(
        case_id=case_id, version=body.version, handle=body.handle, signature_value=value),
        metadata=forward(principal))
    return _case(reply.case)


class PreparedSigningOut(PreparedOut):
    authority: list[str] = Field(description="the signing authority lines the signed document shows (e.g. \"TUQ. "
                                             "CHỦ TỊCH\", \"CHÁNH VĂN PHÒNG\" under a delegation; empty: none)")


@router.post("/cases/{case_id}/prepare-signature", response_model=PreparedSigningOut,
             summary="Signing with your USB token, step 1: what your key must sign for the submitted document (the "
                     "delegation in force decides the KT./TUQ. line); then POST …/sign with the handle and the value")
@calls(WORKFLOW + "PrepareSignOutgoing")
async def prepare_sign_outgoing(request: Request, principal: User, case_id: Id, body: VersionIn) -> PreparedSigningOut:
    r = await _workflow(request).PrepareSignOutgoing(pb.PrepareSignOutgoingRequest(
        case_id=case_id, version=body.version), metadata=forward(principal))
    return PreparedSigningOut(handle=r.handle, to_sign=base64.b64encode(r.to_sign).decode(),
                              digest=base64.b64encode(r.digest).decode(), digest_algorithm=r.digest_algorithm,
                              signature_algorithm=r.signature_algorithm, expires_at=r.expires_at,
                              box=BoxOut(page=r.page, x1=r.x1, y1=r.y1, x2=r.x2, y2=r.y2),
                              image=base64.b64encode(r.image).decode(), authority=list(r.authority))


@router.post("/cases/{case_id}/return-unsigned", response_model=CaseOut,
             summary="Return the submitted draft to its drafter without signing, with the reason (trả lại, không ký)")
@calls(WORKFLOW + "ReturnUnsigned")
async def return_unsigned(request: Request, principal: User, case_id: Id, body: ReturnIn) -> CaseOut:
    reply = await _workflow(request).ReturnUnsigned(pb.ReturnUnsignedRequest(
        case_id=case_id, version=body.version, comment=body.reason), metadata=forward(principal))
    return _case(reply.case)


@router.post("/cases/{case_id}/issue", response_model=CaseOut,
             summary="Issue the signed document (ban hành, clerk); interchange sends it")
@calls(WORKFLOW + "IssueOutgoing")
async def issue_outgoing(request: Request, principal: User, case_id: Id, body: IssueIn) -> CaseOut:
    reply = await _workflow(request).IssueOutgoing(pb.IssueOutgoingRequest(
        case_id=case_id, version=body.version, register_id=body.register_id), metadata=forward(principal))
    return _case(reply.case)


# -- ủy quyền (delegations) ---------------------------------------------------------------------------------------
class DelegationIn(RequestBody):
    deputy: Subject = Field(description="the deputy's subject: a person of your agency (for a unit, a member of it)")
    unit_code: Annotated[str, Field(max_length=20, pattern=r"^([A-Za-z0-9][A-Za-z0-9._-]*)?$")] = Field(
        "", description="a head: the unit whose tasks the deputy takes; empty: a leader's own tasks")
    valid_from: IsoDate = Field(description="the first day (Vietnam date)")
    valid_to: IsoDate = Field(description="the last day, included (at most a year after the first)")
    competence: Literal["KT.", "TUQ."] = Field("TUQ.", description="what a signature under it shows: KT. (ký thay: "
                                                                   "only a leader's own tasks given to another "
                                                                   "leader, Decree 30/2020 Art. 13) or TUQ. (thừa ủy "
                                                                   "quyền)")
    reason: Annotated[str, Field(max_length=500)] = ""
    deputy_position: Annotated[str, Field(max_length=100)] = Field(
        "", description="the deputy's own position (chức vụ), e.g. Phó Giám đốc: the line under the competence "
                        "(KT. GIÁM ĐỐC) above a signature under the delegation")


class DelegationOut(ResponseBody):
    id: str
    agency_code: str
    delegator: str
    delegator_username: str
    delegator_name: str
    unit_code: str
    deputy: str
    deputy_name: str
    valid_from: str
    valid_to: str
    competence: str
    reason: str
    created_at: str
    revoked_at: str = Field(description="empty while not revoked")
    revoked_by: str
    active: bool = Field(description="in force today")
    deputy_position: str = ""


def _delegation(d: pb.Delegation) -> DelegationOut:
    return DelegationOut(
        id=d.id, agency_code=d.agency_code, delegator=d.delegator, delegator_username=d.delegator_username,
        delegator_name=d.delegator_name, unit_code=d.unit_code, deputy=d.deputy, deputy_name=d.deputy_name,
        valid_from=d.valid_from, valid_to=d.valid_to, competence=d.competence, reason=d.reason,
        created_at=d.created_at, revoked_at=d.revoked_at, revoked_by=d.revoked_by, active=d.active,
        deputy_position=d.deputy_position)


@router.post("/delegations", response_model=DelegationOut, status_code=201,
             summary="Delegate your tasks (a leader) or your unit's (a head) to a deputy for a period (ủy quyền)")
@calls(WORKFLOW + "CreateDelegation")
async def create_delegation(request: Request, principal: User, body: DelegationIn) -> DelegationOut:
    reply = await _workflow(request).CreateDelegation(pb.CreateDelegationRequest(
        deputy=body.deputy, unit_code=body.unit_code, valid_from=body.valid_from.isoformat(),
        valid_to=body.valid_to.isoformat(), competence=body.competence, reason=body.reason,
        deputy_position=body.deputy_position),
        metadata=forward(principal))
    return _delegation(reply.delegation)


@router.get("/delegations", response_model=list[DelegationOut],
            summary="The delegations you gave or received (a leader: all of your agency's), newest first")
@calls(WORKFLOW + "ListDelegations")
async def list_delegations(request: Request, principal: User, active_only: bool = False) -> list[DelegationOut]:
    reply = await _workflow(request).ListDelegations(pb.ListDelegationsRequest(active_only=active_only),
                                                     metadata=forward(principal))
    return [_delegation(d) for d in reply.delegations]


@router.post("/delegations/{delegation_id}/revoke", response_model=DelegationOut,
             summary="End a delegation now (its delegator, or a leader)")
@calls(WORKFLOW + "RevokeDelegation")
async def revoke_delegation(request: Request, principal: User, delegation_id: Id) -> DelegationOut:
    reply = await _workflow(request).RevokeDelegation(pb.RevokeDelegationRequest(id=delegation_id),
                                                      metadata=forward(principal))
    return _delegation(reply.delegation)
