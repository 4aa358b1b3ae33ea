"""``/api/v1/signing``: sign stored PDFs (personal, copy), two-step signing for keys the server does not hold,
verification, and the caller's signing profile. The agency's seal is never applied here: a document is issued
in one act by ``POST /api/v1/documents/{id}/issue``, where the registry gives the number and the date.

Files are referenced by the object id of an upload to ``/api/v1/files``; the signed result is stored in the
caller's agency and its object id returned (download it from ``/api/v1/files/{id}/content``). The signing
service checks roles, profiles and agencies again; the gateway only translates.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any, Literal

import grpc
from fastapi import APIRouter, Depends, File, Request, UploadFile
from pydantic import BaseModel, Field

from vanthu.registry.v1 import documents_pb2 as dpb
from vanthu.signing.v1 import signing_pb2 as pb
from vanthu_core.auth import Principal
from vanthu_core.errors import DomainError, InvalidArgument, Unavailable
from vanthu_core.grpc_client import domain_error
from vanthu_core.policy import DOCUMENTS, SIGNING
from vanthu_gateway.access import calls
from vanthu_gateway.auth import authenticated, forward
from vanthu_gateway.schema import Coordinate, NonNegativeInt32, RequestBody

router = APIRouter(prefix="/api/v1/signing", tags=["signing"])
User = Annotated[Principal, Depends(authenticated)]
ObjectId = Annotated[str, Field(min_length=1, max_length=64, description="object id of an uploaded PDF")]
#: Signing a large PDF (timestamp included) takes seconds, not the default call deadline.
SIGN_TIMEOUT_S = 120.0
#: Signature and seal images are small: the ordinary body limit (1 MiB by default, 413 beyond) applies to the form.
MAX_IMAGE_BYTES = 1024 * 1024


class Box(RequestBody):
    page: NonNegativeInt32 = Field(0, description="0-based page")
    x1: Coordinate
    y1: Coordinate
    x2: Coordinate
    y2: Coordinate


class PersonalIn(RequestBody):
    object_id: ObjectId
    placeholder: str = Field("", max_length=200, description="anchor text; empty: [[CHU_KY]]")
    box: Box | None = Field(None, description="PDF points, origin bottom-left; overrides the placeholder")


class PrepareIn(PersonalIn):
    document_id: str = Field("", max_length=64, description="leave empty: a document's main file is prepared with "
                             "POST /api/v1/workflow/cases/{case_id}/prepare-signature (the registry decides the "
                             "signing authority lines and binds the handle to the document); a document named here is "
                             "refused (422)")


class CopyIn(RequestBody):
    object_id: ObjectId
    form: Literal["SY", "SL", "TrS"] = Field(description="sao y, sao lục, trích sao")
    copy_register_id: str = Field("", max_length=64, description="number the signed copy in this copy register "
                                                                  "(sổ bản sao): 05/SY-UBND")
    source_document_id: str = Field("", max_length=64, description="the document copied, when the agency holds it")


class VerifyIn(RequestBody):
    object_id: ObjectId


class DraftCheckIn(RequestBody):
    object_id: ObjectId = Field(description="the draft's main file (a PDF of your agency), as uploaded")


class DraftCheckOut(BaseModel):
    missing: list[str] = Field(description="the placeholders the file lacks, of [[SO]], [[NGAY]], [[CHU_KY]]; empty: "
                                           "ready for signing and issue")
    message: str = Field(description="what the drafter reads (Vietnamese); empty when nothing is missing")


class CompleteIn(RequestBody):
    handle: str = Field(min_length=1, max_length=64)
    signature_value: str = Field(min_length=1, max_length=4096, description="base64 of the signature value")


class BoxOut(BaseModel):
    page: int
    x1: float
    y1: float
    x2: float
    y2: float


class SigningOut(BaseModel):
    object_id: str
    sha256: str
    signing_id: str
    field_name: str
    box: BoxOut
    signed_at: str


class CopyOut(SigningOut):
    copy_number_symbol: str = Field(description="from the copy register; empty when not numbered")
    copy_id: str = Field("", description="the copy's entry in the copy register")


class PreparedOut(BaseModel):
    handle: str
    to_sign: str = Field(description="base64 of the DER signed attributes: what the key signs")
    digest: str = Field(description="base64 of SHA-256(to_sign), for tokens that sign a digest")
    digest_algorithm: str
    signature_algorithm: str
    expires_at: str
    box: BoxOut = Field(description="where the signature lands: 0-based page, PDF points, origin bottom-left")
    image: str = Field(description="base64 of the signature image (PNG) it shows there")


class PlacementOut(BaseModel):
    box: BoxOut = Field(description="where the signature would land: 0-based page, PDF points (the page's user "
                                    "space), origin bottom-left")
    page_area: BoxOut = Field(description="the page's visible area (CropBox) in the same space")
    rotate: int = Field(description="the page's /Rotate (0, 90, 180, 270)")
    pages: int
    image: str = Field(description="base64 of your signature image (PNG); empty when you have none (upload one)")
    custody: Literal["server", "remote"] = Field(description="server: the service holds your key (sign in one "
                                                             "step); remote: your USB token signs (two steps)")


class Verdict(BaseModel):
    field_name: str
    signer: str
    title: str
    organisation: str
    intact: bool
    valid: bool
    trusted: bool
    signing_time: str
    timestamp_time: str
    timestamp_ok: bool
    coverage: str
    modification_level: str
    modification_ok: bool
    revocation: str
    ltv: bool
    validation_time: str = Field(default="", description="ISO 8601 (+07:00): when the certificates were judged")
    validation_basis: str = Field(default="", description="timestamp (at the signature timestamp) or current_time")
    problems: list[str]
    ok: bool


class VerifyOut(BaseModel):
    valid: bool
    signatures: list[Verdict]
    report: str = Field(description="Vietnamese-labelled text report")


class ProfileOut(BaseModel):
    kind: str
    agency_code: str
    username: str
    custody: str
    certificate_subject: str
    certificate_not_after: str
    has_image: bool
    updated_at: str


def _signing(request: Request) -> Any:
    stub = request.app.state.clients.signing
    if stub is None:
        raise Unavailable("Dịch vụ ký số chưa được triển khai trên hệ thống này: báo quản trị hệ thống.")
    return stub


def _ref(object_id: str) -> pb.PdfSource:
    return pb.PdfSource(object_id=object_id)


def _box(box: Box | None) -> dict[str, Any]:
    return {"box": pb.SignatureBox(**box.model_dump())} if box else {}


def _result(r: pb.SigningResult) -> SigningOut:
    return SigningOut(object_id=r.object_id, sha256=r.sha256, signing_id=r.signing_id, field_name=r.field_name,
                      box=BoxOut(page=r.box.page, x1=r.box.x1, y1=r.box.y1, x2=r.box.x2, y2=r.box.y2),
                      signed_at=r.signed_at)


def _box_out(b: pb.SignatureBox) -> BoxOut:
    return BoxOut(page=b.page, x1=b.x1, y1=b.y1, x2=b.x2, y2=b.y2)


def _profile(p: pb.SigningProfile) -> ProfileOut:
    return ProfileOut(kind=p.kind, agency_code=p.agency_code, username=p.username, custody=p.custody,
                      certificate_subject=p.certificate_subject, certificate_not_after=p.certificate_not_after,
                      has_image=p.has_image, updated_at=p.updated_at)


@router.post("/personal", response_model=SigningOut, status_code=201,
             summary="Sign as the competent person (leader, head) with the key of your own profile")
@calls(SIGNING + "SignPersonal")
async def sign_personal(body: PersonalIn, request: Request, principal: User) -> SigningOut:
    reply = await _signing(request).SignPersonal(
        pb.SignPersonalRequest(source=_ref(body.object_id), placeholder=body.placeholder, **_box(body.box)),
        metadata=forward(principal), timeout=SIGN_TIMEOUT_S)
    return _result(reply.result)


@router.post("/copy", response_model=CopyOut, status_code=201,
             summary="Sign a digitised copy (sao y, sao lục, trích sao) and number it in a copy register (clerk)")
@calls(DOCUMENTS + "NumberCopy", SIGNING + "SignCopy")
async def sign_copy(body: CopyIn, request: Request, principal: User) -> CopyOut:
    """Everything the registry checks comes first (the copy register, the form, the copied document), then the agency
    signs, then the copy is numbered (one transaction in the registry): a refused request signs, stores and
    publishes nothing, and a refused signing takes no number. The digitised copy's visible text is form, agency and
    time (Decree 30, §3.6); its number lives in the copy register."""
    documents = request.app.state.clients.documents
    numbering = dpb.NumberCopyRequest(register_id=body.copy_register_id, form=body.form,
                                      source_document_id=body.source_document_id)
    if body.copy_register_id:
        try:
            await documents.NumberCopy(dpb.NumberCopyRequest(validate_only=True, register_id=body.copy_register_id,
                                                             form=body.form,
                                                             source_document_id=body.source_document_id),
                                       metadata=forward(principal))
        except grpc.aio.AioRpcError as error:
            raise renamed(domain_error(error), {"register_id": "copy_register_id"}) from error
    reply = await _signing(request).SignCopy(pb.SignCopyRequest(source=_ref(body.object_id), form=body.form),
                                             metadata=forward(principal), timeout=SIGN_TIMEOUT_S)
    result = _result(reply.result)
    if not body.copy_register_id:
        return CopyOut(**result.model_dump(), copy_number_symbol="")
    numbering.object_id, numbering.sha256 = result.object_id, result.sha256
    numbered = await documents.NumberCopy(numbering, metadata=forward(principal))
    return CopyOut(**result.model_dump(), copy_number_symbol=numbered.copy.number_symbol, copy_id=numbered.copy.id)


def renamed(error: DomainError, fields: dict[str, str]) -> DomainError:
    """A service's field error named as the REST body names the field."""
    if isinstance(error, InvalidArgument) and error.field in fields:
        return InvalidArgument(fields[error.field], error.reason)
    return error


@router.post("/prepare", response_model=PreparedOut, status_code=201,
             summary="Two-step signing, step 1: what your USB token or remote signer must sign")
@calls(SIGNING + "PrepareSignature")
async def prepare(body: PrepareIn, request: Request, principal: User) -> PreparedOut:
    r = await _signing(request).PrepareSignature(
        pb.PrepareSignatureRequest(source=_ref(body.object_id), placeholder=body.placeholder,
                                   document_id=body.document_id, **_box(body.box)),
        metadata=forward(principal), timeout=SIGN_TIMEOUT_S)
    return PreparedOut(handle=r.handle, to_sign=base64.b64encode(r.to_sign).decode(),
                       digest=base64.b64encode(r.digest).decode(), digest_algorithm=r.digest_algorithm,
                       signature_algorithm=r.signature_algorithm, expires_at=r.expires_at, box=_box_out(r.box),
                       image=base64.b64encode(r.image).decode())


@router.post("/placement", response_model=PlacementOut,
             summary="Where your signature would land on a stored PDF, and its image: the preview before signing")
@calls(SIGNING + "PlaceSignature")
async def placement(body: PersonalIn, request: Request, principal: User) -> PlacementOut:
    r = await _signing(request).PlaceSignature(
        pb.PlaceSignatureRequest(source=_ref(body.object_id), placeholder=body.placeholder, **_box(body.box)),
        metadata=forward(principal), timeout=SIGN_TIMEOUT_S)
    return PlacementOut(box=_box_out(r.box), page_area=_box_out(r.page_area), rotate=r.rotate, pages=r.pages,
                        image=base64.b64encode(r.image).decode(),
                        custody="remote" if r.custody == "remote" else "server")


@router.post("/check-draft", response_model=DraftCheckOut,
             summary="Whether a draft's main file carries [[SO]], [[NGAY]] and [[CHU_KY]] (số, ngày and chữ ký, which "
                     "signing and issuing fill in): asked as the file is uploaded; submitting refuses a draft without "
                     "them")
@calls(SIGNING + "CheckDraft")
async def check_draft(body: DraftCheckIn, request: Request, principal: User) -> DraftCheckOut:
    r = await _signing(request).CheckDraft(pb.CheckDraftRequest(source=_ref(body.object_id)),
                                           metadata=forward(principal), timeout=SIGN_TIMEOUT_S)
    return DraftCheckOut(missing=list(r.missing), message=r.message)


@router.post("/complete", response_model=SigningOut, status_code=201,
             summary="Two-step signing, step 2: embed the signature value; the signed PDF is stored")
@calls(SIGNING + "CompleteSignature")
async def complete(body: CompleteIn, request: Request, principal: User) -> SigningOut:
    try:
        value = base64.b64decode(body.signature_value, validate=True)
    except ValueError as exc:
        raise InvalidArgument("signature_value", "không phải dữ liệu base64.") from exc
    reply = await _signing(request).CompleteSignature(
        pb.CompleteSignatureRequest(handle=body.handle, signature_value=value), metadata=forward(principal),
        timeout=SIGN_TIMEOUT_S)
    return _result(reply.result)


@router.post("/verify", response_model=VerifyOut, summary="Verify every signature of a stored PDF")
@calls(SIGNING + "Verify")
async def verify(body: VerifyIn, request: Request, principal: User) -> VerifyOut:
    r = await _signing(request).Verify(pb.VerifyRequest(source=_ref(body.object_id)), metadata=forward(principal),
                                       timeout=SIGN_TIMEOUT_S)
    return VerifyOut(valid=r.valid, report=r.report, signatures=[Verdict(
        field_name=s.field_name, signer=s.signer, title=s.title, organisation=s.organisation, intact=s.intact,
        valid=s.valid, trusted=s.trusted, signing_time=s.signing_time, timestamp_time=s.timestamp_time,
        timestamp_ok=s.timestamp_ok, coverage=s.coverage, modification_level=s.modification_level,
        modification_ok=s.modification_ok, revocation=s.revocation, ltv=s.ltv, validation_time=s.validation_time,
        validation_basis=s.validation_basis, problems=list(s.problems), ok=s.ok)
        for s in r.signatures])


@router.get("/profile", response_model=ProfileOut, summary="Your signing profile (or your agency's, for clerks)")
@calls(SIGNING + "GetProfile")
async def get_profile(request: Request, principal: User) -> ProfileOut:
    r = await _signing(request).GetProfile(pb.GetProfileRequest(), metadata=forward(principal))
    return _profile(r.profile)


@router.put("/profile/image", response_model=ProfileOut,
            summary="Replace your signature image (leader, head) or your agency's seal image (admin): a PNG with "
                    "a transparent background")
@calls(SIGNING + "SetProfileImage")
async def put_profile_image(request: Request, principal: User, image: Annotated[UploadFile, File()]) -> ProfileOut:
    data = await image.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidArgument("image", f"chỉ nhận tối đa {MAX_IMAGE_BYTES} byte.")
    r = await _signing(request).SetProfileImage(pb.SetProfileImageRequest(image=data), metadata=forward(principal))
    return _profile(r.profile)
