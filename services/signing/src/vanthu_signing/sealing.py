"""The agency's seal on a numbered document (ban hành, Decree 30/2020 Art. 15, 18, 32; Appendix I II.8).

The registry numbers the document and asks for its seal with the clerk's token; the number, symbol, date and
files are read back from the registry (:mod:`vanthu_signing.documents`), never taken from the caller. The main
file gets the number and date filled in and the agency's signature with the seal image; each separate
attachment gets the agency's signature with the number and time (no image). The seal is refused unless the main
file's personal signature is by a person of the same agency with a personal signing profile (a leader or head:
only they sign with personal profiles). Sealing is idempotent per document and input: a repeated issue after a
failure reuses what was already sealed.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from cryptography import x509
from pyhanko.pdf_utils.reader import PdfFileReader

from vanthu_core.auth import Principal
from vanthu_core.errors import FailedPrecondition
from vanthu_core.text import symbol_file_name
from vanthu_signing import pdfdoc
from vanthu_signing import signer as sg
from vanthu_signing.documents import DocumentToSeal, FileToSeal, RegistryDocuments
from vanthu_signing.files import PdfFiles, result_holder
from vanthu_signing.keys import KeyRing
from vanthu_signing.store import AGENCY, PERSONAL, Profile, SigningStore

#: Journal kinds of the two signings of an issue.
SEAL, ATTACHMENT = "agency", "attachment"


@dataclass(frozen=True)
class Sealed:
    source: FileToSeal
    object_id: str
    sha256: str
    signing_id: str
    field_name: str


#: Stores a signed PDF, journals it and refers to it: (principal, signed, input, kind, number, when, document id)
#: → (object id, sha256, signing id). The servicer's ``_finish``.
Finish = Callable[..., Awaitable[tuple[str, str, str]]]


def personal_signer(pdf: bytes) -> x509.Certificate | None:
    """The certificate of the competent person's signature (field ``ChuKyCaNhan``) in ``pdf``, if any."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    for embedded in reader.embedded_regular_signatures:
        if embedded.field_name == sg.FIELD_PERSONAL:
            return x509.load_der_x509_certificate(embedded.signer_cert.dump())
    return None


class Sealer:
    def __init__(self, keys: KeyRing, store: SigningStore, files: PdfFiles, registry: RegistryDocuments,
                 finish: Finish, default_place: str) -> None:
        self.keys = keys
        self.store = store
        self.files = files
        self.registry = registry
        self.finish = finish
        self.default_place = default_place

    async def seal(self, principal: Principal, document_id: str) -> list[Sealed]:
        """Seal the numbered document ``document_id`` of the clerk's agency; the results, main file first."""
        assert principal.agency is not None
        doc = await self.registry.numbered(document_id, principal.token)
        profile = await self.store.profile(principal.agency, AGENCY)
        if profile.remote:
            raise FailedPrecondition("Khóa con dấu của cơ quan không do hệ thống giữ nên không đóng dấu ở đây được.")
        if not profile.image:
            raise FailedPrecondition("Hồ sơ ký số của cơ quan chưa có hình ảnh con dấu: quản trị hãy tải lên.")
        key = self.keys.key(profile.key_label)
        out = [await self._main(principal, doc, profile, key)]
        for attachment in doc.attachments:
            out.append(await self._attachment(principal, doc, attachment, key))
        return out

    async def _reuse(self, agency: str, doc: DocumentToSeal, kind: str, source: FileToSeal) -> Sealed | None:
        earlier = await self.store.earlier(agency, doc.id, kind, source.sha256) if source.sha256 else None
        if earlier is None:
            return None
        return Sealed(source, earlier.object_id, earlier.sha256, earlier.signing_id,
                      sg.FIELD_AGENCY if kind == SEAL else sg.FIELD_ATTACHMENT)

    async def _main(self, principal: Principal, doc: DocumentToSeal, profile: Profile, key: sg.KeySource) -> Sealed:
        assert principal.agency is not None
        source = doc.main
        reused = await self._reuse(principal.agency, doc, SEAL, source)
        if reused is not None:
            return reused
        pdf = await self._read(source, principal)
        await self._check_personal_signer(pdf, principal.agency)
        signed = await asyncio.to_thread(
            sg.issue_and_sign_agency, pdf, key, profile.image, self.keys.tsa, number_symbol=doc.number_symbol,
            issued_on=doc.issued_on, trust_roots=self.keys.roots, place=doc.place or self.default_place,
            revocation=self.keys.revocation())
        object_id, sha256, signing_id = await self.finish(
            principal, signed, symbol_file_name(doc.number_symbol) or source.file_name, hashlib.sha256(pdf).hexdigest(),
            kind=SEAL,
            number_symbol=doc.number_symbol, document_id=doc.id)
        # the sealed file contains the personally signed one: signing no longer needs to keep that version
        producer = await self.store.producer(principal.agency, source.object_id)
        if producer is not None:
            await self.files.let_go(source.object_id, principal.agency, result_holder(producer))
        return Sealed(source, object_id, sha256, signing_id, signed.field_name)

    async def _attachment(self, principal: Principal, doc: DocumentToSeal, source: FileToSeal,
                          key: sg.KeySource) -> Sealed:
        assert principal.agency is not None
        reused = await self._reuse(principal.agency, doc, ATTACHMENT, source)
        if reused is not None:
            return reused
        pdf = await self._read(source, principal)
        signed = await asyncio.to_thread(sg.sign_attachment, pdf, key, self.keys.tsa,
                                         number_symbol=doc.number_symbol, revocation=self.keys.revocation())
        object_id, sha256, signing_id = await self.finish(
            principal, signed, source.file_name, hashlib.sha256(pdf).hexdigest(), kind=ATTACHMENT,
            number_symbol=doc.number_symbol, document_id=doc.id)
        return Sealed(source, object_id, sha256, signing_id, signed.field_name)

    async def _read(self, source: FileToSeal, principal: Principal) -> bytes:
        fetched = await self.files.read(source.object_id, principal.token)
        await asyncio.to_thread(pdfdoc.refuse_active_content, fetched.pdf, "source")
        return fetched.pdf

    async def _check_personal_signer(self, pdf: bytes, agency: str) -> None:
        """The personal signature must be by a person of ``agency`` holding a personal signing profile."""
        cert = await asyncio.to_thread(personal_signer, pdf)
        if cert is None:
            raise FailedPrecondition("Văn bản chính chưa có chữ ký số của người có thẩm quyền; chữ ký số của cơ quan "
                                     "chỉ đóng lên văn bản đã ký (Nghị định 30/2020 Điều 32): hãy trình ký trước.")
        for profile in await self.store.profiles(agency):
            if profile.kind != PERSONAL:
                continue
            bound = x509.load_der_x509_certificate(profile.certificate) if profile.remote else \
                await asyncio.to_thread(self.keys.certificate, profile.key_label)
            if bound == cert:
                return
        raise FailedPrecondition(f"Chữ ký số cá nhân là của {cert.subject.rfc4514_string()}, người không có hồ sơ ký "
                                 f"số của cơ quan {agency}; chỉ đóng dấu văn bản do lãnh đạo hoặc trưởng đơn vị của "
                                 "cơ quan ký.")
