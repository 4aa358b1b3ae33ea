"""Domain events on the wire: protobuf messages (``proto/vanthu/<service>/v1/events.proto``) with one envelope.

Every event message has the envelope :class:`EventMeta` as field 1 (event id, occurred-at, actor, agency, trace
context) and names its subject (see :mod:`vanthu_core.subjects`). On NATS the payload is the serialized message
and ``Nats-Msg-Id`` is the event id, so JetStream drops a re-publish. Text is NFC-normalised on the way out.

An event made in answer to another (a consumer's follow-up) takes :func:`derived_id` of the source event, so a
redelivered source makes the same follow-up, which the outbox and JetStream then drop.

Messages published before events became protobuf (a JSON envelope ``{"id", "subject", "occurred_at", "actor",
"agency", "data"}``) are still read by :func:`decode`, mapped onto the same message by field name.
"""

from __future__ import annotations

import contextlib
import json
import unicodedata
import uuid
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import DecodeError, Message
from opentelemetry import context as otel_context
from opentelemetry import propagate

from vanthu.common.v1.events_pb2 import EventMeta
from vanthu_core.auth import optional_principal
from vanthu_core.ids import new_id
from vanthu_core.subjects import EVENT_TYPES, subject_of

__all__ = ["EventMeta", "UndecodableEvent", "decode", "derived_id", "encode", "meta_of", "new_meta", "subject_of",
           "trace_headers"]

#: Namespace of the ids derived from another event's id (UUIDv5).
_DERIVED = uuid.UUID("6f1c2a57-3f0e-4d43-9a3b-5d0f3c1e8b21")


class UndecodableEvent(ValueError):
    """A payload that is not the event its subject says (or a subject no event is published on)."""


def trace_headers() -> dict[str, str]:
    """The current trace context as W3C headers (``traceparent``, ``tracestate``)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


@contextlib.contextmanager
def continuing(carrier: Mapping[str, str] | None) -> Iterator[None]:
    """The trace context of ``carrier`` (W3C headers, as :func:`trace_headers` gives them) current within the block,
    so that what is recorded there (outbox events, calls) continues that trace: one item of a batch continues the
    trace of the message it came in. Nothing changes when ``carrier`` is empty."""
    if not carrier:
        yield
        return
    token = otel_context.attach(propagate.extract(dict(carrier)))
    try:
        yield
    finally:
        otel_context.detach(token)


def new_meta(*, actor: str, agency: str | None, occurred_at: datetime | None = None,
             event_id: str | None = None, actor_name: str | None = None) -> EventMeta:
    """The envelope of a new event: a new id (or ``event_id``), ``occurred_at`` (now) and the current trace.

    ``actor_name``: the acting person's name; by default that of the person whose call is being served when
    ``actor`` is that person (their username or subject), else empty (a service, or a consumer's follow-up)."""
    if actor_name is None:
        principal = optional_principal()
        actor_name = (principal.name if principal is not None and not principal.is_service
                      and actor in (principal.username, principal.subject) else "")
    meta = EventMeta(event_id=event_id or new_id(), actor=actor, agency_code=agency or "", actor_name=actor_name)
    meta.occurred_at.FromDatetime((occurred_at or datetime.now(UTC)).astimezone(UTC))
    carrier = trace_headers()
    meta.traceparent = carrier.get("traceparent", "")
    meta.tracestate = carrier.get("tracestate", "")
    return meta


def derived_id(source_event_id: str, purpose: str) -> str:
    """The id of the event made for ``purpose`` in answer to ``source_event_id``: the same on every redelivery."""
    return str(uuid.uuid5(_DERIVED, f"{source_event_id}/{purpose}"))


def meta_of(message: Message) -> EventMeta:
    """The envelope of an event message."""
    meta = getattr(message, "meta", None)
    if not isinstance(meta, EventMeta):
        raise TypeError(f"{message.DESCRIPTOR.full_name} is not an event message (no EventMeta meta = 1)")
    return meta


def occurred_at(message: Message) -> datetime:
    """When the event happened (UTC)."""
    return meta_of(message).occurred_at.ToDatetime(tzinfo=UTC)


def encode(message: Message) -> bytes:
    """The wire form of an event (text NFC-normalised); the message must name its subject and have an id."""
    subject_of(message)
    if not meta_of(message).event_id:
        raise ValueError(f"{message.DESCRIPTOR.full_name} has no event id")
    _nfc(message)
    return message.SerializeToString(deterministic=True)


def decode(subject: str, payload: bytes) -> Message:
    """The event published on ``subject``; :class:`UndecodableEvent` when it cannot be that event."""
    message_type = EVENT_TYPES.get(subject)
    if message_type is None:
        raise UndecodableEvent(f"no event is published on {subject}")
    if payload[:1] == b"{":  # a protobuf event starts with field 1 (0x0a); a JSON envelope with "{"
        return _from_json_envelope(message_type, payload)
    message = message_type()
    try:
        message.ParseFromString(payload)
    except DecodeError as exc:
        raise UndecodableEvent(f"not a {message_type.DESCRIPTOR.full_name}: {exc}") from None
    if not meta_of(message).event_id:
        raise UndecodableEvent(f"a {message_type.DESCRIPTOR.full_name} without an event id")
    return message


def _from_json_envelope(message_type: type[Message], payload: bytes) -> Message:
    """An event published as JSON before events were protobuf: the envelope into ``meta``, ``data`` by field name
    (the document's own fields into a nested message such as ``document``)."""
    try:
        raw: dict[str, Any] = json.loads(payload)
        data = {k: v for k, v in dict(raw.get("data") or {}).items() if v is not None}
        fields = message_type.DESCRIPTOR.fields_by_name
        nested: dict[str, dict[str, Any]] = {}
        for field in fields.values():
            if field.name == "meta" or field.name in data or field.message_type is None or field.is_repeated:
                continue
            taken = {k: data.pop(k) for k in list(data) if k in field.message_type.fields_by_name}
            if taken:
                nested[field.name] = taken
        message = message_type()
        json_format.ParseDict({**{k: v for k, v in data.items() if k in fields}, **nested}, message,
                              ignore_unknown_fields=True)
        meta = meta_of(message)
        meta.event_id, meta.actor, meta.agency_code = str(raw["id"]), str(raw.get("actor", "")), raw.get("agency") or ""
        meta.occurred_at.FromDatetime(datetime.fromisoformat(raw["occurred_at"]).astimezone(UTC))
    except (ValueError, KeyError, TypeError, json_format.ParseError) as exc:
        raise UndecodableEvent(f"not a {message_type.DESCRIPTOR.full_name} (JSON envelope): {exc}") from None
    return message


def _nfc(message: Message) -> None:
    for field, value in message.ListFields():
        if field.type == FieldDescriptor.TYPE_STRING:
            if field.is_repeated:
                value[:] = [unicodedata.normalize("NFC", v) for v in value]
            else:
                setattr(message, field.name, unicodedata.normalize("NFC", value))
        elif field.type == FieldDescriptor.TYPE_MESSAGE:
            for item in value if field.is_repeated else [value]:
                if isinstance(item, Message):
                    _nfc(item)
