"""NATS JetStream event bus: deduplicated publishing and durable pull consumers of protobuf events.

- Each service connects as its own NATS user (``VANTHU_NATS_USER``/``VANTHU_NATS_PASSWORD``), whose permissions
  (:mod:`vanthu_core.nats_auth`) let it publish only its own subjects and read only its own consumers; its reply
  inboxes are ``_INBOX.<user>.…`` so that no other user can read them.
- The streams are declared by the NATS administrator (:mod:`vanthu_core.streams`); a service only waits for them
  (:meth:`EventBus.wait_for_streams`).
- ``publish`` sends an event message (:mod:`vanthu_core.events`) on its subject with ``Nats-Msg-Id`` = event id, so
  the server drops a re-publish within the duplicate window, and the W3C trace context in the message headers.
- ``subscribe`` runs a durable pull consumer handling up to ``concurrency`` messages at once (its
  ``max_ack_pending``; ``VANTHU_CONSUMER_CONCURRENCY``), those of one ordering key one after the other: the handler
  gets the decoded event inside a span continuing the publisher's trace, and the server is told the work is in
  progress while the handler runs, for every message in hand (so a long verification is not redelivered to another
  replica); each message is acknowledged only after its handler returns (its effect is committed), nak'ed with
  backoff when it raises, and given up on when it raises :class:`PoisonMessage` or has failed ``max_deliver`` times
  (``VANTHU_CONSUMER_MAX_DELIVER``): the consumer's ``on_give_up`` records it where people see it, then it is
  dead-lettered (and terminated); one that cannot be decoded is dead-lettered. A message taken and neither
  acknowledged nor marked in progress (its process killed) is delivered again after the consumer's ack wait
  (``VANTHU_CONSUMER_ACK_WAIT_S``, 30 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from contextvars import ContextVar
from typing import Annotated, Any

import nats
from google.protobuf.message import Message
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import ConnectionClosedError, NoRespondersError, NoServersError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import APIError, NotFoundError
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt, wait_exponential

from vanthu_core.aio import cancel_and_wait, wait_event
from vanthu_core.events import UndecodableEvent, decode, encode, meta_of
from vanthu_core.settings import CommonSettings
from vanthu_core.streams import StreamSettings, declare_streams
from vanthu_core.subjects import DEAD_LETTER_PREFIX, DEAD_LETTER_STREAM, EVENTS_STREAM, Consumer, subject_of

log = logging.getLogger("vanthu.bus")
tracer = trace.get_tracer("vanthu.bus")

Handler = Callable[[Message], Awaitable[None]]
#: The ordering key of an event: events with the same key are handled one after the other.
KeyOf = Callable[[Message], str]
#: Records an event given up on (``(event, reason)``) where people see it, before it is dead-lettered.
GiveUp = Callable[[Message, str], Awaitable[None]]
#: Handles a batch of events together (its effects committed before it returns) and says what came of each, in
#: order: None (done: acknowledged), or the exception that event alone met (:class:`PoisonMessage`: given up on;
#: another: retried like a failing message). When it raises, its events are handled one at a time by the
#: consumer's single handler instead.
BatchHandler = Callable[[list[Message]], Awaitable[Sequence[BaseException | None]]]
#: How many times a consumer's start asks JetStream before giving up (:meth:`Subscription.start`).
START_ATTEMPTS = 5

_TRANSIENT = (NatsTimeoutError, NoRespondersError, ConnectionClosedError, NoServersError, asyncio.TimeoutError,
              OSError)


#: Within a batch handler: the W3C trace headers of the message each event of the batch came in, by ``id(event)``.
_BATCH_TRACES: ContextVar[dict[int, dict[str, str]] | None] = ContextVar("vanthu_bus_batch_traces", default=None)


def trace_of(event: Message) -> dict[str, str]:
    """Within a batch handler (:class:`BatchSubscription`), the trace headers of the message ``event`` came in (its
    publisher's trace), for :func:`vanthu_core.events.continuing`: what the handler records for that event continues
    it, as a single handler's records continue the message it runs for. Empty elsewhere."""
    return (_BATCH_TRACES.get() or {}).get(id(event), {})


class PoisonMessage(Exception):
    """Raised by a handler for input it can never process: the message goes to the dead-letter stream."""


class StreamsMissing(RuntimeError):
    """The event streams do not exist (the NATS administrator declares them: ``python -m vanthu_core.streams``)."""


class ConsumerSettings(BaseSettings):
    """``VANTHU_CONSUMER_*``: how every durable consumer of a service handles its messages (a service may set
    other values for one consumer)."""

    model_config = SettingsConfigDict(env_prefix="VANTHU_CONSUMER_", extra="ignore")

    #: Messages handled at once per consumer and process (JetStream's ``max_ack_pending`` of the consumer).
    concurrency: int = Field(default=8, ge=1, le=1000)
    #: How many times a failing message is tried before it is given up on (recorded as failed, dead-lettered).
    max_deliver: int = Field(default=5, ge=1, le=10000)
    #: Seconds to wait before each retry of a failing message (the last one repeats), comma-separated in the
    #: environment (``0.5,2,10``).
    backoff_s: Annotated[list[float], NoDecode] = Field(default_factory=lambda: [0.5, 2.0, 10.0], min_length=1)
    #: JetStream's ack wait of every consumer: how long the server waits for a message it handed out to be
    #: acknowledged (or marked in progress: the bus does so every third of it while the handler runs) before it
    #: delivers it again, e.g. one a killed process had taken. The tests' fault platforms set it short.
    ack_wait_s: float = Field(default=30.0, ge=0.5, le=3600)

    @field_validator("backoff_s", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [float(part) for part in value.split(",") if part.strip()]
        return value

    @field_validator("backoff_s")
    @classmethod
    def _positive(cls, value: list[float]) -> list[float]:
        if any(not 0 < v <= 86400 for v in value):
            raise ValueError("each wait is more than 0 and at most 86400 seconds")
        return value


class EventBus:
    """One connection to NATS, as one user, publishing to and consuming from VanThu's event stream."""

    def __init__(self, servers: str | list[str], *, client_name: str, user: str = "", password: str = "",
                 stream: str = EVENTS_STREAM, dead_letter_stream: str = DEAD_LETTER_STREAM,
                 dead_letter_prefix: str = DEAD_LETTER_PREFIX, consumers: ConsumerSettings | None = None) -> None:
        self.consumer_settings = consumers or ConsumerSettings()
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
                   password=common.nats_password.get_secret_value(), consumers=ConsumerSettings())

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

    async def subscribe(self, durable: str, filter_subject: str, handler: Handler, *,
                        max_deliver: int | None = None, backoff_s: Sequence[float] | None = None,
                        concurrency: int | None = None, key: KeyOf | None = None,
                        on_give_up: GiveUp | None = None, batch: int = 16, ack_wait_s: float | None = None,
                        max_work_s: float = 600.0, drain_s: float = 10.0,
                        batch_handler: BatchHandler | None = None, max_wait_s: float = 0.05,
                        batches_in_hand: int = 2) -> Subscription:
        """Start a durable pull consumer processing messages with ``handler`` in background tasks.

        ``concurrency`` messages are handled at once (the consumer's ``max_ack_pending``); ``key(event)`` names
        the messages that must be handled one after the other (e.g. those of one document); ``max_deliver`` is how
        many times a failing message is tried, ``backoff_s`` the waits between tries (the last one repeated). When a
        message is given up on (it failed ``max_deliver`` times or raised :class:`PoisonMessage`),
        ``on_give_up(event, reason)`` records it where people see it, then it goes to the dead letters. Unset
        options come from the bus's :class:`ConsumerSettings` (``VANTHU_CONSUMER_*``). JetStream delivers a message
        again when it is not acknowledged within ``ack_wait_s`` (``VANTHU_CONSUMER_ACK_WAIT_S``, 30 s); while the
        handler runs, the server is told every ``ack_wait_s / 3`` that the work is in progress, for at most
        ``max_work_s`` (then the message is left to be redelivered). On :meth:`close` the messages in hand get
        ``drain_s`` to finish (those cut off are redelivered).

        With ``batch_handler`` the consumer works in batches (:class:`BatchSubscription`): it fetches up to ``batch``
        messages at once (waiting at most ``max_wait_s`` after the first for more, and not at all when it was idle and
        nothing was queued behind it), hands them to ``batch_handler`` together
        (those of one ordering key in successive rounds, in order) and acknowledges each after it returns;
        ``handler`` handles them one at a time when the batch handler raises. Up to ``batches_in_hand`` batches are
        handled at once (the next one fetched and started while the one before waits on other services); its
        ``max_ack_pending`` is at least ``batch`` times that.
        """
        defaults = self.consumer_settings
        max_deliver = defaults.max_deliver if max_deliver is None else max_deliver
        concurrency = defaults.concurrency if concurrency is None else concurrency
        backoff = list(defaults.backoff_s if backoff_s is None else backoff_s)
        ack_wait_s = defaults.ack_wait_s if ack_wait_s is None else ack_wait_s
        # The server redelivers without limit: the bus itself gives up after max_deliver, having recorded it.
        config = ConsumerConfig(name=durable, durable_name=durable, ack_policy=AckPolicy.EXPLICIT,
                                filter_subject=filter_subject, max_deliver=-1, ack_wait=ack_wait_s,
                                max_ack_pending=max(concurrency, batch * max(1, batches_in_hand))
                                if batch_handler else concurrency)
        subscription: Subscription
        if batch_handler is not None:
            subscription = BatchSubscription(self, durable, filter_subject, handler, config, max_deliver, backoff,
                                             batch, heartbeat_s=ack_wait_s / 3, max_work_s=max_work_s,
                                             key=key, on_give_up=on_give_up, drain_s=drain_s,
                                             batch_handler=batch_handler, max_wait_s=max_wait_s,
                                             batches_in_hand=batches_in_hand)
        else:
            subscription = Subscription(self, durable, filter_subject, handler, config, max_deliver, backoff,
                                        batch, heartbeat_s=ack_wait_s / 3, max_work_s=max_work_s,
                                        concurrency=concurrency, key=key, on_give_up=on_give_up, drain_s=drain_s)
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
        # together: a service's stop takes its slowest consumer's drain, not their sum
        await asyncio.gather(*(subscription.stop() for subscription in self._subscriptions))
        self._subscriptions.clear()
        if self._nc is not None and not self._nc.is_closed:
            with contextlib.suppress(Exception):
                await self._nc.drain()
        self._nc = None
        self._js = None


class Subscription:
    """A running durable pull consumer handling up to ``concurrency`` messages at once.

    - The consumer's ``max_ack_pending`` is ``concurrency``: the server hands out no more unacknowledged messages
      than that (across every replica of the service), and this process fetches only as many as it has free slots.
    - Each message is acknowledged, nak'ed or dead-lettered on its own; a slow or failing one holds only its slot.
    - Messages with the same ordering key (``key(event)``; none: every message is its own key) are handled one after
      the other in the order fetched; when one is nak'ed, the ones of its key fetched behind it are nak'ed with the
      same delay without being handled, so that they do not overtake it (their last delivery is handled anyway).
    - :meth:`stop` fetches no more and waits for the messages in hand (at most ``drain_s``; those cut off are not
      acknowledged and are redelivered).
    """

    def __init__(self, bus: EventBus, durable: str, filter_subject: str, handler: Handler, config: ConsumerConfig,
                 max_deliver: int, backoff_s: list[float], batch: int, *, heartbeat_s: float = 10.0,
                 max_work_s: float = 600.0, concurrency: int = 1, key: KeyOf | None = None,
                 on_give_up: GiveUp | None = None, drain_s: float = 10.0) -> None:
        self.bus = bus
        self.durable = durable
        self.filter_subject = filter_subject
        self.handler = handler
        self.config = config
        self.max_deliver = max_deliver
        self.backoff_s = backoff_s or [1.0]
        self.batch = max(1, batch)
        self.heartbeat_s = max(heartbeat_s, 0.05)
        self.max_work_s = max_work_s
        self.concurrency = max(1, concurrency)
        self.key = key
        self.on_give_up = on_give_up
        self.drain_s = drain_s
        self._stopping = asyncio.Event()
        self._freed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        #: Whether the fetch loop is waiting without holding any message it fetched (a stop may cancel it).
        self._idle = True
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._psub: Any = None
        #: The messages in hand (being handled, or waiting for an earlier one of their key) and since when.
        self._in_hand: dict[asyncio.Task[None], tuple[Msg, float]] = {}
        #: Per ordering key, whether the last message of that key in hand was handled (False: nak'ed).
        self._tails: dict[str, asyncio.Future[bool]] = {}

    @property
    def in_hand(self) -> int:
        """How many messages this process holds unacknowledged right now."""
        return len(self._in_hand)

    async def start(self) -> None:
        """Create or update the durable consumer and start pulling from it.

        JetStream's API requests are retried when they time out or find no responder (a server busy or just
        restarted: a service starting on a loaded node must not exit for it), :data:`START_ATTEMPTS` times with
        backoff; then the last error is raised. An :class:`~nats.js.errors.APIError` (a change the server refuses)
        keeps the existing consumer; ``NotFoundError`` when there is none to bind to."""
        async for attempt in AsyncRetrying(retry=retry_if_exception_type((NatsTimeoutError, NoRespondersError)),
                                           stop=stop_after_attempt(START_ATTEMPTS),
                                           wait=wait_exponential(multiplier=0.5, max=5),
                                           before_sleep=self._start_retried, reraise=True):
            with attempt:
                await self._declare()
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.durable}")
        self._heartbeat_task = asyncio.create_task(self._heartbeat(), name=f"heartbeat-{self.durable}")

    async def _declare(self) -> None:
        # Create or update: an existing durable takes the current max_ack_pending, max_deliver and ack wait.
        try:
            await self.bus.js.add_consumer(self.bus.stream, config=self.config)
        except APIError as error:  # a change the server refuses: keep the consumer as it is, and say so
            await self.bus.js.consumer_info(self.bus.stream, self.durable)  # NotFoundError: nothing to bind to
            log.warning("the durable consumer keeps its former configuration", extra={
                "durable": self.durable, "error": str(error)})
        self._psub = await self.bus.js.pull_subscribe_bind(durable=self.durable, stream=self.bus.stream)

    def _start_retried(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome is not None else None
        log.warning("the JetStream server did not answer while the consumer started; trying again", extra={
            "durable": self.durable, "attempt": state.attempt_number, "error": type(error).__name__})

    async def _run(self) -> None:
        task = asyncio.current_task()
        while not self._stopping.is_set():
            free = self.concurrency - len(self._in_hand)
            if free <= 0:
                self._freed.clear()
                await wait_event(self._freed, 1)
                continue
            messages = await self._fetch(task, functools.partial(self._psub.fetch, min(self.batch, free), timeout=1))
            for msg in messages:
                self._take(msg)

    async def _fetch(self, task: asyncio.Task[Any] | None, fetch: Callable[[], Awaitable[list[Msg]]]) -> list[Msg]:
        """The messages ``fetch`` pulls; none when it timed out, or (after a short pause) when the connection dropped
        or the fetch failed. nats-py cancels a pending fetch when the connection drops: only a cancellation of the
        consumer's own ``task`` (stop/shutdown) is raised."""
        try:
            return await fetch()
        except (TimeoutError, NatsTimeoutError):
            return []
        except asyncio.CancelledError:
            if task is not None and task.cancelling():
                raise
            await asyncio.sleep(0.2)
        except _TRANSIENT:
            await asyncio.sleep(0.2)
        except Exception:
            log.warning("consumer fetch failed; retrying", extra={"durable": self.durable}, exc_info=True)
            await asyncio.sleep(0.5)
        return []

    def _queue(self, msg: Msg) -> tuple[Message | None, str, str, asyncio.Future[bool] | None, asyncio.Future[bool]]:
        """``msg`` decoded (None, with why, when it cannot be), its ordering key ("" when none), the settling of the
        message before it of its key still in hand (None when there is none), and its own settling, which the next
        message of its key will wait for (recorded as the key's tail)."""
        try:
            event: Message | None = decode(msg.subject, msg.data)
            error = ""
        except UndecodableEvent as exc:
            event, error = None, f"undecodable event: {exc}"
        key = ""
        if event is not None and self.key is not None:
            try:
                key = self.key(event)
            except Exception:  # a key function that cannot read the event orders nothing
                log.exception("ordering key failed", extra={"durable": self.durable})
        before = self._tails.get(key) if key else None
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        if key:
            self._tails[key] = done
        return event, error, key, before, done

    def _take(self, msg: Msg) -> None:
        """Start handling ``msg`` in its own task, behind the message of its key in hand, if any."""
        event, error, key, before, done = self._queue(msg)
        worker = asyncio.create_task(self._work(msg, event, error, before, done, key),
                                     name=f"message-{self.durable}")
        self._in_hand[worker] = (msg, time.monotonic())
        worker.add_done_callback(self._finished)

    def _finished(self, worker: asyncio.Task[None]) -> None:
        self._in_hand.pop(worker, None)
        self._freed.set()

    async def _work(self, msg: Msg, event: Message | None, error: str, before: asyncio.Future[bool] | None,
                    done: asyncio.Future[bool], key: str) -> None:
        handled = True
        try:
            if event is None:
                await self._dead_letter(msg, error)
                return
            if before is not None and not await before and not self._last_delivery(msg):
                handled = False  # the earlier message of this key was nak'ed: do not overtake it
                with contextlib.suppress(Exception):
                    await msg.nak(delay=self._delay(msg))
                return
            handled = await self._process(msg, event)
        except asyncio.CancelledError:
            handled = False
            raise
        except Exception:  # never let one message end the consumer; it will be redelivered
            handled = False
            log.exception("unexpected error processing a message", extra={"durable": self.durable})
        finally:
            if not done.done():
                done.set_result(handled)
            if key and self._tails.get(key) is done:
                del self._tails[key]

    def _last_delivery(self, msg: Msg) -> bool:
        return bool(msg.metadata.num_delivered >= self.max_deliver)

    def _delay(self, msg: Msg) -> float:
        delivered = int(msg.metadata.num_delivered)
        return self.backoff_s[min(max(delivered, 1) - 1, len(self.backoff_s) - 1)]

    async def _process(self, msg: Msg, event: Message) -> bool:
        parent = propagate.extract(dict(msg.headers or {}))
        token = otel_context.attach(parent)
        try:
            with tracer.start_as_current_span(f"consume {msg.subject}", kind=trace.SpanKind.CONSUMER) as span:
                span.set_attribute("messaging.system", "nats")
                span.set_attribute("messaging.destination.name", msg.subject)
                return await self._handle(msg, event)
        finally:
            otel_context.detach(token)

    async def _handle(self, msg: Msg, event: Message) -> bool:
        """Run the handler; acknowledge, nak or give up. Whether the message is done with (not nak'ed)."""
        try:
            await self.handler(event)
        except Exception as exc:
            return await self._settle(msg, event, exc)
        return await self._settle(msg, event, None)

    async def _settle(self, msg: Msg, event: Message, exc: BaseException | None) -> bool:
        """Acknowledge ``msg`` (its handling met no exception), give up on it (:class:`PoisonMessage`, or failed
        ``max_deliver`` times) or nak it with backoff; whether it is done with (not nak'ed)."""
        if isinstance(exc, PoisonMessage):
            return await self._give_up(msg, event, f"poison message: {exc}")
        if exc is not None:
            delivered = msg.metadata.num_delivered
            if delivered >= self.max_deliver:
                return await self._give_up(msg, event, f"failed {delivered} times; last error: {exc!r}")
            delay = self._delay(msg)
            log.warning("event handler failed; will retry", extra={
                "durable": self.durable, "event_id": meta_of(event).event_id, "attempt": delivered,
                "retry_in_s": delay, "error": repr(exc)})
            with contextlib.suppress(Exception):
                await msg.nak(delay=delay)
            return False
        with contextlib.suppress(Exception):
            await msg.ack()
        return True

    async def _give_up(self, msg: Msg, event: Message, reason: str) -> bool:
        """Record the failure where people see it (``on_give_up``), then dead-letter the message; when the
        recording fails, the message is nak'ed and comes back (never dropped unseen)."""
        if self.on_give_up is not None:
            try:
                await self.on_give_up(event, reason)
            except Exception:
                log.exception("could not record a message given up on; it will be delivered again",
                              extra={"durable": self.durable, "event_id": meta_of(event).event_id})
                with contextlib.suppress(Exception):
                    await msg.nak(delay=self.backoff_s[-1])
                return False
        await self._dead_letter(msg, reason)
        return True

    async def _heartbeat(self) -> None:
        """Tell the server that the messages in hand (being handled, or waiting behind an earlier one of their key)
        are being worked on (``+WPI``), so their ack wait starts again; not for one taken more than ``max_work_s``
        ago (a stuck handler: it is then redelivered)."""
        while True:
            await asyncio.sleep(self.heartbeat_s)
            now = time.monotonic()
            for msg, since in self._held():
                if now - since > self.max_work_s:
                    log.warning("event handler still running; no longer extending its ack wait",
                                extra={"durable": self.durable, "subject": msg.subject})
                    continue
                with contextlib.suppress(Exception):
                    await msg.in_progress()

    def _held(self) -> list[tuple[Msg, float]]:
        """The messages in hand and since when."""
        return list(self._in_hand.values())

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
        """Fetch no more, let the messages in hand finish (at most ``drain_s``), then stop."""
        self._stopping.set()
        if self._task is not None:
            # A loop waiting for messages (or for a free slot) holds none: it is cancelled rather than left to wait
            # out its 1 s poll at every stop, one consumer after another. A message the server sends into a poll
            # cancelled here is not acknowledged: redelivered. A loop holding fetched messages not yet in hand
            # (a batch being completed) is let finish: what it fetched becomes a worker's below.
            if self._idle:
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(self._task, timeout=5)
            self._task = None
        if self._in_hand:
            _, cut_off = await asyncio.wait(list(self._in_hand), timeout=self.drain_s)
            for worker in cut_off:  # not acknowledged: redelivered
                worker.cancel()
            if cut_off:
                log.warning("stopped with messages in hand; they will be redelivered",
                            extra={"durable": self.durable, "count": len(cut_off)})
                await asyncio.wait(cut_off)
        await cancel_and_wait(self._heartbeat_task)
        self._heartbeat_task = None
        if self._psub is not None:
            with contextlib.suppress(Exception):
                await self._psub.unsubscribe()
            self._psub = None


@dataclasses.dataclass
class _Claimed:
    """A message of a batch in hand: the event it carries (None: undecodable, ``error`` says why), its ordering key,
    the settling of the message before it of its key (None: none in hand) and its own (True: done with; False:
    nak'ed or left unsettled)."""

    msg: Msg
    event: Message | None
    error: str
    key: str
    before: asyncio.Future[bool] | None
    done: asyncio.Future[bool]


def _queued_behind(msg: Msg) -> bool:
    """Whether the stream held more messages for this consumer when ``msg`` was delivered (its metadata's
    ``num_pending``; True when that cannot be read, as before it was looked at)."""
    try:
        return bool(msg.metadata.num_pending)
    except Exception:  # not a JetStream delivery's reply subject
        return True


class BatchSubscription(Subscription):
    """A durable pull consumer working in batches (issue 12: what each message cost in every service was paid once
    per message; a batch pays it once).

    - It fetches up to ``batch`` messages at once (the first as soon as there is one, then what the stream holds or
      what comes within ``max_wait_s``, unless it was idle and nothing was queued behind the first) and holds up
      to ``batches_in_hand`` batches at a time: the next batch is fetched and handled while the one before waits on
      other services (its registry and storage calls); the server is told the work is in progress for every message
      held.
    - The batch goes to ``batch_handler`` in rounds: each round holds at most one message of an ordering key, in the
      order fetched (a key's second message waits for the next round); a message whose earlier one of its key was
      nak'ed is nak'ed too without being handled (unless it is its last delivery). A message whose key has an
      earlier message in a batch still in hand waits for it to be settled (in a later round of its own batch).
    - Each message is then settled on its own as a single one would be: acknowledged (after the handler returned:
      its effect committed), given up on (:class:`PoisonMessage`, or ``max_deliver`` failures: ``on_give_up``, then
      the dead letters) or nak'ed with backoff; one that cannot be decoded is dead-lettered.
    - When the batch handler itself raises, the round's messages are handled one at a time by ``handler`` (a batch
      never fails as a whole for one message's sake).
    """

    def __init__(self, *args: Any, batch_handler: BatchHandler, max_wait_s: float = 0.05, batches_in_hand: int = 2,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.batch_handler = batch_handler
        self.max_wait_s = max(0.001, max_wait_s)
        self.batches_in_hand = max(1, batches_in_hand)
        #: The messages of each batch in hand and since when.
        self._holding: dict[asyncio.Task[None], list[tuple[Msg, float]]] = {}

    def _held(self) -> list[tuple[Msg, float]]:
        return [held for batch in list(self._holding.values()) for held in batch]

    async def _fetch_batch(self) -> list[Msg]:
        """The first message with a long poll (handed over the moment it is there), then what else comes within
        max_wait_s (at once when the queue holds enough) — unless the consumer is idle (no batch in hand) and the
        stream held nothing more for it: such a lone message goes at once, so a letter issued on its own does not
        wait max_wait_s in each batched consumer on its way (issue 12's p50 and p99). While a batch is in hand the
        wait stays: what comes meanwhile goes together, and a message held back behind its key in the batch in hand
        does not take the second batch's place alone."""
        messages: list[Msg] = await self._psub.fetch(1, timeout=1)
        if self.batch > 1 and (self._in_hand or _queued_behind(messages[0])):
            self._idle = False  # the first is held: a stop waits for the rest of the batch (max_wait_s)
            try:
                with contextlib.suppress(TimeoutError, NatsTimeoutError):
                    messages += await self._psub.fetch(self.batch - 1, timeout=self.max_wait_s)
            finally:
                self._idle = True
        return messages

    async def _run(self) -> None:
        task = asyncio.current_task()
        while not self._stopping.is_set():
            if len(self._in_hand) >= self.batches_in_hand:  # a stop cancelling this wait leaves them to finish
                await asyncio.wait(list(self._in_hand), return_when=asyncio.FIRST_COMPLETED)
                continue
            messages = await self._fetch(task, self._fetch_batch)
            if not messages:
                continue
            now = time.monotonic()
            # the keys of this batch, claimed now (before the next batch is fetched): its messages follow the
            # earlier ones of their keys still in hand, and the next batch's follow them
            claimed = self._claim(messages)
            worker = asyncio.create_task(self._work_batch(claimed), name=f"batch-{self.durable}")
            self._holding[worker] = [(msg, now) for msg in messages]
            self._in_hand[worker] = (messages[0], now)
            worker.add_done_callback(self._finished)

    def _finished(self, worker: asyncio.Task[None]) -> None:
        self._holding.pop(worker, None)
        super()._finished(worker)

    def _claim(self, messages: list[Msg]) -> list[_Claimed]:
        """Each message decoded (None when it cannot be), its ordering key, the settling of the message before it of
        its key in hand (this batch's or an earlier one's; None when there is none), and its own settling, which the
        next message of its key waits for."""
        claimed = []
        for msg in messages:
            event, error, key, before, done = self._queue(msg)
            claimed.append(_Claimed(msg, event, error, key, before, done))
        return claimed

    def _settled(self, item: _Claimed, handled: bool) -> None:
        if not item.done.done():
            item.done.set_result(handled)
        if item.key and self._tails.get(item.key) is item.done:
            del self._tails[item.key]

    async def _work_batch(self, claimed: list[_Claimed]) -> None:
        try:
            rounds: list[list[_Claimed]] = []
            mine = {id(item.done) for item in claimed}
            seen: dict[str, int] = {}
            for item in claimed:
                if item.event is None:
                    await self._dead_letter(item.msg, item.error)
                    self._settled(item, True)
                    continue
                # behind an earlier batch's message of its key: not in the first round, so the others go on
                waits = item.before is not None and id(item.before) not in mine and not item.before.done()
                position = seen.get(item.key, 1 if waits else 0) if item.key else 0
                if item.key:
                    seen[item.key] = position + 1
                while len(rounds) <= position:
                    rounds.append([])
                rounds[position].append(item)
            for items in rounds:
                todo = []
                for item in items:
                    if item.before is not None and not await item.before and not self._last_delivery(item.msg):
                        with contextlib.suppress(Exception):  # the earlier one of its key was nak'ed: not overtaken
                            await item.msg.nak(delay=self._delay(item.msg))
                        self._settled(item, False)
                        continue
                    todo.append(item)
                if not todo:
                    continue
                done = await self._process_batch([(item.msg, item.event) for item in todo])  # type: ignore[misc]
                for item, ok in zip(todo, done, strict=True):
                    self._settled(item, ok)
        except Exception:  # never let one batch end the consumer; what was not settled is redelivered
            log.exception("unexpected error processing a batch", extra={"durable": self.durable})
        finally:
            for item in claimed:  # unsettled (an error, a stop): the next of its key is nak'ed, not overtaking it
                self._settled(item, False)

    async def _process_batch(self, items: list[tuple[Msg, Message]]) -> list[bool]:
        """Run the batch handler on ``items`` and settle each; one at a time when it raises. Whether each is done
        with (not nak'ed)."""
        links = []
        traces: dict[int, dict[str, str]] = {}
        for msg, event in items:
            headers = {k: v for k, v in (msg.headers or {}).items() if k in ("traceparent", "tracestate")}
            traces[id(event)] = headers
            context = trace.get_current_span(propagate.extract(headers)).get_span_context()
            if context.is_valid:
                links.append(trace.Link(context))
        token = _BATCH_TRACES.set(traces)
        try:
            with tracer.start_as_current_span(f"consume batch {self.filter_subject}", kind=trace.SpanKind.CONSUMER,
                                              links=links) as span:
                span.set_attribute("messaging.system", "nats")
                span.set_attribute("messaging.batch.message_count", len(items))
                outcomes = list(await self.batch_handler([event for _, event in items]))
            if len(outcomes) != len(items):
                raise RuntimeError(f"the batch handler answered {len(outcomes)} outcomes for {len(items)} events")
        except Exception:
            log.warning("batch handler failed; handling its messages one at a time",
                        extra={"durable": self.durable, "count": len(items)}, exc_info=True)
            return [await self._process(msg, event) for msg, event in items]
        finally:
            _BATCH_TRACES.reset(token)
        return [await self._settle(msg, event, outcome) for (msg, event), outcome in zip(items, outcomes, strict=True)]


async def stream_has(js: JetStreamContext, stream: str, subject: str) -> bool:
    """Whether ``stream`` holds a message on ``subject`` (used by tools and tests)."""
    try:
        await js.get_last_msg(stream, subject)
        return True
    except NotFoundError:
        return False
