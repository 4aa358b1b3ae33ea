"""A document the workflow's outgoing circuit governs is submitted, returned, signed and issued only through the
circuit (issue 13 review item 1): the registry refuses the direct acts on it, in Vietnamese saying where to act, and
accepts them when the workflow vouches for the person's call; a document no circuit governs keeps the direct acts."""

from typing import Any

import grpc
import pytest

from vanthu.registry.v1 import documents_pb2 as pb
from vanthu_core import clients
from vanthu_core.grpc_client import vouched_metadata
from vanthu_testing.documents import draft_pdf

from .test_registry_api_issuing import DECISION, expect, general_register, stat

pytestmark = pytest.mark.integration
CIRCUIT_WORDS = "Văn bản này đang theo quy trình trình ký: hãy"


async def through_circuit(platform: Any, method: Any, request: Any, user: str) -> Any:
    """The person's call as the workflow makes it: their token, vouched for with the workflow's own."""
    return await method(request, metadata=vouched_metadata(platform.issuer.token(user),
                                                            platform.issuer.service_token(clients.WORKFLOW)))


async def test_a_document_in_the_circuit_is_signed_and_issued_only_through_it(platform: Any) -> None:
    docs = platform.documents
    register = await general_register(platform)
    draft = await platform.draft(DECISION)
    await expect(grpc.StatusCode.PERMISSION_DENIED, platform.call(  # only the workflow starts a circuit
        docs.EnterCircuit, pb.EnterCircuitRequest(id=draft.id), "chuyenvien.ubnd"))
    await expect(grpc.StatusCode.PERMISSION_DENIED, through_circuit(  # on the drafter's own draft
        platform, docs.EnterCircuit, pb.EnterCircuitRequest(id=draft.id), "truongphong.ubnd"))
    entered = (await through_circuit(platform, docs.EnterCircuit, pb.EnterCircuitRequest(id=draft.id),
                                     "chuyenvien.ubnd")).document
    assert (entered.in_circuit, entered.status) == (True, "draft")

    refused = await expect(grpc.StatusCode.FAILED_PRECONDITION, platform.call(
        docs.SubmitDocument, pb.SubmitDocumentRequest(id=draft.id), "chuyenvien.ubnd"))
    assert refused.details().startswith(CIRCUIT_WORDS + " trình ký trong hồ sơ công việc"), refused.details()
    await through_circuit(platform, docs.SubmitDocument, pb.SubmitDocumentRequest(id=draft.id), "chuyenvien.ubnd")

    for method, request in ((docs.SignDocument, pb.SignDocumentRequest(id=draft.id)),
                            (docs.PrepareSignDocument, pb.PrepareSignDocumentRequest(id=draft.id)),
                            (docs.ReturnDocument, pb.ReturnDocumentRequest(id=draft.id, reason="Sửa lại"))):
        refused = await expect(grpc.StatusCode.FAILED_PRECONDITION, platform.call(method, request, "lanhdao.ubnd"))
        assert refused.details().startswith(CIRCUIT_WORDS), refused.details()
    signed = (await through_circuit(platform, docs.SignDocument, pb.SignDocumentRequest(id=draft.id),
                                    "lanhdao.ubnd")).document
    assert signed.status == "signed"

    refused = await expect(grpc.StatusCode.FAILED_PRECONDITION, platform.call(
        docs.IssueDocument, pb.IssueDocumentRequest(id=draft.id, register_id=register.id), "vanthu.ubnd"))
    assert refused.details().startswith(CIRCUIT_WORDS + " phát hành"), refused.details()
    assert (await platform.call(docs.GetDocument, pb.GetDocumentRequest(id=draft.id), "vanthu.ubnd")
            ).document.status == "signed"  # the refusal took no number
    issued = (await through_circuit(platform, docs.IssueDocument, pb.IssueDocumentRequest(
        id=draft.id, register_id=register.id), "vanthu.ubnd")).document
    assert (issued.status, issued.number_symbol) == ("issued", "01/QĐ-UBND")


async def test_a_vouched_submission_marks_an_older_circuit_and_a_circuit_starts_only_on_a_draft(
        platform: Any) -> None:
    docs = platform.documents
    draft = await platform.draft(DECISION)
    assert not draft.in_circuit  # a circuit that began before the registry kept the mark
    submitted = (await through_circuit(platform, docs.SubmitDocument, pb.SubmitDocumentRequest(id=draft.id),
                                       "chuyenvien.ubnd")).document
    assert submitted.in_circuit
    await expect(grpc.StatusCode.FAILED_PRECONDITION, platform.call(
        docs.SignDocument, pb.SignDocumentRequest(id=draft.id), "lanhdao.ubnd"))

    direct = await platform.draft(DECISION)
    await platform.call(docs.SubmitDocument, pb.SubmitDocumentRequest(id=direct.id), "chuyenvien.ubnd")
    refused = await expect(grpc.StatusCode.FAILED_PRECONDITION, through_circuit(
        platform, docs.EnterCircuit, pb.EnterCircuitRequest(id=direct.id), "chuyenvien.ubnd"))
    assert "chỉ dự thảo" in refused.details()


async def test_a_draft_in_the_circuit_is_changed_only_through_it(platform: Any) -> None:
    """Issue 13 review (high): what the head approved is what is signed. A circuit's draft is changed (its main file,
    its signer) only when the workflow vouches, having checked the draft is back with its drafter: a direct change is
    refused, takes no reference on the new file and leaves the draft as it was."""
    docs = platform.documents
    draft = await platform.draft(DECISION)
    await through_circuit(platform, docs.EnterCircuit, pb.EnterCircuitRequest(id=draft.id), "chuyenvien.ubnd")
    swapped = await platform.upload("chuyenvien.ubnd", draft_pdf("Bản khác chưa được duyệt"))
    changed = pb.DocumentInput()
    changed.CopyFrom(DECISION)
    changed.signer.name = "Nguyễn Văn Đức"
    changed.files.append(pb.DocumentFile(object_id=swapped.object_id, role="main"))
    request = pb.UpdateDraftRequest(id=draft.id, document=changed, expected_version=draft.version)

    refused = await expect(grpc.StatusCode.FAILED_PRECONDITION, platform.call(docs.UpdateDraft, request,
                                                                               "chuyenvien.ubnd"))
    assert refused.details().startswith(CIRCUIT_WORDS + " sửa dự thảo"), refused.details()
    kept = (await platform.call(docs.GetDocument, pb.GetDocumentRequest(id=draft.id), "chuyenvien.ubnd")).document
    assert (kept.version, [f.object_id for f in kept.files]) == (draft.version, [draft.files[0].object_id])
    assert list((await stat(platform, swapped.object_id)).references) == []

    updated = (await through_circuit(platform, docs.UpdateDraft, request, "chuyenvien.ubnd")).document
    assert (updated.signer.name, [f.object_id for f in updated.files]) == ("Nguyễn Văn Đức", [swapped.object_id])
    assert updated.version == draft.version + 1


async def test_only_its_drafter_changes_a_draft_even_before_its_circuit(platform: Any) -> None:
    """Issue 13 second review: a clerk or leader who can read a colleague's draft cannot swap its content before the
    drafter puts it into the circuit (nor with the workflow vouching: it vouches for the drafter only)."""
    docs = platform.documents
    draft = await platform.draft(DECISION)
    changed = pb.DocumentInput()
    changed.CopyFrom(DECISION)
    changed.abstract = "Nội dung bị người khác tráo trước khi trình"
    request = pb.UpdateDraftRequest(id=draft.id, document=changed)
    for user in ("vanthu.ubnd", "lanhdao.ubnd"):
        refused = await expect(grpc.StatusCode.PERMISSION_DENIED, platform.call(docs.UpdateDraft, request, user))
        assert "người soạn" in refused.details()
    await expect(grpc.StatusCode.PERMISSION_DENIED, through_circuit(platform, docs.UpdateDraft, request,
                                                                    "lanhdao.ubnd"))
    kept = (await platform.call(docs.GetDocument, pb.GetDocumentRequest(id=draft.id), "chuyenvien.ubnd")).document
    assert (kept.abstract, kept.version) == (draft.abstract, draft.version)
    mine = (await platform.call(docs.UpdateDraft, request, "chuyenvien.ubnd")).document
    assert mine.abstract == "Nội dung bị người khác tráo trước khi trình"

    # the signer chosen from the agency's people keeps their account (a deputy signs under its delegation)
    changed.signer.name, changed.signer.subject = "Nguyễn Văn Hưởng", platform.issuer.subject("lanhdao.ubnd")
    chosen = (await platform.call(docs.UpdateDraft, pb.UpdateDraftRequest(id=draft.id, document=changed),
                                  "chuyenvien.ubnd")).document
    assert (chosen.signer.name, chosen.signer.subject) == ("Nguyễn Văn Hưởng", platform.issuer.subject("lanhdao.ubnd"))
    changed.signer.subject = "x" * 65
    await expect(grpc.StatusCode.INVALID_ARGUMENT, platform.call(
        docs.UpdateDraft, pb.UpdateDraftRequest(id=draft.id, document=changed), "chuyenvien.ubnd"))


async def test_a_draft_without_its_placeholders_is_refused_when_sent_for_review(platform: Any) -> None:
    """Gửi duyệt checks the main file as trình ký does (issue 14): a draft without [[SO]] / [[NGAY]] / [[CHU_KY]]
    does not enter the circuit, so its drafter, who can still change the file, is told, not the leader after review."""
    docs = platform.documents
    bare = await platform.draft(DECISION, pdf=draft_pdf("Quyết định thiếu chỗ ký", without=("[[CHU_KY]]",)))
    refused = await expect(grpc.StatusCode.FAILED_PRECONDITION, through_circuit(
        platform, docs.EnterCircuit, pb.EnterCircuitRequest(id=bare.id), "chuyenvien.ubnd"))
    details = refused.details() or ""
    assert details.startswith("Chưa gửi duyệt được.") and "[[CHU_KY]]" in details and "[[SO]]" not in details
    still = (await platform.call(docs.GetDocument, pb.GetDocumentRequest(id=bare.id), "chuyenvien.ubnd")).document
    assert (still.status, still.in_circuit) == ("draft", False)
    full = await platform.draft(DECISION)
    entered = (await through_circuit(platform, docs.EnterCircuit, pb.EnterCircuitRequest(id=full.id),
                                     "chuyenvien.ubnd")).document
    assert entered.in_circuit
