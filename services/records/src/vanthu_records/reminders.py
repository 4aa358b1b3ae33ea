"""Deposit reminders (Decree 30/2020 Appendix VI I.III.5.b; issue 16 item 6): a file closed, returned or retained
whose deposit deadline is within 30 days gets one ``vanthu.records.file.deposit_due`` event, and one
``…deposit_overdue`` once the deadline has passed; each once per file and deadline (a retention's new deadline is
reminded again). The workflow turns them into notifications for the creator and the agency's archivists."""

from __future__ import annotations

import logging
from collections.abc import Callable

from vanthu.records.v1 import events_pb2 as ev
from vanthu_core.events import new_meta
from vanthu_core.timeutil import Clock, utc_now, vietnam_time
from vanthu_records.domain.files import deposit_flags, file_code
from vanthu_records.store import FileRow, RecordsStore

log = logging.getLogger("vanthu.records")
ACTOR = "vanthu-records"


def _event(kind: str, row: FileRow, clock: Clock) -> ev.FileDepositDue | ev.FileDepositOverdue:
    message_type = ev.FileDepositDue if kind == "due" else ev.FileDepositOverdue
    assert row.deposit_deadline is not None
    return message_type(meta=new_meta(actor=ACTOR, agency=row.agency_code, occurred_at=clock()), file_id=row.id,
                        file_code=file_code(row.agency_code, row.year, row.notation), title=row.title,
                        creator_subject=row.creator_subject, creator_username=row.creator_username,
                        deposit_deadline=row.deposit_deadline.isoformat())


class Reminders:
    def __init__(self, store: RecordsStore, *, clock: Clock = utc_now,
                 on_commit: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self.clock = clock
        self.on_commit = on_commit

    async def run(self) -> int:
        """One round; how many reminders it wrote."""
        today = vietnam_time(self.clock()).date()
        sent = 0
        for row in await self.store.pending_deposit():
            due, overdue = deposit_flags(row.state, row.deposit_deadline, today)
            kind = "overdue" if overdue else "due" if due else ""
            if kind and row.deposit_deadline is not None and await self.store.remind(
                    row.id, kind, row.deposit_deadline, _event(kind, row, self.clock)):
                sent += 1
        if sent:
            self.on_commit()
            log.info("deposit reminders written", extra={"count": sent})
        return sent
