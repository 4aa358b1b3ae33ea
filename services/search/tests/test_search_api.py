"""The Search method through a real gRPC server in-process (tokens from the real dev issuer, the real access table):
the caller's agency and principals from the verified token and the registry's directory (faked here: the units of
each person), input limits (empty, 10,000 characters, unbalanced quotes, query syntax) answered with
INVALID_ARGUMENT naming the field or as a literal search, never INTERNAL; cursors that page (the facets with the
first page only) and cannot be forged."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import pytest

from vanthu.common.v1 import common_pb2
from vanthu.registry.v1 import registry_pb2
from vanthu.search.v1 import search_pb2, search_pb2_grpc
from vanthu_core.auth import JwksVerifier
from vanthu_core.grpc_client import bearer_metadata
from vanthu_core.grpc_server import GrpcServer, field_violations
from vanthu_search.api import SearchApi
from vanthu_search.backends.tantivy_backend import TantivyBackend
from vanthu_search.domain.model import IndexedDocument
from vanthu_search.sources import Directory
from vanthu_testing.identity import DevIssuer

from .conftest import AGENCY, relevance_documents

pytestmark = pytest.mark.integration
SNV = "000.00.02.H61"


class FakeRegistry:
    """The registry's directory as search reads it: every unit member of the caller's agency."""

    def __init__(self, members: dict[str, list[tuple[str, str]]]) -> None:
        self.members = members

    async def ListUnitMembers(self, request: Any, metadata: Any) -> Any:
        import jwt

        agency = jwt.decode(dict(metadata)["authorization"][7:], options={"verify_signature": False})["agency"]
        return registry_pb2.ListUnitMembersResponse(members=[
            registry_pb2.UnitMember(unit_code=unit, subject=subject) for unit, subject in self.members.get(agency, [])])


@pytest.fixture
async def stub(dev_issuer: DevIssuer, tmp_path: Path) -> AsyncIterator[Any]:
    backend = TantivyBackend(tmp_path / "index")
    backend.upsert([*relevance_documents(), IndexedDocument(
        id="snv-1", agency_code=SNV, audience=("*",), abstract="Quyết định của Sở Nội vụ về tuyển dụng")])
    backend.upsert([IndexedDocument(id="th-only", agency_code=AGENCY, audience=("unit:TH",),
                                    abstract="Tờ trình về kinh phí hội nghị tổng kết")])
    registry = FakeRegistry({AGENCY: [("TH", dev_issuer.subject("chuyenvien.ubnd"))]})
    verifier = JwksVerifier(dev_issuer.issuer)
    server = GrpcServer(service="search", host="127.0.0.1", port=0, verifier=verifier,
                        service_names=["vanthu.search.v1.SearchService"])
    search_pb2_grpc.add_SearchServiceServicer_to_server(SearchApi(backend, Directory(registry)), server.server)
    port = await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield search_pb2_grpc.SearchServiceStub(channel)
    await server.stop(0)
    await verifier.aclose()
    backend.close()


async def search(stub: Any, issuer: DevIssuer, user: str, **fields: Any) -> search_pb2.SearchResponse:
    return await stub.Search(search_pb2.SearchRequest(**fields), metadata=bearer_metadata(issuer.token(user)))


async def refused(stub: Any, issuer: DevIssuer, user: str, **fields: Any) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await search(stub, issuer, user, **fields)
    return caught.value


async def test_a_person_finds_their_agencys_documents_with_facets_and_marked_snippets(
        stub: Any, dev_issuer: DevIssuer) -> None:
    reply = await search(stub, dev_issuer, "vanthu.ubnd", query="quyet dinh phe duyet de an")
    assert reply.hits[0].document_id == "d01"
    assert reply.hits[0].number_symbol == "123/QĐ-UBND"
    abstract = next(h for h in reply.hits[0].highlights if h.field == "abstract")
    assert [abstract.text[s.start:s.end] for s in abstract.spans][:2] == ["Quyết", "định"]
    assert {f.name for f in reply.facets} == {"type_code", "year", "issuing_agency_code", "direction", "status"}
    assert all(h.document_id != "snv-1" for h in reply.hits)


async def test_the_unit_a_person_belongs_to_opens_its_documents_to_them_only(stub: Any, dev_issuer: DevIssuer) -> None:
    in_unit = await search(stub, dev_issuer, "chuyenvien.ubnd", query="kinh phí hội nghị")
    assert [h.document_id for h in in_unit.hits] == ["th-only"]
    outside = await search(stub, dev_issuer, "luutru.ubnd", query="kinh phí hội nghị")
    assert outside.total == 0 and not outside.hits
    assert all(v.count == 0 for f in outside.facets for v in f.values)
    other_agency = await search(stub, dev_issuer, "chuyenvien.snv", query="quyết định")
    assert [h.document_id for h in other_agency.hits] == ["snv-1"]


async def test_bad_queries_get_a_clear_invalid_argument_or_a_literal_search(stub: Any, dev_issuer: DevIssuer) -> None:
    empty = await refused(stub, dev_issuer, "vanthu.ubnd", query="   ")
    assert empty.code() == grpc.StatusCode.INVALID_ARGUMENT and "Từ khóa tìm kiếm" in (empty.details() or "")
    long = await refused(stub, dev_issuer, "vanthu.ubnd", query="quyết định " * 1000)
    assert long.code() == grpc.StatusCode.INVALID_ARGUMENT and "tối đa 500" in (long.details() or "")
    control = await refused(stub, dev_issuer, "vanthu.ubnd", query="a\x00b")
    assert control.code() == grpc.StatusCode.INVALID_ARGUMENT
    for literal in ('abstract:* OR id:[* TO *]', "\\\"; DROP TABLE--", "~2^9 AND"):
        await search(stub, dev_issuer, "vanthu.ubnd", query=literal)  # searched as words, whatever it finds
    for wordless in ("((((", "*", '""'):
        error = await refused(stub, dev_issuer, "vanthu.ubnd", query=wordless)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and "Từ khóa tìm kiếm" in (error.details() or "")
    unbalanced = await search(stub, dev_issuer, "vanthu.ubnd", query='"phê duyệt đề án')
    assert unbalanced.hits[0].document_id == "d01"
    forged = common_pb2.PageRequest(page_token="forged")
    for fields, name in (({"query": "x", "direction": "sideways"}, "direction"), ({"query": "x", "year": 99}, "year"),
                         ({"query": "x", "type_code": "QD OR 1=1"}, "type_code"),
                         ({"query": "x", "sort": "size"}, "sort"), ({"query": "x", "page": forged}, "page.page_token")):
        error = await refused(stub, dev_issuer, "vanthu.ubnd", **fields)
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT and name in dict(field_violations(error)), fields


async def test_a_cursor_pages_through_every_hit_once_and_belongs_to_its_query(stub: Any, dev_issuer: DevIssuer) -> None:
    seen: list[str] = []
    token = ""
    while True:
        reply = await search(stub, dev_issuer, "vanthu.ubnd", query="về việc", sort="date",
                             page=common_pb2.PageRequest(page_size=7, page_token=token))
        # the facets come with the first page only (the next pages would count the same again)
        assert bool(reply.facets) == (token == ""), token
        seen.extend(h.document_id for h in reply.hits)
        token = reply.page.next_page_token
        if not token:
            break
    assert len(seen) == len(set(seen)) == reply.total > 7
    first = await search(stub, dev_issuer, "vanthu.ubnd", query="về việc", page=common_pb2.PageRequest(page_size=2))
    other = await refused(stub, dev_issuer, "vanthu.ubnd", query="quyết định",
                          page=common_pb2.PageRequest(page_token=first.page.next_page_token))
    assert other.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_only_an_administrator_reads_the_index_status(stub: Any, dev_issuer: DevIssuer) -> None:
    status = await stub.GetIndexStatus(search_pb2.GetIndexStatusRequest(),
                                       metadata=bearer_metadata(dev_issuer.token("quantri.ubnd")))
    assert status.backend == "tantivy" and status.documents == len(relevance_documents()) + 2
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await stub.GetIndexStatus(search_pb2.GetIndexStatusRequest(),
                                  metadata=bearer_metadata(dev_issuer.token("chuyenvien.ubnd")))
    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED
