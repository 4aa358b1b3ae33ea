"""An assignee's frequent steps (progress; a cooperating task completed) on a real SQLite file and a real PostgreSQL
server: PostgreSQL takes them in one statement (``WorkflowStore._plain_step``), SQLite through the ORM; both answer
what a fresh read shows, write the same events in the same order, record a deputy's delegation on the step, refuse
with the same errors and let exactly one of two steps taken at once on the same case through."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.errors import Aborted, FailedPrecondition, PermissionDenied
from vanthu_core.events import decode
from vanthu_workflow.domain.delegation import ActingFor
from vanthu_workflow.domain.incoming import Action, Party
from vanthu_workflow.server import MIGRATIONS
from vanthu_workflow.store import Actor, CaseView, WorkflowStore, audience_seq, outbox

pytestmark = pytest.mark.integration
UBND = "000.00.00.H61"
CLERK = Actor(subject="s-clerk", username="vanthu.ubnd", roles=frozenset({"clerk"}))
LEADER = Actor(subject="s-leader", username="lanhdao.ubnd", roles=frozenset({"leader"}))
OFFICER = Actor(subject="s-officer", username="chuyenvien.ubnd", name="Trần Thị Bình", roles=frozenset({"officer"}))
HEAD = Actor(subject="s-head-nc", username="truongphong.nc", roles=frozenset({"head"}), head_of=frozenset({"NC"}))
NOW = datetime(2031, 6, 11, 3, 0, tzinfo=UTC)


LATER = NOW + timedelta(hours=1)


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[WorkflowStore]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'workflow.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("postgres_url")
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    yield WorkflowStore(session_factory(engine), clock=lambda: NOW)
    await engine.dispose()


async def assigned(store: WorkflowStore, n: int = 0) -> CaseView:
    """A case whose lead is the officer, with the NC unit cooperating."""
    case = await store.submit(UBND, document_id=f"doc-{n}", abstract="Về việc chuyển đổi số", arrival_number=n + 1,
                              leader="", actor=CLERK, comment="")
    return await store.assign(UBND, case.id, case.version, lead=Party("person", OFFICER.subject),
                              cooperating=[Party("unit", "NC")], for_information=[], deadline=date(2031, 6, 18),
                              instruction="Tham mưu trả lời", actor=LEADER)


async def events_after(store: WorkflowStore, seq: int) -> list[tuple[int, Any]]:
    async with store.sessions() as session:
        rows = (await session.execute(select(outbox.c.seq, outbox.c.subject, outbox.c.payload)
                                      .where(outbox.c.seq > seq).order_by(outbox.c.seq))).all()
    return [(r.seq, decode(r.subject, r.payload)) for r in rows]


async def last_seq(store: WorkflowStore) -> int:
    found = await events_after(store, 0)
    return found[-1][0] if found else 0


async def test_progress_and_a_cooperating_completion_answer_what_a_fresh_read_shows_with_their_events(
        store: WorkflowStore) -> None:
    case = await assigned(store)
    lead = next(t for t in case.tasks if t.kind == "lead")
    side = next(t for t in case.tasks if t.kind == "cooperating")
    before = await last_seq(store)
    store.clock = lambda: LATER

    moved = await store.act_on_task(UBND, lead.id, case.version, Action.PROGRESS, actor=OFFICER,
                                    comment="Đã dự thảo công văn trả lời")
    assert moved == await store.get(UBND, case_id=case.id)
    assert (moved.state, moved.version, moved.updated_at) == ("in_progress", case.version + 1, LATER)
    step = moved.steps[-1]
    assert (step.action, step.from_state, step.to_state, step.actor, step.actor_name, step.comment, step.at,
            step.on_behalf_of) == ("progress", "assigned", "in_progress", OFFICER.username, OFFICER.name,
                                   "Đã dự thảo công văn trả lời", LATER, "")
    assert [(t.state, t.note) for t in moved.tasks if t.id == lead.id] == [("in_progress",
                                                                              "Đã dự thảo công văn trả lời")]
    written = await events_after(store, before)
    assert [type(e).__name__ for _, e in written] == ["IncomingInProgress", "StepRecorded"]  # in this order
    recorded = written[1][1]
    assert (recorded.case_id, recorded.document_id, recorded.action, recorded.from_state, recorded.to_state,
            recorded.task_id, recorded.audience_seq, recorded.meta.actor) == (
        case.id, "doc-0", "progress", "assigned", "in_progress", lead.id, audience_seq(case.version + 1),
        OFFICER.username)
    assert list(recorded.audience) == ["role:leader", "unit:NC", "user:s-officer"]

    before = await last_seq(store)
    done = await store.act_on_task(UBND, side.id, moved.version, Action.COMPLETE, actor=HEAD, comment="Nhất trí")
    assert done == await store.get(UBND, case_id=case.id)
    assert (done.state, done.version) == ("in_progress", moved.version + 1)
    assert [(t.state, t.note, t.done_at) for t in done.tasks if t.id == side.id] == [
        ("done", "Nhất trí", LATER)]
    assert [type(e).__name__ for _, e in await events_after(store, before)] == ["StepRecorded"]

    again = await store.act_on_task(UBND, lead.id, done.version, Action.PROGRESS, actor=OFFICER, comment="Trình ký")
    assert [s.action for s in again.steps] == ["submit", "assign", "progress", "complete", "progress"]
    assert [s.seq for s in again.steps] == sorted(s.seq for s in again.steps)


async def test_a_deputy_progressing_a_units_task_records_the_delegation_on_the_step_and_its_event(
        store: WorkflowStore) -> None:
    case = await assigned(store)
    side = next(t for t in case.tasks if t.kind == "cooperating")
    deputy = Actor(subject="s-deputy", username="phophong.nc", roles=frozenset({"officer"}),
                   acting_for=(ActingFor(delegation_id="dlg-1", delegator=HEAD.subject,
                                         delegator_username=HEAD.username, unit="NC", competence="KT."),))
    before = await last_seq(store)
    moved = await store.act_on_task(UBND, side.id, case.version, Action.PROGRESS, actor=deputy, comment="Đang góp ý")
    step = moved.steps[-1]
    assert (step.actor, step.on_behalf_of, step.delegation_id, step.competence) == (
        "phophong.nc", HEAD.username, "dlg-1", "KT.")
    assert moved == await store.get(UBND, case_id=case.id)
    recorded = (await events_after(store, before))[-1][1]
    assert (recorded.on_behalf_of, recorded.competence) == (HEAD.username, "KT.")


async def test_refusals_of_a_step_name_what_stands_in_its_way(store: WorkflowStore) -> None:
    case = await assigned(store)
    lead = next(t for t in case.tasks if t.kind == "lead")
    side = next(t for t in case.tasks if t.kind == "cooperating")
    with pytest.raises(PermissionDenied, match="không có trong hộp việc"):
        await store.act_on_task(UBND, lead.id, case.version, Action.PROGRESS, actor=HEAD, comment="")
    with pytest.raises(Aborted, match=f"đồng chí mở phiên bản {case.version - 1}, nay là {case.version}"):
        await store.act_on_task(UBND, lead.id, case.version - 1, Action.PROGRESS, actor=OFFICER, comment="")
    done = await store.act_on_task(UBND, side.id, case.version, Action.COMPLETE, actor=HEAD, comment="Nhất trí")
    with pytest.raises(FailedPrecondition, match="Việc này đã xong: chỉ xử lý được việc chưa xử lý hoặc đang xử lý"):
        await store.act_on_task(UBND, side.id, done.version, Action.PROGRESS, actor=HEAD, comment="")
    finished = await store.act_on_task(UBND, lead.id, done.version, Action.COMPLETE, actor=OFFICER,
                                       comment="Đã trả lời")
    assert (finished.state, finished.result) == ("completed", "Đã trả lời")
    assert await store.get(UBND, case_id=case.id) == finished


async def test_a_lead_and_a_cooperating_unit_acting_at_once_one_wins_the_other_is_aborted(
        store: WorkflowStore) -> None:
    for n in range(3):
        case = await assigned(store, n)
        lead = next(t for t in case.tasks if t.kind == "lead")
        side = next(t for t in case.tasks if t.kind == "cooperating")
        results = await asyncio.gather(
            store.act_on_task(UBND, lead.id, case.version, Action.PROGRESS, actor=OFFICER, comment="Tiến độ"),
            store.act_on_task(UBND, side.id, case.version, Action.COMPLETE, actor=HEAD, comment="Nhất trí"),
            return_exceptions=True)
        won = [r for r in results if isinstance(r, CaseView)]
        assert len(won) == 1 and all(isinstance(r, Aborted) for r in results if r not in won), results
        got = await store.get(UBND, case_id=case.id)
        assert got == won[0] and len(got.steps) == 3 and got.version == case.version + 1


async def test_on_postgresql_a_progress_step_is_one_read_and_one_write(store: WorkflowStore) -> None:
    """The transitions benchmark's step (issue 13: transitions per second against plain updates): no lock, no
    transaction block, no read back."""
    if store.sessions.kw["bind"].dialect.name != "postgresql":
        pytest.skip("SQLite takes the step through the ORM (BEGIN IMMEDIATE serialises its writers)")
    case = await assigned(store)
    lead = next(t for t in case.tasks if t.kind == "lead")
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    engine = store.sessions.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        moved = await store.act_on_task(UBND, lead.id, case.version, Action.PROGRESS, actor=OFFICER, comment="Xong")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert statements == ["SELECT", "WITH"] and moved.version == case.version + 1


async def test_a_jobs_progress_and_completion_by_a_cooperating_unit_write_no_document_event(
        store: WorkflowStore) -> None:
    """Assigned work (giao việc) has no document: its steps go to no registry history (no StepRecorded)."""
    job = await store.give_job(UBND, title="Chuẩn bị báo cáo quý II", description="", lead=Party("person",
                               OFFICER.subject), cooperating=[Party("unit", "NC")], for_information=[],
                               deadline=date(2031, 6, 30), unit_code="", actor=LEADER)
    lead = next(t for t in job.tasks if t.kind == "lead")
    side = next(t for t in job.tasks if t.kind == "cooperating")
    before = await last_seq(store)
    moved = await store.act_on_task(UBND, lead.id, job.version, Action.PROGRESS, actor=OFFICER, comment="Đã có số liệu")
    done = await store.act_on_task(UBND, side.id, moved.version, Action.COMPLETE, actor=HEAD, comment="Đã gửi")
    assert done == await store.get(UBND, case_id=job.id)
    assert (done.kind, done.state, [s.action for s in done.steps][-2:]) == ("job", "in_progress",
                                                                             ["progress", "complete"])
    assert await events_after(store, before) == []


async def test_a_for_information_task_is_closed_by_its_holder_after_the_case_is_completed(
        store: WorkflowStore) -> None:
    """Completing the case cancels the cooperating tasks but leaves the for-information ones open (nhận để biết: the
    person still has to read it); their holder can then mark it read, and it leaves their to-do list. A progress
    step on the completed case is still refused naming its state (found by a reviewer: such tasks stayed open for
    ever)."""
    reader = Actor(subject="s-reader", username="chuyenvien2.ubnd", roles=frozenset({"officer"}))
    case = await store.submit(UBND, document_id="doc-info", abstract="Về việc chuyển đổi số", arrival_number=9,
                              leader="", actor=CLERK, comment="")
    case = await store.assign(UBND, case.id, case.version, lead=Party("person", OFFICER.subject),
                              cooperating=[Party("unit", "NC")], for_information=[Party("person", reader.subject)],
                              deadline=date(2031, 6, 18), instruction="Tham mưu trả lời", actor=LEADER)
    lead = next(t for t in case.tasks if t.kind == "lead")
    info = next(t for t in case.tasks if t.kind == "for_information")
    finished = await store.act_on_task(UBND, lead.id, case.version, Action.COMPLETE, actor=OFFICER,
                                       comment="Đã trả lời")
    states = {t.kind: t.state for t in finished.tasks}
    assert (finished.state, states["cooperating"], states["for_information"]) == ("completed", "cancelled", "open")
    with pytest.raises(FailedPrecondition, match="Việc đang ở trạng thái hoàn thành: thao tác “cập nhật tiến độ”"):
        await store.act_on_task(UBND, info.id, finished.version, Action.PROGRESS, actor=reader, comment="")
    read = await store.act_on_task(UBND, info.id, finished.version, Action.COMPLETE, actor=reader, comment="Đã đọc")
    assert read.state == "completed"
    assert next(t for t in read.tasks if t.id == info.id).state == "done"
    assert read == await store.get(UBND, case_id=case.id)
