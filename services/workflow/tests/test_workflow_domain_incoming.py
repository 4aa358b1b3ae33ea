"""The transition table of incoming processing, pure: every allowed step leads where the table says, every other
(state, action) pair is refused naming the current state; parties, text and deadlines checked at the edge."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from vanthu_core.errors import FailedPrecondition, InvalidArgument
from vanthu_workflow.domain.incoming import (
    LEAD_ACTIONS,
    LEADER_ACTIONS,
    SIDE_ACTIONS,
    STATE_NAMES,
    Action,
    Party,
    State,
    TaskKind,
    TaskState,
    check_parties,
    check_party,
    check_task_open,
    check_text,
    deadline_from,
    next_state,
)

pytestmark = pytest.mark.unit
KINDS: list[TaskKind | None] = [None, TaskKind.LEAD, TaskKind.COOPERATING, TaskKind.FOR_INFORMATION]
EXPECTED = {
    # a leader's
    (None, Action.ASSIGN, State.SUBMITTED): State.ASSIGNED, (None, Action.ASSIGN, State.RETURNED): State.ASSIGNED,
    (None, Action.REASSIGN, State.ASSIGNED): State.ASSIGNED,
    (None, Action.REASSIGN, State.IN_PROGRESS): State.ASSIGNED,
    (None, Action.REASSIGN, State.EXTENSION_REQUESTED): State.ASSIGNED,
    (None, Action.RECALL, State.ASSIGNED): State.SUBMITTED, (None, Action.RECALL, State.IN_PROGRESS): State.SUBMITTED,
    (None, Action.RECALL, State.EXTENSION_REQUESTED): State.SUBMITTED,
    (None, Action.RECALL, State.RETURNED): State.SUBMITTED,
    (None, Action.GRANT_EXTENSION, State.EXTENSION_REQUESTED): State.IN_PROGRESS,
    (None, Action.REFUSE_EXTENSION, State.EXTENSION_REQUESTED): State.IN_PROGRESS,
    # the lead's: the first action puts the case in progress
    (TaskKind.LEAD, Action.DELEGATE, State.ASSIGNED): State.IN_PROGRESS,
    (TaskKind.LEAD, Action.DELEGATE, State.IN_PROGRESS): State.IN_PROGRESS,
    (TaskKind.LEAD, Action.DELEGATE, State.EXTENSION_REQUESTED): State.EXTENSION_REQUESTED,
    (TaskKind.LEAD, Action.PROGRESS, State.ASSIGNED): State.IN_PROGRESS,
    (TaskKind.LEAD, Action.PROGRESS, State.IN_PROGRESS): State.IN_PROGRESS,
    (TaskKind.LEAD, Action.PROGRESS, State.EXTENSION_REQUESTED): State.EXTENSION_REQUESTED,
    (TaskKind.LEAD, Action.REQUEST_EXTENSION, State.ASSIGNED): State.EXTENSION_REQUESTED,
    (TaskKind.LEAD, Action.REQUEST_EXTENSION, State.IN_PROGRESS): State.EXTENSION_REQUESTED,
    (TaskKind.LEAD, Action.RETURN, State.ASSIGNED): State.RETURNED,
    (TaskKind.LEAD, Action.RETURN, State.IN_PROGRESS): State.RETURNED,
    (TaskKind.LEAD, Action.RETURN, State.EXTENSION_REQUESTED): State.RETURNED,  # no need to wait for the answer
    (TaskKind.LEAD, Action.COMPLETE, State.ASSIGNED): State.COMPLETED,
    (TaskKind.LEAD, Action.COMPLETE, State.IN_PROGRESS): State.COMPLETED,
    (TaskKind.LEAD, Action.COMPLETE, State.EXTENSION_REQUESTED): State.COMPLETED,
    # the others' parts never move the case
    **{(kind, action, state): state for kind in (TaskKind.COOPERATING, TaskKind.FOR_INFORMATION)
       for action in (Action.DELEGATE, Action.PROGRESS, Action.COMPLETE)
       for state in (State.ASSIGNED, State.IN_PROGRESS, State.EXTENSION_REQUESTED)},
    # once the case is completed only a for-information task is still open (the cooperating ones are cancelled and
    # refused as closed tasks): its holder marks it read
    **{(kind, Action.COMPLETE, State.COMPLETED): State.COMPLETED
       for kind in (TaskKind.COOPERATING, TaskKind.FOR_INFORMATION)},
}
ALL = [(kind, action, state) for kind in KINDS for action in Action if action != Action.SUBMIT for state in State]


def test_the_tables_hold_exactly_the_expected_steps() -> None:
    table = {(None, a, s): t for a, m in LEADER_ACTIONS.items() for s, t in m.items()}
    table |= {(TaskKind.LEAD, a, s): t for a, m in LEAD_ACTIONS.items() for s, t in m.items()}
    table |= {(k, a, s): t for k in (TaskKind.COOPERATING, TaskKind.FOR_INFORMATION)
              for a, m in SIDE_ACTIONS.items() for s, t in m.items()}
    assert table == EXPECTED


@pytest.mark.parametrize(("kind", "action", "state"), [k for k in ALL if k in EXPECTED])
def test_each_allowed_step_leads_where_the_table_says(kind: TaskKind | None, action: Action, state: State) -> None:
    assert next_state(state, action, kind) == EXPECTED[(kind, action, state)]


@pytest.mark.parametrize(("kind", "action", "state"), [k for k in ALL if k not in EXPECTED])
def test_each_other_step_is_refused(kind: TaskKind | None, action: Action, state: State) -> None:
    with pytest.raises(FailedPrecondition) as refused:
        next_state(state, action, kind)
    allowed = (LEADER_ACTIONS if kind is None else LEAD_ACTIONS if kind == TaskKind.LEAD else SIDE_ACTIONS)
    if action in allowed:
        assert f"Việc đang ở trạng thái {STATE_NAMES[state]}" in refused.value.message


def test_a_completed_case_allows_nothing_but_marking_a_side_task_done() -> None:
    assert [k for k in EXPECTED if k[2] == State.COMPLETED] == [
        (TaskKind.COOPERATING, Action.COMPLETE, State.COMPLETED),
        (TaskKind.FOR_INFORMATION, Action.COMPLETE, State.COMPLETED)]


@pytest.mark.parametrize(("state", "named"), [(TaskState.DONE, "đã xong"), (TaskState.CANCELLED, "đã hủy")])
def test_a_closed_task_is_not_acted_on_naming_its_state_in_words(state: TaskState, named: str) -> None:
    with pytest.raises(FailedPrecondition, match=f"Việc này {named}:"):
        check_task_open(state)


def test_parties_are_checked() -> None:
    lead = check_party("unit", " TH ", "lead")
    assert lead == Party("unit", "TH")
    with pytest.raises(InvalidArgument, match="phải là 'unit'"):
        check_party("agency", "TH", "lead")
    with pytest.raises(InvalidArgument, match="bị chọn hai lần"):
        check_parties(lead, [Party("unit", "NC")], [Party("unit", "TH")])
    with pytest.raises(InvalidArgument, match="tối đa"):
        check_parties(lead, [Party("person", str(i)) for i in range(51)], [])


def test_text_is_nfc_and_limited() -> None:
    assert check_text("  Hoa\u0300  ", "comment") == "Hoà"
    with pytest.raises(InvalidArgument, match="chưa nhập"):
        check_text("  ", "reason", required=True)
    with pytest.raises(InvalidArgument, match="tối đa"):
        check_text("x" * 2001, "comment")


def test_deadlines_in_working_days_or_a_date_not_in_the_past() -> None:
    now = datetime(2027, 2, 3, 16, 30, tzinfo=UTC)  # 23:30 on Wednesday 3 February 2027 in Vietnam
    assert deadline_from(now, days=1) == date(2027, 2, 11)  # Tết from Thursday 4 to Wednesday 10
    assert deadline_from(now, on="2027-02-03") == date(2027, 2, 3)
    assert deadline_from(now) is None
    with pytest.raises(InvalidArgument, match="đã qua"):
        deadline_from(now, on="2027-02-02")
    with pytest.raises(InvalidArgument, match="không nhập cả hai"):
        deadline_from(now, days=1, on="2027-03-01")
    with pytest.raises(InvalidArgument, match="ngày làm việc"):
        deadline_from(now, days=366)
    with pytest.raises(InvalidArgument, match="kể từ hôm nay"):
        deadline_from(now, on="2033-02-03")
