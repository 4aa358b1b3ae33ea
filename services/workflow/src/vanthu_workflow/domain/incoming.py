"""Processing of an incoming document (xử lý văn bản đến) as a state machine: an explicit transition table.

Decree 30/2020 Art. 24 (regulations digest §3.5): the clerk submits (trình) a registered document to the agency's
leader; the leader assigns it (phân công) — one lead (chủ trì), any cooperating (phối hợp) and for-information (nhận
để biết) units or people, a deadline (hạn xử lý) and an instruction (ý kiến chỉ đạo); the head of a unit gives the
unit's part to a person of the unit; the lead processes it and reports the result. Issue 13 item 1 adds extension
requests, returns with a reason, recall and reassignment by a leader.

The case (one per document and agency) moves through :class:`State`; each :class:`Action` is allowed from the states
:data:`LEADER_ACTIONS` (a leader's, on the case), :data:`LEAD_ACTIONS` (the lead's task) or :data:`SIDE_ACTIONS`
(a cooperating or for-information task, which never moves the case) list, and leads to the state they give. Anything
else is refused with :class:`~vanthu_core.errors.FailedPrecondition` naming the current state. Who may act is checked
by the caller of :func:`next_state` (the store, with the registry's directory). Pure: no I/O, no clock.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from vanthu_core.errors import FailedPrecondition, InvalidArgument
from vanthu_core.workdays import WorkingCalendar, add_working_days, vietnam_date


class State(StrEnum):
    """The case's state."""

    SUBMITTED = "submitted"  # đã trình: on the leaders' desk
    ASSIGNED = "assigned"  # đã phân công: waiting for the lead's first action
    IN_PROGRESS = "in_progress"  # đang xử lý
    EXTENSION_REQUESTED = "extension_requested"  # xin gia hạn: a leader decides
    RETURNED = "returned"  # trả lại: back on the leaders' desk with a reason
    COMPLETED = "completed"  # hoàn thành
    WITHDRAWN = "withdrawn"  # dừng xử lý: the sender took the document back and the clerk accepted (final)


STATE_NAMES: Mapping[State, str] = {
    State.SUBMITTED: "đã trình", State.ASSIGNED: "đã phân công", State.IN_PROGRESS: "đang xử lý",
    State.EXTENSION_REQUESTED: "xin gia hạn", State.RETURNED: "trả lại", State.COMPLETED: "hoàn thành",
    State.WITHDRAWN: "dừng xử lý do văn bản bị thu hồi hoặc bị hủy"}


class Action(StrEnum):
    SUBMIT = "submit"  # trình
    ASSIGN = "assign"  # phân công
    REASSIGN = "reassign"  # phân công lại
    RECALL = "recall"  # thu hồi
    DELEGATE = "delegate"  # giao lại trong đơn vị (the head)
    PROGRESS = "progress"  # cập nhật tiến độ
    REQUEST_EXTENSION = "request_extension"  # xin gia hạn
    GRANT_EXTENSION = "grant_extension"  # đồng ý gia hạn
    REFUSE_EXTENSION = "refuse_extension"  # không đồng ý gia hạn
    RETURN = "return"  # trả lại
    COMPLETE = "complete"  # hoàn thành
    WITHDRAW = "withdraw"  # dừng xử lý: the document was revoked by its sender (the clerk accepted, status 15)


class TaskKind(StrEnum):
    DIRECT = "direct"  # chỉ đạo: a leader's task (submitted, returned, recalled)
    LEAD = "lead"  # chủ trì
    COOPERATING = "cooperating"  # phối hợp
    FOR_INFORMATION = "for_information"  # nhận để biết
    EXTENSION = "extension"  # a leader's decision on an extension request


class TaskState(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    #: Taken back from its holder (thu hồi, giao lại): the holder no longer has the task nor sees the document for it.
    CANCELLED = "cancelled"
    #: Stopped with the whole case because the document was cancelled (hủy) or revoked by its sender (thu hồi): the
    #: holder keeps it among their finished tasks and keeps seeing the document (issue 14 review).
    WITHDRAWN = "withdrawn"


#: What the refusals call the actions, the kinds of task and the tasks' states (the clerks' words, glossary of
#: conventions.md): a person reads them, never the codes.
ACTION_NAMES: Mapping[Action, str] = {
    Action.SUBMIT: "trình", Action.ASSIGN: "giao xử lý", Action.REASSIGN: "giao xử lý lại", Action.RECALL: "thu hồi",
    Action.DELEGATE: "giao lại trong đơn vị", Action.PROGRESS: "cập nhật tiến độ",
    Action.REQUEST_EXTENSION: "xin gia hạn", Action.GRANT_EXTENSION: "đồng ý gia hạn",
    Action.REFUSE_EXTENSION: "không đồng ý gia hạn", Action.RETURN: "trả lại", Action.COMPLETE: "hoàn thành",
    Action.WITHDRAW: "dừng xử lý"}
TASK_KIND_NAMES: Mapping[TaskKind, str] = {
    TaskKind.DIRECT: "việc của lãnh đạo", TaskKind.LEAD: "việc chủ trì", TaskKind.COOPERATING: "việc phối hợp",
    TaskKind.FOR_INFORMATION: "việc nhận để biết", TaskKind.EXTENSION: "việc quyết định gia hạn"}
TASK_STATE_NAMES: Mapping[TaskState, str] = {
    TaskState.OPEN: "chưa xử lý", TaskState.IN_PROGRESS: "đang xử lý", TaskState.DONE: "đã xong",
    TaskState.CANCELLED: "đã hủy", TaskState.WITHDRAWN: "đã dừng vì văn bản bị hủy hoặc bị thu hồi"}

OPEN_TASK_STATES = frozenset({TaskState.OPEN, TaskState.IN_PROGRESS})
_WORKING = (State.ASSIGNED, State.IN_PROGRESS, State.EXTENSION_REQUESTED)

#: A leader's actions on the case: from-state → to-state.
LEADER_ACTIONS: Mapping[Action, Mapping[State, State]] = {
    Action.ASSIGN: {State.SUBMITTED: State.ASSIGNED, State.RETURNED: State.ASSIGNED},
    Action.REASSIGN: dict.fromkeys(_WORKING, State.ASSIGNED),
    Action.RECALL: {**dict.fromkeys(_WORKING, State.SUBMITTED), State.RETURNED: State.SUBMITTED},
    Action.GRANT_EXTENSION: {State.EXTENSION_REQUESTED: State.IN_PROGRESS},
    Action.REFUSE_EXTENSION: {State.EXTENSION_REQUESTED: State.IN_PROGRESS},
}
#: The lead's (chủ trì) actions on their task: from-state → to-state (the first one puts the case in progress).
LEAD_ACTIONS: Mapping[Action, Mapping[State, State]] = {
    Action.DELEGATE: {State.ASSIGNED: State.IN_PROGRESS, State.IN_PROGRESS: State.IN_PROGRESS,
                      State.EXTENSION_REQUESTED: State.EXTENSION_REQUESTED},
    Action.PROGRESS: {State.ASSIGNED: State.IN_PROGRESS, State.IN_PROGRESS: State.IN_PROGRESS,
                      State.EXTENSION_REQUESTED: State.EXTENSION_REQUESTED},
    Action.REQUEST_EXTENSION: {State.ASSIGNED: State.EXTENSION_REQUESTED, State.IN_PROGRESS: State.EXTENSION_REQUESTED},
    # the lead need not wait for the leader's answer to an extension request to finish or give the case back: the
    # leader's open decision is then closed with the lead's other open tasks (:meth:`WorkflowStore.act_on_task`)
    Action.RETURN: dict.fromkeys(_WORKING, State.RETURNED),
    Action.COMPLETE: dict.fromkeys(_WORKING, State.COMPLETED),
}
#: A cooperating or for-information task's actions: the case stays where it is (while it is being processed). A
#: for-information task stays open when the lead completes the case (the cooperating ones are cancelled), so its
#: holder can still mark it read (hoàn thành) on the completed case; otherwise it would sit in their "to do" forever.
SIDE_ACTIONS: Mapping[Action, Mapping[State, State]] = {
    Action.DELEGATE: {s: s for s in _WORKING}, Action.PROGRESS: {s: s for s in _WORKING},
    Action.COMPLETE: {s: s for s in (*_WORKING, State.COMPLETED)}}


#: What the revocation of the document does to its processing (issue 12 item 4: accepting a revocation cancels the
#: open processing tasks of that document, with a note). A completed case keeps its result: nothing is open.
WITHDRAWAL: Mapping[State, State] = {
    s: State.WITHDRAWN for s in State if s not in (State.COMPLETED, State.WITHDRAWN)}


def _table(task_kind: TaskKind | None) -> Mapping[Action, Mapping[State, State]]:
    if task_kind is None or task_kind in (TaskKind.DIRECT, TaskKind.EXTENSION):
        return LEADER_ACTIONS
    return LEAD_ACTIONS if task_kind == TaskKind.LEAD else SIDE_ACTIONS


def next_state(state: State, action: Action, task_kind: TaskKind | None = None, *,
               subject: str = "the document") -> State:
    """The case's state after ``action`` from ``state`` (a leader's action: ``task_kind`` None; an assignee's: the
    kind of their task). :class:`FailedPrecondition` naming the current state when the table has no such step;
    ``subject`` names what the case is about in that message ("the document", "the job")."""
    allowed = _table(task_kind).get(action)
    if allowed is None:
        who = "lãnh đạo" if task_kind is None else TASK_KIND_NAMES[task_kind]
        raise FailedPrecondition(f"Thao tác “{ACTION_NAMES[action]}” không thuộc phần việc của đồng chí "
                                 f"({who}).")
    if state not in allowed:
        starts = ", ".join(STATE_NAMES[s] for s in allowed)
        raise FailedPrecondition(f"Việc đang ở trạng thái {STATE_NAMES[state]}: thao tác “{ACTION_NAMES[action]}” chỉ "
                                 f"làm được khi việc ở trạng thái {starts}. Hãy tải lại trang để xem trạng thái mới.")
    return allowed[state]


def check_task_open(state: TaskState) -> None:
    """FailedPrecondition unless the task is still to do."""
    if state not in OPEN_TASK_STATES:
        raise FailedPrecondition(f"Việc này {TASK_STATE_NAMES[state]}: chỉ xử lý được việc chưa xử lý hoặc đang xử "
                                 "lý. Hãy tải lại trang để xem việc còn lại của đồng chí.")


# -- parties, text, deadlines -----------------------------------------------------------------------------------
UNIT, PERSON = "unit", "person"
MAX_PARTIES = 50
MAX_TEXT = 2000
MAX_DEADLINE_DAYS = 365
#: A deadline given as a date is at most this many calendar days ahead (five years).
MAX_DEADLINE_AHEAD = 5 * 366


@dataclass(frozen=True)
class Party:
    """A unit (by code) or a person (by subject) a task is given to; ``name`` as the directory gives it."""

    kind: str
    id: str
    name: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"


#: The registry's document statuses in the clerks' words (as the registry's own ``status_name`` says them).
DOCUMENT_STATUS_NAMES: Mapping[str, str] = {
    "draft": "dự thảo", "submitted": "đã trình ký", "signed": "đã ký số", "numbered": "đã cấp số (chờ đóng dấu)",
    "issued": "đã ban hành", "arrived": "mới tiếp nhận", "registered": "đã vào sổ", "rejected": "đã trả lại",
    "cancelled": "đã hủy", "revoked": "đã thu hồi"}


def document_status_name(status: str) -> str:
    """A registry document status in words; an unknown one as "không rõ" (never the code)."""
    return DOCUMENT_STATUS_NAMES.get(status, "không rõ")


def unit_words(code: str, names: Mapping[str, str] | None = None) -> str:
    """A unit in a sentence a civil servant reads: its name as the directory gives it ("Phòng Tổng hợp"), never its
    code; "đơn vị được chọn" when the name is not known."""
    return (names or {}).get(code, "") or "đơn vị được chọn"


def party_words(party: Party) -> str:
    """A party in a sentence a civil servant reads: its name, never its code or subject ("Phòng Tổng hợp",
    "Phạm Thị Ngọc Ánh"); "đơn vị được chọn" / "người được chọn" when the name is not known."""
    return party.name or ("đơn vị được chọn" if party.kind == UNIT else "người được chọn")


def reassigned_words(before: Party, after: Party, held_by: Party | None = None) -> str:
    """The start of a giao lại step's summary: from whom the lead was taken and to whom it went ("giao lại chủ trì: từ
    Phòng Nội chính sang Phòng Tổng hợp"), or that the lead stays when only the others changed. ``held_by``: the
    person of the unit ``before`` who held the lead task (its head gave it to them): the lead was taken from that
    person, named with the unit ("từ Lê Văn Chuyên (Phòng Nội chính) sang ...")."""
    if before.kind == after.kind and before.id == after.id:
        return f"chủ trì: {party_words(after)} (giữ nguyên)"
    source = party_words(before)
    if held_by is not None and before.kind == UNIT:
        source = f"{party_words(held_by)} ({source})"
    return f"giao lại chủ trì: từ {source} sang {party_words(after)}"


def check_party(kind: str, id_: str, field: str) -> Party:
    """A party as a request names it: kind ``unit`` or ``person`` and a code or subject of 1–100 characters."""
    if kind not in (UNIT, PERSON):
        raise InvalidArgument(f"{field}.kind", "phải là 'unit' (đơn vị của cơ quan) hoặc 'person' (một người).")
    value = id_.strip()
    if not value or len(value) > 100:
        raise InvalidArgument(f"{field}.id", "phải là mã đơn vị hoặc mã người dùng (1–100 ký tự).")
    return Party(kind, value)


def check_parties(lead: Party, cooperating: list[Party], for_information: list[Party]) -> None:
    """One lead; no party twice among lead, cooperating and for-information; at most :data:`MAX_PARTIES` each."""
    if len(cooperating) > MAX_PARTIES or len(for_information) > MAX_PARTIES:
        raise InvalidArgument("cooperating", f"tối đa {MAX_PARTIES} bên phối hợp và {MAX_PARTIES} bên nhận để biết.")
    seen = {lead.key}
    for field, parties in (("cooperating", cooperating), ("for_information", for_information)):
        for party in parties:
            if party.key in seen:
                raise InvalidArgument(field, f"{party_words(party)} bị chọn hai lần: mỗi bên chỉ giữ một vai (chủ "
                                             "trì, phối hợp hoặc nhận để biết).")
            seen.add(party.key)


def check_text(value: str, field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    """NFC-normalised, stripped text of at most ``limit`` characters (required: not empty)."""
    text = unicodedata.normalize("NFC", value).strip()
    if required and not text:
        raise InvalidArgument(field, "chưa nhập: đây là thông tin bắt buộc.")
    if len(text) > limit:
        raise InvalidArgument(field, f"tối đa {limit} ký tự.")
    return text


def parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidArgument(field, "phải là ngày dạng YYYY-MM-DD.") from None


def deadline_from(now: datetime, *, days: int = 0, on: str = "", field: str = "deadline",
                  start: date | None = None, calendar: WorkingCalendar | None = None) -> date | None:
    """The deadline (hạn xử lý) a request asks for: ``days`` working days after ``start`` (default: today in
    Vietnam, from ``now``), counted by :func:`vanthu_core.workdays.add_working_days` (weekends, Tết and the other
    holidays skipped), or the date ``on`` (YYYY-MM-DD, not before today); neither: None. Both: InvalidArgument."""
    today = vietnam_date(now)
    if days and on:
        raise InvalidArgument(field, "nhập số ngày làm việc hoặc ngày, không nhập cả hai.")
    if days:
        if not 0 < days <= MAX_DEADLINE_DAYS:
            raise InvalidArgument(f"{field}_days", f"phải từ 1 đến {MAX_DEADLINE_DAYS} ngày làm việc.")
        return add_working_days(start or today, days, calendar=calendar)
    if on:
        due = parse_date(on, field)
        if due < today:
            raise InvalidArgument(field, f"{due.isoformat()} đã qua (hôm nay là {today.isoformat()}).")
        if (due - today).days > MAX_DEADLINE_AHEAD:
            raise InvalidArgument(field, f"tối đa {MAX_DEADLINE_AHEAD} ngày kể từ hôm nay.")
        return due
    return None
