"""Accepting a revocation stops the processing of the revoked arrival (issue 12 item 4): its open tasks are cancelled
with a note, the case is withdrawn and nothing more can be done on it; an update, a redelivery, another agency's
event or a completed case change nothing. Through the handler, then through a real nats-server with the platform's
users (the registry publishes, the workflow's consumer takes it)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc
import pytest

from vanthu.registry.v1 import events_pb2 as registry_events
from vanthu.workflow.v1 import events_pb2 as ev
from vanthu.workflow.v1 import workflow_pb2 as pb
from vanthu.workflow.v1 import workflow_pb2_grpc
from vanthu_core.events import new_meta
from vanthu_core.settings import CommonSettings
from vanthu_testing.identity import DevIssuer
from vanthu_testing.nats import NatsServer
from vanthu_workflow.revocations import REVOKED_CONTENT, WITHDRAWN_NOTE, Revocations, revoked_content
from vanthu_workflow.server import WorkflowServer
from vanthu_workflow.settings import WorkflowSettings

from .conftest import SNV, UBND, Clock, Harness, demo_directory

pytestmark = pytest.mark.integration


def accepted(document_id: str, *, agency: str = UBND,
             kind: str = "revoke") -> registry_events.DocumentRevocationAccepted:
    """The registry's event: the clerk ``vanthu.ubnd`` accepted the sender's request on the arrival."""
    return registry_events.DocumentRevocationAccepted(
        meta=new_meta(actor="vanthu.ubnd", agency=agency), kind=kind,
        document=registry_events.DocumentState(document_id=document_id, direction="incoming", status="revoked"))


async def case_of(h: Harness, document_id: str) -> pb.Case:
    return (await h.call(h.api.GetCase, pb.GetCaseRequest(document_id=document_id),
                         "vanthu.ubnd")).case


async def test_a_revoked_arrival_stops_being_processed_and_its_open_tasks_are_cancelled(harness: Harness) -> None:
    h = harness
    case = await h.assigned()
    lead = h.task(case, "lead")
    case = (await h.call(h.api.RecordProgress, pb.RecordProgressRequest(
        task_id=lead.id, version=case.version, comment="Đang dự thảo văn bản trả lời"), "truongphong.ubnd")).case
    assert case.state == "in_progress"
    before = await h.call(h.api.ListInbox, pb.ListInboxRequest(), "truongphong.ubnd")
    assert before.counts.todo >= 1

    await Revocations(h.server.store)(accepted(case.document_id))
    withdrawn = await case_of(h, case.document_id)
    assert withdrawn.state == "withdrawn"
    assert {t.state for t in withdrawn.tasks} <= {"withdrawn", "done"}
    assert {t.note for t in withdrawn.tasks if t.state == "withdrawn"} == {"Văn bản đã bị thu hồi"}
    step = withdrawn.steps[-1]
    assert (step.action, step.from_state, step.to_state, step.comment) == (
        "withdraw", "in_progress", "withdrawn", WITHDRAWN_NOTE)
    assert "đồng ý thu hồi" in step.comment
    recorded = [e for e in await h.events() if isinstance(e, ev.StepRecorded)]
    assert (recorded[-1].action, recorded[-1].document_id) == ("withdraw", case.document_id)
    after = await h.call(h.api.ListInbox, pb.ListInboxRequest(), "truongphong.ubnd")
    assert after.counts.todo == before.counts.todo - 1

    refused = await h.refused(h.api.CompleteTask, pb.CompleteTaskRequest(
        task_id=lead.id, version=withdrawn.version, result="Đã trả lời"), "truongphong.ubnd")
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
    refused = await h.refused(h.api.AssignIncoming, pb.AssignIncomingRequest(
        case_id=case.id, version=withdrawn.version, lead=pb.Party(kind="unit", id="NC"), deadline_days=3),
        "lanhdao.ubnd")
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION and "văn bản bị thu hồi" in refused.details()

    await Revocations(h.server.store)(accepted(case.document_id))  # redelivered: nothing more
    again = await case_of(h, case.document_id)
    assert (again.version, len(again.steps)) == (withdrawn.version, len(withdrawn.steps))


async def test_a_revoked_arrivals_content_leaves_its_case_and_notifications_and_its_case_goes_to_its_viewers_only(
        harness: Harness) -> None:
    """Issue 14 attacker review: the registry removes a revoked arrival's content, but its case kept the abstract
    and the leader's direction, and every person of the agency could read the case; the notifications about it
    quoted the abstract. Now the case carries the revocation's words, and only those the registry shows the
    document to get the case at all."""
    h = harness
    case = await h.assigned(cooperating=[pb.Party(kind="unit", id="NC")])  # the archivist's Văn phòng has no part
    assert case.abstract and case.instruction
    told = await h.call(h.api.ListNotifications, pb.ListNotificationsRequest(), "truongphong.ubnd")
    assert any(case.abstract in n.body for n in told.notifications if n.case_id == case.id)
    h.directory.unseen[case.document_id] = {"luutru.ubnd"}
    refused = await h.refused(h.api.GetCase, pb.GetCaseRequest(document_id=case.document_id), "luutru.ubnd")
    assert refused.code() == grpc.StatusCode.NOT_FOUND
    refused = await h.refused(h.api.GetCase, pb.GetCaseRequest(case_id=case.id), "luutru.ubnd")
    assert refused.code() == grpc.StatusCode.NOT_FOUND
    # a holder the registry has not heard of yet (the step's audience reaches it a moment later) gets the case
    h.directory.unseen[case.document_id] = {"luutru.ubnd", "truongphong.ubnd"}
    lead = await h.call(h.api.GetCase, pb.GetCaseRequest(case_id=case.id), "truongphong.ubnd")
    assert lead.case.id == case.id

    await Revocations(h.server.store)(accepted(case.document_id))
    withdrawn = await case_of(h, case.document_id)
    assert (withdrawn.abstract, withdrawn.instruction, withdrawn.result) == (REVOKED_CONTENT, "", "")
    told = await h.call(h.api.ListNotifications, pb.ListNotificationsRequest(), "truongphong.ubnd")
    bodies = [n.body for n in told.notifications if n.case_id == case.id]
    assert bodies and set(bodies) == {REVOKED_CONTENT}, bodies
    done = await h.call(h.api.ListInbox, pb.ListInboxRequest(bucket="done"), "truongphong.ubnd")
    assert {t.abstract for t in done.tasks if t.case_id == case.id} == {REVOKED_CONTENT}


async def test_a_revoked_arrival_in_the_finished_tasks_keeps_its_number_and_symbol(harness: Harness) -> None:
    """Issue 14 review item 5: the revoked arrival's content goes, but its số, ký hiệu and số đến (the trail the
    registry keeps, and its event carries) stay on its case, so its holder's Đã xong tells which document it was."""
    h = harness
    case = await h.assigned()
    event = accepted(case.document_id)
    event.document.number_symbol, event.document.number = "05/UBND-VP", 12
    await Revocations(h.server.store)(event)
    words = ("Văn bản số 05/UBND-VP (số đến 12) đã bị thu hồi theo yêu cầu của cơ quan gửi; nội dung đã được xóa, chỉ "
             "giữ thông tin thu hồi")
    assert revoked_content("05/UBND-VP", 12) == words
    done = await h.call(h.api.ListInbox, pb.ListInboxRequest(bucket="done"), "truongphong.ubnd")
    assert {(t.abstract, t.state) for t in done.tasks if t.case_id == case.id} == {(words, "withdrawn")}
    told = await h.call(h.api.ListNotifications, pb.ListNotificationsRequest(), "truongphong.ubnd")
    assert {n.body for n in told.notifications if n.case_id == case.id} == {words}
    assert revoked_content("", 7).startswith("Văn bản số đến 7 đã bị thu hồi")
    assert revoked_content("  ", 0) == REVOKED_CONTENT


async def test_an_update_another_agencys_event_or_a_completed_case_change_nothing(harness: Harness) -> None:
    h = harness
    case = await h.assigned()
    handler = Revocations(h.server.store)
    await handler(accepted(case.document_id, kind="update"))  # the same document, new content: processed on
    await handler(accepted(case.document_id, agency=SNV))  # not this agency's case
    await handler(accepted("00000000-0000-4000-8000-000000000000"))  # never submitted: no case
    unchanged = await case_of(h, case.document_id)
    assert (unchanged.state, unchanged.version) == ("assigned", case.version)

    lead = h.task(case, "lead")
    done = (await h.call(h.api.CompleteTask, pb.CompleteTaskRequest(
        task_id=lead.id, version=case.version, result="Đã báo cáo lãnh đạo"), "truongphong.ubnd")).case
    assert done.state == "completed"
    await handler(accepted(case.document_id))
    kept = await case_of(h, case.document_id)
    assert (kept.state, kept.version, kept.result) == ("completed", done.version, "Đã báo cáo lãnh đạo")


async def test_the_workflow_takes_the_registrys_accepted_revocations_from_nats(
        tmp_path: Path, dev_issuer: DevIssuer, clock: Clock) -> None:
    nats_server = NatsServer(tmp_path / "nats").start()
    directory = demo_directory(dev_issuer)
    server = WorkflowServer(
        WorkflowSettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'workflow.db'}"),
        CommonSettings(**{**dev_issuer.service_settings("workflow").model_dump(), **nats_server.settings("workflow"),
                          "events_enabled": True}), clock=clock, directory=directory)
    registry = nats_server.bus("registry", client_name="registry")
    try:
        port = await server.start()
        await registry.connect()
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            h = Harness(workflow_pb2_grpc.WorkflowServiceStub(channel), dev_issuer, directory, server, clock)
            case = await h.assigned()
            await registry.publish(accepted(case.document_id))
            deadline = asyncio.get_running_loop().time() + 20
            while (await case_of(h, case.document_id)).state != "withdrawn":
                assert asyncio.get_running_loop().time() < deadline, "the revocation never reached the workflow"
                await asyncio.sleep(0.05)
    finally:
        await registry.close()
        await server.stop()
        nats_server.stop()
