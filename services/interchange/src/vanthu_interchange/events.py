"""What interchange publishes (``proto/vanthu/interchange/v1/events.proto``), built from the rows that changed."""

from __future__ import annotations

from vanthu.interchange.v1 import events_pb2 as ev
from vanthu_core.events import new_meta
from vanthu_interchange.store import DeliveryRow

ACTOR = "vanthu-interchange"


def dispatched(delivery: DeliveryRow) -> ev.PackageDispatched:
    """A local delivery's package is on its way to its recipient (meta.agency: the recipient)."""
    return ev.PackageDispatched(meta=new_meta(actor=ACTOR, agency=delivery.recipient_code),
                                package_id=delivery.package_id, kind=delivery.kind,
                                sender_code=delivery.sender_code, recipient_code=delivery.recipient_code,
                                document_id=delivery.document_id)


def conversation(message: ev.PackageDispatched) -> str:
    """The ordering key of a dispatched package: its recipient and the document it is about (the sender and the
    recipient for an event written before the document was in it)."""
    return f"{message.recipient_code}/{message.document_id or message.sender_code}"


def delivery_updated(delivery: DeliveryRow, status_code: str = "") -> ev.DeliveryUpdated:
    """A delivery of the sender's changed (meta.agency: the sender)."""
    return ev.DeliveryUpdated(meta=new_meta(actor=ACTOR, agency=delivery.sender_code), delivery_id=delivery.id,
                              document_id=delivery.document_id, recipient_code=delivery.recipient_code,
                              state=delivery.state, status_code=status_code)


def received(*, recipient_code: str, package_id: str, kind: str, sender_code: str, document_id: str, outcome: str,
             reason: str = "") -> ev.PackageReceived:
    """A package was taken in for, or refused by, an agency of this installation (meta.agency: the recipient)."""
    return ev.PackageReceived(meta=new_meta(actor=ACTOR, agency=recipient_code), package_id=package_id, kind=kind,
                              sender_code=sender_code, document_id=document_id, outcome=outcome, reason=reason)
