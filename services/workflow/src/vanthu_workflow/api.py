"""gRPC servicer of the workflow: proto <-> domain, who the caller is (roles from the token, the units they head from
the registry's directory), input limits; the rules are in :mod:`vanthu_workflow.domain.incoming` and the store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import grpc

from vanthu.registry.v1 import documents_pb2
from vanthu.workflow.v1 import workflow_pb2 as pb
from vanthu.workflow.v1 import workflow_pb2_grpc
from vanthu_core import policy
from vanthu_core.auth import Principal, current_principal
from vanthu_core.errors import FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from vanthu_core.spreadsheet import CSV_TYPE, XLSX_TYPE
from vanthu_core.text import fold
from vanthu_core.timeutil import FIRST_DAY, LAST_DAY, VIETNAM_TZ, Clock, iso_vietnam, utc_now
from vanthu_core.workdays import (
    DEFAULT_SOON_DAYS,
    WorkingCalendar,
    add_working_days,
    deadline_state,
    default_calendar,
    vietnam_date,
)
from vanthu_workflow import dashboard
from vanthu_workflow.cancellations import cancelled_note
from vanthu_workflow.delegations import DelegationStore, DelegationView
from vanthu_workflow.directory import Directory, MemberInfo, UnitInfo
from vanthu_workflow.domain.delegation import (
    ActingFor,
    check_competence,
    check_delegator,
    check_period,
    check_signs_under,
    deputy_roles,
)
from vanthu_workflow.domain.incoming import (
    MAX_PARTIES,
    OPEN_TASK_STATES,
    PERSON,
    STATE_NAMES,
    UNIT,
    Action,
    Party,
    State,
    TaskKind,
    check_parties,
    check_party,
    check_text,
    deadline_from,
    document_status_name,
    party_words,
    unit_words,
)
from vanthu_workflow.domain.jobs import (
    JOB,
    check_file_ids,
    check_parent_working,
    check_title,
    check_within,
    giving_unit,
)
from vanthu_workflow.domain.outgoing import (
    OUT_STATE_NAMES,
    Definition,
    OutAction,
    OutTaskKind,
    default_definition,
)
from vanthu_workflow.notify import Audience, NotificationHub, NotificationView
from vanthu_workflow.result_files import NoStorage, ResultFiles, task_holder
from vanthu_workflow.store import (
    INCOMING,
    OUTGOING,
    ROLE,
    Actor,
    CaseView,
    InboxFilter,
    JobFilter,
    TaskView,
    WorkflowStore,
    name_key,
)

MAX_ID = 100
#: The longest period a dashboard covers, in days (five years).
MAX_DASHBOARD_DAYS = 5 * 366
#: At most this many notifications named in one MarkNotificationsRead.
MAX_MARK = 500
MAX_TOKEN = 500
#: A watcher reads what other replicas wrote in this last while (a notification committed later than this after
#: its time reaches the person's list, not their stream); and remembers this many ids it sent.
CATCH_UP = timedelta(minutes=5)
MAX_SENT = 1000
TASK_KINDS = frozenset(k.value for k in (*TaskKind, *OutTaskKind))
CASE_KINDS = (INCOMING, OUTGOING, JOB)
#: The longest "trích yếu có chứa" an inbox filter takes, and the longest code (a type's, an agency's).
MAX_FILTER_TEXT = 200
MAX_FILTER_CODE = 50


def _id(value: str, field: str) -> str:
    text = value.strip()
    if not text or len(text) > MAX_ID:
        raise InvalidArgument(field, f"chưa nhập (tối đa {MAX_ID} ký tự).")
    return text


def _version(value: int) -> int:
    if value < 1:
        raise InvalidArgument("version", "cần phiên bản như khi đồng chí mở ra (từ 1 trở lên).")
    return value


def _date(value: date | None) -> str:
    return value.isoformat() if value else ""


def party_to_proto(party: Party) -> pb.Party:
    return pb.Party(kind=party.kind, id=party.id, name=party.name)


def drafting_unit(own: Sequence[str], units: dict[str, UnitInfo], *, chosen: str = "", named: str = "") -> str:
    """The drafting unit of a draft whose drafter belongs to the units ``own`` (codes, sorted): ``chosen`` (one of
    them, InvalidArgument otherwise), else the one the draft names as its drafting unit (``named``: a unit's code
    or name, compared NFC ignoring case and spaces), else the first of ``own``; "" for a drafter of no unit.
    Its head reviews the draft (Decree 30/2020 Art. 10: the drafting unit's head checks the draft)."""
    if chosen:
        if chosen not in own:
            raise InvalidArgument("unit_code", "không phải đơn vị của người soạn dự thảo.")
        return chosen
    wanted = name_key(named)
    if wanted:
        found = next((c for c in own if wanted in (name_key(c), name_key(units[c].name))), "")
        if found:
            return found
    return own[0] if own else ""


#: The states of a finished case (hoàn thành, dừng xử lý): its open for-information tasks have no deadline state.
FINISHED_CASE_STATES = frozenset({State.COMPLETED.value, State.WITHDRAWN.value})
#: The most tasks one CheckFileAccess asks about (the gateway asks about at most 20 holders of a file).
MAX_FILE_HOLDERS = 20


class WorkflowApi(workflow_pb2_grpc.WorkflowServiceServicer):
    """Every method acts for a person of an agency, within that agency (:data:`vanthu_core.policy.TABLE` says which
    roles; the store says which states). Calls to the registry forward the caller's own token."""

    def __init__(self, store: WorkflowStore, directory: Directory, *, on_commit: Callable[[], None] | None = None,
                 clock: Clock = utc_now, calendar: WorkingCalendar | None = None,
                 definition: Definition | None = None, hub: NotificationHub | None = None,
                 keepalive_s: float = 15.0, result_files: ResultFiles | None = None) -> None:
        self.store = store
        #: The storage service for the files of a task's result (báo cáo kết quả); none deployed: refused.
        self.result_files: ResultFiles = result_files or NoStorage()
        #: Ủy quyền: the delegations in force are part of the acting person (:meth:`_actor`).
        self.delegations = DelegationStore(store.sessions, clock, store)
        #: The in-process fan-out of committed notifications (WatchNotifications); ``keepalive_s``: the quiet
        #: seconds after which a watcher is sent a keep-alive message.
        self.hub = hub or NotificationHub()
        self.keepalive_s = keepalive_s
        #: The outgoing circuits (a new case takes its circuit from here; a running case keeps its own).
        self.definition = definition or default_definition({})
        self.directory = directory
        self.on_commit = on_commit or (lambda: None)
        self.clock = clock
        self.calendar = calendar

    # -- conversions -----------------------------------------------------------------------------------------------
    def task_to_proto(self, task: TaskView, now: datetime) -> pb.Task:
        state = ""
        # no deadline state once the case is finished: an open for-information task of a completed case is not late
        if task.deadline and task.state in OPEN_TASK_STATES and task.case_state not in FINISHED_CASE_STATES:
            state = deadline_state(task.deadline, now, calendar=self.calendar).value
        return pb.Task(id=task.id, case_id=task.case_id, document_id=task.document_id, kind=task.kind,
                       assignee_kind=task.assignee_kind, assignee=task.assignee, unit_code=task.unit_code,
                       state=task.state, deadline=_date(task.deadline), deadline_state=state,
                       created_at=iso_vietnam(task.created_at),
                       done_at=iso_vietnam(task.done_at) if task.done_at else "",
                       abstract=task.abstract, note=task.note, case_kind=task.case_kind, outcome=task.outcome,
                       case_state=task.case_state, case_deadline=_date(task.case_deadline),
                       requested_deadline=_date(task.requested_deadline), given_by=task.given_by,
                       given_by_name=task.given_by_name)

    def case_to_proto(self, case: CaseView) -> pb.Case:
        now = self.clock()
        return pb.Case(
            id=case.id, agency_code=case.agency_code, document_id=case.document_id, state=case.state,
            version=case.version, abstract=case.abstract, arrival_number=case.arrival_number, leader=case.leader,
            lead=party_to_proto(case.lead) if case.lead else None,
            cooperating=[party_to_proto(p) for p in case.cooperating],
            for_information=[party_to_proto(p) for p in case.for_information], deadline=_date(case.deadline),
            instruction=case.instruction, result=case.result, reply_document_id=case.reply_document_id,
            created_at=iso_vietnam(case.created_at), updated_at=iso_vietnam(case.updated_at),
            tasks=[self.task_to_proto(t, now) for t in case.tasks],
            steps=[pb.Step(seq=s.seq, task_id=s.task_id, action=s.action, from_state=s.from_state,
                           to_state=s.to_state, actor=s.actor, actor_name=s.actor_name, at=iso_vietnam(s.at),
                           comment=s.comment, on_behalf_of=s.on_behalf_of, delegation_id=s.delegation_id,
                           competence=s.competence)
                   for s in case.steps],
            kind=case.kind, definition_version=case.circuit.version if case.circuit else 0,
            circuit=[pb.CircuitStep(step=s.name, role=s.role) for s in case.circuit.steps] if case.circuit else [],
            drafter=case.drafter, drafter_name=case.drafter_name, unit_code=case.unit_code, type_code=case.type_code,
            parent_id=case.parent_id, depth=case.depth, result_file_ids=case.result_file_ids)

    # -- who -------------------------------------------------------------------------------------------------------
    async def _actor(self, principal: Principal, units: Sequence[UnitInfo] | None = None,
                     acting: tuple[ActingFor, ...] | None = None) -> Actor:
        units = await self.directory.units(principal.token) if units is None else units
        heads = frozenset(u.code for u in units if u.head_subject and u.head_subject == principal.subject)
        if acting is None:
            acting = await self.delegations.acting_for(principal.agency or "", principal.subject)
        return Actor(subject=principal.subject, username=principal.username, name=principal.name,
                     roles=principal.roles, head_of=heads, acting_for=acting,
                     unit_names={u.code: u.name for u in units})

    async def _signer(self, principal: Principal, document_id: str,
                      units: Sequence[UnitInfo] | None = None) -> Actor:
        """The person acting on a draft's signature, with the signer the draft designates (its người ký, read from the
        registry with their token): a deputy signs only under that signer's delegation (issue 13 review item 4)."""
        actor = await self._actor(principal, units)
        if not any(not a.unit for a in actor.acting_for):
            return actor
        document = await self.directory.document(principal.token, document_id)
        return replace(actor, designated_signer=document.signer_name.strip(),
                       designated_signer_subject=document.signer_subject.strip())

    async def _deputy(self) -> tuple[Principal, str, tuple[ActingFor, ...]]:
        """The caller of a delegable method (:attr:`vanthu_core.policy.Access.delegable`), checked with the roles
        they hold under the delegations in force today (Vietnam date at the service's clock), and those
        delegations. PermissionDenied, before anything is read or written, for a person with neither the role nor
        such a delegation."""
        person = current_principal()
        acting = await self.delegations.acting_for(person.agency, person.subject) \
            if person.agency and not person.is_service else ()
        principal, agency = policy.require(deputies=deputy_roles(acting))
        return principal, agency, acting

    async def _audience(self, principal: Principal, units: Sequence[UnitInfo] | None = None,
                        people: Sequence[MemberInfo] | None = None) -> Audience:
        """Who the step's notifications reach: the units' heads, the holders of each role, the deputies under the
        delegations in force and, when e-mail is on, the people's addresses (the registry's directory, read with the
        caller's token)."""
        units = await self.directory.units(principal.token) if units is None else units
        people = await self.directory.people(principal.token) if people is None else people
        emails = {p.subject: p.email for p in people if p.email} if self.store.mail else {}
        holders: dict[str, list[str]] = {}
        for person in people:
            for role in person.roles:
                holders.setdefault(role, []).append(person.subject)
        return Audience(heads={u.code: u.head_subject for u in units if u.head_subject}, emails=emails,
                        roles={role: tuple(sorted(subjects)) for role, subjects in holders.items()},
                        deputies=await self.delegations.deputies(principal.agency or ""))

    @staticmethod
    def _resolve(party: Party, field: str, units: Sequence[UnitInfo], members: Sequence[MemberInfo], *,
                 given: str = "") -> Party:
        """The party a request names, as the directory knows it. ``given`` (what is given: "văn bản", "việc"): a unit
        must have a head (trưởng đơn vị), since a unit's task reaches its head alone (the audience ``heads``); a unit
        without one is refused naming it, before anything is written (issue 14: an arrival given to such a unit
        landed in nobody's inbox)."""
        if party.kind == UNIT:
            unit = next((u for u in units if u.code == party.id), None)
            if unit is None:
                raise InvalidArgument(f"{field}.id", "không phải đơn vị đang hoạt động của cơ quan đồng chí.")
            if given and not unit.head_subject:
                raise InvalidArgument(f"{field}.id", headless_unit(unit.name or unit.code, given), names_field=True)
            return Party(UNIT, unit.code, unit.name)
        member = next((m for m in members if m.subject == party.id), None)
        if member is None:
            raise InvalidArgument(f"{field}.id", "không phải người của cơ quan đồng chí.")
        return Party(PERSON, member.subject, member.name or member.username)

    def _parties(self, request: Any, units: Sequence[UnitInfo], members: Sequence[MemberInfo], *,
                 given: str = "văn bản") -> tuple[Party, list[Party], list[Party]]:
        """The lead, cooperating and for-information parties of an assignment (giao xử lý, giao việc, giao lại):
        each unit among them must have a head (:meth:`_resolve`)."""
        if not request.HasField("lead"):
            raise InvalidArgument("lead", "cần một đơn vị hoặc người chủ trì.")
        lead = self._resolve(check_party(request.lead.kind, request.lead.id, "lead"), "lead", units, members,
                             given=given)
        cooperating = [self._resolve(check_party(p.kind, p.id, f"cooperating[{i}]"), f"cooperating[{i}]", units,
                                     members, given=given) for i, p in enumerate(request.cooperating)]
        informed = [self._resolve(check_party(p.kind, p.id, f"for_information[{i}]"), f"for_information[{i}]",
                                  units, members, given=given) for i, p in enumerate(request.for_information)]
        check_parties(lead, cooperating, informed)
        return lead, cooperating, informed

    @staticmethod
    def delegation_to_proto(d: DelegationView) -> pb.Delegation:
        return pb.Delegation(
            id=d.id, agency_code=d.agency_code, delegator=d.delegator, delegator_username=d.delegator_username,
            delegator_name=d.delegator_name, unit_code=d.unit_code, deputy=d.deputy, deputy_name=d.deputy_name,
            valid_from=d.valid_from.isoformat(), valid_to=d.valid_to.isoformat(), competence=d.competence,
            reason=d.reason, created_at=iso_vietnam(d.created_at),
            revoked_at=iso_vietnam(d.revoked_at) if d.revoked_at else "", revoked_by=d.revoked_by, active=d.active,
            deputy_position=d.deputy_position)

    # -- ủy quyền ------------------------------------------------------------------------------------------------
    async def CreateDelegation(self, request: pb.CreateDelegationRequest,
                               context: grpc.aio.ServicerContext) -> pb.CreateDelegationResponse:
        """A leader delegates their own tasks, a head their unit's, to a deputy of the agency for a period."""
        principal, agency = policy.require()
        deputy = _id(request.deputy, "deputy")
        unit = request.unit_code.strip()
        if len(unit) > 20:
            raise InvalidArgument("unit_code", "mã đơn vị tối đa 20 ký tự.")
        today = self.delegations.today()
        valid_from, valid_to = check_period(_optional_date(request.valid_from, "valid_from"),
                                            _optional_date(request.valid_to, "valid_to"), today)
        reason = check_text(request.reason, "reason", limit=500)
        position = check_text(request.deputy_position, "deputy_position", limit=100)
        units = await self.directory.units(principal.token)
        heads = frozenset(u.code for u in units if u.head_subject == principal.subject)
        members = _members_by_unit(await self.directory.members(principal.token)) if unit else {}
        check_delegator(subject=principal.subject, roles=principal.roles, head_of=heads, unit=unit, deputy=deputy,
                        unit_members=members.get(unit, frozenset()),
                        unit_name=next((u.name for u in units if u.code == unit), ""))
        person = next((p for p in await self.directory.people(principal.token) if p.subject == deputy), None)
        if person is None:
            raise InvalidArgument("deputy", "không phải người của cơ quan đồng chí.")
        competence = check_competence(request.competence, unit=unit, deputy_roles=frozenset(person.roles))
        created = await self.delegations.create(
            agency_code=agency, delegator=principal.subject, delegator_username=principal.username,
            delegator_name=principal.name, unit_code=unit, deputy=deputy, deputy_name=person.name or person.username,
            valid_from=valid_from, valid_to=valid_to, competence=competence, reason=reason, deputy_position=position)
        self.on_commit()  # the covered cases' audiences (the deputy sees what they may act on)
        return pb.CreateDelegationResponse(delegation=self.delegation_to_proto(created))

    async def ListDelegations(self, request: pb.ListDelegationsRequest,
                              context: grpc.aio.ServicerContext) -> pb.ListDelegationsResponse:
        principal, agency = policy.require()
        found = await self.delegations.listed(agency, principal.subject, everyone="leader" in principal.roles,
                                              active_only=request.active_only)
        return pb.ListDelegationsResponse(delegations=[self.delegation_to_proto(d) for d in found])

    async def RevokeDelegation(self, request: pb.RevokeDelegationRequest,
                               context: grpc.aio.ServicerContext) -> pb.RevokeDelegationResponse:
        principal, agency = policy.require()
        revoked = await self.delegations.revoke(agency_code=agency, delegation_id=_id(request.id, "id"),
                                                subject=principal.subject, username=principal.username,
                                                leader="leader" in principal.roles)
        self.on_commit()  # the covered cases' audiences (a deputy who never acted no longer sees them)
        return pb.RevokeDelegationResponse(delegation=self.delegation_to_proto(revoked))

    def _done(self, case: CaseView) -> pb.Case:
        self.on_commit()
        return self.case_to_proto(case)

    # -- methods ---------------------------------------------------------------------------------------------------
    async def SubmitIncoming(self, request: pb.SubmitIncomingRequest,
                             context: grpc.aio.ServicerContext) -> pb.SubmitIncomingResponse:
        """The clerk (văn thư) submits (trình) a registered incoming document of their agency to a leader."""
        principal, own = policy.require()
        document_id = _id(request.document_id, "document_id")
        leader = request.leader.strip()
        if len(leader) > MAX_ID:
            raise InvalidArgument("leader", f"mã người dùng tối đa {MAX_ID} ký tự.")
        comment = check_text(request.comment, "comment")
        document = await self.directory.document(principal.token, document_id)  # another agency's: NotFound
        people = await self.directory.people(principal.token) if leader else []
        named = next((p for p in people if p.subject == leader), None)
        if leader and named is None:
            raise InvalidArgument("leader", "không phải người của cơ quan; để trống để trình lãnh đạo cơ quan.")
        if named is not None and "leader" not in named.roles:  # Decree 30/2020 Art. 21.3: trình người đứng đầu
            raise InvalidArgument("leader", f"{named.name or named.username} không phải lãnh đạo cơ quan: chỉ trình "
                                            "văn bản đến cho lãnh đạo (hoặc để trống để trình chung).")
        if document.agency_code != own or document.direction != "incoming":
            raise FailedPrecondition("Ở đây chỉ xử lý văn bản đến của cơ quan đồng chí.")
        if document.status != "registered":
            raise FailedPrecondition(f"Văn bản đang ở trạng thái {document_status_name(document.status)}: chỉ văn bản "
                                     "đã vào sổ mới trình "
                                     "lãnh đạo.")
        case = await self.store.submit(own, document_id=document.id, abstract=document.abstract,
                                       arrival_number=document.number, leader=leader,
                                       type_code=document.type_code, issuing_agency_code=document.issuing_agency_code,
                                       actor=await self._actor(principal, units=()), comment=comment,
                                       audience=await self._audience(principal, units=(), people=people))
        return pb.SubmitIncomingResponse(case=self._done(case))

    async def AssignIncoming(self, request: pb.AssignIncomingRequest,
                             context: grpc.aio.ServicerContext) -> pb.AssignIncomingResponse:
        """A leader (lãnh đạo), or a leader's deputy in their name, assigns the case: lead, cooperating,
        for-information, deadline, instruction."""
        principal, own, acting = await self._deputy()
        case_id, version = _id(request.case_id, "case_id"), _version(request.version)
        deadline = deadline_from(self.clock(), days=request.deadline_days, on=request.deadline,
                                 calendar=self.calendar)
        instruction = check_text(request.instruction, "instruction")
        await self.store.get(own, case_id=case_id)  # another agency's case: not found, whatever the parties
        units = await self.directory.units(principal.token)
        people = await self.directory.people(principal.token)
        lead, cooperating, informed = self._parties(request, units, people)
        case = await self.store.assign(own, case_id, version, lead=lead, cooperating=cooperating,
                                       for_information=informed, deadline=deadline, instruction=instruction,
                                       actor=await self._actor(principal, units, acting),
                                       audience=await self._audience(principal, units, people),
                                       names=_names(people))
        return pb.AssignIncomingResponse(case=self._done(case))

    async def RecallIncoming(self, request: pb.RecallIncomingRequest,
                             context: grpc.aio.ServicerContext) -> pb.RecallIncomingResponse:
        principal, own, acting = await self._deputy()
        case = await self.store.recall(own, _id(request.case_id, "case_id"), _version(request.version),
                                       actor=await self._actor(principal, units=(), acting=acting),
                                       comment=check_text(request.comment, "comment"))
        return pb.RecallIncomingResponse(case=self._done(case))

    async def DecideExtension(self, request: pb.DecideExtensionRequest,
                              context: grpc.aio.ServicerContext) -> pb.DecideExtensionResponse:
        principal, own, acting = await self._deputy()
        case = await self.store.decide_extension(own, _id(request.case_id, "case_id"), _version(request.version),
                                                 grant=request.grant,
                                                 actor=await self._actor(principal, units=(), acting=acting),
                                                 comment=check_text(request.comment, "comment"),
                                                 audience=await self._audience(principal))
        return pb.DecideExtensionResponse(case=self._done(case))

    async def DelegateTask(self, request: pb.DelegateTaskRequest,
                           context: grpc.aio.ServicerContext) -> pb.DelegateTaskResponse:
        """The head of a unit (or their deputy under the unit's delegation) gives the unit's task to a person of
        that unit."""
        principal, own, acting = await self._deputy()
        task_id, version = _id(request.task_id, "task_id"), _version(request.version)
        subject = _id(request.subject, "subject")
        case = await self.store.case_of_task(own, task_id)  # another agency's task: not found, whoever the person
        task = next(t for t in case.tasks if t.id == task_id)
        unit = task.assignee if task.assignee_kind == UNIT else task.unit_code
        units = await self.directory.units(principal.token)
        members = await self.directory.members(principal.token)
        actor = await self._actor(principal, units, acting)
        candidates = [m for m in members if m.subject == subject and m.unit_code == unit]
        if unit in actor.people_and_units()[1] and not candidates:
            raise InvalidArgument("subject", f"không phải người của {unit_words(unit, actor.unit_names)}, đơn vị được "
                                             "giao việc này.")
        if not candidates:  # not the head of the task's unit: the store refuses (PermissionDenied)
            candidates = [MemberInfo(unit, subject, "", "", "")]
        person = Party(PERSON, subject, candidates[0].name or candidates[0].username)
        names = {m.subject: m.name or m.username for m in members if m.unit_code == unit}
        case = await self.store.act_on_task(own, task_id, version, Action.DELEGATE, actor=actor,
                                            comment=check_text(request.comment, "comment"), delegate_to=person,
                                            audience=await self._audience(principal, units), names=names)
        return pb.DelegateTaskResponse(case=self._done(case))

    async def RecordProgress(self, request: pb.RecordProgressRequest,
                             context: grpc.aio.ServicerContext) -> pb.RecordProgressResponse:
        principal, own = policy.require()
        case = await self.store.act_on_task(own, _id(request.task_id, "task_id"), _version(request.version),
                                            Action.PROGRESS, actor=await self._actor(principal),
                                            comment=check_text(request.comment, "comment", required=True))
        return pb.RecordProgressResponse(case=self._done(case))

    async def RequestExtension(self, request: pb.RequestExtensionRequest,
                               context: grpc.aio.ServicerContext) -> pb.RequestExtensionResponse:
        principal, own = policy.require()
        task_id, version = _id(request.task_id, "task_id"), _version(request.version)
        reason = check_text(request.reason, "reason", required=True)
        current = (await self.store.case_of_task(own, task_id)).deadline
        requested = deadline_from(self.clock(), days=request.days, on=request.deadline, field="deadline",
                                  start=current, calendar=self.calendar)
        if requested is None:
            raise InvalidArgument("deadline", "hãy nhập hạn mới: số ngày làm việc thêm, hoặc ngày YYYY-MM-DD.")
        case = await self.store.act_on_task(own, task_id, version, Action.REQUEST_EXTENSION,
                                            actor=await self._actor(principal), comment=reason, requested=requested)
        return pb.RequestExtensionResponse(case=self._done(case))

    async def ReturnIncoming(self, request: pb.ReturnIncomingRequest,
                             context: grpc.aio.ServicerContext) -> pb.ReturnIncomingResponse:
        principal, own = policy.require()
        case = await self.store.act_on_task(own, _id(request.task_id, "task_id"), _version(request.version),
                                            Action.RETURN, actor=await self._actor(principal),
                                            comment=check_text(request.reason, "reason", required=True))
        return pb.ReturnIncomingResponse(case=self._done(case))

    async def CompleteTask(self, request: pb.CompleteTaskRequest,
                           context: grpc.aio.ServicerContext) -> pb.CompleteTaskResponse:
        principal, own = policy.require()
        task_id = _id(request.task_id, "task_id")
        reply_id = request.reply_document_id.strip()
        if reply_id:
            await self._check_reply(principal, own, task_id, _id(reply_id, "reply_document_id"))
        files = check_file_ids(request.result_file_ids)
        # the result files: the caller's own uploads, referred to before the completion commits and let go again
        # if it does not (result_files.py)
        await self.result_files.check(principal.token, own, principal.subject, files)
        holder = task_holder(task_id)
        await self.result_files.keep(own, holder, files)
        try:
            case = await self.store.act_on_task(own, task_id, _version(request.version),
                                                Action.COMPLETE, actor=await self._actor(principal),
                                                comment=check_text(request.result, "result"),
                                                reply_document_id=reply_id, result_file_ids=files)
        except BaseException:
            # only what the task does not hold: a completion of the same task that committed meanwhile (a second
            # click, another tab) holds the same files under the same reference, which must stay (issue 14 item 3)
            held = await self._result_held(own, task_id)
            await self.result_files.let_go(own, holder, [f for f in files if f not in held])
            raise
        return pb.CompleteTaskResponse(case=self._done(case))

    async def _result_held(self, own: str, task_id: str) -> frozenset[str]:
        """The result files the task holds as committed: its case's, when the task is the one that completed it."""
        try:
            case = await self.store.case_of_task(own, task_id)
        except NotFound:
            return frozenset()
        done = any(t.id == task_id and t.state == "done" and t.kind == "lead" for t in case.tasks)
        return frozenset(case.result_file_ids) if done and case.state == "completed" else frozenset()

    async def _check_reply(self, principal: Principal, own: str, task_id: str, reply_id: str) -> None:
        """The reply a completion links (văn bản trả lời): an outgoing document of the agency that the completing
        person drafted themself and sees (the registry answers NotFound otherwise), and, on an arrival's case, one
        that answers that arrival (its ``answers_document_id``, set when the reply was drafted from it)."""
        reply = await self.directory.document(principal.token, reply_id)
        if reply.direction != "outgoing":
            raise InvalidArgument("reply_document_id", "văn bản trả lời phải là văn bản đi của cơ quan đồng chí.")
        if not reply.drafter_subject or reply.drafter_subject != principal.subject:
            raise InvalidArgument("reply_document_id", "văn bản trả lời phải là văn bản do chính đồng chí soạn: hãy "
                                                       "chọn dự thảo của mình hoặc để trống.")
        case = await self.store.case_of_task(own, task_id)
        if case.kind != JOB and case.document_id and reply.answers_document_id != case.document_id:
            raise InvalidArgument("reply_document_id", "văn bản này không trả lời văn bản đến đang xử lý: hãy soạn "
                                                       "văn bản trả lời từ văn bản đến này rồi chọn lại.")

    async def GetCase(self, request: pb.GetCaseRequest, context: grpc.aio.ServicerContext) -> pb.GetCaseResponse:
        """A document's processing (its case), to a person of its agency who sees the document: the registry says
        so (its GetDocument with their token: NotFound otherwise, as for another agency's). The case carries the
        abstract, the leader's direction and every step's comment, so it goes to no one the document does not
        (issue 14 attacker review: an archivist with no part in a revoked arrival read its case)."""
        principal, own = policy.require()
        if bool(request.case_id) == bool(request.document_id):
            raise InvalidArgument("case_id", "hãy nêu mã hồ sơ công việc hoặc mã văn bản (một trong hai).")
        case = await self.store.get(own, case_id=request.case_id.strip()[:MAX_ID],
                                    document_id=request.document_id.strip()[:MAX_ID])
        if case.kind == JOB:  # a job is shown to the people who are part of it only: GetJob
            raise NotFound("Cơ quan không có việc này; việc được giao xem ở mục Công việc.")
        try:
            await self.directory.document(principal.token, case.document_id)  # NotFound unless they see it
        except NotFound:
            if not await self._party_to(principal, case):  # the registry learns a new holder a moment later
                raise
        return pb.GetCaseResponse(case=self.case_to_proto(case))

    async def CheckFileAccess(self, request: pb.CheckFileAccessRequest,
                              context: grpc.aio.ServicerContext) -> pb.CheckFileAccessResponse:
        """Whether the caller may have a result file (báo cáo kết quả) that storage says the tasks ``task_ids`` hold
        (``workflow/task/<id>``): the tasks of their agency whose case's result holds the object and whose case they
        see — a document's case as :meth:`GetCase` shows it (the document's audience, or the case giving it to them),
        a job as :meth:`GetJob` does (its givers, the holders of its tasks). Those tasks are answered; NotFound when
        there is none, as for a file that does not exist (issue 14 item 1: the whole agency could download them)."""
        principal, own = policy.require()
        object_id = _id(request.object_id, "object_id")
        if len(request.task_ids) > MAX_FILE_HOLDERS:
            raise InvalidArgument("task_ids", f"tối đa {MAX_FILE_HOLDERS} việc.")
        seen: list[str] = []
        actor: Actor | None = None
        for task_id in dict.fromkeys(t.strip() for t in request.task_ids if t.strip()):
            try:
                case = await self.store.case_of_task(own, task_id[:MAX_ID])
            except NotFound:
                continue
            if object_id not in case.result_file_ids or not any(t.id == task_id for t in case.tasks):
                continue
            if case.kind == JOB:
                actor = actor or await self._actor(principal)
                try:
                    await self.store.get_job(own, case.id, actor)
                except NotFound:
                    continue
            elif not await self._sees_case(principal, case):
                continue
            seen.append(task_id)
        if not seen:
            raise NotFound("Không tìm thấy tệp.")
        return pb.CheckFileAccessResponse(task_ids=seen)

    async def _sees_case(self, principal: Principal, case: CaseView) -> bool:
        """GetCase's rule: the registry shows the caller the case's document, or the case itself gives it to them."""
        try:
            await self.directory.document(principal.token, case.document_id)
            return True
        except NotFound:
            return await self._party_to(principal, case)

    async def _party_to(self, principal: Principal, case: CaseView) -> bool:
        """Whether the case itself gives its document to the caller: a task not taken back held by them, their unit
        or their role, or the draft being theirs (the principals the step's event gives the registry, which applies
        them a moment after the step: a head opening the review just given to them must not get NotFound)."""
        held = {(t.assignee_kind, t.assignee) for t in case.tasks if t.state != "cancelled"}
        held |= {(UNIT, t.unit_code) for t in case.tasks if t.state != "cancelled" and t.unit_code}
        mine = {(PERSON, principal.subject), *((ROLE, r) for r in principal.roles)}
        if (case.kind == OUTGOING and case.drafter == principal.subject) or held & mine:
            return True
        if not any(kind == UNIT for kind, _ in held):
            return False
        units = {m.unit_code for m in await self.directory.members(principal.token) if m.subject == principal.subject}
        return bool(held & {(UNIT, u) for u in units})

    async def ListInbox(self, request: pb.ListInboxRequest, context: grpc.aio.ServicerContext) -> pb.ListInboxResponse:
        """The caller's tasks in a bucket with the counts of every bucket; "due soon" and "overdue" at the service's
        clock, in working days (:func:`vanthu_core.workdays.deadline_state`). The list's filters (words of the
        abstract, type, issuing agency, the days the task was given: :func:`inbox_filter`) narrow the tasks and the
        counts alike; they only ever narrow the caller's own tasks."""
        principal, own = policy.require()
        kinds = list(request.kinds)
        unknown = [k for k in kinds if k not in TASK_KINDS]
        if unknown:
            raise InvalidArgument("kinds", f"loại {unknown[0]!r} không có: chọn {', '.join(sorted(TASK_KINDS))}.")
        if request.case_kind and request.case_kind not in CASE_KINDS:
            raise InvalidArgument("case_kind", f"chọn {', '.join(CASE_KINDS)}, hoặc để trống để xem tất cả.")
        narrow = inbox_filter(request)
        now = self.clock()
        today = vietnam_date(now)
        tasks, counts, token = await self.store.inbox(
            own, await self._actor(principal), bucket=request.bucket or "todo", kinds=kinds, today=today,
            soon_before=add_working_days(today, DEFAULT_SOON_DAYS + 1, calendar=self.calendar),
            page_size=request.page_size, page_token=request.page_token, case_kind=request.case_kind, narrow=narrow)
        return pb.ListInboxResponse(tasks=[self.task_to_proto(t, now) for t in tasks], next_page_token=token,
                                    counts=pb.InboxCounts(todo=counts.todo, due_soon=counts.due_soon,
                                                          overdue=counts.overdue, done=counts.done))

    # -- dashboards (issue 13 item 5) ------------------------------------------------------------------------------
    async def ComputeDeadline(self, request: pb.ComputeDeadlineRequest,
                              context: grpc.aio.ServicerContext) -> pb.ComputeDeadlineResponse:
        """The deadline (hạn xử lý) an assignment made now would get (:func:`deadline_from` at the service's clock and
        calendar, as AssignIncoming, GiveJob and ReassignJob count it), today's date, and why the date is a day off
        (a date given as such may be one: the form warns, the service accepts it)."""
        policy.require()
        now = self.clock()
        start = _optional_date(request.start, "start")
        if start is not None and not request.days:
            raise InvalidArgument("start", "chỉ dùng với số ngày làm việc (days).")
        deadline = deadline_from(now, days=request.days, on=request.deadline, start=start, calendar=self.calendar)
        if deadline is None:
            raise InvalidArgument("deadline_days", "nhập số ngày làm việc (từ 1) hoặc một ngày.")
        day_off = (self.calendar or default_calendar()).day_off_reason(deadline) or ""
        return pb.ComputeDeadlineResponse(deadline=deadline.isoformat(), today=vietnam_date(now).isoformat(),
                                          day_off=day_off)

    async def GetDashboard(self, request: pb.GetDashboardRequest,
                           context: grpc.aio.ServicerContext) -> pb.GetDashboardResponse:
        """The agency's cases of a kind started in a period, per agency and per unit (:mod:`vanthu_workflow.dashboard`)
        at the service's clock. A leader sees the agency's row and every unit's, a head only their own units' rows;
        anybody else is refused. InvalidArgument for a bad period (at most :data:`MAX_DASHBOARD_DAYS` days), kind or
        format."""
        principal, own = policy.require()
        date_from, date_to = _period_date(request.date_from, "date_from"), _period_date(request.date_to, "date_to")
        if date_to < date_from:
            raise InvalidArgument("date_to", "không được trước Từ ngày.")
        if (date_to - date_from).days >= MAX_DASHBOARD_DAYS:
            raise InvalidArgument("date_to", f"mỗi kỳ tối đa {MAX_DASHBOARD_DAYS} ngày.")
        kind = request.kind or "incoming"
        if kind not in dashboard.COMPLETED_STATE:
            raise InvalidArgument("kind", "phải là incoming, outgoing hoặc job.")
        if request.format not in ("", "csv", "xlsx"):
            raise InvalidArgument("format", "phải để trống, hoặc là csv hay xlsx.")
        units = await self.directory.units(principal.token)
        actor = await self._actor(principal, units)
        if not actor.is_leader and not actor.head_of:
            raise PermissionDenied("Chỉ lãnh đạo hoặc trưởng đơn vị mới xem được bảng theo dõi.")
        members = await self.directory.members(principal.token)
        unit_of = {m.subject: m.unit_code for m in members}
        start = datetime.combine(date_from, time(), VIETNAM_TZ).astimezone(UTC)
        end = datetime.combine(date_to + timedelta(days=1), time(), VIETNAM_TZ).astimezone(UTC)
        facts = await self.store.dashboard_facts(own, kind, start, end, lambda subject: unit_of.get(subject, ""))
        agency, rows = dashboard.summarise(
            facts, vietnam_date(self.clock()), {u.code: u.name for u in units},
            units=(lambda _: True) if actor.is_leader else actor.head_of.__contains__)
        shown = [agency, *rows] if actor.is_leader else rows
        reply = pb.GetDashboardResponse(agency=_row(agency) if actor.is_leader else None,
                                        units=[_row(r) for r in rows])
        state_names = OUT_STATE_NAMES if kind == "outgoing" else STATE_NAMES
        names = {str(state): name for state, name in state_names.items()}
        if request.format == "csv":
            reply.file, reply.media_type = dashboard.to_csv(shown, kind, names), CSV_TYPE
        elif request.format == "xlsx":
            reply.file = dashboard.to_xlsx(shown, kind, names, date_from, date_to)
            reply.media_type = XLSX_TYPE
        if request.format:
            reply.file_name = dashboard.file_name(kind, date_from, date_to, request.format)
        return reply

    # -- the outgoing circuit (quy trình văn bản đi) ---------------------------------------------------------------
    async def StartOutgoing(self, request: pb.StartOutgoingRequest,
                            context: grpc.aio.ServicerContext) -> pb.StartOutgoingResponse:
        """The drafter puts their outgoing draft into the circuit the definition gives its agency and type."""
        principal, own = policy.require()
        document_id = _id(request.document_id, "document_id")
        comment = check_text(request.comment, "comment")
        document = await self.directory.document(principal.token, document_id)  # another agency's: NotFound
        if document.agency_code != own or document.direction != "outgoing":
            raise FailedPrecondition("Chỉ dự thảo văn bản đi của cơ quan đồng chí mới đưa vào quy trình duyệt.")
        if document.status != "draft":
            raise FailedPrecondition(f"Văn bản đang ở trạng thái {document_status_name(document.status)}: chỉ dự thảo "
                                     "mới bắt đầu quy trình.")
        if document.created_by and document.created_by != principal.username:
            raise PermissionDenied("Chỉ người soạn dự thảo mới đưa được văn bản vào quy trình.")
        # The drafting unit's head reviews; a drafter of no unit, of a unit without a head, or who is its head
        # themselves: the leaders review (the case's unit_code stays empty then).
        members = await self.directory.members(principal.token)
        units = {u.code: u for u in await self.directory.units(principal.token)}
        unit = drafting_unit(sorted(m.unit_code for m in members if m.subject == principal.subject and
                                    m.unit_code in units), units, chosen=request.unit_code.strip(),
                             named=document.drafting_unit)
        head = units[unit].head_subject if unit in units else ""
        if not head or head == principal.subject:
            unit = ""
        circuit = self.definition.circuit(own, document.type_code)

        async def govern() -> None:
            # from now on the registry submits, returns, signs and issues the draft only through the circuit
            await self.directory.enter_circuit(principal.token, document.id)

        case = await self.store.start_outgoing(own, document_id=document.id, abstract=document.abstract,
                                               type_code=document.type_code, circuit=circuit, unit_code=unit,
                                               actor=await self._actor(principal, units=()), comment=comment,
                                               audience=await self._audience(principal, list(units.values())),
                                               effect=govern)
        if (await self.directory.document(principal.token, document.id)).status == "cancelled":
            # cancelled while the case was being written: its cancelled event found no case to stop (issue 13 review)
            stopped = await self.store.withdraw(own, document.id, actor=await self._actor(principal, units=()),
                                                comment=cancelled_note(""), outgoing=True)
            case = stopped or case
        return pb.StartOutgoingResponse(case=self._done(case))

    async def ReviewOutgoing(self, request: pb.ReviewOutgoingRequest,
                             context: grpc.aio.ServicerContext) -> pb.ReviewOutgoingResponse:
        """The reviewer (or their deputy) approves (with units to consult, if any) or returns the draft with
        comments."""
        principal, own, acting = await self._deputy()
        case_id, version = _id(request.case_id, "case_id"), _version(request.version)
        comment = check_text(request.comment, "comment", required=not request.approve)
        if not request.approve and request.consult:
            raise InvalidArgument("consult", "xin ý kiến đơn vị khi duyệt dự thảo, không phải khi trả lại.")
        if len(request.consult) > MAX_PARTIES:
            raise InvalidArgument("consult", f"tối đa {MAX_PARTIES} đơn vị.")
        units = await self.directory.units(principal.token)
        consult: list[Party] = []
        for i, code in enumerate(request.consult):
            party = self._resolve(check_party(UNIT, code, f"consult[{i}]"), f"consult[{i}]", units, [])
            if not next(u for u in units if u.code == party.id).head_subject:  # the task would reach nobody
                raise InvalidArgument(f"consult[{i}]", headless_consulted(party_words(party)), names_field=True)
            if party.id in {p.id for p in consult}:
                raise InvalidArgument(f"consult[{i}]", f"{party_words(party)} bị chọn hai lần.")
            consult.append(party)
        case = await self.store.act_outgoing(own, case_id, version,
                                             OutAction.APPROVE if request.approve else OutAction.RETURN,
                                             actor=await self._actor(principal, units, acting), comment=comment,
                                             consult=consult, audience=await self._audience(principal, units))
        return pb.ReviewOutgoingResponse(case=self._done(case))

    async def ResendOutgoing(self, request: pb.ResendOutgoingRequest,
                             context: grpc.aio.ServicerContext) -> pb.ResendOutgoingResponse:
        principal, own = policy.require()
        case_id = _id(request.case_id, "case_id")
        document_id = (await self.store.get(own, case_id=case_id)).document_id

        async def ready(_: ActingFor | None) -> None:
            # the registry's EnterCircuit (idempotent) checks the main file as at gửi duyệt: a file changed while
            # returned without [[SO]] / [[NGAY]] / [[CHU_KY]] is refused now, not after review at trình ký (issue 14)
            await self.directory.enter_circuit(principal.token, document_id)

        case = await self.store.act_outgoing(own, case_id, _version(request.version),
                                             OutAction.RESEND, actor=await self._actor(principal, units=()),
                                             comment=check_text(request.comment, "comment"), effect=ready,
                                             audience=await self._audience(principal))
        return pb.ResendOutgoingResponse(case=self._done(case))

    async def ReviseOutgoing(self, request: pb.ReviseOutgoingRequest,
                             context: grpc.aio.ServicerContext) -> pb.ReviseOutgoingResponse:
        """The drafter corrects their returned draft (:meth:`WorkflowStore.revise_outgoing`): the registry's
        UpdateDraft with their token, vouched for by the workflow; the registry checks the content."""
        principal, own = policy.require()
        document_id = _id(request.document_id, "document_id")
        if request.expected_version < 0:
            raise InvalidArgument("expected_version", "phải là số không âm.")
        revised: list[documents_pb2.Document] = []

        async def revise() -> str:
            revised.append(await self.directory.update_draft(principal.token, document_id, request.document,
                                                             request.expected_version))
            return revised[0].abstract

        await self.store.revise_outgoing(own, document_id, actor=await self._actor(principal, units=()),
                                         type_code=request.document.type_code.strip(), effect=revise)
        return pb.ReviseOutgoingResponse(document=revised[0])

    async def AnswerConsultation(self, request: pb.AnswerConsultationRequest,
                                 context: grpc.aio.ServicerContext) -> pb.AnswerConsultationResponse:
        principal, own, acting = await self._deputy()
        case = await self.store.act_outgoing(own, "", _version(request.version), OutAction.ANSWER,
                                             actor=await self._actor(principal, acting=acting),
                                             comment=check_text(request.opinion, "opinion", required=True),
                                             task_id=_id(request.task_id, "task_id"),
                                             audience=await self._audience(principal))
        return pb.AnswerConsultationResponse(case=self._done(case))

    async def SubmitOutgoing(self, request: pb.SubmitOutgoingRequest,
                             context: grpc.aio.ServicerContext) -> pb.SubmitOutgoingResponse:
        """The drafter submits the approved draft for signature: the registry's SubmitDocument with their token."""
        principal, own = policy.require()
        case_id = _id(request.case_id, "case_id")
        document_id = (await self.store.get(own, case_id=case_id)).document_id

        async def submit(_: ActingFor | None) -> None:
            await self.directory.submit(principal.token, document_id)

        units = await self.directory.units(principal.token)  # a head's signature: the unit's head is told
        case = await self.store.act_outgoing(own, case_id, _version(request.version), OutAction.SUBMIT,
                                             actor=await self._actor(principal, units=()),
                                             comment=check_text(request.comment, "comment"), effect=submit,
                                             audience=await self._audience(principal, units))
        return pb.SubmitOutgoingResponse(case=self._done(case))

    async def SignOutgoing(self, request: pb.SignOutgoingRequest,
                           context: grpc.aio.ServicerContext) -> pb.SignOutgoingResponse:
        """The signer signs: the registry's SignDocument with their token (their own signing profile), with the key
        the signing service holds, or completing a two-step signing (``handle`` and ``signature_value``: a USB token
        or remote signer's value over what PrepareSignature gave for the document's main file)."""
        principal, own = policy.require()
        case_id = _id(request.case_id, "case_id")
        handle = request.handle.strip()
        if len(handle) > MAX_ID:
            raise InvalidArgument("handle", f"tối đa {MAX_ID} ký tự.")
        if bool(handle) != bool(request.signature_value):
            raise InvalidArgument("signature_value", "ký số hai bước phải gửi cả mã phiên ký và giá trị chữ ký.")
        if len(request.signature_value) > 4096:
            raise InvalidArgument("signature_value", "tối đa 4096 byte.")
        document_id = (await self.store.get(own, case_id=case_id)).document_id

        async def sign(on_behalf: ActingFor | None) -> None:
            # under a delegation the signature shows its competence (KT., TUQ.) for the person signed for, over the
            # deputy's own position (the signed PDF's signing authority, stamped by signing)
            check_signs_under(on_behalf, principal.roles)
            await self.directory.sign(principal.token, document_id,
                                      competence=on_behalf.competence if on_behalf else "",
                                      on_behalf_of=on_behalf.delegator_username if on_behalf else "",
                                      position=on_behalf.deputy_position if on_behalf else "",
                                      handle=handle, signature_value=request.signature_value)

        units = await self.directory.units(principal.token)  # the drafting unit's head holds a head's signature
        case = await self.store.act_outgoing(own, case_id, _version(request.version), OutAction.SIGN,
                                             actor=await self._signer(principal, document_id, units), effect=sign,
                                             audience=await self._audience(principal, units))
        return pb.SignOutgoingResponse(case=self._done(case))

    async def PrepareSignOutgoing(self, request: pb.PrepareSignOutgoingRequest,
                                  context: grpc.aio.ServicerContext) -> pb.PrepareSignOutgoingResponse:
        """Step 1 of signing with the signer's own device (USB token): the holder of the signing task, the registry's
        PrepareSignDocument with the delegation in force under which they hold it, decided here as SignOutgoing
        decides it (never by the client), so the signed PDF shows its competence (KT., TUQ.); nothing recorded."""
        principal, own = policy.require()
        case_id = _id(request.case_id, "case_id")
        document_id = (await self.store.get(own, case_id=case_id)).document_id
        prepared: list[Any] = []

        async def prepare(on_behalf: ActingFor | None) -> None:
            check_signs_under(on_behalf, principal.roles)
            prepared.append(await self.directory.prepare_sign(
                principal.token, document_id, competence=on_behalf.competence if on_behalf else "",
                on_behalf_of=on_behalf.delegator_username if on_behalf else "",
                position=on_behalf.deputy_position if on_behalf else ""))

        await self.store.check_outgoing(own, case_id, _version(request.version), OutAction.SIGN,
                                        actor=await self._signer(principal, document_id), effect=prepare)
        r = prepared[0]
        return pb.PrepareSignOutgoingResponse(
            handle=r.handle, to_sign=r.to_sign, digest=r.digest, digest_algorithm=r.digest_algorithm,
            signature_algorithm=r.signature_algorithm, expires_at=r.expires_at, page=r.page, x1=r.x1, y1=r.y1,
            x2=r.x2, y2=r.y2, image=r.image, authority=list(r.authority))

    async def ReturnUnsigned(self, request: pb.ReturnUnsignedRequest,
                             context: grpc.aio.ServicerContext) -> pb.ReturnUnsignedResponse:
        """The signer sends the submitted draft back to its drafter without signing, with the reason (trả lại, không
        ký; Decree 30/2020 Art. 13: the signer is responsible for the content and form of what they sign): the
        registry's ReturnDocument with their token (the document is a draft again), the case ``returned``, the
        drafter's task to rework and resend it."""
        principal, own = policy.require()
        case_id = _id(request.case_id, "case_id")
        comment = check_text(request.comment, "comment", required=True)
        document_id = (await self.store.get(own, case_id=case_id)).document_id

        units = await self.directory.units(principal.token)  # the drafting unit's head holds a head's signature

        async def give_back(_: ActingFor | None) -> None:
            await self.directory.return_unsigned(principal.token, document_id, comment)

        case = await self.store.act_outgoing(own, case_id, _version(request.version), OutAction.DECLINE,
                                             actor=await self._signer(principal, document_id, units),
                                             comment=comment, effect=give_back,
                                             audience=await self._audience(principal, units))
        return pb.ReturnUnsignedResponse(case=self._done(case))

    async def IssueOutgoing(self, request: pb.IssueOutgoingRequest,
                            context: grpc.aio.ServicerContext) -> pb.IssueOutgoingResponse:
        """The clerk issues: the registry's IssueDocument with their token; interchange sends on its event."""
        principal, own = policy.require()
        case_id = _id(request.case_id, "case_id")
        register_id = request.register_id.strip()
        if len(register_id) > MAX_ID:
            raise InvalidArgument("register_id", f"tối đa {MAX_ID} ký tự.")
        document_id = (await self.store.get(own, case_id=case_id)).document_id

        async def issue(_: ActingFor | None) -> None:
            await self.directory.issue(principal.token, document_id, register_id)

        case = await self.store.act_outgoing(own, case_id, _version(request.version), OutAction.ISSUE,
                                             actor=await self._actor(principal, units=()), effect=issue)
        return pb.IssueOutgoingResponse(case=self._done(case))

    # -- assigned work (giao việc) ---------------------------------------------------------------------------------
    async def GiveJob(self, request: pb.GiveJobRequest, context: grpc.aio.ServicerContext) -> pb.GiveJobResponse:
        """A leader gives a job to units and people of the agency, a head to people of the unit they head
        (:func:`vanthu_workflow.domain.jobs.giving_unit`); with ``parent_id``, the holder of a job's lead task gives
        a sub-job to people of the lead's unit. Errors: PermissionDenied (who, or to whom), InvalidArgument (title,
        parties, deadline), NotFound (another agency's parent, or one the caller does not see)."""
        principal, own = policy.require()
        title = check_title(request.title)
        description = check_text(request.description, "description")
        deadline = deadline_from(self.clock(), days=request.deadline_days, on=request.deadline,
                                 calendar=self.calendar)
        parent_id = request.parent_id.strip()
        if len(parent_id) > MAX_ID:
            raise InvalidArgument("parent_id", f"tối đa {MAX_ID} ký tự.")
        units = await self.directory.units(principal.token)
        members = await self.directory.members(principal.token)
        actor = await self._actor(principal, units)
        if parent_id:
            parent = await self.store.get_job(own, parent_id, actor)
            check_parent_working(State(parent.state))
            unit = self._lead_unit(parent, actor, members)
        people = await self.directory.people(principal.token)
        lead, cooperating, informed = self._parties(request, units, people, given="việc")
        parties = [lead, *cooperating, *informed]
        by_unit = _members_by_unit(members)
        giver: ActingFor | None = None
        if parent_id:
            check_within(unit, parties, by_unit, actor.unit_names)
        else:
            unit, giver = _giving(actor, parties, by_unit)
        case = await self.store.give_job(own, title=title, description=description, lead=lead,
                                         cooperating=cooperating, for_information=informed, deadline=deadline,
                                         unit_code=unit, actor=actor, parent_id=parent_id,
                                         audience=await self._audience(principal, units, people), giver=giver)
        return pb.GiveJobResponse(case=self._done(case))

    @staticmethod
    def _lead_unit(parent: CaseView, actor: Actor, members: Sequence[MemberInfo]) -> str:
        """The unit a sub-job stays within: the unit the parent's lead task was given to (or came through), else the
        lead person's own unit. PermissionDenied when the actor does not hold the parent's open lead task."""
        held = [t for t in parent.tasks if t.kind == TaskKind.LEAD and t.state in OPEN_TASK_STATES
                and ((t.assignee_kind == PERSON and t.assignee == actor.subject)
                     or (t.assignee_kind == UNIT and t.assignee in actor.head_of))]
        if not held:
            raise PermissionDenied("Chỉ người chủ trì việc mới giao việc con.")
        task = held[0]
        unit = task.assignee if task.assignee_kind == UNIT else task.unit_code
        unit = unit or next((m.unit_code for m in members if m.subject == actor.subject), "")
        if not unit:
            raise FailedPrecondition("Đồng chí chưa thuộc đơn vị nào: việc con giao cho người trong đơn vị chủ trì.")
        return unit

    async def ReassignJob(self, request: pb.ReassignJobRequest,
                          context: grpc.aio.ServicerContext) -> pb.ReassignJobResponse:
        """The giver gives the job again (new parties and deadline), within the unit it stays in, if any."""
        principal, own = policy.require()
        case_id, version = _id(request.case_id, "case_id"), _version(request.version)
        deadline = deadline_from(self.clock(), days=request.deadline_days, on=request.deadline,
                                 calendar=self.calendar)
        comment = check_text(request.comment, "comment")
        units = await self.directory.units(principal.token)
        actor = await self._actor(principal, units)
        job = await self.store.get_job(own, case_id, actor)  # another agency's, or not theirs to see: not found
        people = await self.directory.people(principal.token)
        lead, cooperating, informed = self._parties(request, units, people, given="việc")
        if job.unit_code:
            check_within(job.unit_code, [lead, *cooperating, *informed],
                         _members_by_unit(await self.directory.members(principal.token)), actor.unit_names)
        case = await self.store.assign(own, case_id, version, lead=lead, cooperating=cooperating,
                                       for_information=informed, deadline=deadline, instruction=comment, actor=actor,
                                       kind=JOB, audience=await self._audience(principal, units, people),
                                       names=_names(people))
        return pb.ReassignJobResponse(case=self._done(case))

    async def RecallJob(self, request: pb.RecallJobRequest, context: grpc.aio.ServicerContext) -> pb.RecallJobResponse:
        """The giver takes the job back; NotFound for people outside the job, PermissionDenied for its others."""
        principal, own = policy.require()
        case_id, comment = _id(request.case_id, "case_id"), check_text(request.comment, "comment")
        actor = await self._actor(principal)
        await self.store.get_job(own, case_id, actor)  # not part of it: not found, as when reading it
        case = await self.store.recall(own, case_id, _version(request.version), actor=actor, comment=comment,
                                       kind=JOB)
        return pb.RecallJobResponse(case=self._done(case))

    async def DecideJobExtension(self, request: pb.DecideJobExtensionRequest,
                                 context: grpc.aio.ServicerContext) -> pb.DecideJobExtensionResponse:
        """The giver grants or refuses the lead's extension request (visibility as RecallJob)."""
        principal, own = policy.require()
        case_id, comment = _id(request.case_id, "case_id"), check_text(request.comment, "comment")
        actor = await self._actor(principal)
        await self.store.get_job(own, case_id, actor)
        case = await self.store.decide_extension(own, case_id, _version(request.version), grant=request.grant,
                                                 actor=actor, comment=comment, kind=JOB,
                                                 audience=await self._audience(principal))
        return pb.DecideJobExtensionResponse(case=self._done(case))

    async def GetJob(self, request: pb.GetJobRequest, context: grpc.aio.ServicerContext) -> pb.GetJobResponse:
        principal, own = policy.require()
        case = await self.store.get_job(own, _id(request.case_id, "case_id"), await self._actor(principal))
        return pb.GetJobResponse(case=self.case_to_proto(case))

    async def ListJobs(self, request: pb.ListJobsRequest, context: grpc.aio.ServicerContext) -> pb.ListJobsResponse:
        principal, own = policy.require()
        parent_id = request.parent_id.strip()
        if len(parent_id) > MAX_ID:
            raise InvalidArgument("parent_id", f"tối đa {MAX_ID} ký tự.")
        jobs, token = await self.store.list_jobs(own, await self._actor(principal), parent_id=parent_id,
                                                 page_size=request.page_size, page_token=request.page_token,
                                                 narrow=job_filter(request))
        return pb.ListJobsResponse(jobs=[self.case_to_proto(j) for j in jobs], next_page_token=token)

    # -- notifications (thông báo): the caller's own ---------------------------------------------------------------
    @staticmethod
    def note_to_proto(note: NotificationView) -> pb.Notification:
        return pb.Notification(id=note.id, kind=note.kind, title=note.title, body=note.body, case_id=note.case_id,
                               task_id=note.task_id, document_id=note.document_id,
                               created_at=iso_vietnam(note.created_at), read=note.read, link=note.link)

    async def ListNotifications(self, request: pb.ListNotificationsRequest,
                                context: grpc.aio.ServicerContext) -> pb.ListNotificationsResponse:
        """The caller's notifications, unread first then newest first, and how many are unread."""
        principal, own = policy.require()
        if len(request.page_token) > MAX_TOKEN:
            raise InvalidArgument("page_token", "không do hệ thống cấp: hãy tải lại từ trang đầu.")
        notes, token, unread = await self.store.notifications(
            own, principal.subject, unread_only=request.unread_only, page_size=request.page_size,
            page_token=request.page_token)
        return pb.ListNotificationsResponse(notifications=[self.note_to_proto(n) for n in notes],
                                            next_page_token=token, unread=unread)

    async def MarkNotificationsRead(self, request: pb.MarkNotificationsReadRequest,
                                    context: grpc.aio.ServicerContext) -> pb.MarkNotificationsReadResponse:
        """Marks the caller's notifications read (the ids named, or all); another person's ids change nothing."""
        principal, own = policy.require()
        if len(request.ids) > MAX_MARK:
            raise InvalidArgument("ids", f"mỗi lần tối đa {MAX_MARK} (hoặc tất cả).")
        ids = [_id(i, f"ids[{n}]") for n, i in enumerate(request.ids)]
        if not ids and not request.all:
            raise InvalidArgument("ids", "hãy chọn thông báo cần đánh dấu đã đọc, hoặc chọn tất cả.")
        marked, unread = await self.store.mark_read(own, principal.subject, ids=ids, every=request.all)
        return pb.MarkNotificationsReadResponse(marked=marked, unread=unread)

    async def WatchNotifications(self, request: pb.WatchNotificationsRequest,
                                 context: grpc.aio.ServicerContext) -> AsyncIterator[pb.WatchNotificationsResponse]:
        """The caller's new notifications: first a keep-alive (the stream is open), then each notification as it is
        committed in this replica's process (:class:`NotificationHub`), and after each ``keepalive_s`` quiet
        seconds those another replica wrote meanwhile (read from the table: written in the last
        :data:`CATCH_UP` and not sent yet) and a keep-alive. A client that reconnects lists what it missed
        (ListNotifications)."""
        principal, own = policy.require()
        queue = self.hub.subscribe(own, principal.subject)
        started = self.clock()
        sent: dict[str, None] = {}  # the ids sent, oldest first (at most MAX_SENT)

        def fresh(note: NotificationView) -> bool:
            if note.id in sent:
                return False
            sent[note.id] = None
            if len(sent) > MAX_SENT:
                del sent[next(iter(sent))]
            return True

        try:
            yield pb.WatchNotificationsResponse(keepalive=True)
            while True:
                try:
                    note = await asyncio.wait_for(queue.get(), self.keepalive_s)
                except TimeoutError:
                    since = max(started, self.clock() - CATCH_UP)
                    for missed in await self.store.recent(own, principal.subject, since=since):
                        if fresh(missed):
                            yield pb.WatchNotificationsResponse(notification=self.note_to_proto(missed))
                    yield pb.WatchNotificationsResponse(keepalive=True)
                    continue
                if fresh(note):
                    yield pb.WatchNotificationsResponse(notification=self.note_to_proto(note))
        finally:
            self.hub.unsubscribe(own, principal.subject, queue)

    async def GetNotificationSettings(self, request: pb.GetNotificationSettingsRequest,
                                      context: grpc.aio.ServicerContext) -> pb.GetNotificationSettingsResponse:
        principal, own = policy.require()
        enabled = await self.store.email_enabled(own, principal.subject)
        return pb.GetNotificationSettingsResponse(settings=pb.NotificationSettings(email=enabled))

    async def SetNotificationSettings(self, request: pb.SetNotificationSettingsRequest,
                                      context: grpc.aio.ServicerContext) -> pb.SetNotificationSettingsResponse:
        """The caller turns their e-mail notifications on or off (off: the e-mails not sent yet are cancelled)."""
        principal, own = policy.require()
        if not request.HasField("settings"):
            raise InvalidArgument("settings", "chưa nhập: đây là thông tin bắt buộc.")
        enabled = await self.store.set_email_enabled(own, principal.subject, request.settings.email)
        return pb.SetNotificationSettingsResponse(settings=pb.NotificationSettings(email=enabled))

    async def sweep(self) -> int:
        """The reminder sweep at the service's clock: tasks due on the next working day (vanthu-core's calendar)
        and overdue ones (:meth:`WorkflowStore.sweep_reminders`). Returns how many notifications it wrote."""
        today = vietnam_date(self.clock())
        written = await self.store.sweep_reminders(
            today=today, next_working_day=add_working_days(today, 1, calendar=self.calendar),
            deputies=await self.delegations.deputies_by_agency())
        # delegations begun or ended since: their deputies join or leave the covered cases' audiences
        published = await self.delegations.publish_changes()
        if written or published:
            self.on_commit()
        return written


def headless_unit(name: str, given: str) -> str:
    """The refusal of an assignment to a unit without a head (trưởng đơn vị): nobody would receive ``given``."""
    return (f"{name} chưa có trưởng đơn vị: chưa ai nhận được {given}. Hãy giao cho người cụ thể hoặc nhờ quản trị "
            "gán trưởng đơn vị.")


def headless_consulted(name: str) -> str:
    """The refusal of a unit without a head (trưởng đơn vị) among those a draft is sent to for comments (xin ý kiến):
    only its head answers for it, so nobody would receive the draft."""
    return (f"{name} chưa có trưởng đơn vị: chưa ai nhận được dự thảo để cho ý kiến. Hãy chọn đơn vị khác hoặc nhờ "
            "quản trị gán trưởng đơn vị.")


def _giving(actor: Actor, parties: Sequence[Party], by_unit: dict[str, frozenset[str]],
            ) -> tuple[str, ActingFor | None]:
    """The unit a new top-level job stays within (:func:`vanthu_workflow.domain.jobs.giving_unit`) and the
    delegation it is given under: in the actor's own right first, else as the deputy of a leader (the leader's
    job), else of a unit's head (within that unit). PermissionDenied, as in their own right, when none allows it."""
    try:
        return giving_unit(is_leader=actor.is_leader, is_head="head" in actor.roles, head_of=actor.head_of,
                           parties=parties, members=by_unit, unit_names=actor.unit_names), None
    except PermissionDenied as refused:
        for acting in actor.acting_for:
            try:
                unit = giving_unit(is_leader=not acting.unit, is_head=True, head_of={acting.unit} - {""},
                                   parties=parties, members=by_unit, unit_names=actor.unit_names)
            except PermissionDenied:
                continue
            return unit, acting
        raise refused from None


def _names(people: Sequence[MemberInfo]) -> dict[str, str]:
    """People's names by subject (the username when the directory has no name)."""
    return {p.subject: p.name or p.username for p in people}


def _members_by_unit(members: Sequence[MemberInfo]) -> dict[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for member in members:
        found.setdefault(member.unit_code, set()).add(member.subject)
    return {unit: frozenset(subjects) for unit, subjects in found.items()}


def _optional_date(value: str, field: str) -> date | None:
    return _period_date(value, field) if value.strip() else None


def inbox_filter(request: pb.ListInboxRequest) -> InboxFilter:
    """The filters of a ListInbox request, checked: the words folded, the codes trimmed, the days of the task's
    giving as Vietnam dates (``date_to`` included) turned into UTC instants."""
    if len(request.query) > MAX_FILTER_TEXT:
        raise InvalidArgument("query", f"tối đa {MAX_FILTER_TEXT} ký tự.")
    codes = {}
    for field in ("type_code", "issuing_agency_code"):
        value = getattr(request, field).strip()
        if len(value) > MAX_FILTER_CODE:
            raise InvalidArgument(field, f"tối đa {MAX_FILTER_CODE} ký tự.")
        codes[field] = value
    given_from, given_before = _given_between(request.date_from, request.date_to)
    return InboxFilter(words=tuple(fold(request.query).split()), **codes, given_from=given_from,
                       given_before=given_before)


#: The states a job may be listed by (the incoming states a job takes: domain.incoming.State, without "withdrawn").
JOB_STATES = ("assigned", "in_progress", "extension_requested", "returned", "completed", "submitted")


def job_filter(request: pb.ListJobsRequest) -> JobFilter:
    """The filters of a ListJobs request, checked: the words of the title folded (tones optional), the state one of
    :data:`JOB_STATES`, the days the job was given as Vietnam dates (``date_to`` included) turned into UTC
    instants."""
    if len(request.query) > MAX_FILTER_TEXT:
        raise InvalidArgument("query", f"tối đa {MAX_FILTER_TEXT} ký tự.")
    state = request.state.strip()
    if state and state not in JOB_STATES:
        raise InvalidArgument("state", f"phải là một trong {', '.join(JOB_STATES)}.")
    given_from, given_before = _given_between(request.date_from, request.date_to)
    return JobFilter(words=tuple(fold(request.query).split()), state=state, given_from=given_from,
                     given_before=given_before)


def _given_between(date_from: str, date_to: str) -> tuple[datetime | None, datetime | None]:
    """The Vietnam days ``date_from`` to ``date_to`` (both included; either empty: open-ended) as the UTC instants
    from (included) and before (excluded) which something was given."""
    first = _optional_date(date_from, "date_from")
    last = _optional_date(date_to, "date_to")
    if first and last and last < first:
        raise InvalidArgument("date_to", "phải từ Từ ngày trở về sau.")

    def start_of(day: date | None) -> datetime | None:
        return None if day is None else datetime.combine(day, time(0), tzinfo=VIETNAM_TZ).astimezone(UTC)

    return start_of(first), start_of(last + timedelta(days=1) if last else None)


def _period_date(value: str, field: str) -> date:
    try:
        day = date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidArgument(field, "chưa nhập hoặc sai dạng: cần ngày YYYY-MM-DD.") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidArgument(field, f"phải là ngày từ {FIRST_DAY:%d/%m/%Y} đến {LAST_DAY:%d/%m/%Y}.")
    return day


def _row(row: dashboard.Row) -> pb.DashboardRow:
    return pb.DashboardRow(
        unit_code=row.unit_code, unit_name=row.unit_name, total=row.total, by_state=dict(row.by_state),
        completed=row.completed, with_deadline=row.with_deadline, overdue_open=row.overdue_open,
        completed_late=row.completed_late, overdue_rate=row.overdue_rate,
        median_processing_days=row.median_processing_days)
