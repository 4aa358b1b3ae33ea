"""``/api/v1/documents/{id}/deliveries``: where an outgoing document went (liên thông), recipient by recipient, with
every status each sent back (01 đã đến, 02 từ chối, 03 đã tiếp nhận, …), when and who; and resending a failed
delivery; taking a sent document back (thu hồi: status 13 to each recipient, 15 or 16 back). The interchange service
checks the role and the agency again."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import Field

from vanthu.interchange.v1 import interchange_pb2 as pb
from vanthu_core.auth import Principal
from vanthu_core.errors import Unavailable
from vanthu_core.policy import INTERCHANGE
from vanthu_core.spreadsheet import XLSX_TYPE
from vanthu_gateway.access import calls
from vanthu_gateway.auth import authenticated, forward
from vanthu_gateway.disposition import attachment
from vanthu_gateway.schema import IsoDate, RequestBody, ResponseBody

router = APIRouter(prefix="/api/v1", tags=["interchange"])
User = Annotated[Principal, Depends(authenticated)]
Id = Annotated[str, Field(max_length=64)]


class DeliveryStatusOut(ResponseBody):
    code: str = Field(description="01 đã đến, 02 từ chối tiếp nhận, 03 đã tiếp nhận, 04 phân công, 05 đang xử lý, "
                                  "06 hoàn thành, 15/16 đồng ý/từ chối lấy lại")
    name: str = Field(description="the code's meaning in Vietnamese")
    description: str = Field(description="the recipient's words (the reason of a 02 or 16)")
    staff: str = Field(description="who acted, as the status package names them (StaffInfo: department and person, "
                                   "e.g. \"Văn phòng Bộ, Trần Thị Lan\"); empty when nobody is named (01 on arrival)")
    at: str = Field(description="when the recipient says it happened (ISO 8601, +07:00)")
    received_at: str


class DeliveryOut(ResponseBody):
    id: str
    document_id: str
    edxml_document_id: str
    recipient_code: str
    recipient_name: str
    route: str = Field(description="local (this installation), peer, axis (the national axis), none (no route)")
    state: str = Field(description="pending, sent, failed (resend it), cancelled")
    attempts: int
    last_error: str
    created_at: str
    sent_at: str
    last_status: str
    statuses: list[DeliveryStatusOut]
    revocation: str = Field("", description="thu hồi: pending (13 gửi, chờ trả lời), accepted (15), refused (16), "
                                            "cancelled (chưa gửi: đã hủy gửi)")
    revocation_reason: str = Field("", description="the clerk's reason, or the recipient's reason for a 16")


class RevokeIn(RequestBody):
    reason: str = Field(description="lý do thu hồi (sent to every recipient in the status 13)")


def _interchange(request: Request) -> Any:
    stub = request.app.state.clients.interchange
    if stub is None:
        raise Unavailable("Dịch vụ liên thông chưa được triển khai trên hệ thống này: báo quản trị hệ thống.")
    return stub


def _out(d: pb.Delivery) -> DeliveryOut:
    return DeliveryOut(
        id=d.id, document_id=d.document_id, edxml_document_id=d.edxml_document_id, recipient_code=d.recipient_code,
        recipient_name=d.recipient_name, route=d.route, state=d.state, attempts=d.attempts, last_error=d.last_error,
        created_at=d.created_at, sent_at=d.sent_at, last_status=d.last_status,
        statuses=[DeliveryStatusOut(code=s.code, name=s.name, description=s.description, staff=s.staff, at=s.at,
                                    received_at=s.received_at) for s in d.statuses],
        revocation=d.revocation, revocation_reason=d.revocation_reason)


@router.get("/documents/{document_id}/deliveries", response_model=list[DeliveryOut],
            summary="Where an outgoing document went: one delivery per recipient, with the statuses sent back")
@calls(INTERCHANGE + "ListDeliveries")
async def list_deliveries(request: Request, principal: User, document_id: Id) -> list[DeliveryOut]:
    reply = await _interchange(request).ListDeliveries(pb.ListDeliveriesRequest(document_id=document_id),
                                                       metadata=forward(principal))
    return [_out(d) for d in reply.deliveries]


@router.post("/deliveries/{delivery_id}/resend", response_model=DeliveryOut,
             summary="Send a failed delivery again (it is retried until it goes or fails again)")
@calls(INTERCHANGE + "ResendDelivery")
async def resend_delivery(request: Request, principal: User, delivery_id: Id) -> DeliveryOut:
    reply = await _interchange(request).ResendDelivery(pb.ResendDeliveryRequest(delivery_id=delivery_id),
                                                       metadata=forward(principal))
    return _out(reply.delivery)


class AgencyStatisticsOut(ResponseBody):
    agency_code: str
    agency_name: str
    packages_sent: int = Field(description="văn bản đã gửi")
    deliveries: int = Field(description="lượt gửi, one per recipient")
    deliveries_failed: int
    packages_received: int = Field(description="văn bản đã nhận (arrivals)")
    packages_returned: int = Field(description="packages this agency returned (02 sent)")
    returned_by_recipients: int = Field(description="deliveries recipients returned (02 received)")
    revocations_sent: int = Field(description="take-back requests sent (13)")
    revocations_accepted: int = Field(description="deliveries whose recipient gave the document back (15 received)")
    revocations_refused: int = Field(description="deliveries whose recipient refused to give it back (16 received)")
    acknowledgements_overdue: int = Field(description="deliveries whose 01 did not come back the same day")




@router.get("/interchange/statistics", response_model=list[AgencyStatisticsOut],
            summary="Exchange statistics of your agency and those under it, for a period (counts only)")
@calls(INTERCHANGE + "GetExchangeStatistics")
async def statistics(request: Request, principal: User, date_from: IsoDate, date_to: IsoDate,
                     ) -> list[AgencyStatisticsOut]:
    reply = await _interchange(request).GetExchangeStatistics(pb.GetExchangeStatisticsRequest(
        date_from=date_from.isoformat(), date_to=date_to.isoformat()), metadata=forward(principal))
    return [AgencyStatisticsOut(
        agency_code=r.agency_code, agency_name=r.agency_name, packages_sent=r.packages_sent, deliveries=r.deliveries,
        deliveries_failed=r.deliveries_failed, packages_received=r.packages_received,
        packages_returned=r.packages_returned, returned_by_recipients=r.returned_by_recipients,
        revocations_sent=r.revocations_sent, revocations_accepted=r.revocations_accepted,
        revocations_refused=r.revocations_refused, acknowledgements_overdue=r.acknowledgements_overdue)
        for r in reply.rows]


@router.get("/interchange/statistics/export", response_class=Response,
            responses={200: {"description": "the statistics as a workbook",
                             "content": {XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}}}}},
            summary="Exchange statistics as an XLSX workbook")
@calls(INTERCHANGE + "GetExchangeStatistics")
async def statistics_export(request: Request, principal: User, date_from: IsoDate, date_to: IsoDate) -> Response:
    reply = await _interchange(request).GetExchangeStatistics(pb.GetExchangeStatisticsRequest(
        date_from=date_from.isoformat(), date_to=date_to.isoformat(), format="xlsx"), metadata=forward(principal))
    return Response(content=reply.xlsx, media_type=XLSX_TYPE,
                    headers={"Content-Disposition": attachment(reply.file_name)})


@router.post("/documents/{document_id}/revoke", response_model=list[DeliveryOut],
             summary="Take an issued document back (thu hồi, clerk): status 13 with the reason to every recipient "
                     "that received it, deliveries not sent yet cancelled; the document is frozen until each answers "
                     "15 (đồng ý) or 16 (từ chối)")
@calls(INTERCHANGE + "RevokeDocument")
async def revoke_document(request: Request, principal: User, document_id: Id, body: RevokeIn) -> list[DeliveryOut]:
    reply = await _interchange(request).RevokeDocument(
        pb.RevokeDocumentRequest(document_id=document_id, reason=body.reason), metadata=forward(principal))
    return [_out(d) for d in reply.deliveries]
