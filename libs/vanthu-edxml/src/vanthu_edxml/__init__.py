"""edXML packages (QCVN 102:2016/BTTTT): typed model, tolerant reader, canonical writer, validator, signatures.

No I/O here except in :mod:`vanthu_edxml.cli`; every function takes and returns bytes or model objects.
"""

from .errors import (
    EdxmlError,
    LimitExceeded,
    MalformedAttachment,
    MalformedPackage,
    SignatureError,
    UnsafeXml,
    UnsupportedEncoding,
    WriteError,
    WrongNamespace,
)
from .model import (
    NS,
    Attachment,
    Business,
    BusinessDocumentInfo,
    BusinessType,
    Code,
    DocumentId,
    DocumentPackage,
    DocumentType,
    EncodedData,
    Issue,
    Organization,
    OtherInfo,
    Package,
    Priority,
    PromulgationInfo,
    ReceiverChange,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    StatusCode,
    StatusPackage,
    TraceHeader,
    TraceHeaderList,
)
from .reader import read_document, read_package, read_status
from .safe_xml import Limits
from .signature import VerifyOutcome, sign, verify
from .validate import ValidationReport, validate
from .writer import write_document, write_package, write_status

__all__ = [
    "NS", "Attachment", "Business", "BusinessDocumentInfo", "BusinessType", "Code", "DocumentId",
    "DocumentPackage", "DocumentType", "EdxmlError", "EncodedData", "Issue", "LimitExceeded", "Limits",
    "MalformedAttachment", "MalformedPackage", "Organization", "OtherInfo", "Package", "Priority",
    "PromulgationInfo", "ReceiverChange", "ReplacementInfo", "ResponseFor", "SignatureError", "SignerInfo",
    "StaffInfo", "StatusCode", "StatusPackage", "TraceHeader", "TraceHeaderList", "UnsafeXml", "UnsupportedEncoding",
    "ValidationReport", "VerifyOutcome", "WriteError", "WrongNamespace", "read_document", "read_package",
    "read_status", "sign", "validate", "verify", "write_document", "write_package", "write_status",
]
