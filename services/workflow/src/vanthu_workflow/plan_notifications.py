"""The records service's file plan steps become notifications (consumer ``workflow-plan-notifications``, subjects
``vanthu.records.plan.submitted``, ``…approved`` and ``…returned``; issue 14's records review).

Decree 30/2020 Art. 28: the records office drafts the file plan (danh mục hồ sơ) and the head of the agency approves
it. When the clerk or archivist submits it (trình duyệt), every leader of the agency is told, as the registry's people
directory lists them (read with the workflow's own service token, naming the agency); when a leader approves it or
returns it with a reason, whoever submitted it is told. The submitter is never told of their own step. Each
notification leads to the plan's year in the web app (``/ho-so?nam=<year>``). Idempotent: each is keyed
``<kind>:<event id>:<person>``, so a redelivered event writes nothing new.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import select

from vanthu.records.v1 import events_pb2 as records_events
from vanthu_core.events import meta_of
from vanthu_workflow.deposit_reminders import People
from vanthu_workflow.notify import Words
from vanthu_workflow.store import NotificationRow, WorkflowStore

log = logging.getLogger("vanthu.workflow")
PLAN_SUBMITTED, PLAN_APPROVED, PLAN_RETURNED = "plan_submitted", "plan_approved", "plan_returned"
LEADER = "leader"


def plan_link(year: int) -> str:
    """The web app's page of the file plan of ``year``."""
    return f"/ho-so?nam={year}"


def plan_words(kind: str, event: Any) -> Words:
    """The notification's words (Vietnamese, as the civil servant reads them)."""
    plan = f"“{event.title}” (phiên bản {event.plan_version})"
    if kind == PLAN_SUBMITTED:
        return Words(title=f"Danh mục hồ sơ năm {event.year} chờ duyệt",
                     body=f"{event.submitter_name} trình duyệt danh mục hồ sơ {plan}. Đồng chí xem và phê duyệt "
                          "hoặc trả lại.")
    if kind == PLAN_APPROVED:
        return Words(title=f"Danh mục hồ sơ năm {event.year} đã được phê duyệt",
                     body=f"{event.approver_name} đã phê duyệt danh mục hồ sơ {plan}; các đơn vị lập hồ sơ theo "
                          "danh mục này.")
    return Words(title=f"Danh mục hồ sơ năm {event.year} bị trả lại",
                 body=f"{event.returner_name} trả lại danh mục hồ sơ {plan}. Lý do: {event.reason}. Đồng chí sửa "
                      "dự thảo rồi trình duyệt lại.")


class PlanNotifications:
    """Writes the plan steps' notifications; ``on_commit`` is called after a change."""

    def __init__(self, store: WorkflowStore, people: People, on_commit: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self.people = people
        self.on_commit = on_commit

    async def __call__(self, message: Message) -> None:
        kinds = {records_events.PlanSubmitted: PLAN_SUBMITTED, records_events.PlanApproved: PLAN_APPROVED,
                 records_events.PlanReturned: PLAN_RETURNED}
        kind = kinds.get(type(message))  # type: ignore[call-overload]
        if kind is None:
            log.warning("not a file plan step; dropped", extra={"type": message.DESCRIPTOR.full_name})
            return
        meta = meta_of(message)
        event: Any = message
        if not meta.agency_code or not event.plan_id or not event.year:
            log.warning("malformed file plan event dropped", extra={"event_id": meta.event_id})
            return
        if kind != PLAN_SUBMITTED and not event.submitter_subject:
            return  # approved without having been submitted: nobody waits for the answer
        people = await self.people(meta.agency_code)
        if kind == PLAN_SUBMITTED:
            recipients = {p.subject: p.email for p in people if LEADER in p.roles}
        else:
            emails = {p.subject: p.email for p in people}
            recipients = {event.submitter_subject: emails.get(event.submitter_subject, "")}
        if kind == PLAN_SUBMITTED:
            recipients.pop(event.submitter_subject, None)  # never told of one's own step
        words = plan_words(kind, event)
        keys = {who: f"{kind}:{meta.event_id}:{who}" for who in recipients}
        written = 0
        async with self.store.sessions() as session, session.begin():
            done = set((await session.execute(select(NotificationRow.dedupe_key).where(
                NotificationRow.dedupe_key.in_(list(keys.values()))))).scalars())
            for who, email in recipients.items():
                if keys[who] in done:
                    continue
                await self.store._notify(session, meta.agency_code, who, kind, words, case_id="", task_id="",
                                         document_id="", email=email, dedupe_key=keys[who],
                                         link=plan_link(event.year))
                written += 1
        if written:
            self.on_commit()
            log.info("file plan step notified", extra={"plan_id": event.plan_id, "kind": kind, "people": written})
