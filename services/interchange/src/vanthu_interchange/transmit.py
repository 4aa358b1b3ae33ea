"""Deliveries waiting to go: a delivery through the national axis (written ``pending`` when the document is issued
or the status answered), or a failed delivery the operator resends (``vanthu-interchange resend``, or
``ResendDelivery``). :class:`Transmitter` sends what is due, again and again with a doubling delay
(``VANTHU_INTERCHANGE_RETRY_*``) until it goes or ``max_attempts`` is reached, when it is failed, visibly. The route
is looked up afresh at each attempt (the operator may have added the agency to ``served``, or configured the axis).

Through the national axis a delivery is sent with ``AxisClient.send_edoc(package, kind, to=[recipient])``
(``messagetype`` ``edoc`` for a document, ``status`` for a status package) and marked ``sent`` with the axis's DocID
(``transport_id``). A failure (``AxisUnavailable``, ``AxisError``: the axis refused or could not be reached) counts
as an attempt. sendEdoc is not idempotent, so the attempt is marked in flight in the database before the call
(:meth:`~vanthu_interchange.store.InterchangeStore.begin_attempt`); an attempt still in flight after
``in_flight_timeout`` (the process died or hung between the call and its outcome) is failed with a reason saying the
axis may hold the package, and only an operator's resend sends it again: never a silent second copy. A copy sent
twice anyway (an operator's resend of a package the axis had) is made one arrival by the receiving side's check of
DocumentId and recipient (:mod:`vanthu_interchange.axis_route`).

To a peer installation (route ``peer``) a delivery is sent with ``SubmitPackage`` over mutual TLS
(:class:`vanthu_interchange.federation.PeerClient`), the package id being the delivery's package: idempotent at the
peer, so a retry after a lost answer is safe and no in-flight mark is needed. It is ``sent`` once the peer answers
that the recipient took it in (its receipt committed there); a peer that cannot be reached counts as an attempt; a
definitive refusal (the peer does not serve the recipient, or not us for the sender) fails the delivery at once.

A delivery to an agency of a connected system (route ``system``) is not sent: it waits for that system to fetch it
from the provincial axis (:mod:`vanthu_interchange.provincial_axis`); one found due here (resent by the operator, or
written before the system was connected) is parked there.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from google.protobuf.message import Message

from vanthu_axis import AxisClient
from vanthu_core.aio import wait_event
from vanthu_interchange import events
from vanthu_interchange.federation import Peer, PeerClient, PeerRefused
from vanthu_interchange.routing import AXIS, LOCAL, PEER, SYSTEM, Router
from vanthu_interchange.sending import log_failed
from vanthu_interchange.store import DeliveryRow, InterchangeStore

log = logging.getLogger("vanthu.interchange")


def _announce_edoc(row: DeliveryRow) -> list[Message]:
    return [events.delivery_updated(row)] if row.kind == "edoc" else []


class Transmitter:
    """Sends due deliveries; :meth:`run` polls for them (and :meth:`kick` wakes it at once)."""

    def __init__(self, store: InterchangeStore, router: Router, *, max_attempts: int, initial_s: float,
                 max_s: float, on_commit: Callable[[], None] | None = None, axis: AxisClient | None = None,
                 in_flight_timeout: timedelta = timedelta(minutes=5), peers: PeerClient | None = None,
                 rebuild: Callable[[DeliveryRow], Awaitable[None]] | None = None) -> None:
        self.store = store
        self.router = router
        self.max_attempts = max_attempts
        self.initial_s = initial_s
        self.max_s = max_s
        self.on_commit = on_commit or (lambda: None)
        self.axis = axis
        self.in_flight_timeout = in_flight_timeout
        self.peers = peers
        #: Builds the package of a resent delivery given up on before its package existed (``Sender.rebuild``).
        self.rebuild = rebuild
        self._wake = asyncio.Event()
        self._stopping = False

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt: initial × 2^(attempts−1), at most ``max_s``."""
        return timedelta(seconds=min(self.max_s, self.initial_s * 2 ** max(0, attempts - 1)))

    def kick(self) -> None:
        """Look for due deliveries now (a pending delivery was just written)."""
        self._wake.set()

    async def send_due(self) -> int:
        """Attempt every due delivery once; how many went."""
        await self._fail_interrupted()
        sent = 0
        for delivery in await self.store.due():
            if delivery.kind == "edoc" and not delivery.edxml_document_id:  # given up on before it was built
                if self.rebuild is None:
                    await self._failed_attempt(delivery, "Gói tin của văn bản chưa được lập (hệ thống đã ngừng thử "
                                                         "lại trước khi lập); hãy gửi lại")
                    continue
                try:
                    await self.rebuild(delivery)
                except Exception as error:
                    await self._failed_attempt(delivery, f"Không lập được gói tin: {error}")
                    continue
            route = self.router.route(delivery.recipient_code)
            if route == LOCAL:
                def announce(row: DeliveryRow) -> list[Message]:
                    made: list[Message] = [events.dispatched(row)]
                    if row.kind == "edoc":
                        made.append(events.delivery_updated(row))
                    return made

                if await self.store.mark_sent(delivery.id, announce) is not None:
                    sent += 1
                    self.on_commit()
                continue
            if route == SYSTEM:  # a connected system fetches it from the provincial axis: it waits there
                await self.store.park(delivery.id)
                continue
            peer = self.router.peer(delivery.recipient_code) if route == PEER else None
            if peer is not None and self.peers is not None:
                sent += await self._send_to_peer(delivery, peer, self.peers)
                continue
            if route == AXIS and self.axis is not None:
                sent += await self._send_by_axis(delivery, self.axis)
                continue
            # no route now is no route at the next attempt either (routes change with the configuration, at a
            # restart): failed at once, as at phát hành, instead of pending through every retry
            await self._failed_attempt(delivery, self.router.no_route(delivery.recipient_code), final=True)
        return sent

    async def _send_by_axis(self, delivery: DeliveryRow, axis: AxisClient) -> int:
        package = await self.store.package(delivery.package_id)
        if package is None:  # cannot happen: a delivery is written with its package
            await self._failed_attempt(delivery, f"Không tìm thấy gói tin {delivery.package_id} trong hệ thống; "
                                                 "hãy báo quản trị hệ thống")
            return 0
        if await self.store.begin_attempt(delivery.id) is None:
            return 0  # not pending any more, or another sender has it in flight
        try:
            doc_id = await axis.send_edoc(package.body, delivery.kind, to=[delivery.recipient_code])
        except Exception as error:  # AxisUnavailable, AxisError, or anything else: the attempt counts, visibly
            await self._failed_attempt(delivery, "Trục liên thông quốc gia chưa nhận gói tin (sẽ thử lại). "
                                                 f"Chi tiết: {error}")
            log.warning("sending through the national axis failed", extra={
                "delivery_id": delivery.id, "recipient": delivery.recipient_code, "kind": delivery.kind,
                "attempt": delivery.attempts + 1, "error": str(error)})
            return 0
        row = await self.store.mark_sent(delivery.id, _announce_edoc, transport_id=doc_id)
        if row is None:
            return 0
        self.on_commit()
        log.info("sent through the national axis", extra={
            "delivery_id": delivery.id, "recipient": delivery.recipient_code, "kind": delivery.kind,
            "axis_doc_id": doc_id})
        return 1

    async def _send_to_peer(self, delivery: DeliveryRow, peer: Peer, client: PeerClient) -> int:
        package = await self.store.package(delivery.package_id)
        if package is None:  # cannot happen: a delivery is written with its package
            await self._failed_attempt(delivery, f"Không tìm thấy gói tin {delivery.package_id} trong hệ thống; "
                                                 "hãy báo quản trị hệ thống")
            return 0
        try:
            outcomes = await client.submit(peer, package_id=package.id, kind=delivery.kind,
                                           recipient_codes=[delivery.recipient_code], body=package.body)
        except PeerRefused as refusal:
            await self._failed_attempt(delivery, f"Hệ thống {peer.name} từ chối gói tin: {refusal}", final=True)
            log.error("a peer installation refused a package", extra={
                "delivery_id": delivery.id, "peer": peer.name, "recipient": delivery.recipient_code,
                "error": str(refusal)})
            return 0
        except Exception as error:  # unreachable, unavailable, timed out: the attempt counts, visibly
            detail = error.details() if hasattr(error, "details") else str(error)
            await self._failed_attempt(delivery, f"Chưa gửi được đến hệ thống {peer.name} (sẽ thử lại). "
                                                 f"Chi tiết: {detail}")
            log.warning("sending to a peer installation failed", extra={
                "delivery_id": delivery.id, "peer": peer.name, "recipient": delivery.recipient_code,
                "attempt": delivery.attempts + 1, "error": detail})
            return 0
        if not any(o.recipient_code == delivery.recipient_code and o.accepted for o in outcomes):
            await self._failed_attempt(delivery, f"Hệ thống {peer.name} không tiếp nhận gói tin cho cơ quan "
                                                 f"{delivery.recipient_code}")
            return 0
        row = await self.store.mark_sent(delivery.id, _announce_edoc, transport_id=f"{peer.name}/{package.id}")
        if row is None:
            return 0
        self.on_commit()
        log.info("sent to a peer installation", extra={
            "delivery_id": delivery.id, "peer": peer.name, "recipient": delivery.recipient_code,
            "kind": delivery.kind})
        return 1

    async def _failed_attempt(self, delivery: DeliveryRow, error: str, final: bool = False) -> None:
        row = await self.store.record_attempt(delivery.id, error=error,
                                              max_attempts=0 if final else self.max_attempts,
                                              backoff=self.backoff(delivery.attempts + 1), events=_announce_edoc)
        if row is not None:
            self.on_commit()
            if row.state == "failed":
                log_failed([row], error)

    async def _fail_interrupted(self) -> None:
        rows = await self.store.interrupted(
            self.store.clock() - self.in_flight_timeout, events=_announce_edoc,
            error="Lần gửi qua trục liên thông quốc gia bị gián đoạn (dịch vụ dừng hoặc cuộc gọi bị treo); trục có "
                  "thể đã nhận gói tin: hãy kiểm tra trên trục, thiếu thì gửi lại")
        for row in rows:
            log.error("delivery failed: interrupted while sending", extra={"delivery_id": row.id,
                                                                           "recipient": row.recipient_code})
        if rows:
            self.on_commit()

    def stop(self) -> None:
        """End :meth:`run` at its next turn, between two passes (the server also cancels it, ending a pass at once)."""
        self._stopping = True
        self._wake.set()

    async def run(self, poll_s: float) -> None:
        """Send due deliveries now, after each :meth:`kick` and every ``poll_s`` seconds, until :meth:`stop`."""
        while not self._stopping:
            self._wake.clear()
            try:
                await self.send_due()
            except Exception:
                log.exception("sending due deliveries failed; will try again")
            await wait_event(self._wake, poll_s)
