"""The handler of ``vanthu.registry.document.cancelled`` (consumer ``workflow-cancellations``).

A clerk or a leader cancels a document in the registry (hủy văn bản: a draft no longer to be issued, an arrival
entered by mistake). Its work stops with it (issue 13 review): the outgoing circuit of a cancelled draft, or the
processing of a cancelled arrival, is ``withdrawn``, its open tasks withdrawn ("Văn bản đã bị hủy": their holders
find them among their finished tasks and still open the document), a step saying why — so nobody is left with a
review, a signature or an assignment on a document that no longer exists. A redelivered event changes nothing
(:meth:`WorkflowStore.withdraw`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from google.protobuf.message import Message

from vanthu.registry.v1 import events_pb2 as registry_events
from vanthu_core.events import meta_of
from vanthu_workflow.revocations import document_event
from vanthu_workflow.store import Actor, WorkflowStore

log = logging.getLogger("vanthu.workflow")
#: The note on each task the cancellation stopped (the inbox shows it with the task).
CANCELLED_TASK_NOTE = "Văn bản đã bị hủy"


def cancelled_note(reason: str) -> str:
    """The note on the step that stops the case (shown on the case and in the document's history)."""
    said = f" Lý do: {reason.strip()}" if reason.strip() else ""
    return "Văn bản đã bị hủy: dừng quy trình, các việc chưa hoàn thành được hủy." + said


class Cancellations:
    """Stops the case of a cancelled document; ``on_commit`` wakes the outbox relay after a change."""

    def __init__(self, store: WorkflowStore, on_commit: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self.on_commit = on_commit

    async def __call__(self, message: Message) -> None:
        found = document_event(message, registry_events.DocumentCancelled, "a cancelled document")
        if found is None:
            return
        event, agency, document_id = found
        case = await self.store.withdraw(agency, document_id, comment=cancelled_note(event.reason),
                                         actor=Actor(subject="", username=meta_of(message).actor or "vanthu-registry"),
                                         outgoing=True, task_note=CANCELLED_TASK_NOTE)
        if case is not None:
            self.on_commit()
            log.info("work stopped: the document was cancelled", extra={
                "document_id": document_id, "agency": agency, "case_id": case.id})
