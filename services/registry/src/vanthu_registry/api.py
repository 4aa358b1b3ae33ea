"""gRPC servicer of the registry: proto <-> domain and permission checks, no business rules."""

from __future__ import annotations

from typing import Any

import grpc

from vanthu.common.v1 import common_pb2
from vanthu.registry.v1 import registry_pb2, registry_pb2_grpc
from vanthu_core import policy
from vanthu_core.errors import InvalidArgument
from vanthu_registry.domain.agencies import Agency, check_agency, parse_date
from vanthu_registry.store import AgencyFilter, AgencyStore


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

    def __init__(self, agencies: AgencyStore, on_commit: Any = None) -> None:
        self.agencies = agencies
        self.on_commit = on_commit or (lambda: None)

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
            raise InvalidArgument("level", "must be between 1 and 4 (0: any)")
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
