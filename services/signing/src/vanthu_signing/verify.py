"""Verification of every signature in a PDF with pyHanko, and a Vietnamese-labelled text report."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel, SuspiciousModification
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from vanthu_signing.domain.appearance import iso_vn
from vanthu_signing.signer import read_pdf

# Later revisions a signature tolerates: filling the number/date fields and adding signatures is form filling.
ACCEPTED_LEVEL = ModificationLevel.FORM_FILLING


@dataclass
class SignatureReport:
    field_name: str
    signer: str
    organisation: str
    title: str
    intact: bool
    valid: bool
    trusted: bool
    signing_time: dt.datetime | None
    timestamp_time: dt.datetime | None
    timestamp_ok: bool
    coverage: str
    modification_level: str
    modification_ok: bool
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.intact and self.valid and self.trusted and self.timestamp_ok and self.modification_ok


@dataclass
class Report:
    signatures: list[SignatureReport]

    @property
    def ok(self) -> bool:
        return bool(self.signatures) and all(s.ok for s in self.signatures)

    def text(self) -> str:
        yes = {True: "Có", False: "Không"}
        lines = [f"Số chữ ký: {len(self.signatures)}"]
        for i, s in enumerate(self.signatures, 1):
            lines += [
                f"--- Chữ ký {i} ({s.field_name}) ---",
                f"Người ký: {s.signer}",
                f"Chức vụ: {s.title or '-'}",
                f"Cơ quan, tổ chức: {s.organisation or '-'}",
                f"Thời gian ký: {iso_vn(s.signing_time) if s.signing_time else '-'}",
                f"Dấu thời gian: {iso_vn(s.timestamp_time) if s.timestamp_time else 'không có'}"
                f" ({'hợp lệ' if s.timestamp_ok else 'không hợp lệ'})",
                f"Toàn vẹn: {yes[s.intact]}",
                f"Chữ ký hợp lệ về mật mã: {yes[s.valid]}",
                f"Chứng thư tin cậy: {yes[s.trusted]}",
                f"Phạm vi ký: {s.coverage}",
                f"Mức thay đổi sau khi ký: {s.modification_level}"
                f" ({'chấp nhận' if s.modification_ok else 'không chấp nhận'})",
            ]
            lines += [f"Vấn đề: {p}" for p in s.problems]
            lines.append(f"Kết luận: {'HỢP LỆ' if s.ok else 'KHÔNG HỢP LỆ'}")
        lines.append(f"KẾT LUẬN CHUNG: {'HỢP LỆ' if self.ok else 'KHÔNG HỢP LỆ'}")
        return "\n".join(lines)


def _attr(name: asn1_x509.Name, key: str) -> str:
    value = name.native.get(key, "")
    return value if isinstance(value, str) else ", ".join(value)


def verify_pdf(pdf: bytes, trust_roots: list[x509.Certificate]) -> Report:
    read_pdf(pdf)
    roots = [asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in trust_roots]
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    out: list[SignatureReport] = []
    for emb in reader.embedded_regular_signatures:
        vc = ValidationContext(trust_roots=roots, allow_fetching=False)
        ts_vc = ValidationContext(trust_roots=roots, allow_fetching=False)
        problems: list[str] = []
        try:
            st = validate_pdf_signature(emb, signer_validation_context=vc, ts_validation_context=ts_vc)
        except Exception as exc:
            cert = emb.signer_cert
            out.append(SignatureReport(emb.field_name, cert.subject.native.get("common_name", "?"), "", "", False,
                                       False, False, None, None, False, "-", "-", False, [f"lỗi kiểm tra: {exc}"]))
            continue
        subj = st.signing_cert.subject
        ts = st.timestamp_validity
        ts_ok = bool(ts and ts.intact and ts.valid and ts.trusted)
        if ts is None:
            problems.append("không có dấu thời gian (PAdES B-T yêu cầu)")
        elif not ts_ok:
            problems.append("dấu thời gian không hợp lệ hoặc không tin cậy")
        if not st.trusted:
            problems.append("chứng thư không chuỗi về CA gốc tin cậy")
        if not st.intact:
            problems.append("nội dung đã bị sửa đổi (băm không khớp)")
        diff = st.diff_result
        if isinstance(diff, SuspiciousModification):
            level, mod_ok = "đáng ngờ", False
            problems.append(f"thay đổi đáng ngờ sau khi ký: {diff}")
        else:
            mod = st.modification_level
            level = mod.name if mod is not None else "NONE"
            mod_ok = mod is None or mod <= ACCEPTED_LEVEL
            if not mod_ok:
                problems.append(f"tài liệu bị thay đổi sau khi ký ở mức {level}")
        out.append(SignatureReport(
            field_name=emb.field_name, signer=_attr(subj, "common_name"), organisation=_attr(subj, "organization_name"),
            title=_attr(subj, "title"), intact=st.intact, valid=st.valid, trusted=st.trusted,
            signing_time=st.signer_reported_dt, timestamp_time=ts.timestamp if ts else None, timestamp_ok=ts_ok,
            coverage=st.coverage.name if st.coverage else "-", modification_level=level, modification_ok=mod_ok,
            problems=problems))
    return Report(out)
