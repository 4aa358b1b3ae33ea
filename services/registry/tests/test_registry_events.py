"""The registry as a consumer of signing's verdicts (vanthu.signing.document.verified): applied only to an arrival of
the agency the event names, once (a redelivery changes nothing and publishes nothing); and as a publisher whose
outbox migration keeps the rows' order."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from vanthu.registry.v1 import events_pb2 as ev
from vanthu.signing.v1 import events_pb2 as signing_events
from vanthu.workflow.v1 import events_pb2 as workflow_events
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.events import derived_id, meta_of, new_meta
from vanthu_core.settings import CommonSettings
from vanthu_core.streams import StreamSettings
from vanthu_core.subjects import REGISTRY_DOCUMENT_SIGNATURE_CHECKED, REGISTRY_SIGNATURE_CHECKS
from vanthu_registry.documents_store import DocumentStore
from vanthu_registry.domain.documents import Direction, DocumentFile, Draft, SenderInfo
from vanthu_registry.events import SignatureChecks, WorkflowSteps
from vanthu_registry.server import MIGRATIONS, RegistryServer
from vanthu_registry.settings import RegistrySettings
from vanthu_registry.store import outbox
from vanthu_testing.events import outbox_events
from vanthu_testing.identity import DevIssuer
from vanthu_testing.nats import NatsServer

pytestmark = pytest.mark.integration
UBND, SNV = "000.00.00.H61", "000.00.02.H61"
NOTE = "cv đến.pdf: KHÔNG HỢP LỆ (1 chữ ký; nội dung đã bị sửa đổi)"


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[DocumentStore]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("postgres_url")
    await migrate(MIGRATIONS, url)
    engine = create_engine(url)
    documents = DocumentStore(session_factory(engine), clock=lambda: datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
    await documents.seed_types()
    yield documents
    await engine.dispose()


async def arrival(store: DocumentStore, agency: str = SNV, direction: Direction = Direction.INCOMING) -> str:
    if direction is Direction.OUTGOING:
        draft = Draft(direction=direction, type_code="cong_van", abstract="V/v báo cáo", unit_abbreviation="VP")
    else:
        sender = SenderInfo(agency_code=UBND, agency_name="Ủy ban nhân dân tỉnh Vĩnh Long",
                            number_symbol="45/UBND-VP", document_date=date(2026, 3, 1))
        draft = Draft(direction=direction, type_code="cong_van", sender=sender, abstract="V/v chữ ký số",
                      files=[DocumentFile(object_id="0190f0e0-0000-7000-8000-000000000001", sha256="ab" * 32,
                                          file_name="cv đến.pdf")])
    return str((await store.create(agency_code=agency, agency_name="", draft=draft, actor="vanthu.snv"))["id"])


def verdict(document_id: str, *, agency: str = SNV, valid: bool = False,
            note: str = NOTE) -> signing_events.DocumentVerified:
    return signing_events.DocumentVerified(meta=new_meta(actor="vanthu-signing", agency=agency),
                                           document_id=document_id, valid=valid, note=note)


async def test_a_redelivered_verdict_changes_nothing_and_publishes_nothing(store: DocumentStore) -> None:
    doc = await arrival(store)
    handle = SignatureChecks(store)
    first = verdict(doc)
    for _ in range(3):  # delivered, then redelivered twice (the registry stopped before acknowledging it)
        await handle(first)
    history = await store.history(SNV, doc)
    assert [h.action for h in history] == ["arrived", "signature_invalid"]
    checked = await outbox_events(store.sessions, outbox, REGISTRY_DOCUMENT_SIGNATURE_CHECKED)
    assert len(checked) == 1 and meta_of(checked[0]).event_id == derived_id(first.meta.event_id, "signature_checked")
    assert (await store.get(SNV, doc))["signature_check"] == "invalid"
    await handle(verdict(doc))  # another delivery of the same verdict (a second check): nothing changes either
    assert len(await store.history(SNV, doc)) == 2
    await handle(verdict(doc, valid=True, note="cv đến.pdf: HỢP LỆ (1 chữ ký)"))  # a different verdict is recorded
    assert [h.action for h in await store.history(SNV, doc)][-1] == "signature_valid"


async def test_a_verdict_records_who_signed_each_file_and_when_for_the_list_and_the_page(
        store: DocumentStore) -> None:
    doc = await arrival(store)
    line = "Nguyễn Văn Hưởng — Chủ tịch (Ủy ban nhân dân tỉnh Vĩnh Long), ký lúc 09:31 01/12/2026"
    found = verdict(doc, valid=True, note=f"cv đến.pdf: HỢP LỆ (1 chữ ký: {line})")
    found.files.append(signing_events.FileVerdict(object_id="0190f0e0-0000-7000-8000-000000000001", checked=True,
                                                  valid=True, signatures=1, note=found.note, signers=[line]))
    await SignatureChecks(store)(found)
    assert (await store.get(SNV, doc))["signature_signers"] == [line]


async def test_a_verdict_touches_only_an_arrival_of_the_agency_it_names(store: DocumentStore) -> None:
    snv_arrival, ubnd_draft = await arrival(store), await arrival(store, UBND, Direction.OUTGOING)
    handle = SignatureChecks(store)
    await handle(verdict(snv_arrival, agency=UBND, valid=True))  # names UBND, touches a document of the Sở
    await handle(verdict(ubnd_draft, agency=UBND, valid=True))  # an outgoing draft has no signature check
    await handle(verdict("0190f0e0-0000-7000-8000-00000000dead", valid=True))  # no such document
    assert (await store.get(SNV, snv_arrival))["signature_check"] == "pending"
    assert (await store.get(UBND, ubnd_draft))["signature_check"] == ""
    assert [h.action for h in await store.history(SNV, snv_arrival)] == ["arrived"]
    assert await outbox_events(store.sessions, outbox, REGISTRY_DOCUMENT_SIGNATURE_CHECKED) == []


async def test_the_registry_consumes_verdicts_with_its_own_nats_user_once_each(tmp_path: Path,
                                                                               dev_issuer: DevIssuer) -> None:
    """Through a real nats-server with the platform's users: signing's verdict reaches the registry's consumer; a
    verdict naming another agency changes nothing; the same verdict published again after JetStream's duplicate
    window (an outbox relay that crashed before marking it) is consumed again and changes nothing."""
    nats_server = NatsServer(tmp_path / "nats", StreamSettings(duplicate_window_s=1)).start()
    url = f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}"
    server = RegistryServer(RegistrySettings(grpc_port=0, database_url=url), CommonSettings(
        oidc_issuer=dev_issuer.issuer, **nats_server.settings("registry")))
    signing = nats_server.bus("signing", client_name="signing")
    engine = create_engine(url)
    try:
        await server.start()
        await signing.connect()
        store = DocumentStore(session_factory(engine))
        doc = await arrival(store)

        async def settled(published_seq: int) -> None:
            """Wait until the registry's consumer acknowledged everything up to ``published_seq`` (asked as admin:
            signing's user may not look at the registry's consumer)."""
            admin = await nats_server.connect("admin")
            try:
                deadline = asyncio.get_running_loop().time() + 20
                while True:
                    info = await admin.jetstream().consumer_info("VANTHU_EVENTS", REGISTRY_SIGNATURE_CHECKS.durable)
                    if info.ack_floor.stream_seq >= published_seq and info.num_ack_pending == 0:
                        return
                    assert asyncio.get_running_loop().time() < deadline, f"not consumed: {info}"
                    await asyncio.sleep(0.05)
            finally:
                await admin.close()

        first = verdict(doc)
        await settled(await signing.publish(first))
        assert (await store.get(SNV, doc))["signature_check"] == "invalid"
        await settled(await signing.publish(verdict(doc, agency=UBND, valid=True)))
        original = await signing.publish(first)  # within the window: JetStream drops it
        again = original
        deadline = asyncio.get_running_loop().time() + 20
        while again == original:  # after the window the server takes it as a new message
            assert asyncio.get_running_loop().time() < deadline
            again = await signing.publish(first)
        await settled(again)
        assert (await store.get(SNV, doc))["signature_check"] == "invalid"
        assert [h.action for h in await store.history(SNV, doc)] == ["arrived", "signature_invalid"]
        checked = await outbox_events(store.sessions, outbox, REGISTRY_DOCUMENT_SIGNATURE_CHECKED)
        assert [meta_of(e).event_id for e in checked] == [derived_id(first.meta.event_id, "signature_checked")]
    finally:
        await signing.close()
        await server.stop()
        await engine.dispose()
        nats_server.stop()


async def test_the_outbox_migration_keeps_pending_rows_in_their_written_order(postgres_url: str,
                                                                              tmp_path: Path) -> None:
    for url in (f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}", postgres_url):
        await migrate(MIGRATIONS, url, revision="0006")
        engine = create_engine(url)
        async with engine.begin() as connection:
            for n, minute in ((1, 3), (2, 1), (3, 2)):
                await connection.execute(text(
                    "INSERT INTO outbox (event_id, subject, payload, trace_headers, created_at) VALUES "
                    "(:id, 'vanthu.registry.document.drafted', :payload, '{}', :at)"),
                    {"id": f"e-{n}", "payload": ev.DocumentDrafted(meta=new_meta(actor="x", agency=UBND,
                                                                                 event_id=f"e-{n}"))
                     .SerializeToString(), "at": datetime(2026, 3, 2, 2, minute, tzinfo=UTC)})
        await engine.dispose()
        await migrate(MIGRATIONS, url)
        engine = create_engine(url)
        async with engine.begin() as connection:
            rows = (await connection.execute(text("SELECT seq, event_id FROM outbox ORDER BY seq"))).all()
            await connection.execute(text(
                "INSERT INTO outbox (event_id, subject, payload, trace_headers, created_at) VALUES "
                "('e-4', 'vanthu.registry.document.drafted', :payload, '{}', :at)"),
                {"payload": b"", "at": datetime(2026, 3, 2, 2, 0, tzinfo=UTC)})
            last = (await connection.execute(text("SELECT seq FROM outbox WHERE event_id = 'e-4'"))).scalar_one()
        await engine.dispose()
        assert [r.event_id for r in rows] == ["e-2", "e-3", "e-1"], url  # by created_at
        assert last > max(r.seq for r in rows)


def step(document_id: str, action: str, *, agency: str = SNV, at: datetime | None = None,
         comment: str = "Giao Phòng Tổ chức biên chế chủ trì") -> workflow_events.StepRecorded:
    return workflow_events.StepRecorded(
        meta=new_meta(actor="lanhdao.snv", agency=agency, occurred_at=at or datetime(2026, 3, 2, 3, 0, 0, 123456,
                                                                                     tzinfo=UTC)),
        case_id="case-1", document_id=document_id, action=action, from_state="submitted", to_state="assigned",
        comment=comment)


async def test_workflow_steps_become_lines_of_the_arrivals_history_once(store: DocumentStore) -> None:
    document_id = await arrival(store)
    handler = WorkflowSteps(store)
    event = step(document_id, "assign")
    await handler(event)
    await handler(event)  # redelivered: nothing more
    await handler(step(document_id, "assign", at=datetime(2026, 3, 2, 3, 5, tzinfo=UTC), comment="Phân công lại"))
    lines = [(h.action, h.actor, h.changes, h.note) for h in await store.history(SNV, document_id)
             if h.action == "workflow"]
    assert lines == [
        ("workflow", "lanhdao.snv", {"workflow": ["submitted", "assigned"], "step": "assign"},
         "Giao Phòng Tổ chức biên chế chủ trì"),
        ("workflow", "lanhdao.snv", {"workflow": ["submitted", "assigned"], "step": "assign"}, "Phân công lại")]
    assert (await store.history(SNV, document_id))[-1].at == datetime(2026, 3, 2, 3, 5, tzinfo=UTC)


async def test_a_workflow_step_naming_another_agency_changes_nothing_and_an_outgoing_circuits_is_recorded(
        store: DocumentStore) -> None:
    incoming = await arrival(store)
    outgoing = await arrival(store, UBND, Direction.OUTGOING)
    handler = WorkflowSteps(store)
    await handler(step(incoming, "assign", agency=UBND))
    await handler(step(outgoing, "approve", agency=SNV))
    assert not [h for h in await store.history(SNV, incoming) if h.action == "workflow"]
    assert not [h for h in await store.history(UBND, outgoing) if h.action == "workflow"]
    await handler(step(outgoing, "approve", agency=UBND))  # the outgoing circuit (issue 13 item 2)
    assert [h.changes["step"] for h in await store.history(UBND, outgoing) if h.action == "workflow"] == ["approve"]


async def test_the_audience_migration_gives_existing_documents_the_rule_and_keeps_processed_arrivals_open(
        postgres_url: str, tmp_path: Path) -> None:
    """Migration 0013 (issue 13 item 7): a draft is its drafter's, the clerks' and the leaders'; an issued document
    everyone's; an arrival already registered (perhaps assigned before the registry knew) everyone's until its case's
    next step; an arrival not yet registered the clerks' and the leaders'."""
    documents = {"d-draft": ("outgoing", "draft", "s-drafter"), "d-issued": ("outgoing", "issued", "s-drafter"),
                 "d-registered": ("incoming", "registered", ""), "d-arrived": ("incoming", "arrived", "")}
    for url in (f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}", postgres_url):
        await migrate(MIGRATIONS, url, revision="0012")
        engine = create_engine(url)
        now = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
        async with engine.begin() as connection:
            for doc_id, (direction, status, drafter) in documents.items():
                await connection.execute(text(
                    "INSERT INTO documents (id, agency_code, direction, status, type_code, abstract, search_key, "
                    "urgency, drafting_unit, unit_abbreviation, signer_name, signer_title, signer_competence, place, "
                    "recipients, files, answers_document_id, issuing_agency_code, issuing_agency_name, "
                    "number_symbol, duplicate_of, reason, created_by, created_at, updated_at, version, "
                    "drafter_subject) VALUES (:id, :agency, :direction, :status, 'cong_van', 'V/v', 'v/v', "
                    "'normal', '', '', '', '', '', '', '[]', '[]', '', '', '', '', '', '', 'x', :now, :now, 1, "
                    ":drafter)"), {"id": doc_id, "agency": UBND, "direction": direction, "status": status,
                                   "now": now, "drafter": drafter})
        await engine.dispose()
        await migrate(MIGRATIONS, url)
        engine = create_engine(url)
        async with engine.begin() as connection:
            rows = (await connection.execute(text(
                "SELECT document_id, principal FROM document_audience ORDER BY document_id, principal"))).all()
            await connection.execute(text(
                "INSERT INTO document_access_log (document_id, agency_code, at, subject, action) VALUES "
                "('d-draft', :agency, :now, 's-leader', 'view')"), {"agency": UBND, "now": now})
        for statement in ("UPDATE document_access_log SET subject = 's-other'", "DELETE FROM document_access_log"):
            with pytest.raises(DBAPIError):  # the access log is append-only (Appendix VI, III.5.a)
                async with engine.begin() as connection:
                    await connection.execute(text(statement))
        await engine.dispose()
        found: dict[str, list[str]] = {}
        for doc_id, principal in rows:
            found.setdefault(doc_id, []).append(principal)
        assert found == {"d-draft": ["role:clerk", "role:leader", "user:s-drafter"], "d-issued": ["*"],
                         "d-registered": ["*"], "d-arrived": ["role:clerk", "role:leader"]}, url
