"""Status packages back to the sender of an arrival (regulations digest §1.4 and §7.2): 01 on arrival, 02 when it is
returned (refused by this installation, or by the recipient's clerk, with the reason), 03 when the clerk registers
it (vào sổ); 04, 05 and 06 as the workflow assigns it, the lead starts on it and completes it; 15 or 16 when the
clerk accepts or refuses the sender's revocation or update (with the reason).

The handler of ``vanthu.registry.document.registered`` and ``…rejected`` (consumers ``interchange-registered`` and
``interchange-rejected``), and of ``…revocation_accepted`` and ``…revocation_refused`` (consumers
``interchange-revocation-accepted`` and ``interchange-revocation-refused``), answers only arrivals interchange brought
(its receipt names them): a paper arrival has no electronic sender. Each answer is a status package with one delivery
keyed by the arrival and the event that caused it, so a redelivered event answers once. An answer to a sender reached
through the national axis is written ``pending`` and sent by the :class:`~vanthu_interchange.transmit.Transmitter`
(sendEdoc, ``messagetype`` status).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import date

from google.protobuf.message import Message

from vanthu.registry.v1 import events_pb2 as registry_events
from vanthu.workflow.v1 import events_pb2 as workflow_events
from vanthu_core.bus import PoisonMessage
from vanthu_core.events import meta_of
from vanthu_core.ids import new_id
from vanthu_core.timeutil import Clock, utc_now
from vanthu_edxml import Organization, ResponseFor, StaffInfo, StatusCode
from vanthu_interchange import events
from vanthu_interchange.packages import status_package
from vanthu_interchange.peers import Registry
from vanthu_interchange.routing import LOCAL, Router
from vanthu_interchange.store import DeliveryRow, InterchangeStore, NewDelivery, NewPackage, ReceiptRow

log = logging.getLogger("vanthu.interchange")


def response_for_columns(response_for: ResponseFor) -> dict[str, str]:
    """A ResponseFor as a receipt keeps it."""
    return {"agency_code": response_for.agency_code or "", "code": response_for.code or "",
            "promulgation_date": response_for.promulgation_date.isoformat() if response_for.promulgation_date else "",
            "document_id": response_for.document_id or ""}


def response_for_of_receipt(receipt: ReceiptRow) -> ResponseFor:
    kept = receipt.response_for or {}
    day = kept.get("promulgation_date") or ""
    return ResponseFor(agency_code=kept.get("agency_code") or receipt.sender_code,
                       code=kept.get("code") or None, promulgation_date=date.fromisoformat(day) if day else None,
                       document_id=kept.get("document_id") or receipt.edxml_document_id or None)


#: The workflow's events about an arrival's processing that its sender hears of (statuses 04, 05, 06).
WORKFLOW_EVENTS = (workflow_events.IncomingAssigned, workflow_events.IncomingInProgress,
                   workflow_events.IncomingCompleted)


def workflow_status(message: Message) -> tuple[StatusCode, str]:
    """The status and its description for a workflow event (regulations digest §1.4 and §7.2, from the official
    sample names): 04 phân công (who leads it and by when), 05 đang xử lý, 06 hoàn thành (with the result).

    Only what the sender may know leaves the agency: the lead unit or person's name and the deadline, never the
    leader's instruction (ý kiến chỉ đạo) nor the cooperating units. :raises PoisonMessage: another event."""
    if isinstance(message, workflow_events.IncomingAssigned):
        parts = ["Lãnh đạo đã phân công xử lý"]
        if message.lead_name:
            parts.append(f"chủ trì: {message.lead_name}")
        if message.deadline:
            with contextlib.suppress(ValueError):
                parts.append(f"hạn xử lý: {date.fromisoformat(message.deadline[:10]):%d/%m/%Y}")
        return StatusCode.ASSIGNMENT, "; ".join(parts)[:500]
    if isinstance(message, workflow_events.IncomingInProgress):
        return StatusCode.PROCESSING, "Đang xử lý văn bản đến"
    if isinstance(message, workflow_events.IncomingCompleted):
        result = f": {message.result}" if message.result else ""
        return StatusCode.FINISH, f"Hoàn thành xử lý văn bản đến{result}"[:500]
    raise PoisonMessage(f"not a step of an arrival's processing: {message.DESCRIPTOR.full_name}")


def _incoming_document(message: Message) -> str:
    """The incoming document a registry or workflow event is about ("" when the registry's is outgoing; the
    workflow's processing events are always about an incoming one)."""
    if isinstance(message, WORKFLOW_EVENTS):
        return str(message.document_id)
    document = message.document  # type: ignore[attr-defined]
    return str(document.document_id) if document.direction == "incoming" else ""


def answer_key(receipt: ReceiptRow, code: StatusCode, source: str) -> str:
    """The delivery key of the status ``code`` about ``receipt``'s package caused by ``source`` (an event id, or
    "arrival" for the first answer): the same answer is written once."""
    return f"status/{receipt.transport_id}/{receipt.recipient_code}/{code.value}/{source}"


class Answers:
    """Writes status packages to the sender of a receipt; also the handler of registered/rejected arrivals."""

    def __init__(self, store: InterchangeStore, registry: Registry, router: Router, *,
                 on_commit: Callable[[], None] | None = None, clock: Clock = utc_now) -> None:
        self.store = store
        self.registry = registry
        self.router = router
        self.on_commit = on_commit or (lambda: None)
        self.clock = clock

    async def __call__(self, message: Message) -> None:
        await self._handle(message)

    async def give_up(self, message: Message, reason: str) -> None:
        """The consumer gave up on a registry event (its answer could not be made however often it was tried): the
        answer is written ``failed`` with the reason (no registry lookup: the reporter's name is left out), visible
        in ``vanthu-interchange failed``; ``resend`` sends it."""
        with contextlib.suppress(PoisonMessage):
            await self._handle(message, failed=f"Không gửi được trạng thái, đã ngừng thử lại: {reason}")

    async def _handle(self, message: Message, failed: str = "") -> None:
        meta = meta_of(message)
        if isinstance(message, registry_events.DocumentRegistered):
            code, description = StatusCode.ACCEPTANCE, ""
        elif isinstance(message, registry_events.DocumentRejected):
            code, description = StatusCode.REJECTION, message.reason
        elif isinstance(message, registry_events.DocumentRevocationAccepted):
            code = StatusCode.CHANGE_ACCEPTANCE
            description = ("Văn thư đồng ý yêu cầu thu hồi văn bản" if message.kind != "update" else
                           "Văn thư đồng ý yêu cầu cập nhật văn bản")
        elif isinstance(message, registry_events.DocumentRevocationRefused):
            code, description = StatusCode.CHANGE_REJECTION, message.reason
        elif isinstance(message, WORKFLOW_EVENTS):
            code, description = workflow_status(message)
        else:
            raise PoisonMessage(f"not a registered or rejected arrival, an answer to a revocation nor a step of its "
                                f"processing: {message.DESCRIPTOR.full_name}")
        document_id = _incoming_document(message)
        if not document_id:
            return  # an outgoing document's event: its own sender has nobody to answer
        receipt = await self.store.receipt_of_arrival(meta.agency_code, document_id)
        if receipt is None:
            return  # not brought by interchange (a paper arrival): nobody to answer electronically
        await self.answer(receipt, code, description, staff=meta.actor_name, source=meta.event_id, failed=failed)

    async def answer(self, receipt: ReceiptRow, code: StatusCode, description: str, *, staff: str,
                     source: str, failed: str = "") -> DeliveryRow | None:
        """Send status ``code`` about ``receipt``'s package to its sender, once per (receipt, code, ``source``);
        ``failed``: write it failed with that reason instead (the consumer gave up; no registry lookup)."""
        if await self.store.existing_keys([answer_key(receipt, code, source)]):
            return None
        prepared = await self.prepare(receipt, code, description, staff=staff, source=source, failed=failed)
        rows = await self.store.add_package(
            package_id=prepared.package_id, kind=prepared.kind, sender_code=prepared.sender_code,
            edxml_document_id=prepared.edxml_document_id, body=prepared.body, sha256=prepared.sha256,
            document_id=prepared.document_id, deliveries=prepared.deliveries, events=prepared.events)
        if rows:
            self.on_commit()
            self.sent(code, rows[0])
        return rows[0] if rows else None

    async def prepare(self, receipt: ReceiptRow, code: StatusCode, description: str, *, staff: str,
                      source: str, failed: str = "", dispatch: bool = True) -> NewPackage:
        """The status package ``code`` about ``receipt``'s package with its delivery to the sender (keyed by the
        receipt, ``code`` and ``source``: written once), for the store to write (:meth:`answer`, or with the
        receipt itself: :meth:`~vanthu_interchange.store.InterchangeStore.add_receipt`). A delivery ``sent`` inside
        this installation is announced by its ``PackageDispatched`` unless ``dispatch`` is False (the caller takes
        the answer in for the sender in the same transaction)."""
        reporter = None if failed else await self.registry.agency(receipt.recipient_code)
        built = status_package(
            reporter=Organization(agency_code=receipt.recipient_code, name=reporter.name if reporter else None),
            response_for=response_for_of_receipt(receipt), code=code, description=description,
            staff=StaffInfo(staff=staff or None), at=self.clock())
        route = self.router.route(receipt.sender_code)
        state = "failed" if failed else self.router.state(receipt.sender_code)
        delivery = NewDelivery(answer_key(receipt, code, source), receipt.sender_code, "", route, state,
                               last_error=failed or (self.router.no_route(receipt.sender_code)
                                                     if state == "failed" else ""),
                               status_code=code.value)

        def announce(rows: list[DeliveryRow]) -> list[Message]:
            return [events.dispatched(row) for row in rows if row.route == LOCAL and row.state == "sent" and dispatch]

        return NewPackage(package_id=new_id(), kind="status", sender_code=receipt.recipient_code,
                          edxml_document_id=built.edxml_document_id, body=built.body, sha256=built.sha256,
                          document_id=receipt.document_id, deliveries=[delivery], events=announce,
                          status=built.status)

    @staticmethod
    def sent(code: StatusCode, row: DeliveryRow) -> None:
        """Log a status package written for sending."""
        log.info("status sent", extra={"code": code.value, "to": row.recipient_code,
                                       "document_id": row.edxml_document_id})
