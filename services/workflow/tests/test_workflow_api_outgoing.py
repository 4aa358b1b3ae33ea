"""The outgoing circuit through the real gRPC API, as the demo users do it: drafted, returned once, approved with two
units consulted in parallel, submitted, signed and issued (the registry's acts asked for with each caller's token);
the circuit a case started with kept when the definition changes; illegal steps, wrong roles, another agency and
stale versions refused; every step recorded and the returned draft's event in the outbox."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import grpc
import pytest

from vanthu.registry.v1 import documents_pb2
from vanthu.workflow.v1 import events_pb2 as ev
from vanthu.workflow.v1 import workflow_pb2 as pb
from vanthu_core.errors import FailedPrecondition
from vanthu_workflow.directory import MemberInfo, UnitInfo
from vanthu_workflow.domain.outgoing import load_definition

from .conftest import SNV, UBND, Harness
from .test_workflow_api_delegation import delegate

pytestmark = pytest.mark.integration

DRAFTER, HEAD, LEADER, CLERK = "chuyenvien.ubnd", "truongphong.ubnd", "lanhdao.ubnd", "vanthu.ubnd"


def heads_everywhere(h: Harness) -> None:
    """Phòng Nội chính and Văn phòng given a head (the demo has one head user: he heads them all here)."""
    head = h.subject(HEAD)
    h.directory.units_by_agency[UBND] = [UnitInfo("VP", "Văn phòng", head), UnitInfo("TH", "Phòng Tổng hợp", head),
                                         UnitInfo("NC", "Phòng Nội chính", head)]


async def test_a_draft_goes_through_review_returned_once_consultation_signature_and_issue(harness: Harness) -> None:
    h = harness
    heads_everywhere(h)
    case = await h.started()
    assert (case.kind, case.state, case.version, case.definition_version) == ("outgoing", "in_review", 1, 1)
    assert [(s.step, s.role) for s in case.circuit] == [
        ("review", "head"), ("consult", "head"), ("sign", "leader"), ("issue", "clerk")]
    assert (case.unit_code, case.drafter, case.type_code) == ("TH", h.subject(DRAFTER), "cong_van")
    review = h.task(case, "review")
    assert (review.assignee_kind, review.assignee) == ("unit", "TH")
    inbox = await h.call(h.api.ListInbox, pb.ListInboxRequest(kinds=["review"]), HEAD)
    assert [t.id for t in inbox.tasks] == [review.id]

    returned = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=False, comment="Bổ sung số liệu quý III"), HEAD)).case
    assert returned.state == "returned"
    assert h.task(returned, "draft").assignee == h.subject(DRAFTER)
    case = (await h.call(h.api.ResendOutgoing, pb.ResendOutgoingRequest(
        case_id=returned.id, version=returned.version, comment="Đã bổ sung"), DRAFTER)).case
    assert case.state == "in_review"
    case = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=True, consult=["NC", "VP"], comment="Đồng ý"), HEAD)).case
    assert case.state == "consulting"
    nc, vp = h.task(case, "consult", assignee="NC"), h.task(case, "consult", assignee="VP")
    case = (await h.call(h.api.AnswerConsultation, pb.AnswerConsultationRequest(
        task_id=vp.id, version=case.version, opinion="Văn phòng thống nhất"), HEAD)).case
    assert case.state == "consulting"  # one unit still to answer
    case = (await h.call(h.api.AnswerConsultation, pb.AnswerConsultationRequest(
        task_id=nc.id, version=case.version, opinion="Đề nghị sửa khoản 2"), HEAD)).case
    assert case.state == "approved" and h.task(case, "draft").assignee == h.subject(DRAFTER)

    case = (await h.call(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(
        case_id=case.id, version=case.version, comment="Kính trình"), DRAFTER)).case
    assert case.state == "submitted" and h.task(case, "sign").assignee == "leader"
    case = (await h.call(h.api.SignOutgoing, pb.SignOutgoingRequest(case_id=case.id, version=case.version),
                         LEADER)).case
    assert case.state == "signed" and h.task(case, "issue").assignee == "clerk"
    case = (await h.call(h.api.IssueOutgoing, pb.IssueOutgoingRequest(case_id=case.id, version=case.version),
                         CLERK)).case
    assert case.state == "issued"
    assert not [t for t in case.tasks if t.state in ("open", "in_progress")]
    assert h.directory.acts == [("submitted", DRAFTER), ("signed", LEADER), ("issued", CLERK)]
    assert [(s.action, s.from_state, s.to_state, s.actor) for s in case.steps] == [
        ("start", "", "in_review", DRAFTER), ("return_draft", "in_review", "returned", HEAD),
        ("resend", "returned", "in_review", DRAFTER), ("approve", "in_review", "consulting", HEAD),
        ("answer", "consulting", "consulting", HEAD), ("answer", "consulting", "approved", HEAD),
        ("submit_for_signature", "approved", "submitted", DRAFTER), ("sign", "submitted", "signed", LEADER),
        ("issue", "signed", "issued", CLERK)]
    assert case.steps[1].comment == "Bổ sung số liệu quý III"
    assert case.steps[3].comment.startswith("lấy ý kiến: Phòng Nội chính, Văn phòng")
    events = await h.events()
    returned_events = [e for e in events if isinstance(e, ev.OutgoingReturned)]
    assert [(e.case_id, e.drafter, e.comment) for e in returned_events] == [
        (case.id, h.subject(DRAFTER), "Bổ sung số liệu quý III")]
    assert len([e for e in events if isinstance(e, ev.StepRecorded) and e.case_id == case.id]) == 9


NEW_DEFINITION = """\
version: 2
default:
  - {step: sign, role: head}
  - {step: issue, role: clerk}
"""


async def test_a_running_case_keeps_the_circuit_it_started_with_when_the_definition_changes(
        harness: Harness) -> None:
    h = harness
    old = await h.started()
    h.server.api.definition = load_definition(NEW_DEFINITION, "new.yaml")
    new = await h.started()
    assert (new.definition_version, new.state) == (2, "approved")  # no review in version 2
    assert [s.step for s in new.circuit] == ["sign", "issue"]

    case = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=old.id, version=old.version, approve=True), HEAD)).case  # version 1 still has the review
    case = (await h.call(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(case_id=case.id, version=case.version),
                         DRAFTER)).case
    assert (case.definition_version, h.task(case, "sign").assignee) == (1, "leader")
    refused = await h.refused(h.api.SignOutgoing, pb.SignOutgoingRequest(case_id=case.id, version=case.version),
                              HEAD)  # version 2 lets a head sign; this case's version 1 does not
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED
    case = (await h.call(h.api.SignOutgoing, pb.SignOutgoingRequest(case_id=case.id, version=case.version),
                         LEADER)).case
    assert case.state == "signed"

    new = (await h.call(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(case_id=new.id, version=new.version),
                        DRAFTER)).case
    sign = h.task(new, "sign")
    assert (sign.assignee_kind, sign.assignee) == ("unit", "TH")  # the drafting unit's head signs, no other head
    new = (await h.call(h.api.SignOutgoing, pb.SignOutgoingRequest(case_id=new.id, version=new.version),
                        HEAD)).case
    assert new.state == "signed"


async def test_a_heads_signature_is_the_drafting_units_head_alone(harness: Harness) -> None:
    """Issue 13 review item 2: a circuit whose signature is the ``head`` role gives it to the head of the draft's
    unit, not to whoever heads some unit; a draft without a drafting unit goes to the leaders."""
    h = harness
    h.server.api.definition = load_definition(NEW_DEFINITION, "new.yaml")  # sign by the head, no review
    other_head = h.issuer.subject("lanhdao.snv")  # someone else heads Phòng Tổng hợp; HEAD heads Phòng Nội chính
    h.directory.units_by_agency[UBND] = [UnitInfo("TH", "Phòng Tổng hợp", other_head),
                                         UnitInfo("NC", "Phòng Nội chính", h.subject(HEAD))]
    case = await h.started()
    case = (await h.call(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(case_id=case.id, version=case.version),
                         DRAFTER)).case
    assert (h.task(case, "sign").assignee_kind, h.task(case, "sign").assignee) == ("unit", "TH")
    for method, request in ((h.api.SignOutgoing, pb.SignOutgoingRequest(case_id=case.id, version=case.version)),
                            (h.api.ReturnUnsigned, pb.ReturnUnsignedRequest(case_id=case.id, version=case.version,
                                                                            comment="Không đồng ý")),
                            (h.api.PrepareSignOutgoing, pb.PrepareSignOutgoingRequest(case_id=case.id,
                                                                                      version=case.version))):
        refused = await h.refused(method, request, HEAD)  # a head, but of another unit
        assert refused.code() == grpc.StatusCode.PERMISSION_DENIED, refused.details()
        assert "trưởng đơn vị Phòng Tổng hợp" in (refused.details() or ""), refused.details()
    assert h.directory.acts == [("submitted", DRAFTER)]

    h.directory.units_by_agency[UBND] = [UnitInfo("TH", "Phòng Tổng hợp", "")]  # a unit without a head
    leaders = await h.started()
    leaders = (await h.call(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(
        case_id=leaders.id, version=leaders.version), DRAFTER)).case
    assert (h.task(leaders, "sign").assignee_kind, h.task(leaders, "sign").assignee) == ("role", "leader")


async def test_a_usb_token_signature_goes_to_the_registry_with_its_handle(harness: Harness) -> None:
    """A key the signing service does not hold: the page prepared the signing of the main file and the token made
    the value; the case gives both to the registry's SignDocument, and refuses one without the other."""
    h = harness
    case = await h.started()
    case = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=True), HEAD)).case
    case = (await h.call(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(case_id=case.id, version=case.version),
                         DRAFTER)).case
    half = pb.SignOutgoingRequest(case_id=case.id, version=case.version, handle="0190f0e0-0000-7000-8000-00000000000b")
    assert (await h.refused(h.api.SignOutgoing, half, LEADER)).code() == grpc.StatusCode.INVALID_ARGUMENT
    case = (await h.call(h.api.SignOutgoing, pb.SignOutgoingRequest(
        case_id=case.id, version=case.version, handle=half.handle, signature_value=b"\x01" * 256), LEADER)).case
    assert case.state == "signed"
    assert h.directory.two_step == [(half.handle, b"\x01" * 256)]


async def test_illegal_steps_are_refused_naming_the_state(harness: Harness) -> None:
    h = harness
    case = await h.started()
    for method, request, user in (
            (h.api.SignOutgoing, pb.SignOutgoingRequest(case_id=case.id, version=case.version), LEADER),
            (h.api.IssueOutgoing, pb.IssueOutgoingRequest(case_id=case.id, version=case.version), CLERK),
            (h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(case_id=case.id, version=case.version), DRAFTER),
            (h.api.ResendOutgoing, pb.ResendOutgoingRequest(case_id=case.id, version=case.version), DRAFTER)):
        refused = await h.refused(method, request, user)
        assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
        assert "Dự thảo đang ở trạng thái chờ duyệt: thao tác “" in (refused.details() or "")
    # an incoming step on an outgoing case, and a second start of the same draft
    refused = await h.refused(h.api.RecallIncoming, pb.RecallIncomingRequest(case_id=case.id, version=case.version),
                              LEADER)
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION and "quy trình văn bản đi" in (refused.details() or "")
    again = await h.refused(h.api.StartOutgoing, pb.StartOutgoingRequest(document_id=case.document_id), DRAFTER)
    assert again.code() == grpc.StatusCode.ALREADY_EXISTS  # one case per draft
    # a type whose circuit has no consultation (tờ trình): approving with units to consult is refused
    heads_everywhere(h)
    proposal = await h.started(type_code="to_trinh")
    refused = await h.refused(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=proposal.id, version=proposal.version, approve=True, consult=["NC"]), HEAD)
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION and "không có bước xin ý kiến" in (
        refused.details() or "")
    # a returned draft needs the reviewer's comments
    refused = await h.refused(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=proposal.id, version=proposal.version, approve=False), HEAD)
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_wrong_roles_and_people_are_refused(harness: Harness) -> None:
    h = harness
    document_id = h.draft()
    refused = await h.refused(h.api.StartOutgoing, pb.StartOutgoingRequest(document_id=document_id), HEAD)
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED  # not their draft
    case = (await h.call(h.api.StartOutgoing, pb.StartOutgoingRequest(document_id=document_id), DRAFTER)).case
    refused = await h.refused(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=True), DRAFTER)
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED  # an officer does not review
    refused = await h.refused(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=True), LEADER)
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED  # the circuit gives the review to the unit's head
    assert "việc này của trưởng đơn vị Phòng Tổng hợp" in (refused.details() or "")  # words, not the code TH
    case = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=True), HEAD)).case
    refused = await h.refused(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(
        case_id=case.id, version=case.version), HEAD)
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED  # only the drafter submits
    case = (await h.call(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(case_id=case.id, version=case.version),
                         DRAFTER)).case
    refused = await h.refused(h.api.SignOutgoing, pb.SignOutgoingRequest(case_id=case.id, version=case.version),
                              CLERK)
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED
    case = (await h.call(h.api.SignOutgoing, pb.SignOutgoingRequest(case_id=case.id, version=case.version),
                         LEADER)).case
    refused = await h.refused(h.api.IssueOutgoing, pb.IssueOutgoingRequest(case_id=case.id, version=case.version),
                              LEADER)
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED  # the clerk issues


async def test_another_agencys_case_and_task_are_not_found(harness: Harness) -> None:
    h = harness
    heads_everywhere(h)
    case = await h.started()
    refused = await h.refused(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=True), "truongphong.snv")
    assert refused.code() == grpc.StatusCode.NOT_FOUND
    case = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=True, consult=["NC"]), HEAD)).case
    refused = await h.refused(h.api.AnswerConsultation, pb.AnswerConsultationRequest(
        task_id=h.task(case, "consult").id, version=case.version, opinion="Đồng ý"), "truongphong.snv")
    assert refused.code() == grpc.StatusCode.NOT_FOUND
    snv_draft = h.draft(SNV, drafter="chuyenvien.snv")
    refused = await h.refused(h.api.StartOutgoing, pb.StartOutgoingRequest(document_id=snv_draft), DRAFTER)
    assert refused.code() == grpc.StatusCode.NOT_FOUND


async def test_of_two_reviewers_acting_at_once_one_wins_and_the_other_is_aborted(harness: Harness) -> None:
    h = harness
    case = await h.started()
    results = await asyncio.gather(
        h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(case_id=case.id, version=case.version, approve=True),
               HEAD),
        h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(case_id=case.id, version=case.version, approve=False,
                                                              comment="Chưa đạt"), HEAD),
        return_exceptions=True)
    failures = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(failures) == 1 and failures[0].code() == grpc.StatusCode.ABORTED
    final = (await h.call(h.api.GetCase, pb.GetCaseRequest(case_id=case.id), HEAD)).case
    assert final.version == 2 and len(final.steps) == 2


async def test_a_registry_refusal_leaves_the_case_where_it_was(harness: Harness) -> None:
    h = harness
    case = await h.started()
    case = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=True), HEAD)).case
    case = (await h.call(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(case_id=case.id, version=case.version),
                         DRAFTER)).case
    h.directory.refuse_sign = True
    refused = await h.refused(h.api.SignOutgoing, pb.SignOutgoingRequest(case_id=case.id, version=case.version),
                              LEADER)
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION and "signing profile" in (refused.details() or "")
    after = (await h.call(h.api.GetCase, pb.GetCaseRequest(case_id=case.id), LEADER)).case
    assert (after.state, after.version, len(after.steps)) == ("submitted", case.version, len(case.steps))
    assert h.task(after, "sign").state == "open"


async def test_starting_the_circuit_makes_it_govern_the_draft_in_the_registry_or_starts_nothing(
        harness: Harness) -> None:
    """Issue 13 review item 1: from its start the circuit governs the draft in the registry (which then signs and
    issues it only through the circuit); a registry refusal of that starts no case."""
    h = harness
    case = await h.started()
    assert h.directory.governed == {case.document_id}
    document_id = h.draft()
    original = h.directory.enter_circuit

    async def refuse(token: str, document_id: str) -> None:
        raise FailedPrecondition("registry: only a draft enters the circuit")

    h.directory.enter_circuit = refuse  # type: ignore[method-assign]
    refused = await h.refused(h.api.StartOutgoing, pb.StartOutgoingRequest(document_id=document_id), DRAFTER)
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION
    h.directory.enter_circuit = original  # type: ignore[method-assign]
    again = (await h.call(h.api.StartOutgoing, pb.StartOutgoingRequest(document_id=document_id), DRAFTER)).case
    assert again.state == "in_review" and h.directory.governed == {case.document_id, document_id}


async def test_a_draft_of_a_unit_without_another_head_is_reviewed_by_the_leaders(harness: Harness) -> None:
    h = harness
    h.directory.without_head("000.00.00.H61", "VP")  # as in the seed
    by_clerk = await h.started(drafter=CLERK)  # Văn phòng has no head
    by_head = await h.started(drafter=HEAD)  # he heads Phòng Tổng hợp himself
    for case in (by_clerk, by_head):
        assert case.unit_code == "" and h.task(case, "review").assignee == "leader"
    case = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=by_head.id, version=by_head.version, approve=True), LEADER)).case
    assert case.state == "approved" and h.task(case, "draft").assignee == h.subject(HEAD)


async def test_the_signer_returns_a_submitted_draft_unsigned_with_a_reason_and_it_comes_back_through_review(
        harness: Harness) -> None:
    h = harness
    case = await h.started()
    case = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=True), HEAD)).case
    case = (await h.call(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(case_id=case.id, version=case.version),
                         DRAFTER)).case
    assert case.state == "submitted"

    refused = await h.refused(h.api.ReturnUnsigned, pb.ReturnUnsignedRequest(
        case_id=case.id, version=case.version), LEADER)
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT and "Ý kiến" in refused.details()
    refused = await h.refused(h.api.ReturnUnsigned, pb.ReturnUnsignedRequest(
        case_id=case.id, version=case.version, comment="Không đồng ý"), DRAFTER)
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED
    refused = await h.refused(h.api.ReturnUnsigned, pb.ReturnUnsignedRequest(
        case_id=case.id, version=case.version, comment="Không đồng ý"), "lanhdao.snv")
    assert refused.code() == grpc.StatusCode.NOT_FOUND

    case = (await h.call(h.api.ReturnUnsigned, pb.ReturnUnsignedRequest(
        case_id=case.id, version=case.version, comment="Sửa lại căn cứ pháp lý ở đoạn đầu"), LEADER)).case
    assert case.state == "returned" and h.task(case, "draft").assignee == h.subject(DRAFTER)
    assert [(s.action, s.from_state, s.to_state, s.actor, s.comment) for s in case.steps[-1:]] == [
        ("return_unsigned", "submitted", "returned", LEADER, "Sửa lại căn cứ pháp lý ở đoạn đầu")]
    assert h.directory.acts[-1] == ("draft", LEADER)  # the registry's ReturnDocument: a draft again
    returned = [e for e in await h.events() if isinstance(e, ev.OutgoingReturned)]
    assert (returned[-1].drafter, returned[-1].comment) == (h.subject(DRAFTER), "Sửa lại căn cứ pháp lý ở đoạn đầu")
    refused = await h.refused(h.api.SignOutgoing, pb.SignOutgoingRequest(case_id=case.id, version=case.version),
                              LEADER)
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION and "trả lại" in refused.details()

    case = (await h.call(h.api.ResendOutgoing, pb.ResendOutgoingRequest(
        case_id=case.id, version=case.version, comment="Đã sửa"), DRAFTER)).case
    assert case.state == "in_review"  # the reviewer sees the corrected draft again
    case = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=True), HEAD)).case
    case = (await h.call(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(case_id=case.id, version=case.version),
                         DRAFTER)).case
    case = (await h.call(h.api.SignOutgoing, pb.SignOutgoingRequest(case_id=case.id, version=case.version),
                         LEADER)).case
    assert case.state == "signed"
    assert [a for a, _ in h.directory.acts] == ["submitted", "draft", "submitted", "signed"]


async def test_a_draft_returned_at_signing_in_a_circuit_without_review_goes_back_to_its_drafter_to_submit(
        harness: Harness) -> None:
    h = harness
    h.server.api.definition = load_definition(NEW_DEFINITION, "new.yaml")  # sign by the head, no review
    case = await h.started()
    case = (await h.call(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(case_id=case.id, version=case.version),
                         DRAFTER)).case
    case = (await h.call(h.api.ReturnUnsigned, pb.ReturnUnsignedRequest(
        case_id=case.id, version=case.version, comment="Thiếu phụ lục"), HEAD)).case
    case = (await h.call(h.api.ResendOutgoing, pb.ResendOutgoingRequest(
        case_id=case.id, version=case.version, comment="Đã bổ sung phụ lục"), DRAFTER)).case
    assert case.state == "approved" and h.task(case, "draft").assignee == h.subject(DRAFTER)


async def test_the_drafter_changes_a_circuit_draft_only_while_returned_or_approved_unsubmitted(
        harness: Harness) -> None:
    """Issue 13 review: what the head approved is what is signed. Through the circuit the drafter changes the draft
    only while it is back with them; in review, once approved or submitted, the change is refused and nothing reaches
    the registry; another person, or another agency, cannot change it at all. The case then shows the new abstract."""
    h = harness
    heads_everywhere(h)
    case = await h.started()
    revised = "Về việc báo cáo chuyển đổi số (bản sửa theo ý kiến trưởng phòng, đợt 2)"

    def revise(abstract: str = revised) -> pb.ReviseOutgoingRequest:
        return pb.ReviseOutgoingRequest(document_id=case.document_id,
                                        document=documents_pb2.DocumentInput(abstract=abstract))

    in_review = await h.refused(h.api.ReviseOutgoing, revise(), DRAFTER)
    assert in_review.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "chờ duyệt" in (in_review.details() or "")
    returned = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=False, comment="Sửa trích yếu"), HEAD)).case
    assert (await h.refused(h.api.ReviseOutgoing, revise(), HEAD)).code() == grpc.StatusCode.PERMISSION_DENIED
    other = await h.refused(h.api.ReviseOutgoing, revise(), "chuyenvien.snv")  # another agency: no such case
    assert other.code() == grpc.StatusCode.NOT_FOUND
    assert h.directory.revisions == []

    reply = await h.call(h.api.ReviseOutgoing, revise(), DRAFTER)
    assert reply.document.abstract == revised
    assert h.directory.revisions == [(case.document_id, revised)]
    case = (await h.call(h.api.GetCase, pb.GetCaseRequest(case_id=case.id), DRAFTER)).case
    assert (case.abstract, case.version) == (revised, returned.version + 1)  # the tasks show the new abstract
    # issue 14: the changed file is checked again as it goes back to review (the registry's EnterCircuit)
    h.directory.unready[case.document_id] = "Chưa gửi duyệt được. Tệp dự thảo thiếu dấu [[CHU_KY]]."
    unready = await h.refused(h.api.ResendOutgoing, pb.ResendOutgoingRequest(case_id=case.id, version=case.version),
                              DRAFTER)
    assert (unready.code(), unready.details()) == (grpc.StatusCode.FAILED_PRECONDITION,
                                                   "Chưa gửi duyệt được. Tệp dự thảo thiếu dấu [[CHU_KY]].")
    assert (await h.call(h.api.GetCase, pb.GetCaseRequest(case_id=case.id), DRAFTER)).case.state == "returned"
    del h.directory.unready[case.document_id]
    case = (await h.call(h.api.ResendOutgoing, pb.ResendOutgoingRequest(case_id=case.id, version=case.version),
                         DRAFTER)).case
    case = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=True), HEAD)).case
    assert case.state == "approved"
    # approved, not yet submitted (issue 14: trình ký refused its file): the drafter may change it, and the approval
    # no longer holds: the case is back with them, to be resent for review
    again = "Về việc báo cáo chuyển đổi số (bản sửa tệp sau khi duyệt)"
    assert (await h.refused(h.api.ReviseOutgoing, revise(again), HEAD)).code() == grpc.StatusCode.PERMISSION_DENIED
    await h.call(h.api.ReviseOutgoing, revise(again), DRAFTER)
    case = (await h.call(h.api.GetCase, pb.GetCaseRequest(case_id=case.id), DRAFTER)).case
    assert (case.state, case.abstract) == ("returned", again)
    refused = await h.refused(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(case_id=case.id, version=case.version),
                              DRAFTER)
    assert refused.code() == grpc.StatusCode.FAILED_PRECONDITION  # not signed without a new review
    case = (await h.call(h.api.ResendOutgoing, pb.ResendOutgoingRequest(case_id=case.id, version=case.version),
                         DRAFTER)).case
    assert case.state == "in_review"
    case = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=True), HEAD)).case
    submitted = (await h.call(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(case_id=case.id, version=case.version),
                              DRAFTER)).case
    assert submitted.state == "submitted"
    after = await h.refused(h.api.ReviseOutgoing, revise("Bản khác sau khi trình ký"), DRAFTER)
    assert after.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert "đã trình ký" in (after.details() or "")
    assert h.directory.revisions == [(case.document_id, revised), (case.document_id, again)]


async def test_the_review_goes_to_the_head_of_the_drafting_unit_the_draft_names_or_the_drafter_chooses(
        harness: Harness) -> None:
    """Issue 13 review: a drafter in two units has the draft reviewed by the head of the unit it is drafted for (the
    draft's drafting unit, or the one they choose), not whichever membership comes first; never a unit of theirs they
    are not in."""
    h = harness
    h.directory.units_by_agency[UBND] = [
        UnitInfo("TH", "Phòng Tổng hợp", h.subject(HEAD)), UnitInfo("NC", "Phòng Nội chính", h.subject(LEADER)),
        UnitInfo("VP", "Văn phòng", h.subject(CLERK))]
    nc = MemberInfo(unit_code="NC", subject=h.subject(DRAFTER), username=DRAFTER, name="Chuyên viên",
                    position="officer")
    h.directory.members_by_agency[UBND].append(nc)

    named = h.draft()
    h.directory.documents[named] = replace(h.directory.documents[named], drafting_unit="phòng  NỘI CHÍNH")
    case = (await h.call(h.api.StartOutgoing, pb.StartOutgoingRequest(document_id=named), DRAFTER)).case
    assert (case.unit_code, h.task(case, "review").assignee) == ("NC", "NC")

    chosen = (await h.call(h.api.StartOutgoing, pb.StartOutgoingRequest(document_id=h.draft(), unit_code="TH"),
                           DRAFTER)).case
    assert chosen.unit_code == "TH"
    first = (await h.call(h.api.StartOutgoing, pb.StartOutgoingRequest(document_id=h.draft()), DRAFTER)).case
    assert first.unit_code == "NC"  # neither named nor chosen: the first of the drafter's units by code
    refused = await h.refused(h.api.StartOutgoing, pb.StartOutgoingRequest(document_id=h.draft(), unit_code="VP"),
                              DRAFTER)
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT and "không phải đơn vị" in refused.details()


async def test_a_drafter_never_reviews_their_own_draft_not_even_as_a_deputy(harness: Harness) -> None:
    """Issue 13 second review: a drafter deputising for their unit's head, a head drafting while deputising for the
    leader who reviews it, and a leader drafting are each refused the review of their own draft; the task stays for
    someone else, and a returned draft's type (which chose its circuit) does not change."""
    h = harness
    await delegate(h, user=HEAD, deputy=DRAFTER, unit="TH")
    case = await h.started()
    refused = await h.refused(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=True, comment="tự duyệt"), DRAFTER)
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED and "không tự duyệt" in refused.details()
    assert (await h.call(h.api.GetCase, pb.GetCaseRequest(case_id=case.id), DRAFTER)).case.state == "in_review"

    await h.call(h.api.CreateDelegation, pb.CreateDelegationRequest(
        deputy=h.subject(HEAD), valid_from="2031-06-11", valid_to="2031-06-13", competence="TUQ.",
        reason="Đi công tác"), LEADER)
    own = await h.started(drafter=HEAD)
    assert h.task(own, "review").assignee == "leader"
    refused = await h.refused(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=own.id, version=own.version, approve=False, comment="tự trả lại"), HEAD)
    assert refused.code() == grpc.StatusCode.PERMISSION_DENIED
    returned = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=own.id, version=own.version, approve=False, comment="Sửa trích yếu"), LEADER)).case
    assert returned.state == "returned"
    changed_type = await h.refused(h.api.ReviseOutgoing, pb.ReviseOutgoingRequest(
        document_id=own.document_id, document=documents_pb2.DocumentInput(abstract="Bản sửa", type_code="to_trinh")),
        HEAD)
    assert changed_type.code() == grpc.StatusCode.FAILED_PRECONDITION and "loại văn bản" in changed_type.details()
    assert h.directory.revisions == []


async def test_a_draft_is_not_sent_for_comments_to_a_unit_without_a_head_naming_it_and_writing_nothing(
        harness: Harness) -> None:
    """Issue 14: xin ý kiến of a unit without a head (trưởng đơn vị) would land in nobody's inbox: refused before
    anything is written, naming the unit, as giao xử lý refuses one."""
    h = harness
    heads_everywhere(h)
    h.directory.without_head(UBND, "NC")
    case = await h.started()
    events = await h.events()
    refused = await h.refused(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=True, consult=["VP", "NC"]), HEAD)
    assert (refused.code(), refused.details()) == (
        grpc.StatusCode.INVALID_ARGUMENT, "Phòng Nội chính chưa có trưởng đơn vị: chưa ai nhận được dự thảo để cho ý "
        "kiến. Hãy chọn đơn vị khác hoặc nhờ quản trị gán trưởng đơn vị.")
    after = (await h.call(h.api.GetCase, pb.GetCaseRequest(case_id=case.id), HEAD)).case
    assert (after.state, after.version, len(after.steps)) == ("in_review", case.version, len(case.steps))
    assert await h.events() == events
