"""Tolerant reading of edXML packages as peers send them.

Tolerated, as seen in the official SDK samples and other builders: any child order, unknown elements,
missing optional parts, the plain and the xlink manifest variants, ``AttachmentEncoded`` in either
namespace form, a ``Signature`` or an empty ``DigitalSignature`` slot, non-conforming agency codes, a short
junk prefix before the XML declaration, a package in UTF-16 or in an 8-bit encoding its declaration names
(converted to UTF-8 first, with a warning naming the encoding; see :mod:`vanthu_edxml.charset`). What the model
cannot hold (a date that is not ``yyyy/MM/dd``, a non-integer count) is kept out of the model and recorded in
``read_issues``, which :func:`validate` reports.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TypeVar

from lxml import etree

from .errors import LimitExceeded, MalformedPackage, WrongNamespace
from .model import (
    AGENCY_CODE_MAX,
    NS,
    QCVN_AGENCY_CODE,
    Attachment,
    Business,
    BusinessDocumentInfo,
    Code,
    DocumentPackage,
    DocumentType,
    EncodedData,
    Issue,
    Organization,
    OtherInfo,
    Package,
    PromulgationInfo,
    ReceiverChange,
    ReplacementInfo,
    ResponseFor,
    SignatureSlot,
    SignerInfo,
    StaffInfo,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
    bare_content_id,
    normalize_text,
    parse_date,
    parse_timestamp,
)
from .safe_xml import DEFAULT_LIMITS, Limits, ParsedXml, parse

XLINK_NS = "http://www.w3.org/1999/xlink"
T = TypeVar("T")


def _local(element: etree._Element) -> str | None:
    tag = element.tag
    if not isinstance(tag, str):
        return None  # comment or processing instruction
    return tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1]


class _Node:
    """An element with its children indexed by local name (namespace and order ignored)."""

    __slots__ = ("element", "kids", "path")

    def __init__(self, element: etree._Element, path: str) -> None:
        self.element = element
        self.path = path
        self.kids: dict[str, list[etree._Element]] = {}
        for child in element:
            name = _local(child)
            if name is not None:
                self.kids.setdefault(name, []).append(child)

    def _sub(self, name: str) -> str:
        return f"{self.path}/{name}" if self.path else name

    def child(self, name: str) -> _Node | None:
        found = self.kids.get(name)
        return _Node(found[0], self._sub(name)) if found else None

    def children(self, name: str) -> list[_Node]:
        found = self.kids.get(name, [])
        if len(found) == 1:
            return [_Node(found[0], self._sub(name))]
        return [_Node(el, self._sub(f"{name}[{i}]")) for i, el in enumerate(found, 1)]

    def text(self, name: str) -> str | None:
        found = self.kids.get(name)
        if not found:
            return None
        return normalize_text(found[0].text or "")

    def texts(self, name: str) -> tuple[str, ...]:
        return tuple(normalize_text(el.text or "") for el in self.kids.get(name, []))


class _Reader:
    def __init__(self, parsed: ParsedXml, limits: Limits) -> None:
        self.parsed = parsed
        self.limits = limits
        self.issues: list[Issue] = list(parsed.warnings)

    def error(self, path: str, message: str, rule: str) -> None:
        self.issues.append(Issue(path, message, "error", rule))

    def warn(self, path: str, message: str, rule: str) -> None:
        self.issues.append(Issue(path, message, "warning", rule))

    # -- scalar values ------------------------------------------------------------------------------------
    def _typed(self, node: _Node, name: str, convert: Callable[[str], T], expected: str, rule: str) -> T | None:
        raw = node.text(name)
        if not raw:
            return None
        try:
            return convert(raw)
        except ValueError:
            self.error(f"{node.path}/{name}", f"{raw!r} is not {expected}", rule)
            return None

    def date(self, node: _Node, name: str) -> date | None:
        return self._typed(node, name, parse_date,
                           "a date in yyyy/MM/dd format", "date-format")

    def timestamp(self, node: _Node, name: str) -> datetime | None:
        return self._typed(node, name, parse_timestamp,
                           "a timestamp in yyyy/MM/dd HH:mm:ss format", "timestamp-format")

    def integer(self, node: _Node, name: str) -> int | None:
        return self._typed(node, name, _int, "an integer", "integer-format")

    def boolean(self, node: _Node, name: str) -> bool | None:
        return self._typed(node, name, _bool, "a boolean (true/false or 1/0)", "boolean-format")

    # -- structures -----------------------------------------------------------------------------------------
    def organization(self, node: _Node) -> Organization:
        org = Organization(
            agency_code=node.text("OrganId") or "", name=node.text("OrganName"),
            in_charge=node.text("OrganizationInCharge"), address=node.text("OrganAdd"), email=node.text("Email"),
            telephone=node.text("Telephone"), fax=node.text("Fax"), website=node.text("Website"))
        self.agency_code(f"{node.path}/OrganId", org.agency_code)
        return org

    def agency_code(self, path: str, code: str | None) -> None:
        """Keep any code; warn when it does not have the QCVN 102 form (validation repeats this check)."""
        if code and len(code) <= AGENCY_CODE_MAX and not QCVN_AGENCY_CODE.match(code):
            self.warn(path, f"agency code {code!r} does not have the QCVN 102 form CCC.BB.AA.LNN",
                      "agency-code-form")

    def response_for(self, node: _Node) -> ResponseFor:
        return ResponseFor(agency_code=node.text("OrganId"), code=node.text("Code"),
                           promulgation_date=self.date(node, "PromulgationDate"), document_id=node.text("DocumentId"))

    def staff(self, node: _Node | None) -> StaffInfo | None:
        if node is None:
            return None
        return StaffInfo(department=node.text("Department"), staff=node.text("Staff"), email=node.text("Email"),
                         mobile=node.text("Mobile"))

    def trace(self, node: _Node) -> TraceHeaderList:
        headers = tuple(TraceHeader(h.text("OrganId") or "", self.timestamp(h, "Timestamp"))
                        for h in node.children("TraceHeader"))
        business_node = node.child("Bussiness") or node.child("Business")
        business = None
        if business_node is not None:
            info = None
            info_node = business_node.child("BussinessDocumentInfo")
            if info_node is not None:
                receivers: list[ReceiverChange] = []
                list_node = info_node.child("ReceiverList")
                if list_node is not None:
                    receivers = [ReceiverChange(r.text("OrganId") or "", self.integer(r, "ReceiverType"))
                                 for r in list_node.children("Receiver")]
                info = BusinessDocumentInfo(self.boolean(info_node, "DocumentInfo"),
                                            self.boolean(info_node, "DocumentReceiver"), tuple(receivers))
            replacements: list[ReplacementInfo] = []
            replacement_list = business_node.child("ReplacementInfoList")
            if replacement_list is not None:
                for item in replacement_list.children("ReplacementInfo"):
                    organs = item.child("OrganIdList")
                    replacements.append(ReplacementInfo(item.text("DocumentId") or "",
                                                        organs.texts("OrganId") if organs else ()))
            business = Business(
                business_type=self.integer(business_node, "BussinessDocType"),
                reason=business_node.text("BussinessDocReason"), document_id=business_node.text("DocumentId"),
                paper=self.boolean(business_node, "Paper"), document_info=info, replacements=tuple(replacements),
                staff=self.staff(business_node.child("StaffInfo")))
        return TraceHeaderList(headers, business)

    def attachments(self, root: _Node, envelope: _Node) -> tuple[Attachment, ...]:
        manifest: list[_Node] = []
        body = envelope.child("edXMLBody")
        manifest_node = body.child("edXMLManifest") if body else None
        if manifest_node is not None:
            manifest = manifest_node.children("Reference")
        encoded_node = root.child("AttachmentEncoded") or envelope.child("AttachmentEncoded")
        if encoded_node is None and body is not None:
            encoded_node = body.child("AttachmentEncoded")
        encoded = encoded_node.children("Attachment") if encoded_node else []
        if max(len(manifest), len(encoded)) > self.limits.max_attachments:
            raise LimitExceeded(f"more than {self.limits.max_attachments} attachments")

        by_id: dict[str, tuple[_Node, EncodedData | None]] = {}
        for node in encoded:
            cid = node.text("ContentId") or ""
            data = self.payload(node)
            by_id.setdefault(bare_content_id(cid), (node, data))

        result: list[Attachment] = []
        used: set[str] = set()
        for ref in manifest:
            element = ref.element
            href = element.get(f"{{{XLINK_NS}}}href") or element.get("xlink:href") or element.get("href")
            cid = ref.text("ContentId") or href or ""
            key = bare_content_id(cid)
            enc_node, data = by_id.get(key, (None, None))
            if enc_node is None:
                self.warn(ref.path, f"manifest reference {cid!r} has no AttachmentEncoded/Attachment",
                          "attachment-missing")
            else:
                used.add(key)

            def pick(name: str, ref: _Node = ref, enc_node: _Node | None = enc_node) -> str | None:
                value = ref.text(name)
                return value if value is not None or enc_node is None else enc_node.text(name)

            result.append(Attachment(cid, pick("AttachmentName"), pick("ContentType"), pick("Description"), data))
        for node in encoded:
            cid = node.text("ContentId") or ""
            if bare_content_id(cid) in used:
                continue
            used.add(bare_content_id(cid))
            if manifest_node is not None:
                self.warn(node.path, f"attachment {cid!r} is not listed in the manifest", "attachment-unlisted")
            result.append(Attachment(cid, node.text("AttachmentName"), node.text("ContentType"),
                                     node.text("Description"), self.payload(node)))
        return tuple(result)

    def payload(self, node: _Node) -> EncodedData | None:
        found = node.kids.get("ContentTransferEncoded")
        if not found:
            return None
        text = found[0].text
        view = self.parsed.payload(text)
        data = EncodedData(view) if view is not None else EncodedData((text or "").strip())
        if data.estimated_size > self.limits.max_attachment_bytes:
            raise LimitExceeded(f"attachment of about {data.estimated_size} bytes exceeds the limit of "
                                f"{self.limits.max_attachment_bytes}", f"{node.path}/ContentTransferEncoded")
        return data

    # -- packages ---------------------------------------------------------------------------------------------
    def document(self, root: _Node, envelope: _Node, header: _Node, message: _Node) -> DocumentPackage:
        sender_node = message.child("From")
        if sender_node is None:
            self.error(f"{message.path}/From", "missing", "required")
        code_node = message.child("Code")
        promulgation_node = message.child("PromulgationInfo")
        type_node = message.child("DocumentType")
        signer_node = message.child("SignerInfo")
        other_node = message.child("OtherInfo")
        places_node = message.child("ToPlaces")
        trace_node = header.child("TraceHeaderList")
        other = None
        if other_node is not None:
            appendixes = other_node.child("Appendixes")
            other = OtherInfo(
                priority=self.integer(other_node, "Priority"), sphere=other_node.text("SphereOfPromulgation"),
                typer_notation=other_node.text("TyperNotation"),
                promulgation_amount=self.integer(other_node, "PromulgationAmount"),
                page_amount=self.integer(other_node, "PageAmount"), direction=self.boolean(other_node, "Direction"),
                appendixes=appendixes.texts("Appendix") if appendixes else ())
        trace = self.trace(trace_node) if trace_node is not None else None
        attachments = self.attachments(root, envelope)
        return DocumentPackage(
            sender=self.organization(sender_node) if sender_node else Organization(),
            recipients=tuple(self.organization(n) for n in message.children("To")),
            document_id=message.text("DocumentId"),
            code=Code(code_node.text("CodeNumber") or "", code_node.text("CodeNotation") or "") if code_node else None,
            promulgation=PromulgationInfo(promulgation_node.text("Place"), self.date(promulgation_node,
                                                                                     "PromulgationDate"))
            if promulgation_node else None,
            document_type=DocumentType(type_node.text("Type"), type_node.text("TypeDetail"), type_node.text("TypeName"))
            if type_node else None,
            subject=message.text("Subject"), content=message.text("Content"),
            signer=SignerInfo(signer_node.text("Competence"), signer_node.text("Position"),
                              signer_node.text("FullName")) if signer_node else None,
            due_date=self.date(message, "DueDate"), other_info=other,
            response_for=tuple(self.response_for(n) for n in message.children("ResponseFor")),
            steering_type=self.integer(message, "SteeringType"),
            to_places=places_node.texts("Place") if places_node else (),
            trace=trace, attachments=attachments, signature_slot=_signature_slot(header),
            read_issues=tuple(self.issues))

    def status(self, message: _Node) -> StatusPackage:
        sender_node = message.child("From")
        if sender_node is None:
            self.error(f"{message.path}/From", "missing", "required")
        response_node = message.child("ResponseFor")
        return StatusPackage(
            sender=self.organization(sender_node) if sender_node else Organization(),
            response_for=self.response_for(response_node) if response_node else None,
            staff=self.staff(message.child("StaffInfo")), status_code=message.text("StatusCode") or "",
            description=message.text("Description"), timestamp=self.timestamp(message, "Timestamp"),
            read_issues=tuple(self.issues))


def _int(value: str) -> int:
    return int(value.strip())


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise ValueError(value)


def _signature_slot(header: _Node) -> SignatureSlot:
    for name in ("Signature", "DigitalSignature"):
        for element in header.kids.get(name, []):
            if len(element) or (element.text or "").strip():
                return "present"
            return "empty"
    return "absent"


def _locate(parsed: ParsedXml) -> tuple[_Node, _Node, _Node, _Node]:
    root_el = parsed.root
    qname = etree.QName(root_el)
    if qname.localname != "edXML":
        raise MalformedPackage(f"root element is {qname.localname!r}, expected 'edXML'")
    if qname.namespace != NS:
        raise WrongNamespace(f"root namespace is {qname.namespace!r}, expected {NS!r}")
    root = _Node(root_el, "")
    envelope = root.child("edXMLEnvelope")
    if envelope is None:
        raise MalformedPackage("missing", "edXMLEnvelope")
    header = envelope.child("edXMLHeader")
    if header is None:
        raise MalformedPackage("missing", "edXMLEnvelope/edXMLHeader")
    message = header.child("MessageHeader")
    if message is None:
        raise MalformedPackage("missing", "edXMLHeader/MessageHeader")
    # Paths in issues start at MessageHeader / TraceHeaderList / AttachmentEncoded: short and unambiguous.
    message.path = "MessageHeader"
    header.path = ""
    envelope.path = ""
    return root, envelope, header, message


def read_package(data: bytes | str, limits: Limits = DEFAULT_LIMITS) -> Package:
    """Read a document package or a status package (a status package has ``StatusCode`` in its header)."""
    parsed = parse(data, limits)
    root, envelope, header, message = _locate(parsed)
    reader = _Reader(parsed, limits)
    if "StatusCode" in message.kids:
        return reader.status(message)
    return reader.document(root, envelope, header, message)


def read_document(data: bytes | str, limits: Limits = DEFAULT_LIMITS) -> DocumentPackage:
    package = read_package(data, limits)
    if not isinstance(package, DocumentPackage):
        raise MalformedPackage("expected a document package, got a status package")
    return package


def read_status(data: bytes | str, limits: Limits = DEFAULT_LIMITS) -> StatusPackage:
    package = read_package(data, limits)
    if not isinstance(package, StatusPackage):
        raise MalformedPackage("expected a status package, got a document package")
    return package
