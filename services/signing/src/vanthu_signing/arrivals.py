"""Verification of every arrival (văn bản đến): when the registry records an incoming document with files, the
signing service verifies each PDF's signatures and publishes ``vanthu.signing.document.verified``; the registry
flags a document whose files fail, so nothing unverified is silently accepted.

Files are read with the service's own token (signing's client, which storage lets read one object for the agency it
names) and must belong to the agency the arrival event names. Each arrival is answered once: the verdict's id is
derived from the arrival event's, so a redelivered arrival (the service stopped before acknowledging it) finds its
verdict in the outbox and does nothing again. While the files are verified the bus tells NATS the work is in
progress, so another replica does not start it too.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from google.protobuf.message import Message

from vanthu.registry.v1 import events_pb2 as registry_events
from vanthu.signing.v1 import events_pb2 as ev
from vanthu_core.errors import DomainError, InvalidArgument, NotFound, PermissionDenied
from vanthu_core.events import meta_of
from vanthu_core.service_token import ServiceTokens
from vanthu_core.text import fold
from vanthu_core.timeutil import vietnam_time
from vanthu_signing import events
from vanthu_signing.files import NotAPdf, PdfFiles
from vanthu_signing.keys import KeyRing
from vanthu_signing.store import SigningStore
from vanthu_signing.verify import SignatureReport, verify_pdf

log = logging.getLogger("vanthu.signing")


def signer_line(signature: SignatureReport) -> str:
    """Who signed and when, as the clerk reads it in the arrival's signature report: "Nguyễn Văn Hưởng — Chủ tịch
    (Ủy ban nhân dân tỉnh Vĩnh Long), ký lúc 09:30 01/12/2026" (the certificate's name, title and organisation, as
    the web formats a certificate subject; the time of the trusted timestamp, else the one the signer's software
    wrote, in Vietnam time)."""
    who = signature.signer or "không rõ người ký"
    if signature.title:
        who += f" — {signature.title}"
    if signature.organisation:
        who += f" ({signature.organisation})"
    at = signature.timestamp_time if signature.timestamp_ok and signature.timestamp_time else signature.signing_time
    return f"{who}, ký lúc {vietnam_time(at):%H:%M %d/%m/%Y}" if at is not None else who


#: Abbreviations of agency names (Decree 30/2020, Appendix I, II: "UBND", "HĐND") read as their words when a
#: certificate's name and the sender's are compared.
_ABBREVIATIONS = {"ubnd": "uy ban nhan dan", "hdnd": "hoi dong nhan dan", "tw": "trung uong"}


def _name_key(name: str) -> str:
    """``name`` folded (no case, tones or marks; blanks collapsed) with the abbreviations written out."""
    return " ".join(_ABBREVIATIONS.get(word, word) for word in fold(name).split())


#: The first words of the place an agency's full name may add to its short one ("Sở Nội vụ" + " tỉnh Vĩnh Long").
_PLACE_WORDS = frozenset({"tinh", "thanh", "tp", "huyen", "quan", "thi", "xa", "phuong"})


def same_name(certificate_name: str, named: str) -> bool:
    """Whether a certificate's name (its organisation or common name) is the agency or person ``named``: the same
    words but for case, tones and the usual abbreviations, or one the other followed by a place ("Sở Nội vụ" and
    "SỞ NỘI VỤ TỈNH VĨNH LONG"; not "phường Long" and "phường Long Châu")."""
    a, b = _name_key(certificate_name), _name_key(named)
    if not a or not b:
        return False
    short, long = sorted((a, b), key=len)
    return long == short or (long.startswith(short + " ") and long[len(short) + 1:].split()[0] in _PLACE_WORDS)


def sender_problems(signatures: list[SignatureReport], agency_name: str, signer_name: str) -> tuple[list[str],
                                                                                                    list[str]]:
    """What the arrival's signatures say against its sender and named signer: ``(problems, notes)``. A problem
    (the arrival is not validly signed by its sender): no signature is the sending agency's (none whose
    organisation or name is ``agency_name``), e.g. a department's letter carrying only the province's seal. A note
    (the clerk looks): no signature is the person the document names as its signer (``signer_name``), which happens
    lawfully (a copy sealed by the agency alone) but also when someone else signed. Decree 30/2020 Art. 21.2: the
    clerk checks the arriving document before registering it. Nothing is said when there are no signatures (that
    is a problem of its own) or the name is not known."""
    problems: list[str] = []
    notes: list[str] = []
    if not signatures:
        return problems, notes
    holders = sorted({s.organisation or s.signer for s in signatures if s.organisation or s.signer})
    if agency_name and not any(same_name(s.organisation, agency_name) or same_name(s.signer, agency_name)
                               for s in signatures):
        problems.append(f"không chữ ký nào là của cơ quan gửi «{agency_name}» (chữ ký của: "
                        f"{', '.join(holders) or 'không rõ'})")
    if signer_name and not any(same_name(s.signer, signer_name) for s in signatures):
        notes.append(f"lưu ý: người ký ghi trên văn bản «{signer_name}» không có chữ ký số trong tệp (người ký số: "
                     f"{', '.join(sorted({s.signer for s in signatures if s.signer})) or 'không rõ'})")
    return problems, notes


class ArrivalChecker:
    """The handler of ``vanthu.registry.document.arrived`` (consumer ``signing-arrivals``)."""

    def __init__(self, files: PdfFiles, keys: KeyRing, store: SigningStore, tokens: ServiceTokens,
                 on_commit: Callable[[], None] | None = None) -> None:
        self.files = files
        self.keys = keys
        self.store = store
        self.tokens = tokens
        self.on_commit = on_commit or (lambda: None)

    async def __call__(self, message: Message) -> None:
        if not isinstance(message, registry_events.DocumentArrived):
            return
        meta = meta_of(message)
        agency, document_id = meta.agency_code, message.document.document_id
        if message.document.direction != "incoming" or not message.files or not agency:
            return
        if message.paper:  # scans of a paper original: no digital signature to verify (the registry says unsigned)
            log.info("paper arrival: nothing to verify", extra={"document_id": document_id})
            return
        if await self.store.has_event(events.verdict_id(meta.event_id)):
            log.info("arrival verified already; nothing to do", extra={"document_id": document_id})
            return
        token = await self.tokens.token()
        checked = [await self._check(f.object_id, f.file_name, agency, token) for f in message.files]
        results = [verdict for verdict, _ in checked]
        pdfs = [r for r in results if r.checked]
        valid = bool(pdfs) and all(r.valid for r in pdfs)
        lines = [r.note for r in results]
        if not pdfs:
            lines.append("không có tệp PDF nào để kiểm tra chữ ký số")
        problems, notes = sender_problems([s for _, signatures in checked for s in signatures],
                                          message.issuing_agency_name, message.signer_name)
        if problems:  # first: the files' own verdicts below may read HỢP LỆ
            valid = False
            lines = [f"KHÔNG HỢP LỆ: {p}" for p in problems] + lines
        lines += notes
        if await self.store.publish_once(events.verified(arrival_event_id=meta.event_id, agency_code=agency,
                                                         document_id=document_id, files=results,
                                                         note="; ".join(lines), valid=valid)):
            self.on_commit()
        log.info("arrival verified", extra={"document_id": document_id, "valid": valid, "files": len(results)})

    async def _check(self, object_id: str, file_name: str, agency: str, token: str
                     ) -> tuple[ev.FileVerdict, list[SignatureReport]]:
        """One file's verdict, and its signatures (none when it could not be verified)."""
        name = file_name or object_id
        out = ev.FileVerdict(object_id=object_id, checked=True, valid=False, signatures=0)
        try:
            fetched = await self.files.read(object_id, token, for_agency=agency)
            if fetched.agency_code != agency:
                raise NotFound("Tệp thuộc cơ quan khác.")
        except NotAPdf:
            out.checked, out.note = False, f"{name}: không phải PDF, không kiểm tra chữ ký"
            return out, []
        except InvalidArgument as exc:
            out.note = f"{name}: KHÔNG HỢP LỆ ({exc.reason})"
            return out, []
        except (NotFound, PermissionDenied):
            out.note = f"{name}: KHÔNG HỢP LỆ (không tìm thấy tệp trong kho của cơ quan)"
            return out, []
        try:
            report = await asyncio.to_thread(verify_pdf, fetched.pdf, self.keys.roots,
                                             revocation=self.keys.revocation())
        except DomainError as exc:
            out.note = f"{name}: KHÔNG HỢP LỆ ({exc.message})"
            return out, []
        problems = [p for s in report.signatures for p in s.problems]
        if not report.signatures:
            problems = ["không có chữ ký số"]
        verdict = "HỢP LỆ" if report.ok else "KHÔNG HỢP LỆ"
        signers = "; ".join(signer_line(s) for s in report.signatures)
        detail = (f"{len(report.signatures)} chữ ký" + (f": {signers}" if signers else "")
                  + (f"; {'; '.join(problems)}" if problems else ""))
        out.valid, out.signatures = report.ok, len(report.signatures)
        out.signers.extend(signer_line(s) for s in report.signatures)
        out.note = f"{name}: {verdict} ({detail})"
        return out, report.signatures
