"""Receiving from the national axis (Trục liên thông văn bản quốc gia): :class:`AxisInbox` polls the axis's received
lists and takes each package in for the agencies of this installation it is addressed to.

The receive loop of the official SDK (regulations.md §2.3, reconstructed from the SDK, unverified against the live
axis): for ``messagetype`` ``edoc`` then ``status``, list what waits (``getReceivedEdocList``); for each DocID

1. fetch the package (``getEdoc``) and keep it (:meth:`~vanthu_interchange.store.InterchangeStore.store_received`,
   under a local package id derived from the DocID, so a fetch repeated after a crash keeps one copy);
2. take it in (:meth:`vanthu_interchange.receiving.Receiver.take_in` with ``transport_id`` = the DocID) for each
   agency served here that it is addressed to: a document package's ``To`` agencies, a status package's
   ``ResponseFor`` agency (the sender of the document it answers; the Receiver records the status on that delivery);
   a package addressed to no agency served here is taken in for the agencies it names, and so returned with 02;
3. acknowledge ``done`` (``updateStatus``) only after every receipt is committed: a package listed again (a crash
   before the acknowledgement, an axis that keeps listing) finds its receipts and is acknowledged again without
   effect. A package that cannot be stored at all (over the size limit, unreadable answer, addressed to nobody) is
   acknowledged ``fail``; an axis or registry that cannot be reached leaves it unacknowledged for the next poll.

sendEdoc is not idempotent, so a sender may deliver the same document twice under two DocIDs: a new document
package (business type 0) whose DocumentId already made an arrival for the same recipient from the same sender, with
the same number and symbol and date in its header, is kept as a ``held`` receipt naming the first, not made a second
arrival (a DocumentId alone is not trusted to say so: it may contradict the header, see docs/architecture.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid

from vanthu_axis import AckStatus, AxisClient, AxisError, AxisException, Knobstick, MessageType
from vanthu_core.ids import new_id
from vanthu_edxml import BusinessType, DocumentPackage, Limits, StatusPackage
from vanthu_interchange.answers import response_for_columns
from vanthu_interchange.packages import Refused, read_received, response_for_of
from vanthu_interchange.receiving import Receiver
from vanthu_interchange.routing import Router
from vanthu_interchange.store import InterchangeStore, PackageRow, ReceiptRow

log = logging.getLogger("vanthu.interchange")

#: Namespace of the local ids of packages received from the axis (uuid5 of the DocID).
AXIS_PACKAGES = uuid.UUID("5b0f6a52-8a4e-4c37-9a55-3c1d7b2f0a61")


def local_package_id(doc_id: str) -> str:
    """The local id of the package the axis calls ``doc_id`` (the same at every fetch)."""
    return str(uuid.uuid5(AXIS_PACKAGES, doc_id))


def _same_header(first: ReceiptRow, parsed: DocumentPackage) -> bool:
    """Whether ``parsed`` has the number and symbol and the date of the package ``first`` took in (its receipt keeps
    them as its answers' ResponseFor; a receipt without them is taken to match). A DocumentId can contradict its
    header (the official samples' quirk, kept as a warning): a sender whose system repeats one DocumentId (as the
    SDK's example does) would otherwise have its next, different documents held as copies of the first."""
    kept = first.response_for or {}
    if not kept.get("code") and not kept.get("promulgation_date"):
        return True
    header = response_for_columns(response_for_of(parsed))
    return (kept.get("code", ""), kept.get("promulgation_date", "")) == (header["code"], header["promulgation_date"])


class AxisInbox:
    """Polls the national axis for packages addressed to this installation; :meth:`run` loops, :meth:`poll` once."""

    def __init__(self, store: InterchangeStore, receiver: Receiver, router: Router, axis: AxisClient,
                 limits: Limits) -> None:
        self.store = store
        self.receiver = receiver
        self.router = router
        self.axis = axis
        self.limits = limits
        #: DocIDs acknowledged ``fail`` by this process (not fetched again until it restarts).
        self.failed: set[str] = set()

    async def poll(self) -> int:
        """Take in what the axis lists (documents, then statuses); how many packages were acknowledged done."""
        done = 0
        for kind in (MessageType.EDOC, MessageType.STATUS):
            try:
                listed = await self.axis.received(kind)
            except AxisException as error:
                log.warning("national axis: cannot list received packages", extra={"kind": kind.value,
                                                                                   "error": str(error)})
                continue
            for entry in listed:
                if entry.doc_id in self.failed:
                    continue
                try:
                    done += await self.take(entry, kind)
                except Exception as error:  # not acknowledged: listed again at the next poll
                    log.warning("national axis: package not taken in yet", extra={
                        "axis_doc_id": entry.doc_id, "kind": kind.value, "error": str(error)}, exc_info=True)
        return done

    async def take(self, entry: Knobstick, kind: MessageType) -> int:
        """Fetch, keep, take in and acknowledge one listed package; 1 when acknowledged done."""
        doc_id = entry.doc_id
        package_id = local_package_id(doc_id)
        row = await self.store.package(package_id)
        if row is None:
            try:
                body = await self.axis.get_edoc(doc_id)
            except AxisError as error:  # over the limit, or an answer that cannot be read: nothing to keep
                await self._fail(doc_id, f"cannot fetch the package: {error}")
                return 0
            parsed = self._read(body)
            sender = (parsed.sender.agency_code if parsed is not None else None) or entry.sender or ""
            await self.store.store_received(
                package_id=package_id, kind=self._kind(parsed, kind), sender_code=sender[:35],
                edxml_document_id=self._document_id(parsed)[:300], body=body,
                sha256=hashlib.sha256(body).hexdigest())
            row = await self.store.package(package_id)
            assert row is not None
        parsed = self._read(row.body)
        recipients = self._recipients(parsed, entry)
        if not recipients:
            await self._fail(doc_id, "the package names no recipient agency")
            return 0
        for code in recipients:
            if not await self._duplicate(doc_id, row, code, parsed):
                await self.receiver.take_in(doc_id, package_id, code)
        await self.axis.update_status(doc_id, AckStatus.DONE)
        log.info("national axis: package taken in and acknowledged", extra={
            "axis_doc_id": doc_id, "kind": row.kind, "recipients": recipients, "package_id": package_id})
        return 1

    # -- helpers ---------------------------------------------------------------------------------------------------
    def _read(self, body: bytes) -> DocumentPackage | StatusPackage | None:
        try:
            return read_received(body, self.limits)
        except Refused:
            return None  # the Receiver refuses it again, with the reason, for each recipient

    @staticmethod
    def _kind(parsed: DocumentPackage | StatusPackage | None, listed: MessageType) -> str:
        if parsed is None:
            return listed.value
        return "status" if isinstance(parsed, StatusPackage) else "edoc"

    @staticmethod
    def _document_id(parsed: DocumentPackage | StatusPackage | None) -> str:
        if isinstance(parsed, DocumentPackage):
            return parsed.document_id or ""
        if isinstance(parsed, StatusPackage) and parsed.response_for is not None:
            return parsed.response_for.document_id or ""
        return ""

    def _recipients(self, parsed: DocumentPackage | StatusPackage | None, entry: Knobstick) -> list[str]:
        """The agencies to take the package in for: those it names that are served here, else all it names."""
        if isinstance(parsed, DocumentPackage):
            named = [r.agency_code for r in parsed.recipients if r.agency_code]
        elif isinstance(parsed, StatusPackage):
            named = [parsed.response_for.agency_code] if parsed.response_for and parsed.response_for.agency_code \
                else []
        else:
            named = []
        if not named and entry.recipients:
            named = self.axis.settings.scheme.decode_recipients(entry.recipients)
        named = [code[:35] for code in dict.fromkeys(named)]
        served = [code for code in named if self.router.serves(code)]
        return served or named

    async def _duplicate(self, doc_id: str, row: PackageRow, code: str,
                         parsed: DocumentPackage | StatusPackage | None) -> bool:
        """Whether this new document package already arrived for ``code`` under another DocID (kept as held)."""
        if not isinstance(parsed, DocumentPackage) or not parsed.document_id or not self.router.serves(code):
            return False
        if parsed.business_type not in (None, int(BusinessType.NEW)):
            return False
        if await self.store.receipt(doc_id, code) is not None:
            return False  # taken in before under this DocID: take_in answers as before
        first = await self.store.accepted_elsewhere(parsed.document_id, parsed.sender.agency_code or "", code,
                                                    doc_id)
        if first is None or not _same_header(first, parsed):
            return False
        await self.store.add_receipt(ReceiptRow(
            id=new_id(), transport_id=doc_id, package_id=row.id, kind="edoc", recipient_code=code,
            sender_code=first.sender_code, edxml_document_id=parsed.document_id, response_for={}, outcome="held",
            document_id=first.document_id,
            reason=f"gói tin trùng: văn bản {parsed.document_id} đã đến qua gói {first.transport_id}"), [])
        log.warning("national axis: the same document package again under another DocID; kept, no second arrival",
                    extra={"axis_doc_id": doc_id, "first": first.transport_id, "recipient": code})
        return True

    async def _fail(self, doc_id: str, reason: str) -> None:
        await self.axis.update_status(doc_id, AckStatus.FAIL)
        self.failed.add(doc_id)
        log.error("national axis: package acknowledged fail", extra={"axis_doc_id": doc_id, "reason": reason})

    async def run(self, poll_s: float) -> None:
        while True:
            try:
                await self.poll()
            except Exception:
                log.exception("polling the national axis failed; will try again")
            await asyncio.sleep(poll_s)
