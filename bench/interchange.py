"""End-to-end delivery inside one installation (issue 12): a letter issued at UBND tỉnh → arrived in Sở Nội vụ's
registry, on the whole platform (the devstack: nats-server, registry, storage, signing, interchange, gateway, each a
process), with a ~100 KB PDF; against two baselines measured in the same run.

Project, what is measured (the slow human steps, draft → submit → sign → issue, are done through the API before
the clock starts or are not in the measured span):

- latency: letters issued one at a time with interchange running; from the moment the issue call returns (the
  registry has committed the issuing and its DocumentIssued event; the relay publishes it right after) to the
  arrival's ``arrived_at`` in Sở Nội vụ's registry (its own clock, same machine). The path: registry outbox →
  JetStream → interchange (reads the document and its files from the registry and storage, builds the edXML
  package, commits it with its delivery and the PackageDispatched event) → JetStream → interchange's receiver
  (parses the package, has storage copy the sender's file for the recipient, records the arrival in the registry,
  answers 01). Signing's check of the arrival runs after it and is not in the span. Twice ``--m`` letters: the
  first each as soon as the one before arrived ("back to back": the one before's signature check and search's
  indexing, some 150 CPU ms, take the two cores from it), the rest each on a settled platform (the one before
  arrived, signing checked it, and the platform's processes went quiet) — the rows with the aim are the settled
  ones, the path the issue measures; a row compares the two.
- throughput: interchange stopped, ``--n`` letters issued (their events wait in JetStream), interchange started:
  (n − 1) / (last ``arrived_at`` − first ``arrived_at``), the rate interchange drains a queue of issued letters,
  each consumer handling ``--concurrency`` messages at once (``VANTHU_CONSUMER_CONCURRENCY``, printed with the
  rows, as is the machine's load average: other work on the machine takes CPU from the platform's processes);
  interchange's issued-document and package consumers take ``--batch`` messages at once
  (``VANTHU_INTERCHANGE_BATCH_SIZE``, printed too; 1: one at a time), waiting ``--batch-wait`` ms for more after
  the first (``VANTHU_INTERCHANGE_BATCH_WAIT_MS``, printed too).
- CPU per letter, the measure that depends least on the machine's load: the CPU milliseconds each process used
  while the queue drained, divided by the letters (interchange's own start-up, measured by a restart with nothing
  queued, taken off), and the same split by thread for interchange, registry and storage (the event loop, gRPC
  core's threads, the rest: SQLite's threads, executors). Signing's check of each arrival and search's indexing of
  it act after the arrival and are not in the path: both are stopped while the queue drains, then started, and
  what they cost (with the registry and storage calls they make) is printed apart. On a 2-core machine the path's
  CPU per letter bounds the rate: 2000 / (ms per letter) letters per second at best.
- ``--watch DIR`` samples interchange, registry and storage with py-spy while they drain (``--syscalls``: counts
  their fsyncs and socket writes with strace instead; ``VANTHU_BENCH_GIL=1``: py-spy samples only the thread
  holding the GIL, leaving out SQLite's threads waiting in a statement); ``bench/_profile_top.py DIR`` prints the top
  costs.

Baselines, same run, same payload (the package interchange built for one of the letters):

(i) raw JetStream on the same nats-server and stream: publish → pull-consume → ack of the package bytes (latency
    one at a time; throughput of draining n queued messages, measured like the project's). Note that the project
    does not carry the package over NATS (it stays in interchange's database; the PackageDispatched event names it);
    the baseline carries it, as a transport of the package would;
(ii) the same work in one process without the service hops: build the package
    (:func:`vanthu_interchange.packages.document_package`), parse it
    (:func:`~vanthu_interchange.packages.read_received`), write the file (a local file write, no fsync), insert the
    arrival with the registry's ``DocumentStore.create_arrivals``, the path RecordArrivals takes (SQLite, as the
    devstack runs it; before the tenth round the baseline used ``DocumentStore.create``, the ORM path of a document
    created through the API).

Each row prints project/baseline as its ratio. Aims (issue 12): ≥ 100 packages/s of 100 KB, p99 ≤ 250 ms, and
≥ 0.5 of the in-process baseline's throughput.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import secrets
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import nats
from nats.js.api import ConsumerConfig, DeliverPolicy

sys.path.insert(0, str(Path(__file__).parent))
from _common import report

from vanthu.registry.v1 import documents_pb2, registry_pb2
from vanthu_core.bus import ConsumerSettings
from vanthu_core.db import create_engine, migrate, session_factory
from vanthu_core.ids import new_id
from vanthu_core.subjects import EVENTS_STREAM, INTERCHANGE_DELIVERY_UPDATED
from vanthu_devstack import Stack, StackConfig
from vanthu_edxml import DocumentPackage, Limits
from vanthu_interchange.packages import document_package, read_received
from vanthu_interchange.receiving import Receiver
from vanthu_interchange.settings import InterchangeSettings
from vanthu_registry.documents_api import draft_from_proto
from vanthu_registry.documents_store import DocumentStore, NewArrival
from vanthu_registry.server import MIGRATIONS as REGISTRY_MIGRATIONS

UBND, SNV = "000.00.00.H61", "000.00.02.H61"
TOPIC = "interchange"


def bench_pdf(target: int = 100_000) -> bytes:
    """A one-page công văn with the signing placeholders, and pages of random text after it, ~``target`` bytes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from vanthu_testing.documents import ABSTRACT, FONT

    if "VanThuTestSerif" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("VanThuTestSerif", FONT))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, pageCompression=0)
    c.setFont("VanThuTestSerif", 13)
    c.drawString(100, 760, "Số: [[SO]]")
    c.drawString(330, 760, "[[NGAY]]")
    c.drawString(80, 600, ABSTRACT)
    c.drawCentredString(420, 340, "CHỦ TỊCH")
    c.drawCentredString(420, 290, "[[CHU_KY]]")
    c.drawCentredString(420, 230, "Nguyễn Văn Hưởng")
    c.showPage()
    lines = 0
    while lines * 240 < target - 40_000:
        c.setFont("Helvetica", 3)
        for i in range(150):
            c.drawString(20, 820 - i * 5.4, secrets.token_hex(100))
        c.showPage()
        lines += 150
    c.save()
    return buf.getvalue()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


# -- the project: through the platform --------------------------------------------------------------------------------
class Platform:
    def __init__(self, stack: Stack, pdf: bytes) -> None:
        self.stack = stack
        self.pdf = pdf
        self.tokens: dict[str, dict[str, str]] = {}
        self.api = httpx.Client(base_url=stack.gateway_url, timeout=120)

    def auth(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            reply = httpx.post(f"{self.stack.issuer}/protocol/openid-connect/token",
                               data={"grant_type": "password", "client_id": "vanthu-web", "username": username,
                                     "password": "vanthu-dev"})
            reply.raise_for_status()
            self.tokens[username] = {"Authorization": f"Bearer {reply.json()['access_token']}"}
        return self.tokens[username]

    def signed_letter(self, index: int) -> str:
        officer, leader = self.auth("chuyenvien.ubnd"), self.auth("lanhdao.ubnd")
        up = self.api.post("/api/v1/files", headers=officer,
                           files={"file": ("Công văn.pdf", self.pdf, "application/pdf")})
        up.raise_for_status()
        created = self.api.post("/api/v1/documents", headers=officer, json={
            "type_code": "cong_van", "abstract": f"V/v đo hiệu năng liên thông văn bản (văn bản {index})",
            "unit_abbreviation": "VP", "recipients": [{"agency_code": SNV, "name": "Sở Nội vụ"}],
            "files": [{"object_id": up.json()["object"]["object_id"], "role": "main"}]})
        created.raise_for_status()
        doc_id = str(created.json()["id"])
        self.api.post(f"/api/v1/documents/{doc_id}/submit", headers=officer).raise_for_status()
        self.api.post(f"/api/v1/documents/{doc_id}/sign", headers=leader).raise_for_status()
        return doc_id

    def signed_letters(self, count: int, start: int) -> list[str]:
        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(pool.map(self.signed_letter, range(start, start + count)))

    def issue(self, doc_id: str) -> tuple[str, float]:
        """Issue a signed letter; its number and symbol and the wall-clock time the call returned."""
        clerk = self.auth("vanthu.ubnd")
        if "register" not in self.tokens:
            registers = self.api.get("/api/v1/registers", headers=clerk, params={"direction": "outgoing"}).json()
            self.tokens["register"] = {"id": next(r["id"] for r in registers if not r["type_codes"])}
        with httpx.Client(base_url=self.stack.gateway_url, timeout=120) as client:
            issued = client.post(f"/api/v1/documents/{doc_id}/issue", headers=clerk,
                                 json={"register_id": self.tokens["register"]["id"]})
        issued.raise_for_status()
        return str(issued.json()["number_symbol"]), time.time()

    def arrived(self) -> dict[str, float]:
        """Sở Nội vụ's arrivals from UBND tỉnh: number and symbol → ``arrived_at`` (epoch seconds), read-only from the
        registry's SQLite file (the API gives the time to the second only)."""
        path = self.stack.var / "registry" / "registry.db"
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
            rows = db.execute("SELECT number_symbol, arrived_at FROM documents WHERE agency_code = ? AND "
                              "direction = 'incoming' AND issuing_agency_code = ? AND arrived_at IS NOT NULL",
                              (SNV, UBND)).fetchall()
        return {number: datetime.fromisoformat(at).replace(tzinfo=UTC).timestamp() for number, at in rows}

    def wait_checked(self, numbers: list[str], timeout_s: float = 600) -> None:
        """Wait until signing has checked the arrivals of ``numbers`` (their ``signature_check`` is no longer
        pending)."""
        path = self.stack.var / "registry" / "registry.db"
        wanted = set(numbers)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30) as db:
                checked = {number for (number,) in db.execute(
                    "SELECT number_symbol FROM documents WHERE agency_code = ? AND direction = 'incoming' AND "
                    "issuing_agency_code = ? AND signature_check NOT IN ('', 'pending')", (SNV, UBND))}
            if wanted <= checked:
                return
            time.sleep(0.2)
        raise RuntimeError(f"signing did not check every arrival within {timeout_s:.0f} s")

    def wait_arrived(self, numbers: list[str], timeout_s: float = 300) -> dict[str, float]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            held = self.arrived()
            if all(n in held for n in numbers):
                return {n: held[n] for n in numbers}
            time.sleep(0.1)
        raise RuntimeError(f"not every letter arrived within {timeout_s:.0f} s")


def project(stack: Stack, pdf: bytes, n: int, m: int, log: Callable[[str], None],
            watch: Path | None = None, syscalls: bool = False) -> dict[str, Any]:
    platform = Platform(stack, pdf)
    log(f"  preparing {2 * m + n} signed letters through the API (not measured)")
    letters = platform.signed_letters(2 * m + n, 1)
    back_to_back, latencies, before = [], [], []
    for doc_id in letters[:m]:  # one at a time, each as soon as the one before arrived
        number, returned = platform.issue(doc_id)
        back_to_back.append(platform.wait_arrived([number])[number] - returned)
        before = [number]
    for doc_id in letters[m:2 * m]:  # one at a time on a settled platform
        platform.wait_checked(before)
        wait_quiet(stack)
        number, returned = platform.issue(doc_id)
        latencies.append(platform.wait_arrived([number])[number] - returned)
        before = [number]
    # interchange's own start-up (imports, migrations, connections), measured with nothing queued, is taken off its
    # CPU while draining; signing is stopped while draining (its check of each arrival runs after the arrival and
    # is not in the measured path): it catches up afterwards, measured apart
    stack.restart_service("interchange")
    time.sleep(1.0)
    startup = cpu_seconds(stack).get("interchange", 0.0)
    stack.stop_service("interchange")
    log(f"  interchange stopped (its start-up: {startup:.2f} CPU s); issuing {n} letters")
    with ThreadPoolExecutor(max_workers=2) as pool:
        numbers = [number for number, _ in pool.map(platform.issue, letters[2 * m:])]
    for after in AFTER_ARRIVAL:  # after issuing: the issuing seals with signing
        stack.stop_service(after)
    time.sleep(1.0)  # the registry's relay has published the issued events
    cpu_before = cpu_seconds(stack)
    threads_before = thread_seconds(stack)  # interchange's own include its start-up
    stack.start_service("interchange")
    spies = watchers(stack, watch, syscalls) if watch else []
    arrived = sorted(platform.wait_arrived(numbers).values())
    time.sleep(0.5)  # the status 01 of the last arrivals goes back to the sender: it belongs to the drain's work
    cpu_after = cpu_seconds(stack)
    for spy in spies:
        spy.send_signal(signal.SIGINT)
        spy.wait()
    cpu = {name: round(used - cpu_before.get(name, 0.0) - (startup if name == "interchange" else 0.0), 2)
           for name, used in cpu_after.items()}
    threads = {name: round(used - threads_before.get(name, 0.0), 2) for name, used in thread_seconds(stack).items()}
    for after in AFTER_ARRIVAL:
        stack.start_service(after)
    signing_before = cpu_seconds(stack)
    platform.wait_checked(numbers)
    after_checks = cpu_seconds(stack)
    checks = {name: round(used - signing_before.get(name, 0.0), 2) for name, used in after_checks.items()}
    platform.api.close()
    return {"throughput": (n - 1) / (arrived[-1] - arrived[0]), "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * percentile(latencies, 0.99), "latencies": latencies,
            "back_to_back_p50_ms": 1000 * statistics.median(back_to_back),
            "back_to_back_p99_ms": 1000 * percentile(back_to_back, 0.99), "cpu": cpu, "checks_cpu": checks,
            "drain_s": arrived[-1] - arrived[0], "startup_cpu": startup,
            "threads": threads}


#: ``VANTHU_BENCH_NATIVE=1``: py-spy samples native frames too (SQLite's own work apart from its waits).
NATIVE = ["--native"] if os.environ.get("VANTHU_BENCH_NATIVE") else []
#: ``VANTHU_BENCH_GIL=1``: py-spy samples only the thread holding the GIL (the Python work, wherever it runs; not
#: the waits of SQLite's threads, which py-spy otherwise counts as busy).
GIL = ["--gil"] if os.environ.get("VANTHU_BENCH_GIL") else []


def watchers(stack: Stack, out: Path, syscalls: bool) -> list[subprocess.Popen[bytes]]:
    """Tools watching the processes of the path (interchange, registry, storage) while they drain: py-spy
    (``pip install py-spy``) sampling their stacks into ``out/<process>.txt`` (collapsed stacks, summed per function
    by ``bench/_profile_top.py``), or, with ``syscalls``, strace counting their flushes (fsync, fdatasync) and socket
    writes into ``out/<process>.strace`` (strace slows them: a run for counting, not for timing)."""
    out.mkdir(parents=True, exist_ok=True)
    started = []
    for process in stack.processes:
        if process.name not in ("interchange", "registry", "storage"):
            continue
        pid = str(process.popen.pid)
        argv = (["strace", "-f", "-c", "-e", "trace=fsync,fdatasync,sendmsg,sendto,write", "-p", pid, "-o",
                 str(out / f"{process.name}.strace")] if syscalls else
                [shutil.which("py-spy") or str(Path.home() / ".local/bin/py-spy"), "record", "--pid", pid,
                 "--format", "raw", "--rate", "250", "--nonblocking", *NATIVE, *GIL,
                 "--output", str(out / f"{process.name}.txt")])
        started.append(subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return started


#: What the registry's ``arrived`` event sets off and is not in the measured path: signing's check of the files and
#: search's indexing (each reads the document and its files again). They are stopped while the queue drains, then
#: started and measured apart.
AFTER_ARRIVAL = ("signing", "search")


def thread_seconds(stack: Stack) -> dict[str, float]:
    """CPU seconds of the path's processes split by thread: ``<process>/main`` (the event loop), ``/grpc`` (gRPC
    core's threads, which name themselves) and ``/other`` (SQLite connections' threads, executors)."""
    tick = os.sysconf("SC_CLK_TCK")
    used: dict[str, float] = {}
    for process in stack.processes:
        if process.name not in ("interchange", "registry", "storage"):
            continue
        pid = process.popen.pid
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                comm = (task / "comm").read_text().strip()
                fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            kind = "main" if task.name == str(pid) else "grpc" if comm.startswith(("grpc", "default-exec",
                                                                                    "resolver", "event_engine")) \
                else "other"
            used[f"{process.name}/{kind}"] = used.get(f"{process.name}/{kind}", 0.0) + \
                (int(fields[11]) + int(fields[12])) / tick
    return used


def wait_quiet(stack: Stack, *, window_s: float = 0.3, busy_share: float = 0.1, timeout_s: float = 60) -> None:
    """Wait until the platform's processes together used less than ``busy_share`` of one core over ``window_s``
    (what the letter before set off after its arrival, its signature check and search's indexing, is over);
    RuntimeError after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    before = sum(cpu_seconds(stack).values())
    while time.monotonic() < deadline:
        time.sleep(window_s)
        now = sum(cpu_seconds(stack).values())
        if now - before < busy_share * window_s:
            return
        before = now
    raise RuntimeError(f"the platform was not quiet within {timeout_s:.0f} s")


def cpu_seconds(stack: Stack) -> dict[str, float]:
    """CPU time (user + system) each process of the stack has used so far (Linux ``/proc``)."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for process in stack.processes:
        try:
            fields = Path(f"/proc/{process.popen.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[process.name] = (int(fields[11]) + int(fields[12])) / tick
    return used


def package_body(stack: Stack) -> bytes:
    with sqlite3.connect(f"file:{stack.var / 'interchange' / 'interchange.db'}?mode=ro", uri=True) as db:
        return bytes(db.execute("SELECT body FROM packages WHERE kind = 'edoc' ORDER BY created_at DESC LIMIT 1")
                     .fetchone()[0])


# -- baseline (i): raw JetStream --------------------------------------------------------------------------------------
async def raw_jetstream(stack: Stack, payload: bytes, n: int, m: int) -> dict[str, Any]:
    """The payload published by interchange's NATS user on one of its own subjects that no service consumes
    (``vanthu.interchange.delivery.updated``, in the platform's event stream: same server, same file store), read by
    a durable pull consumer of the NATS admin made for the purpose (the platform's users may not publish anything
    else)."""
    publisher = await nats.connect(stack.nats_url, user="interchange", password=stack.nats_password("interchange"),
                                   inbox_prefix="_INBOX.interchange")
    admin = await nats.connect(stack.nats_url, user="admin", password=stack.nats_password("admin"))
    try:
        js, ajs = publisher.jetstream(timeout=10), admin.jetstream(timeout=10)
        consumer = await ajs.pull_subscribe(INTERCHANGE_DELIVERY_UPDATED, durable="bench-raw", stream=EVENTS_STREAM,
                                            config=ConsumerConfig(ack_wait=30, deliver_policy=DeliverPolicy.NEW))

        async def publish() -> None:
            await js.publish(INTERCHANGE_DELIVERY_UPDATED, payload, headers={"Nats-Msg-Id": secrets.token_hex(16)})

        latencies = []
        for _ in range(m):
            start = time.perf_counter()
            await publish()
            [msg] = await consumer.fetch(1, timeout=10)
            await msg.ack()
            latencies.append(time.perf_counter() - start)
        for _ in range(n):
            await publish()
        taken, first = 0, 0.0
        while taken < n:
            for msg in await consumer.fetch(min(16, n - taken), timeout=10):
                await msg.ack()
                taken += 1
                if taken == 1:
                    first = time.perf_counter()
        last = time.perf_counter()
        await ajs.delete_consumer(EVENTS_STREAM, "bench-raw")
    finally:
        await publisher.close()
        await admin.close()
    return {"throughput": (n - 1) / (last - first), "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * percentile(latencies, 0.99)}


# -- baseline (ii): the same work in one process ----------------------------------------------------------------------
async def in_process(pdf: bytes, n: int) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="vanthu-bench-interchange-"))
    url = f"sqlite+aiosqlite:///{work / 'registry.db'}"
    await migrate(REGISTRY_MIGRATIONS, url)
    engine = create_engine(url)
    store = DocumentStore(session_factory(engine))
    await store.seed_types()
    sender = registry_pb2.Agency(code=UBND, name="Ủy ban nhân dân tỉnh Vĩnh Long")
    limits = Limits()
    files_dir = work / "objects"
    files_dir.mkdir()
    latencies = []
    started, cpu_started = time.perf_counter(), time.process_time()
    for index in range(1, n + 1):
        begin = time.perf_counter()
        document = documents_pb2.Document(
            id=secrets.token_hex(16), agency_code=UBND, direction="outgoing", type_code="cong_van",
            type_name="Công văn", abstract=f"V/v đo hiệu năng liên thông văn bản (văn bản {index})",
            urgency="normal", place="Vĩnh Long", number_symbol=f"{index}/UBND-VP",
            document_date=date.today().isoformat(),
            signer=documents_pb2.Signer(name="Nguyễn Văn Hưởng", title="Chủ tịch", competence=""),
            recipients=[documents_pb2.Recipient(agency_code=SNV, name="Sở Nội vụ")],
            files=[documents_pb2.DocumentFile(object_id=secrets.token_hex(16), role="main", file_name="Công văn.pdf",
                                              content_type="application/pdf")])
        built = document_package(document, sender, "", [(document.files[0], pdf)], package_time=datetime.now(UTC))
        package = read_received(built.body, limits)
        assert isinstance(package, DocumentPackage)
        stored = []
        for number, attachment in enumerate(package.attachments):
            object_id = secrets.token_hex(16)
            (files_dir / object_id).write_bytes(attachment.content())
            stored.append(documents_pb2.DocumentFile(object_id=object_id, role="main" if number == 0 else "attachment",
                                                     file_name=attachment.name or "tep.pdf"))
        arrival = Receiver._arrival(package, stored)
        arrival.type_code = "cong_van"
        [recorded] = await store.create_arrivals([NewArrival(
            agency_code=SNV, agency_name="Sở Nội vụ", draft=draft_from_proto(arrival), document_id=new_id(),
            arrival_key=f"{secrets.token_hex(16)}/{SNV}")], actor="vanthu-interchange")
        assert isinstance(recorded, dict), recorded
        latencies.append(time.perf_counter() - begin)
    total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    await engine.dispose()
    return {"throughput": n / total, "cpu_ms": 1000 * cpu / n, "p50_ms": 1000 * statistics.median(latencies),
            "p99_ms": 1000 * percentile(latencies, 0.99), "package_bytes": len(built.body)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=40, help="letters drained at once for the throughput (default 40)")
    parser.add_argument("--m", type=int, default=15, help="letters issued one at a time for the latency (default 15)")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="messages each consumer handles at once (VANTHU_CONSUMER_CONCURRENCY of every service; "
                             "default: the services' own default, "
                             f"{ConsumerSettings.model_fields['concurrency'].default})")
    parser.add_argument("--batch", type=int, default=None,
                        help="messages interchange's issued-document and package consumers take at once "
                             "(VANTHU_INTERCHANGE_BATCH_SIZE; 1: one at a time; default: the service's own, "
                             f"{InterchangeSettings.model_fields['batch_size'].default})")
    parser.add_argument("--batch-wait", type=int, default=None,
                        help="milliseconds a batch waits for more messages after its first "
                             "(VANTHU_INTERCHANGE_BATCH_WAIT_MS; default: the service's own, "
                             f"{InterchangeSettings.model_fields['batch_wait_ms'].default})")
    parser.add_argument("--watch", type=Path, default=None,
                        help="profile interchange, registry and storage with py-spy while they drain, into this "
                             "folder (bench/_profile_top.py DIR prints the top costs)")
    parser.add_argument("--syscalls", action="store_true",
                        help="with --watch: count their flushes and socket writes with strace instead")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    log: Callable[[str], None] = print if args.verbose else (lambda _: None)
    pdf = bench_pdf()
    config = StackConfig.with_free_ports(Path(tempfile.mkdtemp(prefix="vanthu-bench-interchange-")) / "var", log=log)
    concurrency = args.concurrency or ConsumerSettings().concurrency
    config.extra_env["VANTHU_CONSUMER_CONCURRENCY"] = str(concurrency)
    batch = args.batch or InterchangeSettings().batch_size
    config.extra_env["VANTHU_INTERCHANGE_BATCH_SIZE"] = str(batch)
    batch_wait = args.batch_wait or InterchangeSettings().batch_wait_ms
    config.extra_env["VANTHU_INTERCHANGE_BATCH_WAIT_MS"] = str(batch_wait)
    stack = Stack(config)
    stack.start()
    try:
        measured = project(stack, pdf, args.n, args.m, log, args.watch, args.syscalls)
        body = package_body(stack)
        raw = asyncio.run(raw_jetstream(stack, body, args.n, args.m))
    finally:
        stack.stop()
    local = asyncio.run(in_process(pdf, args.n))
    extra: dict[str, float | str] = {
        "cpu_ms_per_letter": round(1000 * sum(measured["cpu"].values()) / args.n, 1),
        "in_process_cpu_ms_per_letter": round(local["cpu_ms"], 1), "n": args.n, "m": args.m, "pdf_bytes": len(pdf),
        "package_bytes": len(body), "concurrency": concurrency, "batch": batch, "batch_wait_ms": batch_wait,
        "load_1min": round(os.getloadavg()[0], 1)}
    print(f"{TOPIC:<10} drained {args.n} letters in {measured['drain_s']:.2f} s; CPU ms per letter while draining "
          f"(interchange's start-up, {measured['startup_cpu']:.2f} s, taken off; {' and '.join(AFTER_ARRIVAL)} "
          "stopped): "
          + ", ".join(f"{k}={1000 * v / args.n:.1f}" for k, v in sorted(measured["cpu"].items()))
          + f"; total={1000 * sum(measured['cpu'].values()) / args.n:.1f}", flush=True)
    print(f"{TOPIC:<10} in-process baseline: {local['cpu_ms']:.1f} CPU ms per letter", flush=True)
    print(f"{TOPIC:<10} CPU ms per letter by thread while draining (interchange's includes its start-up): "
          + ", ".join(f"{k}={1000 * v / args.n:.1f}" for k, v in sorted(measured["threads"].items())), flush=True)
    print(f"{TOPIC:<10} then signing's check and search's indexing of the {args.n} arrivals (not in the path), "
          "CPU ms per letter: "
          + ", ".join(f"{k}={1000 * v / args.n:.1f}" for k, v in sorted(measured["checks_cpu"].items())), flush=True)
    report(TOPIC, "delivery throughput vs in-process (aim ≥ 0.5)", measured["throughput"], local["throughput"],
           "pkg/s", aim_pkg_s=100, **extra)
    report(TOPIC, "delivery throughput vs raw JetStream", measured["throughput"], raw["throughput"], "pkg/s",
           **extra)
    report(TOPIC, "delivery p50 latency vs raw JetStream", measured["p50_ms"], raw["p50_ms"], "ms",
           higher_is_better=False, **extra)
    report(TOPIC, "delivery p99 latency vs raw JetStream (aim ≤ 250 ms)", measured["p99_ms"], raw["p99_ms"], "ms",
           higher_is_better=False, aim_ms=250, **extra)
    report(TOPIC, "delivery p99 latency vs in-process", measured["p99_ms"], local["p99_ms"], "ms",
           higher_is_better=False, **extra)
    report(TOPIC, "delivery p50 latency back to back vs settled", measured["back_to_back_p50_ms"],
           measured["p50_ms"], "ms", higher_is_better=False, **extra)
    report(TOPIC, "delivery p99 latency back to back vs settled", measured["back_to_back_p99_ms"],
           measured["p99_ms"], "ms", higher_is_better=False, **extra)


if __name__ == "__main__":
    main()
