"""gRPC ``vanthu.interchange.v1.InterchangeService``: the deliveries of a document (the sender's timeline),
resending a failed one, and revoking a sent document (thu hồi, :mod:`vanthu_interchange.revoking`). People see only
their own agency's deliveries (the access table, then the agency check)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import grpc

from vanthu.interchange.v1 import interchange_pb2, interchange_pb2_grpc
from vanthu_core import policy
from vanthu_core.errors import FailedPrecondition, InvalidArgument, NotFound
from vanthu_core.text import clean_text
from vanthu_core.timeutil import Clock, iso_vietnam, utc_now
from vanthu_interchange.packages import STATUS_NAMES
from vanthu_interchange.peers import Registry
from vanthu_interchange.revoking import Revoker
from vanthu_interchange.statistics import exchange_statistics, inactive_between, to_xlsx
from vanthu_interchange.store import DeliveryRow, DeliveryStatusRow, InterchangeStore

#: The longest period one request covers.
MAX_STATISTICS_DAYS = 366
#: A delivery's state as a sentence says it (the web's outgoing messages name them the same way).
DELIVERY_STATE_NAMES = {"pending": "đang chờ gửi", "sent": "đã gửi", "failed": "gửi không thành công",
                        "cancelled": "đã hủy gửi"}


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


def delivery_to_proto(row: DeliveryRow, statuses: list[DeliveryStatusRow]) -> interchange_pb2.Delivery:
    return interchange_pb2.Delivery(
        id=row.id, document_id=row.document_id, edxml_document_id=row.edxml_document_id, package_id=row.package_id,
        recipient_code=row.recipient_code, recipient_name=row.recipient_name, route=row.route, state=row.state,
        attempts=row.attempts, last_error=row.last_error, created_at=_iso(row.created_at), sent_at=_iso(row.sent_at),
        statuses=[interchange_pb2.DeliveryStatus(
            code=s.code, name=STATUS_NAMES.get(s.code, s.code), description=s.description, staff=s.staff,
            at=iso_vietnam(s.at) if s.at else "", received_at=_iso(s.received_at)) for s in statuses],
        last_status=statuses[-1].code if statuses else "", revocation=row.revocation,
        revocation_reason=row.revocation_reason)


class InterchangeApi(interchange_pb2_grpc.InterchangeServiceServicer):
    def __init__(self, store: InterchangeStore, registry: Registry | None = None,
                 on_resend: Callable[[], None] | None = None, revoker: Revoker | None = None,
                 clock: Clock = utc_now) -> None:
        self.store = store
        self.registry = registry
        self.on_resend = on_resend or (lambda: None)
        self.clock = clock
        self.revoker = revoker

    async def ListDeliveries(self, request: interchange_pb2.ListDeliveriesRequest,
                             context: grpc.aio.ServicerContext) -> interchange_pb2.ListDeliveriesResponse:
        _, agency = policy.require()
        if not request.document_id.strip():
            raise InvalidArgument("document_id", "chưa nhập: đây là thông tin bắt buộc.")
        found = await self.store.deliveries_of(agency, request.document_id.strip())
        return interchange_pb2.ListDeliveriesResponse(deliveries=[delivery_to_proto(r, s) for r, s in found])

    async def ResendDelivery(self, request: interchange_pb2.ResendDeliveryRequest,
                             context: grpc.aio.ServicerContext) -> interchange_pb2.ResendDeliveryResponse:
        _, agency = policy.require()
        existing = await self.store.delivery(request.delivery_id.strip())
        if existing is None or existing.sender_code != agency:
            raise NotFound(f"Không tìm thấy lượt gửi {request.delivery_id}.")
        row = await self.store.reopen(existing.id, agency)
        if row is None:
            state = DELIVERY_STATE_NAMES.get(existing.state, existing.state)
            raise FailedPrecondition(f"Lượt gửi {existing.id} {state}: chỉ gửi lại được lượt gửi không thành công.")
        self.on_resend()
        return interchange_pb2.ResendDeliveryResponse(delivery=delivery_to_proto(row, []))

    async def RevokeDocument(self, request: interchange_pb2.RevokeDocumentRequest,
                             context: grpc.aio.ServicerContext) -> interchange_pb2.RevokeDocumentResponse:
        principal, agency = policy.require()
        if not request.document_id.strip():
            raise InvalidArgument("document_id", "chưa nhập: đây là thông tin bắt buộc.")
        reason = clean_text("reason", request.reason, max_len=500)
        if self.revoker is None:
            raise FailedPrecondition("Chưa thu hồi được: dịch vụ liên thông đang chạy không có sổ đăng ký "
                                     "(registry); báo quản trị hệ thống.")
        await self.revoker.revoke(agency, request.document_id.strip(), reason, principal.name,
                                  actor=principal.username)
        found = await self.store.deliveries_of(agency, request.document_id.strip())
        return interchange_pb2.RevokeDocumentResponse(deliveries=[delivery_to_proto(r, s) for r, s in found])

    async def GetExchangeStatistics(self, request: interchange_pb2.GetExchangeStatisticsRequest,
                                    context: grpc.aio.ServicerContext) -> interchange_pb2.GetExchangeStatisticsResponse:
        _, agency = policy.require()
        date_from, date_to = _date("date_from", request.date_from), _date("date_to", request.date_to)
        if date_to < date_from or (date_to - date_from).days > MAX_STATISTICS_DAYS:
            raise InvalidArgument("date_to", f"phải bằng hoặc sau Từ ngày, cách nhiều nhất {MAX_STATISTICS_DAYS} ngày.")
        if request.format not in ("", "xlsx"):
            raise InvalidArgument("format", "phải để trống (xem trên màn hình) hoặc là xlsx.")
        if self.registry is None:
            raise FailedPrecondition("Chưa cấu hình registry nên chưa biết các cơ quan trực thuộc: báo quản trị hệ "
                                     "thống.")
        subtree = await self.registry.subtree(agency)
        rows = await exchange_statistics(self.store, {code: a.name for code, a in subtree.items()}, date_from, date_to,
                                         self.clock, inactive=inactive_between(subtree.values(), date_from, date_to))
        reply = interchange_pb2.GetExchangeStatisticsResponse(rows=[
            interchange_pb2.AgencyExchangeStatistics(agency_code=r.agency_code, agency_name=r.agency_name,
                                                     **r.counters()) for r in rows])
        if request.format == "xlsx":
            reply.xlsx = to_xlsx(rows, date_from, date_to)
            reply.file_name = f"thong-ke-lien-thong-{date_from:%Y%m%d}-{date_to:%Y%m%d}.xlsx"
        return reply


def _date(field: str, value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidArgument(field, "chưa nhập hoặc sai dạng: cần ngày dạng YYYY-MM-DD.") from None
