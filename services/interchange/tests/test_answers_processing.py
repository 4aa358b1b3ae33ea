"""The arrival's processing answers its sender (issue 12, item 3; regulations digest §1.4 and §7.2): the workflow's
``assigned``, ``in_progress`` and ``completed`` events become status packages 04, 05 and 06 to the sender of the
package, once per event however often it is delivered; an arrival interchange did not bring (a paper one) and an event
of another agency answer nobody; the leader's instruction never leaves the agency."""

from __future__ import annotations

import pytest

from vanthu.workflow.v1 import events_pb2 as workflow_events
from vanthu_core.bus import PoisonMessage
from vanthu_core.events import new_meta
from vanthu_core.ids import new_id
from vanthu_edxml import StatusCode

pytestmark = pytest.mark.integration

SENDER, RECIPIENT, OTHER = "000.00.00.G22", "000.00.00.H41", "000.00.00.H14"
INSTRUCTION = "Giao Sở Nội vụ chủ trì, báo cáo UBND tỉnh trước ngày 20/6 — nội bộ, không gửi ra ngoài"


async def arrival(harness, make_body) -> str:  # type: ignore[no-untyped-def]
    receipt = await harness.take(make_body(), RECIPIENT, sender_code=SENDER)
    assert receipt.outcome == "accepted", receipt.reason
    return str(receipt.document_id)


def assigned(document_id: str, agency: str = RECIPIENT) -> workflow_events.IncomingAssigned:
    return workflow_events.IncomingAssigned(
        meta=new_meta(actor="lanhdao.nghean", agency=agency, actor_name="Hồ Đức Phớc"), case_id=new_id(),
        document_id=document_id,
        lead="unit:PNV", cooperating=["unit:VP", "unit:TH"], deadline="2031-06-24", instruction=INSTRUCTION,
        lead_name="Phòng Nội vụ – Đoàn thể")


async def test_assigned_in_progress_and_completed_go_back_as_04_05_06_once_each(harness, make_body) -> None:  # type: ignore[no-untyped-def]
    document_id = await arrival(harness, make_body)
    answers = harness.receiver.answers
    events = [assigned(document_id),
              workflow_events.IncomingInProgress(meta=new_meta(actor="chuyenvien.nghean", agency=RECIPIENT),
                                                 case_id=new_id(), document_id=document_id),
              workflow_events.IncomingCompleted(meta=new_meta(actor="chuyenvien.nghean", agency=RECIPIENT),
                                                case_id=new_id(), document_id=document_id,
                                                result="Đã tham mưu văn bản trả lời số 45/SNV-TCBC")]
    for event in events:
        await answers(event)
        await answers(event)  # redelivered: answered once
    sent = await harness.answers()
    assert [a.package.status_code for a in sent] == [StatusCode.INBOX.value, StatusCode.ASSIGNMENT.value,
                                                     StatusCode.PROCESSING.value, StatusCode.FINISH.value]
    assert all(a.delivery.recipient_code == SENDER for a in sent)
    four, five, six = (a.package for a in sent[1:])
    assert four.description == "Lãnh đạo đã phân công xử lý; chủ trì: Phòng Nội vụ – Đoàn thể; hạn xử lý: 24/06/2031"
    assert INSTRUCTION not in four.description and "unit:VP" not in four.description
    assert four.staff is not None and four.staff.staff == "Hồ Đức Phớc"  # the person's name, never their login
    assert five.staff is not None and five.staff.staff is None  # a step nobody is named for
    assert five.description == "Đang xử lý văn bản đến"
    assert six.description == "Hoàn thành xử lý văn bản đến: Đã tham mưu văn bản trả lời số 45/SNV-TCBC"
    assert all(p.response_for is not None and p.response_for.agency_code == SENDER for p in (four, five, six))


async def test_a_paper_arrival_or_another_agency_s_event_answers_nobody(harness, make_body) -> None:  # type: ignore[no-untyped-def]
    document_id = await arrival(harness, make_body)
    answers = harness.receiver.answers
    await answers(assigned(new_id()))  # an arrival entered by hand: no receipt, no electronic sender
    await answers(assigned(document_id, agency=OTHER))  # another agency naming this arrival
    assert [a.package.status_code for a in await harness.answers()] == [StatusCode.INBOX.value]


async def test_a_returned_case_is_not_a_status_of_its_own(harness) -> None:  # type: ignore[no-untyped-def]
    returned = workflow_events.IncomingReturned(meta=new_meta(actor="chuyenvien.nghean", agency=RECIPIENT),
                                                case_id=new_id(), document_id=new_id(), reason="Không đúng thẩm quyền")
    with pytest.raises(PoisonMessage):
        await harness.receiver.answers(returned)
