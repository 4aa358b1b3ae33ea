"""Who inside an agency sees a document (issue 13 item 7): an officer to whom an arrival was not given cannot list
it, open it, read its history nor have its files; once the workflow gives it to them (a step the registry consumes)
they can, a recall takes it back, and every view and file handed out is in the document's access log, which the
clerks and leaders read."""

from __future__ import annotations

import grpc
import pytest

from vanthu.registry.v1 import documents_pb2 as pb
from vanthu.registry.v1 import events_pb2 as ev
from vanthu_core.db import create_engine, session_factory
from vanthu_registry.people import UsersFileDirectory
from vanthu_registry.store import outbox
from vanthu_registry.units_seed import seed_units
from vanthu_registry.units_store import UnitStore
from vanthu_testing.documents import draft_pdf
from vanthu_testing.events import outbox_events

from .conftest import UBND, Platform, ServerClock

pytestmark = pytest.mark.integration
OFFICER, HEAD, CLERK, LEADER = "chuyenvien.ubnd", "truongphong.ubnd", "vanthu.ubnd", "lanhdao.ubnd"
#: The demo officer's subject (libs/vanthu-identity demo_users.yaml).
OFFICER_SUB = "b30701f7-331a-5c8a-b5c2-3d8e043d2714"


async def arrival(platform: Platform) -> pb.Document:
    stored = await platform.upload(CLERK, draft_pdf("Công văn đến"), name="cong-van-den.pdf")
    document = pb.DocumentInput(direction="incoming", type_code="cong_van", abstract="V/v rà soát biên chế 2031",
                                sender=pb.Sender(agency_code="000.00.02.H61", agency_name="Sở Nội vụ",
                                                 number_symbol="15/SNV-TCBC", document_date="2031-06-14"),
                                files=[pb.DocumentFile(object_id=stored.object_id, role="main")])
    return (await platform.call(platform.documents.CreateDocument, pb.CreateDocumentRequest(document=document),
                                CLERK)).document


async def refused(platform: Platform, method: object, request: object, user: str) -> grpc.StatusCode:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await platform.call(method, request, user)
    return caught.value.code()


async def listed(platform: Platform, user: str) -> list[str]:
    reply = await platform.call(platform.documents.ListDocuments, pb.ListDocumentsRequest(direction="incoming"), user)
    return [d.id for d in reply.documents]


async def step(platform: Platform, doc_id: str, audience: list[str], seq: int, action: str = "assign",
               event: int = 0) -> bool:
    """What the registry's consumer of ``vanthu.workflow.step.recorded`` does with a step (the workflow's side is
    pinned in its own tests)."""
    return await platform.registry.documents.record_workflow_step(
        agency_code=UBND, document_id=doc_id, actor=LEADER, at=ServerClock().now, step=action,
        from_state="submitted", to_state="assigned", comment="", audience=audience, audience_seq=seq,
        event_id=f"00000000-0000-7000-8000-{event or seq:012d}")


async def test_an_arrival_is_seen_by_those_it_was_given_to_and_every_view_and_download_is_logged(
        platform: Platform) -> None:
    doc = await arrival(platform)
    file_id = doc.files[0].object_id
    assert set(doc.audience) == {"role:clerk", "role:leader"}
    get, history = pb.GetDocumentRequest(id=doc.id), pb.GetDocumentHistoryRequest(id=doc.id)
    check = pb.CheckFileAccessRequest(object_id=file_id, document_ids=[doc.id], action="download")
    for user in (OFFICER, HEAD):  # same agency, not given it
        assert doc.id not in await listed(platform, user)
        assert await refused(platform, platform.documents.GetDocument, get, user) == grpc.StatusCode.NOT_FOUND
        assert await refused(platform, platform.documents.GetDocumentHistory, history, user) == \
            grpc.StatusCode.NOT_FOUND
        assert await refused(platform, platform.documents.CheckFileAccess, check, user) == grpc.StatusCode.NOT_FOUND
    for user in (CLERK, LEADER):
        assert doc.id in await listed(platform, user)

    # the leader gives it to the officer: the workflow's step says so
    await step(platform, doc.id, [f"user:{OFFICER_SUB}"], seq=2)
    assert doc.id in await listed(platform, OFFICER)
    seen = (await platform.call(platform.documents.GetDocument, get, OFFICER)).document
    assert f"user:{OFFICER_SUB}" in seen.audience
    assert (await platform.call(platform.documents.GetDocumentHistory, history, OFFICER)).entries[-1].action == \
        "workflow"
    assert list((await platform.call(platform.documents.CheckFileAccess, check, OFFICER)).document_ids) == [doc.id]
    assert doc.id not in await listed(platform, HEAD)  # still not the head's

    # the access log: the officer's view and download (the clerk's and leader's views too), for clerks and leaders
    log_request = pb.GetDocumentAccessLogRequest(id=doc.id)
    assert await refused(platform, platform.documents.GetDocumentAccessLog, log_request, OFFICER) == \
        grpc.StatusCode.PERMISSION_DENIED
    entries = (await platform.call(platform.documents.GetDocumentAccessLog, log_request, LEADER)).entries
    officer_lines = [(e.action, e.object_id) for e in entries if e.username == OFFICER]
    assert sorted(officer_lines) == [("download", file_id), ("view", "")]
    assert all(e.subject and e.at.endswith("+07:00") for e in entries)

    # a redelivered older step changes nothing; a recall (a later step, no task left for the officer) takes it back
    await step(platform, doc.id, [], seq=1, action="progress")
    assert doc.id in await listed(platform, OFFICER)
    await step(platform, doc.id, [], seq=3, action="recall")
    assert doc.id not in await listed(platform, OFFICER)
    assert await refused(platform, platform.documents.GetDocument, get, OFFICER) == grpc.StatusCode.NOT_FOUND
    changes = [e for e in await outbox_events(platform.registry.documents.sessions, outbox)
               if isinstance(e, ev.DocumentAudienceChanged)]
    assert [list(e.audience) for e in changes] == [["role:clerk", "role:leader", f"user:{OFFICER_SUB}"],
                                                   ["role:clerk", "role:leader"]]


async def test_a_unit_given_the_arrival_shows_it_to_its_members_only(platform: Platform) -> None:
    engine = create_engine(platform.registry.settings.database_url)
    try:
        await seed_units(UnitStore(session_factory(engine)), UsersFileDirectory(platform.issuer.users_file))
    finally:
        await engine.dispose()
    doc = await arrival(platform)
    await step(platform, doc.id, ["unit:TH"], seq=2)  # Phòng Tổng hợp: truongphong.ubnd (head), chuyenvien.ubnd
    for user in (OFFICER, HEAD):
        assert doc.id in await listed(platform, user)
    assert doc.id not in await listed(platform, "luutru.ubnd")  # Văn phòng: not given it
    assert await refused(platform, platform.documents.GetDocument, pb.GetDocumentRequest(id=doc.id),
                         "luutru.ubnd") == grpc.StatusCode.NOT_FOUND


async def test_a_signature_under_a_delegation_records_its_competence_and_for_whom(platform: Platform) -> None:
    """Ủy quyền (Decree 30/2020 Art. 13): the workflow passes the delegation's competence; the document's signer
    competence becomes it and its history says for whom; a competence without the person (or another one) is
    refused before anything is signed."""
    doc = await platform.draft(pb.DocumentInput(type_code="cong_van", abstract="V/v kiện toàn tổ công tác",
                                                unit_abbreviation="VP"))
    await platform.call(platform.documents.SubmitDocument, pb.SubmitDocumentRequest(id=doc.id), OFFICER)
    for bad in (pb.SignDocumentRequest(id=doc.id, competence="TL.", on_behalf_of="chutich.ubnd"),
                pb.SignDocumentRequest(id=doc.id, competence="TUQ.")):
        assert await refused(platform, platform.documents.SignDocument, bad, LEADER) == \
            grpc.StatusCode.INVALID_ARGUMENT
    signed = (await platform.call(platform.documents.SignDocument, pb.SignDocumentRequest(
        id=doc.id, competence="KT.", on_behalf_of="chutich.ubnd"), LEADER)).document
    assert (signed.status, signed.signer.competence) == ("signed", "KT.")
    line = (await platform.call(platform.documents.GetDocumentHistory, pb.GetDocumentHistoryRequest(id=doc.id),
                                LEADER)).entries[-1]
    assert line.action == "signed" and "chutich.ubnd" in line.note and '"on_behalf_of": "chutich.ubnd"' in \
        line.changes_json


async def test_a_deputy_signing_under_a_delegation_gets_the_authority_lines_on_the_signed_pdf(
        platform: Platform) -> None:
    """Decree 30/2020 Appendix I, box 7a/7b: the draft puts [[THAM_QUYEN]] where the signing authority goes; the
    vice-chairman signing KT. for the chairman gets "KT. CHỦ TỊCH" over their own position stamped there by signing
    (read back from the signed PDF's text with pypdfium2)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    from vanthu.storage.v1 import storage_pb2
    from vanthu_core.grpc_client import bearer_metadata

    doc = await platform.draft(pb.DocumentInput(
        type_code="cong_van", abstract="V/v kiện toàn tổ công tác", unit_abbreviation="VP",
        signer=pb.Signer(name="Nguyễn Văn Hưởng", title="Chủ tịch")), pdf=draft_pdf(title="[[THAM_QUYEN]]"))
    await platform.call(platform.documents.SubmitDocument, pb.SubmitDocumentRequest(id=doc.id), OFFICER)
    refused_code = await refused(platform, platform.documents.SignDocument, pb.SignDocumentRequest(
        id=doc.id, signer_position="Phó Chủ tịch"), LEADER)
    assert refused_code == grpc.StatusCode.INVALID_ARGUMENT  # a position without a delegation's competence
    signed = (await platform.call(platform.documents.SignDocument, pb.SignDocumentRequest(
        id=doc.id, competence="KT.", on_behalf_of="chutich.ubnd", signer_position="Phó Chủ tịch"), LEADER)).document
    assert (signed.status, signed.signer.competence) == ("signed", "KT.")
    pdf = b"".join([m.chunk async for m in platform.storage.Download(
        storage_pb2.DownloadRequest(object_id=signed.files[0].object_id),
        metadata=bearer_metadata(platform.issuer.token(LEADER))) if m.WhichOneof("part") == "chunk"])
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        pdfium_c.FPDFPage_Flatten(page.raw, pdfium_c.FLAT_NORMALDISPLAY)  # the form fields, as a reader sees them
        page.close()
        text = " ".join(document[0].get_textpage().get_text_range().split())
    finally:
        document.close()
    assert "KT. CHỦ TỊCH PHÓ CHỦ TỊCH" in text and "THAM_QUYEN" not in text


async def test_a_workflow_step_under_a_delegation_shows_for_whom_and_its_competence(platform: Platform) -> None:
    doc = await arrival(platform)
    assert await platform.registry.documents.record_workflow_step(
        agency_code=UBND, document_id=doc.id, actor=OFFICER, at=ServerClock().now, step="assign",
        from_state="submitted", to_state="assigned", comment="", on_behalf_of=LEADER, competence="TUQ.")
    line = (await platform.call(platform.documents.GetDocumentHistory, pb.GetDocumentHistoryRequest(id=doc.id),
                                LEADER)).entries[-1]
    assert (line.action, line.actor) == ("workflow", OFFICER)
    assert f'"on_behalf_of": "{LEADER}"' in line.changes_json and '"competence": "TUQ."' in line.changes_json


async def test_an_audience_only_step_changes_who_sees_the_arrival_and_adds_no_history_line(platform: Platform) -> None:
    """A delegation created or revoked: the workflow publishes the case's audience again (action ``audience``); the
    deputy sees the arrival, then no longer, and the history shows no processing step for either."""
    doc = await arrival(platform)
    get, history = pb.GetDocumentRequest(id=doc.id), pb.GetDocumentHistoryRequest(id=doc.id)
    lines = len((await platform.call(platform.documents.GetDocumentHistory, history, LEADER)).entries)

    assert await step(platform, doc.id, [f"user:{OFFICER_SUB}"], seq=1, action="audience")  # changed: relayed
    assert (await platform.call(platform.documents.GetDocument, get, OFFICER)).document.id == doc.id
    assert await step(platform, doc.id, ["role:leader"], seq=1, action="audience", event=2)
    assert await refused(platform, platform.documents.GetDocument, get, OFFICER) == grpc.StatusCode.NOT_FOUND
    assert len((await platform.call(platform.documents.GetDocumentHistory, history, LEADER)).entries) == lines
