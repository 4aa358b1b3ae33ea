"""Thu hồi on the sender's side (regulations digest §1.4, §7.2 "ISSUED -> REVOKED").

:meth:`Revoker.revoke` (``RevokeDocument``, the clerk): every delivery of the document already sent gets a status 13
package — ``From`` the sender, ``ResponseFor/OrganId`` the recipient (the §1.4 note), the document's number, date
and DocumentId, the reason in ``Description`` — and waits for the recipient's 15 (đồng ý) or 16 (từ chối); a
delivery not sent yet (pending, failed) is cancelled here; a recipient that returned the document (02) is not asked
(it holds nothing to take back, and would never answer). Before that the registry marks the document ``pending``:
frozen (it cannot be cancelled) until every recipient answered, when :meth:`Revoker.settle` (called by the receiving
side on each 15 or 16) marks it ``settled``. A second revocation while one is pending is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from google.protobuf.message import Message

from vanthu_core.errors import FailedPrecondition, NotFound
from vanthu_core.ids import new_id
from vanthu_core.timeutil import Clock, utc_now
from vanthu_edxml import Organization, ResponseFor, StaffInfo, StatusCode
from vanthu_interchange import events
from vanthu_interchange.packages import split_number_symbol, status_package
from vanthu_interchange.peers import Registry
from vanthu_interchange.routing import LOCAL, Router
from vanthu_interchange.store import (
    RECEIPT_STATUS_CODES,
    REVOCATION_WAITING,
    DeliveryRow,
    DeliveryStatusRow,
    InterchangeStore,
    NewDelivery,
)

log = logging.getLogger("vanthu.interchange")


class Revoker:
    def __init__(self, store: InterchangeStore, registry: Registry, router: Router, *,
                 on_commit: Callable[[], None] | None = None, clock: Clock = utc_now) -> None:
        self.store = store
        self.registry = registry
        self.router = router
        self.on_commit = on_commit or (lambda: None)
        self.clock = clock

    async def revoke(self, agency: str, document_id: str, reason: str, staff: str,
                     actor: str = "") -> list[DeliveryRow]:
        """Take back the issued ``document_id`` of ``agency`` from its recipients; its deliveries after. ``staff``:
        the clerk's name for the status packages (13); ``actor``: their username for the document's history."""
        found = await self.store.deliveries_of(agency, document_id)
        if not found:
            raise NotFound(f"văn bản {document_id} của cơ quan chưa được gửi liên thông đến nơi nhận nào")
        if any(d.revocation == "pending" for d, _ in found):
            raise FailedPrecondition(REVOCATION_WAITING)
        document = await self.registry.record_revocation(agency, document_id, "pending", reason, "revoke",
                                                        actor=actor)
        sender = await self.registry.agency(agency)
        now = self.clock()
        packages: dict[str, tuple[str, bytes, str, NewDelivery]] = {}
        returned = frozenset(d.id for d, statuses in found if _returned(statuses))
        for delivery, _ in found:
            if delivery.state != "sent" or delivery.id in returned:
                continue
            built = status_package(
                reporter=Organization(agency_code=agency, name=sender.name if sender else None),
                response_for=ResponseFor(
                    agency_code=delivery.recipient_code, code=str(split_number_symbol(document.number_symbol)),
                    promulgation_date=_day(document.document_date), document_id=delivery.edxml_document_id),
                code=StatusCode.CANCELLATION, description=reason, staff=StaffInfo(staff=staff or None), at=now)
            route = self.router.route(delivery.recipient_code)
            packages[delivery.id] = (new_id(), built.body, built.sha256, NewDelivery(
                f"revoke/{delivery.id}/{len(_statuses_13(found, delivery))}", delivery.recipient_code,
                delivery.recipient_name, route, self.router.state(delivery.recipient_code),
                last_error=self.router.no_route(delivery.recipient_code)
                if self.router.state(delivery.recipient_code) == "failed" else "", status_code="13"))

        def announce(rows: list[DeliveryRow]) -> list[Message]:
            made: list[Message] = []
            for row in rows:
                if row.kind == "status":
                    if row.route == LOCAL:
                        made.append(events.dispatched(row))
                else:
                    made.append(events.delivery_updated(row, "13" if row.revocation == "pending" else ""))
            return made

        rows = await self.store.revoke(sender_code=agency, document_id=document_id, reason=reason, staff=staff,
                                       packages=packages, events=announce, returned=returned)
        self.on_commit()
        if not packages:  # nothing was sent: nobody to wait for
            await self.settle(agency, document_id)
        log.info("document revoked", extra={"document_id": document_id, "agency": agency,
                                            "asked": len(packages)})
        return rows

    async def settle(self, agency: str, document_id: str) -> None:
        """Unfreeze the document in the registry once no delivery waits for an answer (idempotent)."""
        if not await self.store.revocation_pending(agency, document_id):
            await self.registry.record_revocation(agency, document_id, "settled")


def _returned(statuses: list[DeliveryStatusRow]) -> bool:
    """Whether the recipient's last word on the document is 02 (returned, từ chối tiếp nhận): it holds no arrival
    to take back, and a 13 would wait for a 15 or 16 that never comes (its registry refuses a revocation of a
    returned arrival, so the request is held there), freezing the document for good."""
    codes = [s.code for s in statuses if s.code in RECEIPT_STATUS_CODES]
    return bool(codes) and codes[-1] == "02"


def _statuses_13(found: list[tuple[DeliveryRow, list[DeliveryStatusRow]]], delivery: DeliveryRow) -> list[str]:
    """The 13s already sent on ``delivery`` (a new revocation after a 16 takes the next key)."""
    return [s.package_id for d, statuses in found if d.id == delivery.id for s in statuses if s.code == "13"]


def _day(value: str) -> date | None:
    return date.fromisoformat(value[:10]) if value else None
