"""Sending: every issued document goes to its recipients at once (Decision 28/2018/QĐ-TTg allows until the next
working morning; we do not wait).

The handler of ``vanthu.registry.document.issued`` (consumer ``interchange-issued``) reads the issued document and
its sealed files, builds one edXML package, and writes it with one delivery per recipient that has an agency code
(recipients named only in words, "Như trên", "Lưu: VT", have none), in one transaction with the events: a local
recipient's delivery is ``sent`` once that transaction commits (its ``PackageDispatched`` event is the transport,
published by the outbox relay), a recipient reached through the national axis is ``pending`` (the
:class:`~vanthu_interchange.transmit.Transmitter` sends it with sendEdoc, retrying with backoff), a recipient this
installation cannot reach is ``failed`` with the reason. A redelivered event finds its deliveries
(``edoc/<document>/<recipient>``) and does nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from google.protobuf.message import Message

from vanthu.registry.v1 import documents_pb2
from vanthu.registry.v1 import events_pb2 as registry_events
from vanthu_core.bus import PoisonMessage, trace_of
from vanthu_core.events import continuing, meta_of
from vanthu_core.ids import new_id
from vanthu_core.timeutil import Clock, utc_now
from vanthu_interchange import events
from vanthu_interchange.answers import response_for_of_receipt
from vanthu_interchange.packages import Built, document_package, recipients_of
from vanthu_interchange.peers import Registry, Storage
from vanthu_interchange.routing import LOCAL, TRANSMITTED, Router
from vanthu_interchange.store import DeliveryRow, InterchangeStore, NewDelivery, NewPackage

log = logging.getLogger("vanthu.interchange")


def log_failed(rows: list[DeliveryRow], error: str = "") -> None:
    """The operator's line for each delivery that failed (no route to its recipient, or given up after its
    attempts): which delivery, to whom, why; ``vanthu-interchange failed`` lists them, ``resend`` sends them."""
    for row in rows:
        log.error("delivery failed", extra={
            "delivery_id": row.id, "document_id": row.document_id, "sender": row.sender_code,
            "recipient": row.recipient_code, "route": row.route, "kind": row.kind, "attempts": row.attempts,
            "error": error or row.last_error})


#: The registry's exchange form of a document sent with its paper original too (edXML Bussiness/Paper 1).
PAPER = "electronic_and_paper"


def sealed_files(document: documents_pb2.Document) -> list[documents_pb2.DocumentFile]:
    """The files a package of ``document`` carries, in its order: the sealed main file first, then the
    attachments."""
    return sorted(document.files, key=lambda f: f.role != "main")


def delivery_key(document_id: str, recipient_code: str) -> str:
    return f"edoc/{document_id}/{recipient_code}"


class Sender:
    """The handler of issued documents."""

    def __init__(self, store: InterchangeStore, registry: Registry, storage: Storage, router: Router, *,
                 on_commit: Callable[[], None] | None = None, clock: Clock = utc_now) -> None:
        self.store = store
        self.registry = registry
        self.storage = storage
        self.router = router
        self.on_commit = on_commit or (lambda: None)
        self.clock = clock

    async def __call__(self, message: Message) -> None:
        if not isinstance(message, registry_events.DocumentIssued):
            raise PoisonMessage(f"not an issued document: {message.DESCRIPTOR.full_name}")
        agency = meta_of(message).agency_code
        document_id = message.document.document_id
        recipients = recipients_of(message.recipients)
        if not agency or not document_id:
            raise PoisonMessage("an issued-document event without agency or document id")
        if not recipients:
            log.info("issued document has no recipient with an agency code; nothing to send",
                     extra={"document_id": document_id, "agency": agency})
            return
        keys = {code: delivery_key(document_id, code) for code in recipients}
        if await self.store.existing_keys(list(keys.values())) == set(keys.values()):
            return  # a redelivery: sent already
        await self.send(agency, document_id)

    async def batch(self, messages: list[Message]) -> list[BaseException | None]:
        """The batch handler of ``vanthu.registry.document.issued`` (:class:`vanthu_core.bus.BatchSubscription`):
        what came of each message, in order (None: sent, or nothing to send; else the exception that message alone
        met, as the single handler would have raised it). The deliveries already written are looked up in one read;
        the documents are read in one registry call and their files in one storage call (:meth:`_prepare_many`);
        every package with its deliveries and events is written in one transaction, after which the messages are
        acknowledged."""
        outcomes: list[BaseException | None] = [None] * len(messages)
        todo: list[tuple[int, str, str, dict[str, str]]] = []
        for index, message in enumerate(messages):
            if not isinstance(message, registry_events.DocumentIssued):
                outcomes[index] = PoisonMessage(f"not an issued document: {message.DESCRIPTOR.full_name}")
                continue
            agency, document_id = meta_of(message).agency_code, message.document.document_id
            if not agency or not document_id:
                outcomes[index] = PoisonMessage("an issued-document event without agency or document id")
                continue
            keys = {code: delivery_key(document_id, code) for code in recipients_of(message.recipients)}
            if keys:
                todo.append((index, agency, document_id, keys))
        written = await self.store.existing_keys([k for *_, keys in todo for k in keys.values()]) if todo else set()
        todo = [item for item in todo if not set(item[3].values()) <= written]  # a redelivery: sent already
        made = await self._prepare_many([(agency, document_id, trace_of(messages[index]))
                                         for index, agency, document_id, _ in todo])
        packages: list[tuple[int, NewPackage]] = []
        for (index, *_), package in zip(todo, made, strict=True):
            if isinstance(package, BaseException):
                outcomes[index] = package
            else:
                packages.append((index, package))
        if packages:
            rows = await self.store.add_packages([package for _, package in packages])
            self.on_commit()
            failed = [row for made_rows in rows for row in made_rows if row.state == "failed"]
            log.info("documents sent", extra={"count": len(packages),
                                              "deliveries": sum(len(r) for r in rows), "failed": len(failed)})
            log_failed(failed)
        return outcomes

    async def give_up(self, message: Message, reason: str) -> None:
        """The consumer gave up on an issued document (its package could not be built however often it was tried,
        or never can be): one ``failed`` delivery per recipient with the reason, on the sender's timeline and in
        ``vanthu-interchange failed``; a resend builds the package then (:meth:`rebuild`)."""
        if not isinstance(message, registry_events.DocumentIssued):
            return
        agency = meta_of(message).agency_code
        recipients = [(code, name, self.router.route(code)) for code, name in recipients_of(message.recipients).items()]
        if not agency or not message.document.document_id or not recipients:
            return
        rows = await self.store.add_unsent(
            sender_code=agency, document_id=message.document.document_id, recipients=recipients,
            error=f"Không gửi được văn bản, hệ thống đã ngừng thử lại; hãy gửi lại hoặc báo quản trị hệ thống. "
                  f"Chi tiết: {reason}",
            events=lambda rows: [events.delivery_updated(row) for row in rows])
        if rows:
            self.on_commit()
            log.error("issued document not sent: given up", extra={
                "document_id": message.document.document_id, "agency": agency, "reason": reason})

    async def rebuild(self, delivery: DeliveryRow) -> None:
        """Build the package of a delivery given up on before its package was built (:meth:`give_up`), now that
        the operator resends it; raises what building raises (the attempt then counts as failed)."""
        _, built = await self.build(delivery.sender_code, delivery.document_id)
        await self.store.set_package(delivery.package_id, edxml_document_id=built.edxml_document_id,
                                     body=built.body, sha256=built.sha256)

    async def build(self, agency: str, document_id: str) -> tuple[documents_pb2.Document, Built]:
        """The issued ``document_id`` of ``agency`` and its edXML package (the document and its files read from
        the registry and storage)."""
        document = await self.registry.issued_document(agency, document_id)
        files = [(f, await self.storage.read(agency, f.object_id)) for f in sealed_files(document)]
        return document, await self._package(agency, document, files)

    async def _package(self, agency: str, document: documents_pb2.Document,
                       files: list[tuple[documents_pb2.DocumentFile, bytes]]) -> Built:
        """The edXML package of ``agency``'s issued ``document`` with the bytes of its :func:`sealed_files`."""
        sender = await self.registry.agency(agency)
        if sender is None:
            raise PoisonMessage(f"the sending agency {agency} is not in the directory")
        parent = await self.registry.agency(sender.parent_code) if sender.parent_code else None
        answered = await self.store.arrival_of(agency, document.answers_document_id) \
            if document.answers_document_id else None
        return document_package(document, sender, parent.name if parent else "", files,
                                package_time=self.clock(), paper=document.exchange_form == PAPER,
                                answers=response_for_of_receipt(answered) if answered is not None else None)

    async def _prepare_many(self, items: list[tuple[str, str, dict[str, str]]]) -> list[NewPackage | BaseException]:
        """:meth:`prepare` for several ``(agency, document_id, trace)`` (a batch's documents), one result per item,
        in order: its package (continuing ``trace``) or what it alone met, as :meth:`prepare` would have raised
        it. The documents are read in one registry call (GetDocuments) and their files in one storage call
        (ReadObjects) instead of a call per document and per file (issue 12's bench, a ninth round); a failure of a
        call itself is every item's."""
        results: list[NewPackage | BaseException | None] = [None] * len(items)
        if not items:
            return []
        try:
            documents = await self.registry.issued_documents([(agency, document_id)
                                                              for agency, document_id, _ in items])
        except Exception as error:  # the call itself failed: each item would have met it
            return [error] * len(items)
        wanted: list[tuple[str, str]] = []
        for (agency, _, _), document in zip(items, documents, strict=True):
            if not isinstance(document, BaseException):
                wanted.extend((agency, f.object_id) for f in sealed_files(document))
        try:
            contents = iter(await self.storage.read_many(wanted) if wanted else [])
        except Exception as error:
            contents = iter([error] * len(wanted))
        for index, ((agency, document_id, trace), document) in enumerate(zip(items, documents, strict=True)):
            if isinstance(document, BaseException):
                results[index] = document
                continue
            files = [(f, next(contents)) for f in sealed_files(document)]
            failed = next((content for _, content in files if isinstance(content, BaseException)), None)
            if failed is not None:  # the first of its files that failed, as reading them one by one raises
                results[index] = failed
                continue
            try:
                with continuing(trace):  # its events continue its own message's trace
                    built = await self._package(agency, document, [(f, c) for f, c in files
                                                                   if not isinstance(c, BaseException)])
                    results[index] = replace(self._new_package(agency, document_id, document, built), trace=trace)
            except Exception as error:
                results[index] = error
        return [r for r in results if r is not None]

    async def send(self, agency: str, document_id: str) -> list[DeliveryRow]:
        """Build the package of the issued ``document_id`` of ``agency`` and write its deliveries (those not
        written yet); the new delivery rows."""
        package = await self.prepare(agency, document_id)
        rows = await self.store.add_package(
            package_id=package.package_id, kind=package.kind, sender_code=package.sender_code,
            edxml_document_id=package.edxml_document_id, body=package.body, sha256=package.sha256,
            document_id=package.document_id, deliveries=package.deliveries, events=package.events)
        if rows:
            self.on_commit()
            log.info("document sent", extra={"document_id": document_id, "agency": agency,
                                             "package_bytes": len(package.body),
                                             "deliveries": {r.recipient_code: r.state for r in rows}})
            log_failed([r for r in rows if r.state == "failed"])
        return rows

    async def prepare(self, agency: str, document_id: str) -> NewPackage:
        """The package of the issued ``document_id`` of ``agency`` with one delivery per recipient with an agency
        code and the events announcing them, for the store to write."""
        document, built = await self.build(agency, document_id)
        return self._new_package(agency, document_id, document, built)

    def _new_package(self, agency: str, document_id: str, document: documents_pb2.Document,
                     built: Built) -> NewPackage:
        """:meth:`prepare`'s package of ``document`` once ``built``."""
        deliveries = []
        for code, name in recipients_of(document.recipients).items():
            route = self.router.route(code)
            if route == LOCAL or route in TRANSMITTED:
                deliveries.append(NewDelivery(delivery_key(document_id, code), code, name, route,
                                              "sent" if route == LOCAL else "pending"))
            else:
                deliveries.append(NewDelivery(delivery_key(document_id, code), code, name, route, "failed",
                                              last_error=self.router.no_route(code)))

        def announce(rows: list[DeliveryRow]) -> list[Message]:
            made: list[Message] = []
            for row in rows:
                if row.route == LOCAL:
                    made.append(events.dispatched(row))
                made.append(events.delivery_updated(row))
            return made

        return NewPackage(package_id=new_id(), kind="edoc", sender_code=agency,
                          edxml_document_id=built.edxml_document_id, body=built.body, sha256=built.sha256,
                          document_id=document_id, deliveries=deliveries, events=announce)
