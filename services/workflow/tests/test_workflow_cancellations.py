"""Cancelling a document in the registry stops its work (issue 13 review): a cancelled draft's outgoing circuit is
withdrawn in whatever state it was (in review, approved, submitted for signature) with its open tasks withdrawn, so
no review, signature or issue is left in anybody's inbox, and nothing more can be done on it — but the head whose
review was stopped finds it among the finished tasks ("Văn bản đã bị hủy") and keeps the document in the audience
the step gives the registry (issue 14 review: not "Không tìm thấy văn bản"); a cancelled arrival's
processing likewise. A redelivered event, another agency's, an issued circuit or a job change nothing. Through the
handler, then through a real nats-server with the platform's users (the registry publishes, the workflow consumes)."""

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
from vanthu_workflow.cancellations import Cancellations
from vanthu_workflow.server import WorkflowServer
from vanthu_workflow.settings import WorkflowSettings

from .conftest import SNV, UBND, Clock, Harness, demo_directory

pytestmark = pytest.mark.integration
REASON = "Không ban hành nữa theo chỉ đạo của Chủ tịch"


def cancelled(document_id: str, *, agency: str = UBND, direction: str = "outgoing",
              by: str = "lanhdao.ubnd") -> registry_events.DocumentCancelled:
    """The registry's event: ``by`` cancelled the document, saying why."""
    return registry_events.DocumentCancelled(
        meta=new_meta(actor=by, agency=agency), reason=REASON,
        document=registry_events.DocumentState(document_id=document_id, direction=direction, status="cancelled"))


async def case_of(h: Harness, document_id: str, user: str = "chuyenvien.ubnd") -> pb.Case:
    return (await h.call(h.api.GetCase, pb.GetCaseRequest(document_id=document_id), user)).case


async def test_a_cancelled_draft_leaves_its_circuit_and_nobody_is_left_with_its_review_or_signature(
        harness: Harness) -> None:
    h = harness
    handler = Cancellations(h.server.store)
    in_review = await h.started()
    review_inbox = await h.call(h.api.ListInbox, pb.ListInboxRequest(kinds=["review"]), "truongphong.ubnd")
    assert in_review.id in {t.case_id for t in review_inbox.tasks}

    await handler(cancelled(in_review.document_id))
    withdrawn = await case_of(h, in_review.document_id)
    assert withdrawn.state == "withdrawn"
    assert {(t.kind, t.state, t.note) for t in withdrawn.tasks} == {("review", "withdrawn", "Văn bản đã bị hủy")}
    step = withdrawn.steps[-1]
    assert (step.action, step.from_state, step.to_state) == ("withdraw", "in_review", "withdrawn")
    assert step.comment.startswith("Văn bản đã bị hủy") and REASON in step.comment
    recorded = [e for e in await h.events() if isinstance(e, ev.StepRecorded)]
    assert (recorded[-1].action, recorded[-1].document_id) == ("withdraw", in_review.document_id)
    # the reviewing head's unit still sees the cancelled draft (the registry keeps the step's audience)
    review_task = withdrawn.tasks[0]
    assert f"{review_task.assignee_kind}:{review_task.assignee}".replace("person:", "user:") in recorded[-1].audience
    review_inbox = await h.call(h.api.ListInbox, pb.ListInboxRequest(kinds=["review"]), "truongphong.ubnd")
    assert in_review.id not in {t.case_id for t in review_inbox.tasks}
    assert review_inbox.counts.done == 1
    finished = await h.call(h.api.ListInbox, pb.ListInboxRequest(kinds=["review"], bucket="done"), "truongphong.ubnd")
    assert [(t.case_id, t.state, t.note) for t in finished.tasks] == [(in_review.id, "withdrawn", "Văn bản đã bị hủy")]
    refused = await h.refused(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=in_review.id, version=withdrawn.version, approve=True), "truongphong.ubnd")
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION and "đã hủy" in refused.details()

    await handler(cancelled(in_review.document_id))  # redelivered: nothing more
    again = await case_of(h, in_review.document_id)
    assert (again.version, len(again.steps)) == (withdrawn.version, len(withdrawn.steps))

    submitted = await h.started()
    submitted = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=submitted.id, version=submitted.version, approve=True), "truongphong.ubnd")).case
    submitted = (await h.call(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(
        case_id=submitted.id, version=submitted.version), "chuyenvien.ubnd")).case
    assert submitted.state == "submitted"
    await handler(cancelled(submitted.document_id, agency=SNV))  # not this agency's case
    assert (await case_of(h, submitted.document_id)).state == "submitted"
    await handler(cancelled(submitted.document_id))
    stopped = await case_of(h, submitted.document_id)
    assert stopped.state == "withdrawn" and stopped.steps[-1].from_state == "submitted"
    refused = await h.refused(h.api.SignOutgoing, pb.SignOutgoingRequest(
        case_id=stopped.id, version=stopped.version), "lanhdao.ubnd")
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert ("signed", "lanhdao.ubnd") not in h.directory.acts


async def test_a_cancelled_arrival_stops_being_processed_and_an_issued_circuit_is_kept(harness: Harness) -> None:
    h = harness
    handler = Cancellations(h.server.store)
    case = await h.assigned()
    await handler(cancelled(case.document_id, direction="incoming", by="vanthu.ubnd"))
    stopped = await case_of(h, case.document_id, "vanthu.ubnd")
    assert (stopped.state, stopped.steps[-1].action) == ("withdrawn", "withdraw")
    assert not [t for t in stopped.tasks if t.state in ("open", "in_progress")]

    issued = await h.started()
    for method, request, user in (
            (h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(approve=True), "truongphong.ubnd"),
            (h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(), "chuyenvien.ubnd"),
            (h.api.SignOutgoing, pb.SignOutgoingRequest(), "lanhdao.ubnd"),
            (h.api.IssueOutgoing, pb.IssueOutgoingRequest(), "vanthu.ubnd")):
        request.case_id, request.version = issued.id, issued.version
        issued = (await h.call(method, request, user)).case
    assert issued.state == "issued"
    await handler(cancelled(issued.document_id, by="vanthu.ubnd"))  # an issued document cancelled: history kept
    kept = await case_of(h, issued.document_id)
    assert (kept.state, kept.version) == ("issued", issued.version)


async def test_the_workflow_takes_the_registrys_cancellations_from_nats(
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
            case = await h.started()
            await registry.publish(cancelled(case.document_id))
            deadline = asyncio.get_running_loop().time() + 20
            while (await case_of(h, case.document_id)).state != "withdrawn":
                assert asyncio.get_running_loop().time() < deadline, "the cancellation never reached the workflow"
                await asyncio.sleep(0.05)
    finally:
        await registry.close()
        await server.stop()
        nats_server.stop()
