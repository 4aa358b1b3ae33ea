"""What signing publishes on NATS: the messages of ``proto/vanthu/signing/v1/events.proto``, built here.

It consumes ``vanthu.registry.document.arrived`` (:mod:`vanthu_signing.arrivals`) and answers each arrival with one
``vanthu.signing.document.verified`` whose id is derived from the arrival event's (a redelivery answers nothing new).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from vanthu.signing.v1 import events_pb2 as ev
from vanthu_core.events import derived_id, new_meta

if TYPE_CHECKING:
    from vanthu_signing.store import JournalEntry

#: The actor of the events signing makes on nobody's behalf (verdicts on arrivals).
ACTOR = "vanthu-signing"


def signed(entry: JournalEntry, signing_id: str) -> ev.DocumentSigned:
    """A journalled signing (by ``entry.subject``, for ``entry.agency_code``)."""
    message = ev.DocumentSigned(
        meta=new_meta(actor=entry.subject, agency=entry.agency_code, occurred_at=entry.signed_at),
        signing_id=signing_id, kind=entry.kind, field_name=entry.field_name,
        certificate_subject=entry.certificate_subject, input_sha256=entry.input_sha256, sha256=entry.output_sha256,
        object_id=entry.object_id, number_symbol=entry.number_symbol, document_id=entry.document_id)
    message.signed_at.FromDatetime(entry.signed_at)
    return message


def profile_updated(*, profile_id: str, agency_code: str, kind: str, subject: str, username: str, server_key: bool,
                    image_changed: bool, actor: str, now: datetime) -> ev.ProfileUpdated:
    """A signing profile created or changed (bound to the person's ``subject``; the username is for display)."""
    return ev.ProfileUpdated(meta=new_meta(actor=actor, agency=agency_code, occurred_at=now), profile_id=profile_id,
                             kind=kind, subject=subject, username=username,
                             custody="server" if server_key else "remote", image_changed=image_changed)


def verdict_id(arrival_event_id: str) -> str:
    """The id of the verdict on an arrival: the same on every delivery of that arrival event."""
    return derived_id(arrival_event_id, "verified")


def verified(*, arrival_event_id: str, agency_code: str, document_id: str, files: list[ev.FileVerdict],
             note: str, valid: bool) -> ev.DocumentVerified:
    """Signing's verdict on an arrival's files."""
    return ev.DocumentVerified(meta=new_meta(actor=ACTOR, agency=agency_code, event_id=verdict_id(arrival_event_id)),
                               document_id=document_id, valid=valid, note=note, files=files,
                               arrival_event_id=arrival_event_id)
