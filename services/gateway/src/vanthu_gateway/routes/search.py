"""``/api/v1/search``: tra cứu văn bản — the documents of the caller's agency that they may open, found by words
(with or without diacritics), phrases, numbers and symbols, with filters, facets and highlighted snippets (issue 15).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from vanthu.common.v1 import common_pb2
from vanthu.search.v1 import search_pb2
from vanthu_core.auth import Principal
from vanthu_core.errors import Unavailable
from vanthu_core.policy import SEARCH
from vanthu_gateway.access import calls
from vanthu_gateway.auth import authenticated, forward

router = APIRouter(prefix="/api/v1", tags=["search"])
Code = Annotated[str, Query(max_length=40, pattern=r"^[A-Za-z0-9._-]*$")]


class SpanOut(BaseModel):
    start: int = Field(description="the first marked character (code points, from 0)")
    end: int = Field(description="just after the last marked character")


class HighlightOut(BaseModel):
    field: str = Field(description="number_symbol, abstract or content (the files' text)")
    text: str
    spans: list[SpanOut]


class SearchHitOut(BaseModel):
    document_id: str
    direction: str
    status: str
    type_code: str
    number_symbol: str
    abstract: str
    issuing_agency_code: str
    issuing_agency_name: str
    document_date: str | None
    score: float
    highlights: list[HighlightOut]


class FacetValueOut(BaseModel):
    value: str
    count: int


class SearchOut(BaseModel):
    hits: list[SearchHitOut]
    total: int = Field(description="every matching document the caller may open, not only this page")
    facets: dict[str, list[FacetValueOut]] = Field(
        description="counts by type_code, year, issuing_agency_code, direction and status")
    next_cursor: str | None = Field(description="the cursor of the next page; none on the last")


def _search(request: Request) -> Any:
    stub = request.app.state.clients.search
    if stub is None:
        raise Unavailable("Dịch vụ tra cứu chưa được triển khai trên hệ thống này: báo quản trị hệ thống.")
    return stub


def search_out(reply: search_pb2.SearchResponse) -> SearchOut:
    return SearchOut(
        hits=[SearchHitOut(
            document_id=h.document_id, direction=h.direction, status=h.status, type_code=h.type_code,
            number_symbol=h.number_symbol, abstract=h.abstract, issuing_agency_code=h.issuing_agency_code,
            issuing_agency_name=h.issuing_agency_name, document_date=h.document_date or None, score=h.score,
            highlights=[HighlightOut(field=x.field, text=x.text, spans=[SpanOut(start=s.start, end=s.end)
                                                                         for s in x.spans]) for x in h.highlights])
              for h in reply.hits],
        total=reply.total,
        facets={f.name: [FacetValueOut(value=v.value, count=v.count) for v in f.values] for f in reply.facets},
        next_cursor=reply.page.next_page_token or None)


@router.get("/search", response_model=SearchOut, summary="Search the documents of the caller's agency (tra cứu)")
@calls(SEARCH + "Search")
async def search(request: Request, principal: Annotated[Principal, Depends(authenticated)],
                 q: Annotated[str, Query(max_length=500, description="words, \"phrases\", numbers and symbols "
                                                                     "(123/QĐ), with or without diacritics")] = "",
                 type: Code = "",
                 year: Annotated[int, Query(ge=0, le=2199, description="the year of the document's date")] = 0,
                 issuing_agency: Code = "",
                 direction: Literal["", "incoming", "outgoing"] = "",
                 status: Code = "",
                 sort: Literal["relevance", "date"] = "relevance",
                 limit: Annotated[int, Query(ge=1, le=100)] = 20,
                 cursor: Annotated[str, Query(max_length=500)] = "") -> SearchOut:
    reply = await _search(request).Search(search_pb2.SearchRequest(
        query=q, type_code=type, year=year, issuing_agency_code=issuing_agency, direction=direction, status=status,
        sort=sort, page=common_pb2.PageRequest(page_size=limit, page_token=cursor)), metadata=forward(principal))
    return search_out(reply)
