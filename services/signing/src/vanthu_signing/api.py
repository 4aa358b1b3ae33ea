"""gRPC servicer of signing: proto <-> domain and permission checks; the signing itself runs in threads."""

from __future__ import annotations

import asyncio
import datetime as dt

import grpc

from vanthu.signing.v1 import signing_pb2, signing_pb2_grpc
from vanthu_core.auth import current_principal
from vanthu_core.errors import InvalidArgument
from vanthu_signing import signer as sg
from vanthu_signing.domain import appearance as ap
from vanthu_signing.keys import KeyRing
from vanthu_signing.verify import Report, verify_pdf

SIGNER_ROLES = ("leader", "head")
CLERK_ROLES = ("clerk",)


def box_to_proto(page: int, box: ap.Box) -> signing_pb2.SignatureBox:
    return signing_pb2.SignatureBox(page=page, x1=box.x1, y1=box.y1, x2=box.x2, y2=box.y2)


def report_to_proto(report: Report) -> signing_pb2.VerifyResponse:
    def iso(t: dt.datetime | None) -> str:
        return ap.iso_vn(t) if t else ""

    return signing_pb2.VerifyResponse(valid=report.ok, report=report.text(), signatures=[
        signing_pb2.SignatureVerdict(
            field_name=s.field_name, signer=s.signer, title=s.title, organisation=s.organisation, intact=s.intact,
            valid=s.valid, trusted=s.trusted, signing_time=iso(s.signing_time), timestamp_time=iso(s.timestamp_time),
            timestamp_ok=s.timestamp_ok, coverage=s.coverage, modification_level=s.modification_level,
            modification_ok=s.modification_ok, problems=s.problems, ok=s.ok)
        for s in report.signatures])


class SigningApi(signing_pb2_grpc.SigningServiceServicer):
    def __init__(self, keys: KeyRing) -> None:
        self.keys = keys

    async def SignPersonal(self, request: signing_pb2.SignPersonalRequest,
                           context: grpc.aio.ServicerContext) -> signing_pb2.SignPersonalResponse:
        current_principal().require_role(*SIGNER_ROLES)
        key = self.keys.key(request.key_label or self.keys.settings.personal_key_label)
        page: int | None = None
        box: ap.Box | None = None
        if request.HasField("box"):
            b = request.box
            if not (b.x2 > b.x1 and b.y2 > b.y1):
                raise InvalidArgument("box", "x2 must exceed x1 and y2 must exceed y1")
            page, box = b.page, ap.Box(b.x1, b.y1, b.x2, b.y2)
        res = await asyncio.to_thread(sg.sign_personal, request.pdf, key, request.signature_image, self.keys.tsa,
                                      placeholder=request.placeholder or ap.PLACEHOLDER_SIGNATURE, page=page, box=box)
        return signing_pb2.SignPersonalResponse(pdf=res.pdf, field_name=res.field_name,
                                                box=box_to_proto(res.page, res.box))

    async def IssueAndSignAgency(self, request: signing_pb2.IssueAndSignAgencyRequest,
                                 context: grpc.aio.ServicerContext) -> signing_pb2.IssueAndSignAgencyResponse:
        current_principal().require_role(*CLERK_ROLES)
        try:
            issued_on = dt.date.fromisoformat(request.issued_on)
        except ValueError as exc:
            raise InvalidArgument("issued_on", "an ISO date YYYY-MM-DD is required") from exc
        key = self.keys.key(self.keys.settings.agency_key_label)
        res = await asyncio.to_thread(
            sg.issue_and_sign_agency, request.pdf, key, request.seal_image, self.keys.tsa,
            number_symbol=request.number_symbol, issued_on=issued_on, trust_roots=self.keys.roots,
            place=request.place or self.keys.settings.place)
        return signing_pb2.IssueAndSignAgencyResponse(pdf=res.pdf, field_name=res.field_name,
                                                      box=box_to_proto(res.page, res.box))

    async def SignAttachment(self, request: signing_pb2.SignAttachmentRequest,
                             context: grpc.aio.ServicerContext) -> signing_pb2.SignAttachmentResponse:
        current_principal().require_role(*CLERK_ROLES)
        key = self.keys.key(self.keys.settings.agency_key_label)
        when = dt.datetime.now(dt.UTC)
        res = await asyncio.to_thread(sg.sign_attachment, request.pdf, key, self.keys.tsa,
                                      number_symbol=request.number_symbol, when=when)
        return signing_pb2.SignAttachmentResponse(pdf=res.pdf, field_name=res.field_name,
                                                  box=box_to_proto(res.page, res.box), signed_at=ap.iso_vn(when))

    async def Verify(self, request: signing_pb2.VerifyRequest,
                     context: grpc.aio.ServicerContext) -> signing_pb2.VerifyResponse:
        current_principal()
        report = await asyncio.to_thread(verify_pdf, request.pdf, self.keys.roots)
        return report_to_proto(report)
