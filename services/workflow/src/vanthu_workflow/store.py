"""Persistence of the workflow (SQLAlchemy 2, async): cases, tasks and their append-only steps; one transaction per
command, its events written to the outbox in the same transaction.

Concurrency: a command names the case's ``version`` as the caller read it. The case row is read ``FOR UPDATE``
(PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises writers), a stale version is refused with
:class:`~vanthu_core.errors.Aborted`, and the ORM's version counter (``version_id_col``) makes the update itself
conditional on the version read, so of two people acting on the same case at once exactly one wins. The frequent
steps that change only the acted task (progress, a cooperating task completed) take, on PostgreSQL, one read and ONE
statement instead (:meth:`WorkflowStore._plain_step`): its data-modifying CTEs update the case ``WHERE version =
<read>`` and only then the task, the step and the outbox, so the same version guard decides who wins.

Tenancy: every read and write names the agency; another agency's case or task is not found.
"""

from __future__ import annotations

import functools
import json
import unicodedata
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    and_,
    bindparam,
    case,
    event,
    exists,
    func,
    insert,
    literal_column,
    not_,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, validates
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from vanthu.workflow.v1 import events_pb2 as ev
from vanthu_core.db import UtcDateTime
from vanthu_core.errors import Aborted, Conflict, FailedPrecondition, InvalidArgument, NotFound, PermissionDenied
from vanthu_core.events import EventMeta, new_meta
from vanthu_core.ids import new_id
from vanthu_core.outbox import add_event, event_row, outbox_table
from vanthu_core.paging import decode_cursor, encode_cursor
from vanthu_core.text import fold
from vanthu_core.timeutil import Clock, utc_now, vietnam_time
from vanthu_workflow.dashboard import COMPLETED_STATE, UNASSIGNED, CaseFacts
from vanthu_workflow.domain.audience import HeldTask, case_audience, deputies_key
from vanthu_workflow.domain.delegation import ActingFor
from vanthu_workflow.domain.incoming import (
    OPEN_TASK_STATES,
    PERSON,
    UNIT,
    WITHDRAWAL,
    Action,
    Party,
    State,
    TaskKind,
    TaskState,
    check_task_open,
    next_state,
    party_words,
    reassigned_words,
)
from vanthu_workflow.domain.jobs import JOB, WORKING, check_depth, check_parent_working
from vanthu_workflow.domain.outgoing import OUT_STATE_NAMES, Circuit, OutAction, OutState, OutTaskKind
from vanthu_workflow.domain.outgoing import TRANSITIONS as TRANSITIONS_OUT
from vanthu_workflow.domain.outgoing import next_state as next_out_state
from vanthu_workflow.notify import (
    DRAFT_RETURNED,
    DUE_TOMORROW,
    EXTENSION_DECIDED,
    NEW_TASK,
    OVERDUE,
    Audience,
    NotificationView,
    Words,
    draft_returned_words,
    extension_words,
    mail_text,
    new_task_words,
    reminder_words,
)

metadata = MetaData()
#: The action of a ``StepRecorded`` that only publishes again who the case gives its document to (a delegation
#: created, revoked, begun or ended): the registry keeps the audience and adds no history line.
AUDIENCE_ACTION = "audience"
#: The order of the document audiences a case publishes (``StepRecorded.audience_seq``; the registry keeps the one with
#: the highest): a step gives the case's version after it times this span, a re-publication between two steps (a
#: delegation begun or ended, :meth:`WorkflowStore.publish_audiences`) that version plus its own count
#: (:attr:`CaseRow.audience_rev`). So each re-publication is newer than the step before it and every one before it,
#: older than the step after it, and a redelivered one never undoes a later one (a revoked deputy's access stays gone).
AUDIENCE_SPAN = 1 << 20


def audience_seq(version: int, revision: int = 0) -> int:
    """The order number of a document audience published at the case's ``version`` (after the step that made it),
    ``revision`` re-publications later (kept below :data:`AUDIENCE_SPAN`)."""
    return version * AUDIENCE_SPAN + min(revision, AUDIENCE_SPAN - 1)
outbox = outbox_table(metadata)
ROLE = "role"
LEADERS = "leader"
INCOMING, OUTGOING = "incoming", "outgoing"


class Base(DeclarativeBase):
    metadata = metadata


#: How much of a case's folded abstract is kept for the inbox's filter (the registry keeps as much).
SEARCH_KEY_CHARS = 600


class CaseRow(Base):
    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(35))
    document_id: Mapped[str] = mapped_column(String(36))
    state: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer)
    abstract: Mapped[str] = mapped_column(Text, default="")
    arrival_number: Mapped[int] = mapped_column(Integer, default=0)
    leader: Mapped[str] = mapped_column(String(100), default="")
    lead: Mapped[str] = mapped_column(Text, default="")  # JSON Party or ""
    cooperating: Mapped[str] = mapped_column(Text, default="[]")
    for_information: Mapped[str] = mapped_column(Text, default="[]")
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    instruction: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[str] = mapped_column(Text, default="")
    reply_document_id: Mapped[str] = mapped_column(String(36), default="")
    requested_deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(10), default=INCOMING)
    #: Outgoing: the circuit the case started with (:meth:`Circuit.to_data`, JSON) and its definition's version.
    circuit: Mapped[str] = mapped_column(Text, default="")
    definition_version: Mapped[int] = mapped_column(Integer, default=0)
    drafter: Mapped[str] = mapped_column(String(100), default="")
    drafter_name: Mapped[str] = mapped_column(String(200), default="")
    #: Outgoing: the drafting unit whose head reviews; empty: the leaders review.
    unit_code: Mapped[str] = mapped_column(String(20), default="")
    type_code: Mapped[str] = mapped_column(String(50), default="")
    #: Job (giao việc): the job it is a sub-job of ("" top-level), its level, the result's files (JSON list of ids).
    #: A job's title is ``abstract``, its description ``instruction``, its giver ``drafter``/``drafter_name``, the
    #: unit it stays within ``unit_code`` and its ``document_id`` its own id (no document).
    parent_id: Mapped[str] = mapped_column(String(36), default="")
    depth: Mapped[int] = mapped_column(Integer, default=0)
    result_files: Mapped[str] = mapped_column(Text, default="[]")
    #: How many times the document audience was published again without a step (:func:`audience_seq`); written by a
    #: Core update, which leaves ``version`` (the guard of people's steps) alone.
    audience_rev: Mapped[int] = mapped_column(Integer, default=0)
    #: The abstract folded (:func:`vanthu_core.text.fold`), kept with it: the inbox's "trích yếu có chứa" filter.
    search_key: Mapped[str] = mapped_column(Text, default="")
    #: Incoming: the document's issuing agency (mã định danh) as it was submitted: the inbox's issuer filter.
    issuing_agency_code: Mapped[str] = mapped_column(String(35), default="")

    @validates("abstract")
    def _keep_search_key(self, _key: str, value: str) -> str:
        """Every change of the abstract (started, revised, scrubbed) folds it again into ``search_key``."""
        self.search_key = fold(value or "")[:SEARCH_KEY_CHARS]
        return value

    __table_args__ = (UniqueConstraint("agency_code", "document_id", name="uq_cases_document"),
                      Index("ix_cases_jobs_giver", "agency_code", "kind", "drafter", "created_at"),
                      Index("ix_cases_parent", "parent_id"))
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's declarative mapping)


class TaskRow(Base):
    __tablename__ = "tasks"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    agency_code: Mapped[str] = mapped_column(String(35))
    kind: Mapped[str] = mapped_column(String(20))
    assignee_kind: Mapped[str] = mapped_column(String(10))
    assignee: Mapped[str] = mapped_column(String(100))
    unit_code: Mapped[str] = mapped_column(String(20), default="")
    state: Mapped[str] = mapped_column(String(20))
    deadline: Mapped[date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    #: Người giao: the subject and name of the person whose step created the task, or of the head who handed it on
    #: (migration 0012; "" for tasks given before).
    given_by: Mapped[str] = mapped_column(String(100), default="")
    given_by_name: Mapped[str] = mapped_column(String(200), default="")

    __table_args__ = (
        Index("ix_tasks_inbox", "agency_code", "assignee_kind", "assignee", "state", "deadline"),
        Index("ix_tasks_case", "case_id"),
    )


class StepRow(Base):
    """One step of a case: written once, never changed nor deleted."""

    __tablename__ = "steps"

    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
                                     autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id"))
    task_id: Mapped[str] = mapped_column(String(36), default="")
    agency_code: Mapped[str] = mapped_column(String(35))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    actor: Mapped[str] = mapped_column(String(100))
    actor_subject: Mapped[str] = mapped_column(String(100))
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    comment: Mapped[str] = mapped_column(Text, default="")
    #: Taken by a deputy under a delegation (ủy quyền): the delegator's username and the delegation.
    on_behalf_of: Mapped[str] = mapped_column(String(100), default="")
    delegation_id: Mapped[str] = mapped_column(String(36), default="")
    #: ... and the competence that delegation gives (KT., TUQ.).
    competence: Mapped[str] = mapped_column(String(5), default="")

    __table_args__ = (Index("ix_steps_case", "case_id", "seq"),)


class NotificationRow(Base):
    """One person's notification (issue 13 item 6), written in the transaction of the step that causes it."""

    __tablename__ = "notifications"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(35))
    #: The person's subject (``sub``).
    recipient: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(30))
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    case_id: Mapped[str] = mapped_column(String(36), default="")
    task_id: Mapped[str] = mapped_column(String(36), default="")
    document_id: Mapped[str] = mapped_column(String(36), default="")
    #: The person's e-mail address as the directory gave it then ("" none): the reminders of the task reuse it.
    email: Mapped[str] = mapped_column(String(320), default="")
    #: The web app's path when it concerns no document or case (a file plan: ``/ho-so?nam=2027``; migration 0011).
    link: Mapped[str] = mapped_column(String(300), default="")
    #: Reminders: "<kind>:<task id>:<recipient>", so that each is written once.
    dedupe_key: Mapped[str | None] = mapped_column(String(250), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)

    __table_args__ = (
        Index("ix_notifications_recipient", "agency_code", "recipient", "created_at"),
        Index("ix_notifications_task", "task_id"),
    )


class NotificationSettingsRow(Base):
    """A person's choice of e-mail notifications (no row: on)."""

    __tablename__ = "notification_settings"

    agency_code: Mapped[str] = mapped_column(String(35), primary_key=True)
    subject: Mapped[str] = mapped_column(String(100), primary_key=True)
    email_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DelegationRow(Base):
    """Ủy quyền (:mod:`vanthu_workflow.delegations`): kept here, since who sees a case's document depends on it."""

    __tablename__ = "delegations"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(35))
    delegator: Mapped[str] = mapped_column(String(100))
    delegator_username: Mapped[str] = mapped_column(String(100))
    delegator_name: Mapped[str] = mapped_column(String(200), default="")
    #: A head's delegation: the unit; empty: a leader's own tasks.
    unit_code: Mapped[str] = mapped_column(String(20), default="")
    deputy: Mapped[str] = mapped_column(String(100))
    deputy_name: Mapped[str] = mapped_column(String(200), default="")
    #: The deputy's own position (chức vụ), under the competence line of a signature under the delegation.
    deputy_position: Mapped[str] = mapped_column(String(100), default="")
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    competence: Mapped[str] = mapped_column(String(5))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_by: Mapped[str] = mapped_column(String(100), default="")
    #: Whether the document audiences last published for the cases it covers count its deputy in (it was in force
    #: then): the sweep publishes them again when this differs from whether it is in force today (begun, ended).
    audience_published: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_delegations_deputy", "agency_code", "deputy", "valid_to"),
                      Index("ix_delegations_delegator", "agency_code", "delegator"))


MAIL_PENDING, MAIL_SENT, MAIL_FAILED, MAIL_CANCELLED = "pending", "sent", "failed", "cancelled"


class MailRow(Base):
    """An e-mail to send (the mail outbox): written with its notification, sent by :mod:`vanthu_workflow.mail`."""

    __tablename__ = "mail_outbox"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    notification_id: Mapped[str] = mapped_column(String(36))
    agency_code: Mapped[str] = mapped_column(String(35))
    address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    #: pending, sent, failed (given up after the sender's last attempt), cancelled (the person turned e-mail off).
    state: Mapped[str] = mapped_column(String(10), default=MAIL_PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_mail_outbox_due", "state", "next_attempt_at"),)


#: session.info key: the notifications a transaction wrote, handed to the store's listeners once it commits.
_PENDING = "vanthu_workflow_notifications"


#: session.info key: the tasks added in the transaction (each new task's holder is told, :meth:`_advance`).
_NEW_TASKS = "vanthu_workflow_new_tasks"
#: session.info key: the cases whose every task the transaction loaded (with the case, under its lock): their tasks
#: are the session's own, so the step's audience and the answer are read from it, not again from the database.
_ALL_TASKS = "vanthu_workflow_all_tasks"


def _session_tasks(session: AsyncSession, case_id: str) -> list[TaskRow] | None:
    """The case's tasks as the transaction holds them (loaded, changed and added since), in their order, when it
    loaded them all (:data:`_ALL_TASKS`, :func:`_hold_tasks`); None otherwise."""
    held = session.sync_session.info.get(_ALL_TASKS, {}).get(case_id)
    return None if held is None else sorted(held, key=lambda t: (t.created_at, t.id))


def _hold_tasks(session: AsyncSession, case_id: str, tasks: Sequence[TaskRow]) -> None:
    """Every task of the case, loaded under its lock: kept (strongly: the identity map holds weakly) with those the
    transaction adds (:func:`_task_added`)."""
    session.sync_session.info.setdefault(_ALL_TASKS, {})[case_id] = list(tasks)


@event.listens_for(Session, "transient_to_pending")
def _task_added(session: Session, instance: object) -> None:
    if isinstance(instance, TaskRow):
        session.info.setdefault(_NEW_TASKS, []).append(instance)
        held = session.info.get(_ALL_TASKS, {}).get(instance.case_id)
        if held is not None:
            held.append(instance)


def _given(tasks: Sequence[TaskRow], actor: Actor) -> None:
    """Records who gave the tasks a step added (người giao): its actor, unless already said."""
    for task in tasks:
        if not task.given_by:
            task.given_by, task.given_by_name = actor.subject, actor.name


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_NEW_TASKS, None)
    session.info.pop(_ALL_TASKS, None)
    pending = session.info.pop(_PENDING, None)
    if pending:
        store, notes = pending
        store.committed(notes)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_NEW_TASKS, None)
    session.info.pop(_ALL_TASKS, None)


# -- who acts --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Actor:
    """The person acting: their subject, username, name, token roles and the units they head (from the registry's
    directory)."""

    subject: str
    username: str
    name: str = ""
    roles: frozenset[str] = frozenset()
    head_of: frozenset[str] = frozenset()
    #: The delegations (ủy quyền) in force for this person today: whose tasks they also hold.
    acting_for: tuple[ActingFor, ...] = ()
    #: The agency's units by code → name, as the directory said when the actor was read (a refusal names units in
    #: words); empty when no units were read.
    unit_names: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    #: Signing (ký thay): the signer the draft designates (its "người ký", as the registry holds it); "" none named.
    designated_signer: str = field(default="", compare=False)
    #: ... and their account when the drafter chose them from the agency's people ("" when only a name is written).
    designated_signer_subject: str = field(default="", compare=False)

    @property
    def is_leader(self) -> bool:
        return "leader" in self.roles

    def holds_own(self, task: TaskRow) -> bool:
        """Whether the task is in this person's inbox in their own right: theirs, their unit's (as its head), or
        their role's."""
        if task.assignee_kind == PERSON:
            return task.assignee == self.subject
        if task.assignee_kind == UNIT:
            return task.assignee in self.head_of
        return task.assignee in self.roles

    def delegation_for(self, task: TaskRow) -> ActingFor | None:
        """The delegation in force under which this person holds a task that is not theirs (None: none does): a
        unit's under its head's delegation; a leader's own (theirs by name) under that leader's; the leaders' role
        task under a leader's delegation — for the document to sign, the delegation of the signer the draft
        designates (:meth:`signing_delegation`)."""
        leaders = [a for a in self.acting_for if not a.unit]
        if task.assignee_kind == UNIT:
            return next((a for a in self.acting_for if a.unit and a.unit == task.assignee), None)
        if task.assignee_kind == PERSON:
            return next((a for a in leaders if a.delegator == task.assignee), None)
        if task.assignee_kind == ROLE and task.assignee == LEADERS:
            if task.kind == OutTaskKind.SIGN.value:
                return self.signing_delegation()
            return leaders[0] if leaders else None
        return None

    def signing_delegation(self) -> ActingFor | None:
        """Ký thay (Decree 30/2020 Art. 13): of the leaders' delegations in force, the one whose delegator is the
        signer the draft designates (by account when the drafter chose them from the agency's people, else by name,
        NFC and case folded); with no signer named, the one delegation when there is exactly one. None otherwise: the
        deputy does not sign (:meth:`signing_refusal` says why)."""
        leaders = [a for a in self.acting_for if not a.unit]
        if self.designated_signer_subject:
            return next((a for a in leaders if a.delegator == self.designated_signer_subject), None)
        if self.designated_signer:
            wanted = name_key(self.designated_signer)
            return next((a for a in leaders if name_key(a.delegator_name) == wanted), None)
        return leaders[0] if len(leaders) == 1 else None

    def signing_refusal(self) -> str:
        """Why a deputy holding leaders' delegations does not sign the leaders' document ("" when they hold none)."""
        leaders = [a for a in self.acting_for if not a.unit]
        if not leaders:
            return ""
        names = ", ".join(a.delegator_name or "lãnh đạo" for a in leaders)
        if self.designated_signer:
            return (f"Đồng chí được ủy quyền ký thay {names}, còn dự thảo ghi người ký là {self.designated_signer}: "
                    "chỉ người được chính người ký này ủy quyền mới ký thay được. Nếu người ký thay đổi, người soạn "
                    "sửa mục người ký trên dự thảo.")
        return (f"Đồng chí đang được nhiều lãnh đạo ủy quyền ({names}) mà dự thảo chưa ghi người ký: người soạn cần "
                "ghi người ký trên dự thảo để biết đồng chí ký thay ai.")

    def holds(self, task: TaskRow) -> bool:
        """Whether the task is in this person's inbox: in their own right, or as a deputy under a delegation."""
        return self.holds_own(task) or self.delegation_for(task) is not None

    def on_behalf(self, task: TaskRow) -> ActingFor | None:
        """The delegation a step on ``task`` is taken under (None when the person holds it in their own right)."""
        return None if self.holds_own(task) else self.delegation_for(task)

    def require_leader(self, for_person: str = "") -> ActingFor | None:
        """None for a leader acting in their own right; for a leader's deputy, the delegation in force they act
        under (that of ``for_person``, the leader the case was submitted to, when they deputise for them).
        PermissionDenied for anyone else."""
        if self.is_leader:
            return None
        leaders = [a for a in self.acting_for if not a.unit]
        if not leaders:
            raise PermissionDenied("Chỉ lãnh đạo cơ quan, hoặc người được lãnh đạo ủy quyền còn hiệu lực, mới làm "
                                   "được việc này.")
        return next((a for a in leaders if a.delegator == for_person), leaders[0])

    def head_or_deputy(self, unit: str) -> ActingFor | None:
        """None for the head (trưởng đơn vị) of ``unit`` in their own right; for the deputy of its head, the unit's
        delegation in force. PermissionDenied for anyone else."""
        if "head" in self.roles and unit in self.head_of:
            return None
        found = next((a for a in self.acting_for if a.unit and a.unit == unit), None)
        if found is None:
            raise PermissionDenied("Chỉ trưởng đơn vị được giao việc, hoặc người được ủy quyền còn hiệu lực, mới "
                                   "giao được cho người trong đơn vị.")
        return found

    def director_of(self, giver: str, unit: str) -> ActingFor | None:
        """Whether the actor directs a job given by ``giver`` staying within ``unit`` ("" none): None for the giver
        themselves; the delegation in force under which they deputise for the giver (a leader's own tasks, or the
        unit's head for a job of that unit). PermissionDenied otherwise."""
        if giver == self.subject:
            return None
        for acting in self.acting_for:
            if acting.delegator == giver and (not acting.unit or acting.unit == unit):
                return acting
        raise PermissionDenied("Chỉ người giao việc, hoặc người được ủy quyền còn hiệu lực, mới làm được việc này.")

    def people_and_units(self) -> tuple[frozenset[str], frozenset[str]]:
        """The people whose own tasks and the units whose tasks this person holds: themselves and the units they
        head, and those of the delegations in force."""
        return (frozenset({self.subject} | {a.delegator for a in self.acting_for if not a.unit}),
                frozenset(set(self.head_of) | {a.unit for a in self.acting_for if a.unit}))


# -- what the store returns -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TaskView:
    id: str
    case_id: str
    document_id: str
    kind: str
    assignee_kind: str
    assignee: str
    unit_code: str
    state: str
    deadline: date | None
    created_at: datetime
    done_at: datetime | None
    abstract: str
    note: str
    #: incoming, outgoing or job: what the task is about.
    case_kind: str = INCOMING
    #: A done task: the action of the step that closed it (:func:`closing_actions`); "" otherwise.
    outcome: str = ""
    #: The state of the task's case: a for-information task stays open on a completed case (its holder may still
    #: mark it read), and this tells that the case itself is finished (issue 14 item 6).
    case_state: str = ""
    #: An extension request (kind ``extension``): the case's hạn xử lý and the one asked for; None otherwise.
    case_deadline: date | None = None
    requested_deadline: date | None = None
    #: Người giao: who gave the task (their subject and name, as the step that gave it recorded them); "" unknown.
    given_by: str = ""
    given_by_name: str = ""


@dataclass(frozen=True)
class StepView:
    seq: int
    task_id: str
    action: str
    from_state: str
    to_state: str
    actor: str
    actor_name: str
    at: datetime
    comment: str
    on_behalf_of: str = ""
    delegation_id: str = ""
    competence: str = ""


@dataclass(frozen=True)
class CaseView:
    id: str
    agency_code: str
    document_id: str
    state: str
    version: int
    abstract: str
    arrival_number: int
    leader: str
    lead: Party | None
    cooperating: list[Party]
    for_information: list[Party]
    deadline: date | None
    instruction: str
    result: str
    reply_document_id: str
    created_at: datetime
    updated_at: datetime
    tasks: list[TaskView] = field(default_factory=list)
    steps: list[StepView] = field(default_factory=list)
    kind: str = INCOMING
    circuit: Circuit | None = None
    drafter: str = ""
    drafter_name: str = ""
    unit_code: str = ""
    type_code: str = ""
    parent_id: str = ""
    depth: int = 0
    result_file_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class InboxCounts:
    todo: int
    due_soon: int
    overdue: int
    done: int


@dataclass(frozen=True)
class InboxFilter:
    """What narrows a person's inbox beyond its bucket, about the task's case (its document): ``words`` the folded
    abstract contains (each), its ``type_code`` and ``issuing_agency_code``, and when the task was given: from
    ``given_from`` (included) to ``given_before`` (excluded), UTC. Empty or None: no condition."""

    words: tuple[str, ...] = ()
    type_code: str = ""
    issuing_agency_code: str = ""
    given_from: datetime | None = None
    given_before: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The conditions over ``tasks`` joined to ``cases``."""
        found: list[ColumnElement[bool]] = [CaseRow.search_key.contains(word, autoescape=True) for word in self.words]
        if self.type_code:
            found.append(CaseRow.type_code == self.type_code)
        if self.issuing_agency_code:
            found.append(CaseRow.issuing_agency_code == self.issuing_agency_code)
        if self.given_from is not None:
            found.append(TaskRow.created_at >= self.given_from)
        if self.given_before is not None:
            found.append(TaskRow.created_at < self.given_before)
        return found


@dataclass(frozen=True)
class JobFilter:
    """What narrows a list of jobs (giao việc): ``words`` the folded title contains (each), the job's ``state``, and
    when it was given: from ``given_from`` (included) to ``given_before`` (excluded), UTC. Empty or None: no
    condition. It narrows only the jobs the list would show anyway (the caller's own, or one job's sub-jobs)."""

    words: tuple[str, ...] = ()
    state: str = ""
    given_from: datetime | None = None
    given_before: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        """The conditions over ``cases``."""
        found: list[ColumnElement[bool]] = [CaseRow.search_key.contains(word, autoescape=True) for word in self.words]
        if self.state:
            found.append(CaseRow.state == self.state)
        if self.given_from is not None:
            found.append(CaseRow.created_at >= self.given_from)
        if self.given_before is not None:
            found.append(CaseRow.created_at < self.given_before)
        return found


def _parties(text: str) -> list[Party]:
    return [Party(**p) for p in json.loads(text or "[]")]


def _dump(parties: Sequence[Party]) -> str:
    return json.dumps([{"kind": p.kind, "id": p.id, "name": p.name} for p in parties], ensure_ascii=False)


def _task_view(t: TaskRow, c: CaseRow, closing: Mapping[str, str] | None = None) -> TaskView:
    return TaskView(id=t.id, case_id=t.case_id, document_id="" if c.kind == JOB else c.document_id, kind=t.kind,
                    assignee_kind=t.assignee_kind, assignee=t.assignee, unit_code=t.unit_code, state=t.state,
                    deadline=t.deadline, created_at=t.created_at, done_at=t.done_at, abstract=c.abstract, note=t.note,
                    case_kind=c.kind, case_state=c.state,
                    case_deadline=c.deadline if t.kind == TaskKind.EXTENSION.value else None,
                    requested_deadline=c.requested_deadline if t.kind == TaskKind.EXTENSION.value else None,
                    given_by=t.given_by or "", given_by_name=t.given_by_name or "",
                    outcome=(closing or {}).get(t.id, "") if t.state == TaskState.DONE.value else "")


#: The steps that close the task they are taken on (its holder's own act); a step recording a task it creates (trình,
#: thu hồi, gửi dự thảo) or one that leaves it open (tiến độ, giao trong đơn vị, xin gia hạn) is not one.
CLOSING_ACTIONS = frozenset({Action.COMPLETE, Action.RETURN, OutAction.APPROVE, OutAction.RETURN, OutAction.RESEND,
                             OutAction.ANSWER, OutAction.SUBMIT, OutAction.SIGN, OutAction.DECLINE, OutAction.ISSUE})


def closing_actions(steps: Iterable[Any]) -> dict[str, str]:
    """Task id → the action of the step that closed it (``steps`` in order: StepRow, or rows with its columns; the
    last of :data:`CLOSING_ACTIONS` taken on it): for a done task, how it ended — completed, approved, or returned
    (trả lại: ``return``, ``return_draft``, ``return_unsigned``), which its state alone ("done") does not say. A task
    closed by a step on the case (a leader's task, by their assignment) has none."""
    return {s.task_id: s.action for s in steps if s.task_id and s.action in CLOSING_ACTIONS}


MAX_PAGE = 200
DEFAULT_PAGE = 50
#: How far up a tree of sub-jobs visibility looks (deeper than any job is given: domain.jobs.MAX_DEPTH).
MAX_ANCESTORS = 8


def _subject(row: CaseRow) -> str:
    """What a case is about, in an error message."""
    return "the job" if row.kind == JOB else "the document"
def _case_view(row: CaseRow, tasks: Sequence[TaskView], steps: Sequence[Any]) -> CaseView:
    """The case as ``row`` holds it with its ``tasks`` and ``steps`` (StepRow, or rows with the same columns)."""
    return CaseView(
        id=row.id, agency_code=row.agency_code, document_id="" if row.kind == JOB else row.document_id,
        state=row.state, version=row.version,
        abstract=row.abstract, arrival_number=row.arrival_number, leader=row.leader,
        lead=Party(**json.loads(row.lead)) if row.lead else None, cooperating=_parties(row.cooperating),
        for_information=_parties(row.for_information), deadline=row.deadline, instruction=row.instruction,
        result=row.result, reply_document_id=row.reply_document_id, created_at=row.created_at,
        updated_at=row.updated_at, tasks=list(tasks),
        steps=[StepView(seq=s.seq, task_id=s.task_id, action=s.action, from_state=s.from_state,
                        to_state=s.to_state, actor=s.actor, actor_name=s.actor_name, at=s.at, comment=s.comment,
                        on_behalf_of=s.on_behalf_of, delegation_id=s.delegation_id, competence=s.competence)
               for s in steps],
        kind=row.kind, circuit=Circuit.from_data(json.loads(row.circuit)) if row.circuit else None,
        drafter=row.drafter, drafter_name=row.drafter_name, unit_code=row.unit_code, type_code=row.type_code,
        parent_id=row.parent_id, depth=row.depth, result_file_ids=list(json.loads(row.result_files or "[]")))


def _audience_of(row: CaseRow, tasks: Sequence[TaskRow], deputies: Mapping[str, Sequence[str]] | None = None,
                 acted: Iterable[str] = ()) -> list[str]:
    """:meth:`WorkflowStore._document_audience` of a case whose every task is ``tasks``, under the delegations in
    force ``deputies`` and with the deputies who ``acted`` on it
    (:func:`vanthu_workflow.domain.audience.case_audience`)."""
    return case_audience([HeldTask(t.assignee_kind, t.assignee, t.unit_code, t.state) for t in tasks],
                         drafter=row.drafter if row.kind == OUTGOING else "", deputies=deputies, acted=acted)


def delegation_in_force(today: date) -> ColumnElement[bool]:
    """The delegations in force on ``today`` (a Vietnam date; both ends of the period included), not revoked."""
    return and_(DelegationRow.valid_from <= today, DelegationRow.valid_to >= today, DelegationRow.revoked_at.is_(None))


async def deputies_in_force(session: AsyncSession, agency_code: str, today: date) -> dict[str, tuple[str, ...]]:
    """The agency's delegations in force on ``today`` (Vietnam date): :func:`deputies_key` → the deputies' subjects,
    read in the caller's session (a delegation the transaction created or revoked counts as it now is)."""
    rows = (await session.execute(select(DelegationRow.delegator, DelegationRow.unit_code, DelegationRow.deputy)
                                  .where(DelegationRow.agency_code == agency_code, delegation_in_force(today))
                                  .order_by(DelegationRow.valid_from, DelegationRow.id))).all()
    found: dict[str, list[str]] = {}
    for delegator, unit, deputy in rows:
        found.setdefault(deputies_key(delegator, unit), []).append(deputy)
    return {key: tuple(dict.fromkeys(subjects)) for key, subjects in found.items()}


async def deputies_who_acted(session: AsyncSession, case_ids: Sequence[str]) -> dict[str, set[str]]:
    """Case id → the subjects of the deputies who took one of its steps under a delegation (the steps the session
    added too)."""
    found: dict[str, set[str]] = {case_id: set() for case_id in case_ids}
    if not case_ids:
        return found
    with session.no_autoflush:
        rows = (await session.execute(select(StepRow.case_id, StepRow.actor_subject).distinct().where(
            StepRow.case_id.in_(case_ids), StepRow.delegation_id != ""))).all()
    added = [(s.case_id, s.actor_subject) for s in session.new if isinstance(s, StepRow) and s.delegation_id]
    for case_id, subject in [*rows, *added]:
        if case_id in found:
            found[case_id].add(subject)
    return found


@functools.cache
def _plain_step_statement(events: int) -> Any:
    """The one statement of :meth:`WorkflowStore._plain_step` writing ``events`` outbox rows, built once (its
    compiled form is cached by SQLAlchemy; every value is a bound parameter): data-modifying CTEs that update the
    case at the version read (``moved``) and, only when it did, the task, the step and the events, in that order
    (the events numbered by the outbox's sequence as given); it answers the case's steps, none on a conflict."""
    cases, tasks, steps = Base.metadata.tables["cases"], Base.metadata.tables["tasks"], Base.metadata.tables["steps"]
    moved = (update(cases).where(cases.c.id == bindparam("p_case_id"),
                                 cases.c.agency_code == bindparam("p_agency_code"),
                                 cases.c.version == bindparam("p_version"))
             .values(version=cases.c.version + literal_column("1"), state=bindparam("p_to_state"),
                     updated_at=bindparam("p_now", type_=cases.c.updated_at.type))
             .returning(cases.c.id).cte("moved"))
    did_move = exists(select(moved.c.id))
    changed = (update(tasks).where(tasks.c.id == bindparam("p_task_id"), did_move)
               .values(state=bindparam("p_task_state"), note=bindparam("p_task_note"),
                       done_at=bindparam("p_task_done_at", type_=tasks.c.done_at.type))
               .returning(tasks.c.id).cte("changed"))
    written = [c.name for c in steps.c if c.name not in ("seq", "case_id")]
    recorded = (insert(steps).from_select(
        ["case_id", *written], select(moved.c.id, *(bindparam(f"step_{k}", type_=steps.c[k].type) for k in written)))
        .returning(*(steps.c[c] for c in _STEP_COLUMNS)).cte("recorded"))
    ctes = [moved, changed, recorded]
    if events:
        given = union_all(*(select(*(bindparam(f"event{n}_{k}", type_=outbox.c[k].type).label(k)
                                     for k in _OUTBOX_COLUMNS), literal_column(str(n)).label("n"))
                            for n in range(events)))
        given_rows = given.subquery("given")
        ctes.append(insert(outbox).from_select(
            list(_OUTBOX_COLUMNS), select(*(given_rows.c[k] for k in _OUTBOX_COLUMNS)).where(did_move)
            .order_by(given_rows.c.n)).returning(outbox.c.seq).cte("published"))
    answered = union_all(
        select(*(steps.c[c] for c in _STEP_COLUMNS)).where(steps.c.case_id == bindparam("p_case_id"), did_move),
        select(*(recorded.c[c] for c in _STEP_COLUMNS))).subquery("answered")
    return select(answered).add_cte(*ctes).order_by(answered.c.seq)


class _NothingRecorded(Exception):
    """Raised after :meth:`WorkflowStore.check_outgoing`'s effect, to leave the step unrecorded."""


#: The steps :meth:`WorkflowStore._plain_step` takes in one statement (a lead's completion excepted).
_PLAIN_ACTIONS = frozenset({Action.PROGRESS, Action.COMPLETE})
_STEP_COLUMNS = ("seq", "task_id", "action", "from_state", "to_state", "actor", "actor_name", "at", "comment",
                 "on_behalf_of", "delegation_id", "competence")
_OUTBOX_COLUMNS = ("event_id", "subject", "payload", "trace_headers", "created_at")
BUCKETS = ("todo", "due_soon", "overdue", "done", "all")



#: A role's name in a refusal (the glossary's words).
_ROLE_WORDS = {"leader": "lãnh đạo", "head": "trưởng đơn vị", "clerk": "văn thư", "officer": "chuyên viên"}


def name_key(name: str) -> str:
    """A person's name compared as people write it: NFC, case folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def _holder_words(assignee_kind: str, assignee: str, unit_names: Mapping[str, str] | None = None) -> str:
    """Who holds a task, in a refusal's words: "lãnh đạo" (a role), "trưởng đơn vị Phòng Tổng hợp" (a unit's task,
    held by its head; the unit by its name in ``unit_names``, never its code), "người được giao" (a person: the
    refusal names no one else's account)."""
    if assignee_kind == "role":
        return _ROLE_WORDS.get(assignee, "người có vai trò được giao")
    if assignee_kind == "unit":
        name = (unit_names or {}).get(assignee, "")
        return f"trưởng đơn vị {name}" if name else "trưởng đơn vị được giao"
    return "người được giao"


class WorkflowStore:
    """Cases, tasks and steps; ``clock`` stamps every change (injected: tests never depend on the calendar)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock = utc_now, *, mail: bool = False,
                 base_url: str = "") -> None:
        """``mail``: write an e-mail to the mail outbox with each notification of a person who has an address and
        e-mail on (off when no SMTP server is configured); ``base_url``: the web app, for the e-mails' links."""
        self.sessions = sessions
        self.clock = clock
        self.mail = mail
        self.base_url = base_url
        #: Called with the notifications of each committed transaction (the hub's fan-out, the mail sender's kick).
        self.listeners: list[Callable[[list[NotificationView]], None]] = []

    # -- reading ---------------------------------------------------------------------------------------------------
    async def get(self, agency_code: str, *, case_id: str = "", document_id: str = "") -> CaseView:
        """The case with its tasks and steps; NotFound for another agency's."""
        async with self.sessions() as session:
            query = select(CaseRow).where(CaseRow.agency_code == agency_code)
            query = query.where(CaseRow.id == case_id) if case_id else query.where(
                CaseRow.document_id == document_id, CaseRow.kind != JOB)
            row = (await session.execute(query)).scalar_one_or_none()
            if row is None:
                raise NotFound("Cơ quan không có hồ sơ công việc này: hãy trình văn bản trước.")
            return await self._view(session, row)

    async def case_of_task(self, agency_code: str, task_id: str) -> CaseView:
        """The case a task belongs to; NotFound for another agency's task."""
        async with self.sessions() as session:
            task = await session.get(TaskRow, task_id)
            if task is None or task.agency_code != agency_code:
                raise NotFound("Cơ quan không có việc này.")
        return await self.get(agency_code, case_id=task.case_id)

    async def _view(self, session: AsyncSession, row: CaseRow, *, brief: bool = False) -> CaseView:
        """The case as read (``brief``: without its tasks and steps)."""
        tasks: Sequence[TaskRow] = ()
        steps: Sequence[StepRow] = ()
        if not brief:
            held = _session_tasks(session, row.id)
            tasks = held if held is not None else (await session.execute(
                select(TaskRow).where(TaskRow.case_id == row.id).order_by(TaskRow.created_at, TaskRow.id))
            ).scalars().all()
            steps = (await session.execute(select(StepRow).where(StepRow.case_id == row.id)
                                           .order_by(StepRow.seq))).scalars().all()
        closing = closing_actions(steps)
        return _case_view(row, [_task_view(t, row, closing) for t in tasks], steps)

    def _mine(self, agency_code: str, actor: Actor) -> ColumnElement[bool]:
        people, units = actor.people_and_units()
        clauses = [and_(TaskRow.assignee_kind == PERSON, TaskRow.assignee.in_(sorted(people)))]
        roles = set(actor.roles) | ({LEADERS} if any(not a.unit for a in actor.acting_for) else set())
        actor = Actor(actor.subject, actor.username, actor.name, frozenset(roles), actor.head_of, actor.acting_for,
                      actor.unit_names)
        if units:
            clauses.append(and_(TaskRow.assignee_kind == UNIT, TaskRow.assignee.in_(sorted(units))))
        if actor.roles:
            clauses.append(and_(TaskRow.assignee_kind == ROLE, TaskRow.assignee.in_(sorted(actor.roles))))
        return and_(TaskRow.agency_code == agency_code, or_(*clauses))

    async def inbox(self, agency_code: str, actor: Actor, *, bucket: str, kinds: Sequence[str], today: date,
                    soon_before: date, page_size: int = 0, page_token: str = "", case_kind: str = "",
                    narrow: InboxFilter | None = None) -> tuple[list[TaskView], InboxCounts, str]:
        """The actor's tasks in ``bucket`` (todo, due_soon, overdue, done, all), newest first, and the counts of each
        bucket (``case_kind``: only the tasks of incoming, outgoing or job cases; empty: all), both narrowed by
        ``narrow`` (the list's filters: the counts are of what the filters keep). ``today`` is the
        Vietnam date now; a task is overdue when its deadline is before it and due soon
        when it falls from today to the day before ``soon_before`` (the caller computes it with the working-day
        calendar, so that the buckets agree with :func:`vanthu_core.workdays.deadline_state`)."""
        if bucket not in BUCKETS:
            raise InvalidArgument("bucket", f"phải là một trong {', '.join(BUCKETS)}.")
        if page_size < 0:
            raise InvalidArgument("page_size", "phải là 0 (mặc định) hoặc số dương.")
        size = min(page_size or DEFAULT_PAGE, MAX_PAGE)
        mine = self._mine(agency_code, actor)
        # a for-information task stays open after its case is finished (its person may still mark it read), but it
        # is no longer work to do: not in todo and not counted there (issue 14)
        informed_of_finished = and_(TaskRow.kind == TaskKind.FOR_INFORMATION.value,
                                    CaseRow.state.in_([State.COMPLETED.value, State.WITHDRAWN.value]))
        open_ = and_(TaskRow.state.in_([s.value for s in OPEN_TASK_STATES]), not_(informed_of_finished))
        overdue = and_(open_, TaskRow.deadline.is_not(None), TaskRow.deadline < today)
        due_soon = and_(open_, TaskRow.deadline.is_not(None), TaskRow.deadline >= today,
                        TaskRow.deadline < soon_before)
        # finished: done, or stopped with its case (the document cancelled or revoked: the holder still sees it)
        done = TaskRow.state.in_([TaskState.DONE.value, TaskState.WITHDRAWN.value])
        where = {"todo": open_, "due_soon": due_soon, "overdue": overdue, "done": done,
                 "all": TaskRow.state != TaskState.CANCELLED.value}[bucket]
        query = (select(TaskRow, CaseRow).join(CaseRow, CaseRow.id == TaskRow.case_id).where(mine, where)
                 .order_by(TaskRow.created_at.desc(), TaskRow.id.desc()).limit(size + 1))
        if kinds:
            query = query.where(TaskRow.kind.in_(list(kinds)))
        if case_kind:
            query = query.where(CaseRow.kind == case_kind)
        conditions = narrow.conditions() if narrow is not None else []
        query = query.where(*conditions)
        if page_token:
            key = decode_cursor("inbox", page_token)
            if len(key) != 2 or not all(isinstance(k, str) for k in key):
                raise InvalidArgument("page_token", "không do hệ thống cấp: hãy tải lại từ trang đầu.")
            try:
                at = datetime.fromisoformat(str(key[0]))
            except ValueError:
                raise InvalidArgument("page_token", "không do hệ thống cấp: hãy tải lại từ trang đầu.") from None
            query = query.where(or_(TaskRow.created_at < at, and_(TaskRow.created_at == at, TaskRow.id < key[1])))

        def count(condition: ColumnElement[bool]) -> Any:
            return func.count().filter(condition)

        async with self.sessions() as session:
            rows = (await session.execute(query)).all()
            counted = select(count(open_), count(due_soon), count(overdue), count(done)).select_from(TaskRow)
            counted = counted.join(CaseRow, CaseRow.id == TaskRow.case_id).where(mine)
            if kinds:
                counted = counted.where(TaskRow.kind.in_(list(kinds)))
            if conditions:
                counted = counted.where(*conditions)
            if case_kind:
                counted = counted.where(CaseRow.kind == case_kind)
            todo_n, soon_n, over_n, done_n = (await session.execute(counted)).one()
            done_ids = sorted(t.id for t, _ in rows[:size] if t.state == TaskState.DONE.value)
            closing: dict[str, str] = {}
            if done_ids:  # how each finished task ended (a return is done too), by the steps taken on it
                closing = closing_actions((await session.execute(
                    select(StepRow.task_id, StepRow.action)
                    .where(StepRow.case_id.in_(sorted({t.case_id for t, _ in rows[:size]})),
                           StepRow.task_id.in_(done_ids))
                    .order_by(StepRow.seq))).all())
        tasks = [_task_view(t, c, closing) for t, c in rows[:size]]
        token = ""
        if len(rows) > size:
            last = rows[size - 1][0]
            token = encode_cursor("inbox", [last.created_at.isoformat(), last.id])
        return tasks, InboxCounts(int(todo_n), int(soon_n), int(over_n), int(done_n)), token

    async def dashboard_facts(self, agency_code: str, kind: str, start: datetime, end: datetime,
                              unit_of_person: Callable[[str], str]) -> list[CaseFacts]:
        """The facts a dashboard counts (:mod:`vanthu_workflow.dashboard`) of the agency's cases of ``kind`` started
        from ``start`` (included) to ``end`` (excluded), UTC. The unit of an incoming case is its lead's (a person's:
        ``unit_of_person(subject)``), of an outgoing one its drafting unit; a completed case was completed when it
        last changed (completion is final)."""
        done = COMPLETED_STATE[kind]
        query = (select(CaseRow.state, CaseRow.lead, CaseRow.unit_code, CaseRow.deadline, CaseRow.created_at,
                        CaseRow.updated_at)
                 .where(CaseRow.agency_code == agency_code, CaseRow.kind == kind, CaseRow.created_at >= start,
                        CaseRow.created_at < end))
        async with self.sessions() as session:
            rows = (await session.execute(query)).all()
        facts = []
        for state, lead, unit_code, deadline, created_at, updated_at in rows:
            if kind != OUTGOING:  # incoming processing and assigned work: the lead's unit
                party = Party(**json.loads(lead)) if lead else None
                unit = "" if party is None else party.id if party.kind == UNIT else unit_of_person(party.id)
            else:
                unit = unit_code
            facts.append(CaseFacts(state=state, unit_code=unit or UNASSIGNED, deadline=deadline,
                                   started_at=created_at, completed_at=updated_at if state == done else None))
        return facts

    # -- commands --------------------------------------------------------------------------------------------------
    async def submit(self, agency_code: str, *, document_id: str, abstract: str, arrival_number: int, leader: str,
                     actor: Actor, comment: str, audience: Audience | None = None, type_code: str = "",
                     issuing_agency_code: str = "") -> CaseView:
        """A new case for a registered incoming document, with a ``direct`` task for ``leader`` (a subject) or for
        the agency's leaders; it keeps the document's type and issuing agency for the inbox's filters. A document
        has one case: a second submission is a Conflict."""
        now = self.clock()
        try:
            async with self.sessions() as session, session.begin():
                row = CaseRow(id=new_id(), agency_code=agency_code, document_id=document_id,
                              state=State.SUBMITTED.value, abstract=abstract, arrival_number=arrival_number,
                              leader=leader, created_by=actor.username, created_at=now, updated_at=now,
                              type_code=type_code, issuing_agency_code=issuing_agency_code)
                session.add(row)
                await session.flush()
                task = self._task(row, TaskKind.DIRECT, PERSON if leader else ROLE, leader or LEADERS, now)
                session.add(task)
                await self._step(session, row, Action.SUBMIT, "", State.SUBMITTED, actor, comment, task.id)
                await session.flush()
                await self._notify_step(session, row, Action.SUBMIT, actor, comment, audience,
                                        session.sync_session.info.pop(_NEW_TASKS, []), ())
                return await self._view(session, row)
        except IntegrityError:
            raise Conflict("Văn bản này đã được trình rồi: hãy mở hồ sơ công việc của nó.") from None

    async def assign(self, agency_code: str, case_id: str, version: int, *, lead: Party, cooperating: list[Party],
                     for_information: list[Party], deadline: date | None, instruction: str, actor: Actor,
                     kind: str = INCOMING, audience: Audience | None = None,
                     names: Mapping[str, str] | None = None) -> CaseView:
        """A leader assigns (from submitted or returned) or reassigns (while processed): the open tasks are closed
        (the leaders' ``direct`` task done, the previous assignees' cancelled) and a task made for each party. A
        giao lại names whom the lead was taken from: the person of the lead unit holding its task, if its head gave
        it to one (``names``: people's names by subject), with the unit.

        ``kind`` JOB: the job's giver reassigns it (PermissionDenied for anyone else); ``instruction`` is then the
        step's comment and the job keeps its description."""
        if kind == INCOMING:
            actor.require_leader()
        now = self.clock()
        async with self.sessions() as session, session.begin():
            row = await self._lock(session, agency_code, case_id, version, kind=kind)
            on_behalf = self._require_director(actor, row)
            state = State(row.state)
            action = Action.ASSIGN if state in (State.SUBMITTED, State.RETURNED) else Action.REASSIGN
            to = next_state(state, action, subject=_subject(row))
            before = Party(**json.loads(row.lead)) if row.lead else None
            held_by: Party | None = None
            for task in await self._open_tasks(session, row.id):
                if before is not None and before.kind == UNIT and task.kind == TaskKind.LEAD and \
                        task.assignee_kind == PERSON and task.unit_code == before.id:
                    held_by = Party(PERSON, task.assignee, (names or {}).get(task.assignee, ""))
                task.state = (TaskState.DONE if task.kind == TaskKind.DIRECT else TaskState.CANCELLED).value
                task.done_at = now
            summary = self._give(session, row, lead, cooperating, for_information, deadline, now)
            if action == Action.REASSIGN and before is not None:
                summary = reassigned_words(before, lead, held_by) + summary.removeprefix(
                    f"chủ trì: {party_words(lead)}")
            if kind == JOB:
                summary += f"; ý kiến: {instruction}" if instruction else ""
            else:
                row.instruction = instruction
                summary += f"; ý kiến chỉ đạo: {instruction}" if instruction else ""
            await self._advance(session, row, action, state, to, actor, summary, "", audience, on_behalf=on_behalf)
            if kind == JOB:
                await self._job_assigned(session, row, actor)
            else:
                await add_event(session, outbox, ev.IncomingAssigned(
                    meta=self._meta(actor, row), case_id=row.id, document_id=row.document_id, lead=lead.key,
                    cooperating=[p.key for p in cooperating], deadline=deadline.isoformat() if deadline else "",
                    instruction=instruction, lead_name=lead.name))
            return await self._view(session, row)

    def _give(self, session: AsyncSession, row: CaseRow, lead: Party, cooperating: Sequence[Party],
              for_information: Sequence[Party], deadline: date | None, now: datetime) -> str:
        """The parties and deadline on the case, a task for each party (for-information ones without a deadline);
        the step's summary in Vietnamese."""
        row.lead, row.cooperating, row.for_information = (
            _dump([lead])[1:-1], _dump(cooperating), _dump(for_information))
        row.deadline, row.requested_deadline = deadline, None
        for kind, parties in ((TaskKind.LEAD, [lead]), (TaskKind.COOPERATING, cooperating),
                              (TaskKind.FOR_INFORMATION, for_information)):
            for party in parties:
                session.add(self._task(row, kind, party.kind, party.id, now,
                                       deadline=None if kind == TaskKind.FOR_INFORMATION else deadline))
        summary = f"chủ trì: {party_words(lead)}"
        if cooperating:
            summary += "; phối hợp: " + ", ".join(party_words(p) for p in cooperating)
        if for_information:
            summary += "; nhận để biết: " + ", ".join(party_words(p) for p in for_information)
        if deadline:
            summary += f"; hạn xử lý: {deadline:%d/%m/%Y}"
        return summary

    async def recall(self, agency_code: str, case_id: str, version: int, *, actor: Actor, comment: str,
                     kind: str = INCOMING, audience: Audience | None = None) -> CaseView:
        """A leader takes the case back: every open task cancelled, a ``direct`` task for the leaders again (a job:
        its giver takes it back, and the ``direct`` task is theirs)."""
        if kind == INCOMING:
            actor.require_leader()
        now = self.clock()
        async with self.sessions() as session, session.begin():
            row = await self._lock(session, agency_code, case_id, version, kind=kind)
            on_behalf = self._require_director(actor, row)
            state = State(row.state)
            to = next_state(state, Action.RECALL, subject=_subject(row))
            for task in await self._open_tasks(session, row.id):
                task.state, task.done_at = TaskState.CANCELLED.value, now
            task = self._director_task(row, TaskKind.DIRECT, now)
            session.add(task)
            await self._advance(session, row, Action.RECALL, state, to, actor, comment, task.id, audience,
                                on_behalf=on_behalf)
            return await self._view(session, row)

    async def withdraw(self, agency_code: str, document_id: str, *, actor: Actor, comment: str,
                       outgoing: bool = False, task_note: str = "", scrub: str = "") -> CaseView | None:
        """The document's case stops — every open task ``withdrawn`` with ``task_note`` (why, in a word: its holder
        lists it among their finished tasks and keeps seeing the document, unlike a task taken back), the case
        ``withdrawn``, a step with ``comment``:
        an arrival revoked by its sender, ``actor`` (the clerk) accepting (issue 12 item 4; Decree 30/2020 Art. 14
        on revoking a sent document), or a document cancelled in the registry (its outgoing circuit too, with
        ``outgoing``: a cancelled draft is not reviewed, signed or issued). None when the agency never started a case
        for it, when it is an outgoing circuit and ``outgoing`` is false, or when the case is already final
        (completed, issued, withdrawn: a redelivered event changes nothing). ``scrub`` (a revocation, whose
        content the registry removes): the words that replace the case's abstract, direction and result, and the
        text of every notification about it, so the content stays nowhere but in the append-only steps."""
        now = self.clock()
        async with self.sessions() as session, session.begin():
            row = (await session.execute(select(CaseRow).where(
                CaseRow.agency_code == agency_code, CaseRow.document_id == document_id,
                CaseRow.kind != JOB).with_for_update())).scalar_one_or_none()
            if row is None or (row.kind == OUTGOING and not outgoing):
                return None
            state: StrEnum
            if row.kind == OUTGOING:
                state = OutState(row.state)
                if state not in TRANSITIONS_OUT[OutAction.WITHDRAW]:
                    return None
                action: StrEnum = OutAction.WITHDRAW
                to: StrEnum = OutState.WITHDRAWN
            else:
                state = State(row.state)
                found = WITHDRAWAL.get(state)
                if found is None:
                    return None
                action, to = Action.WITHDRAW, found
            for task in await self._open_tasks(session, row.id):
                task.state, task.done_at = TaskState.WITHDRAWN.value, now
                task.note = task_note or task.note
            if scrub:
                row.abstract, row.instruction, row.result = scrub, "", ""
                await session.execute(update(NotificationRow).where(
                    NotificationRow.agency_code == agency_code, NotificationRow.case_id == row.id).values(body=scrub))
            await self._advance(session, row, action, state, to, actor, comment, "")
            return await self._view(session, row)

    async def decide_extension(self, agency_code: str, case_id: str, version: int, *, grant: bool, actor: Actor,
                               comment: str, kind: str = INCOMING,
                               audience: Audience | None = None) -> CaseView:
        """A leader (a job: its giver) grants (the new deadline on the case and its open tasks) or refuses an
        extension request."""
        if kind == INCOMING:
            actor.require_leader()
        now = self.clock()
        action = Action.GRANT_EXTENSION if grant else Action.REFUSE_EXTENSION
        async with self.sessions() as session, session.begin():
            row = await self._lock(session, agency_code, case_id, version, kind=kind)
            on_behalf = self._require_director(actor, row)
            state = State(row.state)
            to = next_state(state, action, subject=_subject(row))
            open_tasks = await self._open_tasks(session, row.id)
            for task in open_tasks:
                if task.kind == TaskKind.EXTENSION:
                    task.state, task.done_at = TaskState.DONE.value, now
                elif grant and task.kind in (TaskKind.LEAD, TaskKind.COOPERATING):
                    task.deadline = row.requested_deadline
            text = comment
            if grant and row.requested_deadline:
                row.deadline = row.requested_deadline
                text = f"hạn xử lý mới: {row.deadline:%d/%m/%Y}" + (f"; {comment}" if comment else "")
            row.requested_deadline = None
            audience = audience or Audience()
            words = extension_words(row.abstract, granted=grant, deadline=row.deadline,
                                    by=actor.name or actor.username, comment=comment, job=row.kind == JOB)
            extra = [(who, EXTENSION_DECIDED, words, task.id) for task in open_tasks if task.kind == TaskKind.LEAD
                     for who in self._recipients(task, audience)]
            await self._advance(session, row, action, state, to, actor, text, "", audience, extra,
                                on_behalf=on_behalf)
            return await self._view(session, row)

    # -- assigned work (giao việc) ---------------------------------------------------------------------------------
    async def give_job(self, agency_code: str, *, title: str, description: str, lead: Party,
                       cooperating: list[Party], for_information: list[Party], deadline: date | None, unit_code: str,
                       actor: Actor, parent_id: str = "", audience: Audience | None = None,
                       giver: ActingFor | None = None) -> CaseView:
        """A new job (case kind JOB, state ``assigned``), a task for each party, its first step, the parties'
        notifications (``audience``) and a JobAssigned event. The caller has checked who may give it and to whom
        (:mod:`vanthu_workflow.domain.jobs`); ``unit_code`` is the unit it stays within. A sub-job (``parent_id``):
        the parent is read ``FOR UPDATE``, must be a job of the agency being worked on, whose open lead task the
        actor holds (PermissionDenied otherwise), and not at the deepest level (FailedPrecondition). ``giver``: the
        delegation a deputy gives it under: the job is then the delegator's (they direct it, their deputy with
        them) and its first step records the delegation."""
        now = self.clock()
        async with self.sessions() as session, session.begin():
            depth = 0
            if parent_id:
                parent = (await session.execute(select(CaseRow).where(
                    CaseRow.id == parent_id, CaseRow.agency_code == agency_code, CaseRow.kind == JOB)
                    .with_for_update())).scalar_one_or_none()
                if parent is None:
                    raise NotFound("Cơ quan không có việc này.")
                check_parent_working(State(parent.state))
                leads = [t for t in await self._open_tasks(session, parent.id) if t.kind == TaskKind.LEAD]
                if not any(actor.holds(t) for t in leads):
                    raise PermissionDenied("Chỉ người chủ trì việc mới giao việc con.")
                depth = check_depth(parent.depth)
            case_id = new_id()
            row = CaseRow(id=case_id, agency_code=agency_code, document_id=case_id, kind=JOB,
                          state=State.ASSIGNED.value, abstract=title, instruction=description,
                          drafter=giver.delegator if giver else actor.subject,
                          drafter_name=(giver.delegator_name or giver.delegator_username) if giver
                          else actor.name or actor.username, unit_code=unit_code, parent_id=parent_id,
                          depth=depth, created_by=actor.username, created_at=now, updated_at=now,
                          lead=_dump([lead])[1:-1], cooperating=_dump(cooperating),
                          for_information=_dump(for_information), deadline=deadline, requested_deadline=None)
            session.add(row)  # inserted with its parties (the tasks' _give sets the same values): version 1
            await session.flush()
            summary = self._give(session, row, lead, cooperating, for_information, deadline, now)
            await self._step(session, row, Action.ASSIGN, "", State.ASSIGNED, actor, summary, "", giver)
            await self._notify_step(session, row, Action.ASSIGN, actor, summary, audience,
                                    session.sync_session.info.pop(_NEW_TASKS, []), ())
            await self._job_assigned(session, row, actor)
            return await self._view(session, row)

    async def get_job(self, agency_code: str, case_id: str, actor: Actor) -> CaseView:
        """The job with its tasks and steps, for the people who are part of it (:meth:`_sees`); NotFound for
        anyone else, and for another agency's job or a case that is not a job."""
        async with self.sessions() as session:
            row = (await session.execute(select(CaseRow).where(
                CaseRow.id == case_id, CaseRow.agency_code == agency_code, CaseRow.kind == JOB))).scalar_one_or_none()
            if row is None:
                raise NotFound("Cơ quan không có việc này.")
            case = await self._view(session, row)
            if not await self._sees(session, actor, case):
                raise NotFound("Cơ quan không có việc này giao cho đồng chí.")
            return case

    async def _sees(self, session: AsyncSession, actor: Actor, case: CaseView) -> bool:
        """Whether the actor is part of the job: its giver or the giver of a job above it, or a holder of one of
        its tasks now or before (the person, the unit's head, the head who passed it on to a person of the unit)."""
        people, units = actor.people_and_units()  # a deputy sees what the person or unit they act for sees
        for task in case.tasks:
            if (task.assignee_kind == PERSON and task.assignee in people) or \
                    (task.assignee_kind == UNIT and task.assignee in units) or \
                    (task.unit_code and task.unit_code in units):
                return True
        giver, parent_id = case.drafter, case.parent_id
        for _ in range(MAX_ANCESTORS):
            if giver in people:
                return True
            if not parent_id:
                return False
            found = (await session.execute(select(CaseRow.drafter, CaseRow.parent_id).where(
                CaseRow.id == parent_id, CaseRow.agency_code == case.agency_code))).one_or_none()
            if found is None:
                return False
            giver, parent_id = found
        return False

    async def list_jobs(self, agency_code: str, actor: Actor, *, parent_id: str = "", page_size: int = 0,
                        page_token: str = "", narrow: JobFilter | None = None) -> tuple[list[CaseView], str]:
        """The jobs the actor gave, or the sub-jobs of ``parent_id`` (a job they see, :meth:`get_job`), newest
        first, without tasks and steps, narrowed by ``narrow`` (the list's filters: words of the title, state, the
        days given); the next page's token ("" at the end)."""
        if page_size < 0:
            raise InvalidArgument("page_size", "phải là 0 (mặc định) hoặc số dương.")
        size = min(page_size or DEFAULT_PAGE, MAX_PAGE)
        if parent_id:
            await self.get_job(agency_code, parent_id, actor)
        query = select(CaseRow).where(CaseRow.agency_code == agency_code, CaseRow.kind == JOB)
        query = query.where(CaseRow.parent_id == parent_id) if parent_id else query.where(
            CaseRow.drafter.in_(sorted(actor.people_and_units()[0])))
        if narrow is not None:
            query = query.where(*narrow.conditions())
        if page_token:
            key = decode_cursor("jobs", page_token)
            if len(key) != 2 or not all(isinstance(k, str) for k in key):
                raise InvalidArgument("page_token", "không do hệ thống cấp: hãy tải lại từ trang đầu.")
            try:
                at = datetime.fromisoformat(str(key[0]))
            except ValueError:
                raise InvalidArgument("page_token", "không do hệ thống cấp: hãy tải lại từ trang đầu.") from None
            query = query.where(or_(CaseRow.created_at < at, and_(CaseRow.created_at == at, CaseRow.id < key[1])))
        query = query.order_by(CaseRow.created_at.desc(), CaseRow.id.desc()).limit(size + 1)
        async with self.sessions() as session:
            rows = (await session.execute(query)).scalars().all()
            jobs = [await self._view(session, r, brief=True) for r in rows[:size]]
        token = ""
        if len(rows) > size:
            last = rows[size - 1]
            token = encode_cursor("jobs", [last.created_at.isoformat(), last.id])
        return jobs, token

    async def _job_assigned(self, session: AsyncSession, row: CaseRow, actor: Actor) -> None:
        lead = Party(**json.loads(row.lead))
        await add_event(session, outbox, ev.JobAssigned(
            meta=self._meta(actor, row), case_id=row.id, title=row.abstract, giver=row.drafter, lead=lead.key,
            cooperating=[p.key for p in _parties(row.cooperating)],
            for_information=[p.key for p in _parties(row.for_information)],
            deadline=row.deadline.isoformat() if row.deadline else "", parent_id=row.parent_id))

    @staticmethod
    def _require_director(actor: Actor, row: CaseRow) -> ActingFor | None:
        """Who directs the case: a job its giver (or their deputy), an incoming case the leaders (or a leader's
        deputy). Returns the delegation the actor acts under (None: in their own right); PermissionDenied
        otherwise."""
        if row.kind == JOB:
            return actor.director_of(row.drafter, row.unit_code)
        return actor.require_leader(row.leader)

    def _director_task(self, row: CaseRow, kind: TaskKind, now: datetime) -> TaskRow:
        """A task for whoever directs the case: the giver of a job, the agency's leaders otherwise."""
        if row.kind == JOB:
            return self._task(row, kind, PERSON, row.drafter, now)
        return self._task(row, kind, ROLE, LEADERS, now)

    async def act_on_task(self, agency_code: str, task_id: str, version: int, action: Action, *, actor: Actor,
                          comment: str = "", delegate_to: Party | None = None, requested: date | None = None,
                          reply_document_id: str = "", result_file_ids: Sequence[str] = (),
                          audience: Audience | None = None, names: Mapping[str, str] | None = None) -> CaseView:
        """An assignee's step on their task (delegate, progress, request_extension, return, complete), on an
        incoming document's case or a job's.

        Who: the task's holder (:meth:`Actor.holds`); delegating also needs the head of the task's unit. The case
        moves as :func:`vanthu_workflow.domain.incoming.next_state` says for the task's kind. A job's return and
        extension request go to its giver; its lead completes it only once no sub-job is still being worked on
        (FailedPrecondition). ``names``: people's names by subject (a giao lại inside the unit names from whom).
        """
        if action in _PLAIN_ACTIONS and self._postgres and not result_file_ids:  # files: checked below
            done = await self._plain_step(agency_code, task_id, version, action, actor=actor, comment=comment)
            if done is not None:
                return done
        now = self.clock()
        async with self.sessions() as session, session.begin():
            # one round trip: the task with its case, the case locked (every change of a task bumps its case's
            # version under this lock, so a task read while waiting for it is stale only if the version moved,
            # which _checked refuses)
            # ... and every task of the case in the same round trip: the step's audience and the answer are read
            # from them (_session_tasks), not again
            of_case = select(TaskRow.case_id).where(TaskRow.id == task_id, TaskRow.agency_code == agency_code)
            rows = (await session.execute(
                select(TaskRow, CaseRow).join(CaseRow, CaseRow.id == TaskRow.case_id)
                .where(TaskRow.case_id == of_case.scalar_subquery(), CaseRow.agency_code == agency_code)
                .with_for_update(of=CaseRow))).all()
            found = next(((t, c) for t, c in rows if t.id == task_id), None)
            if found is None:
                raise NotFound("Cơ quan không có việc này.")
            task, row = found
            _hold_tasks(session, row.id, [t for t, _ in rows])
            self._checked(row, version, (INCOMING, JOB))
            kind = TaskKind(task.kind)
            if kind in (TaskKind.DIRECT, TaskKind.EXTENSION):
                raise InvalidArgument("task_id", "việc của lãnh đạo được xử lý qua hồ sơ công việc (giao xử lý, thu "
                                                 "hồi, gia hạn).")
            on_behalf = actor.on_behalf(task)
            if action == Action.DELEGATE:
                on_behalf = actor.head_or_deputy(task.assignee if task.assignee_kind == UNIT else task.unit_code)
            elif not actor.holds(task):
                raise PermissionDenied("Việc này không có trong hộp việc của đồng chí.")
            check_task_open(TaskState(task.state))
            state = State(row.state)
            to = next_state(state, action, kind, subject=_subject(row))
            text = comment
            extra: list[tuple[str, str, Words, str]] = []
            if action == Action.DELEGATE:
                assert delegate_to is not None
                text = f"giao cho {party_words(delegate_to)}" + (f": {comment}" if comment else "")
                if task.assignee_kind == PERSON and task.assignee != delegate_to.id:  # giao lại: from whom, to whom
                    before = Party(PERSON, task.assignee, (names or {}).get(task.assignee, ""))
                    text = f"giao lại: từ {party_words(before)} sang {party_words(delegate_to)}" + (
                        f": {comment}" if comment else "")
                if task.assignee_kind == UNIT:
                    task.unit_code = task.assignee
                task.assignee_kind, task.assignee = PERSON, delegate_to.id
                task.given_by, task.given_by_name = actor.subject, actor.name  # người giao: the head handing it on
                task.state = TaskState.IN_PROGRESS.value
                extra.append((delegate_to.id, NEW_TASK, new_task_words(
                    task.kind, row.abstract, deadline=task.deadline, by=actor.name or actor.username,
                    comment=comment, job=row.kind == JOB), task.id))
            elif action == Action.PROGRESS:
                task.state, task.note = TaskState.IN_PROGRESS.value, comment
            elif action == Action.REQUEST_EXTENSION:
                if requested is None or (row.deadline is not None and requested <= row.deadline):
                    raise InvalidArgument("deadline", "gia hạn phải xin ngày sau hạn xử lý hiện tại "
                                                      f"({row.deadline.isoformat() if row.deadline else 'chưa có'}).")
                row.requested_deadline = requested
                task.state = TaskState.IN_PROGRESS.value
                session.add(self._director_task(row, TaskKind.EXTENSION, now))
                text = f"xin gia hạn đến {requested:%d/%m/%Y}: {comment}"
            elif action == Action.RETURN:
                row.requested_deadline = None  # an extension asked for and not answered yet is moot
                for other in await self._open_tasks(session, row.id):
                    other.state, other.done_at = TaskState.CANCELLED.value, now
                task.state = TaskState.DONE.value
                session.add(self._director_task(row, TaskKind.DIRECT, now))
                if row.kind != JOB:
                    await add_event(session, outbox, ev.IncomingReturned(
                        meta=self._meta(actor, row), case_id=row.id, document_id=row.document_id, reason=comment))
            elif action == Action.COMPLETE:
                if result_file_ids and kind != TaskKind.LEAD:  # the case's result is the lead's: so are its files
                    raise InvalidArgument("result_file_ids", "chỉ người chủ trì đính kèm tệp báo cáo kết quả; phối "
                                                             "hợp và nhận để biết hoàn thành không kèm tệp.")
                task.state, task.done_at, task.note = TaskState.DONE.value, now, comment
                if kind == TaskKind.LEAD:
                    if row.kind == JOB:
                        await self._check_no_working_subjobs(session, row)
                    row.result, row.reply_document_id = comment, reply_document_id
                    row.result_files = json.dumps(list(result_file_ids))
                    row.requested_deadline = None  # an extension asked for and not answered yet is moot
                    for other in await self._open_tasks(session, row.id):
                        if other.kind != TaskKind.FOR_INFORMATION:
                            other.state, other.done_at = TaskState.CANCELLED.value, now
                    if row.kind == JOB:
                        await add_event(session, outbox, ev.JobCompleted(
                            meta=self._meta(actor, row), case_id=row.id, title=row.abstract, giver=row.drafter,
                            result=comment, result_file_ids=list(result_file_ids), parent_id=row.parent_id))
                    else:
                        await add_event(session, outbox, ev.IncomingCompleted(
                            meta=self._meta(actor, row), case_id=row.id, document_id=row.document_id,
                            result=comment, reply_document_id=reply_document_id))
            if task.state == TaskState.DONE.value and task.done_at is None:
                task.done_at = now
            if kind == TaskKind.LEAD and state == State.ASSIGNED and to != State.ASSIGNED and row.kind != JOB:
                await add_event(session, outbox, ev.IncomingInProgress(
                    meta=self._meta(actor, row), case_id=row.id, document_id=row.document_id))
            await self._advance(session, row, action, state, to, actor, text, task.id, audience, extra,
                                on_behalf=on_behalf)
            return await self._view(session, row)

    @property
    def _postgres(self) -> bool:
        bind = self.sessions.kw.get("bind")
        return bind is not None and bind.dialect.name == "postgresql"

    async def _plain_step(self, agency_code: str, task_id: str, version: int, action: Action, *, actor: Actor,
                          comment: str) -> CaseView | None:
        """:meth:`act_on_task` for the frequent steps that change nothing but the acted task and the case (progress;
        a cooperating or for-information task completed), on PostgreSQL, in two round trips and no transaction
        block: the case with its tasks read (no lock), the step checked as the ORM path checks it, then ONE
        statement whose data-modifying CTEs update the case ``WHERE version = <read>`` and, only when that row was
        updated, the task, the step and the outbox's events (a single statement is atomic; the concurrent writer
        that loses re-checks the version after the winner's commit and updates nothing), answering the case's
        steps. The answer is built from what was read and that answer, not read back.

        None when the step is not one of these (a lead's completion, a refusal of any kind, a conflict): the caller
        then takes the ORM path, which raises the same errors as always (a conflict: Aborted naming the version
        now) and does every other step."""
        now = self.clock()
        cases, tasks = CaseRow.__table__, TaskRow.__table__
        of_case = select(tasks.c.case_id).where(tasks.c.id == task_id, tasks.c.agency_code == agency_code)
        steps, delegations = StepRow.__table__, DelegationRow.__table__
        # the document's audience names the deputies who acted on the case and those of the delegations in force
        # (:meth:`_document_audience`): read with the case, as two aggregates (NULL: none)
        acted = (select(func.json_agg(steps.c.actor_subject, type_=JSON))
                 .where(steps.c.case_id == of_case.scalar_subquery(), steps.c.delegation_id != "").scalar_subquery())
        in_force = (select(func.json_agg(func.json_build_array(delegations.c.delegator, delegations.c.unit_code,
                                                               delegations.c.deputy), type_=JSON))
                    .where(delegations.c.agency_code == agency_code, delegation_in_force(self.today()))
                    .scalar_subquery())
        read = (select(cases, *(c.label(f"t_{c.name}") for c in tasks.c), acted.label("x_acted"),
                       in_force.label("x_in_force"))
                .join(tasks, tasks.c.case_id == cases.c.id)
                .where(tasks.c.case_id == of_case.scalar_subquery(), cases.c.agency_code == agency_code)
                .order_by(tasks.c.created_at, tasks.c.id))
        engine = self.sessions.kw["bind"]
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            found = (await connection.execute(read)).mappings().all()
            if not found:
                return None
            row = CaseRow(**{c.name: found[0][c.name] for c in cases.c})
            held = [TaskRow(**{c.name: r[f"t_{c.name}"] for c in tasks.c}) for r in found]
            task = next((t for t in held if t.id == task_id), None)
            if task is None or row.kind not in (INCOMING, JOB) or not actor.holds(task):
                return None
            self._checked(row, version, (INCOMING, JOB))
            kind = TaskKind(task.kind)
            if kind in (TaskKind.DIRECT, TaskKind.EXTENSION) or (action == Action.COMPLETE and kind == TaskKind.LEAD):
                return None
            on_behalf = actor.on_behalf(task)
            deputies: dict[str, list[str]] = {}
            for delegator, unit, deputy in found[0]["x_in_force"] or []:
                deputies.setdefault(deputies_key(delegator, unit), []).append(deputy)
            check_task_open(TaskState(task.state))
            state = State(row.state)
            to = next_state(state, action, kind, subject=_subject(row))
            if action == Action.PROGRESS:
                task.state, task.note = TaskState.IN_PROGRESS.value, comment
            else:
                task.state, task.done_at, task.note = TaskState.DONE.value, now, comment
            events: list[Message] = []
            if kind == TaskKind.LEAD and state == State.ASSIGNED and to != State.ASSIGNED and row.kind != JOB:
                events.append(ev.IncomingInProgress(meta=self._meta(actor, row), case_id=row.id,
                                                    document_id=row.document_id))
            behalf = {"on_behalf_of": on_behalf.delegator_username if on_behalf else "",
                      "delegation_id": on_behalf.delegation_id if on_behalf else "",
                      "competence": on_behalf.competence if on_behalf else ""}
            if row.kind != JOB:
                events.append(ev.StepRecorded(
                    meta=self._meta(actor, row), case_id=row.id, document_id=row.document_id, action=action.value,
                    from_state=state.value, to_state=to.value, comment=comment, task_id=task.id,
                    audience=_audience_of(row, held, deputies, {*(found[0]["x_acted"] or []),
                                                                *([actor.subject] if on_behalf else [])}),
                    audience_seq=audience_seq(version + 1),
                    on_behalf_of=behalf["on_behalf_of"], competence=behalf["competence"]))
            step = {"task_id": task.id, "agency_code": agency_code, "action": action.value,
                    "from_state": state.value, "to_state": to.value, "actor": actor.username,
                    "actor_subject": actor.subject, "actor_name": actor.name, "at": now, "comment": comment, **behalf}
            # (no parameter is named as a column: SQLAlchemy would add it to the updates' SET)
            params: dict[str, Any] = {"p_case_id": row.id, "p_agency_code": agency_code, "p_version": version,
                                      "p_to_state": to.value, "p_now": now, "p_task_id": task.id,
                                      "p_task_state": task.state, "p_task_note": task.note,
                                      "p_task_done_at": task.done_at, **{f"step_{k}": v for k, v in step.items()}}
            for n, event_ in enumerate(events):
                params.update({f"event{n}_{k}": v for k, v in event_row(event_).items() if k in _OUTBOX_COLUMNS})
            written = (await connection.execute(_plain_step_statement(len(events)), params)).all()
        if not written:  # the version moved since the read: the ORM path says so (Aborted, with the version now)
            return None
        row.state, row.version, row.updated_at = to.value, version + 1, now
        return _case_view(row, [_task_view(t, row, closing_actions(written)) for t in held], written)

    # -- the outgoing circuit (quy trình văn bản đi) ---------------------------------------------------------------
    async def start_outgoing(self, agency_code: str, *, document_id: str, abstract: str, type_code: str,
                             circuit: Circuit, unit_code: str, actor: Actor, comment: str,
                             audience: Audience | None = None,
                             effect: Callable[[], Awaitable[None]] | None = None) -> CaseView:
        """A new outgoing case for the actor's draft, keeping ``circuit`` (its steps and definition version) for its
        whole life: a review task (the drafting unit's head, or the leaders), or, when the circuit has no review, the
        drafter's own task to submit it. A document has one case: a second start is a Conflict. ``effect``: the
        registry's act of the start (the circuit now governs the draft), awaited once the case row is in (a second
        start is refused before it) and before the commit, so a registry refusal starts no case."""
        now = self.clock()
        to = next_out_state(None, OutAction.START, circuit)
        try:
            async with self.sessions() as session, session.begin():
                row = CaseRow(id=new_id(), agency_code=agency_code, document_id=document_id, kind=OUTGOING,
                              state=to.value, abstract=abstract, circuit=json.dumps(circuit.to_data()),
                              definition_version=circuit.version, drafter=actor.subject,
                              drafter_name=actor.name or actor.username, unit_code=unit_code, type_code=type_code,
                              created_by=actor.username, created_at=now, updated_at=now)
                session.add(row)
                await session.flush()
                if effect is not None:
                    await effect()
                task = self._out_task(row, circuit, to, now)[0]
                session.add(task)
                await self._step(session, row, OutAction.START, "", to, actor, comment, task.id)
                await session.flush()
                await self._notify_step(session, row, OutAction.START, actor, comment, audience,
                                        session.sync_session.info.pop(_NEW_TASKS, []), ())
                return await self._view(session, row)
        except IntegrityError:
            raise Conflict("Dự thảo này đã ở trong quy trình: hãy mở hồ sơ công việc của nó.") from None

    async def act_outgoing(self, agency_code: str, case_id: str, version: int, action: OutAction, *, actor: Actor,
                           comment: str = "", consult: Sequence[Party] = (), task_id: str = "",
                           effect: Callable[[ActingFor | None], Awaitable[None]] | None = None,
                           audience: Audience | None = None) -> CaseView:
        """One step of an outgoing case, by the holder of the step's open task (the case's stored circuit says who).

        ``consult``: approving, the units to consult in parallel; ``task_id``: answering, the consulted unit's task;
        ``effect``: the registry's act for this step (submit, sign, issue), awaited while the case row is held, after
        every check and before the step is recorded, so a refusal there leaves the case unchanged. Errors:
        FailedPrecondition naming the state (not a step from here), PermissionDenied (the task is not the actor's),
        Aborted (stale version), NotFound (another agency's case or task).
        """
        kind = {OutAction.APPROVE: OutTaskKind.REVIEW, OutAction.RETURN: OutTaskKind.REVIEW,
                OutAction.RESEND: OutTaskKind.DRAFT, OutAction.SUBMIT: OutTaskKind.DRAFT,
                OutAction.ANSWER: OutTaskKind.CONSULT, OutAction.SIGN: OutTaskKind.SIGN,
                OutAction.DECLINE: OutTaskKind.SIGN, OutAction.ISSUE: OutTaskKind.ISSUE}[action]
        now = self.clock()
        async with self.sessions() as session, session.begin():
            if task_id:
                held = await session.get(TaskRow, task_id)
                if held is None or held.agency_code != agency_code:
                    raise NotFound("Cơ quan không có việc này.")
                case_id = held.case_id
            row = await self._lock(session, agency_code, case_id, version, kind=OUTGOING)
            circuit = Circuit.from_data(json.loads(row.circuit))
            state = OutState(row.state)
            open_tasks = [t for t in await self._open_tasks(session, row.id) if t.kind == kind.value]
            if task_id:
                open_tasks = [t for t in open_tasks if t.id == task_id]
            last = len([t for t in await self._open_tasks(session, row.id) if t.kind == OutTaskKind.CONSULT]) <= 1
            to = next_out_state(state, action, circuit, consult=bool(consult), last_answer=last)
            task = next((t for t in open_tasks if actor.holds(t)), None)
            if action in (OutAction.APPROVE, OutAction.RETURN, OutAction.ANSWER) and actor.subject == row.drafter \
                    and task is not None and actor.on_behalf(task) is not None:
                # Decree 30/2020 Art. 10: the drafting unit's head (or the leader) checks the drafter's work — a
                # drafter holding the reviewer's delegation does not check their own draft in the reviewer's name (a
                # leader reviewing their own draft in their own right is the competent person already)
                raise PermissionDenied("Người soạn dự thảo không tự duyệt hay cho ý kiến về dự thảo của mình theo ủy "
                                       "quyền: việc duyệt thuộc người đã ủy quyền hoặc người có thẩm quyền khác.")
            if task is None and kind == OutTaskKind.SIGN and \
                    any(t.assignee_kind == ROLE and t.assignee == LEADERS for t in open_tasks) and \
                    actor.signing_refusal():
                raise PermissionDenied(actor.signing_refusal())
            if task is None:
                holder = open_tasks[0] if open_tasks else None
                who = ("của " + _holder_words(holder.assignee_kind, holder.assignee, actor.unit_names)) if holder else \
                    "không còn của ai"
                raise PermissionDenied(f"Bước này (dự thảo {OUT_STATE_NAMES[state]}) không có trong hộp việc của "
                                       f"đồng chí: việc này {who}. Nếu đồng chí làm thay, người có việc cần ủy quyền "
                                       "cho đồng chí trước.")
            own_unit = next((p for p in consult if p.id == row.unit_code), None) if row.unit_code else None
            if action == OutAction.APPROVE and own_unit is not None:
                raise InvalidArgument("consult", f"{own_unit.name or 'đơn vị được chọn'} là đơn vị soạn dự thảo: hãy "
                                                 "xin ý kiến đơn vị khác.")
            task.state, task.done_at, task.note = TaskState.DONE.value, now, comment
            text = comment
            if to == OutState.CONSULTING and state != OutState.CONSULTING:
                for party in consult:
                    session.add(self._task(row, OutTaskKind.CONSULT, UNIT, party.id, now))
                text = "lấy ý kiến: " + ", ".join(party_words(p) for p in consult) + (f"; {comment}" if comment else "")
            elif to != state:
                for new in self._out_task(row, circuit, to, now):
                    session.add(new)
            if action in (OutAction.RETURN, OutAction.DECLINE):
                await add_event(session, outbox, ev.OutgoingReturned(
                    meta=self._meta(actor, row), case_id=row.id, document_id=row.document_id, drafter=row.drafter,
                    comment=comment))
            if effect is not None:
                await effect(actor.on_behalf(task))
            await self._advance(session, row, action, state, to, actor, text, task.id, audience,
                                on_behalf=actor.on_behalf(task))
            return await self._view(session, row)

    async def revise_outgoing(self, agency_code: str, document_id: str, *, actor: Actor, type_code: str,
                              effect: Callable[[], Awaitable[str]]) -> None:
        """The drafter corrects their draft while its outgoing case has it back with them (``returned``), or approved
        and not yet submitted (``approved``: the case then goes back to ``returned``, to be resent for review):
        ``effect`` (the registry's UpdateDraft, vouched for; it answers the draft's new abstract) is awaited while the
        case row is held, so no review, resend or signature interleaves; the case keeps the new abstract its tasks show.
        ``type_code``: the draft's type as changed, which must stay the case's (its circuit was chosen for it).

        What a reviewer approved is what is signed (issue 13 review): in any other state the draft is not changed.
        Errors: NotFound (no outgoing case of the agency for the document), PermissionDenied (not its drafter),
        FailedPrecondition naming the state."""
        async with self.sessions() as session, session.begin():
            row = (await session.execute(select(CaseRow).where(
                CaseRow.agency_code == agency_code, CaseRow.document_id == document_id,
                CaseRow.kind == OUTGOING).with_for_update())).scalar_one_or_none()
            if row is None:
                raise NotFound("Dự thảo này không có hồ sơ quy trình trình ký của cơ quan đồng chí.")
            if row.drafter != actor.subject:
                raise PermissionDenied("Chỉ người soạn dự thảo mới sửa được dự thảo đang theo quy trình trình ký.")
            state = OutState(row.state)
            if state not in (OutState.RETURNED, OutState.APPROVED):
                raise FailedPrecondition(
                    f"Dự thảo đang ở trạng thái {OUT_STATE_NAMES[state]}: trong quy trình trình ký, người soạn chỉ sửa "
                    "được dự thảo khi nó được trả lại (người duyệt trả lại, hoặc người ký trả lại không ký) hoặc đã "
                    "duyệt mà chưa trình ký (khi đó dự thảo phải gửi duyệt lại), để bản được duyệt đúng là bản được "
                    "ký.")
            if type_code and type_code != row.type_code:
                raise FailedPrecondition("Không đổi được loại văn bản của dự thảo đang trong quy trình trình ký (quy "
                                         "trình được chọn theo loại văn bản): hãy hủy dự thảo này và soạn dự thảo mới.")
            abstract = await effect()
            if abstract and abstract != row.abstract:
                row.abstract = abstract
            if state is OutState.APPROVED:
                # approved but not submitted (issue 14: trình ký refused the file, e.g. its placeholders missing):
                # the drafter may change it, and the approval no longer holds; the case is back with the drafter
                # (their task stays the same draft task) and gửi lại sends it to review again
                row.state = OutState.RETURNED.value

    async def check_outgoing(self, agency_code: str, case_id: str, version: int, action: OutAction, *, actor: Actor,
                             effect: Callable[[ActingFor | None], Awaitable[None]]) -> None:
        """Every check of :meth:`act_outgoing` for ``action`` by ``actor`` (the same errors), then ``effect`` with
        the delegation in force under which the actor holds the step's task (None: in their own right), awaited
        while the case row is held; nothing is recorded (the transaction is rolled back)."""

        async def then_stop(on_behalf: ActingFor | None) -> None:
            await effect(on_behalf)
            raise _NothingRecorded

        try:
            await self.act_outgoing(agency_code, case_id, version, action, actor=actor, effect=then_stop)
        except _NothingRecorded:
            return

    def _out_task(self, row: CaseRow, circuit: Circuit, to: OutState, now: datetime) -> list[TaskRow]:
        """The task a state puts in somebody's inbox (none once issued). A review or signature the circuit gives to
        the ``head`` role is the drafting unit's task, held by that unit's head (as the registry's directory says),
        never any head's; a draft with no drafting unit (its drafter heads it, or it has no head) goes to the
        leaders."""
        if to == OutState.IN_REVIEW:
            return [self._unit_or_role(row, OutTaskKind.REVIEW, circuit.role("review"), now)]
        if to in (OutState.RETURNED, OutState.APPROVED):
            return [self._task(row, OutTaskKind.DRAFT, PERSON, row.drafter, now)]
        if to == OutState.SUBMITTED:
            return [self._unit_or_role(row, OutTaskKind.SIGN, circuit.role("sign"), now)]
        if to == OutState.SIGNED:
            return [self._task(row, OutTaskKind.ISSUE, ROLE, circuit.role("issue"), now)]
        return []

    def _unit_or_role(self, row: CaseRow, kind: OutTaskKind, role: str, now: datetime) -> TaskRow:
        """The task of a step whose role is ``role``: the drafting unit's (its head's) for ``head``, the leaders' when
        the draft has no drafting unit; the role's otherwise."""
        if role == "head":
            if row.unit_code:
                return self._task(row, kind, UNIT, row.unit_code, now)
            return self._task(row, kind, ROLE, LEADERS, now)
        return self._task(row, kind, ROLE, role, now)

    # -- helpers ---------------------------------------------------------------------------------------------------
    async def _lock(self, session: AsyncSession, agency_code: str, case_id: str, version: int,
                    kind: str | tuple[str, ...] = INCOMING) -> CaseRow:
        """The case read FOR UPDATE, of one of the ``kind`` given (FailedPrecondition naming its kind and state
        otherwise), at the version the caller read (Aborted otherwise); NotFound for another agency's."""
        row = (await session.execute(select(CaseRow).where(CaseRow.id == case_id, CaseRow.agency_code == agency_code)
                                     .with_for_update())).scalar_one_or_none()
        if row is None:
            raise NotFound("Cơ quan không có hồ sơ công việc này.")
        return self._checked(row, version, kind)

    @staticmethod
    def _checked(row: CaseRow, version: int, kind: str | tuple[str, ...]) -> CaseRow:
        """``row`` when it is of one of the ``kind`` given (FailedPrecondition otherwise) at the caller's
        ``version`` (Aborted otherwise)."""
        if row.kind not in ((kind,) if isinstance(kind, str) else kind):
            other = {OUTGOING: "quy trình văn bản đi", JOB: "việc được giao (giao việc)"}.get(
                row.kind, "xử lý văn bản đến")
            raise FailedPrecondition(f"Hồ sơ công việc này thuộc {other}: thao tác này không dùng được cho nó. Hãy "
                                     "mở hồ sơ từ hộp việc của đồng chí.")
        if version != row.version:
            raise Aborted(f"Hồ sơ đã được người khác thay đổi (đồng chí mở phiên bản {version}, nay là "
                          f"{row.version}): hãy tải lại rồi quyết định lại.")
        return row

    async def _check_no_working_subjobs(self, session: AsyncSession, row: CaseRow) -> None:
        working = (await session.execute(select(func.count()).select_from(CaseRow).where(
            CaseRow.parent_id == row.id, CaseRow.agency_code == row.agency_code,
            CaseRow.state.in_([s.value for s in WORKING])))).scalar_one()
        if working:
            raise FailedPrecondition(f"Còn {working} việc con đang làm: hãy hoàn thành hoặc thu hồi chúng trước.")

    async def _open_tasks(self, session: AsyncSession, case_id: str) -> list[TaskRow]:
        held = _session_tasks(session, case_id)
        if held is not None:
            return [t for t in held if t.state in {s.value for s in OPEN_TASK_STATES}]
        return list((await session.execute(select(TaskRow).where(
            TaskRow.case_id == case_id, TaskRow.state.in_([s.value for s in OPEN_TASK_STATES])))).scalars())

    def _task(self, row: CaseRow, kind: StrEnum, assignee_kind: str, assignee: str, now: datetime, *,
              deadline: date | None = None) -> TaskRow:
        return TaskRow(id=new_id(), case_id=row.id, agency_code=row.agency_code, kind=kind.value,
                       assignee_kind=assignee_kind, assignee=assignee, unit_code="", state=TaskState.OPEN.value,
                       deadline=deadline, created_at=now, done_at=None, note="")

    def _meta(self, actor: Actor, row: CaseRow) -> EventMeta:
        return new_meta(actor=actor.username, agency=row.agency_code, occurred_at=self.clock(),
                        actor_name=actor.name or None)

    async def _step(self, session: AsyncSession, row: CaseRow, action: StrEnum, from_state: str, to: StrEnum,
                    actor: Actor, comment: str, task_id: str, on_behalf: ActingFor | None = None, *,
                    version_after: int = 1) -> None:
        """Records a step and, for a document's case, its ``StepRecorded`` with the audience after it, ordered by
        ``version_after`` (the case's version once the step is written: 1 for a case's first step). The tasks the
        transaction added are given by the step's actor (người giao)."""
        _given(session.sync_session.info.get(_NEW_TASKS, []), actor)
        session.add(StepRow(case_id=row.id, task_id=task_id, agency_code=row.agency_code, action=action.value,
                            from_state=from_state, to_state=to.value, actor=actor.username,
                            actor_subject=actor.subject, actor_name=actor.name, at=self.clock(), comment=comment,
                            on_behalf_of=on_behalf.delegator_username if on_behalf else "",
                            delegation_id=on_behalf.delegation_id if on_behalf else "",
                            competence=on_behalf.competence if on_behalf else ""))
        if row.kind == JOB:  # the steps of a document's case go to its history in the registry; a job has none
            return
        await add_event(session, outbox, ev.StepRecorded(
            meta=self._meta(actor, row), case_id=row.id, document_id=row.document_id, action=action.value,
            from_state=from_state, to_state=to.value, comment=comment, task_id=task_id,
            audience=await self._document_audience(session, row), audience_seq=audience_seq(version_after),
            on_behalf_of=on_behalf.delegator_username if on_behalf else "",
            competence=on_behalf.competence if on_behalf else ""))

    async def _document_audience(self, session: AsyncSession, row: CaseRow) -> list[str]:
        """Who the case gives its document to now (issue 13 item 7; the registry keeps it as the document's
        audience, :func:`vanthu_workflow.domain.audience.case_audience`): the principal of every task not cancelled
        — ``user:<sub>``, ``unit:<code>`` (and the unit a head's re-assignment came from), ``role:<role>`` — an
        outgoing draft's drafter, the deputies who may act on its open tasks under the delegations in force today
        (Vietnam date at the store's clock) and those who acted on it under one. Read without flushing (the case's
        conditional update must stay the step's own flush): the tasks and the step this transaction created or
        changed are the session's objects."""
        held = _session_tasks(session, row.id)
        with session.no_autoflush:
            if held is not None:
                tasks = held
            else:
                tasks = list((await session.execute(select(TaskRow).where(TaskRow.case_id == row.id))).scalars())
                tasks += [t for t in session.new if isinstance(t, TaskRow) and t.case_id == row.id and t not in tasks]
            deputies = await deputies_in_force(session, row.agency_code, self.today())
        acted = (await deputies_who_acted(session, [row.id]))[row.id]
        return _audience_of(row, tasks, deputies, acted)

    def today(self) -> date:
        """The Vietnam date at the store's clock."""
        return vietnam_time(self.clock()).date()

    async def publish_audiences(self, session: AsyncSession, *, agency_code: str, delegator: str, unit_code: str,
                                actor: str) -> int:
        """Publishes again, in the caller's transaction, who the open cases a delegation covers give their document
        to (a delegation created, revoked, begun or ended: its deputy joins or leaves the audience the registry
        keeps). Covered: the cases (not jobs) with an open task of the delegator (a leader's own), of the unit (a
        head's), or of the leaders' role (a leader's delegation). Each is a ``StepRecorded`` of action
        :data:`AUDIENCE_ACTION` (the registry adds no history line for it) whose ``audience_seq``
        (:func:`audience_seq`) orders it after the case's last step and earlier re-publications and before its next
        step; the case's ``version`` does not change (a step under way is not refused for it). Returns how many were
        published."""
        open_states = [s.value for s in OPEN_TASK_STATES]
        if unit_code:
            covers = and_(TaskRow.assignee_kind == UNIT, TaskRow.assignee == unit_code)
        else:
            covers = or_(and_(TaskRow.assignee_kind == PERSON, TaskRow.assignee == delegator),
                         and_(TaskRow.assignee_kind == ROLE, TaskRow.assignee == LEADERS))
        covered = select(TaskRow.case_id).where(TaskRow.agency_code == agency_code, TaskRow.state.in_(open_states),
                                                covers)
        rows = list((await session.execute(select(CaseRow).where(
            CaseRow.agency_code == agency_code, CaseRow.kind != JOB, CaseRow.id.in_(covered))
            .order_by(CaseRow.id))).scalars())
        if not rows:
            return 0
        ids = [r.id for r in rows]
        tasks: dict[str, list[TaskRow]] = {case_id: [] for case_id in ids}
        for task in (await session.execute(select(TaskRow).where(TaskRow.case_id.in_(ids))
                                           .order_by(TaskRow.created_at, TaskRow.id))).scalars():
            tasks[task.case_id].append(task)
        deputies = await deputies_in_force(session, agency_code, self.today())
        acted = await deputies_who_acted(session, ids)
        for row in rows:
            await add_event(session, outbox, ev.StepRecorded(
                meta=new_meta(actor=actor, agency=agency_code, occurred_at=self.clock()), case_id=row.id,
                document_id=row.document_id, action=AUDIENCE_ACTION, from_state=row.state, to_state=row.state,
                audience=_audience_of(row, tasks[row.id], deputies, acted[row.id]),
                audience_seq=audience_seq(row.version, row.audience_rev + 1)))
        cases = Base.metadata.tables["cases"]
        await session.execute(update(cases).where(cases.c.id.in_(ids))
                              .values(audience_rev=cases.c.audience_rev + literal_column("1")))
        return len(rows)

    async def _advance(self, session: AsyncSession, row: CaseRow, action: StrEnum, state: StrEnum, to: StrEnum,
                       actor: Actor, comment: str, task_id: str, audience: Audience | None = None,
                       extra: Sequence[tuple[str, str, Words, str]] = (), on_behalf: ActingFor | None = None) -> None:
        """Moves the case, records the step and writes the step's notifications (each new task's holder, and
        ``extra``: (recipient, kind, words, task id)) after the case's conditional update."""
        new_tasks: list[TaskRow] = session.sync_session.info.pop(_NEW_TASKS, [])
        _given(new_tasks, actor)
        row.state, row.updated_at = to.value, self.clock()
        flag_modified(row, "state")  # a step that keeps the state, at an unmoved clock, still bumps the version
        await self._step(session, row, action, state.value, to, actor, comment, task_id, on_behalf,
                         version_after=row.version + 1)  # the flush below bumps it
        try:
            await session.flush()
        except StaleDataError:
            raise Aborted("Có người vừa xử lý hồ sơ này cùng lúc: hãy tải lại rồi làm lại.") from None
        await self._notify_step(session, row, action, actor, comment, audience, new_tasks, extra)

    # -- notifications (thông báo) ---------------------------------------------------------------------------------
    def committed(self, notes: list[NotificationView]) -> None:
        """Called once a transaction that wrote ``notes`` committed: hands them to the listeners."""
        for listener in list(self.listeners):
            listener(notes)

    def link(self, document_id: str, path: str = "") -> str:
        """The web app's page of a document, or the ``path`` given (a file plan's), or the person's work."""
        base = self.base_url.rstrip("/")
        if document_id:
            return f"{base}/van-ban/{document_id}"
        return f"{base}{path}" if path.startswith("/") else f"{base}/cong-viec"

    @staticmethod
    def _recipients(task: TaskRow, audience: Audience) -> tuple[str, ...]:
        """Who a task's notifications reach (subjects): the person holding it, the head of the unit holding it, or
        every holder of the role holding it (the agency's leaders, its clerks: whoever acts first takes it); and
        the deputies of the person, of the unit or of each leader under a delegation in force, each once."""
        if task.assignee_kind == PERSON:
            found: tuple[str, ...] = (task.assignee,)
            keys = [f"{PERSON}:{task.assignee}"]
        elif task.assignee_kind == UNIT:
            head = audience.heads.get(task.assignee, "")
            found, keys = ((head,) if head else ()), [f"{UNIT}:{task.assignee}"]
        else:
            found = audience.roles.get(task.assignee, ())
            keys = [f"{PERSON}:{leader}" for leader in found] if task.assignee == LEADERS else []
        deputies = [d for key in keys for d in audience.deputies.get(key, ())]
        return tuple(dict.fromkeys([*found, *deputies]))

    async def _notify_step(self, session: AsyncSession, row: CaseRow, action: StrEnum, actor: Actor, comment: str,
                           audience: Audience | None, new_tasks: Sequence[TaskRow],
                           extra: Sequence[tuple[str, str, Words, str]]) -> None:
        audience = audience or Audience()
        by = actor.name or actor.username
        notes: list[tuple[str, str, Words, str]] = []
        for task in sorted(new_tasks, key=lambda t: (t.kind, t.assignee_kind, t.assignee)):
            if action in (OutAction.RETURN, OutAction.DECLINE) and task.kind == OutTaskKind.DRAFT:
                words = draft_returned_words(row.abstract, by=by, comment=comment)
                notes += [(who, DRAFT_RETURNED, words, task.id) for who in self._recipients(task, audience)]
                continue
            said = row.instruction if task.kind in (TaskKind.LEAD, TaskKind.COOPERATING, TaskKind.FOR_INFORMATION) \
                else comment
            words = new_task_words(task.kind, row.abstract, deadline=task.deadline, by=by, comment=said,
                                   job=row.kind == JOB)
            notes += [(who, NEW_TASK, words, task.id) for who in self._recipients(task, audience)]
        seen: set[tuple[str, str]] = set()
        for recipient, kind, words, task_id in [*notes, *extra]:
            if not recipient or recipient == actor.subject or (recipient, task_id) in seen:
                continue
            seen.add((recipient, task_id))
            await self._notify(session, row.agency_code, recipient, kind, words, case_id=row.id, task_id=task_id,
                               document_id=_document_of(row), email=audience.emails.get(recipient, ""))

    async def _notify(self, session: AsyncSession, agency_code: str, recipient: str, kind: str, words: Words, *,
                      case_id: str, task_id: str, document_id: str, email: str, dedupe_key: str | None = None,
                      link: str = "") -> None:
        """Writes one notification in the session's transaction, with its e-mail in the mail outbox when mail is on,
        the person has an ``email`` address and did not turn e-mail off."""
        now = self.clock()
        note = NotificationRow(id=new_id(), agency_code=agency_code, recipient=recipient, kind=kind,
                               title=words.title, body=words.body, case_id=case_id, task_id=task_id,
                               document_id=document_id, email=email, dedupe_key=dedupe_key, created_at=now,
                               read_at=None, link=link)
        session.add(note)
        if email and self.mail:
            settings = await session.get(NotificationSettingsRow, (agency_code, recipient))
            if settings is None or settings.email_enabled:
                subject, body = mail_text(words, link=self.link(document_id, link))
                session.add(MailRow(id=new_id(), notification_id=note.id, agency_code=agency_code, address=email,
                                    subject=subject, body=body, state=MAIL_PENDING, attempts=0, next_attempt_at=now,
                                    created_at=now, sent_at=None, last_error=""))
        info = session.sync_session.info
        if _PENDING not in info:
            info[_PENDING] = (self, [])
        info[_PENDING][1].append(_note_view(note))

    async def notifications(self, agency_code: str, subject: str, *, unread_only: bool = False, page_size: int = 0,
                            page_token: str = "") -> tuple[list[NotificationView], str, int]:
        """The person's notifications, unread first, then newest first; the next page's token and the number of
        unread ones. Only the person's own (``agency_code`` and ``subject`` are the caller's)."""
        if page_size < 0:
            raise InvalidArgument("page_size", "phải là 0 (mặc định) hoặc số dương.")
        size = min(page_size or DEFAULT_PAGE, MAX_PAGE)
        unread = case((NotificationRow.read_at.is_(None), 1), else_=0)
        mine = and_(NotificationRow.agency_code == agency_code, NotificationRow.recipient == subject)
        query = (select(NotificationRow).where(mine)
                 .order_by(unread.desc(), NotificationRow.created_at.desc(), NotificationRow.id.desc())
                 .limit(size + 1))
        if unread_only:
            query = query.where(NotificationRow.read_at.is_(None))
        if page_token:
            key = decode_cursor("notifications", page_token)
            if len(key) != 3 or key[0] not in (0, 1) or not all(isinstance(k, str) for k in key[1:]):
                raise InvalidArgument("page_token", "không do hệ thống cấp: hãy tải lại từ trang đầu.")
            try:
                at = datetime.fromisoformat(str(key[1]))
            except ValueError:
                raise InvalidArgument("page_token", "không do hệ thống cấp: hãy tải lại từ trang đầu.") from None
            query = query.where(or_(unread < key[0], and_(unread == key[0], or_(
                NotificationRow.created_at < at, and_(NotificationRow.created_at == at, NotificationRow.id < key[2])))))
        async with self.sessions() as session:
            rows = list((await session.execute(query)).scalars())
            count = (await session.execute(select(func.count()).select_from(NotificationRow).where(
                mine, NotificationRow.read_at.is_(None)))).scalar_one()
        token = ""
        if len(rows) > size:
            last = rows[size - 1]
            token = encode_cursor("notifications", [0 if last.read_at else 1, last.created_at.isoformat(), last.id])
        return [_note_view(r) for r in rows[:size]], token, int(count)

    async def recent(self, agency_code: str, subject: str, *, since: datetime, limit: int = 100,
                     ) -> list[NotificationView]:
        """The person's notifications written at or after ``since``, oldest first (at most ``limit``, the newest):
        what a watcher of this replica may not have been handed because another replica wrote it."""
        query = (select(NotificationRow).where(NotificationRow.agency_code == agency_code,
                                               NotificationRow.recipient == subject,
                                               NotificationRow.created_at >= since)
                 .order_by(NotificationRow.created_at.desc(), NotificationRow.id.desc()).limit(limit))
        async with self.sessions() as session:
            rows = list((await session.execute(query)).scalars())
        return [_note_view(r) for r in reversed(rows)]

    async def mark_read(self, agency_code: str, subject: str, *, ids: Sequence[str] = (), every: bool = False,
                        ) -> tuple[int, int]:
        """Marks the person's notifications read (``ids``, or ``every`` one); others' ids are ignored. Returns how
        many were marked and how many stay unread."""
        mine = and_(NotificationRow.agency_code == agency_code, NotificationRow.recipient == subject)
        unread = and_(mine, NotificationRow.read_at.is_(None))
        async with self.sessions() as session, session.begin():
            query = select(NotificationRow).where(unread)
            if not every:
                query = query.where(NotificationRow.id.in_(list(ids)))
            rows = list((await session.execute(query.with_for_update())).scalars())
            now = self.clock()
            for row in rows:
                row.read_at = now
            await session.flush()
            left = (await session.execute(select(func.count()).select_from(NotificationRow).where(unread)))
            return len(rows), int(left.scalar_one())

    async def email_enabled(self, agency_code: str, subject: str) -> bool:
        """Whether the person receives notifications by e-mail (on unless they turned it off)."""
        async with self.sessions() as session:
            row = await session.get(NotificationSettingsRow, (agency_code, subject))
            return row is None or row.email_enabled

    async def set_email_enabled(self, agency_code: str, subject: str, enabled: bool) -> bool:
        async with self.sessions() as session, session.begin():
            row = await session.get(NotificationSettingsRow, (agency_code, subject), with_for_update=True)
            if row is None:
                session.add(NotificationSettingsRow(agency_code=agency_code, subject=subject, email_enabled=enabled,
                                                    updated_at=self.clock()))
            else:
                row.email_enabled, row.updated_at = enabled, self.clock()
        return enabled

    async def sweep_reminders(self, *, today: date, next_working_day: date, limit: int = 500,
                              deputies: Mapping[str, Mapping[str, tuple[str, ...]]] | None = None) -> int:
        """The reminders of open tasks with a deadline: ``due_tomorrow`` when it is after ``today`` and at most
        ``next_working_day`` (the working-day calendar's next day), ``overdue`` when it is before ``today`` (both
        Vietnam dates, :func:`vanthu_core.workdays.vietnam_date` of the injected clock). Each reaches the task's
        holder (a person; for a unit's task, whoever its new-task notification reached), once per task, kind and
        person (``dedupe_key``), with a :class:`TaskReminder` event per task and kind. ``deputies`` (agency code →
        :meth:`vanthu_workflow.delegations.DelegationStore.deputies`, read before the sweep) adds the deputies
        under the delegations in force at the sweep (ủy quyền, issue 13 item 7), so a delegation made after a task
        was given still brings its reminders to the deputy (in the app; their e-mail address is not known here).
        Returns how many
        notifications were written; a sweep of another replica at the same moment loses (IntegrityError) and
        writes none."""
        written = 0
        while True:
            found, batch = await self._sweep_batch(today, next_working_day, limit, deputies)
            written += batch
            if found < limit or not batch:
                return written

    async def _sweep_batch(self, today: date, next_working_day: date, limit: int,
                           deputies: Mapping[str, Mapping[str, tuple[str, ...]]] | None = None,
                           ) -> tuple[int, int]:
        """One batch of :meth:`sweep_reminders`: (tasks found, notifications written). A task whose reminder of
        the kind due was written already is not found again, so a batch never repeats the previous one."""
        written = 0
        open_ = TaskRow.state.in_([s.value for s in OPEN_TASK_STATES])
        due_kind = case((TaskRow.deadline < today, OVERDUE), else_=DUE_TOMORROW)
        reminded_already = select(NotificationRow.id).where(NotificationRow.task_id == TaskRow.id,
                                                            NotificationRow.kind == due_kind).exists()
        someone_told = select(NotificationRow.id).where(NotificationRow.task_id == TaskRow.id,
                                                        NotificationRow.kind == NEW_TASK).exists()
        query = (select(TaskRow, CaseRow).join(CaseRow, CaseRow.id == TaskRow.case_id)
                 .where(open_, TaskRow.deadline.is_not(None), TaskRow.deadline <= next_working_day,
                        TaskRow.deadline != today, ~reminded_already,
                        or_(TaskRow.assignee_kind == PERSON, someone_told))
                 .order_by(TaskRow.deadline, TaskRow.id).limit(limit))
        try:
            async with self.sessions() as session, session.begin():
                found = (await session.execute(query)).all()
                if not found:
                    return 0, 0
                ids = [t.id for t, _ in found]
                told: dict[str, dict[str, str]] = {}
                for note in (await session.execute(select(NotificationRow).where(
                        NotificationRow.task_id.in_(ids), NotificationRow.kind == NEW_TASK)
                        .order_by(NotificationRow.created_at))).scalars():
                    told.setdefault(note.task_id, {})[note.recipient] = note.email
                wanted: list[tuple[TaskRow, CaseRow, str, str, str]] = []
                for task, row in found:
                    assert task.deadline is not None
                    kind = OVERDUE if task.deadline < today else DUE_TOMORROW
                    people = told.get(task.id, {})
                    if task.assignee_kind == PERSON:
                        people = {task.assignee: people.get(task.assignee, "")}
                    keys = [f"{UNIT}:{task.assignee}"] if task.assignee_kind == UNIT else \
                        [f"{PERSON}:{who}" for who in people]
                    in_force = (deputies or {}).get(row.agency_code, {})
                    people = {**{d: "" for key in keys for d in in_force.get(key, ())}, **people}
                    wanted += [(task, row, kind, who, email) for who, email in people.items()]
                keys = [f"{kind}:{task.id}:{who}" for task, _, kind, who, _ in wanted]
                done = set((await session.execute(select(NotificationRow.dedupe_key).where(
                    NotificationRow.dedupe_key.in_(keys)))).scalars()) if keys else set()
                reminded: dict[tuple[str, str], list[str]] = {}
                for (task, row, kind, who, email), key in zip(wanted, keys, strict=True):
                    if key in done:
                        continue
                    assert task.deadline is not None
                    await self._notify(session, row.agency_code, who, kind,
                                       reminder_words(kind, row.abstract, task.deadline, job=row.kind == JOB),
                                       case_id=row.id, task_id=task.id, document_id=_document_of(row), email=email,
                                       dedupe_key=key)
                    reminded.setdefault((task.id, kind), []).append(who)
                    written += 1
                by_task = {t.id: (t, r) for t, r in found}
                for (task_id, kind), recipients in reminded.items():
                    task, row = by_task[task_id]
                    await add_event(session, outbox, ev.TaskReminder(
                        meta=new_meta(actor="vanthu-workflow", agency=row.agency_code, occurred_at=self.clock()),
                        case_id=row.id, document_id=row.document_id, task_id=task.id, kind=kind,
                        deadline=task.deadline.isoformat() if task.deadline else "", recipients=recipients))
        except IntegrityError:
            return 0, 0
        return len(found), written


def _document_of(row: CaseRow) -> str:
    """The document a notification of the case opens: none for a job (its link is the person's work)."""
    return "" if row.kind == JOB else row.document_id


def _note_view(note: NotificationRow) -> NotificationView:
    return NotificationView(id=note.id, agency_code=note.agency_code, recipient=note.recipient, kind=note.kind,
                            title=note.title, body=note.body, case_id=note.case_id, task_id=note.task_id,
                            document_id=note.document_id, created_at=note.created_at, read=note.read_at is not None,
                            link=note.link)
