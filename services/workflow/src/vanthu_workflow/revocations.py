"""The handler of ``vanthu.registry.document.revocation_accepted`` (consumer ``workflow-revocations``).

Issue 12 item 4: accepting a revocation cancels the open processing tasks of that document, with a note. The
registry publishes the event when the recipient's clerk accepts the sender's request (interchange answers 15); for a
revocation (kind ``revoke``) the arrival's content is gone, so its processing stops (:meth:`WorkflowStore.withdraw`).
An update (kind ``update``) replaces the content of the same document: its processing goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from google.protobuf.message import Message

from vanthu.registry.v1 import events_pb2 as registry_events
from vanthu_core.events import meta_of
from vanthu_workflow.store import Actor, WorkflowStore

log = logging.getLogger("vanthu.workflow")
E = TypeVar("E", registry_events.DocumentRevocationAccepted, registry_events.DocumentCancelled)

#: The note on the step that stops the processing (shown in the document's history and on the case).
WITHDRAWN_NOTE = ("Cơ quan gửi đã thu hồi văn bản và văn thư đã đồng ý thu hồi: dừng xử lý, các nhiệm vụ chưa "
                  "hoàn thành được hủy.")
#: The note on each task the revocation stopped (the inbox shows it with the task).
REVOKED_TASK_NOTE = "Văn bản đã bị thu hồi"
#: What replaces the revoked arrival's abstract, direction and result on its case and its notifications: the
#: registry removes the content and keeps the trail (issue 12 item 4; the registry's ``REVOKED_NOTE``).
REVOKED_CONTENT = "Văn bản đã bị thu hồi theo yêu cầu của cơ quan gửi; nội dung đã được xóa, chỉ giữ thông tin thu hồi"


def revoked_content(number_symbol: str, arrival_number: int = 0) -> str:
    """:data:`REVOKED_CONTENT` naming which arrival it was — its số, ký hiệu (the sender's) and its số đến, which the
    registry keeps as the revocation's trail — so the finished tasks (Đã xong, Đã xử lý) and notifications about
    several revoked arrivals can be told apart: "Văn bản số 05/UBND-VP (số đến 12) đã bị thu hồi …"."""
    number_symbol = " ".join(number_symbol.split())
    if not number_symbol and arrival_number <= 0:
        return REVOKED_CONTENT
    which = f"số {number_symbol}" if number_symbol else ""
    if arrival_number > 0:
        which = f"{which} (số đến {arrival_number})" if which else f"số đến {arrival_number}"
    return REVOKED_CONTENT.replace("Văn bản ", f"Văn bản {which} ", 1)


def document_event(message: Message, expected: type[E], what: str) -> tuple[E, str, str] | None:
    """(the event, its agency code, its document id) of a registry event about one document, or None — logged and
    dropped — for a message of another type than ``expected`` or one naming no agency or document (``what`` names it
    in the log)."""
    if not isinstance(message, expected):
        log.warning(f"not {what}; dropped", extra={"type": message.DESCRIPTOR.full_name})
        return None
    meta = meta_of(message)
    document_id = str(message.document.document_id)  # type: ignore[attr-defined]  # every E has a document
    if not meta.agency_code or not document_id:
        log.warning(f"malformed {what} dropped", extra={"event_id": meta.event_id})
        return None
    return message, meta.agency_code, document_id


class Revocations:
    """Stops the processing of revoked arrivals; ``on_commit`` wakes the outbox relay after a change."""

    def __init__(self, store: WorkflowStore, on_commit: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self.on_commit = on_commit

    async def __call__(self, message: Message) -> None:
        found = document_event(message, registry_events.DocumentRevocationAccepted, "an accepted revocation")
        if found is None or found[0].kind != "revoke":
            return  # an update: the same document with new content, processed on
        event, agency, document_id = found
        scrub = revoked_content(event.document.number_symbol, event.document.number)
        case = await self.store.withdraw(agency, document_id, comment=WITHDRAWN_NOTE, task_note=REVOKED_TASK_NOTE,
                                         scrub=scrub,
                                         actor=Actor(subject="", username=meta_of(message).actor or "vanthu-registry"))
        if case is not None:
            self.on_commit()
            log.info("processing stopped: the document was revoked", extra={
                "document_id": document_id, "agency": agency, "case_id": case.id})
