"""What the registry publishes and consumes on NATS.

Publishes the messages of ``proto/vanthu/registry/v1/events.proto`` through its outbox (built here, from the rows
that changed); consumes ``vanthu.signing.document.verified`` (:class:`SignatureChecks`): signing's verdict on an
arrival's files, recorded on the arrival of the agency the event names (an event naming another agency than the
document's changes nothing), once (a redelivery changes nothing and publishes nothing).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from google.protobuf.message import Message

from vanthu.registry.v1 import documents_pb2
from vanthu.registry.v1 import events_pb2 as ev
from vanthu.signing.v1 import events_pb2 as signing_events
from vanthu.workflow.v1 import events_pb2 as workflow_events
from vanthu_core.events import derived_id, meta_of, new_meta, occurred_at

if TYPE_CHECKING:
    from vanthu_registry.documents_store import DocumentStore
    from vanthu_registry.tables import DocumentRow

log = logging.getLogger("vanthu.registry")
DocumentEvent = TypeVar("DocumentEvent", bound=Message)


def document_state(row: DocumentRow) -> ev.DocumentState:
    """The document as every one of its events describes it."""
    return ev.DocumentState(document_id=row.id, direction=row.direction, status=row.status,
                            number_symbol=row.number_symbol or "", number=row.number or 0)


def document_event(event_type: type[DocumentEvent], row: DocumentRow, actor: str, occurred_at: datetime, *,
                   event_id: str | None = None, **fields: Any) -> DocumentEvent:
    """A document event of the agency holding ``row``: the envelope, the document's state and ``fields``."""
    return event_type(meta=new_meta(actor=actor, agency=row.agency_code, occurred_at=occurred_at, event_id=event_id),
                      document=document_state(row), **fields)


def file_messages(entries: Iterable[dict[str, str]] | None) -> list[documents_pb2.DocumentFile]:
    """A ``files`` column as the events carry it."""
    return [documents_pb2.DocumentFile(object_id=f["object_id"], sha256=f.get("sha256", ""), role=f.get("role", ""),
                                       file_name=f.get("file_name", ""), content_type=f.get("content_type", ""))
            for f in entries or []]


def recipient_messages(entries: Iterable[dict[str, str]] | None) -> list[documents_pb2.Recipient]:
    """A ``recipients`` column as the events carry it."""
    return [documents_pb2.Recipient(agency_code=r.get("agency_code", ""), name=r.get("name", ""))
            for r in entries or []]


class SignatureChecks:
    """The handler of ``vanthu.signing.document.verified`` (consumer ``registry-signature-checks``)."""

    def __init__(self, documents: DocumentStore, on_commit: Callable[[], None] | None = None) -> None:
        self.documents = documents
        self.on_commit = on_commit or (lambda: None)

    async def __call__(self, message: Message) -> None:
        if not isinstance(message, signing_events.DocumentVerified):
            log.warning("not a verification verdict; dropped", extra={"type": message.DESCRIPTOR.full_name})
            return
        meta = meta_of(message)
        if not meta.agency_code or not message.document_id:
            log.warning("malformed signature check event dropped", extra={"event_id": meta.event_id})
            return
        changed = await self.documents.record_signature_check(
            agency_code=meta.agency_code, document_id=message.document_id, valid=message.valid, note=message.note,
            actor=meta.actor, event_id=derived_id(meta.event_id, "signature_checked"),
            signers=[line for f in message.files for line in f.signers])
        if changed is not None:
            self.on_commit()


class WorkflowSteps:
    """The handler of ``vanthu.workflow.step.recorded`` (consumer ``registry-workflow-steps``): the document's history
    shows its processing (issue 13, item 8), and the document's audience follows the case (item 7)."""

    def __init__(self, documents: DocumentStore, on_commit: Callable[[], None] | None = None) -> None:
        self.documents = documents
        self.on_commit = on_commit or (lambda: None)

    async def __call__(self, message: Message) -> None:
        if not isinstance(message, workflow_events.StepRecorded):
            log.warning("not a workflow step; dropped", extra={"type": message.DESCRIPTOR.full_name})
            return
        meta = meta_of(message)
        if not meta.agency_code or not message.document_id:
            log.warning("malformed workflow step dropped", extra={"event_id": meta.event_id})
            return
        changed = await self.documents.record_workflow_step(
            agency_code=meta.agency_code, document_id=message.document_id, actor=meta.actor,
            at=occurred_at(message), step=message.action, from_state=message.from_state, to_state=message.to_state,
            comment=message.comment, on_behalf_of=message.on_behalf_of, competence=message.competence,
            # a step of a workflow that did not say who it gives the document to (before issue 13 item 7) changes
            # no audience; otherwise the set of the latest step (audience_seq) is kept
            audience=list(message.audience) if message.audience_seq else None, audience_seq=message.audience_seq,
            event_id=derived_id(meta.event_id, "audience_changed"))
        if changed:
            self.on_commit()
