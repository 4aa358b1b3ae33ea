"""Search freshness (issue 15: a registered document is searchable within 2 s of its registration), on the whole
platform (the devstack: nats-server, the issuer, every service and the gateway, each a process), same run.

Project: văn bản đến created through the gateway by Sở Nội vụ's clerk (real trích yếu, with tones, each holding a
number of its own), then registered (vào sổ) through the gateway; from the moment the register call returns (the
registry has committed the registration and its DocumentRegistered event; its outbox relay publishes it right after)
until a search through the gateway's ``/api/v1/search``, as the same clerk, by a word of the trích yếu (its number)
and ``status=registered`` finds it (the draft's own indexing, which comes earlier, does not count). The path: registry
outbox → JetStream → search's durable consumer ``search-documents`` (reads the document from the registry, its files
from storage, writes Tantivy, commits, reloads the searcher) → the gateway's search. One poller searches, one search
at a time (so that the searches do not load the platform they measure), then waits ``--poll-ms`` ms: the time found is
when the finding reply returned (a resolution of one round of searches plus the wait).

- steady: ``--n`` documents registered at ``--rate`` per second (one after the other: a registration slower than
  1/rate delays the next), each searched by its own number until found;
- burst: ``--n`` documents registered as fast as the registry takes them (``--clients`` at once), all found by one
  word they share (pages of 100 read at each poll); each document's time from its own register call's return.

Baseline, same documents, same searches: the time from the registry's DocumentRegistered event delivered by
JetStream (an ephemeral push consumer of the NATS admin, no acknowledgements, on
``vanthu.registry.document.registered``, a subject search's consumer reads) until the same search finds the
document. That takes off the registry's commit-to-publish (outbox relay) and leaves the indexer's own cost (consumer
fetch, registry read, text extraction, Tantivy's commit and reader reload) plus one search; the answer → event lag is
printed apart (often negative: the relay publishes before the gateway's answer is back). The rows print
project/baseline as their ratio; the aim (issue 15): p99 ≤ 2 s. Search's consumer takes ``--batch`` events at once
(one index commit each; 1: one at a time, as before the batches), printed with the rows. Before each phase the drafts
are made (not measured) and search's consumer has caught up with their events, so only registrations are in flight.
The machine's 1-minute load average is printed with the rows (the platform's processes share its 2 cores with
whatever else runs).
Afterwards another agency's clerk (UBND tỉnh) searches the same word: it must find and count nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import nats
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

sys.path.insert(0, str(Path(__file__).parent))
from _common import report

from vanthu_core.events import decode
from vanthu_core.streams import EVENTS_STREAM
from vanthu_core.subjects import REGISTRY_DOCUMENT_REGISTERED, SEARCH_DOCUMENTS
from vanthu_devstack import Stack, StackConfig
from vanthu_search.settings import SearchSettings

TOPIC = "search"
SNV, UBND = "000.00.02.H61", "000.00.00.H61"
AIM_MS = 2000.0
#: Trích yếu of văn bản đến as a Sở receives them; ``{n}``: the document's own number, ``{tag}``: the phase's word.
ABSTRACTS = [
    "V/v kiểm định chất lượng nước sinh hoạt đợt {tag} số {n}",
    "V/v tăng cường công tác phòng, chống thiên tai mùa mưa bão đợt {tag} số {n}",
    "V/v góp ý dự thảo quy định chức năng, nhiệm vụ của Sở Nội vụ đợt {tag} số {n}",
    "V/v tuyển dụng công chức cấp xã năm 2026 đợt {tag} số {n}",
    "V/v báo cáo tình hình thực hiện cải cách hành chính quý IV đợt {tag} số {n}",
    "V/v triển khai chuyển đổi số trong cơ quan nhà nước đợt {tag} số {n}",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


class Events:
    """The registry's DocumentRegistered events as the NATS admin sees them on the subject: document id → the
    wall-clock time each arrived (a thread with its own event loop)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.seen: dict[str, float] = {}
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()
        self._nc: Any = None
        asyncio.run_coroutine_threadsafe(self._subscribe(), self._loop).result(timeout=30)

    async def _subscribe(self) -> None:
        self._nc = await nats.connect(self.stack.nats_url, user="admin", password=self.stack.nats_password("admin"))

        async def seen(msg: Any) -> None:
            at = time.time()
            event: Any = decode(msg.subject, msg.data)
            self.seen.setdefault(event.document.document_id, at)

        # the admin may read the stream (not the core subjects): an ephemeral push consumer, no acknowledgements
        await self._nc.jetstream().subscribe(
            REGISTRY_DOCUMENT_REGISTERED,
            cb=seen,
            stream=EVENTS_STREAM,
            manual_ack=True,
            config=ConsumerConfig(ack_policy=AckPolicy.NONE, deliver_policy=DeliverPolicy.NEW),
        )
        await self._nc.flush()

    def search_pending(self) -> int:
        """Messages search's consumer has not acknowledged yet (waiting or in hand)."""

        async def read() -> int:
            info = await self._nc.jetstream().consumer_info(EVENTS_STREAM, SEARCH_DOCUMENTS.durable)
            return int(info.num_pending or 0) + int(info.num_ack_pending or 0)

        return asyncio.run_coroutine_threadsafe(read(), self._loop).result(timeout=30)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self._nc.close(), self._loop).result(timeout=30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


class Platform:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.tokens: dict[str, dict[str, str]] = {}
        self.local = threading.local()

    @property
    def api(self) -> httpx.Client:
        """One client per thread (connections kept)."""
        if not hasattr(self.local, "api"):
            self.local.api = httpx.Client(base_url=self.stack.gateway_url, timeout=60)
        client: httpx.Client = self.local.api
        return client

    def auth(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            reply = httpx.post(
                f"{self.stack.issuer}/protocol/openid-connect/token",
                data={
                    "grant_type": "password",
                    "client_id": "vanthu-web",
                    "username": username,
                    "password": "vanthu-dev",
                },
            )
            reply.raise_for_status()
            self.tokens[username] = {"Authorization": f"Bearer {reply.json()['access_token']}"}
        return self.tokens[username]

    def register_id(self) -> str:
        registers = self.api.get("/api/v1/registers", headers=self.auth("vanthu.snv"), params={"direction": "incoming"})
        registers.raise_for_status()
        return str(next(r["id"] for r in registers.json() if not r["type_codes"]))

    def draft(self, tag: str, n: int) -> str:
        """A văn bản đến of UBND tỉnh received by Sở Nội vụ, not registered yet (not measured)."""
        created = self.api.post(
            "/api/v1/documents",
            headers=self.auth("vanthu.snv"),
            json={
                "direction": "incoming",
                "type_code": "cong_van",
                "abstract": ABSTRACTS[n % len(ABSTRACTS)].format(tag=tag, n=n),
                "sender": {
                    "agency_code": UBND,
                    "agency_name": "UBND tỉnh Vĩnh Long",
                    "number_symbol": f"{n}/UBND-KGVX",
                    "document_date": "2026-11-25",
                },
            },
        )
        created.raise_for_status()
        return str(created.json()["id"])

    def register(self, doc_id: str, register_id: str) -> float:
        """Register (vào sổ) the arrival; the wall-clock time the call returned."""
        registered = self.api.post(
            f"/api/v1/documents/{doc_id}/register", headers=self.auth("vanthu.snv"), json={"register_id": register_id}
        )
        registered.raise_for_status()
        return time.time()

    def found(self, word: str, username: str = "vanthu.snv") -> tuple[set[str], int]:
        """The registered documents a search by ``word`` finds (every page of 100), and the total counted."""
        ids: set[str] = set()
        cursor, total = "", 0
        while True:
            reply = self.api.get(
                "/api/v1/search",
                headers=self.auth(username),
                params={"q": word, "status": "registered", "limit": 100, "cursor": cursor},
            )
            reply.raise_for_status()
            body = reply.json()
            total = int(body["total"])
            ids.update(h["document_id"] for h in body["hits"])
            cursor = body.get("next_cursor") or ""
            if not cursor or not body["hits"]:
                return ids, total


def wait(what: str, done: Callable[[], bool], timeout_s: float = 300.0, period_s: float = 0.05) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {timeout_s:.0f} s")
        time.sleep(period_s)


def drafts(platform: Platform, events: Events, count: int, tag: str) -> list[tuple[int, str]]:
    """``count`` drafts numbered ``tag``-wise; returns once search's consumer has handled their events."""
    numbers = [int(tag) * 1000 + i for i in range(count)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        ids = list(pool.map(lambda n: platform.draft(tag, n), numbers))
    wait("search's consumer catching up with the drafts", lambda: events.search_pending() == 0)
    return list(zip(numbers, ids, strict=True))


def steady(
    platform: Platform, events: Events, register_id: str, tag: str, n: int, rate: float, poll_s: float
) -> tuple[dict[str, float], dict[str, float]]:
    """Documents registered at ``rate`` per second; one poller searches each registered document not found yet by its
    number, one search at a time (searches do not pile up on the platform they measure): id → answer time, id →
    found time."""
    made = drafts(platform, events, n, tag)
    numbers = dict((doc_id, number) for number, doc_id in made)
    answered: dict[str, float] = {}
    found: dict[str, float] = {}
    done = threading.Event()

    def poll() -> None:
        deadline = time.monotonic() + n / rate + 120
        while len(found) < n and not done.is_set():
            if time.monotonic() > deadline:
                return
            for doc_id in [d for d in list(answered) if d not in found]:
                if doc_id in platform.found(str(numbers[doc_id]))[0]:
                    found[doc_id] = time.time()
            time.sleep(poll_s)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    start = time.monotonic() + 0.5
    for index, (_, doc_id) in enumerate(made):
        time.sleep(max(0.0, start + index / rate - time.monotonic()))
        answered[doc_id] = platform.register(doc_id, register_id)
    poller.join()
    done.set()
    if len(found) < n:
        raise RuntimeError(f"{n - len(found)} of {n} documents not found within 120 s of the last registration")
    return answered, found


def burst(
    platform: Platform, events: Events, register_id: str, tag: str, n: int, clients: int, poll_s: float
) -> tuple[dict[str, float], dict[str, float]]:
    """``n`` documents registered at once (``clients`` calls at a time), found by their shared word ``tag``."""
    made = drafts(platform, events, n, tag)
    ours = {doc_id for _, doc_id in made}
    answered: dict[str, float] = {}
    found: dict[str, float] = {}
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            ids, _ = platform.found(tag)
            now = time.time()
            for doc_id in ids & ours:
                found.setdefault(doc_id, now)
            if len(found) >= n:
                return
            time.sleep(poll_s)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        for doc_id, at in zip(
            [d for _, d in made], pool.map(lambda m: platform.register(m[1], register_id), made), strict=True
        ):
            answered[doc_id] = at
    poller.join(timeout=120)
    stop.set()
    if len(found) < n:
        raise RuntimeError(f"{n - len(found)} of {n} documents not found within 120 s of the burst")
    return answered, found


def spans(answered: dict[str, float], found: dict[str, float], seen: dict[str, float]) -> dict[str, list[float]]:
    """Milliseconds per document: answer → found (project), event → found (baseline), answer → event (lag)."""
    ids = [d for d in answered if d in seen]
    if len(ids) < len(answered):
        raise RuntimeError(f"{len(answered) - len(ids)} registrations were not seen on NATS")
    return {
        "project": [1000 * (found[d] - answered[d]) for d in ids],
        "baseline": [1000 * (found[d] - seen[d]) for d in ids],
        "lag": [1000 * (seen[d] - answered[d]) for d in ids],
    }


def rows(phase: str, measured: dict[str, list[float]], extra: dict[str, float | str]) -> None:
    project, baseline, lag = measured["project"], measured["baseline"], measured["lag"]
    print(
        f"{TOPIC:<10} {phase}: answer → event on NATS p50={statistics.median(lag):.1f} ms "
        f"p99={percentile(lag, 0.99):.1f} ms max={max(lag):.1f} ms",
        flush=True,
    )
    report(
        TOPIC,
        f"freshness {phase}, p50 (registered → found)",
        statistics.median(project),
        statistics.median(baseline),
        "ms",
        higher_is_better=False,
        **extra,
    )
    report(
        TOPIC,
        f"freshness {phase}, p99 (aim ≤ 2 s)",
        percentile(project, 0.99),
        percentile(baseline, 0.99),
        "ms",
        higher_is_better=False,
        aim_ms=AIM_MS,
        **extra,
    )
    report(TOPIC, f"freshness {phase}, max", max(project), max(baseline), "ms", higher_is_better=False, **extra)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=200, help="documents registered in each phase (default 200)")
    parser.add_argument(
        "--rate", type=float, default=5.0, help="registrations per second in the steady phase (default 5)"
    )
    parser.add_argument("--clients", type=int, default=4, help="register calls at once in the burst (default 4)")
    parser.add_argument(
        "--poll-ms",
        type=float,
        default=20.0,
        help="milliseconds between two searches for the same document(s) (default 20)",
    )
    parser.add_argument(
        "--batch",
        type=int,
        default=None,
        help="events search's consumer indexes at once, one commit each (VANTHU_SEARCH_BATCH_SIZE; 1: one at "
        f"a time, as before the batches; default: the service's own, "
        f"{SearchSettings.model_fields['batch_size'].default})",
    )
    parser.add_argument(
        "--batch-wait",
        type=int,
        default=None,
        help="milliseconds a batch waits for more events after its first (VANTHU_SEARCH_BATCH_WAIT_MS; default: the "
        f"service's own, {SearchSettings.model_fields['batch_wait_ms'].default})",
    )
    parser.add_argument("--phases", default="steady,burst", help="which phases to run (default steady,burst)")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    log: Callable[[str], None] = print if args.verbose else (lambda _: None)
    config = StackConfig.with_free_ports(Path(tempfile.mkdtemp(prefix="vanthu-bench-freshness-")) / "var", log=log)
    batch = args.batch or SearchSettings().batch_size
    batch_wait = args.batch_wait or SearchSettings().batch_wait_ms
    config.extra_env["VANTHU_SEARCH_BATCH_SIZE"] = str(batch)
    config.extra_env["VANTHU_SEARCH_BATCH_WAIT_MS"] = str(batch_wait)
    poll_s = args.poll_ms / 1000
    with Stack(config) as stack:
        platform = Platform(stack)
        events = Events(stack)
        try:
            register_id = platform.register_id()
            measured: dict[str, dict[str, list[float]]] = {}
            load: dict[str, float] = {}
            # each phase's word (its documents' numbers begin with it too): three digits, not the other phase's
            steady_tag, burst_tag = (str(t) for t in random.sample(range(100, 1000), 2))
            if "steady" in args.phases:
                answered, found = steady(platform, events, register_id, steady_tag, args.n, args.rate, poll_s)
                measured[f"steady {args.rate:g}/s"] = spans(answered, found, events.seen)
                load[f"steady {args.rate:g}/s"] = os.getloadavg()[0]
            if "burst" in args.phases:
                answered, found = burst(platform, events, register_id, burst_tag, args.n, args.clients, poll_s)
                measured[f"burst of {args.n}"] = spans(answered, found, events.seen)
                load[f"burst of {args.n}"] = os.getloadavg()[0]
            for tag in (steady_tag, burst_tag):  # tenancy: another agency's clerk finds and counts nothing of them
                ids, total = platform.found(tag, "vanthu.ubnd")
                if ids or total:
                    raise RuntimeError(f"UBND tỉnh's clerk found {total} of Sở Nội vụ's documents")
        finally:
            events.close()
    for phase, spans_ms in measured.items():
        rows(
            phase,
            spans_ms,
            {
                "n": args.n,
                "rate_per_s": args.rate,
                "clients": args.clients,
                "poll_ms": args.poll_ms,
                "batch": batch,
                "batch_wait_ms": batch_wait,
                "load_1min": round(load[phase], 1),
            },
        )


if __name__ == "__main__":
    main()
