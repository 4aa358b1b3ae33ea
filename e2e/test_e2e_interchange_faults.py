"""Interchange under faults, on a platform of its own (so the shared one is not disturbed): UBND tỉnh's clerk issues
letters to Sở Nội vụ and Phường Long Châu while a process dies or nats-server restarts, or a package comes twice.
Each scenario then counts, in three places, that nothing was lost and nothing duplicated:

- the recipients' registries (through the gateway): exactly one arrival per letter (by its number and symbol);
- the sender's deliveries (``GET /api/v1/documents/{id}/deliveries``): one delivery per recipient, statuses ``["01"]``;
- interchange's own tables (read-only from its SQLite file): one edoc package per letter, one receipt per recipient,
  one status-01 answer per receipt.

The counts are checked once everything has arrived and again once the platform is quiet (interchange's consumers
have nothing pending or unacknowledged, every outbox is published), so a late duplicate is caught too.
Polling with deadlines; the deadlines allow for JetStream's redelivery after the ack wait of a message a killed
process had taken. This platform's consumers have a short ack wait (:data:`ACK_WAIT_S`; 30 s in production), so a
scenario waits seconds, not half a minute, for what a killed interchange had taken; the in-progress heartbeat follows
it, so a long handler is not redelivered for it.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import nats
import nats.js.errors
import pytest

from vanthu.interchange.v1 import events_pb2 as interchange_events
from vanthu.registry.v1 import events_pb2 as registry_events
from vanthu_core.bus import EventBus
from vanthu_core.events import decode, new_meta
from vanthu_core.ids import new_id
from vanthu_core.subjects import (
    DEAD_LETTER_STREAM,
    EVENTS_STREAM,
    INTERCHANGE_DISPATCHED,
    INTERCHANGE_ISSUED,
    REGISTRY_DOCUMENT_ISSUED,
)
from vanthu_devstack import Stack, StackConfig
from vanthu_testing import gateway
from vanthu_testing.gateway import logins

pytestmark = pytest.mark.e2e
UBND, SNV, LONG_CHAU = "000.00.00.H61", "000.00.02.H61", "000.00.41.H61"
RECIPIENTS = [{"agency_code": SNV, "name": "Sở Nội vụ"}, {"agency_code": LONG_CHAU, "name": "Phường Long Châu"}]
CLERKS = {SNV: "vanthu.snv", LONG_CHAU: "vanthu.longchau"}
#: JetStream's ack wait of this platform's consumers (``VANTHU_CONSUMER_ACK_WAIT_S``): how soon a message a killed
#: process had taken is delivered again.
ACK_WAIT_S = 3
#: The waits before each retry of a failing message on this platform (``VANTHU_CONSUMER_BACKOFF_S``; 0.5, 2 and 10 s
#: in production): an outage outlasts them in seconds instead of half a minute.
BACKOFF_S = (0.2, 0.5, 1.0)
#: Enough for a redelivery after JetStream's ack wait (30 s in production) and a restart.
DEADLINE_S = 120.0
OUTBOX_SERVICES = ("registry", "storage", "signing", "interchange")


# -- the platform of this module ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    config = StackConfig.for_tests(tmp_path_factory.mktemp("vanthu-faults") / "var")
    config.extra_env["VANTHU_CONSUMER_ACK_WAIT_S"] = str(ACK_WAIT_S)
    config.extra_env["VANTHU_CONSUMER_BACKOFF_S"] = ",".join(map(str, BACKOFF_S))
    with Stack(config) as own:
        yield own


@pytest.fixture(scope="module")
def token(stack: Stack) -> Callable[[str], dict[str, str]]:
    return logins(stack.issuer)


@pytest.fixture
def api(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=120) as client:
        yield client


# -- helpers ---------------------------------------------------------------------------------------------------------
def wait_for(check: Callable[[], Any], what: str, timeout_s: float = DEADLINE_S) -> Any:
    return gateway.wait_for(check, what, timeout_s, interval_s=0.25)


def signed_letters(api: httpx.Client, token: Callable[[str], dict[str, str]], count: int, label: str) -> list[str]:
    """``count`` letters of UBND tỉnh to Sở Nội vụ and Long Châu, drafted, submitted and signed (not issued yet)."""
    from vanthu_testing.documents import draft_pdf

    officer, leader = token("chuyenvien.ubnd"), token("lanhdao.ubnd")
    ids = []
    for index in range(count):
        doc_id = gateway.draft_with_file(api, officer, draft_pdf(), f"V/v kiểm thử sự cố liên thông ({label}, văn bản "
                                         f"{index + 1})", RECIPIENTS)["id"]
        assert api.post(f"/api/v1/documents/{doc_id}/submit", headers=officer).status_code == 200
        signed = api.post(f"/api/v1/documents/{doc_id}/sign", headers=leader)
        assert signed.status_code == 200, signed.text
        ids.append(doc_id)
    return ids


def issue(stack: Stack, token: Callable[[str], dict[str, str]], doc_id: str) -> str:
    """Issue one signed letter (its own client: issues run in parallel); its number and symbol."""
    clerk = token("vanthu.ubnd")
    with httpx.Client(base_url=stack.gateway_url, timeout=120) as client:
        issued = client.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk,
                             json=gateway.general_register(client, clerk))
        assert issued.status_code == 200, issued.text
        return str(issued.json()["number_symbol"])


def issue_all(stack: Stack, token: Callable[[str], dict[str, str]], ids: list[str]) -> dict[str, str]:
    """Issue the letters at once (two at a time); document id → number and symbol."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(ids, pool.map(lambda d: issue(stack, token, d), ids), strict=True))


def arrivals(api: httpx.Client, token: Callable[[str], dict[str, str]], recipient: str) -> Counter[str]:
    """How many incoming documents from UBND tỉnh the recipient's registry holds, per number and symbol."""
    found = api.get("/api/v1/documents", headers=token(CLERKS[recipient]),
                    params={"direction": "incoming", "issuing_agency_code": UBND, "page_size": 500})
    assert found.status_code == 200, found.text
    return Counter(d["number_symbol"] for d in found.json()["items"])


def timeline(api: httpx.Client, token: Callable[[str], dict[str, str]], doc_id: str) -> list[dict[str, Any]]:
    reply = api.get(f"/api/v1/documents/{doc_id}/deliveries", headers=token("vanthu.ubnd"))
    assert reply.status_code == 200, reply.text
    return list(reply.json())


def interchange_db(stack: Stack) -> sqlite3.Connection:
    path: Path = stack.var / "interchange" / "interchange.db"
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


def interchange_counts(stack: Stack, doc_id: str) -> dict[str, Any]:
    """Interchange's own record of one letter: its edoc packages and deliveries, the receipts per recipient and the
    status-01 answers per recipient."""
    with interchange_db(stack) as db:
        packages = db.execute("SELECT count(DISTINCT package_id) FROM deliveries WHERE kind = 'edoc' AND "
                              "document_id = ?", (doc_id,)).fetchone()[0]
        deliveries = Counter(code for (code,) in db.execute(
            "SELECT recipient_code FROM deliveries WHERE kind = 'edoc' AND document_id = ?", (doc_id,)))
        receipts = db.execute(
            "SELECT r.recipient_code, r.outcome, r.document_id FROM receipts r JOIN deliveries d ON "
            "d.package_id = r.package_id AND d.recipient_code = r.recipient_code "
            "WHERE d.kind = 'edoc' AND d.document_id = ?", (doc_id,)).fetchall()
        answers: Counter[str] = Counter()
        for recipient, _outcome, arrival_id in receipts:
            answers[recipient] += db.execute(
                "SELECT count(*) FROM deliveries WHERE kind = 'status' AND status_code = '01' AND document_id = ?",
                (arrival_id,)).fetchone()[0]
    return {"packages": packages, "deliveries": dict(deliveries),
            "receipts": dict(Counter(r for r, _, _ in receipts)),
            "accepted": sorted(r for r, outcome, _ in receipts if outcome == "accepted"), "answers_01": dict(answers)}


ONCE = {SNV: 1, LONG_CHAU: 1}
EXPECTED_INTERCHANGE = {"packages": 1, "deliveries": ONCE, "receipts": ONCE, "accepted": sorted(ONCE),
                        "answers_01": ONCE}


def all_delivered(api: httpx.Client, token: Callable[[str], dict[str, str]], stack: Stack,
                  issued: dict[str, str]) -> bool:
    for recipient in (SNV, LONG_CHAU):
        held = arrivals(api, token, recipient)
        if any(held[number] < 1 for number in issued.values()):
            return False
    for doc_id in issued:
        statuses = {d["recipient_code"]: [s["code"] for s in d["statuses"]] for d in timeline(api, token, doc_id)}
        if any(not statuses.get(r) for r in ONCE):
            return False
    return True


async def _consumers_idle(stack: Stack) -> bool:
    connection = await nats.connect(stack.nats_url, user="admin", password=stack.nats_password("admin"),
                                    allow_reconnect=False, connect_timeout=2)
    try:
        js = connection.jetstream(timeout=5)
        for consumer in (INTERCHANGE_ISSUED, INTERCHANGE_DISPATCHED):
            info = await js.consumer_info(EVENTS_STREAM, consumer.durable)
            if info.num_pending or info.num_ack_pending:
                return False
        return True
    finally:
        await connection.close()


async def _ack_pending(stack: Stack, durable: str) -> int:
    """Messages the consumer ``durable`` holds: delivered to it and not acknowledged yet."""
    connection = await nats.connect(stack.nats_url, user="admin", password=stack.nats_password("admin"),
                                    allow_reconnect=False, connect_timeout=2)
    try:
        return int((await connection.jetstream(timeout=5).consumer_info(EVENTS_STREAM, durable)).num_ack_pending)
    finally:
        await connection.close()


async def _dead_letters(stack: Stack) -> int:
    connection = await nats.connect(stack.nats_url, user="admin", password=stack.nats_password("admin"),
                                    allow_reconnect=False, connect_timeout=2)
    try:
        return int((await connection.jetstream(timeout=5).stream_info(DEAD_LETTER_STREAM)).state.messages)
    finally:
        await connection.close()


def published(stack: Stack, services: tuple[str, ...] = OUTBOX_SERVICES) -> bool:
    """The outboxes of ``services`` hold no unpublished event."""
    for name in services:
        path = stack.var / name / f"{name}.db"
        if path.exists():
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
                if db.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0]:
                    return False
    return True


def quiet(stack: Stack) -> bool:
    """Interchange's consumers have nothing left to do and every outbox is published."""
    if not published(stack):
        return False
    try:
        return asyncio.run(_consumers_idle(stack))
    except Exception:
        return False


def assert_exactly_once(api: httpx.Client, token: Callable[[str], dict[str, str]], stack: Stack,
                        issued: dict[str, str]) -> None:
    """Every letter arrived once at each recipient, the sender has one delivery per recipient with one 01, and
    interchange holds one package, one receipt and one 01 answer per recipient; again once the platform is quiet."""
    wait_for(lambda: all_delivered(api, token, stack, issued), f"every letter at every recipient ({issued})")
    for attempt in ("delivered", "quiet"):
        if attempt == "quiet":
            wait_for(lambda: quiet(stack), "interchange's consumers idle and the outboxes published", 90)
        for recipient in (SNV, LONG_CHAU):
            held = arrivals(api, token, recipient)
            assert {n: held[n] for n in issued.values()} == dict.fromkeys(issued.values(), 1), (recipient, held)
        for doc_id, number in issued.items():
            deliveries = timeline(api, token, doc_id)
            assert Counter(d["recipient_code"] for d in deliveries) == Counter(ONCE), (number, deliveries)
            assert {d["recipient_code"]: [s["code"] for s in d["statuses"]] for d in deliveries} == {
                SNV: ["01"], LONG_CHAU: ["01"]}, (number, deliveries)
            assert all(d["state"] == "sent" for d in deliveries), deliveries
            assert interchange_counts(stack, doc_id) == EXPECTED_INTERCHANGE, number
    # nothing given up on: a dead letter would be a letter or an answer lost to its recipient
    assert asyncio.run(_dead_letters(stack)) == 0


# -- the scenarios ---------------------------------------------------------------------------------------------------
def test_this_platforms_consumers_redeliver_after_the_short_ack_wait(stack: Stack) -> None:
    """The services read ``VANTHU_CONSUMER_ACK_WAIT_S``: interchange's consumers wait :data:`ACK_WAIT_S` seconds,
    not 30, for a message a killed process had taken (the scenarios below would pass, half a minute slower each)."""

    async def ack_waits() -> dict[str, float]:
        connection = await nats.connect(stack.nats_url, user="admin", password=stack.nats_password("admin"),
                                        allow_reconnect=False, connect_timeout=2)
        try:
            js = connection.jetstream(timeout=5)
            return {consumer.durable: (await js.consumer_info(EVENTS_STREAM, consumer.durable)).config.ack_wait or 0.0
                    for consumer in (INTERCHANGE_ISSUED, INTERCHANGE_DISPATCHED)}
        finally:
            await connection.close()

    waits = wait_for(lambda: asyncio.run(ack_waits()), "interchange's consumers declared", 60)
    assert waits == {INTERCHANGE_ISSUED.durable: ACK_WAIT_S, INTERCHANGE_DISPATCHED.durable: ACK_WAIT_S}


def test_interchange_killed_while_deliveries_are_in_flight(
        stack: Stack, api: httpx.Client, token: Callable[[str], dict[str, str]]) -> None:
    """SIGKILL of interchange as soon as the first of several letters has arrived; restarted, it finishes the rest
    (the messages it had taken come again after the ack wait) without doubling what it had done."""
    ids = signed_letters(api, token, 4, "interchange bị dừng đột ngột")
    with ThreadPoolExecutor(max_workers=1) as pool:
        issuing = pool.submit(issue_all, stack, token, ids)
        wait_for(lambda: sum(arrivals(api, token, SNV).values()) + sum(arrivals(api, token, LONG_CHAU).values()),
                 "a first arrival")
        stack.stop_service("interchange", kill=True)
        at_kill = {r: sum(arrivals(api, token, r).values()) for r in ONCE}
        issued = issuing.result()
    print(f"interchange killed with {at_kill} of {len(ids)} letters each arrived")  # shown with -s
    stack.start_service("interchange")
    assert_exactly_once(api, token, stack, issued)


def test_nats_server_restarted_mid_way(
        stack: Stack, api: httpx.Client, token: Callable[[str], dict[str, str]]) -> None:
    """nats-server stopped while letters are being issued and delivered, and started again: the outboxes publish
    what was committed meanwhile, the consumers go on where they were."""
    ids = signed_letters(api, token, 4, "máy chủ NATS khởi động lại")
    before = sum(arrivals(api, token, SNV).values())
    with ThreadPoolExecutor(max_workers=1) as pool:
        issuing = pool.submit(issue_all, stack, token, ids)
        wait_for(lambda: sum(arrivals(api, token, SNV).values()) > before, "a first arrival")
        stack.stop_service("nats", kill=True)
        time.sleep(1.0)  # the services notice the loss (a fault, not a wait for a result)
        stack.start_service("nats")
        issued = issuing.result()
    assert_exactly_once(api, token, stack, issued)


def test_the_same_package_delivered_twice(
        stack: Stack, api: httpx.Client, token: Callable[[str], dict[str, str]]) -> None:
    """The issued event and the package's dispatch come again as new messages (new message ids, so JetStream's
    deduplication does not hide them): the sender writes no second package, the receiver no second arrival and no
    second 01."""
    [doc_id] = signed_letters(api, token, 1, "gói tin đến hai lần")
    issued = issue_all(stack, token, [doc_id])
    assert_exactly_once(api, token, stack, issued)
    with interchange_db(stack) as db:
        packages = db.execute("SELECT package_id, recipient_code FROM deliveries WHERE kind = 'edoc' AND "
                              "document_id = ?", (doc_id,)).fetchall()

    async def again() -> None:
        admin = await nats.connect(stack.nats_url, user="admin", password=stack.nats_password("admin"))
        try:
            last = await admin.jetstream().get_last_msg(EVENTS_STREAM, REGISTRY_DOCUMENT_ISSUED)
        finally:
            await admin.close()
        original = decode(REGISTRY_DOCUMENT_ISSUED, last.data or b"")
        assert isinstance(original, registry_events.DocumentIssued)
        assert original.document.document_id == doc_id
        original.meta.event_id = new_id()  # the same event, delivered again as a new message
        registry = EventBus(stack.nats_url, client_name="fault-test-registry", user="registry",
                            password=stack.nats_password("registry"))
        await registry.connect()
        try:
            await registry.publish(original)
        finally:
            await registry.close()
        interchange = EventBus(stack.nats_url, client_name="fault-test-interchange", user="interchange",
                               password=stack.nats_password("interchange"))
        await interchange.connect()
        try:
            for package_id, recipient in packages:
                for _ in range(2):
                    await interchange.publish(interchange_events.PackageDispatched(
                        meta=new_meta(actor="vanthu-interchange", agency=recipient), package_id=package_id,
                        kind="edoc", sender_code=UBND, recipient_code=recipient))
        finally:
            await interchange.close()

    asyncio.run(again())
    time.sleep(0.5)  # let the consumers take the new messages before asking whether they are idle
    assert_exactly_once(api, token, stack, issued)


def test_a_crash_between_commit_and_publish(
        stack: Stack, api: httpx.Client, token: Callable[[str], dict[str, str]]) -> None:
    """The registry commits the issuing and its DocumentIssued event while nats-server is down, so the event stays
    in its outbox; the registry is killed before its relay could publish it. Once both are back, the event goes
    out once and the letter arrives once."""
    [doc_id] = signed_letters(api, token, 1, "sự cố giữa ghi và phát sự kiện")
    stack.stop_service("nats", kill=True)
    try:
        issued = issue_all(stack, token, [doc_id])
        with sqlite3.connect(f"file:{stack.var / 'registry' / 'registry.db'}?mode=ro", uri=True) as db:
            unpublished = db.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL AND subject = ?",
                                     (REGISTRY_DOCUMENT_ISSUED,)).fetchone()[0]
        assert unpublished == 1, "the issued event should be committed and not published yet"
        stack.stop_service("registry", kill=True)
    finally:
        stack.start_service("nats")
    stack.start_service("registry")
    assert_exactly_once(api, token, stack, issued)
    # nothing stays stuck in the killed registry's outbox. Waited for: the arrivals' signature reports come back to
    # the registry after the letters arrived (signing verifies after arrival), and each report's event is committed
    # a moment before the relay publishes it; a clean-clone run once read one in between
    wait_for(lambda: published(stack, ("registry",)), "the registry's outbox published")

    async def issued_events() -> int:
        admin = await nats.connect(stack.nats_url, user="admin", password=stack.nats_password("admin"))
        try:
            js = admin.jetstream()
            info = await js.stream_info(EVENTS_STREAM)
            found = 0
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                try:
                    msg = await js.get_msg(EVENTS_STREAM, seq)
                except nats.js.errors.NotFoundError:  # a gap: a message deleted
                    msg = None
                if msg is not None and msg.subject == REGISTRY_DOCUMENT_ISSUED:
                    event = decode(msg.subject, msg.data or b"")
                    assert isinstance(event, registry_events.DocumentIssued)
                    found += event.document.document_id == doc_id
            return found
        finally:
            await admin.close()

    assert asyncio.run(issued_events()) == 1, "the issued event should be in the stream exactly once"


def test_interchange_crashes_between_its_commit_and_its_publish(
        stack: Stack, api: httpx.Client, token: Callable[[str], dict[str, str]]) -> None:
    """Interchange takes a batch of issued letters and commits their packages while nats-server is gone, so their
    PackageDispatched events stay in its outbox (and the issued events unacknowledged); it is killed then. Started
    again, its relay publishes them once, the issued events that come again change nothing, each letter arrives
    once.

    To commit with nats-server gone, interchange must hold the letters first: storage (which it reads the files
    from before it commits) is frozen while interchange takes every issued event, nats-server is killed, and only
    then storage answers. (Racing the kill against interchange's commits lost when it sent them all at once.)"""
    ids = signed_letters(api, token, 5, "interchange dừng giữa ghi và phát")
    stack.stop_service("interchange")
    issued = issue_all(stack, token, ids)
    wait_for(lambda: published(stack, ("registry",)), "the issued events in JetStream", 60)

    def committed() -> tuple[int, int]:
        """Letters whose package interchange has committed, and its unpublished outbox rows."""
        with interchange_db(stack) as db:
            marks = ",".join("?" * len(ids))
            sent = db.execute(f"SELECT count(DISTINCT document_id) FROM deliveries WHERE kind = 'edoc' AND "  # noqa: S608
                              f"document_id IN ({marks})", ids).fetchone()[0]
            return sent, db.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0]

    try:
        with stack.paused("storage"):
            stack.start_service("interchange")
            wait_for(lambda: asyncio.run(_ack_pending(stack, INTERCHANGE_ISSUED.durable)) == len(ids),
                     "interchange holding every issued letter", 60)
            assert committed()[0] == 0, "no package can be built while storage is frozen"
            stack.stop_service("nats", kill=True)
        wait_for(lambda: committed()[0] == len(ids), "every package committed with nats-server down", 60)
        unpublished = committed()[1]
        assert unpublished >= len(ids), "each letter's PackageDispatched events should be committed, not published"
        stack.stop_service("interchange", kill=True)
    finally:
        if stack.process("nats").popen.poll() is not None:
            stack.start_service("nats")
    stack.start_service("interchange")
    assert_exactly_once(api, token, stack, issued)


def test_interchange_crashes_in_the_middle_of_a_batch(
        stack: Stack, api: httpx.Client, token: Callable[[str], dict[str, str]]) -> None:
    """Interchange's receiver takes a batch of packages in: it has storage copy their files and the registry record
    every arrival (RecordArrivals, one transaction there), and is killed before its own transaction (the receipts and
    their 01s) commits. Started again, the packages come again: the registry finds each arrival by its key, each
    letter arrives once, each recipient answers one 01.

    To hold the receiver between the registry's commit and its own: the sender's batch commits its packages while
    nats-server is gone (storage frozen while interchange takes every issued event, as in the test above), then this
    test holds interchange's database's write lock, and only then comes nats-server back: the packages' dispatch goes
    out, the receiver's batch records its arrivals in the registries and waits for the lock; interchange is killed
    there."""
    ids = signed_letters(api, token, 5, "interchange dừng giữa một lô")
    stack.stop_service("interchange")
    issued = issue_all(stack, token, ids)
    wait_for(lambda: published(stack, ("registry",)), "the issued events in JetStream", 60)
    lock: sqlite3.Connection | None = None
    try:
        with stack.paused("storage"):
            stack.start_service("interchange")
            wait_for(lambda: asyncio.run(_ack_pending(stack, INTERCHANGE_ISSUED.durable)) == len(ids),
                     "interchange holding every issued letter", 60)
            stack.stop_service("nats", kill=True)
        wait_for(lambda: packages_committed(stack, ids) == len(ids), "every package committed with nats-server down",
                 60)
        lock = sqlite3.connect(stack.var / "interchange" / "interchange.db", isolation_level=None, timeout=60)
        lock.execute("BEGIN IMMEDIATE")  # interchange's next write transaction waits for this one
        stack.start_service("nats")
        # The receiver's first batch records its arrivals, then waits for the lock; how many packages it holds
        # depends on how fast the relay publishes them (the batches after it wait behind it)
        wait_for(lambda: sum(arrivals(api, token, r)[n] for r in ONCE for n in issued.values()) > 0,
                 "a batch's arrivals recorded in the registries", 90)
        with interchange_db(stack) as db:
            marks = ",".join("?" * len(ids))
            taken_in = db.execute(f"SELECT count(*) FROM receipts r JOIN deliveries d ON d.package_id = r.package_id "  # noqa: S608
                                  f"WHERE d.kind = 'edoc' AND d.document_id IN ({marks})", ids).fetchone()[0]
        assert taken_in == 0, "the receipts should wait for the lock, after the registry's commit"
        stack.stop_service("interchange", kill=True)
    finally:
        if lock is not None:
            lock.rollback()
            lock.close()
        if stack.process("nats").popen.poll() is not None:
            stack.start_service("nats")
    stack.start_service("interchange")
    assert_exactly_once(api, token, stack, issued)


def packages_committed(stack: Stack, ids: list[str]) -> int:
    """How many of the letters ``ids`` interchange has committed a package of."""
    with interchange_db(stack) as db:
        marks = ",".join("?" * len(ids))
        return int(db.execute(f"SELECT count(DISTINCT document_id) FROM deliveries WHERE kind = 'edoc' AND "  # noqa: S608
                              f"document_id IN ({marks})", ids).fetchone()[0])


#: Longer than the consumers' redeliveries take before a message is dead-lettered (five deliveries: the waits of
#: :data:`BACKOFF_S`, the last repeated, 2.7 s), three times over.
OUTAGE_S = 3 * (sum(BACKOFF_S) + BACKOFF_S[-1])


def test_the_registry_down_for_a_while(
        stack: Stack, api: httpx.Client, token: Callable[[str], dict[str, str]]) -> None:
    """The registry (which interchange reads the issued letter from and records the arrival in) is down for longer
    than the consumers' redeliveries before a dead letter; once it is back, the letters go out and arrive once."""
    ids = signed_letters(api, token, 2, "sổ đăng ký tạm ngừng")
    stack.stop_service("interchange")
    issued = issue_all(stack, token, ids)
    wait_for(lambda: published(stack, ("registry",)), "the issued events in JetStream", 60)
    stack.stop_service("registry")
    stack.start_service("interchange")
    time.sleep(OUTAGE_S)  # the fault lasts this long (interchange tries meanwhile)
    stack.start_service("registry")
    assert_exactly_once(api, token, stack, issued)
