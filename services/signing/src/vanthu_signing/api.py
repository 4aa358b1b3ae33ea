"""gRPC servicer of signing: proto <-> domain, permission and profile checks; the PDF work runs in threads.

Who signs with which key is never the caller's choice: a leader or head signs with the key of their own
personal profile, a clerk with their agency's seal key (profiles are bound by the operator). Who may call each
method is :data:`vanthu_core.policy.TABLE`'s to say; services never sign. Inputs come as
bytes or as a storage object read with the caller's token; results are stored with the caller's token,
journalled and published (``vanthu.signing.document.signed``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import grpc
from cryptography import x509
from cryptography.x509.oid import NameOID

from vanthu.signing.v1 import signing_pb2, signing_pb2_grpc
from vanthu_core import clients, policy
from vanthu_core.auth import Principal
from vanthu_core.errors import FailedPrecondition, InvalidArgument, PermissionDenied, Unavailable
from vanthu_core.ids import new_id
from vanthu_core.numbers import bounded_int, finite_float
from vanthu_core.text import clean_text, nfc
from vanthu_signing import lta, pdfdoc, placeholders, two_step
from vanthu_signing import signer as sg
from vanthu_signing.documents import RegistryDocuments
from vanthu_signing.domain import appearance as ap
from vanthu_signing.files import PdfFiles, result_holder
from vanthu_signing.keys import KeyRing
from vanthu_signing.sealing import Sealer
from vanthu_signing.store import AGENCY, PERSONAL, JournalEntry, Pending, Profile, SigningStore
from vanthu_signing.verify import Report, verify_pdf

#: The copy forms as the proto names them (sao y, sao lục, trích sao); the appearance spells them out.
COPY_FORMS = ("SY", "SL", "TrS")
#: The longest a check of an uploaded PDF (reading it, its scripts and placeholders) may take, in seconds; it runs
#: in a worker thread so that the event loop keeps serving every other request meanwhile.
PDF_CHECK_TIMEOUT_S = 30.0
_T = TypeVar("_T")


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
            modification_ok=s.modification_ok, problems=s.problems, ok=s.ok,
            revocation=s.revocation, ltv=s.ltv, validation_time=iso(s.validation_time),
            validation_basis=s.validation_basis)
        for s in report.signatures])


def certificate_subject(cert: x509.Certificate) -> str:
    return nfc(cert.subject.rfc4514_string())[:500]


def organisation(cert: x509.Certificate) -> str:
    """The organisation a certificate names (O, else CN): the copying agency shown on a copy."""
    for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME):
        values = cert.subject.get_attributes_for_oid(oid)
        if values:
            return nfc(str(values[0].value))
    return ""


def profile_to_proto(profile: Profile, cert: x509.Certificate | None) -> signing_pb2.SigningProfile:
    return signing_pb2.SigningProfile(
        kind=profile.kind, agency_code=profile.agency_code, username=profile.username, subject=profile.subject or "",
        custody="remote" if profile.remote else "server",
        certificate_subject=certificate_subject(cert) if cert else "",
        certificate_not_after=cert.not_valid_after_utc.isoformat() if cert else "",
        has_image=bool(profile.image), updated_at=profile.updated_at.isoformat())


@dataclass(frozen=True)
class Input:
    pdf: bytes
    sha256: str
    file_name: str


def _person() -> Principal:
    """The caller, a person of an agency whom the access table lets call the method being served."""
    return policy.require().principal


def _text(field: str, value: str, max_len: int = 100) -> str:
    """NFC text of a request field, refused when longer than its column (the journal stores it) or when it holds
    control or bidirectional characters (they would be stamped into a signed PDF)."""
    return clean_text(field, value, max_len=max_len, required=False)


def _authority(given: signing_pb2.SignerAuthority | None) -> tuple[tuple[str, ...], str]:
    """The signing authority lines (:func:`~vanthu_signing.domain.appearance.authority_lines`) and competence a
    request gives (none: no lines)."""
    if given is None:
        return (), ""
    competence = _text("authority.competence", given.competence, 10)
    return ap.authority_lines(competence, _text("authority.title", given.title, 100),
                              _text("authority.position", given.position, 100)), competence


def _for_document(document_id: str, authority_given: bool) -> None:
    """A signature on a registry document's main file, and the signing authority lines it shows (KT./TUQ., the
    signer's title and position: Decree 30/2020 Art. 13, Appendix I box 7a/7b), are decided by the registry, never
    by the client: a request naming a document or lines must come through the registry (its token vouching for the
    person's call, :attr:`vanthu_core.policy.Access.vouched_by`). FailedPrecondition otherwise."""
    if (document_id or authority_given) and policy.vouched_by() != clients.REGISTRY:
        raise FailedPrecondition("Chữ ký trên văn bản của cơ quan và dòng thẩm quyền ký do hệ thống quyết định: hãy ký "
                                 "văn bản trong hồ sơ công việc của văn bản (hoặc trên trang văn bản), không ký qua "
                                 "công cụ ký tệp.")


def _box(request_box: signing_pb2.SignatureBox | None) -> tuple[int | None, ap.Box | None]:
    if request_box is None:
        return None, None
    b = request_box
    x1, y1, x2, y2 = (finite_float(f"box.{name}", getattr(b, name)) for name in ("x1", "y1", "x2", "y2"))
    if not (x2 > x1 and y2 > y1):
        raise InvalidArgument("box", "x2 phải lớn hơn x1 và y2 phải lớn hơn y1.")
    return bounded_int("box.page", b.page), ap.Box(x1, y1, x2, y2)


#: What each placeholder of a document to be issued stands for (Decree 30/2020 Appendix I, boxes 3, 4 and 7c).
ISSUE_PLACEHOLDERS = {ap.PLACEHOLDER_NUMBER: "số, ký hiệu ('Số: [[SO]]')",
                      ap.PLACEHOLDER_DATE: "dòng địa danh, ngày … tháng … năm …"}


def missing_issue_placeholders(pdf: bytes, signature_placeholder: str = ap.PLACEHOLDER_SIGNATURE) -> list[str]:
    """The placeholders a document's main file lacks for issuing (``[[SO]]``, ``[[NGAY]]``, and the signature's
    anchor unless it is placed by a box: ``signature_placeholder`` empty), in that order: the one rule, which the
    signing of a document's main file enforces and the registry asks about when a draft is submitted (CheckDraft)."""
    wanted = dict(ISSUE_PLACEHOLDERS)
    if signature_placeholder:
        wanted[signature_placeholder] = "chữ ký (giữa chức vụ và tên người ký)"
    found = placeholders.find_anchors(pdf, wanted)
    return [name for name in wanted if name not in found]


def missing_placeholders_message(missing: list[str], *, drafter: bool = False) -> str:
    """What a signer (or, ``drafter``, the person who uploads the draft) reads when the main file lacks ``missing``:
    each placeholder and what it stands for, and what to do."""
    what = {**ISSUE_PLACEHOLDERS, ap.PLACEHOLDER_SIGNATURE: "chữ ký (giữa chức vụ và tên người ký)"}
    named = [f"{name} cho {what[name]}" if name in what else name for name in missing]
    then = ("hãy gõ các dấu đó vào tệp dự thảo rồi tải lại tệp PDF; số, địa danh, ngày và chữ ký được đóng vào đó khi "
            "văn bản được ký và ban hành." if drafter else
            "hãy trả dự thảo cho người soạn để bổ sung; số, địa danh và ngày được đóng vào đó khi văn bản được ban "
            "hành.")
    return f"Tệp PDF của văn bản thiếu {' và thiếu '.join(named)}: {then}"


def _require_issue_placeholders(pdf: bytes, signature_placeholder: str) -> None:
    """A document's main file is signed only when the issue will find where to stamp the number and the date (and
    the signature its anchor): refused before anything is signed, so that no number is taken for a file that
    cannot be sealed."""
    missing = missing_issue_placeholders(pdf, signature_placeholder)
    if missing:
        raise FailedPrecondition(missing_placeholders_message(missing))


#: The journal's kind of an augmentation to PAdES B-LTA (and of each re-timestamping).
LTA_KIND = "lta"


def _archived_name(name: str) -> str:
    """``<stem>.lta.pdf`` (a re-timestamped ``x.lta.pdf`` keeps its name)."""
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    stem = stem[:-4] if stem.lower().endswith(".lta") else stem
    return f"{nfc(stem)[:240] or 'van-ban'}.lta.pdf"


def _signed_name(name: str) -> str:
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    return f"{nfc(stem)[:240] or 'van-ban'}.signed.pdf"


class SigningApi(signing_pb2_grpc.SigningServiceServicer):
    def __init__(self, keys: KeyRing, store: SigningStore, files: PdfFiles, *, pending_ttl_s: int = 600,
                 on_commit: Callable[[], None] | None = None, registry: RegistryDocuments | None = None) -> None:
        self.keys = keys
        self.store = store
        self.files = files
        self.pending_ttl = dt.timedelta(seconds=pending_ttl_s)
        self.on_commit = on_commit or (lambda: None)
        self.pdf_check_timeout_s = PDF_CHECK_TIMEOUT_S
        #: One timestamper for every archival timestamp (its dummy token, which sizes the placeholder, is fetched
        #: once) and the fingerprint of the TSA certificate it last saw.
        self._archive_stamper = keys.tsa.timestamper()
        self._archive_tsa = ""
        self.sealer = Sealer(keys, store, files, registry or RegistryDocuments(None, None), self._finish_sealing,
                             keys.settings.place)

    # ------------------------------------------------------------ shared steps
    async def _pdf_check(self, work: Callable[..., _T], *args: object) -> _T:
        """``work(*args)`` in a worker thread, so that the event loop serves other requests meanwhile; refused
        with a clear problem when it takes longer than :attr:`pdf_check_timeout_s`."""
        try:
            return await asyncio.wait_for(asyncio.to_thread(work, *args), self.pdf_check_timeout_s)
        except TimeoutError:
            raise InvalidArgument("source", f"đọc tệp PDF quá {self.pdf_check_timeout_s:g} giây mà chưa xong: tệp "
                                            "quá phức tạp hoặc bị hỏng; hãy xuất lại tệp PDF.") from None

    async def _input(self, source: signing_pb2.PdfSource, principal: Principal, *, to_sign: bool = True) -> Input:
        """The PDF to sign (or verify: ``to_sign`` False), refused when it is not a readable PDF or, to be signed,
        when it carries scripts or actions."""
        which = source.WhichOneof("source")
        if which == "object_id":
            fetched = await self.files.read(source.object_id, principal.token)
            pdf, name = fetched.pdf, fetched.file_name
        elif which == "pdf":
            pdf, name = source.pdf, ""
            if len(pdf) > self.files.max_bytes:
                raise InvalidArgument("source.pdf", f"dài {len(pdf)} byte; chỉ ký số được tệp tối đa "
                                                    f"{self.files.max_bytes} byte.")
        else:
            raise InvalidArgument("source", "hãy gửi nội dung tệp PDF hoặc mã của tệp PDF đã lưu.")
        if to_sign:
            await self._pdf_check(pdfdoc.refuse_active_content, pdf, "source")
        else:
            await self._pdf_check(pdfdoc.read_pdf, pdf, "source")
        return Input(pdf, hashlib.sha256(pdf).hexdigest(), nfc(source.file_name) or name)

    async def _profile(self, principal: Principal, kind: str) -> Profile:
        """The caller's own personal profile (by their subject, never their username, which can change hands) or
        their agency's profile."""
        assert principal.agency is not None
        if kind == PERSONAL:
            return await self.store.profile(principal.agency, kind, subject=principal.subject,
                                            username=principal.username)
        return await self.store.profile(principal.agency, kind)

    def _server_key(self, profile: Profile) -> sg.KeySource:
        if profile.remote:
            raise FailedPrecondition("Khóa của hồ sơ ký này không do hệ thống giữ: hãy ký số hai bước bằng thiết bị "
                                     "ký của đồng chí.")
        return self.keys.key(profile.key_label)

    async def _finish(self, principal: Principal, signed: sg.Signed, inp: Input, *, kind: str, cert_subject: str,
                      number_symbol: str = "", when: dt.datetime | None = None,
                      document_id: str = "") -> signing_pb2.SigningResult:
        """Store the signed PDF (when storage is deployed), journal the signing and publish its event, and keep
        the stored result (``signing/result/<signing id>``) until a later version supersedes it."""
        assert principal.agency is not None
        signed_at = when or dt.datetime.now(dt.UTC)
        sha256 = hashlib.sha256(signed.pdf).hexdigest()
        object_id = ""
        if self.files.enabled:
            stored = await self.files.write(signed.pdf, _signed_name(inp.file_name), principal.token)
            object_id, sha256 = stored.object_id, stored.sha256
        signing_id = await self.store.record(JournalEntry(
            agency_code=principal.agency, kind=kind, subject=principal.subject, username=principal.username,
            certificate_subject=cert_subject, field_name=signed.field_name, input_sha256=inp.sha256,
            output_sha256=sha256, object_id=object_id, number_symbol=number_symbol, signed_at=signed_at,
            document_id=document_id))
        self.on_commit()
        if object_id:
            await self.files.keep(object_id, principal.agency, result_holder(signing_id))
        return signing_pb2.SigningResult(pdf=signed.pdf, object_id=object_id, sha256=sha256, signing_id=signing_id,
                                         field_name=signed.field_name, box=box_to_proto(signed.page, signed.box),
                                         signed_at=ap.iso_vn(signed_at))

    # ------------------------------------------------------------ signing
    async def SignPersonal(self, request: signing_pb2.SignPersonalRequest,
                           context: grpc.aio.ServicerContext) -> signing_pb2.SignPersonalResponse:
        principal = _person()
        page, box = _box(request.box if request.HasField("box") else None)
        placeholder = _text("placeholder", request.placeholder, 200) or ap.PLACEHOLDER_SIGNATURE
        profile = await self._profile(principal, PERSONAL)
        key = self._server_key(profile)
        if not profile.image:
            raise FailedPrecondition("Hồ sơ ký số của đồng chí chưa có hình ảnh chữ ký: hãy tải hình ảnh chữ ký lên "
                                     "trước.")
        document_id = _text("document_id", request.document_id, 36)
        _for_document(document_id, request.HasField("authority"))
        authority, competence = _authority(request.authority if request.HasField("authority") else None)
        inp = await self._input(request.source, principal)
        if document_id:
            await asyncio.to_thread(_require_issue_placeholders, inp.pdf, placeholder if box is None else "")
        res = await asyncio.to_thread(sg.sign_personal, inp.pdf, key, profile.image, self.keys.tsa,
                                      placeholder=placeholder, page=page, box=box, revocation=self.keys.revocation(),
                                      authority=authority, authority_above=bool(competence))
        cert = await asyncio.to_thread(self.keys.certificate, profile.key_label)
        return signing_pb2.SignPersonalResponse(result=await self._finish(
            principal, res, inp, kind="personal", cert_subject=certificate_subject(cert), document_id=document_id))

    async def SealDocument(self, request: signing_pb2.SealDocumentRequest,
                           context: grpc.aio.ServicerContext) -> signing_pb2.SealDocumentResponse:
        principal = _person()
        document_id = _text("document_id", request.document_id, 36)
        if not document_id:
            raise InvalidArgument("document_id", "chưa nhập: cần văn bản cần đóng dấu.")
        sealed = await self.sealer.seal(principal, document_id)
        return signing_pb2.SealDocumentResponse(files=[signing_pb2.SealedFile(
            source_object_id=s.source.object_id, role=s.source.role, result=signing_pb2.SigningResult(
                object_id=s.object_id, sha256=s.sha256, signing_id=s.signing_id, field_name=s.field_name))
            for s in sealed])

    async def _finish_sealing(self, principal: Principal, signed: sg.Signed, file_name: str, input_sha256: str, *,
                              kind: str, number_symbol: str, document_id: str) -> tuple[str, str, str]:
        """:meth:`_finish` for :class:`~vanthu_signing.sealing.Sealer` (the agency's certificate is the signer)."""
        profile = await self._profile(principal, AGENCY)
        cert = await asyncio.to_thread(self.keys.certificate, profile.key_label)
        result = await self._finish(principal, signed, Input(b"", input_sha256, file_name), kind=kind,
                                    cert_subject=certificate_subject(cert), number_symbol=number_symbol,
                                    document_id=document_id)
        return result.object_id, result.sha256, result.signing_id

    async def SignCopy(self, request: signing_pb2.SignCopyRequest,
                       context: grpc.aio.ServicerContext) -> signing_pb2.SignCopyResponse:
        principal = _person()
        if request.form not in COPY_FORMS:
            raise InvalidArgument("form", f"phải là một trong {', '.join(COPY_FORMS)} (sao y, sao lục, trích sao).")
        copy_number = _text("copy_number_symbol", request.copy_number_symbol)
        profile = await self._profile(principal, AGENCY)
        key = self._server_key(profile)
        inp = await self._input(request.source, principal)
        cert = await asyncio.to_thread(self.keys.certificate, profile.key_label)
        when = dt.datetime.now(dt.UTC)
        res = await asyncio.to_thread(sg.sign_copy, inp.pdf, key, self.keys.tsa, form=request.form,
                                      agency_name=organisation(cert), copy_number_symbol=copy_number, when=when,
                                      revocation=self.keys.revocation())
        return signing_pb2.SignCopyResponse(result=await self._finish(
            principal, res, inp, kind=f"copy-{request.form}", cert_subject=certificate_subject(cert),
            number_symbol=copy_number, when=when))

    # ------------------------------------------------------------ two-step
    async def PrepareSignature(self, request: signing_pb2.PrepareSignatureRequest,
                               context: grpc.aio.ServicerContext) -> signing_pb2.PrepareSignatureResponse:
        principal = _person()
        page, box = _box(request.box if request.HasField("box") else None)
        profile = await self._profile(principal, PERSONAL)
        if not profile.remote:
            raise FailedPrecondition("Khóa của đồng chí do hệ thống giữ: hãy ký số trực tiếp (không ký hai bước).")
        if not profile.image:
            raise FailedPrecondition("Hồ sơ ký số của đồng chí chưa có hình ảnh chữ ký: hãy tải hình ảnh chữ ký lên "
                                     "trước.")
        document_id = _text("document_id", request.document_id, 36)
        _for_document(document_id, request.HasField("authority"))
        placeholder = _text("placeholder", request.placeholder, 200) or ap.PLACEHOLDER_SIGNATURE
        authority, competence = _authority(request.authority if request.HasField("authority") else None)
        inp = await self._input(request.source, principal)
        if document_id:
            await asyncio.to_thread(_require_issue_placeholders, inp.pdf, placeholder if box is None else "")
        cert = x509.load_der_x509_certificate(profile.certificate)
        revocation = self.keys.revocation()
        if revocation is not None and revocation.status(cert, self.keys.chain).status == "revoked":
            raise FailedPrecondition(f"Chứng thư số của {certificate_subject(cert)} đã bị thu hồi: quản trị hệ thống "
                                     "phải gắn chứng thư số mới trước khi đồng chí ký được.")
        prepared = await asyncio.to_thread(
            two_step.prepare_personal, inp.pdf, cert, list(self.keys.chain), profile.image, self.keys.tsa,
            placeholder=placeholder, page=page, box=box, authority=authority, authority_above=bool(competence))
        expires = dt.datetime.now(dt.UTC) + self.pending_ttl
        handle = new_id()
        assert principal.agency is not None
        await self.store.save_pending(Pending(handle, principal.agency, principal.subject,
                                              inp.file_name, inp.sha256, prepared.state, expires, document_id))
        return signing_pb2.PrepareSignatureResponse(
            handle=handle, to_sign=prepared.to_sign, digest=prepared.digest,
            digest_algorithm=prepared.digest_algorithm, signature_algorithm=prepared.signature_algorithm,
            expires_at=expires.isoformat(), box=box_to_proto(prepared.page, prepared.box), image=profile.image,
            authority=list(authority))

    async def CompleteSignature(self, request: signing_pb2.CompleteSignatureRequest,
                                context: grpc.aio.ServicerContext) -> signing_pb2.CompleteSignatureResponse:
        principal = _person()
        if not request.signature_value:
            raise InvalidArgument("signature_value", "chưa có: hãy gửi giá trị chữ ký.")
        pending = await self.store.pending(request.handle, principal.subject)
        source_sha256 = request.source_sha256.strip().lower()
        document_id = _text("document_id", request.document_id, 36)
        _for_document(document_id, request.HasField("authority"))
        if document_id != pending.document_id:  # bound to the document (and its main file) it was prepared for
            raise FailedPrecondition("Phiên ký này không được chuẩn bị cho văn bản này: hãy bắt đầu ký số lại văn "
                                     "bản trong hồ sơ công việc của nó." if document_id else
                                     "Phiên ký này thuộc một văn bản: hãy hoàn tất chữ ký trong hồ sơ công việc của "
                                     "văn bản.")
        if (source_sha256 or document_id) and source_sha256 != pending.input_sha256:
            raise FailedPrecondition("Phiên ký này được chuẩn bị trên một tệp khác với văn bản chính hiện tại: hãy "
                                     "bắt đầu ký số lại văn bản.")
        if document_id or request.HasField("authority"):  # a document's lines are always the registry's, own right too
            expected, _ = _authority(request.authority if request.HasField("authority") else None)
            shown = await asyncio.to_thread(two_step.prepared_authority, pending.state)
            if shown != expected:
                raise FailedPrecondition(
                    f"Phiên ký này được chuẩn bị với thẩm quyền ký {' / '.join(shown) or '(không có)'}, không phải "
                    f"{' / '.join(expected) or '(không có)'}: hãy bắt đầu ký số lại văn bản.")
        profile = await self._profile(principal, PERSONAL)
        res = await asyncio.to_thread(two_step.complete, pending.state, request.signature_value, self.keys.tsa,
                                      revocation=self.keys.revocation())
        await self.store.finish_pending(pending.handle)
        cert = x509.load_der_x509_certificate(profile.certificate)
        inp = Input(b"", pending.input_sha256, pending.file_name)
        return signing_pb2.CompleteSignatureResponse(result=await self._finish(
            principal, res, inp, kind="personal-remote", cert_subject=certificate_subject(cert),
            document_id=document_id))

    async def PlaceSignature(self, request: signing_pb2.PlaceSignatureRequest,
                             context: grpc.aio.ServicerContext) -> signing_pb2.PlaceSignatureResponse:
        """Where the caller's personal signature would land and the image it would show; nothing is signed, stored
        or journalled. The caller's own profile (NotFound without one) says how they sign (custody)."""
        principal = _person()
        page, box = _box(request.box if request.HasField("box") else None)
        placeholder = _text("placeholder", request.placeholder, 200) or ap.PLACEHOLDER_SIGNATURE
        profile = await self._profile(principal, PERSONAL)
        inp = await self._input(request.source, principal, to_sign=False)
        placed = await asyncio.to_thread(sg.place_personal, inp.pdf, placeholder=placeholder, page=page, box=box)
        area = placed.area
        return signing_pb2.PlaceSignatureResponse(
            box=box_to_proto(placed.page, placed.box), rotate=placed.rotate, pages=placed.pages,
            page_area=signing_pb2.SignatureBox(page=placed.page, x1=area.x1, y1=area.y1, x2=area.x2, y2=area.y2),
            image=profile.image or b"", custody="remote" if profile.remote else "server")

    async def CheckDraft(self, request: signing_pb2.CheckDraftRequest,
                         context: grpc.aio.ServicerContext) -> signing_pb2.CheckDraftResponse:
        """Whether a draft's main file (a PDF of the caller's agency) carries the placeholders its signing and issue
        fill in (:func:`missing_issue_placeholders`, the rule SignPersonal enforces): the drafter's upload and the
        registry's submission (trình ký) ask, so a draft without them is caught before review, not at signing.
        Nothing is signed, stored or journalled."""
        principal = _person()
        inp = await self._input(request.source, principal, to_sign=False)
        missing = await self._pdf_check(missing_issue_placeholders, inp.pdf)
        message = missing_placeholders_message(missing, drafter=True) if missing else ""
        return signing_pb2.CheckDraftResponse(missing=missing, message=message)

    # ------------------------------------------------------------ long-term archival
    async def AugmentLta(self, request: signing_pb2.AugmentLtaRequest,
                         context: grpc.aio.ServicerContext) -> signing_pb2.AugmentLtaResponse:
        """The stored signed PDF augmented to PAdES B-LTA (or re-timestamped) as a new object of the caller's agency,
        journalled (kind ``lta``) and published like a signing; see :mod:`vanthu_signing.lta`.

        An archivist or admin works within their own agency (naming another is refused). The records service's own
        client (its scheduled re-timestamping; the access table admits no other service) names the agency it acts
        for: signing then reads the PDF and stores the result with its own service token for that agency (storage
        admits signing's client for one object by id, and for an upload naming the agency)."""
        principal = _person()
        requested = request.agency_code.strip()
        if principal.is_service:
            if not requested or len(requested) > 35:
                raise InvalidArgument("agency_code", "dịch vụ phải nêu cơ quan mà nó thay mặt.")
            agency = requested
        else:
            assert principal.agency is not None
            if requested and requested != principal.agency:
                raise PermissionDenied("Đồng chí chỉ bổ sung dữ liệu lưu trữ cho tệp của cơ quan mình.")
            agency = principal.agency
        object_id = _text("object_id", request.object_id, 36)
        if not object_id:
            raise InvalidArgument("object_id", "chưa nhập: cần tệp PDF đã ký số đã lưu.")
        if not self.files.enabled:
            raise FailedPrecondition("Chưa cấu hình dịch vụ lưu tệp: chức năng lưu trữ dài hạn chỉ làm việc trên tệp "
                                     "đã lưu; báo quản trị hệ thống.")
        name = _text("file_name", request.file_name, 255)
        if principal.is_service:
            if self.files.tokens is None:
                raise Unavailable("Dịch vụ ký số chưa có tài khoản dịch vụ để đọc và lưu tệp cho cơ quan: báo quản "
                                  "trị hệ thống.")
            token, owner = await self.files.tokens.token(), agency
            fetched = await self.files.read(object_id, token, for_agency=agency)  # that agency's only
        else:
            token, owner = principal.token, ""
            fetched = await self.files.read(object_id, token)  # the caller's agency's only
        inp = Input(fetched.pdf, hashlib.sha256(fetched.pdf).hexdigest(), fetched.file_name)  # parsed once, below
        stamper = self._archive_stamper
        try:
            done = await asyncio.to_thread(lta.augment_lta, inp.pdf, self.keys.roots, stamper,
                                           self.keys.revocation())
        except lta.Unsigned:
            return signing_pb2.AugmentLtaResponse(signatures=0)  # nothing to extend: no object, nothing journalled
        if self._archive_tsa and done.tsa_fingerprint != self._archive_tsa:
            # the TSA now signs with another certificate: the next document sizes its timestamp and embeds the TSA's
            # validation data from a fresh dummy token
            self._archive_stamper = self.keys.tsa.timestamper()
        self._archive_tsa = done.tsa_fingerprint
        stored = await self.files.write(done.pdf, name or _archived_name(inp.file_name), token, owner)
        signing_id = await self.store.record(JournalEntry(
            agency_code=agency, kind=LTA_KIND, subject=principal.subject, username=principal.username,
            certificate_subject=done.tsa_subject[:500], field_name=done.field_name,
            input_sha256=inp.sha256, output_sha256=stored.sha256, object_id=stored.object_id, number_symbol="",
            signed_at=done.timestamp_time))
        self.on_commit()
        await self.files.keep(stored.object_id, agency, result_holder(signing_id))
        return signing_pb2.AugmentLtaResponse(
            object_id=stored.object_id, sha256=stored.sha256, size=len(done.pdf),
            timestamp_time=done.timestamp_time.isoformat(), timestamp_expires_at=done.timestamp_expires_at.isoformat(),
            signatures=done.signatures)

    # ------------------------------------------------------------ verification and profiles
    async def Verify(self, request: signing_pb2.VerifyRequest,
                     context: grpc.aio.ServicerContext) -> signing_pb2.VerifyResponse:
        principal = policy.require().principal  # anyone: a stored file is read with their token
        inp = await self._input(request.source, principal, to_sign=False)
        report = await asyncio.to_thread(verify_pdf, inp.pdf, self.keys.roots, revocation=self.keys.revocation())
        return report_to_proto(report)

    def _profile_kind(self, principal: Principal) -> str:
        """Leaders and heads have a personal profile; clerks and admins reach their agency's seal."""
        if principal.has_any_role(*policy.SIGNERS):
            return PERSONAL
        if principal.has_any_role("clerk", "admin"):
            return AGENCY
        raise PermissionDenied("Chỉ lãnh đạo, trưởng đơn vị, văn thư và quản trị mới có hồ sơ ký số.")

    async def _profile_cert(self, profile: Profile) -> x509.Certificate | None:
        if profile.remote:
            return x509.load_der_x509_certificate(profile.certificate)
        return await asyncio.to_thread(self.keys.certificate, profile.key_label)

    async def GetProfile(self, request: signing_pb2.GetProfileRequest,
                         context: grpc.aio.ServicerContext) -> signing_pb2.GetProfileResponse:
        principal = _person()
        profile = await self._profile(principal, self._profile_kind(principal))
        return signing_pb2.GetProfileResponse(profile=profile_to_proto(profile, await self._profile_cert(profile)))

    async def SetProfileImage(self, request: signing_pb2.SetProfileImageRequest,
                              context: grpc.aio.ServicerContext) -> signing_pb2.SetProfileImageResponse:
        principal = _person()
        kind = PERSONAL if principal.has_any_role(*policy.SIGNERS) else AGENCY  # admins: the agency's seal
        await asyncio.to_thread(ap.check_png, request.image, "image")
        current = await self._profile(principal, kind)
        profile = await self.store.put_profile(agency_code=current.agency_code, kind=kind,
                                               subject=current.subject or "", username=None, key_label=None,
                                               certificate=None, image=request.image, actor=principal.subject)
        self.on_commit()
        return signing_pb2.SetProfileImageResponse(profile=profile_to_proto(profile,
                                                                            await self._profile_cert(profile)))
