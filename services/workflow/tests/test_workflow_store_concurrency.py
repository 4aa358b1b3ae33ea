"""The store on a real SQLite file and a real PostgreSQL server: two leaders assigning the same case at once end
with exactly one assignment (the other aborted), many people acting on one case at once leave a consistent history,
and the steps are append-only in the database itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.errors import Aborted
from vanthu_workflow.domain.incoming import Action, Party
from vanthu_workflow.server import MIGRATIONS
from vanthu_workflow.store import Actor, CaseView, StepRow, TaskRow, WorkflowStore

pytestmark = pytest.mark.integration
UBND = "000.00.00.H61"
CLERK = Actor(subject="s-clerk", username="vanthu.ubnd", roles=frozenset({"clerk"}))
LEADERS = [Actor(subject=f"s-leader-{i}", username=f"lanhdao{i}.ubnd", roles=frozenset({"leader"})) for i in range(2)]
HEAD = Actor(subject="s-head", username="truongphong.ubnd", roles=frozenset({"head"}), head_of=frozenset({"TH"}))
NOW = datetime(2031, 6, 11, 3, 0, tzinfo=UTC)


@dataclass
class Store:
    store: WorkflowStore
    dialect: str


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'workflow.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("postgres_url")
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    yield Store(WorkflowStore(session_factory(engine), clock=lambda: NOW), request.param)
    await engine.dispose()


async def submitted(store: WorkflowStore, n: int = 0) -> CaseView:
    return await store.submit(UBND, document_id=f"doc-{n}", abstract="Về việc chuyển đổi số", arrival_number=n,
                              leader="", actor=CLERK, comment="")


async def assign(store: WorkflowStore, case: CaseView, leader: Actor, unit: str) -> CaseView:
    return await store.assign(UBND, case.id, case.version, lead=Party("unit", unit), cooperating=[],
                              for_information=[], deadline=date(2031, 6, 18), instruction="", actor=leader)


async def test_two_leaders_assigning_at_once_make_exactly_one_assignment(store: Store) -> None:
    for n in range(5):
        case = await submitted(store.store, n)
        results = await asyncio.gather(assign(store.store, case, LEADERS[0], "TH"),
                                       assign(store.store, case, LEADERS[1], "NC"), return_exceptions=True)
        won = [r for r in results if isinstance(r, CaseView)]
        assert len(won) == 1, results
        assert all(isinstance(r, Aborted) for r in results if not isinstance(r, CaseView)), results
        got = await store.store.get(UBND, case_id=case.id)
        leads = [t for t in got.tasks if t.kind == "lead"]
        assert len(leads) == 1 and got.lead is not None and leads[0].assignee == got.lead.id
        assert [s.action for s in got.steps] == ["submit", "assign"] and got.version == 2


async def test_ten_people_acting_on_one_case_at_once_leave_one_step_per_success(store: Store) -> None:
    case = await assign(store.store, await submitted(store.store), LEADERS[0], "TH")
    lead = next(t for t in case.tasks if t.kind == "lead")
    results = await asyncio.gather(*(store.store.act_on_task(UBND, lead.id, case.version, Action.PROGRESS,
                                                             actor=HEAD, comment=f"tiến độ {i}")
                                     for i in range(10)), return_exceptions=True)
    assert sum(isinstance(r, CaseView) for r in results) == 1, results
    got = await store.store.get(UBND, case_id=case.id)
    assert [s.action for s in got.steps] == ["submit", "assign", "progress"] and got.version == 3


async def test_steps_are_append_only_in_the_database(store: Store) -> None:
    await submitted(store.store)
    for statement in (update(StepRow).values(comment="sửa"), delete(StepRow)):
        with pytest.raises(DBAPIError, match="append-only"):
            async with store.store.sessions() as session, session.begin():
                await session.execute(statement)
    async with store.store.sessions() as session:
        assert len((await session.execute(select(StepRow))).all()) == 1
        assert len((await session.execute(select(TaskRow))).all()) == 1


async def test_two_consulted_heads_answering_at_once_one_wins_and_the_last_answer_approves(store: Store) -> None:
    from vanthu_workflow.domain.outgoing import Circuit, OutAction, Step

    circuit = Circuit(1, (Step("review", "head"), Step("consult", "head"), Step("sign", "leader"),
                          Step("issue", "clerk")))
    drafter = Actor(subject="s-officer", username="chuyenvien.ubnd", roles=frozenset({"officer"}))
    heads = [Actor(subject=f"s-head-{u}", username=f"truongphong.{u}", roles=frozenset({"head"}),
                   head_of=frozenset({u})) for u in ("NC", "VP")]
    case = await store.store.start_outgoing(UBND, document_id="draft-1", abstract="Dự thảo", type_code="cong_van",
                                            circuit=circuit, unit_code="TH", actor=drafter, comment="")
    case = await store.store.act_outgoing(UBND, case.id, case.version, OutAction.APPROVE, actor=HEAD,
                                          consult=[Party("unit", "NC"), Party("unit", "VP")])
    tasks = {t.assignee: t for t in case.tasks if t.kind == "consult"}
    results = await asyncio.gather(*(store.store.act_outgoing(UBND, "", case.version, OutAction.ANSWER, actor=head,
                                                              comment="Đồng ý", task_id=tasks[unit].id)
                                     for head, unit in zip(heads, ("NC", "VP"), strict=True)),
                                   return_exceptions=True)
    won = [r for r in results if isinstance(r, CaseView)]
    assert len(won) == 1 and won[0].state == "consulting", [(r.version, r.state, [s.action for s in r.steps])
                                                            for r in won]
    assert all(isinstance(r, Aborted) for r in results if not isinstance(r, CaseView)), results
    loser = next(i for i, r in enumerate(results) if not isinstance(r, CaseView))
    last = await store.store.act_outgoing(UBND, "", won[0].version, OutAction.ANSWER, actor=heads[loser],
                                          comment="Đồng ý", task_id=tasks[("NC", "VP")[loser]].id)
    assert last.state == "approved"
    assert [s.action for s in last.steps] == ["start", "approve", "answer", "answer"] and last.version == 4
