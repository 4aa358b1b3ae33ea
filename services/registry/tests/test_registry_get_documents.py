"""GetDocuments on a real registry server (issue 12, a ninth round): interchange reads the issued documents of a
consumer's batch in one call, each item answered as GetDocument answers interchange for it (an issued document of the
agency it names, with its type's name; NotFound before it is issued or for another agency's; the agency required),
one result per item in order, a refused item refused alone. Only the interchange client may call it."""

from typing import Any

import grpc
import pytest

from vanthu.registry.v1 import documents_pb2 as pb
from vanthu_core.grpc_client import bearer_metadata

pytestmark = pytest.mark.integration
UBND, SNV = "000.00.00.H61", "000.00.02.H61"

DECISION = pb.DocumentInput(
    type_code="quyet_dinh",
    abstract="Quyết định về việc công nhận xã đạt chuẩn nông thôn mới",
    urgency="urgent",
    drafting_unit="Phòng Nội chính",
    signer=pb.Signer(name="Nguyễn Văn Hưởng", title="Phó Chủ tịch", competence="KT."),
    place="Vĩnh Long",
    recipients=[pb.Recipient(agency_code=SNV), pb.Recipient(name="Báo Vĩnh Long")],
)


async def one_by_one(platform: Any, metadata: Any, item: pb.GetDocumentRequest) -> pb.DocumentResult:
    """What GetDocument answers for ``item``, as a DocumentResult."""
    try:
        return pb.DocumentResult(document=(await platform.documents.GetDocument(item, metadata=metadata)).document)
    except grpc.aio.AioRpcError as error:
        return pb.DocumentResult(error_code=error.code().value[0], error_message=error.details() or "")


async def test_a_batch_read_answers_each_document_as_one_get_document_does_and_a_refusal_alone(platform: Any) -> None:
    register = (
        await platform.call(
            platform.documents.CreateRegister,
            pb.CreateRegisterRequest(
                register=pb.Register(direction="outgoing", name="Sổ văn bản đi", agency_abbreviation="UBND")
            ),
            "vanthu.ubnd",
        )
    ).register
    first = await platform.issued(DECISION, register.id)
    second = await platform.issued(DECISION, register.id)
    draft = await platform.draft(DECISION)
    interchange = bearer_metadata(platform.issuer.service_token("vanthu-interchange"))
    items = [
        pb.GetDocumentRequest(id=first.id, agency_code=UBND),
        pb.GetDocumentRequest(id=draft.id, agency_code=UBND),  # not issued
        pb.GetDocumentRequest(id=second.id, agency_code=SNV),  # another agency's: tenancy, per item
        pb.GetDocumentRequest(id=second.id, agency_code=UBND),
        pb.GetDocumentRequest(id="no-such-document", agency_code=UBND),
        pb.GetDocumentRequest(id=first.id, agency_code=UBND),  # the same document twice
        pb.GetDocumentRequest(id=first.id, agency_code="không phải mã"),
        pb.GetDocumentRequest(id=first.id),
    ]  # no agency named

    reply = await platform.documents.GetDocuments(pb.GetDocumentsRequest(items=items), metadata=interchange)

    results = list(reply.results)
    assert [(r.document.id, r.error_code) for r in results] == [
        (first.id, 0),
        ("", grpc.StatusCode.NOT_FOUND.value[0]),
        ("", grpc.StatusCode.NOT_FOUND.value[0]),
        (second.id, 0),
        ("", grpc.StatusCode.NOT_FOUND.value[0]),
        (first.id, 0),
        ("", grpc.StatusCode.INVALID_ARGUMENT.value[0]),
        ("", grpc.StatusCode.INVALID_ARGUMENT.value[0]),
    ]
    assert (results[0].document.type_name, results[0].document.status) == ("Quyết định", "issued")
    assert [r.error_field for r in results[6:]] == ["agency_code", "agency_code"]
    for item, result in zip(items, results, strict=True):
        alone = await one_by_one(platform, interchange, item)
        assert result.document == alone.document
        assert (result.error_code, bool(result.error_message)) == (alone.error_code, bool(alone.error_message))
        assert alone.error_message.endswith(result.error_message)  # a single call's details may add the field


@pytest.mark.parametrize("user", ["vanthu.ubnd", "lanhdao.ubnd", "chuyenvien.ubnd"])
async def test_only_interchange_reads_documents_by_the_batch(platform: Any, user: str) -> None:
    for metadata in (
        bearer_metadata(platform.issuer.token(user)),
        bearer_metadata(platform.issuer.service_token("vanthu-search")),
        bearer_metadata(platform.issuer.service_token("vanthu-workflow")),
    ):
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await platform.documents.GetDocuments(
                pb.GetDocumentsRequest(items=[pb.GetDocumentRequest(id="any", agency_code=UBND)]), metadata=metadata
            )
        assert error.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_a_batch_read_of_more_than_256_documents_is_refused(platform: Any) -> None:
    interchange = bearer_metadata(platform.issuer.service_token("vanthu-interchange"))
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await platform.documents.GetDocuments(
            pb.GetDocumentsRequest(items=[pb.GetDocumentRequest(id=str(n), agency_code=UBND) for n in range(257)]),
            metadata=interchange,
        )
    assert error.value.code() == grpc.StatusCode.INVALID_ARGUMENT
