"""gRPC servicer of the registry: proto <-> domain and permission checks, no business rules."""

from __future__ import annotations

from typing import Any

import grpc

from vanthu.common.v1 import common_pb2
from vanthu.registry.v1 import registry_pb2, registry_pb2_grpc
from vanthu_core import policy
from vanthu_core.errors import InvalidArgument, PermissionDenied
from vanthu_registry.domain.agencies import Agency, check_agency, check_code, parse_date
from vanthu_registry.domain.units import Member, Unit, check_position, check_subject, check_unit, check_unit_code
from vanthu_registry.people import NoDirectory, PeopleDirectory, Person, find_person, matching
from vanthu_registry.store import AgencyFilter, AgencyStore
from vanthu_registry.units_store import UnitStore


def unit_to_proto(unit: Unit) -> registry_pb2.Unit:
    return registry_pb2.Unit(agency_code=unit.agency_code, code=unit.code, name=unit.name, kind=unit.kind,
                             parent_code=unit.parent_code or "", active=unit.active, head_subject=unit.head_subject,
                             head_username=unit.head_username)


def member_to_proto(member: Member) -> registry_pb2.UnitMember:
    return registry_pb2.UnitMember(unit_code=member.unit_code, subject=member.subject, username=member.username,
                                   name=member.name, position=member.position)


def person_to_proto(person: Person) -> registry_pb2.Person:
    return registry_pb2.Person(subject=person.subject, username=person.username, name=person.name,
                               email=person.email, agency_code=person.agency_code, enabled=person.enabled,
                               roles=person.roles, title=person.title)


def agency_to_proto(agency: Agency) -> registry_pb2.Agency:
    return registry_pb2.Agency(
        code=agency.code, name=agency.name, short_name=agency.short_name, parent_code=agency.parent_code or "",
        level=agency.level, valid_from=agency.valid_from.isoformat() if agency.valid_from else "",
        valid_to=agency.valid_to.isoformat() if agency.valid_to else "", code_conforms=agency.code_conforms,
        address=agency.address, email=agency.email, phone=agency.phone, source=agency.source, place=agency.place)


class RegistryApi(registry_pb2_grpc.RegistryServiceServicer):
    """The agency directory is readable by every authenticated caller, people and services (it is the province's
    address book); it is changed by agency administrators within their own agency (:meth:`UpsertAgency`). Who may
    call what is :data:`vanthu_core.policy.TABLE`'s to say."""

    def __init__(self, agencies: AgencyStore, on_commit: Any = None, units: UnitStore | None = None,
                 people: PeopleDirectory | None = None) -> None:
        self.agencies = agencies
        self.on_commit = on_commit or (lambda: None)
        self.units = units or UnitStore(agencies.sessions, clock=agencies.clock)
        self.people = people or NoDirectory()

    async def GetAgency(self, request: registry_pb2.GetAgencyRequest,
                        context: grpc.aio.ServicerContext) -> registry_pb2.GetAgencyResponse:
        policy.require()
        return registry_pb2.GetAgencyResponse(agency=agency_to_proto(await self.agencies.get(request.code.strip())))

    async def ListAgencies(self, request: registry_pb2.ListAgenciesRequest,
                           context: grpc.aio.ServicerContext) -> registry_pb2.ListAgenciesResponse:
        policy.require()
        filters = AgencyFilter(parent_code=request.parent_code.strip() or None, level=request.level or None,
                               active_at=parse_date("active_at", request.active_at), text=request.text or None)
        if request.level and not 1 <= request.level <= 4:
            raise InvalidArgument("level", "phải từ 1 đến 4 (0: mọi cấp).")
        agencies, next_token = await self.agencies.find(filters, request.page.page_size, request.page.page_token)
        return registry_pb2.ListAgenciesResponse(agencies=[agency_to_proto(a) for a in agencies],
                                                 page=common_pb2.PageResponse(next_page_token=next_token))

    async def UpsertAgency(self, request: registry_pb2.UpsertAgencyRequest,
                           context: grpc.aio.ServicerContext) -> registry_pb2.UpsertAgencyResponse:
        """Create or update one entry: agency administrators (quản trị) only, within their own agency.

        An administrator changes entries already under their own agency (judged by the record as stored, not by the
        parent the request names), may rename but not move their own agency, moves units only within their agency and
        creates entries only under it; no change may put an agency under one of its own units. No service changes
        the directory: its roots and bulk changes come from the operator's import command, which writes the
        database itself (``vanthu_registry import-agencies``, ``seed``). The rules are checked in the writing
        transaction (:meth:`AgencyStore.upsert_many`).
        """
        principal, own = policy.require()  # an administrator of an agency; no service
        a = request.agency
        checked = check_agency(code=a.code, name=a.name, short_name=a.short_name, parent_code=a.parent_code or None,
                               level=a.level or None, valid_from=a.valid_from or None, valid_to=a.valid_to or None,
                               address=a.address, email=a.email, phone=a.phone, source=a.source, place=a.place)
        created = await self.agencies.upsert_many([checked], actor=principal.subject, actor_agency=own,
                                                  administrator_of=own)
        self.on_commit()
        return registry_pb2.UpsertAgencyResponse(
            agency=agency_to_proto(checked.agency), created=created[0],
            warnings=[common_pb2.Warning(field=f, message=m) for f, m in checked.warnings])

    # -- units (đơn vị) and the people in them: the caller's own agency only -------------------------------------
    async def ListUnits(self, request: registry_pb2.ListUnitsRequest,
                        context: grpc.aio.ServicerContext) -> registry_pb2.ListUnitsResponse:
        _, own = policy.require()
        units = await self.units.units(own, include_inactive=request.include_inactive)
        return registry_pb2.ListUnitsResponse(units=[unit_to_proto(u) for u in units])

    async def UpsertUnit(self, request: registry_pb2.UpsertUnitRequest,
                         context: grpc.aio.ServicerContext) -> registry_pb2.UpsertUnitResponse:
        """Create or update a unit of the administrator's own agency (the same code in another agency is another
        unit: codes are unique within an agency)."""
        principal, own = policy.require()
        u = request.unit
        unit = check_unit(agency_code=own, code=u.code, name=u.name, kind=u.kind, parent_code=u.parent_code or None,
                          active=u.active)
        stored, created = await self.units.upsert(unit, actor=principal.subject)
        self.on_commit()
        return registry_pb2.UpsertUnitResponse(unit=unit_to_proto(stored), created=created)

    async def ListUnitMembers(self, request: registry_pb2.ListUnitMembersRequest,
                              context: grpc.aio.ServicerContext) -> registry_pb2.ListUnitMembersResponse:
        _, own = policy.require()
        code = check_unit_code(request.unit_code, "unit_code") if request.unit_code else ""
        members = await self.units.members(own, code)
        return registry_pb2.ListUnitMembersResponse(members=[member_to_proto(m) for m in members])

    async def SetUnitMember(self, request: registry_pb2.SetUnitMemberRequest,
                            context: grpc.aio.ServicerContext) -> registry_pb2.SetUnitMemberResponse:
        """Put a person of the administrator's agency (as the identity provider knows them) in one of its units."""
        principal, own = policy.require()
        code = check_unit_code(request.unit_code, "unit_code")
        subject = check_subject(request.subject)
        position = check_position(request.position)
        await self.units.require(own, code)  # another agency's unit is not found, whoever the person
        person = await find_person(self.people, own, subject)
        if person is None:
            raise InvalidArgument("subject", "không phải người của cơ quan đồng chí trong danh bạ của hệ thống xác "
                                             "thực: hãy chọn người trong danh sách cán bộ.")
        member, created = await self.units.set_member(own, code, person, position, actor=principal.subject)
        self.on_commit()
        return registry_pb2.SetUnitMemberResponse(member=member_to_proto(member), created=created)

    async def RemoveUnitMember(self, request: registry_pb2.RemoveUnitMemberRequest,
                               context: grpc.aio.ServicerContext) -> registry_pb2.RemoveUnitMemberResponse:
        principal, own = policy.require()
        removed = await self.units.remove_member(own, check_unit_code(request.unit_code, "unit_code"),
                                                 check_subject(request.subject), actor=principal.subject)
        self.on_commit()
        return registry_pb2.RemoveUnitMemberResponse(removed=removed)

    async def ListPeople(self, request: registry_pb2.ListPeopleRequest,
                         context: grpc.aio.ServicerContext) -> registry_pb2.ListPeopleResponse:
        principal, own = policy.require()
        if principal.is_service:  # the workflow, reaching an agency's archivists with a deposit reminder
            if not request.agency_code.strip():
                raise InvalidArgument("agency_code", "dịch vụ phải nói rõ thay mặt cơ quan nào.")
            own = check_code(request.agency_code.strip(), "agency_code")[0]
        elif request.agency_code.strip() and request.agency_code.strip() != own:
            raise PermissionDenied("Đồng chí chỉ xem được danh sách cán bộ của cơ quan mình.")
        people = await self.people.people(own)
        if request.text:
            people = matching(people, request.text)
        return registry_pb2.ListPeopleResponse(people=[person_to_proto(p) for p in people])
