"""Verification of every arrival (văn bản đến): when the registry records an incoming document with files, the
signing service verifies each PDF's signatures and publishes ``vanthu.signing.document.verified``; the registry
flags a document whose files fail, so nothing unverified is silently accepted.

Files are read with the service's own token (signing's client, which storage lets read one object for the agency it
names) and must belong to the document's agency.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from vanthu_core.errors import DomainError, InvalidArgument, NotFound, PermissionDenied
from vanthu_core.events import Event
from vanthu_core.service_token import ServiceTokens
from vanthu_signing.files import NotAPdf, PdfFiles
from vanthu_signing.keys import KeyRing
from vanthu_signing.store import VERIFIED, SigningStore
from vanthu_signing.verify import verify_pdf

log = logging.getLogger("vanthu.signing")
ARRIVED = "vanthu.registry.document.arrived"
ACTOR = "vanthu-signing"


class ArrivalChecker:
    """The NATS handler of ``vanthu.registry.document.arrived``."""

    def __init__(self, files: PdfFiles, keys: KeyRing, store: SigningStore, tokens: ServiceTokens,
                 on_commit: Callable[[], None] | None = None) -> None:
        self.files = files
        self.keys = keys
        self.store = store
        self.tokens = tokens
        self.on_commit = on_commit or (lambda: None)

    async def __call__(self, event: Event) -> None:
        data = event.data
        files: list[dict[str, Any]] = data.get("files") or []
        if data.get("direction") != "incoming" or not files or not event.agency:
            return
        token = await self.tokens.token()
        results = [await self._check(f, event.agency, token) for f in files]
        pdfs = [r for r in results if r["checked"]]
        valid = bool(pdfs) and all(r["valid"] for r in pdfs)
        lines = [r["note"] for r in results]
        if not pdfs:
            lines.append("không có tệp PDF nào để kiểm tra chữ ký số")
        await self.store.publish(Event(VERIFIED, actor=ACTOR, agency=event.agency, data={
            "document_id": data.get("document_id"), "valid": valid, "note": "; ".join(lines), "files": results}))
        self.on_commit()
        log.info("arrival verified", extra={"document_id": data.get("document_id"), "valid": valid,
                                            "files": len(files)})

    async def _check(self, file: dict[str, Any], agency: str, token: str) -> dict[str, Any]:
        object_id = str(file.get("object_id", ""))
        name = str(file.get("file_name") or object_id)
        out: dict[str, Any] = {"object_id": object_id, "checked": True, "valid": False, "signatures": 0}
        try:
            fetched = await self.files.read(object_id, token, for_agency=agency)
            if fetched.agency_code != agency:
                raise NotFound("the file belongs to another agency")
        except NotAPdf:
            return {**out, "checked": False, "note": f"{name}: không phải PDF, không kiểm tra chữ ký"}
        except InvalidArgument as exc:
            return {**out, "note": f"{name}: KHÔNG HỢP LỆ ({exc.reason})"}
        except (NotFound, PermissionDenied):
            return {**out, "note": f"{name}: KHÔNG HỢP LỆ (không tìm thấy tệp trong kho của cơ quan)"}
        try:
            report = await asyncio.to_thread(verify_pdf, fetched.pdf, self.keys.roots,
                                             revocation=self.keys.revocation())
        except DomainError as exc:
            return {**out, "note": f"{name}: KHÔNG HỢP LỆ ({exc.message})"}
        problems = [p for s in report.signatures for p in s.problems]
        if not report.signatures:
            problems = ["không có chữ ký số"]
        verdict = "HỢP LỆ" if report.ok else "KHÔNG HỢP LỆ"
        detail = f"{len(report.signatures)} chữ ký" + (f"; {'; '.join(problems)}" if problems else "")
        return {**out, "valid": report.ok, "signatures": len(report.signatures),
                "note": f"{name}: {verdict} ({detail})"}
