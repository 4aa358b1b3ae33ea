"""A document's life through the registry's API with real storage and signing beside it: draft with a file,
submit, sign, issue in one act; who may do each step; the number kept when the seal fails; files kept and let go."""

import asyncio
import json
from typing import Any

import grpc
import pytest

from vanthu.registry.v1 import documents_pb2 as pb
from vanthu.storage.v1 import storage_pb2
from vanthu_core import clients
from vanthu_core.db import create_engine, session_factory
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.grpc_server import field_violations
from vanthu_registry.documents_store import DocumentStore
from vanthu_registry.domain.documents import DocumentFile, FileRole
from vanthu_signing.store import AGENCY
from vanthu_testing.documents import draft_pdf

pytestmark = pytest.mark.integration
SNV = "000.00.02.H61"
DECISION = pb.DocumentInput(type_code="quyet_dinh", abstract="Quyết định về việc công nhận xã đạt chuẩn nông thôn mới",
                            urgency="urgent", drafting_unit="Phòng Nội chính", signer=pb.Signer(
                                name="Nguyễn Văn Hưởng", title="Phó Chủ tịch", competence="KT."),
                            recipients=[pb.Recipient(agency_code=SNV), pb.Recipient(name="Báo Vĩnh Long")])


async def expect(code: grpc.StatusCode, coro: Any) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await coro
    assert error.value.code() == code, error.value.details()
    return error.value


async def general_register(platform: Any, clerk: str = "vanthu.ubnd", abbreviation: str = "UBND") -> pb.Register:
    reply = await platform.call(platform.documents.CreateRegister, pb.CreateRegisterRequest(register=pb.Register(
        direction="outgoing", name="Sổ văn bản đi", agency_abbreviation=abbreviation)), clerk)
    return reply.register


async def stat(platform: Any, object_id: str, agency: str = "000.00.00.H61") -> storage_pb2.StoredObject:
    """The object as storage holds it, read as a service (a file a document let go of goes to no person but its
    uploader: storage's ``check_released``)."""
    return (await platform.storage.Stat(storage_pb2.StatRequest(object_id=object_id, agency_code=agency),
                                        metadata=bearer_metadata(platform.issuer.service_token(clients.SIGNING)))).object


async def test_an_officer_drafts_the_leader_signs_and_the_clerk_issues_in_one_act(platform: Any) -> None:
    docs = platform.documents
    register = await general_register(platform)
    draft = await platform.draft(DECISION)
    assert (draft.status, draft.issuing_agency_name) == ("draft", "Ủy ban nhân dân tỉnh Vĩnh Long")
    assert draft.files[0].content_type == "application/pdf" and len(draft.files[0].sha256) == 64
    assert list((await stat(platform, draft.files[0].object_id)).references) == [f"registry/document/{draft.id}"]

    await expect(grpc.StatusCode.FAILED_PRECONDITION, platform.call(
        docs.SignDocument, pb.SignDocumentRequest(id=draft.id), "lanhdao.ubnd"))  # not submitted yet
    await expect(grpc.StatusCode.PERMISSION_DENIED, platform.call(  # only the drafter submits
        docs.SubmitDocument, pb.SubmitDocumentRequest(id=draft.id), "truongphong.ubnd"))
    await expect(grpc.StatusCode.NOT_FOUND, platform.call(  # another agency does not see it
        docs.SubmitDocument, pb.SubmitDocumentRequest(id=draft.id), "chuyenvien.snv"))
    submitted = (await platform.call(docs.SubmitDocument, pb.SubmitDocumentRequest(id=draft.id),
                                     "chuyenvien.ubnd")).document
    assert submitted.status == "submitted"
    for user in ("chuyenvien.ubnd", "vanthu.ubnd"):  # only leaders and heads sign
        await expect(grpc.StatusCode.PERMISSION_DENIED, platform.call(
            docs.SignDocument, pb.SignDocumentRequest(id=draft.id), user))
    await expect(grpc.StatusCode.FAILED_PRECONDITION, platform.call(  # the head has no signing profile
        docs.SignDocument, pb.SignDocumentRequest(id=draft.id), "truongphong.ubnd"))
    signed = (await platform.call(docs.SignDocument, pb.SignDocumentRequest(id=draft.id), "lanhdao.ubnd")).document
    assert (signed.status, signed.signed_by) == ("signed", "lanhdao.ubnd") and signed.signed_at.endswith("+07:00")
    assert signed.signer.name == "Nguyễn Văn Hưởng"  # as the drafter named the signer
    assert signed.files[0].object_id != draft.files[0].object_id
    assert list((await stat(platform, draft.files[0].object_id)).references) == []  # the draft file is let go

    await expect(grpc.StatusCode.PERMISSION_DENIED, platform.call(docs.IssueDocument, pb.IssueDocumentRequest(
        id=draft.id, register_id=register.id), "chuyenvien.ubnd"))  # only the clerk issues
    issued = (await platform.call(docs.IssueDocument, pb.IssueDocumentRequest(id=draft.id, register_id=register.id),
                                  "vanthu.ubnd")).document
    assert (issued.status, issued.number_symbol, issued.seal_error) == ("issued", "01/QĐ-UBND", "")
    assert issued.numbered_at.endswith("+07:00") and issued.document_date == issued.numbered_at[:10]
    assert issued.signer.competence == "KT." and issued.signer.name == "Nguyễn Văn Hưởng"
    sealed = issued.files[0].object_id
    assert sealed != signed.files[0].object_id
    holders = list((await stat(platform, sealed)).references)
    assert f"registry/document/{draft.id}" in holders and any(h.startswith("signing/result/") for h in holders)
    assert list((await stat(platform, signed.files[0].object_id)).references) == []  # superseded by the seal
    again = (await platform.call(docs.IssueDocument, pb.IssueDocumentRequest(id=draft.id, register_id=register.id),
                                 "vanthu.ubnd")).document
    assert (again.number_symbol, again.files[0].object_id, again.version) == (
        issued.number_symbol, sealed, issued.version)  # idempotent: never a second number or seal
    history = (await platform.call(docs.GetDocumentHistory, pb.GetDocumentHistoryRequest(id=draft.id),
                                   "lanhdao.ubnd")).entries
    assert [h.action for h in history] == ["drafted", "submitted", "signed", "numbered", "issued"]
    # the issued main file is named after its số, ký hiệu, on the document and in storage; the history keeps the
    # drafter's name
    assert (draft.files[0].file_name, signed.files[0].file_name) == ("dự thảo.pdf", "dự thảo.pdf")
    assert issued.files[0].file_name == "01-QĐ-UBND.pdf"
    assert (await stat(platform, sealed)).file_name == "01-QĐ-UBND.signed.pdf"  # signing's name for what it made
    assert json.loads(history[-1].changes_json)["files[0].file_name"] == ["dự thảo.pdf", "01-QĐ-UBND.pdf"]


async def test_a_failed_seal_keeps_the_number_and_the_repeated_issue_completes_it(platform: Any) -> None:
    """Sở Nội vụ's leader can sign (profile bound below) but the agency has no seal profile yet."""
    docs = platform.documents
    signing_store = platform.signing.store
    leader_profile = await signing_store.profile("000.00.00.H61", "personal",
                                                 subject=platform.issuer.subject("lanhdao.ubnd"))
    await signing_store.put_profile(agency_code=SNV, kind="personal", subject=platform.issuer.subject("lanhdao.snv"),
                                    username="lanhdao.snv",
                                    key_label=leader_profile.key_label, certificate=None, image=leader_profile.image,
                                    actor="operator")
    register = await general_register(platform, "vanthu.snv", "SNV")
    doc = await platform.signed(DECISION, officer="chuyenvien.snv", leader="lanhdao.snv")
    failure = await expect(grpc.StatusCode.FAILED_PRECONDITION, platform.call(
        docs.IssueDocument, pb.IssueDocumentRequest(id=doc.id, register_id=register.id), "vanthu.snv"))
    assert "01/QĐ-SNV" in (failure.details() or "") and "chưa có hồ sơ ký số của cơ quan" in (failure.details() or "")
    pending = (await platform.call(docs.GetDocument, pb.GetDocumentRequest(id=doc.id), "vanthu.snv")).document
    assert (pending.status, pending.number_symbol) == ("numbered", "01/QĐ-SNV") and pending.seal_error

    seal = await signing_store.profile("000.00.00.H61", AGENCY)
    await signing_store.put_profile(agency_code=SNV, kind=AGENCY, subject="", username="", key_label=seal.key_label,
                                    certificate=None, image=seal.image, actor="operator")
    other = await platform.signed(DECISION, officer="chuyenvien.snv", leader="lanhdao.snv")
    done = (await platform.call(docs.IssueDocument, pb.IssueDocumentRequest(id=doc.id), "vanthu.snv")).document
    assert (done.status, done.number_symbol, done.seal_error) == ("issued", "01/QĐ-SNV", "")  # the same number
    later = (await platform.call(docs.IssueDocument, pb.IssueDocumentRequest(id=other.id, register_id=register.id),
                                 "vanthu.snv")).document
    assert later.number_symbol == "02/QĐ-SNV"  # the pending one took no second number
    history = [h.action for h in (await platform.call(docs.GetDocumentHistory, pb.GetDocumentHistoryRequest(
        id=doc.id), "vanthu.snv")).entries]
    assert history == ["drafted", "submitted", "signed", "numbered", "seal_failed", "issued"]


async def test_the_seal_needs_a_personal_signature_by_someone_of_the_agency(platform: Any) -> None:
    """A PDF signed by the province's leader, put on Sở Nội vụ's draft, is not sealed by Sở Nội vụ."""
    docs = platform.documents
    seal = await platform.signing.store.profile("000.00.00.H61", AGENCY)
    await platform.signing.store.put_profile(agency_code=SNV, kind=AGENCY, subject="", username="",
                                             key_label=seal.key_label,
                                             certificate=None, image=seal.image, actor="operator")
    province = await platform.signed(DECISION)  # signed by lanhdao.ubnd
    signed_pdf = b"".join([m.chunk async for m in platform.storage.Download(
        storage_pb2.DownloadRequest(object_id=province.files[0].object_id),
        metadata=bearer_metadata(platform.issuer.token("vanthu.ubnd"))) if m.WhichOneof("part") == "chunk"])
    register = await general_register(platform, "vanthu.snv", "SNV")
    doc = await platform.draft(DECISION, officer="chuyenvien.snv", pdf=signed_pdf)
    # Sở Nội vụ's leader has no signing profile: the document is submitted (its file, signed already, has no
    # placeholders left for trình ký's check) and put in the signed state behind the API's back
    engine = create_engine(platform.registry.settings.database_url)
    try:
        f = doc.files[0]
        store = DocumentStore(session_factory(engine))
        drafter = (await store.get(SNV, doc.id))["drafter_subject"]
        await store.submit(agency_code=SNV, document_id=doc.id, actor="chuyenvien.snv", actor_subject=drafter)
        await store.record_signed(
            agency_code=SNV, document_id=doc.id, signed_from=f.object_id, actor="lanhdao.snv",
            signed=DocumentFile(f.object_id, f.sha256, FileRole.MAIN, f.file_name, f.content_type))
    finally:
        await engine.dispose()
    failure = await expect(grpc.StatusCode.FAILED_PRECONDITION, platform.call(
        docs.IssueDocument, pb.IssueDocumentRequest(id=doc.id, register_id=register.id), "vanthu.snv"))
    assert "không có hồ sơ ký số của cơ quan 000.00.02.H61" in (failure.details() or "")


async def test_files_must_be_the_agencys_own_and_a_cancelled_draft_lets_them_go(platform: Any) -> None:
    docs = platform.documents
    theirs = await platform.upload("chuyenvien.snv", draft_pdf("Tờ trình của Sở Nội vụ"))
    with_theirs = pb.DocumentInput()
    with_theirs.CopyFrom(DECISION)
    with_theirs.files.append(pb.DocumentFile(object_id=theirs.object_id, role="main"))
    error = await expect(grpc.StatusCode.INVALID_ARGUMENT, platform.call(
        docs.CreateDocument, pb.CreateDocumentRequest(document=with_theirs), "chuyenvien.ubnd"))
    assert "files[0].object_id" in dict(field_violations(error))
    mine = await platform.upload("chuyenvien.ubnd", draft_pdf("Kế hoạch chuyển đổi số"))
    wrong_digest = pb.DocumentInput()
    wrong_digest.CopyFrom(DECISION)
    wrong_digest.files.append(pb.DocumentFile(object_id=mine.object_id, sha256="0" * 64, role="main"))
    await expect(grpc.StatusCode.INVALID_ARGUMENT, platform.call(
        docs.CreateDocument, pb.CreateDocumentRequest(document=wrong_digest), "chuyenvien.ubnd"))
    assert list((await stat(platform, mine.object_id)).references) == []  # the refused draft keeps nothing

    draft = await platform.draft(DECISION)
    first = draft.files[0].object_id
    replacement = await platform.upload("chuyenvien.ubnd", draft_pdf("Dự thảo lần 2"))
    changed = pb.DocumentInput()
    changed.CopyFrom(DECISION)
    changed.files.append(pb.DocumentFile(object_id=replacement.object_id, role="main"))
    updated = (await platform.call(docs.UpdateDraft, pb.UpdateDraftRequest(id=draft.id, document=changed),
                                   "chuyenvien.ubnd")).document
    assert [f.object_id for f in updated.files] == [replacement.object_id]
    assert list((await stat(platform, first)).references) == []
    assert list((await stat(platform, replacement.object_id)).references) == [f"registry/document/{draft.id}"]
    await platform.call(docs.CancelDocument, pb.CancelDocumentRequest(id=draft.id, reason="Không ban hành nữa"),
                        "lanhdao.ubnd")
    assert list((await stat(platform, replacement.object_id)).references) == []


async def test_a_draft_is_submitted_only_with_pdf_files(platform: Any) -> None:
    docs = platform.documents
    docx = await platform.upload("chuyenvien.ubnd", _docx(), "dự thảo.docx")
    draft_input = pb.DocumentInput()
    draft_input.CopyFrom(DECISION)
    draft_input.files.append(pb.DocumentFile(object_id=docx.object_id, role="main"))
    draft = (await platform.call(docs.CreateDocument, pb.CreateDocumentRequest(document=draft_input),
                                 "chuyenvien.ubnd")).document
    error = await expect(grpc.StatusCode.FAILED_PRECONDITION, platform.call(
        docs.SubmitDocument, pb.SubmitDocumentRequest(id=draft.id), "chuyenvien.ubnd"))
    assert error.details() == ("Văn bản chính là tệp Word (.docx); tệp của văn bản đi được ký số dưới dạng PDF: "
                               "hãy chuyển sang PDF.")
    returned_input = await platform.draft(DECISION)
    await platform.call(docs.SubmitDocument, pb.SubmitDocumentRequest(id=returned_input.id), "chuyenvien.ubnd")
    await expect(grpc.StatusCode.INVALID_ARGUMENT, platform.call(  # a reason is required
        docs.ReturnDocument, pb.ReturnDocumentRequest(id=returned_input.id), "lanhdao.ubnd"))
    back = (await platform.call(docs.ReturnDocument, pb.ReturnDocumentRequest(
        id=returned_input.id, reason="Bổ sung căn cứ pháp lý"), "lanhdao.ubnd")).document
    assert (back.status, back.reason) == ("draft", "Bổ sung căn cứ pháp lý")


def _docx() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


async def test_a_draft_without_its_placeholders_is_refused_at_submission_naming_what_is_missing(
        platform: Any) -> None:
    """[[SO]], [[NGAY]] and [[CHU_KY]] are checked by signing's one rule when the drafter submits (trình ký), not
    after review at the leader's signing: the draft stays a draft, nothing is numbered."""
    docs = platform.documents
    doc = await platform.draft(DECISION, pdf=draft_pdf("Quyết định thiếu chỗ ghi số", without=("[[SO]]", "[[NGAY]]")))
    error = await expect(grpc.StatusCode.FAILED_PRECONDITION, platform.call(
        docs.SubmitDocument, pb.SubmitDocumentRequest(id=doc.id), "chuyenvien.ubnd"))
    details = error.details() or ""
    assert details.startswith("Chưa trình ký được.") and "[[SO]]" in details and "[[NGAY]]" in details
    assert "[[CHU_KY]]" not in details and "hãy gõ các dấu đó vào tệp dự thảo" in details
    still = (await platform.call(docs.GetDocument, pb.GetDocumentRequest(id=doc.id), "chuyenvien.ubnd")).document
    assert (still.status, still.number) == ("draft", 0)
    no_signature = await platform.draft(DECISION, pdf=draft_pdf("Thiếu chỗ ký", without=("[[CHU_KY]]",)))
    error = await expect(grpc.StatusCode.FAILED_PRECONDITION, platform.call(
        docs.SubmitDocument, pb.SubmitDocumentRequest(id=no_signature.id), "chuyenvien.ubnd"))
    assert "[[CHU_KY]]" in (error.details() or "") and "[[SO]]" not in (error.details() or "")

    # only the main file needs them: an attachment (phụ lục) is signed without placeholders
    appendix = await platform.upload("chuyenvien.ubnd", draft_pdf("Phụ lục", without=("[[SO]]", "[[NGAY]]",
                                                                                     "[[CHU_KY]]")), "phụ lục.pdf")
    full = await platform.draft(DECISION)
    update = pb.DocumentInput()
    update.CopyFrom(DECISION)
    update.files.extend([pb.DocumentFile(object_id=full.files[0].object_id, role="main"),
                         pb.DocumentFile(object_id=appendix.object_id, role="attachment")])
    await platform.call(docs.UpdateDraft, pb.UpdateDraftRequest(
        id=full.id, document=update, expected_version=full.version), "chuyenvien.ubnd")
    submitted = (await platform.call(docs.SubmitDocument, pb.SubmitDocumentRequest(id=full.id),
                                     "chuyenvien.ubnd")).document
    assert submitted.status == "submitted" and len(submitted.files) == 2


async def test_ten_clerks_clicking_issue_at_once_get_one_number_and_one_seal(platform: Any) -> None:
    docs = platform.documents
    register = await general_register(platform)
    doc = await platform.signed(DECISION)
    replies = await asyncio.gather(*(platform.call(docs.IssueDocument, pb.IssueDocumentRequest(
        id=doc.id, register_id=register.id), "vanthu.ubnd") for _ in range(10)))
    assert {(r.document.status, r.document.number_symbol, r.document.files[0].object_id) for r in replies} == {
        ("issued", "01/QĐ-UBND", replies[0].document.files[0].object_id)}
    history = [h.action for h in (await platform.call(docs.GetDocumentHistory, pb.GetDocumentHistoryRequest(
        id=doc.id), "vanthu.ubnd")).entries]
    assert history.count("numbered") == 1 and history.count("issued") == 1
    sealed = replies[0].document.files[0].object_id
    assert f"registry/document/{doc.id}" in list((await stat(platform, sealed)).references)


async def test_a_draft_naming_no_signer_takes_the_name_of_the_person_who_signs_it(platform: Any) -> None:
    unnamed = pb.DocumentInput(type_code="cong_van", unit_abbreviation="VP",
                               abstract="V/v tổ chức hội nghị tổng kết công tác văn thư, lưu trữ năm 2026")
    signed = await platform.signed(unnamed)
    assert (signed.signer.name, signed.signed_by) == ("Nguyễn Văn Hưởng", "lanhdao.ubnd")
    history = (await platform.call(platform.documents.GetDocumentHistory, pb.GetDocumentHistoryRequest(
        id=signed.id), "lanhdao.ubnd")).entries
    assert json.loads(history[-1].changes_json)["signer_name"] == [None, "Nguyễn Văn Hưởng"]


async def test_two_saves_of_one_draft_at_once_leave_every_file_it_lists_referenced(platform: Any) -> None:
    docs = platform.documents
    draft = await platform.draft(DECISION)
    first = draft.files[0].object_id
    other = await platform.upload("chuyenvien.ubnd", draft_pdf("Dự thảo sửa lần 2"))

    def with_main(object_id: str) -> pb.DocumentInput:
        changed = pb.DocumentInput()
        changed.CopyFrom(DECISION)
        changed.files.append(pb.DocumentFile(object_id=object_id, role="main"))
        return changed

    for _ in range(3):  # a double save: one keeps the first file, the other swaps it
        await asyncio.gather(*(platform.call(docs.UpdateDraft, pb.UpdateDraftRequest(
            id=draft.id, document=with_main(object_id)), "chuyenvien.ubnd") for object_id in (other.object_id, first)))
        now = (await platform.call(docs.GetDocument, pb.GetDocumentRequest(id=draft.id), "chuyenvien.ubnd")).document
        listed = now.files[0].object_id
        unlisted = other.object_id if listed == first else first
        assert list((await stat(platform, listed)).references) == [f"registry/document/{draft.id}"]
        assert list((await stat(platform, unlisted)).references) == []


async def test_a_cancel_racing_an_issue_never_lets_go_of_a_numbered_documents_files(platform: Any) -> None:
    docs = platform.documents
    register = await general_register(platform)
    for _ in range(3):
        doc = await platform.signed(DECISION)
        await asyncio.gather(
            platform.call(docs.IssueDocument, pb.IssueDocumentRequest(id=doc.id, register_id=register.id),
                          "vanthu.ubnd"),
            platform.call(docs.CancelDocument, pb.CancelDocumentRequest(id=doc.id, reason="Hủy vì trùng"),
                          "lanhdao.ubnd"), return_exceptions=True)
        final = (await platform.call(docs.GetDocument, pb.GetDocumentRequest(id=doc.id), "vanthu.ubnd")).document
        holders = list((await stat(platform, final.files[0].object_id)).references)
        if final.number:  # numbered (issued, or cancelled after): its record keeps its file
            assert f"registry/document/{doc.id}" in holders, (final.status, final.number_symbol)
        else:
            assert final.status == "cancelled" and f"registry/document/{doc.id}" not in holders


async def test_leaders_signing_one_document_at_once_make_one_signature(platform: Any) -> None:
    docs = platform.documents
    draft = await platform.draft(DECISION)
    await platform.call(docs.SubmitDocument, pb.SubmitDocumentRequest(id=draft.id), "chuyenvien.ubnd")
    results = await asyncio.gather(*(platform.call(docs.SignDocument, pb.SignDocumentRequest(id=draft.id),
                                                   "lanhdao.ubnd") for _ in range(5)), return_exceptions=True)
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, grpc.aio.AioRpcError) and r.code() == grpc.StatusCode.FAILED_PRECONDITION
               for r in results if isinstance(r, BaseException))
    journal = await platform.signing.store.journal("000.00.00.H61")
    assert [e.kind for e in journal if e.document_id == draft.id] == ["personal"]


async def test_a_signer_whose_key_the_service_does_not_hold_signs_in_two_steps(platform: Any,
                                                                               tmp_path: Any) -> None:
    """The leader's USB token: PrepareSignature over the document's main file (document_id), the token's value, then
    SignDocument with the handle and the value; a handle prepared over another file is refused for this document."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    from vanthu.signing.v1 import signing_pb2, signing_pb2_grpc

    docs, store = platform.documents, platform.signing.store
    pki = tmp_path / "pki"
    cert = x509.load_pem_x509_certificate((pki / "personal.crt").read_bytes())
    key = serialization.load_pem_private_key((pki / "personal.key").read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    leader_profile = await store.profile("000.00.00.H61", "personal", subject=platform.issuer.subject("lanhdao.ubnd"))
    await store.put_profile(agency_code="000.00.00.H61", kind="personal", username="truongphong.ubnd",
                            subject=platform.issuer.subject("truongphong.ubnd"), key_label=None,
                            certificate=cert.public_bytes(serialization.Encoding.DER), image=leader_profile.image,
                            actor="operator")
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{platform.signing.settings.grpc_port}")
    signing = signing_pb2_grpc.SigningServiceStub(channel)
    head = bearer_metadata(platform.issuer.token("truongphong.ubnd"))
    doc = await platform.draft(DECISION)
    await platform.call(docs.SubmitDocument, pb.SubmitDocumentRequest(id=doc.id), "chuyenvien.ubnd")
    other = await platform.upload("truongphong.ubnd", draft_pdf("Một tệp khác"))

    async def prepared(object_id: str, document_id: str = "") -> tuple[str, bytes]:
        reply = await signing.PrepareSignature(signing_pb2.PrepareSignatureRequest(
            source=signing_pb2.PdfSource(object_id=object_id), document_id=document_id), metadata=head)
        return reply.handle, key.sign(reply.to_sign, padding.PKCS1v15(), hashes.SHA256())

    # the document is the registry's to prepare (issue 13 review item 3): not named by the signer to signing
    await expect(grpc.StatusCode.FAILED_PRECONDITION, prepared(doc.files[0].object_id, doc.id))
    for object_id in (other.object_id, doc.files[0].object_id):  # a loose file's handle, even over the main file
        handle, value = await prepared(object_id)
        refused = await expect(grpc.StatusCode.FAILED_PRECONDITION, platform.call(
            docs.SignDocument, pb.SignDocumentRequest(id=doc.id, handle=handle, signature_value=value),
            "truongphong.ubnd"))
        assert "không được chuẩn bị cho văn bản này" in (refused.details() or "")
    await expect(grpc.StatusCode.INVALID_ARGUMENT, platform.call(
        docs.SignDocument, pb.SignDocumentRequest(id=doc.id, handle=handle), "truongphong.ubnd"))  # no value
    await expect(grpc.StatusCode.FAILED_PRECONDITION, platform.call(  # the service does not hold this key
        docs.SignDocument, pb.SignDocumentRequest(id=doc.id), "truongphong.ubnd"))
    ready = await platform.call(docs.PrepareSignDocument, pb.PrepareSignDocumentRequest(id=doc.id),
                                "truongphong.ubnd")
    handle, value = ready.handle, key.sign(ready.to_sign, padding.PKCS1v15(), hashes.SHA256())
    signed = (await platform.call(docs.SignDocument, pb.SignDocumentRequest(
        id=doc.id, handle=handle, signature_value=value), "truongphong.ubnd")).document
    assert (signed.status, signed.signed_by) == ("signed", "truongphong.ubnd")
    verdict = await signing.Verify(signing_pb2.VerifyRequest(source=signing_pb2.PdfSource(
        object_id=signed.files[0].object_id)), metadata=head)
    assert verdict.valid and [s.field_name for s in verdict.signatures] == ["ChuKyCaNhan"]
    await channel.close()


async def test_a_deputy_signing_with_a_usb_token_under_a_delegation_gets_the_authority_lines(platform: Any,
                                                                                           tmp_path: Any) -> None:
    """Decree 30/2020 Appendix I, box 7a/7b, for a key the service does not hold: PrepareSignDocument draws "KT. CHỦ
    TỊCH" over the deputy's position at [[THAM_QUYEN]] as SignDocument does with a server key (read back from the
    signed PDF's text with pypdfium2); a deputy's handle prepared without it (PrepareSignature directly) is refused."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    from vanthu.signing.v1 import signing_pb2, signing_pb2_grpc

    docs, store = platform.documents, platform.signing.store
    pki = tmp_path / "pki"
    cert = x509.load_pem_x509_certificate((pki / "personal.crt").read_bytes())
    key = serialization.load_pem_private_key((pki / "personal.key").read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    image = (await store.profile("000.00.00.H61", "personal", subject=platform.issuer.subject("lanhdao.ubnd"))).image
    await store.put_profile(agency_code="000.00.00.H61", kind="personal", username="truongphong.ubnd",
                            subject=platform.issuer.subject("truongphong.ubnd"), key_label=None,
                            certificate=cert.public_bytes(serialization.Encoding.DER), image=image, actor="operator")
    doc = await platform.draft(pb.DocumentInput(
        type_code="cong_van", abstract="V/v kiện toàn tổ công tác", unit_abbreviation="VP",
        signer=pb.Signer(name="Nguyễn Văn Hưởng", title="Chủ tịch")), pdf=draft_pdf(title="[[THAM_QUYEN]]"))
    await platform.call(docs.SubmitDocument, pb.SubmitDocumentRequest(id=doc.id), "chuyenvien.ubnd")
    delegation = {"competence": "KT.", "on_behalf_of": "chutich.ubnd", "signer_position": "Phó Chủ tịch"}

    channel = grpc.aio.insecure_channel(f"127.0.0.1:{platform.signing.settings.grpc_port}")
    loose = await signing_pb2_grpc.SigningServiceStub(channel).PrepareSignature(signing_pb2.PrepareSignatureRequest(
        source=signing_pb2.PdfSource(object_id=doc.files[0].object_id)),
        metadata=bearer_metadata(platform.issuer.token("truongphong.ubnd")))
    await channel.close()
    value = key.sign(loose.to_sign, padding.PKCS1v15(), hashes.SHA256())
    refused = await expect(grpc.StatusCode.FAILED_PRECONDITION, platform.call(docs.SignDocument, pb.SignDocumentRequest(
        id=doc.id, handle=loose.handle, signature_value=value, **delegation), "truongphong.ubnd"))
    assert "không được chuẩn bị cho văn bản này" in (refused.details() or "")
    plain = await platform.call(docs.PrepareSignDocument, pb.PrepareSignDocumentRequest(id=doc.id),
                                "truongphong.ubnd")  # the document's, but in the signer's own right
    value = key.sign(plain.to_sign, padding.PKCS1v15(), hashes.SHA256())
    refused = await expect(grpc.StatusCode.FAILED_PRECONDITION, platform.call(docs.SignDocument, pb.SignDocumentRequest(
        id=doc.id, handle=plain.handle, signature_value=value, **delegation), "truongphong.ubnd"))
    assert "thẩm quyền ký" in (refused.details() or "")

    prepared = await platform.call(docs.PrepareSignDocument, pb.PrepareSignDocumentRequest(id=doc.id, **delegation),
                                   "truongphong.ubnd")
    assert list(prepared.authority) == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"] and prepared.image == image
    signed = (await platform.call(docs.SignDocument, pb.SignDocumentRequest(
        id=doc.id, handle=prepared.handle,
        signature_value=key.sign(prepared.to_sign, padding.PKCS1v15(), hashes.SHA256()), **delegation),
        "truongphong.ubnd")).document
    assert (signed.status, signed.signer.competence) == ("signed", "KT.")
    pdf = b"".join([m.chunk async for m in platform.storage.Download(
        storage_pb2.DownloadRequest(object_id=signed.files[0].object_id),
        metadata=bearer_metadata(platform.issuer.token("truongphong.ubnd"))) if m.WhichOneof("part") == "chunk"])
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        pdfium_c.FPDFPage_Flatten(page.raw, pdfium_c.FLAT_NORMALDISPLAY)  # the form fields, as a reader sees them
        page.close()
        text = " ".join(document[0].get_textpage().get_text_range().split())
    finally:
        document.close()
    assert "KT. CHỦ TỊCH PHÓ CHỦ TỊCH" in text and "THAM_QUYEN" not in text
