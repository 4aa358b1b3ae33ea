"""RecordArrivals on a real registry server (issue 12, batches): interchange records the arrivals of a consumer's
batch in one call and one transaction, each checked as CreateDocument checks a service's arrival (the agency it names,
in the directory; an incoming document with its delivery key; a replaced arrival of that agency only), with one
result per arrival: a refused one is refused alone, the others recorded; a key held already is the arrival made
before. Only the interchange client may call it."""

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import grpc
import pytest
from sqlalchemy import event as sqlalchemy_event
from sqlalchemy import func, select

from vanthu.registry.v1 import documents_pb2 as pb
from vanthu.registry.v1 import documents_pb2_grpc
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.events import decode
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.settings import CommonSettings
from vanthu_registry.documents_store import DocumentStore, NewArrival
from vanthu_registry.domain.documents import Direction, DocumentFile, Draft, FileRole, SenderInfo, Urgency
from vanthu_registry.importer import import_directory
from vanthu_registry.server import MIGRATIONS, RegistryServer
from vanthu_registry.settings import RegistrySettings
from vanthu_registry.store import outbox
from vanthu_registry.tables import DocumentAudienceRow, DocumentRow, HistoryRow
from vanthu_testing.identity import DevIssuer

pytestmark = pytest.mark.integration
UBND, SNV, STP = "000.00.00.H61", "000.00.02.H61", "000.00.03.H61"


@pytest.fixture
async def registry(tmp_path: Path, dev_issuer: DevIssuer, clock: Any) -> AsyncIterator[
        tuple[documents_pb2_grpc.DocumentServiceStub, str]]:
    settings = RegistrySettings(grpc_port=0, database_url=f"sqlite+aiosqlite:///{tmp_path / 'registry.db'}")
    server = RegistryServer(settings, CommonSettings(oidc_issuer=dev_issuer.issuer, events_enabled=False), clock=clock)
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    await import_directory(settings.database_url, [
        {"code": UBND, "name": "Ủy ban nhân dân tỉnh Vĩnh Long"},
        {"code": SNV, "name": "Sở Nội vụ tỉnh Vĩnh Long", "parent_code": UBND},
        {"code": STP, "name": "Sở Tư pháp tỉnh Vĩnh Long", "parent_code": UBND}])
    try:
        yield documents_pb2_grpc.DocumentServiceStub(channel), settings.database_url
    finally:
        await channel.close()
        await server.stop()


def arrival(agency: str, number: int, key: str, *, direction: str = "incoming", replaces: str = "",
            type_name: str = "Công văn") -> pb.CreateDocumentRequest:
    return pb.CreateDocumentRequest(agency_code=agency, arrival_key=key, document=pb.DocumentInput(
        direction=direction, type_name=type_name, abstract=f"V/v liên thông văn bản số {number}",
        replaces_document_id=replaces,
        sender=pb.Sender(agency_code=UBND, agency_name="Ủy ban nhân dân tỉnh Vĩnh Long",
                         number_symbol=f"{number}/UBND-VP", document_date="2031-06-14")))


async def counts(database_url: str) -> tuple[dict[str, int], int]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            per_agency = dict((await connection.execute(select(DocumentRow.agency_code, func.count())
                                                        .group_by(DocumentRow.agency_code))).all())
            arrived = (await connection.execute(select(func.count()).select_from(outbox)
                                                .where(outbox.c.subject.like("%arrived%")))).scalar_one()
    finally:
        await engine.dispose()
    return {str(k): int(v) for k, v in per_agency.items()}, int(arrived)


async def test_a_batch_of_arrivals_is_recorded_with_one_result_each_and_a_refusal_alone(
        registry: tuple[documents_pb2_grpc.DocumentServiceStub, str], dev_issuer: DevIssuer) -> None:
    stub, database_url = registry
    service = bearer_metadata(dev_issuer.service_token("vanthu-interchange"))
    before = (await stub.CreateDocument(arrival(SNV, 10, f"p10/{SNV}"), metadata=service)).document
    ubnd_own = (await stub.RecordArrivals(pb.RecordArrivalsRequest(arrivals=[arrival(UBND, 9, f"p9/{UBND}")]),
                                          metadata=service)).results[0].document
    reply = await stub.RecordArrivals(pb.RecordArrivalsRequest(arrivals=[
        arrival(SNV, 11, f"p11/{SNV}", type_name="QUYET DINH"),
        arrival(SNV, 10, f"p10/{SNV}"),                          # recorded before by CreateDocument
        arrival("000.00.99.H61", 12, "p12/000.00.99.H61"),       # not in the directory
        arrival(SNV, 13, f"p13/{SNV}", direction="outgoing"),    # not an arrival
        arrival(SNV, 14, f"p14/{SNV}", replaces=ubnd_own.id),    # another agency's arrival: tenancy, per item
        arrival(STP, 11, f"p11/{STP}"),
        arrival(SNV, 11, f"p11/{SNV}"),                          # the same delivery twice in one batch
        arrival(SNV, 15, ""),                                    # no delivery key
    ]), metadata=service)
    results = list(reply.results)
    assert len(results) == 8
    first = results[0].document
    assert (first.agency_code, first.direction, first.type_code, first.status) == (SNV, "incoming", "quyet_dinh",
                                                                                  "arrived")
    assert results[1].document.id == before.id and not results[1].error_code
    assert [(r.error_code, r.error_field) for r in results[2:5]] == [
        (grpc.StatusCode.INVALID_ARGUMENT.value[0], "agency_code"),
        (grpc.StatusCode.INVALID_ARGUMENT.value[0], "direction"),
        (grpc.StatusCode.INVALID_ARGUMENT.value[0], "replaces_document_id")]
    assert "không có trong danh bạ" in results[2].error_message and not results[2].document.id
    assert results[5].document.agency_code == STP and not results[5].error_code
    assert results[6].document.id == first.id
    assert (results[7].error_code, results[7].error_field) == (grpc.StatusCode.INVALID_ARGUMENT.value[0],
                                                               "arrival_key")
    per_agency, arrived = await counts(database_url)
    assert per_agency == {SNV: 2, UBND: 1, STP: 1}
    assert arrived == 4  # one "arrived" event per arrival made, none for a repeat or a refusal


@pytest.mark.parametrize("user", ["vanthu.snv", "lanhdao.snv", "chuyenvien.snv", "quantri.snv"])
async def test_only_interchange_records_arrivals_by_the_batch(
        registry: tuple[documents_pb2_grpc.DocumentServiceStub, str], dev_issuer: DevIssuer, user: str) -> None:
    stub, database_url = registry
    for metadata in (bearer_metadata(dev_issuer.token(user)),
                     bearer_metadata(dev_issuer.service_token("vanthu-search"))):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await stub.RecordArrivals(pb.RecordArrivalsRequest(arrivals=[arrival(SNV, 20, f"p20/{SNV}")]),
                                      metadata=metadata)
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED
    assert await counts(database_url) == ({}, 0)


async def test_a_batch_of_arrivals_refers_to_its_files_in_one_call_and_a_refused_file_spoils_only_its_arrival(
        platform: Any, dev_issuer: DevIssuer) -> None:
    """The arrivals' files are referred to in storage in one AddReferences call: an arrival with a file its agency
    does not hold, or with a digest that does not match, is refused alone with that file's field, and the
    references made for its other files are released; the other arrivals keep theirs (even on a file shared)."""
    from vanthu.storage.v1 import storage_pb2
    from vanthu_testing.documents import draft_pdf

    service = bearer_metadata(dev_issuer.service_token("vanthu-interchange"))
    shared, second, third = [await platform.upload("vanthu.snv", draft_pdf(f"Văn bản đến {n}")) for n in (1, 2, 3)]
    theirs = await platform.upload("vanthu.ubnd", draft_pdf("Văn bản của Ủy ban"))

    def with_files(number: int, *files: pb.DocumentFile) -> pb.CreateDocumentRequest:
        request = arrival(SNV, number, f"p{number}/{SNV}")
        request.document.files.extend(files)
        return request

    reply = await platform.documents.RecordArrivals(pb.RecordArrivalsRequest(arrivals=[
        with_files(1, pb.DocumentFile(object_id=shared.object_id, role="main")),
        with_files(2, pb.DocumentFile(object_id=second.object_id, role="main"),
                   pb.DocumentFile(object_id=theirs.object_id, role="attachment")),  # another agency's file
        with_files(3, pb.DocumentFile(object_id=third.object_id, role="main", sha256="0" * 64)),
        with_files(4, pb.DocumentFile(object_id=shared.object_id, role="main")),
    ]), metadata=service)
    results = list(reply.results)
    assert [(r.error_code, r.error_field) for r in results] == [
        (0, ""), (grpc.StatusCode.INVALID_ARGUMENT.value[0], "files[1].object_id"),
        (grpc.StatusCode.INVALID_ARGUMENT.value[0], "files[0].sha256"), (0, "")]
    assert results[0].document.files[0].sha256 == shared.sha256

    async def references(stored: Any, user: str) -> list[str]:
        reply = await platform.storage.Stat(storage_pb2.StatRequest(object_id=stored.object_id),
                                            metadata=bearer_metadata(dev_issuer.token(user)))
        return list(reply.object.references)

    assert await references(shared, "vanthu.snv") == sorted(
        f"registry/document/{results[i].document.id}" for i in (0, 3))
    assert await references(second, "vanthu.snv") == []  # released with its refused arrival
    assert await references(third, "vanthu.snv") == []
    assert await references(theirs, "vanthu.ubnd") == []


@pytest.mark.parametrize("lone", [False, True], ids=["batch", "lone"])
async def test_a_batch_written_together_leaves_what_arrival_by_arrival_leaves(tmp_path: Path, clock: Any,
                                                                              lone: bool) -> None:
    """The common batch (new arrivals, distinct keys) is written a statement per table, not arrival by arrival
    (issue 12's bench): the documents, their audience, history and events must be those the one-by-one path writes,
    a key held already answering the arrival made before, a type the agency lacks refusing that arrival alone, and
    duplicates (Appendix VI III.1.h) marked as one by one marks them: against an arrival held, and within the batch
    (the smallest id among those before it). A lone arrival (a letter at a time: a batch of one) is written so too
    (a tenth round), in as few statements."""
    def draft(number: int, type_code: str = "cong_van", day: str = "2031-06-14") -> Draft:
        return Draft(direction=Direction.INCOMING, type_code=type_code, urgency=Urgency.URGENT,
                     abstract=f"V/v tổ chức hội nghị tổng kết công tác văn thư, lưu trữ năm 2031 (số {number})",
                     sender=SenderInfo(agency_code=UBND, agency_name="Ủy ban nhân dân tỉnh Vĩnh Long",
                                       number_symbol=f"{number}/UBND-VP",
                                       document_date=date.fromisoformat(day)),
                     files=[DocumentFile(f"f{number:032d}", "ab" * 32, FileRole.MAIN, f"Công văn {number}.pdf",
                                         "application/pdf")])

    def batch() -> list[NewArrival]:
        made = [(SNV, 21, "cong_van", "2031-06-14", "d1"), (SNV, 20, "cong_van", "2031-06-14", "d0"),  # 20: held
                (SNV, 22, "cong_van", "2031-06-14", "d9"), (SNV, 22, "cong_van", "2031-06-14", "d3"),  # twins
                (STP, 22, "cong_van", "2031-06-14", "d5"), (SNV, 22, "cong_van", "2031-06-15", "d6"),  # not twins
                (SNV, 23, "khong_co_loai_nay", "2031-06-14", "d7"), (SNV, 24, "cong_van", "2031-06-14", "d8")]
        if lone:
            made = [(SNV, 22, "cong_van", "2031-06-14", "d9")]  # the twin of an arrival held
        return [NewArrival(agency_code=agency, agency_name="", draft=draft(number, type_code, day),
                           document_id=f"{key:0>32}", arrival_key=f"p{number}-{key}/{agency}")
                for agency, number, type_code, day, key in made]

    async def written(path: Path, together: bool) -> tuple[list[Any], list[Any], list[Any], list[Any], list[Any]]:
        url = f"sqlite+aiosqlite:///{path}"
        await migrate(MIGRATIONS, url)
        engine = create_engine(url)
        try:
            store = DocumentStore(session_factory(engine), clock=clock)
            await store.seed_types()
            held = await store.create(agency_code=SNV, agency_name="", draft=draft(20), actor="vanthu-interchange",
                                      document_id="0" * 32, arrival_key=f"p20-d0/{SNV}")
            again = await store.create(agency_code=SNV, agency_name="", draft=draft(22), actor="vanthu-interchange",
                                       document_id="e" * 32, arrival_key=f"p22-e/{SNV}")
            assert held["duplicate_of"] == "" and again["duplicate_of"] == ""
            arrivals = batch()
            assert DocumentStore._together(arrivals)  # a batch the store writes together
            statements: list[str] = []
            listen = engine.sync_engine
            sqlalchemy_event.listen(listen, "before_cursor_execute", lambda *a: statements.append(a[2]))
            results = await (store.create_arrivals(arrivals, actor="vanthu-interchange") if together else
                             store._arrivals_one_by_one(arrivals, actor="vanthu-interchange"))
            if together and lone:  # the key, directory and duplicate reads, the type, then one insert per table
                assert len([s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE"))]) <= 9, statements
            async with engine.connect() as connection:
                def rows(query: Any) -> list[Any]:
                    return [tuple(r) for r in query]
                documents = rows(await connection.execute(select(DocumentRow.__table__).order_by(DocumentRow.id)))
                audience = rows(await connection.execute(select(DocumentAudienceRow.__table__).order_by(
                    DocumentAudienceRow.document_id, DocumentAudienceRow.principal)))
                history = rows(await connection.execute(select(
                    HistoryRow.document_id, HistoryRow.at, HistoryRow.actor, HistoryRow.action, HistoryRow.changes,
                    HistoryRow.note).order_by(HistoryRow.id)))
                events = []
                for subject, payload in await connection.execute(select(outbox.c.subject, outbox.c.payload)
                                                                  .order_by(outbox.c.seq)):
                    event = decode(subject, payload)
                    event.meta.ClearField("event_id")
                    events.append((subject, event.SerializeToString(deterministic=True)))
        finally:
            await engine.dispose()
        views = [r if isinstance(r, dict) else (type(r).__name__, r.field) for r in results]
        return views, documents, audience, history, events

    one_by_one = await written(tmp_path / "one.db", together=False)
    together = await written(tmp_path / "together.db", together=True)
    for name, a, b in zip(["results", "documents", "audience", "history", "events"], one_by_one, together,
                          strict=True):
        assert a == b, name
    views = together[0]
    if lone:
        assert views[0]["duplicate_of"] == "e" * 32  # the held twin's
        return
    assert views[1]["id"] == "0" * 32  # the key held: the arrival made before
    assert views[6][0] in ("InvalidArgument", "NotFound")  # a type the agency lacks: that one alone
    assert [v["duplicate_of"] for v in (views[2], views[3], views[4], views[5])] == [
        "e" * 32, "d9".rjust(32, "0"), "", ""]  # the held twin's, then the smallest id of the held twin and the
    # batch's twin before it
    assert views[0]["duplicate_of"] == "" and views[7]["duplicate_of"] == ""


async def test_an_arrival_names_its_sender_as_the_directory_does_whatever_its_package_says(
        registry: tuple[documents_pb2_grpc.DocumentServiceStub, str], dev_issuer: DevIssuer) -> None:
    """A connected system sent a package from its own agency's code under the name "Ủy ban nhân dân tỉnh Vĩnh Long",
    and the clerk's lists (which show the name only) said the letter came from the province's people's committee
    (found attacking the provincial axis). An arrival from a code the directory holds is recorded under the
    directory's name, the package's name kept in its history; a sender outside the directory keeps its package's
    name; a name that differs in case, tones or blanks alone leaves no note. Alone and in a batch alike."""
    stub, database_url = registry
    service = bearer_metadata(dev_issuer.service_token("vanthu-interchange"))

    def sent(number: int, code: str, name: str) -> pb.CreateDocumentRequest:
        request = arrival(SNV, number, f"p{number}/{SNV}")
        request.document.sender.agency_code, request.document.sender.agency_name = code, name
        return request

    spoofed = "Ủy ban nhân dân tỉnh Vĩnh Long"
    lone = (await stub.CreateDocument(sent(31, STP, spoofed), metadata=service)).document
    batch = [r.document for r in (await stub.RecordArrivals(pb.RecordArrivalsRequest(arrivals=[
        sent(32, STP, spoofed),
        sent(33, STP, "SỞ TƯ PHÁP  TỈNH VINH LONG"),  # the same name but for case, a tone and a blank
        sent(34, "000.00.00.G22", "Văn phòng Chính phủ"),  # not in this directory
    ]), metadata=service)).results]
    assert [d.issuing_agency_name for d in (lone, *batch)] == [
        "Sở Tư pháp tỉnh Vĩnh Long", "Sở Tư pháp tỉnh Vĩnh Long", "Sở Tư pháp tỉnh Vĩnh Long", "Văn phòng Chính phủ"]
    assert [d.issuing_agency_code for d in (lone, *batch)] == [STP, STP, STP, "000.00.00.G22"]

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            notes = dict((await connection.execute(select(HistoryRow.document_id, HistoryRow.note).where(
                HistoryRow.action == "arrived"))).all())
    finally:
        await engine.dispose()
    for document in (lone, batch[0]):
        assert f"«{spoofed}»" in notes[document.id] and "«Sở Tư pháp tỉnh Vĩnh Long»" in notes[document.id]
        assert STP in notes[document.id]
    assert notes[batch[1].id] == "" and notes[batch[2].id] == ""


async def test_an_arrival_answering_a_document_of_its_agency_is_linked_and_one_it_cannot_answer_arrives_unlinked(
        registry: tuple[documents_pb2_grpc.DocumentServiceStub, str], dev_issuer: DevIssuer) -> None:
    """Interchange links a reply to the recipient's own document its ``ResponseFor`` names; an arrival is never
    refused for its link (a document of another agency, or none, leaves it unlinked), unlike a person's draft."""
    stub, _ = registry
    service = bearer_metadata(dev_issuer.service_token("vanthu-interchange"))
    letter = (await stub.CreateDocument(pb.CreateDocumentRequest(document=pb.DocumentInput(
        direction="outgoing", type_code="cong_van", abstract="V/v đề nghị báo cáo tình hình cải cách hành chính")),
        metadata=bearer_metadata(dev_issuer.token("chuyenvien.snv")))).document
    ubnd_own = (await stub.CreateDocument(arrival(UBND, 40, f"p40/{UBND}"), metadata=service)).document

    def reply(number: int, answers: str) -> pb.CreateDocumentRequest:
        request = arrival(SNV, number, f"p{number}/{SNV}")
        request.document.answers_document_id = answers
        return request

    linked = (await stub.CreateDocument(reply(41, letter.id), metadata=service)).document
    foreign = (await stub.CreateDocument(reply(42, ubnd_own.id), metadata=service)).document
    assert linked.answers_document_id == letter.id and linked.status == "arrived"
    assert foreign.answers_document_id == "" and foreign.status == "arrived"
    # a person's draft answering another agency's document is refused, as before
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.CreateDocument(pb.CreateDocumentRequest(document=pb.DocumentInput(
            direction="outgoing", type_code="cong_van", abstract="V/v trả lời", answers_document_id=ubnd_own.id)),
            metadata=bearer_metadata(dev_issuer.token("chuyenvien.snv")))
    assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_an_arrival_a_clerk_enters_keeps_the_typed_sender_and_is_checked_against_the_codes_agency(
        registry: tuple[documents_pb2_grpc.DocumentServiceStub, str], dev_issuer: DevIssuer) -> None:
    """A clerk filing a signed letter under Sở Tư pháp's code but typing "Ủy ban nhân dân tỉnh Vĩnh Long" had the
    signatures compared with the typed name, and the province's seal passed as the department's (found verifying the
    signature check). The typed name stays on the record (a clerk may name "Văn phòng …" under its committee's code);
    the arrival event names the agency the code names, for signing's check. A paper arrival has nothing to check."""
    stub, database_url = registry
    clerk = bearer_metadata(dev_issuer.token("vanthu.snv"))

    def entered(number: int, paper: bool) -> pb.CreateDocumentRequest:
        return pb.CreateDocumentRequest(document=pb.DocumentInput(
            direction="incoming", type_code="cong_van", abstract=f"V/v phối hợp kiểm tra hồ sơ số {number}",
            paper=paper, sender=pb.Sender(agency_code=STP, agency_name="Ủy ban nhân dân tỉnh Vĩnh Long",
                                          number_symbol=f"{number}/STP-VP", document_date="2031-06-14")))

    electronic = (await stub.CreateDocument(entered(51, False), metadata=clerk)).document
    paper = (await stub.CreateDocument(entered(52, True), metadata=clerk)).document
    assert electronic.issuing_agency_name == paper.issuing_agency_name == "Ủy ban nhân dân tỉnh Vĩnh Long"
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            arrived = {event.document.document_id: event for subject, payload in await connection.execute(
                select(outbox.c.subject, outbox.c.payload).where(outbox.c.subject.like("%arrived%")))
                for event in [decode(subject, payload)]}
    finally:
        await engine.dispose()
    assert (arrived[electronic.id].issuing_agency_code, arrived[electronic.id].issuing_agency_name) == (
        STP, "Sở Tư pháp tỉnh Vĩnh Long")
    assert arrived[paper.id].issuing_agency_name == "Ủy ban nhân dân tỉnh Vĩnh Long"
