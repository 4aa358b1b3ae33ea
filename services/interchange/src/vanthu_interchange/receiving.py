"""Receiving: a package for an agency of this installation becomes an arrival in its registry, or a status on the
delivery it answers (regulations digest §1.3–§1.4, §7.2; Decree 30/2020 Art. 21).

:meth:`Receiver.take_in` is the one way in: the JetStream consumer ``interchange-dispatched`` for packages sent
inside this installation, and :class:`vanthu_interchange.axis_route.AxisInbox` for packages fetched from the national
axis (``transport_id`` = the axis's DocID; the axis is acknowledged ``done`` only after the receipt is committed),
and :class:`vanthu_interchange.federation_api.FederationApi` for packages a peer installation submits
(``transport_id`` = ``<peer>/<package id>``). For a document package (business type 0, văn bản mới) it:

1. reads it with the safe reader and the receiving profile (:func:`vanthu_interchange.packages.read_received`);
2. checks that it is addressed to the recipient and that the recipient is served here;
3. stores each attached file for the recipient agency in storage (storage checks what the bytes are);
4. records the arrival in the registry with the key ``<transport id>/<recipient>`` (the same package twice makes
   one arrival, even when a crash came between the registry's commit and ours); the registry's ``arrived`` event
   has signing verify the files, and a failed check flags the arrival for the clerk, who returns it (02) or
   registers it with an explicit confirmation (Decree 30 Art. 21.2);
5. records the receipt and answers the sender with status 01 at once (for a package built here, whose sender is
   served here too, the 01 is taken in for the sender in the same transaction: no second message cycle).

A package that cannot be taken in goes back with status 02 and the reason. The same package received twice changes
nothing and answers the same (the receipt is found; its answer is made if a crash lost it).

Revoke and update (business types 1 and 2) and the sender's status 13 (thu hồi; both ways are accepted, §1.4) name
an arrival by its DocumentId and sender: the registry marks it ``requested`` with the sender's reason
(RecordRevocation), and the clerk accepts (15) or refuses (16) there; :class:`~vanthu_interchange.answers.Answers`
sends the answer. An update carries its content (the header's metadata and its files, stored for the recipient), which
the registry keeps on the arrival and applies only when the clerk accepts (§7.2 "apply if accepted (emit 15) / keep
(emit 16)"). A replace package (business type 3) becomes a new arrival linked to the one its ReplacementInfo
names. A request naming no arrival here is kept ``held`` with the reason. On the sender's side, a 15 or 16 settles
the delivery's revocation, and the last one unfreezes the document (:mod:`vanthu_interchange.revoking`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime

from google.protobuf.message import Message

from vanthu.interchange.v1 import events_pb2 as ev
from vanthu.registry.v1 import documents_pb2
from vanthu_core.bus import PoisonMessage, trace_of
from vanthu_core.errors import DomainError
from vanthu_core.events import continuing, meta_of
from vanthu_core.ids import new_id
from vanthu_core.timeutil import VIETNAM_TZ, Clock, utc_now
from vanthu_edxml import BusinessType, DocumentPackage, EdxmlError, Limits, StatusCode, StatusPackage
from vanthu_interchange import events
from vanthu_interchange.answers import Answers, response_for_columns
from vanthu_interchange.packages import (
    PRIORITY,
    URGENCY,
    Refused,
    edxml_error_meaning,
    read_received,
    response_for_of,
)
from vanthu_interchange.peers import Registry, Storage, is_refusal
from vanthu_interchange.revoking import Revoker
from vanthu_interchange.routing import LOCAL, Router
from vanthu_interchange.store import (
    DeliveryRow,
    InterchangeStore,
    NewReceipt,
    PackageRow,
    ReceiptRow,
    StatusTakeIn,
)

log = logging.getLogger("vanthu.interchange")


def wire_instant(value: datetime | None) -> datetime | None:
    """A Timestamp as edXML writes it (``yyyy/MM/dd HH:mm:ss``, no offset: Vietnam time, §1.3.3) as an instant."""
    if value is None:
        return None
    return value.replace(tzinfo=VIETNAM_TZ) if value.tzinfo is None else value


def _exchange_form(package: DocumentPackage) -> str:
    """What the sender declared in ``Bussiness/Paper`` (gửi kèm văn bản giấy): "electronic_and_paper" for 1 (the
    recipient sees "bản giấy sẽ gửi kèm"), "electronic" for 0, "" when the package does not say."""
    business = package.trace.business if package.trace else None
    if business is None or business.paper is None:
        return ""
    return "electronic_and_paper" if business.paper else "electronic"


def _request_reason(package: DocumentPackage, recipient_code: str) -> str:
    """The sender's reason (``BussinessDocReason``) for a revoke or update package; for an update that takes
    ``recipient_code`` off its recipients (``ReceiverList/Receiver``, ReceiverType 0) the clerk is told so."""
    business = package.trace.business if package.trace else None
    reason = (business.reason if business else None) or ""
    info = business.document_info if business else None
    if info and any(r.agency_code == recipient_code and r.receiver_type == 0 for r in info.receivers):
        reason = f"{reason} (cơ quan gửi đưa cơ quan khỏi danh sách nơi nhận)".strip()
    return reason[:500]


class NotArrivedYet(Exception):
    """A revocation or update names a document sent inside this installation that is not taken in yet: the
    consumer tries again later (consumers of one process take a document's packages in order; replicas may not)."""


class Receiver:
    """Takes packages in for the agencies of this installation."""

    def __init__(self, store: InterchangeStore, registry: Registry, storage: Storage, router: Router,
                 answers: Answers, limits: Limits, *, on_commit: Callable[[], None] | None = None,
                 clock: Clock = utc_now, revoker: Revoker | None = None) -> None:
        self.store = store
        self.registry = registry
        self.storage = storage
        self.router = router
        self.answers = answers
        self.limits = limits
        self.on_commit = on_commit or (lambda: None)
        self.clock = clock
        self.revoker = revoker or Revoker(store, registry, router, on_commit=on_commit, clock=clock)

    async def __call__(self, message: Message) -> None:
        """The handler of ``vanthu.interchange.package.dispatched``."""
        if not isinstance(message, ev.PackageDispatched):
            raise PoisonMessage(f"not a dispatched package: {message.DESCRIPTOR.full_name}")
        if meta_of(message).agency_code != message.recipient_code or not message.package_id:
            raise PoisonMessage("a dispatched package whose event names another agency than its recipient")
        await self.take_in(message.package_id, message.package_id, message.recipient_code, built_here=True)

    async def batch(self, messages: list[Message]) -> list[BaseException | None]:
        """The batch handler of ``vanthu.interchange.package.dispatched`` (:class:`vanthu_core.bus.BatchSubscription`):
        what came of each message, in order (None: taken in; else the exception that message alone met, as the
        single handler would have raised it).

        The common case, a new document package built here for a recipient served here, is taken in together: the
        receipts and packages read in one read, the files copied concurrently, the arrivals recorded in one registry
        call (RecordArrivals, one transaction there), the receipts with their 01 in one transaction here; the
        messages are acknowledged after it commits. Everything else (a package taken in before, a status, a revoke,
        update or replace, a package that cannot be read, a file or an arrival refused) goes alone through
        :meth:`__call__`, with the same effect as when it comes alone: one package never holds the others back."""
        outcomes: list[BaseException | None] = [None] * len(messages)
        alone: list[int] = []
        valid: list[tuple[int, ev.PackageDispatched]] = []
        for index, message in enumerate(messages):
            if not isinstance(message, ev.PackageDispatched) or meta_of(message).agency_code != \
                    message.recipient_code or not message.package_id:
                alone.append(index)
            else:
                valid.append((index, message))
        found = await self.store.receipts_or_packages(
            [(m.package_id, m.recipient_code, m.package_id) for _, m in valid])
        together: list[tuple[int, ev.PackageDispatched, PackageRow, DocumentPackage]] = []
        for (index, message), (existing, row) in zip(valid, found, strict=True):
            package = None
            if existing is None and row is not None:
                try:
                    read = read_received(row.body, self.limits)
                except Refused:
                    read = None
                package = read if isinstance(read, DocumentPackage) and self._plain(read, message.recipient_code) \
                    else None
            if package is None or row is None:
                alone.append(index)
            else:
                together.append((index, message, row, package))
        stored = await self._copy_files([(m, p, row.sender_code) for _, m, row, p in together])
        arriving = []
        for (index, message, row, package), files in zip(together, stored, strict=True):
            if isinstance(files, Refused) or (isinstance(files, DomainError) and is_refusal(files)):
                alone.append(index)  # refused alone, as it would be on its own
            elif isinstance(files, BaseException):
                outcomes[index] = files
            else:
                arriving.append((index, message, row, package, self._arrival(package, files)))
        arrivals = await self.registry.record_arrivals(
            [(m.recipient_code, f"{m.package_id}/{m.recipient_code}", arrival) for _, m, _, _, arrival in arriving],
            traces=[trace_of(m) for _, m, _, _, _ in arriving]) if arriving else []
        receipts: list[NewReceipt] = []
        recorded = []
        for (index, message, row, package, _), arrival in zip(arriving, arrivals, strict=True):
            if isinstance(arrival, DomainError):
                if is_refusal(arrival):
                    try:
                        with continuing(trace_of(message)):
                            await self._refuse(message.package_id, row, message.recipient_code,
                                               f"Không tiếp nhận được văn bản: {arrival.message}", package)
                    except Exception as error:
                        outcomes[index] = error
                else:
                    outcomes[index] = arrival  # the registry or storage is unavailable: retried later
                continue
            receipt = self._receipt(message.package_id, row, message.recipient_code, package, "accepted",
                                    document_id=arrival.id)
            with continuing(trace_of(message)):
                item = await self._new_receipt(receipt, [events.received(
                    recipient_code=message.recipient_code, package_id=row.id, kind="edoc",
                    sender_code=package.sender.agency_code, document_id=arrival.id, outcome="accepted")],
                    sender_here=True)
            item.trace = trace_of(message) or None
            receipts.append(item)
            recorded.append((index, package))
        if receipts:
            kept = await self.store.add_receipts(receipts)
            self.on_commit()
            for item, receipt in zip(receipts, kept, strict=True):
                if receipt is not item.receipt:
                    await self._first_answer(receipt)
            log.info("packages taken in", extra={"count": len(receipts)})
        for index in sorted(alone):
            try:
                with continuing(trace_of(messages[index])):
                    await self(messages[index])
            except Exception as error:
                outcomes[index] = error
        return outcomes

    async def _copy_files(self, packages: list[tuple[ev.PackageDispatched, DocumentPackage, str]]
                          ) -> list[list[documents_pb2.DocumentFile] | BaseException]:
        """:meth:`_store_files` for the packages of a batch, ``(message, package, sending agency)`` each, built here:
        every attached file copied from the sender's object in one storage call (CopyObjects, one transaction
        there), a file the sender does not hold uploaded. One result per package, in order: the arrival's file list,
        or what that package alone met (:class:`Refused`: no file, a file that cannot be decoded; a storage refusal or
        failure of one of its files, or of the call)."""
        results: list[list[documents_pb2.DocumentFile] | BaseException] = []
        items: list[tuple[str, str, str, str]] = []
        traces: list[dict[str, str]] = []
        places: list[list[int]] = []  # per package, its files' items
        for message, package, sender_code in packages:
            try:
                if not package.attachments:
                    raise Refused("Gói tin không có tệp văn bản đính kèm")
                mine = []
                for index, attachment in enumerate(package.attachments):
                    try:
                        digest = attachment.sha256()  # validation decoded it once already
                    except EdxmlError as error:
                        raise Refused(f"Tệp đính kèm {attachment.name or attachment.content_id} hỏng: "
                                      f"{edxml_error_meaning(error)}") from None
                    mine.append(len(items))
                    items.append((sender_code, digest, message.recipient_code, attachment.name or f"tep-{index + 1}"))
                    traces.append(trace_of(message))
                places.append(mine)
                results.append([])
            except Refused as refusal:
                places.append([])
                results.append(refusal)
        try:
            copied = await self.storage.copy_many(items, traces=traces) if items else []
        except DomainError as error:  # the call failed as a whole (storage unavailable): each package met it
            return [r if isinstance(r, BaseException) else error for r in results]
        for which, ((message, package, _), mine) in enumerate(zip(packages, places, strict=True)):
            files = results[which]
            if not isinstance(files, list):
                continue
            for position, item in enumerate(mine):
                stored, name = copied[item], items[item][3]
                try:
                    if isinstance(stored, DomainError):
                        raise stored
                    if stored is None:  # the sender holds no such object: upload the bytes
                        with continuing(trace_of(message)):
                            stored = await self.storage.store(message.recipient_code, name,
                                                              package.attachments[position].content())
                except DomainError as error:
                    results[which] = error
                    break
                files.append(documents_pb2.DocumentFile(object_id=stored.object_id, sha256=stored.sha256,
                                                        role="main" if position == 0 else "attachment",
                                                        file_name=stored.file_name or name))  # as storage keeps it
        return results

    async def _answered(self, recipient_code: str, package: DocumentPackage) -> str:
        """The outgoing document of ``recipient_code`` that ``package`` answers (văn bản trả lời): the one whose
        package, sent to the reply's sender, had the DocumentId a ``ResponseFor`` names; "" when none does (tenancy:
        a reply links only to what its recipient sent its sender). Regulations digest §1.3 (``ResponseFor``)."""
        for named in package.response_for:
            if named.document_id:
                found = await self.store.sent_document(recipient_code, package.sender.agency_code or "",
                                                       named.document_id)
                if found:
                    return found
        return ""

    def _plain(self, package: DocumentPackage, recipient_code: str) -> bool:
        """Whether ``package`` is a new document (business type 0) addressed to ``recipient_code``, served here: the
        packages :meth:`batch` takes in together."""
        business = package.trace.business if package.trace else None
        kind = business.business_type if business and business.business_type is not None else BusinessType.NEW
        return kind == BusinessType.NEW and self.router.serves(recipient_code) and \
            recipient_code in {r.agency_code for r in package.recipients} and \
            not any(r.document_id for r in package.response_for)  # a reply is linked alone (:meth:`_answered`)

    async def give_up(self, message: Message, reason: str) -> None:
        """The consumer gave up on a dispatched package (it could not be taken in however often it was tried, or
        never can be): its delivery is ``failed`` with the reason, on the sender's timeline and in
        ``vanthu-interchange failed`` (``resend`` dispatches it again)."""
        if not isinstance(message, ev.PackageDispatched):
            return
        row = await self.store.give_up(
            message.package_id, message.recipient_code,
            error=f"Nơi nhận chưa tiếp nhận được gói tin, đã ngừng thử lại: {reason}",
            events=lambda row: [events.delivery_updated(row)] if row.kind == "edoc" else [])
        if row is not None:
            self.on_commit()
            log.error("dispatched package given up on", extra={
                "package_id": message.package_id, "recipient": message.recipient_code, "reason": reason})

    async def take_in(self, transport_id: str, package_id: str, recipient_code: str, *,
                      built_here: bool = False) -> ReceiptRow:
        """Take the stored package ``package_id`` in for ``recipient_code``; the receipt (the existing one when the
        package was taken in before). ``built_here``: a package this installation built from its sending agency's
        stored files (a local delivery's ``PackageDispatched``), whose files storage copies from that agency's
        objects with the same digests instead of their bytes being uploaded again (any other package's files are
        uploaded)."""
        existing, row = await self.store.receipt_or_package(transport_id, recipient_code, package_id)
        if existing is not None:
            await self._first_answer(existing)
            return existing
        if row is None:
            raise PoisonMessage(f"package {package_id} is not stored here")
        try:
            package = read_received(row.body, self.limits)
        except Refused as refusal:
            read = refusal.package if isinstance(refusal.package, DocumentPackage) else None
            return await self._refuse(transport_id, row, recipient_code, refusal.reason, read)
        if isinstance(package, StatusPackage):
            return await self._status(transport_id, row, recipient_code, package)
        return await self._document(transport_id, row, recipient_code, package,
                                    copy_from=row.sender_code if built_here else "")

    # -- document packages -----------------------------------------------------------------------------------------
    async def _document(self, transport_id: str, row: PackageRow, recipient_code: str,
                        package: DocumentPackage, *, copy_from: str = "") -> ReceiptRow:
        if not self.router.serves(recipient_code):
            return await self._refuse(transport_id, row, recipient_code,
                                      f"Cơ quan {recipient_code} không thuộc hệ thống này", package)
        if recipient_code not in {r.agency_code for r in package.recipients}:
            return await self._refuse(transport_id, row, recipient_code,
                                      f"Gói tin không gửi đến cơ quan {recipient_code}", package)
        business = package.trace.business if package.trace else None
        kind = business.business_type if business and business.business_type is not None else BusinessType.NEW
        if kind in (BusinessType.REVOKE, BusinessType.UPDATE):
            named = (business.document_id if business else None) or package.document_id or ""
            return await self._request(transport_id, row, recipient_code, package.sender.agency_code, named,
                                       _request_reason(package, recipient_code),
                                       "revoke" if kind == BusinessType.REVOKE else "update", package,
                                       copy_from=copy_from)
        replaces = ""
        if kind == BusinessType.REPLACE:
            for replacement in business.replacements if business else ():
                found = await self.store.arrival_receipt(recipient_code, package.sender.agency_code,
                                                         replacement.document_id)
                if found is not None:
                    replaces = found.document_id
                    break
        elif kind != BusinessType.NEW:
            return await self._hold(transport_id, row, recipient_code, package,
                                    f"gói tin nghiệp vụ loại {kind} không được QCVN 102:2016 định nghĩa; văn thư xem "
                                    "xét")
        try:
            files = await self._store_files(recipient_code, package, copy_from=copy_from)
            arrival_input = self._arrival(package, files)
            arrival_input.replaces_document_id = replaces
            arrival_input.answers_document_id = await self._answered(recipient_code, package)
            arrival = await self.registry.record_arrival(recipient_code, f"{transport_id}/{recipient_code}",
                                                         arrival_input)
        except Refused as refusal:
            return await self._refuse(transport_id, row, recipient_code, refusal.reason, package)
        except DomainError as error:
            if is_refusal(error):
                return await self._refuse(transport_id, row, recipient_code,
                                          f"Không tiếp nhận được văn bản: {error.message}", package)
            raise  # the registry or storage is unavailable: the consumer retries later
        receipt = await self._add_receipt(
            self._receipt(transport_id, row, recipient_code, package, "accepted", document_id=arrival.id),
            [events.received(recipient_code=recipient_code, package_id=row.id, kind="edoc",
                             sender_code=package.sender.agency_code, document_id=arrival.id, outcome="accepted")],
            sender_here=bool(copy_from))
        log.info("package taken in", extra={"recipient": recipient_code, "document_id": arrival.id,
                                            "edxml_document_id": package.document_id})
        return receipt

    async def _add_receipt(self, receipt: ReceiptRow, made: list[Message], *, sender_here: bool = False) -> ReceiptRow:
        """Record ``receipt`` (an arrival, or a package returned) with its events and its first answer to the
        sender (01 or 02, :meth:`_first_answer`) in one transaction; the receipt already there when the package
        was taken in before (its answer made then if a crash lost it). ``sender_here``: the package was built here
        by its sender (a local delivery): the answer, when its route is local too, is taken in for the sender in
        the same transaction (the status on the sender's delivery and the answer's receipt, as the answer's
        ``PackageDispatched`` would have had done a moment later) instead of travelling: one message cycle per
        letter fewer (issue 12)."""
        code = self._first_code(receipt)
        item = await self._new_receipt(receipt, made, sender_here=sender_here)
        kept = await self.store.add_receipt(receipt, made, answer=item.answer, answer_taken_in=item.answer_taken_in)
        self.on_commit()
        if kept is not receipt:
            await self._first_answer(kept)
        elif code is not None:
            log.info("status sent", extra={"code": code.value, "to": receipt.sender_code,
                                           "document_id": item.answer.edxml_document_id if item.answer else ""})
        return kept

    async def _new_receipt(self, receipt: ReceiptRow, made: list[Message], *, sender_here: bool) -> NewReceipt:
        """``receipt`` with its events and its first answer (:meth:`_add_receipt`), for the store to write."""
        code = self._first_code(receipt)
        here = sender_here and code is not None and self.router.route(receipt.sender_code) == LOCAL and \
            self.router.state(receipt.sender_code) == "sent"
        answer = None if code is None else await self.answers.prepare(
            receipt, code, receipt.reason if code == StatusCode.REJECTION else "", staff="", source="arrival",
            dispatch=not here)
        taken_in = self._status_take_in(answer.package_id, answer.package_id, receipt.sender_code, answer.status) \
            if here and answer is not None and answer.status is not None else None
        return NewReceipt(receipt, made, answer, taken_in)

    async def _store_files(self, recipient_code: str, package: DocumentPackage, *, required: bool = True,
                           copy_from: str = "") -> list[documents_pb2.DocumentFile]:
        """Store each attached file for ``recipient_code``: copied inside storage from ``copy_from``'s object with
        the same digest when given (the sending agency of a package built here) and storage has it, else uploaded;
        the arrival's file list (the first file the main one). Refused: no file when ``required``, a file whose
        bytes cannot be decoded."""
        if not package.attachments and required:
            raise Refused("Gói tin không có tệp văn bản đính kèm")
        files = []
        for index, attachment in enumerate(package.attachments):
            try:
                content = attachment.content()
            except EdxmlError as error:
                raise Refused(f"Tệp đính kèm {attachment.name or attachment.content_id} hỏng: "
                              f"{edxml_error_meaning(error)}") from None
            name = attachment.name or f"tep-{index + 1}"
            stored = None
            if copy_from:
                stored = await self.storage.copy(copy_from, hashlib.sha256(content).hexdigest(), recipient_code, name)
            if stored is None:
                stored = await self.storage.store(recipient_code, name, content)
            files.append(documents_pb2.DocumentFile(object_id=stored.object_id, sha256=stored.sha256,
                                                    role="main" if index == 0 else "attachment",
                                                    file_name=stored.file_name or name))  # as storage keeps it
        return files

    @staticmethod
    def _arrival(package: DocumentPackage, files: list[documents_pb2.DocumentFile]) -> documents_pb2.DocumentInput:
        signer = package.signer
        priority = package.other_info.priority if package.other_info and package.other_info.priority else 0
        issued_on = package.promulgation.date if package.promulgation else None
        return documents_pb2.DocumentInput(
            direction="incoming", type_name=(package.document_type.type_name or "") if package.document_type else "",
            abstract=package.subject or "", urgency=URGENCY.get(min(priority, max(PRIORITY.values())), "normal"),
            signer=documents_pb2.Signer(name=(signer.full_name or "") if signer else "",
                                        title=(signer.position or "") if signer else "",
                                        competence=(signer.competence_prefix or "") if signer else ""),
            sender=documents_pb2.Sender(agency_code=package.sender.agency_code,
                                        agency_name=package.sender.name or "",
                                        number_symbol=str(package.code) if package.code else "",
                                        document_date=issued_on.isoformat() if issued_on else ""),
            due_date=package.due_date.isoformat() if package.due_date else "", files=files,
            exchange_form=_exchange_form(package))

    # -- status packages -------------------------------------------------------------------------------------------
    async def _status(self, transport_id: str, row: PackageRow, recipient_code: str,
                      package: StatusPackage) -> ReceiptRow:
        if package.status_code == StatusCode.CANCELLATION.value:
            document_id = (package.response_for.document_id if package.response_for else None) or ""
            return await self._request(transport_id, row, recipient_code, package.sender.agency_code, document_id,
                                       package.description or "", "revoke", None, kind="status")
        status = self._status_take_in(transport_id, row.id, recipient_code, package)
        if package.status_code not in ("15", "16"):
            # the status and the package's receipt in one transaction (a 15/16 settles a revocation between them)
            receipt = await self.store.add_status_receipt(status)
            self.on_commit()
            if receipt.outcome == "held":
                log.warning("status package held", extra={"recipient": recipient_code, "reason": receipt.reason})
            return receipt
        delivery, _ = await self.store.add_status(
            kind=status.kind, edxml_document_id=status.edxml_document_id, reporter_code=status.reporter_code,
            sender_code=status.sender_code, package_id=status.package_id, code=status.code,
            description=status.description, staff=status.staff, at=status.at, events=status.events)
        if delivery is not None and delivery.revocation in ("accepted", "refused"):
            # the answer to our revocation (a 15/16 answering an update another system sent has none to settle)
            await self.revoker.settle(recipient_code, delivery.document_id)
        receipt_row, made = status.receipt(delivery)
        receipt = await self.store.add_receipt(receipt_row, made)
        self.on_commit()
        if receipt.outcome == "held":
            log.warning("status package held", extra={"recipient": recipient_code, "reason": receipt.reason})
        return receipt

    @staticmethod
    def _status_take_in(transport_id: str, package_id: str, recipient_code: str,
                        package: StatusPackage) -> StatusTakeIn:
        """What taking the status package ``package`` in for ``recipient_code`` writes: the status on the
        ``edoc`` delivery it answers (of ``recipient_code`` to the package's sender, the document its ResponseFor
        names) and its receipt, ``recorded``, or ``held`` with the reason when there is no such delivery. The
        delivery's ``delivery.updated`` only when the status settled its revocation (15, 16)."""
        response_for = package.response_for
        document_id = (response_for.document_id if response_for else None) or ""
        reporter = package.sender.agency_code
        staff = ", ".join(p for p in ((package.staff.department, package.staff.staff) if package.staff else ())
                          if p)[:300]  # the delivery_statuses column; the rest is display only
        held = f"không có văn bản {document_id} đã gửi đến {reporter} để nhận trạng thái"

        def announce(delivery: DeliveryRow) -> list[Message]:
            return [events.delivery_updated(delivery, package.status_code)]

        def receipt(delivery: DeliveryRow | None) -> tuple[ReceiptRow, list[Message]]:
            outcome, reason = ("recorded", "") if delivery is not None else ("held", held)
            return ReceiptRow(
                id=new_id(), transport_id=transport_id, package_id=package_id, kind="status",
                recipient_code=recipient_code, sender_code=reporter, edxml_document_id=document_id, response_for={},
                outcome=outcome, document_id="", reason=reason), [
                events.received(recipient_code=recipient_code, package_id=package_id, kind="status",
                                sender_code=reporter, document_id="", outcome=outcome, reason=reason)]

        return StatusTakeIn(kind="edoc", edxml_document_id=document_id, reporter_code=reporter,
                            sender_code=recipient_code, package_id=transport_id, code=package.status_code,
                            description=package.description or "", staff=staff, at=wire_instant(package.timestamp),
                            events=announce, receipt=receipt)

    # -- thu hồi, cập nhật -------------------------------------------------------------------------------------------
    async def _request(self, transport_id: str, row: PackageRow, recipient_code: str, sender_code: str,
                       edxml_document_id: str, reason: str, what: str, package: DocumentPackage | None, *,
                       kind: str = "edoc", copy_from: str = "") -> ReceiptRow:
        """The sender asks to revoke or update the arrival it names: the registry marks it requested; held (with the
        reason) when no arrival of ``recipient_code`` from ``sender_code`` matches (tenancy: a package names only
        what its sender sent to its recipient) or the registry refuses (an arrival returned or revoked already,
        another request waiting). An update's files are stored for the recipient and its content (the package's
        header fields and files, as for an arrival) goes with the request: the registry applies it when the clerk
        accepts (15), regulations digest §7.2."""
        outcome, arrival_id = "recorded", ""
        reason = reason or ("Thu hồi văn bản điện tử" if what == "revoke" else "Cập nhật văn bản điện tử")
        found = await self.store.arrival_receipt(recipient_code, sender_code, edxml_document_id)
        note = ""
        if found is None and await self.store.in_transit(sender_code, recipient_code, edxml_document_id):
            # The document is on its way inside this installation (another replica has it in hand): wait for it
            # rather than hold the request as naming nothing.
            raise NotArrivedYet(f"văn bản {edxml_document_id} của {sender_code} chưa được tiếp nhận xong; "
                                "yêu cầu thu hồi sẽ được xử lý sau")
        if found is None:
            outcome, note = "held", (f"không có văn bản đến {edxml_document_id} của {sender_code} để "
                                     f"{'thu hồi' if what == 'revoke' else 'cập nhật'}")
        else:
            try:
                update = None
                if what == "update" and package is not None:
                    update = self._arrival(package, await self._store_files(recipient_code, package, required=False,
                                                                            copy_from=copy_from))
                await self.registry.record_revocation(recipient_code, found.document_id, "requested", reason, what,
                                                      update=update)
                arrival_id = found.document_id
            except Refused as refusal:
                outcome, note = "held", f"không lưu được tệp của gói tin cập nhật: {refusal.reason}"
            except DomainError as error:
                if not is_refusal(error):
                    raise  # the registry or storage is unavailable: the consumer retries later
                outcome, note = "held", f"sổ đăng ký không ghi nhận yêu cầu: {error.message}"
        receipt = ReceiptRow(id=new_id(), transport_id=transport_id, package_id=row.id, kind=kind,
                             recipient_code=recipient_code, sender_code=sender_code,
                             edxml_document_id=edxml_document_id,
                             response_for=response_for_columns(response_for_of(package)) if package else {},
                             outcome=outcome, document_id=arrival_id, reason=note or reason)
        receipt = await self.store.add_receipt(receipt, [events.received(
            recipient_code=recipient_code, package_id=row.id, kind=kind, sender_code=sender_code,
            document_id=arrival_id, outcome=outcome, reason=note or reason)])
        self.on_commit()
        log.info("revocation request", extra={"recipient": recipient_code, "outcome": outcome, "what": what,
                                              "document_id": arrival_id})
        return receipt

    # -- outcomes --------------------------------------------------------------------------------------------------
    def _receipt(self, transport_id: str, row: PackageRow, recipient_code: str, package: DocumentPackage | None,
                 outcome: str, *, document_id: str = "", reason: str = "") -> ReceiptRow:
        sender = package.sender.agency_code if package else row.sender_code
        edxml_id = (package.document_id if package else None) or row.edxml_document_id
        response_for = response_for_columns(response_for_of(package)) if package else {
            "agency_code": row.sender_code, "code": "", "promulgation_date": "", "document_id": row.edxml_document_id}
        return ReceiptRow(id=new_id(), transport_id=transport_id, package_id=row.id, kind="edoc",
                          recipient_code=recipient_code, sender_code=sender or "", edxml_document_id=edxml_id or "",
                          response_for=response_for, outcome=outcome, document_id=document_id, reason=reason)

    async def _refuse(self, transport_id: str, row: PackageRow, recipient_code: str, reason: str,
                      package: DocumentPackage | None) -> ReceiptRow:
        receipt = await self._add_receipt(
            self._receipt(transport_id, row, recipient_code, package, "returned", reason=reason),
            [events.received(recipient_code=recipient_code, package_id=row.id, kind="edoc",
                             sender_code=package.sender.agency_code if package else row.sender_code, document_id="",
                             outcome="returned", reason=reason)])
        log.warning("package returned", extra={"recipient": recipient_code, "reason": reason})
        return receipt

    async def _hold(self, transport_id: str, row: PackageRow, recipient_code: str, package: DocumentPackage,
                    reason: str) -> ReceiptRow:
        receipt = await self.store.add_receipt(
            self._receipt(transport_id, row, recipient_code, package, "held", reason=reason),
            [events.received(recipient_code=recipient_code, package_id=row.id, kind="edoc",
                             sender_code=package.sender.agency_code, document_id="", outcome="held", reason=reason)])
        self.on_commit()
        log.warning("package held", extra={"recipient": recipient_code, "reason": reason})
        return receipt

    @staticmethod
    def _first_code(receipt: ReceiptRow) -> StatusCode | None:
        """The first answer a receipt owes its sender: 01 for an arrival, 02 for a returned package; None for
        others (held, or a package whose sender is not known)."""
        if receipt.kind != "edoc" or not receipt.sender_code:
            return None
        return {"accepted": StatusCode.INBOX, "returned": StatusCode.REJECTION}.get(receipt.outcome)

    async def _first_answer(self, receipt: ReceiptRow) -> None:
        """01 for an arrival, 02 for a returned package (made once; again after a crash lost it)."""
        code = self._first_code(receipt)
        if code is not None:
            await self.answers.answer(receipt, code, receipt.reason if code == StatusCode.REJECTION else "",
                                      staff="", source="arrival")
