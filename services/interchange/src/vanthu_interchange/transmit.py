"""Deliveries waiting to go: a failed delivery the operator resends (``vanthu-interchange resend``, or
``ResendDelivery``) becomes pending, and :class:`Transmitter` sends what is due, again and again with a doubling
delay (``VANTHU_INTERCHANGE_RETRY_*``) until it goes or ``max_attempts`` is reached, when it is failed again,
visibly. The route is looked up afresh at each attempt (the operator may have added the agency to ``served``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta

from google.protobuf.message import Message

from vanthu_interchange import events
from vanthu_interchange.routing import LOCAL, Router
from vanthu_interchange.store import DeliveryRow, InterchangeStore

log = logging.getLogger("vanthu.interchange")


class Transmitter:
    """Sends due deliveries; :meth:`run` polls for them."""

    def __init__(self, store: InterchangeStore, router: Router, *, max_attempts: int, initial_s: float,
                 max_s: float, on_commit: Callable[[], None] | None = None) -> None:
        self.store = store
        self.router = router
        self.max_attempts = max_attempts
        self.initial_s = initial_s
        self.max_s = max_s
        self.on_commit = on_commit or (lambda: None)

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt: initial × 2^(attempts−1), at most ``max_s``."""
        return timedelta(seconds=min(self.max_s, self.initial_s * 2 ** max(0, attempts - 1)))

    async def send_due(self) -> int:
        """Attempt every due delivery once; how many went."""
        sent = 0
        for delivery in await self.store.due():
            if self.router.route(delivery.recipient_code) == LOCAL:
                def announce(row: DeliveryRow) -> list[Message]:
                    made: list[Message] = [events.dispatched(row)]
                    if row.kind == "edoc":
                        made.append(events.delivery_updated(row))
                    return made

                if await self.store.mark_sent(delivery.id, announce) is not None:
                    sent += 1
                continue
            await self.store.record_attempt(
                delivery.id, error=f"{delivery.recipient_code} is not served by this installation and no route to it "
                                   "is configured", max_attempts=self.max_attempts,
                backoff=self.backoff(delivery.attempts + 1),
                events=lambda row: [events.delivery_updated(row)] if row.kind == "edoc" else [])
        if sent:
            self.on_commit()
        return sent

    async def run(self, poll_s: float) -> None:
        while True:
            try:
                await self.send_due()
            except Exception:
                log.exception("sending due deliveries failed; will try again")
            await asyncio.sleep(poll_s)
