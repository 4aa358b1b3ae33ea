"""NATS JetStream event bus: deduplicated publishing and durable pull consumers of protobuf events.

- Each service connects as its own NATS user (``VANTHU_NATS_USER``/``VANTHU_NATS_PASSWORD``), whose permissions
  (:mod:`vanthu_core.nats_auth`) let it publish only its own subjects and read only its own consumers; its reply
  inboxes are ``_INBOX.<user>.…`` so that no other user can read them.
- The streams are declared by the NATS administrator (:mod:`vanthu_core.streams`); a service only waits for them
  (:meth:`EventBus.wait_for_streams`).
- ``publish`` sends an event message (:mod:`vanthu_core.events`) on its subject with ``Nats-Msg-Id`` = event id, so
  the server drops a re-publish within the duplicate window, and the W3C trace context in the message headers.
- ``subscribe`` runs a durable pull consumer: the handler gets the decoded event inside a span continuing the
  publisher's trace, and the server is told the work is in progress while the handler runs, for the message in
  hand and those fetched with it (so a long verification is not redelivered to another replica); the message is
  acknowledged only after the handler returns (its effect is committed), nak'ed with backoff when it raises, and
  dead-lettered (then terminated) when it raises :class:`PoisonMessage`, cannot be decoded, or has failed
  ``max_deliver`` times.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import nats
from google.protobuf.message import Message
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError, NoRespondersError, NoServersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace

from vanthu_core.events import UndecodableEvent, decode, encode, meta_of
from vanthu_core.settings import CommonSettings
from vanthu_core.streams import StreamSettings, declare_streams
from vanthu_core.subjects import DEAD_LETTER_PREFIX, DEAD_LETTER_STREAM, EVENTS_STREAM, Consumer, subject_of

log = logging.getLogger("vanthu.bus")
tracer = trace.get_tracer("vanthu.bus")

Handler = Callable[[Message], Awaitable[None]]
_TRANSIENT = (NatsTimeoutError, NoRespondersError, ConnectionClosedError, NoServersError, asyncio.TimeoutError,
              OSError)


class PoisonMessage(Exception):
    """Raised by a handler for input it can never process: the message goes to the dead-letter stream."""


class StreamsMissing(RuntimeError):
    """The event streams do not exist (the NATS administrator declares them: ``python -m vanthu_core.streams``)."""


class EventBus:
    """One connection to NATS, as one user, publishing to and consuming from VanThu's event stream."""

    def __init__(self, servers: str | list[str], *, client_name: str, user: str = "", password: str = "",
                 stream: str = EVENTS_STREAM, dead_letter_stream: str = DEAD_LETTER_STREAM,
                 dead_letter_prefix: str = DEAD_LETTER_PREFIX) -> None:
        self.servers = [servers] if isinstance(servers, str) else list(servers)
        self.client_name = client_name
        self.user = user
        self._password = password
        self.stream = stream
        self.dead_letter_stream = dead_letter_stream
        self.dead_letter_prefix = dead_letter_prefix
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._subscriptions: list[Subscription] = []

    @classmethod
    def for_service(cls, common: CommonSettings, client_name: str) -> EventBus:
        """The bus of a service, as its own NATS user (``VANTHU_NATS_URL``, ``VANTHU_NATS_USER``, …)."""
        return cls(common.nats_url, client_name=client_name, user=common.nats_user,
                   password=common.nats_password.get_secret_value())

    @property
    def inbox_prefix(self) -> str:
        """Where replies to this connection go: ``_INBOX.<user>`` (only this user may subscribe there)."""
        return f"_INBOX.{self.user}" if self.user else "_INBOX"

    @property
    def js(self) -> JetStreamContext:
        if self._js is None:
            raise RuntimeError("EventBus.connect() has not been called")
        return self._js

    async def connect(self) -> None:
        async def disconnected() -> None:
            log.warning("NATS connection lost; reconnecting", extra={"client": self.client_name})

        async def reconnected() -> None:
            log.info("NATS connection restored", extra={"client": self.client_name})

        async def error(exc: Exception) -> None:
            log.debug("NATS client error", extra={"error": str(exc)})

        self._nc = await nats.connect(
            servers=self.servers, name=self.client_name, max_reconnect_attempts=-1, reconnect_time_wait=0.25,
            allow_reconnect=True, connect_timeout=5, disconnected_cb=disconnected, reconnected_cb=reconnected,
            error_cb=error, user=self.user or None, password=self._password or None, inbox_prefix=self.inbox_prefix)
        self._js = self._nc.jetstream(timeout=5)

    async def wait_for_streams(self, timeout_s: float = 60.0) -> None:
        """Return once the event and dead-letter streams exist; :class:`StreamsMissing` after ``timeout_s``."""
        give_up = time.monotonic() + timeout_s
        missing = [self.stream, self.dead_letter_stream]
        while True:
            for name in list(missing):
                with contextlib.suppress(NotFoundError):
                    await self.js.stream_info(name)
                    missing.remove(name)
            if not missing:
                return
            if time.monotonic() > give_up:
                raise StreamsMissing(f"the JetStream streams {', '.join(missing)} do not exist after {timeout_s:.0f} s:"
                                     " the NATS administrator declares them (python -m vanthu_core.streams)")
            log.info("waiting for the event streams", extra={"missing": missing})
            await asyncio.sleep(0.5)

    async def ensure_streams(self, settings: StreamSettings | None = None) -> None:
        """Declare the streams (idempotent); only the NATS administrator may (see :mod:`vanthu_core.streams`)."""
        await declare_streams(self.js, settings)

    async def create_work_queue(self, stream: str, subjects: Sequence[str], *, duplicate_window_s: float = 120.0,
                                replicas: int = 1) -> None:
        """A work-queue stream (each message consumed once), e.g. document deliveries per receiving agency."""
        config = StreamConfig(name=stream, subjects=list(subjects), storage=StorageType.FILE,
                              retention=RetentionPolicy.WORK_QUEUE, duplicate_window=duplicate_window_s,
                              num_replicas=replicas)
        try:
            await self.js.add_stream(config)
        except Exception:  # exists with another config: bring it in line
            await self.js.update_stream(config)

    async def publish(self, message: Message, *, deadline_s: float = 30.0) -> int:
        """Publish an event message on its subject, with the current trace context (see :meth:`publish_payload`)."""
        return await self.publish_payload(subject_of(message), meta_of(message).event_id, encode(message),
                                          deadline_s=deadline_s)

    async def publish_payload(self, subject: str, event_id: str, payload: bytes, *,
                              trace_context: dict[str, str] | None = None, deadline_s: float = 30.0) -> int:
        """Publish an encoded event durably (``Nats-Msg-Id`` = ``event_id``; the trace context given, or the
        current one); retries transient failures (a restarting server) until ``deadline_s``.

        Returns the stream sequence. A re-publish of the same event id returns the original sequence.
        """
        headers = {"Nats-Msg-Id": event_id}
        if trace_context is None:
            propagate.inject(headers)
        else:
            headers.update({k: v for k, v in trace_context.items() if k in ("traceparent", "tracestate")})
        give_up = time.monotonic() + deadline_s
        delay = 0.1
        while True:
            try:
                ack = await self.js.publish(subject, payload, headers=headers, timeout=5)
                return int(ack.seq)
            except _TRANSIENT as exc:
                if time.monotonic() + delay > give_up:
                    raise
                log.info("publish not acknowledged yet; retrying", extra={"subject": subject,
                                                                          "error": type(exc).__name__})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def subscribe(self, durable: str, filter_subject: str, handler: Handler, *, max_deliver: int = 5,
                        backoff_s: Sequence[float] = (0.5, 2.0, 10.0), batch: int = 16,
                        ack_wait_s: float = 30.0, max_work_s: float = 600.0) -> Subscription:
        """Start a durable pull consumer processing messages with ``handler`` in a background task.

        While the handler runs, the server is told every ``ack_wait_s / 3`` that the work is in progress, for at
        most ``max_work_s`` (then the message is left to be redelivered).
        """
        config = ConsumerConfig(name=durable, durable_name=durable, ack_policy=AckPolicy.EXPLICIT,
                                filter_subject=filter_subject, max_deliver=max_deliver + 1, ack_wait=ack_wait_s)
        subscription = Subscription(self, durable, filter_subject, handler, config, max_deliver, list(backoff_s),
                                    batch, heartbeat_s=ack_wait_s / 3, max_work_s=max_work_s)
        await subscription.start()
        self._subscriptions.append(subscription)
        return subscription

    async def consume(self, consumer: Consumer, handler: Handler, **options: Any) -> Subscription:
        """:meth:`subscribe` as one of the catalogue's consumers (:data:`vanthu_core.subjects.CONSUMERS`)."""
        return await self.subscribe(consumer.durable, consumer.subject, handler, **options)

    async def dead_letter(self, msg: Msg, reason: str) -> None:
        headers = dict(msg.headers or {})
        headers.pop("Nats-Msg-Id", None)
        headers.update({"Vanthu-Dead-Letter-Reason": reason[:1000], "Vanthu-Original-Subject": msg.subject})
        with contextlib.suppress(Exception):
            headers["Vanthu-Deliveries"] = str(msg.metadata.num_delivered)
        await self.js.publish(f"{self.dead_letter_prefix}.{msg.subject}", msg.data, headers=headers, timeout=5)

    async def health(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    async def close(self) -> None:
        for subscription in self._subscriptions:
            await subscription.stop()
        self._subscriptions.clear()
        if self._nc is not None and not self._nc.is_closed:
            with contextlib.suppress(Exception):
                await self._nc.drain()
        self._nc = None
        self._js = None


class Subscription:
    """A running durable pull consumer; :meth:`stop` finishes the message in hand, then stops."""

    def __init__(self, bus: EventBus, durable: str, filter_subject: str, handler: Handler, config: ConsumerConfig,
                 max_deliver: int, backoff_s: list[float], batch: int, *, heartbeat_s: float = 10.0,
                 max_work_s: float = 600.0) -> None:
        self.bus = bus
        self.durable = durable
        self.filter_subject = filter_subject
        self.handler = handler
        self.config = config
        self.max_deliver = max_deliver
        self.backoff_s = backoff_s or [1.0]
        self.batch = batch
        self.heartbeat_s = max(heartbeat_s, 0.05)
        self.max_work_s = max_work_s
        self._started = time.monotonic()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._psub: Any = None

    async def start(self) -> None:
        self._psub = await self.bus.js.pull_subscribe(self.filter_subject, durable=self.durable,
                                                      stream=self.bus.stream, config=self.config)
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.durable}")

    async def _run(self) -> None:
        task = asyncio.current_task()
        while not self._stopping.is_set():
            try:
                messages = await self._psub.fetch(self.batch, timeout=1)
            except (TimeoutError, NatsTimeoutError):
                continue
            except asyncio.CancelledError:
                # nats-py cancels the pending fetch when the connection drops; only a cancellation of this
                # task itself (stop/shutdown) ends the loop.
                if task is not None and task.cancelling():
                    raise
                await asyncio.sleep(0.2)
                continue
            except _TRANSIENT:
                await asyncio.sleep(0.2)
                continue
            except Exception:
                log.warning("consumer fetch failed; retrying", extra={"durable": self.durable}, exc_info=True)
                await asyncio.sleep(0.5)
                continue
            waiting = list(messages)
            heartbeat = asyncio.create_task(self._heartbeat(waiting), name=f"heartbeat-{self.durable}")
            try:
                for msg in messages:
                    self._started = time.monotonic()
                    try:
                        await self._process(msg)
                    except Exception:  # never let one message end the consumer; it will be redelivered
                        log.exception("unexpected error processing a message", extra={"durable": self.durable})
                    finally:
                        waiting.remove(msg)
            finally:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat

    async def _process(self, msg: Msg) -> None:
        parent = propagate.extract(dict(msg.headers or {}))
        token = otel_context.attach(parent)
        try:
            with tracer.start_as_current_span(f"consume {msg.subject}", kind=trace.SpanKind.CONSUMER) as span:
                span.set_attribute("messaging.system", "nats")
                span.set_attribute("messaging.destination.name", msg.subject)
                await self._handle(msg)
        finally:
            otel_context.detach(token)

    async def _handle(self, msg: Msg) -> None:
        try:
            event = decode(msg.subject, msg.data)
        except UndecodableEvent as exc:
            await self._dead_letter(msg, f"undecodable event: {exc}")
            return
        try:
            await self.handler(event)
        except PoisonMessage as exc:
            await self._dead_letter(msg, f"poison message: {exc}")
            return
        except Exception as exc:
            delivered = msg.metadata.num_delivered
            if delivered >= self.max_deliver:
                await self._dead_letter(msg, f"failed {delivered} times; last error: {exc!r}")
                return
            delay = self.backoff_s[min(delivered - 1, len(self.backoff_s) - 1)]
            log.warning("event handler failed; will retry", extra={
                "durable": self.durable, "event_id": meta_of(event).event_id, "attempt": delivered,
                "retry_in_s": delay, "error": repr(exc)})
            with contextlib.suppress(Exception):
                await msg.nak(delay=delay)
            return
        with contextlib.suppress(Exception):
            await msg.ack()

    async def _heartbeat(self, waiting: list[Msg]) -> None:
        """Tell the server that the fetched messages not finished yet (the one in hand and those queued behind it)
        are being worked on (``+WPI``), so their ack wait starts again; not once the message in hand has run past
        ``max_work_s`` (a stuck handler: its messages are then redelivered)."""
        while True:
            await asyncio.sleep(self.heartbeat_s)
            if time.monotonic() - self._started > self.max_work_s:
                log.warning("event handler still running; no longer extending its ack wait",
                            extra={"durable": self.durable})
                return
            for msg in list(waiting):
                with contextlib.suppress(Exception):
                    await msg.in_progress()

    async def _dead_letter(self, msg: Msg, reason: str) -> None:
        log.error("event dead-lettered", extra={"durable": self.durable, "subject": msg.subject, "reason": reason})
        try:
            await self.bus.dead_letter(msg, reason)
        except Exception:
            log.exception("could not dead-letter; leaving the message for redelivery")
            return
        with contextlib.suppress(Exception):
            await msg.term()

    async def stop(self) -> None:
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, timeout=10)
            self._task = None
        if self._psub is not None:
            with contextlib.suppress(Exception):
                await self._psub.unsubscribe()
            self._psub = None


async def stream_has(js: JetStreamContext, stream: str, subject: str) -> bool:
    """Whether ``stream`` holds a message on ``subject`` (used by tools and tests)."""
    try:
        await js.get_last_msg(stream, subject)
        return True
    except NotFoundError:
        return False
