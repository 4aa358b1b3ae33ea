"""gRPC servicer of the registry: proto <-> domain and permission checks, no business rules."""

from __future__ import annotations

from typing import Any

import grpc

from vanthu.common.v1 import common_pb2
from vanthu.registry.v1 import registry_pb2, registry_pb2_grpc
from vanthu_core.auth import current_principal
from vanthu_core.errors import InvalidArgument, NotFound, PermissionDenied
from vanthu_registry.domain.agencies import Agency, check_agency, parse_date
from vanthu_registry.store import AgencyFilter, AgencyStore


def agency_to_proto(agency: Agency) -> registry_pb2.Agency:
    return registry_pb2.Agency(
        code=agency.code, name=agency.name, short_name=agency.short_name, parent_code=agency.parent_code or "",
        level=agency.level, valid_from=agency.valid_from.isoformat() if agency.valid_from else "",
        valid_to=agency.valid_to.isoformat() if agency.valid_to else "", code_conforms=agency.code_conforms,
        address=agency.address, email=agency.email, phone=agency.phone, source=agency.source, place=agency.place)


class RegistryApi(registry_pb2_grpc.RegistryServiceServicer):
    """The agency directory is readable by every authenticated caller (it is the province's address book)."""

    def __init__(self, agencies: AgencyStore, on_commit: Any = None) -> None:
        self.agencies = agencies
        self.on_commit = on_commit or (lambda: None)

    async def GetAgency(self, request: registry_pb2.GetAgencyRequest,
                        context: grpc.aio.ServicerContext) -> registry_pb2.GetAgencyResponse:
        current_principal()
        return registry_pb2.GetAgencyResponse(agency=agency_to_proto(await self.agencies.get(request.code.strip())))

    async def ListAgencies(self, request: registry_pb2.ListAgenciesRequest,
                           context: grpc.aio.ServicerContext) -> registry_pb2.ListAgenciesResponse:
        current_principal()
        filters = AgencyFilter(parent_code=request.parent_code.strip() or None, level=request.level or None,
                               active_at=parse_date("active_at", request.active_at), text=request.text or None)
        if request.level and not 1 <= request.level <= 4:
            from vanthu_core.errors import InvalidArgument

            raise InvalidArgument("level", "must be between 1 and 4 (0: any)")
        agencies, next_token = await self.agencies.find(filters, request.page.page_size, request.page.page_token)
        return registry_pb2.ListAgenciesResponse(agencies=[agency_to_proto(a) for a in agencies],
                                                 page=common_pb2.PageResponse(next_page_token=next_token))

    async def UpsertAgency(self, request: registry_pb2.UpsertAgencyRequest,
                           context: grpc.aio.ServicerContext) -> registry_pb2.UpsertAgencyResponse:
        principal = current_principal()
        principal.require_role("admin", "service")
        a = request.agency
        checked = check_agency(code=a.code, name=a.name, short_name=a.short_name, parent_code=a.parent_code or None,
                               level=a.level or None, valid_from=a.valid_from or None, valid_to=a.valid_to or None,
                               address=a.address, email=a.email, phone=a.phone, source=a.source, place=a.place)
        if checked.agency.parent_code and not await self.agencies.exists(checked.agency.parent_code):
            raise InvalidArgument("parent_code", "is not an agency in the directory")
        if not principal.is_service:
            await self._require_within_own_agency(principal.agency, checked.agency)
        created = await self.agencies.upsert_many([checked], actor=principal.subject, actor_agency=principal.agency)
        self.on_commit()
        return registry_pb2.UpsertAgencyResponse(
            agency=agency_to_proto(checked.agency), created=created[0],
            warnings=[common_pb2.Warning(field=f, message=m) for f, m in checked.warnings])

    async def _require_within_own_agency(self, own: str | None, agency: Agency) -> None:
        """An agency's admin manages its own entry and the units below it, nobody else's."""
        code: str | None = agency.code if agency.code == own else agency.parent_code
        seen: set[str] = set()
        while code and code not in seen:
            if code == own:
                return
            seen.add(code)
            try:
                code = (await self.agencies.get(code)).parent_code
            except NotFound:
                break
        raise PermissionDenied("an agency administrator may only manage their own agency and the units below it")
