"""``/api/v1/units`` and ``/api/v1/people``: the caller's agency's internal units (đơn vị: phòng, ban), the people in
them, and the agency's people as the identity provider knows them (read only)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel, Field

from vanthu.registry.v1 import registry_pb2
from vanthu_core.auth import Principal
from vanthu_core.policy import REGISTRY
from vanthu_gateway.access import calls
from vanthu_gateway.auth import authenticated, forward
from vanthu_gateway.schema import RequestBody

router = APIRouter(prefix="/api/v1", tags=["units"])

UnitCode = Annotated[str, Path(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                               description="the unit's code, unique in the agency (e.g. VP, TCBC)")]
Subject = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9._:@-]*$",
                              description="the person's subject (the identity provider's user ID)")]
Kind = Literal["office", "division", "board", "section", "other"]
Position = Literal["head", "deputy", "officer", "staff"]


class UnitOut(BaseModel):
    code: str
    name: str
    kind: str = Field(description="office (văn phòng), division (phòng), board (ban), section (bộ phận), other")
    parent_code: str | None
    active: bool
    head_subject: str | None = Field(description="the head's subject (trưởng đơn vị); none while the unit has none")
    head_username: str | None


class UnitIn(RequestBody):
    """A unit of the caller's agency to create or update (the registry checks every field)."""

    name: str = Field(min_length=1, max_length=200, description="Vietnamese name, e.g. Phòng Tổ chức biên chế")
    kind: Kind = "division"
    parent_code: str | None = Field(None, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
                                    description="the unit it belongs to, in the same agency")
    active: bool = True


class UnitWritten(BaseModel):
    unit: UnitOut
    created: bool


class MemberOut(BaseModel):
    unit_code: str
    subject: str
    username: str
    name: str
    position: str = Field(description="head (trưởng đơn vị), deputy (phó), officer (chuyên viên), staff (nhân viên)")


class MemberIn(RequestBody):
    position: Position


class MemberWritten(BaseModel):
    member: MemberOut
    created: bool


#: The roles that handle documents (xử lý văn bản): a leader directs, a head splits the work, an officer processes.
HANDLER_ROLES = frozenset({"leader", "head", "officer"})
#: The roles that sign documents (người ký): a leader signs for the agency (or KT. as a deputy), a head of unit
#: thừa lệnh (TL.) or thừa ủy quyền (TUQ.); an officer, a clerk, an archivist or an administrator does not.
SIGNER_ROLES = frozenset({"leader", "head"})


class PersonOut(BaseModel):
    """A person of the caller's agency as their colleagues' screens need them (the pickers, the names in lists); their
    e-mail address and roles only for the agency's administrator (quản trị), who manages accounts and units."""

    subject: str
    username: str
    name: str
    enabled: bool
    title: str = Field(description="the person's position or title (chức vụ: Chủ tịch, Giám đốc, Chuyên viên) as the "
                                   "identity provider knows it; empty when it has none")
    units: list[str] = Field(description="the codes of the agency's units the person is a member of")
    leader: bool = Field(description="whether the person is a leader (lãnh đạo) of the agency: signs its documents, "
                                     "is offered when an arrival is submitted (trình lãnh đạo)")
    handler: bool = Field(description="whether the person handles documents (a leader, head or officer: lãnh đạo, "
                                      "trưởng đơn vị, chuyên viên): who is offered in giao xử lý (chủ trì, phối hợp, "
                                      "nhận để biết); a clerk, archivist or administrator only is not")
    signer: bool = Field(False, description="whether the person may sign documents (a leader or a head: lãnh đạo, "
                                            "trưởng đơn vị): who the draft form offers as người ký; an officer, a "
                                            "clerk, an archivist or an administrator is not")
    email: str | None = Field(None, description="the person's e-mail address: only for the agency's administrator "
                                                "(none for anyone else)")
    roles: list[str] | None = Field(None, description="the person's VanThu roles (clerk, leader, head, officer, "
                                                      "archivist, admin): only for the agency's administrator")
    primary_unit: str = Field("", description="the person's own unit (đơn vị chính), whose ký hiệu the draft form "
                                              "puts in a letter's symbol: their only unit, else the one where they "
                                              "hold their highest position (trưởng, phó trưởng, chuyên viên, nhân "
                                              "viên); empty when two units tie (the drafter chooses)")


def unit_out(unit: registry_pb2.Unit) -> UnitOut:
    return UnitOut(code=unit.code, name=unit.name, kind=unit.kind, parent_code=unit.parent_code or None,
                   active=unit.active, head_subject=unit.head_subject or None, head_username=unit.head_username or None)


def member_out(member: registry_pb2.UnitMember) -> MemberOut:
    return MemberOut(unit_code=member.unit_code, subject=member.subject, username=member.username, name=member.name,
                     position=member.position)


def _registry(request: Request) -> Any:
    return request.app.state.clients.registry


@router.get("/units", response_model=list[UnitOut], summary="The units of the caller's agency")
@calls(REGISTRY + "ListUnits")
async def list_units(request: Request, principal: Annotated[Principal, Depends(authenticated)],
                     include_inactive: Annotated[bool, Query(description="also the inactive units")] = False,
                     ) -> list[UnitOut]:
    reply = await _registry(request).ListUnits(registry_pb2.ListUnitsRequest(include_inactive=include_inactive),
                                               metadata=forward(principal))
    return [unit_out(u) for u in reply.units]


@router.put("/units/{code}", response_model=UnitWritten, summary="Create or update a unit of the agency (admin)",
            responses={201: {"model": UnitWritten, "description": "Created"}})
@calls(REGISTRY + "UpsertUnit")
async def put_unit(request: Request, response: Response, principal: Annotated[Principal, Depends(authenticated)],
                   code: UnitCode, body: UnitIn) -> UnitWritten:
    reply = await _registry(request).UpsertUnit(registry_pb2.UpsertUnitRequest(unit=registry_pb2.Unit(
        code=code, name=body.name, kind=body.kind, parent_code=body.parent_code or "", active=body.active)),
        metadata=forward(principal))
    response.status_code = 201 if reply.created else 200
    return UnitWritten(unit=unit_out(reply.unit), created=reply.created)


@router.get("/units/{code}/members", response_model=list[MemberOut], summary="The members of a unit")
@calls(REGISTRY + "ListUnitMembers")
async def list_members(request: Request, principal: Annotated[Principal, Depends(authenticated)],
                       code: UnitCode) -> list[MemberOut]:
    reply = await _registry(request).ListUnitMembers(registry_pb2.ListUnitMembersRequest(unit_code=code),
                                                     metadata=forward(principal))
    return [member_out(m) for m in reply.members]


@router.put("/units/{code}/members/{subject}", response_model=MemberWritten,
            summary="Put a person of the agency in a unit, or change their position (admin)",
            responses={201: {"model": MemberWritten, "description": "Created"}})
@calls(REGISTRY + "SetUnitMember")
async def put_member(request: Request, response: Response, principal: Annotated[Principal, Depends(authenticated)],
                     code: UnitCode, subject: Subject, body: MemberIn) -> MemberWritten:
    reply = await _registry(request).SetUnitMember(registry_pb2.SetUnitMemberRequest(
        unit_code=code, subject=subject, position=body.position), metadata=forward(principal))
    response.status_code = 201 if reply.created else 200
    return MemberWritten(member=member_out(reply.member), created=reply.created)


@router.delete("/units/{code}/members/{subject}", status_code=204, response_class=Response,
               summary="Take a person out of a unit (admin); nothing happens when they are not in it")
@calls(REGISTRY + "RemoveUnitMember")
async def delete_member(request: Request, principal: Annotated[Principal, Depends(authenticated)],
                        code: UnitCode, subject: Subject) -> Response:
    await _registry(request).RemoveUnitMember(registry_pb2.RemoveUnitMemberRequest(unit_code=code, subject=subject),
                                              metadata=forward(principal))
    return Response(status_code=204)


@router.get("/people", response_model=list[PersonOut], response_model_exclude_none=True,
            summary="The people of the caller's agency, as the identity provider knows them (read only), whether "
                    "each is a leader and handles documents; e-mail and roles for its administrator only")
@calls(REGISTRY + "ListPeople", REGISTRY + "ListUnitMembers")
async def list_people(request: Request, principal: Annotated[Principal, Depends(authenticated)],
                      q: Annotated[str | None, Query(max_length=200, description="words of the name or username, "
                                                                                 "with or without diacritics")] = None,
                      ) -> list[PersonOut]:
    registry = _registry(request)
    reply, members = await asyncio.gather(
        registry.ListPeople(registry_pb2.ListPeopleRequest(text=q or ""), metadata=forward(principal)),
        registry.ListUnitMembers(registry_pb2.ListUnitMembersRequest(), metadata=forward(principal)))
    units: dict[str, list[str]] = {}
    positions: dict[str, dict[str, str]] = {}
    for member in members.members:  # every unit's members in one call, not one per person
        units.setdefault(member.subject, []).append(member.unit_code)
        positions.setdefault(member.subject, {})[member.unit_code] = member.position
    admin = "admin" in principal.roles
    return [PersonOut(subject=p.subject, username=p.username, name=p.name, enabled=p.enabled, title=p.title,
                      units=sorted(set(units.get(p.subject, []))), leader="leader" in p.roles,
                      handler=bool(HANDLER_ROLES & set(p.roles)), signer=bool(SIGNER_ROLES & set(p.roles)),
                      email=p.email if admin else None, roles=list(p.roles) if admin else None,
                      primary_unit=primary_unit(positions.get(p.subject, {})))
            for p in reply.people]


#: A unit member's positions, highest first (registry UnitMember.position).
POSITION_RANK = ("head", "deputy", "officer", "staff")


def primary_unit(positions: dict[str, str]) -> str:
    """A person's own unit among their memberships (unit code → position): the only one, else the one unit where they
    hold their highest position; "" when none, or when two units share that position (nothing to go by)."""
    if len(positions) <= 1:
        return next(iter(positions), "")

    def rank(position: str) -> int:
        return POSITION_RANK.index(position) if position in POSITION_RANK else len(POSITION_RANK)

    best = min(rank(p) for p in positions.values())
    top = [code for code, position in positions.items() if rank(position) == best]
    return top[0] if len(top) == 1 else ""

