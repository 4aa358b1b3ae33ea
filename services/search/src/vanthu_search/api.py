"""The gRPC servicer: proto <-> the search's terms, the caller's agency and principals, input limits."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import grpc

from vanthu.search.v1 import search_pb2, search_pb2_grpc
from vanthu_core import policy
from vanthu_core.errors import InvalidArgument, PermissionDenied
from vanthu_search.backends.base import Backend
from vanthu_search.domain import paging
from vanthu_search.domain.access import principals_of
from vanthu_search.domain.model import SORTS, Caller, Filters, Result
from vanthu_search.domain.query import parse
from vanthu_search.sources import Directory

DIRECTIONS = ("incoming", "outgoing")
#: Codes (types, agencies, statuses) are short ASCII identifiers: longer or stranger filters are refused.
MAX_CODE = 40
#: Years a document's date may have.
YEARS = range(1945, 2200)


def _code(field: str, value: str) -> str:
    value = value.strip()
    if len(value) > MAX_CODE or any(not (ch.isascii() and (ch.isalnum() or ch in ".-_")) for ch in value):
        raise InvalidArgument(field, f"là mã tối đa {MAX_CODE} ký tự gồm chữ, số, '.', '-' hoặc '_'.")
    return value


def filters_of(request: search_pb2.SearchRequest) -> Filters:
    if request.direction and request.direction not in DIRECTIONS:
        raise InvalidArgument("direction", "phải là 'incoming' (văn bản đến) hoặc 'outgoing' (văn bản đi), hoặc để "
                                           "trống để tìm cả hai.")
    if request.year and request.year not in YEARS:
        raise InvalidArgument("year", f"phải là năm từ {YEARS.start} đến {YEARS.stop - 1} (hoặc 0: mọi năm).")
    return Filters(type_code=_code("type_code", request.type_code), year=request.year,
                   issuing_agency_code=_code("issuing_agency_code", request.issuing_agency_code),
                   direction=request.direction, status=_code("status", request.status))


def result_to_proto(result: Result, next_token: str) -> search_pb2.SearchResponse:
    """The reply, each message built in place (``add``: upb copies a message given to ``append`` or a constructor,
    which cost half the time of a page of 20 hits)."""
    reply = search_pb2.SearchResponse(total=result.total)
    reply.page.next_page_token = next_token
    for hit in result.hits:
        doc = hit.document
        added = reply.hits.add(
            document_id=doc.id, direction=doc.direction, status=doc.status, type_code=doc.type_code,
            number_symbol=doc.number_symbol, abstract=doc.abstract, issuing_agency_code=doc.issuing_agency_code,
            issuing_agency_name=doc.issuing_agency_name, document_date=doc.document_date, score=hit.score)
        for h in hit.highlights:
            snippet = added.highlights.add(field=h.field, text=h.text)
            for s in h.spans:
                snippet.spans.add(start=s.start, end=s.end)
    for name, values in result.facets.items():
        facet = reply.facets.add(name=name)
        for v in values:
            facet.values.add(value=v.value, count=v.count)
    return reply


class SearchApi(search_pb2_grpc.SearchServiceServicer):
    def __init__(self, backend: Backend, directory: Directory, *, ocr_pending: Callable[[], int] = lambda: 0,
                 ocr_done: Callable[[], int] = lambda: 0) -> None:
        self.backend = backend
        self.directory = directory
        self.ocr_pending = ocr_pending
        self.ocr_done = ocr_done

    async def Search(self, request: search_pb2.SearchRequest,
                     context: grpc.aio.ServicerContext) -> search_pb2.SearchResponse:
        principal, agency = policy.require()
        if principal.is_service or not agency:
            raise PermissionDenied("Chỉ người của một cơ quan mới tra cứu được văn bản của cơ quan đó.")
        clauses = parse(request.query)
        filters = filters_of(request)
        if not clauses and not filters.any():
            raise InvalidArgument("query", "chưa có từ nào để tìm: hãy gõ từ khóa, số hoặc ký hiệu, hoặc chọn một bộ "
                                           "lọc.")
        sort = request.sort or "relevance"
        if sort not in SORTS:
            raise InvalidArgument("sort", "phải là 'relevance' (phù hợp nhất) hoặc 'date' (theo ngày).")
        size = paging.page_size(request.page.page_size)
        key = paging.fingerprint(agency, principal.subject, clauses, filters, sort)
        offset = paging.decode(request.page.page_token, key)
        units = await self.directory.units_of(agency, principal.subject, principal.token)
        caller = Caller(agency, principals_of(principal.subject, principal.roles, units, principal.username))
        # facets on the first page only: the next pages of a cursor show the first page's (issue 15's latency aim)
        result = await asyncio.to_thread(self.backend.search, caller, clauses, filters, sort=sort, offset=offset,
                                         limit=size, facets=offset == 0)
        end = offset + size
        next_token = paging.encode(end, key) if end < min(result.total, paging.MAX_OFFSET) else ""
        return result_to_proto(result, next_token)

    async def GetIndexStatus(self, request: search_pb2.GetIndexStatusRequest,
                             context: grpc.aio.ServicerContext) -> search_pb2.GetIndexStatusResponse:
        policy.require()
        documents = await asyncio.to_thread(self.backend.count)
        return search_pb2.GetIndexStatusResponse(backend=self.backend.name, documents=documents,
                                                 ocr_pending=self.ocr_pending(), ocr_done=self.ocr_done())

