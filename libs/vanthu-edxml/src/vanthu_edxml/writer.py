"""Strict, canonical writing of edXML packages: the element order, prefixes and date formats of the official
SDK samples (``edoc_new.edxml``, ``status_*.edxml``), UTF-8, two-space indentation.

The output is produced directly as bytes (not through an lxml tree) so that the element order and namespace
prefixes are exactly those of the samples, and a large attachment is copied once. ``None`` fields are
omitted; required fields of the model (agency codes, code number and notation) are always written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta, timezone

from .errors import WriteError
from .model import (
    DATE_FORMAT,
    NS,
    TIMESTAMP_FORMAT,
    Attachment,
    Business,
    DocumentPackage,
    Organization,
    Package,
    ResponseFor,
    StaffInfo,
    StatusPackage,
    TraceHeaderList,
)

XLINK_NS = "http://www.w3.org/1999/xlink"
_INVALID_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_VN = timezone(timedelta(hours=7))
_Leaf = tuple[str, str | None]


def _escape(text: str, path: str) -> str:
    bad = _INVALID_XML.search(text)
    if bad:
        raise WriteError(f"character U+{ord(bad.group()):04X} cannot be carried in XML", path)
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
            .replace('"', "&quot;"))


def _is_base64_text(data: bytes) -> bool:
    """Whether ``data`` holds only base64 characters and whitespace (then written as it is)."""
    return not data or data.translate(None, b"+/=\r\n\t ").isalnum()


def format_date(value: date | None) -> str | None:
    return value.strftime(DATE_FORMAT) if value is not None else None


def format_timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(_VN).replace(tzinfo=None)
    return value.strftime(TIMESTAMP_FORMAT)


def _int(value: int | None) -> str | None:
    return str(value) if value is not None else None


def _bool(value: bool | None, true: str = "true", false: str = "false") -> str | None:
    return None if value is None else (true if value else false)


class _Out:
    """Indented element emitter; everything inside the envelope uses the ``edXML:`` prefix."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.depth = 0

    def raw(self, line: str | bytes) -> None:
        self.parts.append(line.encode("utf-8") if isinstance(line, str) else line)

    def open(self, tag: str, attrs: str = "", prefix: str = "edXML:") -> None:
        self.raw(f"{'  ' * self.depth}<{prefix}{tag}{attrs}>\n")
        self.depth += 1

    def close(self, tag: str, prefix: str = "edXML:") -> None:
        self.depth -= 1
        self.raw(f"{'  ' * self.depth}</{prefix}{tag}>\n")

    def leaf(self, tag: str, text: str | None, prefix: str = "edXML:", always: bool = False) -> None:
        if text is None and not always:
            return
        self.raw(f"{'  ' * self.depth}<{prefix}{tag}>{_escape(text or '', tag)}</{prefix}{tag}>\n")

    def leaves(self, items: Iterable[_Leaf], prefix: str = "edXML:") -> None:
        for tag, text in items:
            self.leaf(tag, text, prefix)

    def payload(self) -> bytes:
        return b"".join(self.parts)


def _organization(out: _Out, tag: str, org: Organization) -> None:
    out.open(tag)
    out.leaf("OrganId", org.agency_code, always=True)
    out.leaves([("OrganizationInCharge", org.in_charge), ("OrganName", org.name), ("OrganAdd", org.address),
                ("Email", org.email), ("Telephone", org.telephone), ("Fax", org.fax), ("Website", org.website)])
    out.close(tag)


def _response_for(out: _Out, item: ResponseFor, status: bool) -> None:
    out.open("ResponseFor")
    out.leaves([("OrganId", item.agency_code), ("Code", item.code)])
    dated = [("PromulgationDate", format_date(item.promulgation_date)), ("DocumentId", item.document_id)]
    out.leaves(dated if status else dated[::-1])
    out.close("ResponseFor")


def _staff(out: _Out, staff: StaffInfo | None, status: bool) -> None:
    if staff is None:
        return
    out.open("StaffInfo")
    contacts = [("Email", staff.email), ("Mobile", staff.mobile)]
    out.leaves([("Department", staff.department), ("Staff", staff.staff), *(contacts[::-1] if status else contacts)])
    out.close("StaffInfo")


def _business(out: _Out, business: Business) -> None:
    out.open("Bussiness")
    out.leaves([("DocumentId", business.document_id), ("BussinessDocType", _int(business.business_type)),
                ("BussinessDocReason", business.reason), ("Paper", _bool(business.paper, "1", "0"))])
    info = business.document_info
    if info is not None:
        out.open("BussinessDocumentInfo")
        out.leaves([("DocumentInfo", _bool(info.document_info, "1", "0")),
                    ("DocumentReceiver", _bool(info.document_receiver, "1", "0"))])
        if info.receivers:
            out.open("ReceiverList")
            for receiver in info.receivers:
                out.open("Receiver")
                out.leaf("OrganId", receiver.agency_code, always=True)
                out.leaf("ReceiverType", _int(receiver.receiver_type))
                out.close("Receiver")
            out.close("ReceiverList")
        out.close("BussinessDocumentInfo")
    if business.replacements:
        out.open("ReplacementInfoList")
        for replacement in business.replacements:
            out.open("ReplacementInfo")
            out.leaf("DocumentId", replacement.document_id, always=True)
            out.open("OrganIdList")
            for code in replacement.agency_codes:
                out.leaf("OrganId", code, always=True)
            out.close("OrganIdList")
            out.close("ReplacementInfo")
        out.close("ReplacementInfoList")
    _staff(out, business.staff, status=False)
    out.close("Bussiness")


def _trace(out: _Out, trace: TraceHeaderList) -> None:
    out.open("TraceHeaderList")
    for header in trace.trace_headers:
        out.open("TraceHeader")
        out.leaf("OrganId", header.agency_code, always=True)
        out.leaf("Timestamp", format_timestamp(header.timestamp))
        out.close("TraceHeader")
    if trace.business is not None:
        _business(out, trace.business)
    out.close("TraceHeaderList")


def _message_header(out: _Out, pkg: DocumentPackage) -> None:
    out.open("MessageHeader")
    _organization(out, "From", pkg.sender)
    for recipient in pkg.recipients:
        _organization(out, "To", recipient)
    out.leaf("DocumentId", pkg.document_id)
    if pkg.code is not None:
        out.open("Code")
        out.leaves([("CodeNumber", pkg.code.number), ("CodeNotation", pkg.code.notation)])
        out.close("Code")
    if pkg.promulgation is not None:
        out.open("PromulgationInfo")
        out.leaves([("Place", pkg.promulgation.place), ("PromulgationDate", format_date(pkg.promulgation.date))])
        out.close("PromulgationInfo")
    if pkg.document_type is not None:
        out.open("DocumentType")
        out.leaves([("Type", pkg.document_type.type_code), ("TypeDetail", pkg.document_type.type_detail),
                    ("TypeName", pkg.document_type.type_name)])
        out.close("DocumentType")
    out.leaves([("Subject", pkg.subject), ("Content", pkg.content)])
    if pkg.signer is not None:
        out.open("SignerInfo")
        out.leaves([("Competence", pkg.signer.competence), ("Position", pkg.signer.position),
                    ("FullName", pkg.signer.full_name)])
        out.close("SignerInfo")
    out.leaf("DueDate", format_date(pkg.due_date))
    other = pkg.other_info
    if other is not None:
        out.open("OtherInfo")
        out.leaves([("Priority", _int(other.priority)), ("SphereOfPromulgation", other.sphere),
                    ("TyperNotation", other.typer_notation), ("PromulgationAmount", _int(other.promulgation_amount)),
                    ("PageAmount", _int(other.page_amount)), ("Direction", _bool(other.direction))])
        if other.appendixes:
            out.open("Appendixes")
            for appendix in other.appendixes:
                out.leaf("Appendix", appendix)
            out.close("Appendixes")
        out.close("OtherInfo")
    for item in pkg.response_for:
        _response_for(out, item, status=False)
    out.leaf("SteeringType", _int(pkg.steering_type))
    if pkg.to_places:
        out.open("ToPlaces")
        for place in pkg.to_places:
            out.leaf("Place", place)
        out.close("ToPlaces")
    out.close("MessageHeader")


def _manifest(out: _Out, attachments: tuple[Attachment, ...], xlink: bool) -> None:
    out.open("edXMLBody")
    out.open("edXMLManifest", ' version="1.0"')
    for att in attachments:
        if xlink:
            href = _escape("cid:" + att.bare_id, "Reference")
            out.open("Reference", f' xmlns:xlink="{XLINK_NS}" xlink:href="{href}" xlink:role="XLinkRole"'
                                  ' xlink:type="simple"')
        else:
            out.open("Reference")
            out.leaf("ContentId", att.content_id, always=True)
        out.leaves([("ContentType", att.content_type), ("Description", att.description),
                    ("AttachmentName", att.name)])
        out.close("Reference")
    out.close("edXMLManifest")
    out.close("edXMLBody")


def _attachments(out: _Out, attachments: tuple[Attachment, ...], xlink: bool) -> None:
    encoded = [att for att in attachments if att.data is not None]
    if not encoded:
        return
    out.open("AttachmentEncoded", prefix="")
    for att in encoded:
        assert att.data is not None
        out.open("Attachment", prefix="")
        out.leaf("ContentId", att.bare_id if xlink else att.content_id, prefix="", always=True)
        out.leaves([("AttachmentName", att.name), ("Description", att.description),
                    ("ContentType", att.content_type)], prefix="")
        raw = att.data.raw
        data = raw if isinstance(raw, bytes) else bytes(raw)
        if att.data.canonical or _is_base64_text(data):  # made here by EncodedData.from_bytes: base64 already
            body = data
        else:  # not base64 (kept as received); escape it so the output stays well-formed
            body = _escape(data.decode("ascii", "replace"), "ContentTransferEncoded").encode("ascii")
        out.raw(f'{"  " * out.depth}<edXML:ContentTransferEncoded xmlns:edXML="{NS}">')
        out.raw(body)
        out.raw("</edXML:ContentTransferEncoded>\n")
        out.close("Attachment", prefix="")
    out.close("AttachmentEncoded", prefix="")


def write_document(pkg: DocumentPackage, *, xlink_manifest: bool = False) -> bytes:
    """Serialise a document package. No signature slot is written: sign the bytes with :func:`sign`."""
    out = _Out()
    out.raw(f'<?xml version="1.0" encoding="UTF-8"?>\n<edXML xmlns="{NS}">\n')
    out.depth = 1
    out.open("edXMLEnvelope", f' xmlns:edXML="{NS}"')
    out.open("edXMLHeader")
    _message_header(out, pkg)
    if pkg.trace is not None:
        _trace(out, pkg.trace)
    out.close("edXMLHeader")
    _manifest(out, pkg.attachments, xlink_manifest)
    out.close("edXMLEnvelope")
    _attachments(out, pkg.attachments, xlink_manifest)
    out.raw("</edXML>\n")
    return out.payload()


def write_status(pkg: StatusPackage) -> bytes:
    """Serialise a status package in the order of the ``status_*.edxml`` samples."""
    out = _Out()
    out.raw(f'<?xml version="1.0" encoding="UTF-8"?>\n<edXML xmlns="{NS}">\n')
    out.depth = 1
    out.open("edXMLEnvelope", f' xmlns:edXML="{NS}"')
    out.open("edXMLHeader")
    out.open("MessageHeader")
    _organization(out, "From", pkg.sender)
    if pkg.response_for is not None:
        _response_for(out, pkg.response_for, status=True)
    _staff(out, pkg.staff, status=True)
    out.leaf("StatusCode", pkg.status_code, always=True)
    out.leaves([("Description", pkg.description), ("Timestamp", format_timestamp(pkg.timestamp))])
    out.close("MessageHeader")
    out.close("edXMLHeader")
    out.close("edXMLEnvelope")
    out.raw("</edXML>\n")
    return out.payload()


def write_package(pkg: Package, *, xlink_manifest: bool = False) -> bytes:
    if isinstance(pkg, StatusPackage):
        return write_status(pkg)
    return write_document(pkg, xlink_manifest=xlink_manifest)
