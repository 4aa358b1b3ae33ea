"""Every read of an archived object is in the archive's access log (Decree 30/2020 Appendix VI; issue 16 item 3).

Storage announces each read of a locked object (``vanthu.storage.object.read``, written to its outbox before the
first byte goes out), whatever the path: the gateway's ``/api/v1/files/{id}/content``, a download link, a service
reading with its own token. Records turns the reads of objects in its deposited files' version chains into
``download`` lines of those files (reads of other locked objects are not the archive's and are dropped). Asking
storage to announce, rather than the gateway to tell records, is what no path can bypass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC

from google.protobuf.message import Message

from vanthu.storage.v1 import events_pb2 as storage_events
from vanthu_records.store import RecordsStore

log = logging.getLogger("vanthu.records")


class ArchiveReads:
    """The ``records-archive-reads`` consumer's handler (:data:`vanthu_core.subjects.RECORDS_ARCHIVE_READS`)."""

    def __init__(self, store: RecordsStore, on_commit: Callable[[], None] = lambda: None) -> None:
        self.store = store
        self.on_commit = on_commit

    async def __call__(self, message: Message) -> None:
        if isinstance(message, storage_events.ObjectRead):
            await self.log(message)

    async def log(self, message: storage_events.ObjectRead) -> int:
        """Log one read; how many access lines it added (0: not an archived object, or logged already)."""
        obj = message.object
        if not obj.object_id or not obj.agency_code or not message.meta.event_id:
            log.warning("a storage read event without its object, agency or id was dropped")
            return 0
        at = message.meta.occurred_at.ToDatetime(tzinfo=UTC)
        added = await self.store.log_object_read(obj.agency_code, obj.object_id, message.reader or message.meta.actor,
                                                 at, message.meta.event_id)
        if added:
            log.info("an archived object was read", extra={"object_id": obj.object_id, "count": added})
        return added
