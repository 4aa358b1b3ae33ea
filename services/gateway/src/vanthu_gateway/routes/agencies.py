"""``/api/v1/agencies``: the agency directory (danh bạ cơ quan, mã định danh)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from vanthu.common.v1 import common_pb2
from vanthu.registry.v1 import registry_pb2
from vanthu_core.auth import Principal
from vanthu_core.policy import REGISTRY
from vanthu_gateway.access import calls
from vanthu_gateway.auth import authenticated, forward
from vanthu_gateway.schema import IsoDate, RequestBody

router = APIRouter(prefix="/api/v1/agencies", tags=["agencies"])


class AgencyOut(BaseModel):
    code: str
    name: str
    short_name: str
    parent_code: str | None
    level: int
    valid_from: date | None
    valid_to: date | None
    code_conforms: bool
    address: str
    email: str
    phone: str
    source: str
    place: str = Field("", description="địa danh of the agency's date line (Decree 30/2020, Appendix I): "
                                       "'Vĩnh Long' for the province, 'Long Châu' for the ward of Long Châu")


class AgencyPage(BaseModel):
    items: list[AgencyOut]
    next_page_token: str | None


def agency_out(agency: registry_pb2.Agency) -> AgencyOut:
    return AgencyOut(code=agency.code, name=agency.name, short_name=agency.short_name,
                     parent_code=agency.parent_code or None, level=agency.level,
                     valid_from=date.fromisoformat(agency.valid_from) if agency.valid_from else None,
                     valid_to=date.fromisoformat(agency.valid_to) if agency.valid_to else None,
                     code_conforms=agency.code_conforms, address=agency.address, email=agency.email,
                     phone=agency.phone, source=agency.source, place=agency.place)


def _registry(request: Request) -> Any:
    return request.app.state.clients.registry


@router.get("", response_model=AgencyPage, summary="List agencies")
@calls(REGISTRY + "ListAgencies")
async def list_agencies(
    request: Request,
    principal: Annotated[Principal, Depends(authenticated)],
    parent_code: Annotated[str | None, Query(max_length=35, pattern=r"^[A-Za-z0-9._-]+$")] = None,
    level: Annotated[int | None, Query(ge=1, le=4)] = None,
    active_at: Annotated[IsoDate | None, Query(description="only agencies active on this date")] = None,
    q: Annotated[str | None, Query(max_length=200, description="words of the name (with or without diacritics) "
                                                          "or of the code (000.00.01.H62, 01.h62)")] = None,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
    page_token: Annotated[str | None, Query(max_length=200)] = None,
) -> AgencyPage:
    response = await _registry(request).ListAgencies(registry_pb2.ListAgenciesRequest(
        parent_code=parent_code or "", level=level or 0, active_at=active_at.isoformat() if active_at else "",
        text=q or "", page=common_pb2.PageRequest(page_size=page_size, page_token=page_token or "")),
        metadata=forward(principal))
    return AgencyPage(items=[agency_out(a) for a in response.agencies],
                      next_page_token=response.page.next_page_token or None)


@router.get("/{code}", response_model=AgencyOut, summary="One agency by its identifier code")
@calls(REGISTRY + "GetAgency")
async def get_agency(request: Request, principal: Annotated[Principal, Depends(authenticated)],
                     code: str) -> AgencyOut:
    if len(code) > 35:
        from vanthu_core.errors import InvalidArgument

        raise InvalidArgument("code", "mã định danh cơ quan có tối đa 35 ký tự.")
    response = await _registry(request).GetAgency(registry_pb2.GetAgencyRequest(code=code),
                                                  metadata=forward(principal))
    return agency_out(response.agency)


class AgencyIn(RequestBody):
    """An agency to create or update; the registry checks every field (it is the one place for the rules)."""

    name: str
    short_name: str = ""
    parent_code: str | None = None
    level: int | None = Field(None, ge=0, le=4, description="1 (province) to 4 (commune); empty or 0: from the code")
    valid_from: IsoDate | None = None
    valid_to: IsoDate | None = None
    address: str = ""
    email: str = ""
    phone: str = ""
    source: str = ""
    place: str = Field("", description="địa danh printed before the date: the official name of the administrative "
                                       "unit where the agency sits (e.g. Vĩnh Long, Long Châu, Phường 1)")


class AgencyWritten(BaseModel):
    agency: AgencyOut
    created: bool
    warnings: list[dict[str, str]]


@router.put("/{code}", response_model=AgencyWritten, summary="Create or update an agency (admin)")
@calls(REGISTRY + "UpsertAgency")
async def put_agency(request: Request, response: Response, principal: Annotated[Principal, Depends(authenticated)],
                     code: str, body: AgencyIn) -> AgencyWritten:
    reply = await _registry(request).UpsertAgency(registry_pb2.UpsertAgencyRequest(agency=registry_pb2.Agency(
        code=code, name=body.name, short_name=body.short_name, parent_code=body.parent_code or "",
        level=body.level or 0, valid_from=body.valid_from.isoformat() if body.valid_from else "",
        valid_to=body.valid_to.isoformat() if body.valid_to else "", address=body.address, email=body.email,
        phone=body.phone, source=body.source, place=body.place)), metadata=forward(principal))
    response.status_code = 201 if reply.created else 200
    return AgencyWritten(agency=agency_out(reply.agency), created=reply.created,
                         warnings=[{"field": w.field, "message": w.message} for w in reply.warnings])
