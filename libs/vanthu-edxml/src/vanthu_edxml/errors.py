"""Typed errors of the edXML library. Everything raised on bad input is an :class:`EdxmlError`."""

from __future__ import annotations


class EdxmlError(Exception):
    """Base class: any problem with an edXML package (gói tin edXML)."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class UnsafeXml(EdxmlError):
    """The input uses XML features that are refused outright (DTD, entities, excessive depth)."""


class LimitExceeded(UnsafeXml):
    """The input is larger than a configured limit (total size, attachment count or size)."""


class MalformedPackage(EdxmlError):
    """The bytes are not well-formed XML or not an edXML package at all."""


class UnsupportedEncoding(MalformedPackage):
    """The character encoding (bảng mã) cannot be read: unknown, not ASCII-compatible although named in an
    ASCII declaration, or bytes that do not decode in it (see :mod:`vanthu_edxml.charset`)."""


class WrongNamespace(MalformedPackage):
    """The root element is not ``edXML`` in the QCVN 102:2016 namespace."""


class MalformedAttachment(EdxmlError):
    """An attachment's ``ContentTransferEncoded`` is not valid base64."""


class WriteError(EdxmlError):
    """The model cannot be written (for example text holding characters XML cannot carry)."""


class SignatureError(EdxmlError):
    """The package cannot be signed (bad key or certificate, no header to sign)."""
