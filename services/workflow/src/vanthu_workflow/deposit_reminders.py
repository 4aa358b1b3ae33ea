"""The handler of the records service's deposit reminders (consumer ``workflow-deposit-reminders``, subjects
``vanthu.records.file.deposit_due`` and ``…deposit_overdue``; issue 16 item 6).

Decree 30/2020 Appendix VI I.III.5.b: files due for deposit are notified 30 days ahead. Each reminder becomes a
notification of the file's creator and of every archivist (lưu trữ) of the file's agency, as the registry's people
directory lists them (read with the workflow's own service token, naming the agency). Idempotent: each notification is
keyed ``<kind>:<file id>:<deadline>:<person>``, so a redelivered event writes nothing new.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

import grpc
from google.protobuf.message import Message
from sqlalchemy import select

from vanthu.records.v1 import events_pb2 as records_events
from vanthu.registry.v1 import registry_pb2, registry_pb2_grpc
from vanthu_core.events import meta_of
from vanthu_core.grpc_client import bearer_metadata, domain_error
from vanthu_core.service_token import ServiceTokens
from vanthu_workflow.directory import MemberInfo
from vanthu_workflow.notify import Words
from vanthu_workflow.store import NotificationRow, WorkflowStore

log = logging.getLogger("vanthu.workflow")
DEPOSIT_DUE, DEPOSIT_OVERDUE = "deposit_due", "deposit_overdue"
ARCHIVIST = "archivist"

#: The agency's people as the registry lists them (subject, username, roles, e-mail).
People = Callable[[str], Awaitable[list[MemberInfo]]]


def deposit_words(kind: str, title: str, file_code: str, deadline: date) -> Words:
    """The notification's words (Vietnamese, as the civil servant reads them)."""
    day = f"{deadline:%d/%m/%Y}"
    if kind == DEPOSIT_DUE:
        return Words(title=f"Hồ sơ sắp đến hạn nộp lưu: {title}",
                     body=f"Hồ sơ “{title}” (mã {file_code}) phải nộp lưu vào lưu trữ cơ quan trước ngày {day}.")
    return Words(title=f"Hồ sơ quá hạn nộp lưu: {title}",
                 body=f"Hồ sơ “{title}” (mã {file_code}) đã quá hạn nộp lưu vào lưu trữ cơ quan (hạn {day}).")


class RegistryPeople:
    """The registry's ``ListPeople`` for the agency an event names, with the workflow's service token."""

    def __init__(self, channel: grpc.aio.Channel, tokens: ServiceTokens) -> None:
        self.registry = registry_pb2_grpc.RegistryServiceStub(channel)
        self.tokens = tokens

    async def __call__(self, agency_code: str) -> list[MemberInfo]:
        try:
            reply = await self.registry.ListPeople(registry_pb2.ListPeopleRequest(agency_code=agency_code),
                                                   metadata=bearer_metadata(await self.tokens.token()), timeout=30)
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, "Dịch vụ văn bản: ") from error
        return [MemberInfo(unit_code="", subject=p.subject, username=p.username, name=p.name, position="",
                           email=p.email, roles=tuple(p.roles)) for p in reply.people if p.enabled]


class DepositReminders:
    """Writes the reminders' notifications; ``on_commit`` is called after a change."""

    def __init__(self, store: WorkflowStore, people: People, on_commit: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self.people = people
        self.on_commit = on_commit

    async def __call__(self, message: Message) -> None:
        if isinstance(message, records_events.FileDepositDue):
            kind = DEPOSIT_DUE
        elif isinstance(message, records_events.FileDepositOverdue):
            kind = DEPOSIT_OVERDUE
        else:
            log.warning("not a deposit reminder; dropped", extra={"type": message.DESCRIPTOR.full_name})
            return
        meta = meta_of(message)
        event: Any = message
        try:
            deadline = date.fromisoformat(event.deposit_deadline)
        except ValueError:
            deadline = None
        if not meta.agency_code or not event.file_id or deadline is None:
            log.warning("malformed deposit reminder dropped", extra={"event_id": meta.event_id})
            return
        recipients: dict[str, str] = {}
        if event.creator_subject:
            recipients[event.creator_subject] = ""
        for person in await self.people(meta.agency_code):
            if ARCHIVIST in person.roles or person.subject in recipients:
                recipients[person.subject] = person.email
        words = deposit_words(kind, event.title, event.file_code, deadline)
        keys = {who: f"{kind}:{event.file_id}:{deadline.isoformat()}:{who}" for who in recipients}
        written = 0
        async with self.store.sessions() as session, session.begin():
            done = set((await session.execute(select(NotificationRow.dedupe_key).where(
                NotificationRow.dedupe_key.in_(list(keys.values()))))).scalars())
            for who, email in recipients.items():
                if keys[who] in done:
                    continue
                await self.store._notify(session, meta.agency_code, who, kind, words, case_id="", task_id="",
                                         document_id="", email=email, dedupe_key=keys[who])
                written += 1
        if written:
            self.on_commit()
            log.info("deposit reminder notified", extra={"file_id": event.file_id, "kind": kind, "people": written})
