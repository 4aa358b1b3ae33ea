"""The workflow service's store on a real PostgreSQL, against plain SQL on the same rows, in the same run.

1. Transitions per second (issue 13: aim ≥ 0.5 of plain updates): 20 officers at once, each recording progress
   (``WorkflowStore.act_on_task``: read the case with its tasks, check the step in Python, then one statement that
   moves the case at the version read and, only if it did, updates the task, appends the step and writes the event
   to the outbox, answering the case's steps) on a case of their own; two baselines: the same 20 clients each
   updating the case row alone (version and time) in one transaction per update, and each writing exactly the rows
   a step writes (case and task updated, step and event inserted) in plain SQL, one transaction. The first ratio is
   the cost of a step against the cheapest write; the second, the engine's own cost (read, checks, building the
   answer) over the writes it cannot avoid.
2. The inbox with 100,000 tasks (aim: p99 ≤ 50 ms): ``WorkflowStore.inbox`` (one page of 50, newest first, with the
   four counts) for officers holding about 500 tasks each among 100,000; baseline: the plain page query alone
   (``SELECT … WHERE assignee = … ORDER BY created_at DESC LIMIT 50``) on the same table.
3. A person's notifications with 100,000 in the table (issue 13 item 6): ``WorkflowStore.notifications`` (one page of
   50, unread first then newest, with the unread count) for people holding about 500 each; baseline: the plain page
   query (``SELECT … WHERE recipient = … ORDER BY created_at DESC LIMIT 50``) on the same table.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import report
from sqlalchemy import insert, text

from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.ids import new_id
from vanthu_testing.postgres import PostgresServer
from vanthu_workflow.domain.incoming import Action, Party
from vanthu_workflow.server import MIGRATIONS
from vanthu_workflow.store import Actor, CaseRow, NotificationRow, TaskRow, WorkflowStore

AGENCY = "000.00.00.H61"
CLERK = Actor(subject="s-clerk", username="vanthu.ubnd", roles=frozenset({"clerk"}))
LEADER = Actor(subject="s-leader", username="lanhdao.ubnd", roles=frozenset({"leader"}))


def officer(k: int) -> Actor:
    return Actor(subject=f"s-officer-{k}", username=f"chuyenvien{k}.ubnd", roles=frozenset({"officer"}))


def p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100)[98]


async def transitions(store: WorkflowStore, engine_sessions, actors: int, per_actor: int) -> None:  # type: ignore[no-untyped-def]
    cases = []
    for k in range(actors):
        case = await store.submit(AGENCY, document_id=new_id(), abstract="V/v chuyển đổi số năm 2027",
                                  arrival_number=k + 1, leader="", actor=CLERK, comment="")
        case = await store.assign(AGENCY, case.id, case.version, lead=Party("person", officer(k).subject),
                                  cooperating=[], for_information=[], deadline=date(2031, 6, 18), instruction="",
                                  actor=LEADER)
        lead = next(t for t in case.tasks if t.kind == "lead")
        cases.append((case, lead.id))

    async def act(k: int) -> None:
        case, task_id = cases[k]
        version = case.version
        for i in range(per_actor):
            version = (await store.act_on_task(AGENCY, task_id, version, Action.PROGRESS, actor=officer(k),
                                               comment=f"Tiến độ lần {i + 1}")).version

    start = time.perf_counter()
    await asyncio.gather(*(act(k) for k in range(actors)))
    project = actors * per_actor / (time.perf_counter() - start)

    async def plain(k: int) -> None:
        case_id = cases[k][0].id
        for _ in range(per_actor):
            async with engine_sessions() as session, session.begin():
                await session.execute(text("UPDATE cases SET version = version + 1, updated_at = :now "
                                           "WHERE id = :id"), {"now": datetime.now(UTC), "id": case_id})

    start = time.perf_counter()
    await asyncio.gather(*(plain(k) for k in range(actors)))
    baseline = actors * per_actor / (time.perf_counter() - start)
    report("workflow", f"transitions, {actors} actors at once (PostgreSQL)", project, baseline, "steps/s",
           n=actors * per_actor)

    async def same_writes(k: int) -> None:
        """The rows a progress step writes, written with plain SQL and nothing else: the case's and the task's
        update, the step's and the event's insert, one transaction (no lock, no check, no read back)."""
        case_id, task_id = cases[k][0].id, cases[k][1]
        for i in range(per_actor):
            now = datetime.now(UTC)
            async with engine_sessions() as session, session.begin():
                await session.execute(text("UPDATE cases SET version = version + 1, updated_at = :now "
                                           "WHERE id = :id"), {"now": now, "id": case_id})
                await session.execute(text("UPDATE tasks SET state = 'in_progress', note = :note WHERE id = :id"),
                                      {"note": f"Tiến độ lần {i + 1}", "id": task_id})
                await session.execute(text(
                    "INSERT INTO steps (case_id, task_id, agency_code, action, from_state, to_state, actor, "
                    "actor_subject, actor_name, at, comment) VALUES (:c, :t, :a, 'progress', 'in_progress', "
                    "'in_progress', :u, :s, '', :now, :comment)"),
                    {"c": case_id, "t": task_id, "a": AGENCY, "u": officer(k).username, "s": officer(k).subject,
                     "now": now, "comment": f"Tiến độ lần {i + 1}"})
                await session.execute(text(
                    "INSERT INTO outbox (event_id, subject, payload, trace_headers, created_at) "
                    "VALUES (:e, 'vanthu.workflow.step.recorded', :p, '{}', :now)"),
                    {"e": new_id(), "p": b"\x00" * 200, "now": now})

    start = time.perf_counter()
    await asyncio.gather(*(same_writes(k) for k in range(actors)))
    writes = actors * per_actor / (time.perf_counter() - start)
    report("workflow", f"transitions vs the same rows written in plain SQL, {actors} actors", project, writes,
           "steps/s", n=actors * per_actor)


async def inbox(store: WorkflowStore, sessions, total: int, holders: int, queries: int) -> None:  # type: ignore[no-untyped-def]
    base = datetime(2031, 1, 5, 1, 0, tzinfo=UTC)
    cases, tasks = [], []
    for i in range(total):
        case_id = new_id()
        at = base + timedelta(minutes=i)
        cases.append({"id": case_id, "agency_code": AGENCY, "document_id": new_id(), "state": "assigned",
                      "version": 2, "abstract": f"Văn bản đến số {i + 1}", "arrival_number": i + 1,
                      "created_by": "vanthu.ubnd", "created_at": at, "updated_at": at})
        tasks.append({"id": new_id(), "case_id": case_id, "agency_code": AGENCY, "kind": "lead",
                      "assignee_kind": "person", "assignee": officer(i % holders).subject, "unit_code": "",
                      "state": "open" if (i // holders) % 4 else "done",
                      "deadline": date(2031, 1, 5) + timedelta(days=i % 60), "note": "", "created_at": at,
                      "done_at": None if (i // holders) % 4 else at})
    async with sessions() as session, session.begin():
        for start in range(0, total, 5000):
            await session.execute(insert(CaseRow.__table__), cases[start:start + 5000])
            await session.execute(insert(TaskRow.__table__), tasks[start:start + 5000])
        await session.execute(text("ANALYZE"))
    today, soon = date(2031, 2, 1), date(2031, 2, 4)
    project_ms: list[float] = []
    baseline_ms: list[float] = []
    for q in range(queries):
        who = officer(q % holders)
        started = time.perf_counter()
        page, counts, _ = await store.inbox(AGENCY, who, bucket="todo", kinds=[], today=today, soon_before=soon,
                                            page_size=50)
        project_ms.append((time.perf_counter() - started) * 1000)
        assert len(page) == 50 and counts.todo > 300, (len(page), counts)
        started = time.perf_counter()
        async with sessions() as session:
            rows = (await session.execute(text(
                "SELECT id FROM tasks WHERE agency_code = :a AND assignee_kind = 'person' AND assignee = :s "
                "AND state IN ('open', 'in_progress') ORDER BY created_at DESC, id DESC LIMIT 50"),
                {"a": AGENCY, "s": who.subject})).all()
        baseline_ms.append((time.perf_counter() - started) * 1000)
        assert len(rows) == 50
    report("workflow", f"inbox page p99, {total:,} tasks (PostgreSQL)", p99(project_ms), p99(baseline_ms), "ms",
           higher_is_better=False, p50_ms=round(statistics.median(project_ms), 2), queries=queries)


async def notifications(store: WorkflowStore, sessions, total: int, holders: int, queries: int) -> None:  # type: ignore[no-untyped-def]
    base = datetime(2031, 1, 5, 1, 0, tzinfo=UTC)
    rows = [{"id": new_id(), "agency_code": AGENCY, "recipient": officer(i % holders).subject, "kind": "new_task",
             "title": "Nhiệm vụ mới: chủ trì xử lý văn bản", "body": f"Đồng chí được giao chủ trì xử lý văn bản số {i}",
             "case_id": new_id(), "task_id": new_id(), "document_id": new_id(), "email": "", "dedupe_key": None,
             "created_at": base + timedelta(minutes=i),
             "read_at": None if (i // holders) % 3 == 0 else base + timedelta(minutes=i + 5)} for i in range(total)]
    async with sessions() as session, session.begin():
        for start in range(0, total, 5000):
            await session.execute(insert(NotificationRow.__table__), rows[start:start + 5000])
        await session.execute(text("ANALYZE"))
    project_ms: list[float] = []
    baseline_ms: list[float] = []
    for q in range(queries):
        who = officer(q % holders).subject
        started = time.perf_counter()
        page, _, unread = await store.notifications(AGENCY, who, page_size=50)
        project_ms.append((time.perf_counter() - started) * 1000)
        assert len(page) == 50 and unread > 100 and not page[0].read, (len(page), unread)
        started = time.perf_counter()
        async with sessions() as session:
            found = (await session.execute(text(
                "SELECT id FROM notifications WHERE agency_code = :a AND recipient = :s "
                "ORDER BY created_at DESC, id DESC LIMIT 50"), {"a": AGENCY, "s": who})).all()
        baseline_ms.append((time.perf_counter() - started) * 1000)
        assert len(found) == 50
    report("workflow", f"notifications page p99, {total:,} rows (PostgreSQL)", p99(project_ms), p99(baseline_ms),
           "ms", higher_is_better=False, p50_ms=round(statistics.median(project_ms), 2), queries=queries)


async def run(args: argparse.Namespace) -> None:
    server = PostgresServer(Path(tempfile.mkdtemp(prefix="vanthu-bench-pg-"))).start()
    try:
        url = server.create_database("bench_workflow")
        await migrate(MIGRATIONS, url)
        engine = create_engine(url, pool_size=args.actors + 2)
        sessions = session_factory(engine)
        store = WorkflowStore(sessions, clock=lambda: datetime(2031, 6, 11, 3, 0, tzinfo=UTC))
        await transitions(store, sessions, args.actors, args.steps)
        await inbox(store, sessions, args.tasks, args.holders, args.queries)
        await notifications(store, sessions, args.tasks, args.holders, args.queries)
        await engine.dispose()
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--actors", type=int, default=20, help="people acting at once (default 20)")
    parser.add_argument("--steps", type=int, default=25, help="steps each (default 25)")
    parser.add_argument("--tasks", type=int, default=100_000, help="tasks in the inbox table (default 100,000)")
    parser.add_argument("--holders", type=int, default=200, help="officers the tasks are spread over (default 200)")
    parser.add_argument("--queries", type=int, default=300, help="inbox queries measured (default 300)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
