"""Events as contracts: one protobuf message per event, its subject named once, one envelope."""

import json
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest

from vanthu.registry.v1 import documents_pb2
from vanthu.registry.v1 import events_pb2 as registry_events
from vanthu.signing.v1 import events_pb2 as signing_events
from vanthu.storage.v1 import events_pb2 as storage_events
from vanthu_core import subjects
from vanthu_core.auth import Principal, reset_principal, set_principal
from vanthu_core.clients import service_account
from vanthu_core.events import UndecodableEvent, decode, derived_id, encode, meta_of, new_meta, occurred_at, subject_of

pytestmark = pytest.mark.unit
ROOT = Path(__file__).resolve().parents[3]
H61 = "000.00.00.H61"


def test_every_event_message_names_one_subject_of_its_own_service() -> None:
    # vanthu.registry.unit.changed, the nine vanthu.workflow.* (issue 13; job.assigned and job.completed: item 3;
    # task.reminder: item 6); vanthu.records.plan.submitted, approved and returned (the file plan's trình duyệt);
    # vanthu.registry.directory.imported (issue 14: one event for the operator's import of a directory)
    assert len(subjects.EVENT_TYPES) == 45
    for subject, message_type in subjects.EVENT_TYPES.items():
        service = message_type.DESCRIPTOR.file.package.split(".")[1]
        assert re.fullmatch(rf"vanthu\.{service}\.[a-z_]+\.[a-z_]+", subject), subject
        assert message_type.DESCRIPTOR.fields_by_name["meta"].number == 1
        assert message_type.DESCRIPTOR.fields_by_name["meta"].message_type.full_name == "vanthu.common.v1.EventMeta"
    assert set(subjects.SERVICES) == {"registry", "signing", "storage", "interchange", "workflow", "search", "records"}
    assert subjects.published_by("signing") == ["vanthu.signing.document.signed", "vanthu.signing.document.verified",
                                                "vanthu.signing.profile.updated"]


def test_no_subject_string_is_written_outside_the_protos() -> None:
    """Services, libraries and the launcher use the catalogue's constants; only tests and docs spell subjects (metric
    instruments share the dotted names: their lines are not subjects)."""
    spelled = re.compile(r"[\"']vanthu\.(registry|storage|signing)\.[a-z_]+\.[a-z_]+[\"']")
    offenders = [f"{path.relative_to(ROOT)}:{number}" for path in sorted((ROOT / "services").glob("*/src/**/*.py"))
                 + sorted((ROOT / "libs").glob("*/src/**/*.py"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if spelled.search(line) and "/vanthu-proto/" not in str(path) and "meter.create_" not in line]
    assert offenders == []


def test_an_event_round_trips_with_its_envelope_and_nfc_text() -> None:
    when = datetime(2026, 11, 27, 3, 4, 5, 123456, tzinfo=UTC)
    original = registry_events.DocumentIssued(
        meta=new_meta(actor="vanthu.ubnd", agency=H61, occurred_at=when),
        document=registry_events.DocumentState(document_id="d-1", direction="outgoing", status="issued", number=5,
                                               number_symbol="05/CT-UBND"),
        recipients=[documents_pb2.Recipient(name=unicodedata.normalize("NFD", "Sở Nội vụ tỉnh Vĩnh Long"))])
    again = decode(subjects.REGISTRY_DOCUMENT_ISSUED, encode(original))
    assert isinstance(again, registry_events.DocumentIssued) and again == original
    assert meta_of(again).event_id == original.meta.event_id and occurred_at(again) == when
    assert again.recipients[0].name == unicodedata.normalize("NFC", "Sở Nội vụ tỉnh Vĩnh Long")
    assert "Sở Nội vụ".encode() in encode(original)
    assert subject_of(again) == "vanthu.registry.document.issued"


def test_the_envelope_names_the_person_whose_call_made_the_event() -> None:
    """A status package tells the sender who registered or returned its document (StaffInfo): the name comes with
    the event from the call of the person who acted, never from a service's or another person's call."""
    clerk = Principal(subject="5f0c-uuid", username="vanthu.snv",
                      name=unicodedata.normalize("NFD", "Nguyễn Thị Thương"), agency=H61, roles=frozenset({"clerk"}),
                      token="t", client_id="vanthu-web")
    service = Principal(subject="sa-1", username=service_account("vanthu-workflow"), name="vanthu-workflow",
                        agency=None, roles=frozenset(), token="t", client_id="vanthu-workflow", service=True)
    assert new_meta(actor="vanthu.snv", agency=H61).actor_name == ""  # outside any call: a consumer's follow-up
    token = set_principal(clerk)
    try:
        by_username, by_subject = new_meta(actor="vanthu.snv", agency=H61), new_meta(actor="5f0c-uuid", agency=H61)
        someone_else = new_meta(actor="lanhdao.snv", agency=H61)
        given = new_meta(actor="vanthu.snv", agency=H61, actor_name="Văn thư Sở")
    finally:
        reset_principal(token)
    assert by_username.actor_name == by_subject.actor_name == clerk.name and someone_else.actor_name == ""
    assert given.actor_name == "Văn thư Sở"
    event = registry_events.DocumentRegistered(meta=by_username)
    assert meta_of(decode(subjects.REGISTRY_DOCUMENT_REGISTERED, encode(event))).actor_name == "Nguyễn Thị Thương"
    token = set_principal(service)
    try:
        assert new_meta(actor=service.username, agency=H61).actor_name == ""
    finally:
        reset_principal(token)


def test_undecodable_payloads_and_unknown_subjects_are_refused() -> None:
    good = encode(storage_events.ObjectStored(meta=new_meta(actor="u", agency=H61)))
    with pytest.raises(UndecodableEvent, match=r"no event is published on vanthu\.storage\.object\.eaten"):
        decode("vanthu.storage.object.eaten", good)
    with pytest.raises(UndecodableEvent):
        decode(subjects.STORAGE_OBJECT_STORED, b"\xff\xff\xff")
    with pytest.raises(UndecodableEvent, match="without an event id"):
        decode(subjects.STORAGE_OBJECT_STORED, storage_events.ObjectStored().SerializeToString())
    with pytest.raises(ValueError, match="no event id"):
        encode(storage_events.ObjectStored())


def test_a_follow_up_event_id_is_derived_from_its_source() -> None:
    source = new_meta(actor="vanthu.ubnd", agency=H61).event_id
    assert derived_id(source, "verified") == derived_id(source, "verified")
    assert derived_id(source, "verified") != derived_id(source, "signature_checked")
    assert derived_id(source, "verified") != derived_id(new_meta(actor="x", agency=H61).event_id, "verified")


def test_events_published_as_json_before_are_still_read() -> None:
    """An arrival and a verdict in the JSON envelope of the first releases, still in the stream at the upgrade."""
    arrived = json.dumps({"id": "0190f0e0-0000-7000-8000-000000000001", "subject": subjects.REGISTRY_DOCUMENT_ARRIVED,
                          "occurred_at": "2026-11-27T03:04:05+00:00", "actor": "vanthu.snv", "agency": "000.00.02.H61",
                          "data": {"document_id": "d-9", "direction": "incoming", "status": "arrived",
                                   "number_symbol": "45/UBND-VP", "number": None, "duplicate_of": None,
                                   "files": [{"object_id": "o-1", "sha256": "ab" * 32, "role": "main",
                                              "file_name": "cv đến.pdf", "content_type": "application/pdf"}]}})
    event = decode(subjects.REGISTRY_DOCUMENT_ARRIVED, arrived.encode())
    assert isinstance(event, registry_events.DocumentArrived)
    assert (event.meta.event_id, event.meta.actor, event.meta.agency_code) == (
        "0190f0e0-0000-7000-8000-000000000001", "vanthu.snv", "000.00.02.H61")
    assert (event.document.document_id, event.document.direction, event.document.number_symbol) == (
        "d-9", "incoming", "45/UBND-VP")
    assert event.files[0].file_name == "cv đến.pdf" and occurred_at(event) == datetime(2026, 11, 27, 3, 4, 5,
                                                                                        tzinfo=UTC)
    verdict = json.dumps({"id": "v-1", "subject": subjects.SIGNING_DOCUMENT_VERIFIED,
                          "occurred_at": "2026-11-27T03:05:00+00:00", "actor": "vanthu-signing", "agency": H61,
                          "data": {"document_id": "d-9", "valid": False, "note": "KHÔNG HỢP LỆ",
                                   "files": [{"object_id": "o-1", "checked": True, "valid": False, "signatures": 1,
                                              "note": "x"}]}})
    decoded = decode(subjects.SIGNING_DOCUMENT_VERIFIED, verdict.encode())
    assert isinstance(decoded, signing_events.DocumentVerified)
    assert (decoded.document_id, decoded.valid, decoded.files[0].signatures) == ("d-9", False, 1)
    with pytest.raises(UndecodableEvent):
        decode(subjects.SIGNING_DOCUMENT_VERIFIED, b"{not json")
