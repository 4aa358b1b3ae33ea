"""``/api/v1/registers/{id}/…``: going live mid-year and a register's history (sổ đăng ký văn bản).

A province that switches to VanThu during the year continues each register's series (Decree 30/2020 Art. 15, 22):
either it sets where this year's series continues (``/start``), or it imports the previous system's register book
(``/import``, the Appendix IV columns as CSV or XLSX; bigger books than the request limit go through the registry's
``import-register`` command). The gateway only translates: the registry checks roles, agency and every line.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from google.protobuf import json_format
from pydantic import BaseModel, Field

from vanthu.registry.v1 import documents_pb2 as pb
from vanthu_core.auth import Principal
from vanthu_core.policy import DOCUMENTS
from vanthu_gateway.access import calls
from vanthu_gateway.auth import authenticated, forward
from vanthu_gateway.problems import problem
from vanthu_gateway.schema import RequestBody

router = APIRouter(prefix="/api/v1/registers", tags=["registers"])
User = Annotated[Principal, Depends(authenticated)]


class StartIn(RequestBody):
    next_number: int = Field(ge=2, le=999_999, description="the number the previous system would have given next")
    reason: str = Field(max_length=500, description="where the series comes from (kept in the register's history)")


class StartOut(BaseModel):
    register_id: str
    year: int
    next_number: int


class RefusalOut(BaseModel):
    line: int = Field(description="the line of the file, as a spreadsheet numbers it")
    field: str = Field(description="the column: number_symbol, document_date, title, arrived_on, arrival_number…")
    reason: str


class YearOut(BaseModel):
    year: int
    first_number: int
    last_number: int


class ImportOut(BaseModel):
    lines: int
    imported: int
    dry_run: bool
    refusals: list[RefusalOut]
    years: list[YearOut]


class RegisterHistoryOut(BaseModel):
    at: str
    actor: str
    action: str = Field(description="created, start_set, imported, closed, flagged")
    changes: dict[str, Any]
    note: str


def _documents(request: Request) -> Any:
    return request.app.state.clients.documents


@router.post("/{register_id}/start", response_model=StartOut,
             summary="Continue this year's series at a given number, where the previous system stopped "
                     "(once, before the register's first number; clerk, admin)")
@calls(DOCUMENTS + "SetRegisterStart")
async def set_start(request: Request, principal: User, register_id: str, body: StartIn) -> StartOut:
    reply = await _documents(request).SetRegisterStart(pb.SetRegisterStartRequest(
        register_id=register_id, next_number=body.next_number, reason=body.reason), metadata=forward(principal))
    return StartOut(register_id=reply.register_id, year=reply.year, next_number=reply.next_number)


@router.post("/{register_id}/import", response_model=ImportOut, status_code=201,
             responses={200: {"model": ImportOut,
                              "description": "dry run: what would be imported and every line that would be refused"},
                        422: {"description": "lines refused (problem+json, one error per line); nothing written"}},
             summary="Import the previous system's register book: the request body is the .csv (UTF-8) or .xlsx "
                     "file with the Appendix IV columns (clerk, admin)")
@calls(DOCUMENTS + "ImportRegister")
async def import_book(
    request: Request, response: Response, principal: User, register_id: str,
    dry_run: Annotated[bool, Query(description="check every line, write nothing")] = False,
    file_name: Annotated[str, Query(max_length=200, description="kept in the history")] = "register.csv",
) -> Any:
    reply = await _documents(request).ImportRegister(pb.ImportRegisterRequest(
        register_id=register_id, file_name=file_name, content=await request.body(), dry_run=dry_run),
        metadata=forward(principal))
    report = ImportOut(lines=reply.lines, imported=reply.imported, dry_run=reply.dry_run,
                       refusals=[RefusalOut(line=r.line, field=r.field, reason=r.reason) for r in reply.refusals],
                       years=[YearOut(year=y.year, first_number=y.first_number, last_number=y.last_number)
                              for y in reply.years])
    if report.refusals and not dry_run:
        return problem(422, f"{len(report.refusals)} dòng của tệp {file_name} bị từ chối; chưa nhập dòng nào: hãy sửa "
                       "các dòng đó rồi nhập lại.",
                       request=request, errors=[{"field": f"line {r.line}.{r.field}", "detail": r.reason}
                                                for r in report.refusals])
    response.status_code = 200 if dry_run else 201
    return report


class CloseIn(RequestBody):
    reason: str = Field(max_length=500, description="why (kept in the register's history)")


@router.post("/{register_id}/close", summary="Close a register: it numbers nothing more; the types it listed go "
                                             "back to the register without types of their kind (clerk, admin)")
@calls(DOCUMENTS + "CloseRegister")
async def close(request: Request, principal: User, register_id: str, body: CloseIn) -> dict[str, Any]:
    reply = await _documents(request).CloseRegister(pb.CloseRegisterRequest(register_id=register_id,
                                                                            reason=body.reason),
                                                    metadata=forward(principal))
    return json_format.MessageToDict(reply.register, preserving_proto_field_name=True,
                                     always_print_fields_with_no_presence=True)


@router.get("/{register_id}/history", response_model=list[RegisterHistoryOut],
            summary="What happened to a register: created, start set, entries imported (who, when, why)")
@calls(DOCUMENTS + "GetRegisterHistory")
async def register_history(request: Request, principal: User, register_id: str) -> list[RegisterHistoryOut]:
    reply = await _documents(request).GetRegisterHistory(pb.GetRegisterHistoryRequest(register_id=register_id),
                                                         metadata=forward(principal))
    return [RegisterHistoryOut(at=e.at, actor=e.actor, action=e.action, changes=json.loads(e.changes_json or "{}"),
                               note=e.note) for e in reply.entries]
