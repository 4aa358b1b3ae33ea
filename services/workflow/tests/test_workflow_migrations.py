"""The workflow database's migrations on data written before them (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from vanthu.registry.v1 import events_pb2 as registry_events
from vanthu.workflow.v1 import events_pb2 as ev
from vanthu.workflow.v1 import workflow_pb2 as pb
from vanthu_core.db import alembic_config, migrate
from vanthu_core.events import new_meta
from vanthu_workflow.cancellations import Cancellations
from vanthu_workflow.revocations import Revocations
from vanthu_workflow.server import MIGRATIONS
from vanthu_workflow.settings import WorkflowSettings

from .conftest import UBND, Harness

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The harness's database: SQLite as the embedded default runs it, PostgreSQL as the scale mode does."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'workflow.db'}"
    return str(request.getfixturevalue("postgres_url"))


async def test_0007_turns_the_tasks_earlier_cancellations_and_revocations_stopped_into_withdrawn_ones(
        harness: Harness, workflow_settings: WorkflowSettings) -> None:
    """Issue 14 review: before the ``withdrawn`` task state, a cancelled draft's review and a revoked arrival's tasks
    were left ``cancelled`` — and their holders lost the document. After the migration they are ``withdrawn`` with
    the note of why; a task taken back (thu hồi by the leader) before the revocation stays ``cancelled``."""
    h = harness
    draft = await h.started()
    await Cancellations(h.server.store)(registry_events.DocumentCancelled(
        meta=new_meta(actor="lanhdao.ubnd", agency=UBND), reason="Không ban hành nữa",
        document=registry_events.DocumentState(document_id=draft.document_id, direction="outgoing",
                                               status="cancelled")))
    arrival = await h.assigned()
    recalled = (await h.call(h.api.RecallIncoming, pb.RecallIncomingRequest(
        case_id=arrival.id, version=arrival.version, comment="Giao lại cho đơn vị khác"), "lanhdao.ubnd")).case
    taken_back = {t.id for t in recalled.tasks if t.state == "cancelled"}
    assert taken_back, recalled.tasks
    h.clock.now += timedelta(hours=2)
    await Revocations(h.server.store)(registry_events.DocumentRevocationAccepted(
        meta=new_meta(actor="vanthu.ubnd", agency=UBND), kind="revoke",
        document=registry_events.DocumentState(document_id=arrival.document_id, direction="incoming",
                                               status="revoked")))

    async def tasks(document_id: str) -> dict[str, tuple[str, str]]:
        case = (await h.call(h.api.GetCase, pb.GetCaseRequest(document_id=document_id), "vanthu.ubnd")).case
        return {t.id: (t.state, t.note) for t in case.tasks}

    now_draft, now_arrival = await tasks(draft.document_id), await tasks(arrival.document_id)
    stopped_draft = {i for i, (state, _) in now_draft.items() if state == "withdrawn"}
    stopped_arrival = {i for i, (state, _) in now_arrival.items() if state == "withdrawn"}
    assert stopped_draft and stopped_arrival and not stopped_arrival & taken_back

    # the data as the code before the migration left it: every withdrawn task "cancelled", without its note
    url = workflow_settings.database_url
    await asyncio.to_thread(command.downgrade, alembic_config(MIGRATIONS, url), "0006")
    async with h.server.store.sessions() as session, session.begin():
        await session.execute(text("UPDATE tasks SET note = '' WHERE state = 'cancelled'"))
        # read in SQL: the service's code reads the columns later migrations add (0009: cases.search_key)
        states = (await session.execute(text(
            "SELECT DISTINCT tasks.state FROM tasks JOIN cases ON cases.id = tasks.case_id "
            "WHERE cases.document_id = :document_id"), {"document_id": draft.document_id})).scalars().all()
    assert set(states) == {"cancelled"}

    await migrate(MIGRATIONS, url)
    assert {i: v for i, v in (await tasks(draft.document_id)).items() if i in stopped_draft} == {
        i: ("withdrawn", "Văn bản đã bị hủy") for i in stopped_draft}
    after = await tasks(arrival.document_id)
    assert {i: v for i, v in after.items() if i in stopped_arrival} == {
        i: ("withdrawn", "Văn bản đã bị thu hồi") for i in stopped_arrival}
    assert {after[i][0] for i in taken_back} == {"cancelled"}


async def test_0010_gives_existing_cases_their_audience_order_from_zero_and_the_next_publication_goes_after(
        harness: Harness, workflow_settings: WorkflowSettings) -> None:
    """Issue 14 review: a case counts its audience's re-publications (``audience_rev``). A case written before the
    column starts at 0, and the audience published after the upgrade orders after every one published before."""
    h = harness
    case = await h.assigned()
    url = workflow_settings.database_url
    await asyncio.to_thread(command.downgrade, alembic_config(MIGRATIONS, url), "0009")
    await migrate(MIGRATIONS, url)
    async with h.server.store.sessions() as session:
        assert (await session.execute(text("SELECT audience_rev FROM cases WHERE id = :case"),
                                      {"case": case.id})).scalar_one() == 0
    await h.call(h.api.CreateDelegation, pb.CreateDelegationRequest(
        deputy=h.subject("chuyenvien.ubnd"), unit_code="TH", valid_from="2031-06-11", valid_to="2031-06-13",
        competence="TUQ.", reason="Đi công tác"), "truongphong.ubnd")
    seqs = [e.audience_seq for e in await h.events() if isinstance(e, ev.StepRecorded) and e.case_id == case.id]
    assert len(seqs) >= 2 and seqs[-1] > max(seqs[:-1]), seqs
