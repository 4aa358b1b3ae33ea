"""The event bus against a real nats-server (JetStream)."""

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from google.protobuf.message import Message
from nats.errors import TimeoutError as NatsTimeoutError
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from vanthu.registry.v1 import events_pb2 as ev
from vanthu_core import bus as bus_module
from vanthu_core.bus import EventBus, PoisonMessage, trace_of
from vanthu_core.events import continuing, meta_of, new_meta
from vanthu_testing.nats import NatsServer

pytestmark = pytest.mark.integration


@pytest.fixture
async def bus(nats_server: NatsServer) -> AsyncIterator[EventBus]:
    bus = nats_server.bus(client_name="test")
    await bus.connect()
    await bus.wait_for_streams(timeout_s=10)
    yield bus
    await bus.close()


async def until(check: Callable[[], bool], what: Callable[[], str], timeout_s: float = 20) -> None:
    """Poll ``check`` with a deadline; fail with what was last seen."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while asyncio.get_running_loop().time() < deadline:
        if check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"condition not met after {timeout_s} s; last seen: {what()}")


def event(n: int = 0, number_symbol: str = "05/CT-UBND") -> ev.DocumentIssued:
    """An issued event whose number says which one it is."""
    return ev.DocumentIssued(meta=new_meta(actor="tester", agency="000.00.00.H61"),
                             document=ev.DocumentState(document_id=f"doc-{n}", direction="outgoing", status="issued",
                                                       number=n, number_symbol=number_symbol))


def n_of(e: Message) -> int:
    assert isinstance(e, ev.DocumentIssued)
    return e.document.number


async def test_publishing_the_same_event_id_twice_delivers_it_once(bus: EventBus) -> None:
    first = event(1, number_symbol="05/CT-UBND (Về việc đôn đốc thực hiện Chỉ thị)")
    seq1 = await bus.publish(first)
    seq2 = await bus.publish(first)
    await bus.publish(event(2))
    assert seq1 == seq2
    received: list[Message] = []

    async def handler(e: Message) -> None:
        received.append(e)

    await bus.subscribe("dedup", "vanthu.registry.>", handler)
    await until(lambda: len(received) >= 2, lambda: str(received))
    assert (await bus.js.stream_info(bus.stream)).state.messages == 2  # the server dropped the re-publish
    assert [n_of(e) for e in received] == [1, 2]
    assert received[0] == first and meta_of(received[0]).event_id == first.meta.event_id


async def test_a_failing_handler_gets_the_message_again(bus: EventBus) -> None:
    attempts: list[int] = []

    async def flaky(e: Message) -> None:
        attempts.append(n_of(e))
        if len(attempts) < 3:
            raise RuntimeError("database busy")

    await bus.publish(event(7))
    await bus.subscribe("flaky", "vanthu.registry.>", flaky, backoff_s=(0.05,))
    await until(lambda: len(attempts) >= 3, lambda: str(attempts))
    assert attempts == [7, 7, 7]
    acked: list[int] = []

    async def ack_floor() -> None:
        acked.append((await bus.js.consumer_info(bus.stream, "flaky")).ack_floor.stream_seq)

    deadline = asyncio.get_running_loop().time() + 10
    while not (acked and acked[-1] == 1) and asyncio.get_running_loop().time() < deadline:
        await ack_floor()
    assert acked[-1] == 1  # acknowledged once the handler succeeded
    assert not await dead_letters(bus)


async def dead_letters(bus: EventBus) -> list[tuple[str, dict[str, str]]]:
    sub = await bus.js.pull_subscribe("vanthu_dlq.>", stream=bus.dead_letter_stream)
    try:
        msgs = await sub.fetch(10, timeout=2)
    except Exception:
        return []
    finally:  # left subscribed, its pending pull would hold the bus's drain at close for 30 s
        await sub.unsubscribe()
    return [(m.subject, dict(m.headers or {})) for m in msgs]


async def test_a_poison_message_ends_in_the_dead_letter_stream(bus: EventBus) -> None:
    handled: list[int] = []

    async def handler(e: Message) -> None:
        handled.append(n_of(e))
        if n_of(e) == 13:
            raise PoisonMessage("số ký hiệu không hợp lệ")

    await bus.publish(event(13))
    await bus.publish(event(14))
    await bus.subscribe("poison", "vanthu.registry.>", handler)
    await until(lambda: 14 in handled, lambda: str(handled))
    letters = await dead_letters(bus)
    assert [s for s, _ in letters] == ["vanthu_dlq.vanthu.registry.document.issued"]
    assert "số ký hiệu không hợp lệ" in letters[0][1]["Vanthu-Dead-Letter-Reason"]
    assert handled.count(13) == 1


async def test_a_message_failing_every_time_is_dead_lettered_after_max_deliver(bus: EventBus) -> None:
    attempts: list[int] = []

    async def always_fails(e: Message) -> None:
        attempts.append(1)
        raise RuntimeError("nope")

    await bus.publish(event(21))
    await bus.subscribe("hopeless", "vanthu.registry.>", always_fails, max_deliver=3, backoff_s=(0.05,))
    await until(lambda: len(attempts) >= 3, lambda: str(attempts))
    letters: list[tuple[str, dict[str, str]]] = []
    deadline = asyncio.get_running_loop().time() + 10
    while not letters and asyncio.get_running_loop().time() < deadline:
        letters = await dead_letters(bus)
    assert len(letters) == 1 and "failed 3 times" in letters[0][1]["Vanthu-Dead-Letter-Reason"]
    assert len(attempts) == 3


async def test_undecodable_payloads_are_dead_lettered(bus: EventBus) -> None:
    await bus.js.publish("vanthu.registry.document.issued", b"{not json", headers={"Nats-Msg-Id": "bad-1"})
    await bus.js.publish("vanthu.registry.document.issued", b"\xff\xff\xff", headers={"Nats-Msg-Id": "bad-2"})
    await bus.js.publish("vanthu.registry.thing.unknown", event(3).SerializeToString(),
                         headers={"Nats-Msg-Id": "bad-3"})
    seen: list[Message] = []

    async def handler(e: Message) -> None:
        seen.append(e)

    await bus.subscribe("decoder", "vanthu.registry.>", handler)
    letters: list[tuple[str, dict[str, str]]] = []
    deadline = asyncio.get_running_loop().time() + 10
    while len(letters) < 3 and asyncio.get_running_loop().time() < deadline:
        letters = await dead_letters(bus)
    assert len(letters) == 3 and not seen
    assert all("undecodable" in headers["Vanthu-Dead-Letter-Reason"] for _, headers in letters)
    assert "no event is published on vanthu.registry.thing.unknown" in letters[2][1]["Vanthu-Dead-Letter-Reason"]


async def test_killing_and_restarting_nats_mid_stream_loses_no_event(bus: EventBus, nats_server: NatsServer) -> None:
    total = 500
    received: set[int] = set()

    async def handler(e: Message) -> None:
        received.add(n_of(e))  # idempotent consumer: keyed on the event's own data

    await bus.subscribe("survivor", "vanthu.registry.>", handler)
    events = [event(n) for n in range(total)]

    async def producer() -> None:
        for e in events:
            await bus.publish(e, deadline_s=60)

    task = asyncio.create_task(producer())
    await until(lambda: len(received) >= 100, lambda: f"{len(received)} received")
    await asyncio.to_thread(nats_server.restart)  # SIGKILL, then start on the same port and store
    await task
    try:
        await until(lambda: len(received) == total, lambda: f"{len(received)} of {total}; missing "
                    f"{sorted(set(range(total)) - received)[:10]}", timeout_s=60)
    except AssertionError as error:
        info = await bus.js.consumer_info(bus.stream, "survivor")
        raise AssertionError(f"{error}; consumer: {info}") from error
    info = await bus.js.stream_info(bus.stream)
    assert info.state.messages == total  # re-publishes after the crash were deduplicated


async def test_the_consumer_continues_the_publishers_trace(bus: EventBus) -> None:
    provider = TracerProvider()
    tracer = provider.get_tracer("test")
    seen: list[int] = []

    async def handler(e: Message) -> None:
        seen.append(trace.get_current_span().get_span_context().trace_id)

    with tracer.start_as_current_span("issue document") as span:
        await bus.publish(event(99))
        published_trace = span.get_span_context().trace_id
    await bus.subscribe("traced", "vanthu.registry.>", handler)
    await until(lambda: bool(seen), lambda: str(seen))
    assert seen[0] == published_trace


async def test_a_long_handler_keeps_its_messages_from_the_other_replica(nats_server: NatsServer) -> None:
    """A verification that runs past the consumer's ack wait is not redelivered to another replica, nor is the message
    fetched with it and waiting behind it: while the handler works, the bus tells the server so (in-progress acks)."""
    replicas = [nats_server.bus(client_name=f"replica-{i}") for i in range(2)]
    calls: list[int] = []
    started = asyncio.Event()
    ack_wait_s = 1.0

    async def verify(e: Message) -> None:
        calls.append(n_of(e))
        started.set()
        if n_of(e) == 1:
            await asyncio.sleep(3.5 * ack_wait_s)  # the work itself: a long verification

    try:
        for replica in replicas:
            await replica.connect()
        await replicas[0].publish(event(1))
        await replicas[0].publish(event(2))
        await replicas[0].subscribe("long-work", "vanthu.registry.>", verify, ack_wait_s=ack_wait_s)
        await asyncio.wait_for(started.wait(), 10)  # the first replica fetched both and works on the first
        await replicas[1].subscribe("long-work", "vanthu.registry.>", verify, ack_wait_s=ack_wait_s)
        deadline = asyncio.get_running_loop().time() + 20
        while True:
            info = await replicas[0].js.consumer_info("VANTHU_EVENTS", "long-work")
            if info.ack_floor.stream_seq == 2 or asyncio.get_running_loop().time() > deadline:
                break
    finally:
        for replica in replicas:
            await replica.close()
    assert info.ack_floor.stream_seq == 2 and calls == [1, 2], (calls, info)
    assert info.num_redelivered == 0


# -- concurrency, ordering keys, giving up, draining -------------------------------------------------------------------
def keyed(n: int, key: str) -> ev.DocumentIssued:
    """An issued event whose number says which one it is and whose document id is its ordering key."""
    e = event(n)
    e.document.document_id = key
    return e


def key_of(e: Message) -> str:
    assert isinstance(e, ev.DocumentIssued)
    return e.document.document_id


async def test_a_consumer_handles_up_to_its_concurrency_at_once(bus: EventBus) -> None:
    inside: set[int] = set()
    most = [0]
    release = asyncio.Event()
    done: list[int] = []

    async def handler(e: Message) -> None:
        inside.add(n_of(e))
        most[0] = max(most[0], len(inside))
        await release.wait()
        inside.discard(n_of(e))
        done.append(n_of(e))

    for n in range(10):
        await bus.publish(event(n))
    await bus.subscribe("parallel", "vanthu.registry.>", handler, concurrency=4)
    await until(lambda: len(inside) == 4, lambda: str(inside))
    info = await bus.js.consumer_info(bus.stream, "parallel")
    assert info.config.max_ack_pending == 4
    assert info.num_ack_pending == 4 and most[0] == 4  # the server hands out no more than the slots
    release.set()
    await until(lambda: len(done) == 10, lambda: str(done))
    assert most[0] == 4 and sorted(done) == list(range(10))


async def test_a_slow_or_failing_message_does_not_hold_the_others(bus: EventBus) -> None:
    release = asyncio.Event()
    done: list[int] = []
    failures: list[int] = []

    async def handler(e: Message) -> None:
        if n_of(e) == 0:
            await release.wait()  # slow: a registry call waiting for the registry to come back
        if n_of(e) == 1:
            failures.append(1)
            raise RuntimeError("storage unavailable")
        done.append(n_of(e))

    for n in range(6):
        await bus.publish(event(n))
    await bus.subscribe("unblocked", "vanthu.registry.>", handler, concurrency=3, backoff_s=(30.0,))
    await until(lambda: sorted(done) == [2, 3, 4, 5], lambda: f"done {done}, failures {failures}")
    assert 0 not in done and failures == [1]  # the slow one is still in hand, the failing one waits for its retry
    release.set()
    await until(lambda: 0 in done, lambda: str(done))


async def test_messages_of_one_key_are_handled_in_order_and_others_meanwhile(bus: EventBus) -> None:
    release = asyncio.Event()
    log: list[str] = []

    async def handler(e: Message) -> None:
        log.append(f"start {n_of(e)}")
        if n_of(e) == 1:
            await release.wait()
        log.append(f"end {n_of(e)}")

    await bus.publish(keyed(1, "doc-a"))
    await bus.publish(keyed(2, "doc-a"))
    await bus.publish(keyed(3, "doc-b"))
    await bus.publish(keyed(4, "doc-a"))
    await bus.subscribe("ordered", "vanthu.registry.>", handler, concurrency=8, key=key_of)
    await until(lambda: "end 3" in log, lambda: str(log))
    assert "start 2" not in log and "start 4" not in log  # behind 1, which is still running
    release.set()
    await until(lambda: "end 4" in log, lambda: str(log))
    a = [line for line in log if line.split()[1] in ("1", "2", "4")]
    assert a == ["start 1", "end 1", "start 2", "end 2", "start 4", "end 4"]


async def test_a_message_does_not_overtake_an_earlier_one_of_its_key_that_failed(bus: EventBus) -> None:
    handled: list[int] = []
    tries: list[int] = []

    async def handler(e: Message) -> None:
        tries.append(n_of(e))
        if n_of(e) == 1 and tries.count(1) < 3:
            raise RuntimeError("registry unavailable")
        handled.append(n_of(e))

    await bus.publish(keyed(1, "doc-a"))  # a document
    await bus.publish(keyed(2, "doc-a"))  # its revocation
    await bus.subscribe("no-overtaking", "vanthu.registry.>", handler, concurrency=8, key=key_of,
                        backoff_s=(0.2,), max_deliver=10)
    await until(lambda: handled == [1, 2], lambda: f"handled {handled}, tries {tries}")
    assert tries.count(1) == 3


async def test_concurrent_duplicates_of_one_message_have_one_effect(bus: EventBus) -> None:
    """The same event published under two ids (a re-publish after the duplicate window) reaches the handler twice at
    once; the handler's idempotency key (a unique row) keeps one effect."""
    effects: dict[str, int] = {}
    lock = asyncio.Lock()
    both_in = asyncio.Event()
    inside: list[int] = []

    async def handler(e: Message) -> None:
        inside.append(1)
        if len(inside) >= 2:
            both_in.set()
        await both_in.wait()  # both copies in hand together
        async with lock:  # a unique key written in one transaction
            effects.setdefault(key_of(e), 0)
            if effects[key_of(e)] == 0:
                effects[key_of(e)] += 1

    first = keyed(5, "doc-dup")
    second = ev.DocumentIssued()
    second.CopyFrom(first)
    second.meta.event_id = "another-id"
    await bus.publish(first)
    await bus.publish(second)
    await bus.subscribe("duplicates", "vanthu.registry.>", handler, concurrency=8)
    await until(lambda: both_in.is_set(), lambda: str(inside))
    await until(lambda: effects.get("doc-dup") == 1, lambda: str(effects))


async def test_a_message_given_up_on_is_recorded_before_it_is_dead_lettered(bus: EventBus) -> None:
    recorded: list[tuple[int, str]] = []
    record_fails = [True]

    async def always_fails(e: Message) -> None:
        raise RuntimeError("registry unavailable")

    async def give_up(e: Message, reason: str) -> None:
        if record_fails[0]:
            record_fails[0] = False
            raise RuntimeError("database locked")  # not recorded: the message must come back, not vanish
        recorded.append((n_of(e), reason))

    await bus.publish(event(31))
    await bus.subscribe("given-up", "vanthu.registry.>", always_fails, max_deliver=2, backoff_s=(0.05,),
                        on_give_up=give_up)
    await until(lambda: bool(recorded), lambda: str(recorded))
    letters: list[tuple[str, dict[str, str]]] = []
    deadline = asyncio.get_running_loop().time() + 10
    while not letters and asyncio.get_running_loop().time() < deadline:
        letters = await dead_letters(bus)
    assert recorded[0][0] == 31 and "registry unavailable" in recorded[0][1]
    assert len(recorded) == 1 and len(letters) == 1


async def test_stop_lets_the_messages_in_hand_finish(bus: EventBus) -> None:
    started = asyncio.Event()
    release = asyncio.Event()
    done: list[int] = []

    async def handler(e: Message) -> None:
        started.set()
        await release.wait()
        done.append(n_of(e))

    await bus.publish(event(41))
    subscription = await bus.subscribe("draining", "vanthu.registry.>", handler)
    await asyncio.wait_for(started.wait(), 10)
    stopping = asyncio.create_task(subscription.stop())
    await asyncio.sleep(0.3)
    assert not stopping.done()  # waits for the message in hand
    release.set()
    await stopping
    assert done == [41]
    # the ack is a message to the server, which the consumer's info may show a moment later
    infos = [await bus.js.consumer_info(bus.stream, "draining")]
    while not (infos[-1].ack_floor.stream_seq == 1 and infos[-1].num_ack_pending == 0) and len(infos) < 100:
        await asyncio.sleep(0.05)
        infos.append(await bus.js.consumer_info(bus.stream, "draining"))
    assert infos[-1].ack_floor.stream_seq == 1 and infos[-1].num_ack_pending == 0, infos[-1]


def watch_fetches(subscription: bus_module.Subscription) -> list[str]:
    """How each of the consumer's next fetches ended ("pending" while it waits): "messages", "timed out" (its poll
    ran out) or "cancelled"."""
    real = subscription._psub.fetch
    outcomes: list[str] = []

    async def fetch(*args: object, **kwargs: object) -> object:
        outcomes.append("pending")
        index = len(outcomes) - 1
        try:
            messages = await real(*args, **kwargs)
        except asyncio.CancelledError:
            outcomes[index] = "cancelled"
            raise
        except (TimeoutError, NatsTimeoutError):
            outcomes[index] = "timed out"
            raise
        outcomes[index] = "messages"
        return messages

    subscription._psub.fetch = fetch
    return outcomes


@pytest.mark.parametrize("batched", [False, True], ids=["single", "batch"])
async def test_stop_cancels_a_consumer_waiting_for_messages_instead_of_waiting_out_its_poll(
        bus: EventBus, batched: bool) -> None:
    """At a service's stop an idle consumer holds nothing: its poll is cancelled, not waited out (a second per
    consumer at every stop). Nothing is lost: a message sent into a cancelled poll is redelivered."""
    async def handler(e: Message) -> None:
        return None

    async def batch(events: list[Message]) -> list[BaseException | None]:
        return [None] * len(events)

    options = {"batch_handler": batch} if batched else {}
    subscription = await bus.subscribe(f"idle-{'batch' if batched else 'single'}", "vanthu.registry.>", handler,
                                       **options)  # type: ignore[arg-type]
    outcomes = watch_fetches(subscription)
    await until(lambda: outcomes[-1:] == ["pending"], lambda: str(outcomes))
    await subscription.stop()
    assert outcomes[-1] == "cancelled", outcomes


async def test_closing_the_bus_stops_its_consumers_together(bus: EventBus) -> None:
    """Each consumer lets its messages in hand finish: one after another, a service's stop took their sum."""
    release = asyncio.Event()
    started: list[str] = []

    def handler(name: str) -> Callable[[Message], object]:
        async def handle(e: Message) -> None:
            started.append(name)
            await release.wait()
        return handle

    await bus.publish(event(51))
    first = await bus.subscribe("together-1", "vanthu.registry.>", handler("first"))  # type: ignore[arg-type]
    second = await bus.subscribe("together-2", "vanthu.registry.>", handler("second"))  # type: ignore[arg-type]
    await until(lambda: sorted(started) == ["first", "second"], lambda: str(started))
    closing = asyncio.create_task(bus.close())
    try:
        await until(lambda: first._stopping.is_set() and second._stopping.is_set(),
                    lambda: f"first stopping {first._stopping.is_set()}, second {second._stopping.is_set()}",
                    timeout_s=first.drain_s / 2)  # one after the other, the second waits out the first's drain
    finally:
        release.set()
        await closing


async def test_an_existing_consumer_takes_the_new_limits(bus: EventBus) -> None:
    from nats.js.api import AckPolicy, ConsumerConfig

    await bus.js.add_consumer(bus.stream, config=ConsumerConfig(
        name="upgraded", durable_name="upgraded", ack_policy=AckPolicy.EXPLICIT,
        filter_subject="vanthu.registry.>", max_deliver=6))

    async def handler(e: Message) -> None:
        return None

    await bus.subscribe("upgraded", "vanthu.registry.>", handler, concurrency=3)
    info = await bus.js.consumer_info(bus.stream, "upgraded")
    assert info.config.max_ack_pending == 3 and info.config.max_deliver == -1


async def test_the_consumers_ack_wait_is_a_setting_of_the_service(nats_server: NatsServer,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """JetStream's ack wait (after which a message a killed process had taken is delivered again) is 30 s unless
    ``VANTHU_CONSUMER_ACK_WAIT_S`` says otherwise (the fault tests' platforms set it short); the in-progress
    heartbeat follows it."""

    async def handler(e: Message) -> None:
        return None

    monkeypatch.delenv("VANTHU_CONSUMER_ACK_WAIT_S", raising=False)
    default = nats_server.bus(client_name="default")
    monkeypatch.setenv("VANTHU_CONSUMER_ACK_WAIT_S", "2.5")
    short = nats_server.bus(client_name="short")
    try:
        for each in (default, short):
            await each.connect()
        kept = await default.subscribe("ack-wait-default", "vanthu.registry.>", handler)
        shortened = await short.subscribe("ack-wait-short", "vanthu.registry.>", handler)
        default_info = await default.js.consumer_info(default.stream, "ack-wait-default")
        short_info = await short.js.consumer_info(short.stream, "ack-wait-short")
    finally:
        for each in (default, short):
            await each.close()
    assert default_info.config.ack_wait == 30.0 and kept.heartbeat_s == 10.0
    assert short_info.config.ack_wait == 2.5 and shortened.heartbeat_s == 2.5 / 3


# -- batches (issue 12) ---------------------------------------------------------------------------------------------
async def test_a_batch_consumer_hands_queued_messages_over_together_and_acks_each(bus: EventBus) -> None:
    batches: list[list[int]] = []

    async def one(e: Message) -> None:
        raise AssertionError("the single handler runs only when the batch handler raises")

    async def batch(events: list[Message]) -> list[BaseException | None]:
        batches.append([n_of(e) for e in events])
        return [None] * len(events)

    for n in range(1, 11):
        await bus.publish(event(n))
    subscription = await bus.subscribe("batches", "vanthu.registry.>", one, batch_handler=batch, batch=64,
                                       max_wait_s=0.05)
    await until(lambda: sum(map(len, batches)) >= 10, lambda: str(batches))
    assert [n for b in batches for n in b] == list(range(1, 11))
    assert len(batches) < 10 and max(map(len, batches)) > 1  # queued messages came together
    await until(lambda: subscription.in_hand == 0, lambda: str(subscription.in_hand))
    info = await bus.js.consumer_info(bus.stream, "batches")
    assert info.num_ack_pending == 0 and info.num_pending == 0  # every one acknowledged
    assert info.config.max_ack_pending == 128  # two batches in hand at once


async def test_one_poison_or_failing_message_does_not_poison_its_batch(bus: EventBus) -> None:
    done: list[int] = []
    tries: list[int] = []

    async def one(e: Message) -> None:
        raise AssertionError("not used")

    async def batch(events: list[Message]) -> list[BaseException | None]:
        outcomes: list[BaseException | None] = []
        for e in events:
            tries.append(n_of(e))
            if n_of(e) == 13:
                outcomes.append(PoisonMessage("gói tin không đọc được"))
            elif n_of(e) == 7 and tries.count(7) < 2:
                outcomes.append(RuntimeError("registry unavailable"))
            else:
                done.append(n_of(e))
                outcomes.append(None)
        return outcomes

    for n in (5, 13, 7, 8):
        await bus.publish(event(n))
    await bus.subscribe("batch-poison", "vanthu.registry.>", one, batch_handler=batch, backoff_s=(0.05,))
    await until(lambda: sorted(done) == [5, 7, 8], lambda: f"done {done}, tries {tries}")
    letters = await dead_letters(bus)
    assert len(letters) == 1 and "gói tin không đọc được" in letters[0][1]["Vanthu-Dead-Letter-Reason"]
    assert tries.count(13) == 1 and tries.count(5) == 1 and tries.count(7) == 2  # only the failed one came again


async def test_a_batch_handler_that_raises_falls_back_to_one_at_a_time(bus: EventBus) -> None:
    singles: list[int] = []

    async def one(e: Message) -> None:
        if n_of(e) == 2:
            raise PoisonMessage("hỏng")
        singles.append(n_of(e))

    async def batch(events: list[Message]) -> list[BaseException | None]:
        raise RuntimeError("the batch's transaction failed")

    for n in (1, 2, 3):
        await bus.publish(event(n))
    await bus.subscribe("batch-fallback", "vanthu.registry.>", one, batch_handler=batch)
    await until(lambda: sorted(singles) == [1, 3], lambda: str(singles))
    letters = await dead_letters(bus)
    assert len(letters) == 1 and "hỏng" in letters[0][1]["Vanthu-Dead-Letter-Reason"]


async def test_a_batch_handles_the_messages_of_one_key_in_order_in_successive_rounds(bus: EventBus) -> None:
    rounds: list[list[int]] = []
    tries: list[int] = []

    async def one(e: Message) -> None:
        raise AssertionError("not used")

    async def batch(events: list[Message]) -> list[BaseException | None]:
        rounds.append([n_of(e) for e in events])
        outcomes: list[BaseException | None] = []
        for e in events:
            tries.append(n_of(e))
            outcomes.append(RuntimeError("busy") if n_of(e) == 1 and tries.count(1) < 2 else None)
        return outcomes

    await bus.publish(keyed(1, "doc-a"))  # a document
    await bus.publish(keyed(2, "doc-a"))  # its revocation, behind it
    await bus.publish(keyed(3, "doc-b"))
    await bus.subscribe("batch-keys", "vanthu.registry.>", one, batch_handler=batch, key=key_of,
                        backoff_s=(0.2,), max_deliver=10, max_wait_s=0.1)
    await until(lambda: tries.count(2) == 1 and tries.count(1) == 2, lambda: f"rounds {rounds}")
    assert all(not ({1, 2} <= set(r)) for r in rounds)  # never in one round
    assert tries.index(2) > [i for i, n in enumerate(tries) if n == 1][1]  # 2 only after 1 succeeded
    assert tries.count(3) == 1


async def test_the_next_batch_is_handled_while_one_waits_and_follows_the_earlier_ones_of_its_keys(
        bus: EventBus) -> None:
    """Two batches in hand at once: while a batch waits (on another service), the next is fetched and handled; a
    message whose key has an earlier message in the waiting batch is handled only after that one succeeded (nak'ed
    while it failed), never overtaking it; each is acknowledged after its own batch's handler returned."""
    tries: list[int] = []
    release = asyncio.Event()

    async def one(e: Message) -> None:
        raise AssertionError("not used")

    async def batch(events: list[Message]) -> list[BaseException | None]:
        outcomes: list[BaseException | None] = []
        numbers = [n_of(e) for e in events]
        tries.extend(numbers)
        if 1 in numbers and tries.count(1) == 1:
            await release.wait()  # the first batch waits, as on the registry
        for n in numbers:
            outcomes.append(RuntimeError("registry busy") if n == 1 and tries.count(1) < 2 else None)
        return outcomes

    await bus.publish(keyed(1, "doc-a"))
    subscription = await bus.subscribe("batch-overlap", "vanthu.registry.>", one, batch_handler=batch, key=key_of,
                                       backoff_s=(0.2,), max_deliver=10, max_wait_s=0.05)
    await until(lambda: tries == [1], lambda: str(tries))
    await bus.publish(keyed(2, "doc-a"))  # behind 1, which is in hand
    await bus.publish(keyed(3, "doc-b"))
    await until(lambda: 3 in tries, lambda: str(tries))  # handled while the first batch waits
    assert 2 not in tries
    release.set()
    await until(lambda: tries.count(1) == 2 and 2 in tries, lambda: str(tries))
    assert tries.index(2) > [i for i, n in enumerate(tries) if n == 1][1]  # 2 only after 1 succeeded
    assert tries.count(2) == 1 and tries.count(3) == 1
    await until(lambda: subscription.in_hand == 0, lambda: str(subscription.in_hand))
    info = await bus.js.consumer_info(bus.stream, "batch-overlap")
    assert info.num_ack_pending == 0 and info.num_pending == 0


async def test_each_event_of_a_batch_continues_its_own_publishers_trace(bus: EventBus) -> None:
    provider = TracerProvider()
    tracer = provider.get_tracer("test")
    published: dict[int, int] = {}
    seen: dict[int, int] = {}

    async def one(e: Message) -> None:
        raise AssertionError("not used")

    async def batch(events: list[Message]) -> list[BaseException | None]:
        for e in events:
            with continuing(trace_of(e)):
                seen[n_of(e)] = trace.get_current_span().get_span_context().trace_id
        return [None] * len(events)

    for n in (1, 2, 3):
        with tracer.start_as_current_span(f"issue document {n}") as span:
            await bus.publish(event(n))
            published[n] = span.get_span_context().trace_id
    await bus.subscribe("batch-traced", "vanthu.registry.>", one, batch_handler=batch)
    await until(lambda: len(seen) == 3, lambda: str(seen))
    assert seen == published and len(set(published.values())) == 3
    assert trace_of(event(4)) == {}  # outside a batch handler: nothing


async def test_a_consumer_starts_when_jetstream_times_out_at_first(bus: EventBus,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A busy server's first answer times out (seen on a loaded node: the workflow service exited while starting);
    the consumer asks again, starts and handles what was waiting."""
    real_add = bus.js.add_consumer
    calls: list[str] = []

    async def slow_at_first(*args: object, **kwargs: object) -> object:
        calls.append("add_consumer")
        if len(calls) == 1:
            raise NatsTimeoutError
        return await real_add(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bus.js, "add_consumer", slow_at_first)
    handled: list[int] = []

    async def handler(e: Message) -> None:
        handled.append(n_of(e))

    await bus.publish(event(41))
    await bus.subscribe("after-a-timeout", "vanthu.registry.>", handler)
    await until(lambda: handled == [41], lambda: str(handled))
    assert calls == ["add_consumer", "add_consumer"]


async def test_a_consumer_gives_up_starting_after_its_attempts(bus: EventBus, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that never answers: the start raises the timeout after ``START_ATTEMPTS`` tries (the service exits
    and its supervisor restarts it), and no consumer task is left running."""
    calls: list[str] = []

    async def never(*args: object, **kwargs: object) -> object:
        calls.append("add_consumer")
        raise NatsTimeoutError

    monkeypatch.setattr(bus.js, "add_consumer", never)
    monkeypatch.setattr(bus_module, "wait_exponential", lambda **_: (lambda state: 0.0))
    with pytest.raises(NatsTimeoutError):
        await bus.subscribe("never-answered", "vanthu.registry.>", lambda e: asyncio.sleep(0))
    assert len(calls) == bus_module.START_ATTEMPTS


async def test_a_lone_message_does_not_wait_for_a_batch_to_form(bus: EventBus) -> None:
    """To an idle consumer, with nothing queued behind it: handed over at once, not after ``max_wait_s`` (a minute
    here, longer than the check waits); messages queued together still come together, and while a batch is in hand
    the next one waits to form (the tests around)."""
    batches: list[list[int]] = []

    async def one(e: Message) -> None:
        raise AssertionError("not used")

    async def batch(events: list[Message]) -> list[BaseException | None]:
        batches.append([n_of(e) for e in events])
        return [None] * len(events)

    await bus.subscribe("batch-lone", "vanthu.registry.>", one, batch_handler=batch, batch=64, max_wait_s=60)
    await bus.publish(event(1))
    await until(lambda: batches == [[1]], lambda: str(batches))
    await bus.publish(event(2))
    await until(lambda: batches == [[1], [2]], lambda: str(batches))
