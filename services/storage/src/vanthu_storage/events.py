"""What storage publishes on NATS: the messages of ``proto/vanthu/storage/v1/events.proto``, built here from the
object that changed (storage consumes nothing)."""

from __future__ import annotations

from datetime import datetime

from vanthu.storage.v1 import events_pb2 as ev
from vanthu.storage.v1 import storage_pb2
from vanthu_core.events import new_meta
from vanthu_storage.domain.retention import ObjectInfo


def stored_object(obj: ObjectInfo) -> storage_pb2.StoredObject:
    """An object as the API answers it and the events carry it."""
    return storage_pb2.StoredObject(
        object_id=obj.object_id, agency_code=obj.agency_code, sha256=obj.sha256, size=obj.size,
        content_type=obj.content_type, file_name=obj.file_name, uploaded_by=obj.uploaded_by,
        created_at=obj.created_at.isoformat(), referenced=obj.referenced, references=list(obj.references),
        retain_until=obj.retain_until.isoformat() if obj.retain_until else "", legal_hold=obj.legal_hold)


def stored(obj: ObjectInfo, actor: str, now: datetime | None = None) -> ev.ObjectStored:
    return ev.ObjectStored(meta=new_meta(actor=actor, agency=obj.agency_code, occurred_at=now),
                           object=stored_object(obj))


def deleted(obj: ObjectInfo, actor: str, reason: str, now: datetime | None = None) -> ev.ObjectDeleted:
    return ev.ObjectDeleted(meta=new_meta(actor=actor, agency=obj.agency_code, occurred_at=now),
                            object=stored_object(obj), reason=reason)


def locked(obj: ObjectInfo, actor: str, now: datetime | None = None) -> ev.ObjectLocked:
    return ev.ObjectLocked(meta=new_meta(actor=actor, agency=obj.agency_code, occurred_at=now),
                           object=stored_object(obj))


def read(obj: ObjectInfo, actor: str, reader: str, offset: int, length: int,
         now: datetime | None = None) -> ev.ObjectRead:
    return ev.ObjectRead(meta=new_meta(actor=actor, agency=obj.agency_code, occurred_at=now),
                         object=stored_object(obj), reader=reader, offset=offset, length=length)
