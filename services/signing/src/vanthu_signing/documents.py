"""The registry seen from signing: what a numbered document says of itself (number, symbol, date, files) and the
place (địa danh) of its agency. Read with the caller's token, so the registry's tenancy and roles apply; the seal
never takes a number or a date from the caller (Decree 30/2020 Art. 15.3: the system assigns them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import grpc

from vanthu.registry.v1 import documents_pb2, registry_pb2
from vanthu_core.errors import FailedPrecondition, Unavailable
from vanthu_core.grpc_client import bearer_metadata, domain_error

NUMBERED = "numbered"


@dataclass(frozen=True)
class FileToSeal:
    object_id: str
    sha256: str
    role: str
    file_name: str


@dataclass(frozen=True)
class DocumentToSeal:
    """A numbered outgoing document as the registry holds it."""

    id: str
    agency_code: str
    number_symbol: str
    issued_on: dt.date
    place: str
    files: tuple[FileToSeal, ...]

    @property
    def main(self) -> FileToSeal:
        main = next((f for f in self.files if f.role == "main"), None)
        if main is None:
            raise FailedPrecondition("Văn bản chưa có văn bản chính để đóng dấu: hãy gắn tệp PDF văn bản chính trước.")
        return main

    @property
    def attachments(self) -> tuple[FileToSeal, ...]:
        return tuple(f for f in self.files if f.role != "main")


class RegistryDocuments:
    """``documents`` and ``agencies`` are the registry's DocumentService and RegistryService stubs (None: the
    registry is not configured, and documents cannot be sealed)."""

    def __init__(self, documents: Any | None, agencies: Any | None) -> None:
        self.documents = documents
        self.agencies = agencies

    async def numbered(self, document_id: str, token: str) -> DocumentToSeal:
        """The document, which must be numbered (its seal pending); FailedPrecondition otherwise."""
        if self.documents is None or self.agencies is None:
            raise Unavailable("Chưa cấu hình kết nối dịch vụ registry (VANTHU_SIGNING_REGISTRY_TARGET) nên chưa đóng "
                              "dấu được: báo quản trị hệ thống.")
        metadata = bearer_metadata(token)
        try:
            doc = (await self.documents.GetDocument(documents_pb2.GetDocumentRequest(id=document_id),
                                                    metadata=metadata)).document
            agency = (await self.agencies.GetAgency(registry_pb2.GetAgencyRequest(code=doc.agency_code),
                                                    metadata=metadata)).agency
        except grpc.aio.AioRpcError as error:
            raise domain_error(error, "Dịch vụ văn bản: ") from error
        if doc.direction != "outgoing" or doc.status != NUMBERED:
            raise FailedPrecondition("Chỉ đóng dấu văn bản đã được cấp số; văn bản này đang ở trạng thái "
                                     f"{doc.status}.")
        if not doc.number_symbol or not doc.document_date:
            raise FailedPrecondition("Văn bản chưa có số hoặc ngày do sổ đăng ký cấp: hãy cấp số trước.")
        return DocumentToSeal(
            id=doc.id, agency_code=doc.agency_code, number_symbol=doc.number_symbol,
            issued_on=dt.date.fromisoformat(doc.document_date), place=agency.place,
            files=tuple(FileToSeal(f.object_id, f.sha256, f.role or "main", f.file_name) for f in doc.files))

