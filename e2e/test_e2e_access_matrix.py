"""The access matrix on the whole platform: every REST route, as each role of the agency that owns the resource (UBND
tỉnh, ``*.ubnd``) and as the same role of another agency (Sở Nội vụ, ``*.snv``).

Generated from the access table as the gateway's OpenAPI document publishes it (each operation's ``x-roles``, from
:data:`vanthu_core.policy.TABLE` through the route's declared gRPC methods): a caller whose role the table allows
succeeds on a resource of their own agency (a fresh one, in the state the route needs); a caller whose role it does
not allow gets 403, and one of another agency gets 404 for the owner's resource (403 when their role is not
allowed). Refusals change nothing (the resource re-read as its owner is the same) and publish no event: every event
on ``vanthu.>`` is collected, and each service is made to publish one event of its own before and after the refused
calls (a barrier): the service's events in between are the refusals' (each service publishes its outbox in order).

The demo users' signing profiles shape some answers, and the rows say so explicitly (``expect``): lanhdao.ubnd has a
personal profile whose key the service holds and UBND a seal; no other leader or head has a profile (a 422 naming
the missing profile, not a 403), and SNV no seal. For two-step signing the test binds, as the operator does, a
profile with a key the service does not hold to truongphong.longchau (a third agency), whose calls show the allowed
path (``extra``); the same profile gives the barrier its signing event.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import itertools
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from vanthu_core.subjects import (
    EVENTS_STREAM,
    REGISTRY_SIGNATURE_CHECKS,
    REGISTRY_WORKFLOW_STEPS,
    WORKFLOW_JOB_ASSIGNED,
)
from vanthu_devstack import Stack
from vanthu_testing.gateway import wait_for

pytestmark = pytest.mark.e2e

UBND, SNV, LONG_CHAU = "000.00.00.H61", "000.00.02.H61", "000.00.41.H61"
#: An agency no route reaches from here: its delivery fails (resend), and revoking it cancels it locally.
MINISTRY = "000.00.00.G09"
OWNER, OTHER = "ubnd", "snv"
#: The demo user of each role, per agency: ``vanthu.ubnd`` is UBND's clerk.
USERNAMES = {"clerk": "vanthu", "leader": "lanhdao", "head": "truongphong", "officer": "chuyenvien",
             "archivist": "luutru", "admin": "quantri"}
#: The person whose profile's updates make the signing service's barrier event (bound by this test, touched by
#: nothing else), and the subject of their tokens (demo_users.yaml).
TWO_STEP_USER = "truongphong.longchau"
TWO_STEP_SUBJECT = b"f0bc5b3a-e5c3-5517-9c0b-744f0adda3fb"
#: Routes outside the matrix, and why.
NOT_IN_MATRIX = {"GET /api/v1/files/{object_id}/shared": "takes no token: a signed link (e2e/test_e2e_files.py)"}
PROFILE_UPDATED = "vanthu.signing.profile.updated"
#: Routes that answer an endless text/event-stream.
STREAMS = frozenset({"/api/v1/notifications/stream"})
NO_PROFILE = "has no personal signing profile"


def user(role: str, agency: str) -> str:
    return f"{USERNAMES[role]}.{agency}"


# -- events -------------------------------------------------------------------------------------------------------
class EventLog:
    """Every event stored on ``vanthu.>`` while the matrix runs, in the order it arrived (an ordered JetStream
    consumer of the event stream, read as the NATS ``admin`` user — no service may read another's subjects — and
    served by an event loop in a thread of its own, so the tests stay synchronous)."""

    def __init__(self, url: str, password: str) -> None:
        self.url = url
        self.password = password
        self.events: list[tuple[str, bytes]] = []
        self.changed = threading.Condition()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="event-log", daemon=True)
        self.client: Any = None

    def start(self) -> EventLog:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._subscribe(), self.loop).result(timeout=30)
        return self

    async def _subscribe(self) -> None:
        import nats
        from nats.js.api import DeliverPolicy

        self.client = await nats.connect(self.url, user="admin", password=self.password)
        self.subscription = await self.client.jetstream().subscribe(
            "vanthu.>", cb=self._received, ordered_consumer=True, deliver_policy=DeliverPolicy.NEW)
        await self.client.flush()

    async def _received(self, msg: Any) -> None:
        with self.changed:
            self.events.append((msg.subject, bytes(msg.data)))
            self.changed.notify_all()

    def stop(self) -> None:
        if self.client is not None:
            asyncio.run_coroutine_threadsafe(self.client.drain(), self.loop).result(timeout=30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=30)

    def wait_for(self, what: str, match: Callable[[str, bytes], bool], count: int = 1,
                 timeout_s: float = 60.0) -> int:
        """The index of the ``count``-th event that ``match``es, waiting for it (no longer than ``timeout_s``)."""
        def index() -> int | None:
            found = [i for i, (subject, data) in enumerate(self.events) if match(subject, data)]
            return found[count - 1] if len(found) >= count else None

        with self.changed:
            if not self.changed.wait_for(lambda: index() is not None, timeout=timeout_s):
                raise AssertionError(f"no event for {what} within {timeout_s:.0f} s; last seen: "
                                     f"{[s for s, _ in self.events[-5:]]}")
            found = index()
            assert found is not None
            return found

    def settle(self, durables: tuple[str, ...], timeout_s: float = 60.0) -> None:
        """Wait until each of the event stream's ``durables`` has taken (acknowledged) every event in it: the
        reactions of a service to another's events (the registry's to the workflow's steps) to calls made before
        are committed, so they come before the next barrier in that service's order, not inside a window."""
        async def idle() -> bool:
            assert self.client is not None
            stream = self.client.jetstream()
            for durable in durables:
                info = await stream.consumer_info(EVENTS_STREAM, durable)
                if info.num_pending or info.num_ack_pending:
                    return False
            return True

        deadline = time.monotonic() + timeout_s
        while not asyncio.run_coroutine_threadsafe(idle(), self.loop).result(timeout=30):
            if time.monotonic() > deadline:
                raise AssertionError(f"the consumers {durables} did not take their events within {timeout_s:.0f} s")
            time.sleep(0.05)

    def between(self, start: dict[str, int], end: dict[str, int]) -> list[str]:
        """The events each service published between two barriers (those barriers' own excluded)."""
        with self.changed:
            events = list(self.events)
        return [f"{subject} {data[:200]!r}" for service in start
                for subject, data in events[start[service] + 1:end[service]]
                if subject.startswith(f"vanthu.{service}.")]


# -- the platform, as its users reach it ---------------------------------------------------------------------------
@dataclass
class World:
    """The running platform as the matrix reaches it: tokens, the gateway, builders of resources in the state a
    route needs, and the barriers."""

    platform: Stack
    login: Callable[[str], str]
    http: httpx.Client
    events: EventLog
    tmp: Path
    counter: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    two_step_images: int = 0
    cache: dict[str, Any] = field(default_factory=dict)

    # -- calls ------------------------------------------------------------------------------------------------------
    def call(self, username: str, verb: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.login(username)}", **kwargs.pop("headers", {})}
        if path in STREAMS:  # endless: its answer is the status and the first chunk (the stream is open)
            with self.http.stream(verb, path, headers=headers, **kwargs) as reply:
                first = next(reply.iter_raw(), b"") if reply.is_success else reply.read()
                return httpx.Response(reply.status_code, headers=reply.headers, content=first,
                                      request=reply.request)
        return self.http.request(verb, path, headers=headers, **kwargs)

    def ok(self, username: str, verb: str, path: str, **kwargs: Any) -> Any:
        reply = self.call(username, verb, path, **kwargs)
        assert reply.is_success, f"{username} {verb} {path}: {reply.status_code} {reply.text}"
        return reply.json() if reply.content and "json" in reply.headers.get("content-type", "") else None

    def marker(self) -> str:
        """A word no other test writes (found by search, named in codes)."""
        return f"matran{next(self.counter)}x{uuid.uuid4().hex[:6]}"

    # -- builders ---------------------------------------------------------------------------------------------------
    def pdf(self, signable: bool = False) -> bytes:
        """A PDF no one uploaded before (storage deduplicates by content): with the placeholders signing anchors on
        when it will be signed, a minimal one otherwise."""
        from vanthu_testing.documents import draft_pdf

        mark = self.marker()
        return draft_pdf(f"Về việc thử quyền truy cập {mark}") if signable else \
            f"%PDF-1.7\n% {mark}\n%%EOF\n".encode()

    def upload(self, username: str = "chuyenvien.ubnd", signable: bool = False) -> dict[str, Any]:
        reply = self.ok(username, "POST", "/api/v1/files",
                        files={"file": ("tệp thử.pdf", self.pdf(signable), "application/pdf")})
        return dict(reply["object"])

    def draft(self, username: str = "chuyenvien.ubnd", with_file: bool = True) -> dict[str, Any]:
        files = [{"object_id": self.upload(username, signable=True)["object_id"], "role": "main"}] if with_file else []
        return dict(self.ok(username, "POST", "/api/v1/documents", json={
            "type_code": "cong_van", "abstract": f"V/v kiểm tra quyền {self.marker()}", "unit_abbreviation": "VP",
            "files": files}))

    def submitted(self, username: str = "chuyenvien.ubnd") -> dict[str, Any]:
        doc = self.draft(username)
        return dict(self.ok(username, "POST", f"/api/v1/documents/{doc['id']}/submit"))

    def signed(self) -> dict[str, Any]:
        doc = self.submitted()
        return dict(self.ok("lanhdao.ubnd", "POST", f"/api/v1/documents/{doc['id']}/sign", timeout=120))

    def arrival(self, clerk: str = "vanthu.ubnd") -> dict[str, Any]:
        """An incoming document entered from paper (no file: no signature check follows it)."""
        return dict(self.ok(clerk, "POST", "/api/v1/documents", json={
            "direction": "incoming", "type_code": "cong_van", "abstract": f"V/v báo cáo {self.marker()}",
            "sender": {"agency_code": LONG_CHAU, "agency_name": "UBND phường Long Châu",
                       "number_symbol": f"{next(self.counter)}/UBND-VP", "document_date": "2021-03-04"}}))

    def registered_arrival(self) -> dict[str, Any]:
        """An arrival of UBND registered (vào sổ) in a register of the matrix's own."""
        doc = self.arrival()
        return dict(self.ok("vanthu.ubnd", "POST", f"/api/v1/documents/{doc['id']}/register",
                            json={"register_id": self.arrivals_register()}))

    def subject_of(self, username: str) -> str:
        """A UBND person's subject, as the people directory gives it."""
        if "subjects" not in self.cache:
            people = self.ok("quantri.ubnd", "GET", "/api/v1/people")
            self.cache["subjects"] = {p["username"]: p["subject"] for p in people}
        return str(self.cache["subjects"][username])

    def case(self, state: str = "submitted", lead: str = "") -> Target:
        """A workflow case of a fresh registered arrival of UBND: submitted to the leaders, assigned (to Phòng Tổng
        hợp, or to the person ``lead``), or with the lead's extension request waiting for a leader."""
        doc = self.registered_arrival()
        case = self.ok("vanthu.ubnd", "POST", "/api/v1/workflow/incoming", json={"document_id": doc["id"]})
        if state != "submitted":
            party = {"kind": "person", "id": self.subject_of(lead)} if lead else {"kind": "unit", "id": "TH"}
            case = self.ok("lanhdao.ubnd", "POST", f"/api/v1/workflow/cases/{case['id']}/assign",
                           json={"version": case["version"], "lead": party, "deadline_days": 5})
        task = next((t for t in case["tasks"] if t["kind"] == "lead"), None)
        if state == "extension_requested":
            assert task is not None and lead
            case = self.ok(lead, "POST", f"/api/v1/workflow/tasks/{task['id']}/extension",
                           json={"version": case["version"], "days": 2, "reason": "Chờ số liệu của các xã"})
        return {"case_id": case["id"], "document_id": doc["id"], "version": case["version"],
                "task_id": task["id"] if task else ""}

    def person_of(self, username: str) -> str:
        """A person's subject, as their own agency's people directory gives it (``chuyenvien.snv``: Sở Nội vụ's)."""
        agency = username.split(".", 1)[1]
        key = f"subjects.{agency}"
        if key not in self.cache:
            people = self.ok(f"quantri.{agency}", "GET", "/api/v1/people")
            self.cache[key] = {p["username"]: p["subject"] for p in people}
        return str(self.cache[key][username])

    def job(self, state: str = "assigned") -> Target:
        """A job (giao việc) lanhdao.ubnd gives: chuyenvien.ubnd leads, Phòng Tổng hợp (its head) cooperates; with
        ``extension_requested`` the lead has asked for more time."""
        job = self.ok("lanhdao.ubnd", "POST", "/api/v1/workflow/jobs", json={
            "title": f"Chuẩn bị báo cáo {self.marker()}", "lead": {"kind": "person", "id": self.subject_of(
                "chuyenvien.ubnd")}, "cooperating": [{"kind": "unit", "id": "TH"}], "deadline_days": 5})
        task = next(t for t in job["tasks"] if t["kind"] == "lead")
        if state == "extension_requested":
            job = self.ok("chuyenvien.ubnd", "POST", f"/api/v1/workflow/tasks/{task['id']}/extension",
                          json={"version": job["version"], "days": 2, "reason": "Chờ số liệu của các xã"})
        assert job["state"] == state, job
        return {"case_id": job["id"], "version": job["version"], "task_id": task["id"]}

    def outgoing(self, state: str = "in_review", drafter: str = "chuyenvien.ubnd") -> Target:
        """An outgoing case of a fresh draft of UBND by ``drafter``, taken to ``state`` (in_review, returned,
        consulting, approved, submitted, signed). Phòng Tổng hợp's officer's draft is reviewed by its head; anyone
        else's by the leaders (their unit has no other head). Consulting: the leaders consult Phòng Tổng hợp (the one
        unit with a head), so the drafter must be of another unit."""
        doc = self.draft(drafter)
        case = self.ok(drafter, "POST", "/api/v1/workflow/outgoing", json={"document_id": doc["id"]})
        reviewer = "truongphong.ubnd" if drafter == "chuyenvien.ubnd" else "lanhdao.ubnd"
        path = f"/api/v1/workflow/cases/{case['id']}"
        if state == "returned":
            case = self.ok(reviewer, "POST", f"{path}/review",
                           json={"version": case["version"], "approve": False, "comment": "Sửa trích yếu"})
        elif state != "in_review":
            case = self.ok(reviewer, "POST", f"{path}/review", json={
                "version": case["version"], "approve": True, "consult": ["TH"] if state == "consulting" else []})
            if state in ("submitted", "signed"):
                case = self.ok(drafter, "POST", f"{path}/submit", json={"version": case["version"]})
            if state == "signed":
                case = self.ok("lanhdao.ubnd", "POST", f"{path}/sign", json={"version": case["version"]}, timeout=120)
        assert case["state"] == state, case
        task = next((t for t in case["tasks"] if t["kind"] == "consult" and t["state"] == "open"), None)
        return {"case_id": case["id"], "document_id": doc["id"], "version": case["version"],
                "task_id": task["id"] if task else ""}

    def issued_to(self, *codes: str) -> dict[str, Any]:
        """A letter of UBND issued to ``codes``, once interchange wrote its deliveries."""
        object_id = self.upload(signable=True)["object_id"]
        doc = self.ok("chuyenvien.ubnd", "POST", "/api/v1/documents", json={
            "type_code": "cong_van", "abstract": f"V/v kiểm tra liên thông {self.marker()}", "unit_abbreviation": "VP",
            "recipients": [{"agency_code": c} for c in codes], "files": [{"object_id": object_id, "role": "main"}]})
        self.ok("chuyenvien.ubnd", "POST", f"/api/v1/documents/{doc['id']}/submit")
        self.ok("lanhdao.ubnd", "POST", f"/api/v1/documents/{doc['id']}/sign", timeout=120)
        issued = dict(self.ok("vanthu.ubnd", "POST", f"/api/v1/documents/{doc['id']}/issue",
                              json={"register_id": self.seeded_register("outgoing")}, timeout=120))
        wait_for(lambda: len(self.ok("vanthu.ubnd", "GET", f"/api/v1/documents/{doc['id']}/deliveries"))
                   == len(codes), "its deliveries")
        return issued

    def failed_delivery(self) -> Target:
        doc = self.issued_to(MINISTRY)
        (delivery,) = self.ok("vanthu.ubnd", "GET", f"/api/v1/documents/{doc['id']}/deliveries")
        assert delivery["state"] == "failed", delivery
        return {"delivery_id": delivery["id"], "document_id": doc["id"]}

    def revocation_requested(self) -> Target:
        """An arrival of UBND (a letter UBND sent itself) whose sender asked it back, its signature checked."""
        doc = self.issued_to(UBND)

        def arrival() -> dict[str, Any] | None:
            found = self.ok("vanthu.ubnd", "GET", "/api/v1/documents", params={
                "direction": "incoming", "issuing_agency_code": UBND, "text": doc["abstract"]})["items"]
            return next((d for d in found if d["number_symbol"] == doc["number_symbol"]
                         and d["signature_check"] in ("valid", "invalid")), None)

        got = wait_for(arrival, "the arrival, its signature checked")
        timeline = f"/api/v1/documents/{doc['id']}/deliveries"
        wait_for(lambda: [s["code"] for d in self.ok("vanthu.ubnd", "GET", timeline) for s in d["statuses"]]
                   == ["01"], "its 01")
        self.ok("vanthu.ubnd", "POST", f"/api/v1/documents/{doc['id']}/revoke", json={"reason": "Thử phân quyền"})
        wait_for(lambda: self.ok("vanthu.ubnd", "GET", f"/api/v1/documents/{got['id']}")["revocation"]
                   == "requested", "the revocation request")
        return {"document_id": got["id"]}

    def until(check: Callable[[], Any], what: str, timeout_s: float = 60.0) -> Any:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = check()
            if found:
                return found
            time.sleep(0.2)
        raise AssertionError(f"{what}: not within {timeout_s:.0f} s")

    def register(self, clerk: str = "vanthu.ubnd") -> dict[str, Any]:
        """A register of its own (a second arrival series, opened on purpose), so the seeded ones stay as they are."""
        return dict(self.ok(clerk, "POST", "/api/v1/registers", json={
            "direction": "incoming", "name": f"Sổ đến thử {self.marker()}", "separate_arrival_series": True}))

    def arrivals_register(self) -> str:
        if "arrivals" not in self.cache:
            self.cache["arrivals"] = self.register()["id"]
        return str(self.cache["arrivals"])

    def seeded_register(self, direction: str, clerk: str = "vanthu.ubnd") -> str:
        registers = self.ok(clerk, "GET", "/api/v1/registers", params={"direction": direction})
        return str(next(r["id"] for r in registers if not r["type_codes"]))

    def png(self) -> bytes:
        from PIL import Image, ImageDraw

        img = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
        ImageDraw.Draw(img).line([(10, 100), (150, 20), (290, 90)], fill=(10, 30, 190, 255), width=6)
        out = io.BytesIO()
        img.save(out, "PNG")
        return out.getvalue()

    def two_step_profile(self) -> None:
        """Bind truongphong.longchau a personal profile with a key the service does not hold (the dev PKI's
        personal certificate, its key kept here as a USB token would), as the operator does (once)."""
        if "two_step" in self.cache:
            return
        image = self.tmp / "chu-ky.png"
        image.write_bytes(self.png())
        pki = self.platform.var / "signing" / "dev-pki"
        proc = subprocess.run([sys.executable, "-m", "vanthu_signing", "profile", "set", "--agency", LONG_CHAU,
                               "--user", TWO_STEP_USER, "--certificate", str(pki / "personal.crt"),
                               "--image", str(image)],
                              env=self.platform.env(), cwd=self.platform.var.parent, capture_output=True, text=True,
                              timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        self.two_step_images += 1  # the operator's change is published too (the service's relay picks it up)
        self.cache["two_step"] = pki / "personal.key"

    def prepared(self) -> dict[str, Any]:
        """A handle truongphong.longchau prepared on a file of theirs, and the signature value of its ``to_sign``."""
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding, rsa

        self.two_step_profile()
        source = self.upload(TWO_STEP_USER, signable=True)["object_id"]
        prepared = self.ok(TWO_STEP_USER, "POST", "/api/v1/signing/prepare", json={"object_id": source}, timeout=120)
        key = serialization.load_pem_private_key(Path(self.cache["two_step"]).read_bytes(), None)
        assert isinstance(key, rsa.RSAPrivateKey)
        value = key.sign(base64.b64decode(prepared["to_sign"]), padding.PKCS1v15(), hashes.SHA256())
        return {"handle": prepared["handle"], "signature_value": base64.b64encode(value).decode()}

    # -- barriers ---------------------------------------------------------------------------------------------------
    def barrier(self) -> dict[str, int]:
        """Make storage, the registry and signing each publish one event of their own, now, in a third agency;
        return where each arrived in the log. A service publishes its events in the order it made them, so any
        event it made before this one has arrived by then; and the registry's reactions to other services' events
        (the audience a workflow step widens, a signature check) are taken before it, so none falls between two
        barriers as if a refused call had caused it: the workflow announces a job of its own first, so its earlier
        steps are published (not waiting in its outbox) before the registry's consumer is settled."""
        # the workflow first: a job it announces in the third agency comes after every step it made before (its
        # relay publishes in order), so the registry's reactions to those steps are all in the stream to settle
        job = self.ok("lanhdao.longchau", "POST", "/api/v1/workflow/jobs", json={
            "title": f"Rào chắn của ma trận quyền {self.marker()}", "deadline_days": 5,
            "lead": {"kind": "person", "id": self.person_of("chuyenvien.longchau")}})["id"].encode()
        self.events.wait_for("the workflow barrier",
                             lambda s, d: s == WORKFLOW_JOB_ASSIGNED and job in d)
        self.events.settle((REGISTRY_WORKFLOW_STEPS.durable, REGISTRY_SIGNATURE_CHECKS.durable))
        self.two_step_profile()
        stored = self.upload("chuyenvien.longchau")["object_id"].encode()
        drafted = self.ok("chuyenvien.longchau", "POST", "/api/v1/documents", json={
            "type_code": "cong_van", "abstract": "Rào chắn của ma trận quyền"})["id"].encode()
        self.ok(TWO_STEP_USER, "PUT", "/api/v1/signing/profile/image",
                files={"image": ("chu-ky.png", self.png(), "image/png")})
        self.two_step_images += 1
        return {
            "storage": self.events.wait_for("the storage barrier",
                                            lambda s, d: s.startswith("vanthu.storage.") and stored in d),
            "registry": self.events.wait_for("the registry barrier",
                                             lambda s, d: s.startswith("vanthu.registry.") and drafted in d),
            "signing": self.events.wait_for("the signing barrier",
                                            lambda s, d: s == PROFILE_UPDATED and TWO_STEP_SUBJECT in d,
                                            count=self.two_step_images)}


# -- the rows -------------------------------------------------------------------------------------------------------
Target = dict[str, Any]


@dataclass(frozen=True)
class Row:
    """How to call one route on a resource in the state it needs.

    ``scope``: ``resource`` (the route names a resource of the owning agency: another agency's callers get 404),
    ``own`` (the caller acts within their own agency: lists, creations, their profile) or ``directory`` (the agency
    directory, the province's address book: everyone reads it). ``target`` builds the owner's resource the refused
    calls aim at; ``fresh`` one for each caller expected to succeed (default: the target); ``body`` the request's
    keyword arguments for a caller and a resource; ``snapshot`` re-reads the target as its owner. ``expect``:
    answers the demo data or a rule on the resource gives instead of the table's (user → status, why); ``extra``:
    more calls with the user, the resource builder, the status and why.
    """

    scope: str
    ok: int
    target: Callable[[World], Target] = lambda w: {}
    body: Callable[[World, str, Target], dict[str, Any]] = lambda w, u, t: {}
    fresh: Callable[[World, str], Target] | None = None
    snapshot: Callable[[World, Target], Any] | None = None
    case: str = ""
    expect: dict[str, tuple[int, str]] = field(default_factory=dict)
    extra: tuple[tuple[str, Callable[[World], Target], int, str], ...] = ()


def document_view(w: World, t: Target) -> Any:
    return (w.ok("vanthu.ubnd", "GET", f"/api/v1/documents/{t['document_id']}"),
            w.ok("vanthu.ubnd", "GET", f"/api/v1/documents/{t['document_id']}/history"))


def file_view(w: World, t: Target) -> Any:
    return w.ok(t.get("uploader", "chuyenvien.ubnd"), "GET", f"/api/v1/files/{t['object_id']}")


def register_view(w: World, t: Target) -> Any:
    return (w.ok("vanthu.ubnd", "GET", "/api/v1/registers"),
            w.ok("vanthu.ubnd", "GET", f"/api/v1/registers/{t['register_id']}/history"))


def both_agencies(path: str, **params: Any) -> Callable[[World, Target], Any]:
    def view(w: World, t: Target) -> Any:
        resolved = {k: v.format(**t) for k, v in params.items()}
        return [w.ok(f"vanthu.{a}", "GET", path, params=resolved) for a in (OWNER, OTHER)]

    return view


def doc(build: Callable[[World], dict[str, Any]]) -> Callable[[World], Target]:
    return lambda w: {"document_id": build(w)["id"]}


def file_of(username: str = "chuyenvien.ubnd", signable: bool = False) -> Callable[[World], Target]:
    return lambda w: {"object_id": w.upload(username, signable)["object_id"], "uploader": username}


def a_register(w: World) -> Target:
    return {"register_id": w.register()["id"]}


def fresh_register(w: World, username: str) -> Target:
    return a_register(w)


REASON = {"reason": "Thử phân quyền"}
#: A period for the exchange statistics (counts only; any period will do).
PERIOD = {"date_from": "2026-01-01", "date_to": "2026-12-31"}
KEEPERS = ("vanthu.ubnd", "luutru.ubnd", "quantri.ubnd")


def arrival_book(w: World, u: str, t: Target) -> dict[str, Any]:
    """The previous system's arrival book (Appendix IV columns) as CSV, for a year long past."""
    out = io.StringIO()
    rows = csv.writer(out)
    rows.writerow(["Ngày đến", "Số đến", "Tác giả", "Số, ký hiệu", "Ngày tháng văn bản",
                   "Tên loại và trích yếu nội dung"])
    rows.writerow(["28/05/2021", "311", "Ủy ban nhân dân tỉnh Vĩnh Long", "456/UBND-NC", "27/05/2021",
                   "V/v rà soát biên chế năm 2021"])
    return {"content": out.getvalue().encode(), "params": {"file_name": "so-den-cu.csv"},
            "headers": {"Content-Type": "text/csv"}}


def agency_body(w: World, u: str, t: Target) -> dict[str, Any]:
    a = w.ok("vanthu.ubnd", "GET", f"/api/v1/agencies/{t['code']}")
    return {"json": {k: a[k] for k in ("name", "short_name", "parent_code", "level", "valid_from", "valid_to",
                                       "address", "email", "phone", "source", "place")}}


def a_unit(w: World) -> str:
    """A unit of UBND of its own (a fresh code), made by its admin, so the seeded units stay as they are."""
    code = w.marker()
    w.ok("quantri.ubnd", "PUT", f"/api/v1/units/{code}", json={"name": "Phòng Thử phân quyền", "kind": "division"})
    return code


def member_target(member: bool = False) -> Callable[[World], Target]:
    """A fresh unit of UBND and chuyenvien.ubnd's subject (``member``: already in it, as an officer)."""
    def build(w: World) -> Target:
        if "officer" not in w.cache:
            people = w.ok("quantri.ubnd", "GET", "/api/v1/people")
            w.cache["officer"] = next(p["subject"] for p in people if p["username"] == "chuyenvien.ubnd")
        target = {"code": a_unit(w), "subject": w.cache["officer"]}
        if member:
            w.ok("quantri.ubnd", "PUT", "/api/v1/units/{code}/members/{subject}".format(**target),
                 json={"position": "officer"})
        return target

    return build


def case_view(w: World, t: Target) -> Any:
    return w.ok("vanthu.ubnd", "GET", f"/api/v1/workflow/cases/{t['case_id']}")


def job_view(w: World, t: Target) -> Any:
    return w.ok("lanhdao.ubnd", "GET", f"/api/v1/workflow/jobs/{t['case_id']}")


#: Who of UBND does not see chuyenvien.ubnd's draft (its audience: the drafter, the clerks, the leaders; issue 13
#: item 7): it is not found for them.
NOT_IN_THE_DRAFTS_AUDIENCE = {f"{name}.ubnd": (404, "not in the draft's audience")
                              for name in ("truongphong", "luutru", "quantri")}
#: Who of UBND the registry does not show a submitted arrival to (not yet given to them): nor its case.
NOT_GIVEN_THE_ARRIVAL = {f"{name}.ubnd": (404, "the arrival was not given to them")
                         for name in ("truongphong", "chuyenvien", "luutru", "quantri")}
#: Who of UBND is not part of the matrix's job (World.job): they do not find it.
OUTSIDE_THE_JOB = {f"{name}.ubnd": (404, "not part of the job") for name in ("vanthu", "luutru", "quantri")}
#: Who is part of the job without having given it: its assignees may not direct it.
IN_THE_JOB = {f"{name}.ubnd": (403, "only the giver directs the job") for name in ("truongphong", "chuyenvien")}


def unit_members(w: World, t: Target) -> Any:
    return w.ok("vanthu.ubnd", "GET", f"/api/v1/units/{t['code']}/members")


def copy_target(w: World) -> Target:
    return {"object_id": w.upload("vanthu.ubnd", signable=True)["object_id"], "uploader": "vanthu.ubnd",
            "register": w.seeded_register("copy")}


def no_profile(*users: str) -> dict[str, tuple[int, str]]:
    return {u: (422, "no personal signing profile (only lanhdao.ubnd has one)") for u in users}


LEADERS_AND_HEADS = ("lanhdao.ubnd", "truongphong.ubnd", "lanhdao.snv", "truongphong.snv")

ROWS: dict[str, Row] = {
    # -- who am I, the directory ------------------------------------------------------------------------------------
    "GET /api/v1/me": Row("directory", 200),
    "GET /api/v1/agencies": Row("directory", 200, body=lambda w, u, t: {"params": {"page_size": 5}}),
    "GET /api/v1/agencies/{code}": Row("directory", 200, target=lambda w: {"code": UBND}),
    "PUT /api/v1/agencies/{code}": Row(
        "resource", 200, target=lambda w: {"code": UBND}, body=agency_body,
        snapshot=lambda w, t: w.ok("vanthu.ubnd", "GET", f"/api/v1/agencies/{t['code']}"),
        expect={"quantri.snv": (403, "UBND tỉnh is not under Sở Nội vụ: its admin changes only their own entries")}),
    # -- the agency's units and people ------------------------------------------------------------------------------
    "GET /api/v1/units": Row("own", 200),
    "PUT /api/v1/units/{code}": Row(
        "own", 201, target=lambda w: {"code": w.marker()}, fresh=lambda w, u: {"code": w.marker()},
        snapshot=both_agencies("/api/v1/units", include_inactive="true"),
        body=lambda w, u, t: {"json": {"name": "Phòng Thử phân quyền", "kind": "division"}}),
    "GET /api/v1/units/{code}/members": Row("resource", 200, target=lambda w: {"code": a_unit(w)}),
    "PUT /api/v1/units/{code}/members/{subject}": Row(
        "resource", 201, target=member_target(), fresh=lambda w, u: member_target()(w), snapshot=unit_members,
        body=lambda w, u, t: {"json": {"position": "officer"}}),
    "DELETE /api/v1/units/{code}/members/{subject}": Row(
        "resource", 204, target=member_target(member=True), fresh=lambda w, u: member_target(member=True)(w),
        snapshot=unit_members),
    "GET /api/v1/people": Row("own", 200),
    # -- types and registers ----------------------------------------------------------------------------------------
    "GET /api/v1/document-types": Row("own", 200),
    "POST /api/v1/document-types": Row(
        "own", 201, snapshot=both_agencies("/api/v1/document-types"),
        body=lambda w, u, t: {"json": {"code": w.marker(), "name": "Loại văn bản thử", "abbreviation": "LT"}}),
    "PUT /api/v1/document-types/{code}/exchange-form": Row(
        "own", 200, target=lambda w: {"code": "phieu_bao"}, snapshot=both_agencies("/api/v1/document-types"),
        body=lambda w, u, t: {"json": {"exchange_form": "electronic_and_paper"}}),
    "GET /api/v1/registers": Row("own", 200),
    "POST /api/v1/registers": Row(
        "own", 201, snapshot=both_agencies("/api/v1/registers"),
        body=lambda w, u, t: {"json": {"direction": "incoming", "name": f"Sổ đến thử {w.marker()}",
                                       "separate_arrival_series": True}}),
    "GET /api/v1/registers/{register_id}/export": Row(
        "resource", 200, target=lambda w: {"register_id": w.seeded_register("outgoing")},
        body=lambda w, u, t: {"params": {"date_from": "2021-01-01", "date_to": "2021-12-31"}}),
    "POST /api/v1/registers/{register_id}/start": Row(
        "resource", 200, target=a_register, fresh=fresh_register, snapshot=register_view,
        body=lambda w, u, t: {"json": {"next_number": 50, "reason": "Tiếp nối sổ của hệ thống cũ"}}),
    "POST /api/v1/registers/{register_id}/import": Row(
        "resource", 201, target=a_register, fresh=fresh_register, snapshot=register_view, body=arrival_book),
    "POST /api/v1/registers/{register_id}/close": Row(
        "resource", 200, target=a_register, fresh=fresh_register, snapshot=register_view,
        body=lambda w, u, t: {"json": REASON}),
    "GET /api/v1/registers/{register_id}/history": Row(
        "resource", 200, target=lambda w: {"register_id": w.seeded_register("outgoing")}),
    # -- documents --------------------------------------------------------------------------------------------------
    "POST /api/v1/documents": Row(
        "own", 201, target=lambda w: {"marker": w.marker()},
        body=lambda w, u, t: {"json": {"type_code": "cong_van", "abstract": f"V/v dự thảo {t['marker']}"}},
        snapshot=both_agencies("/api/v1/documents", q="{marker}")),
    "POST /api/v1/documents#incoming": Row(
        "own", 201, case="CreateDocument.incoming", target=lambda w: {"marker": w.marker()},
        body=lambda w, u, t: {"json": {
            "direction": "incoming", "type_code": "cong_van", "abstract": f"V/v văn bản đến {t['marker']}",
            "sender": {"agency_code": LONG_CHAU, "agency_name": "UBND phường Long Châu",
                       "number_symbol": f"{next(w.counter)}/UBND-VP", "document_date": "2021-03-04"}}},
        snapshot=both_agencies("/api/v1/documents", q="{marker}")),
    "GET /api/v1/documents": Row("own", 200, body=lambda w, u, t: {"params": {"page_size": 5}}),
    # the list as filtered, as XLSX: what the registry shows the caller (their own agency's, their audience's)
    "GET /api/v1/documents/export": Row("own", 200, body=lambda w, u, t: {"params": {
        "direction": "incoming", "date_from": "2021-01-01", "date_to": "2021-12-31"}}),
    "GET /api/v1/documents/{document_id}": Row("resource", 200, target=doc(lambda w: w.draft(with_file=False)),
                                               expect=NOT_IN_THE_DRAFTS_AUDIENCE),
    "GET /api/v1/documents/{document_id}/history": Row("resource", 200,
                                                       target=doc(lambda w: w.draft(with_file=False)),
                                                       expect=NOT_IN_THE_DRAFTS_AUDIENCE),
    "GET /api/v1/documents/{document_id}/access-log": Row("resource", 200,
                                                          target=doc(lambda w: w.draft(with_file=False))),
    "PUT /api/v1/documents/{document_id}": Row(
        "resource", 200, target=doc(lambda w: w.draft(with_file=False)), snapshot=document_view,
        fresh=lambda w, u: {"document_id": w.draft(u, with_file=False)["id"]},  # each drafter changes their own
        body=lambda w, u, t: {"json": {"type_code": "cong_van", "abstract": "V/v kiểm tra quyền (đã sửa)",
                                       "unit_abbreviation": "VP"}},
        extra=(("vanthu.ubnd", doc(lambda w: w.draft(with_file=False)), 403,
                "only its drafter changes a draft (issue 13 second review)"),
               ("truongphong.ubnd", doc(lambda w: w.draft(with_file=False)), 404,
                "not in the draft's audience: the draft is read before it is changed"),
               ("chuyenvien.ubnd", lambda w: {"document_id": w.outgoing("in_review")["document_id"]}, 422,
                "the circuit governs it: not while in review (issue 13 review)"),
               ("chuyenvien.ubnd", lambda w: {"document_id": w.outgoing("approved")["document_id"]}, 200,
                "approved, not yet sent for signing: the drafter's change sends it back to review"),
               ("chuyenvien.ubnd", lambda w: {"document_id": w.outgoing("returned")["document_id"]}, 200,
                "returned to its drafter: changed through the circuit"),
               ("truongphong.ubnd", lambda w: {"document_id": w.outgoing("returned")["document_id"]}, 403,
                "the circuit's draft is its drafter's to change"))),
    "POST /api/v1/documents/{document_id}/submit": Row(
        "resource", 200, target=doc(lambda w: w.draft()), snapshot=document_view,
        fresh=lambda w, u: {"document_id": w.draft(u)["id"]},  # each drafter submits a draft of their own
        extra=(("truongphong.ubnd", doc(lambda w: w.draft()), 403, "only the drafter submits it"),)),
    "POST /api/v1/documents/{document_id}/return": Row(
        "resource", 200, target=doc(lambda w: w.submitted()), snapshot=document_view,
        fresh=lambda w, u: {"document_id": w.submitted()["id"]}, body=lambda w, u, t: {"json": REASON}),
    "POST /api/v1/documents/{document_id}/sign": Row(
        "resource", 200, target=doc(lambda w: w.submitted()), snapshot=document_view,
        fresh=lambda w, u: {"document_id": w.submitted()["id"]}, body=lambda w, u, t: {"timeout": 120},
        expect=no_profile("truongphong.ubnd"),
        extra=(("lanhdao.ubnd", lambda w: {"document_id": w.outgoing("submitted")["document_id"]}, 422,
                "the circuit governs it: signed only in its case (issue 13 review item 1)"),)),
    "POST /api/v1/documents/{document_id}/issue": Row(
        "resource", 200, target=doc(lambda w: w.signed()), snapshot=document_view,
        fresh=lambda w, u: {"document_id": w.signed()["id"]}, body=lambda w, u, t: {"json": {}, "timeout": 120}),
    "POST /api/v1/documents/{document_id}/register": Row(
        "resource", 200, target=doc(lambda w: w.arrival()), snapshot=document_view,
        fresh=lambda w, u: {"document_id": w.arrival()["id"]},
        body=lambda w, u, t: {"json": {"register_id": w.arrivals_register()}}),
    "POST /api/v1/documents/{document_id}/reject": Row(
        "resource", 200, target=doc(lambda w: w.arrival()), snapshot=document_view,
        fresh=lambda w, u: {"document_id": w.arrival()["id"]}, body=lambda w, u, t: {"json": REASON}),
    "POST /api/v1/documents/{document_id}/cancel": Row(
        "resource", 200, target=doc(lambda w: w.draft()), snapshot=document_view,
        fresh=lambda w, u: {"document_id": w.draft()["id"]}, body=lambda w, u, t: {"json": REASON}),
    "POST /api/v1/documents/{document_id}/revocation/accept": Row(
        "resource", 200, target=lambda w: w.revocation_requested(), snapshot=document_view,
        fresh=lambda w, u: w.revocation_requested()),
    "POST /api/v1/documents/{document_id}/revocation/refuse": Row(
        "resource", 200, target=lambda w: w.revocation_requested(), snapshot=document_view,
        fresh=lambda w, u: w.revocation_requested(), body=lambda w, u, t: {"json": REASON}),
    # -- interchange ------------------------------------------------------------------------------------------------
    "GET /api/v1/documents/{document_id}/deliveries": Row(  # another agency's document has no deliveries of theirs
        "own", 200, target=doc(lambda w: w.draft(with_file=False))),
    "POST /api/v1/deliveries/{delivery_id}/resend": Row(
        "resource", 200, target=lambda w: w.failed_delivery(), fresh=lambda w, u: w.failed_delivery(),
        snapshot=lambda w, t: w.ok("vanthu.ubnd", "GET", f"/api/v1/documents/{t['document_id']}/deliveries")),
    "GET /api/v1/interchange/statistics": Row("own", 200, body=lambda w, u, t: {"params": PERIOD}),
    "GET /api/v1/interchange/statistics/export": Row("own", 200, body=lambda w, u, t: {"params": PERIOD}),
    "POST /api/v1/documents/{document_id}/revoke": Row(
        "resource", 200, target=lambda w: {"document_id": w.issued_to(MINISTRY)["id"]},
        fresh=lambda w, u: {"document_id": w.issued_to(MINISTRY)["id"]}, snapshot=lambda w, t: (
            document_view(w, t), w.ok("vanthu.ubnd", "GET", f"/api/v1/documents/{t['document_id']}/deliveries")),
        body=lambda w, u, t: {"json": REASON}),
    # -- files ------------------------------------------------------------------------------------------------------
    "POST /api/v1/files": Row("own", 201, body=lambda w, u, t: {
        "files": {"file": ("tệp thử.pdf", w.pdf(), "application/pdf")}}),
    "GET /api/v1/files/{object_id}": Row("resource", 200, target=file_of()),
    "GET /api/v1/files/{object_id}/content": Row("resource", 200, target=file_of()),
    "POST /api/v1/files/{object_id}/link": Row("resource", 200, target=file_of()),
    "DELETE /api/v1/files/{object_id}": Row(
        "resource", 204, target=file_of(), snapshot=file_view,
        # clerks, archivists and admins delete another's upload; everyone else their own
        fresh=lambda w, u: file_of("chuyenvien.ubnd" if u in KEEPERS else u)(w),
        extra=(("lanhdao.ubnd", file_of(), 403, "not the uploader, and a leader keeps no files"),)),
    # -- signing ----------------------------------------------------------------------------------------------------
    "POST /api/v1/signing/personal": Row(
        "resource", 201, target=file_of(signable=True), snapshot=file_view,
        body=lambda w, u, t: {"json": {"object_id": t["object_id"]}, "timeout": 120},
        expect=no_profile("truongphong.ubnd", "lanhdao.snv", "truongphong.snv")),  # the profile is read first
    "POST /api/v1/signing/copy": Row(
        "resource", 201, target=copy_target, snapshot=file_view,
        body=lambda w, u, t: {"json": {"object_id": t["object_id"], "form": "SY", "copy_register_id": t["register"]},
                              "timeout": 120},
        # the register is named in the body: a field error, the same as for a register that does not exist
        expect={"vanthu.snv": (400, "copy_register_id is not a register of their agency")}),
    "POST /api/v1/signing/prepare": Row(
        "resource", 201, target=file_of(signable=True), snapshot=file_view,
        body=lambda w, u, t: {"json": {"object_id": t["object_id"]}, "timeout": 120},
        expect={"lanhdao.ubnd": (422, "their key is held by the service: they sign with /signing/personal"),
                **no_profile("truongphong.ubnd", "lanhdao.snv", "truongphong.snv")},
        extra=((TWO_STEP_USER, file_of(TWO_STEP_USER, signable=True), 201,
                "a head whose key the service does not hold prepares a signature"),)),
    "POST /api/v1/signing/placement": Row(
        "resource", 200, target=file_of(signable=True), snapshot=file_view,
        body=lambda w, u, t: {"json": {"object_id": t["object_id"]}, "timeout": 120},
        expect=no_profile("truongphong.ubnd", "lanhdao.snv", "truongphong.snv"),
        extra=((TWO_STEP_USER, file_of(TWO_STEP_USER, signable=True), 200,
                "a head whose key the service does not hold sees where the signature will land too"),)),
    "POST /api/v1/signing/complete": Row(
        "resource", 201, target=lambda w: w.prepared(), body=lambda w, u, t: {"json": t, "timeout": 120},
        expect={u: (404, "only the person who prepared the handle completes it") for u in LEADERS_AND_HEADS},
        extra=((TWO_STEP_USER, lambda w: w.prepared(), 201, "the head who prepared it completes it"),)),
    # a draft's main file checked for [[SO]], [[NGAY]], [[CHU_KY]] as it is uploaded: the drafters, their own agency's
    "POST /api/v1/signing/check-draft": Row(
        "resource", 200, target=file_of(signable=True), snapshot=file_view,
        body=lambda w, u, t: {"json": {"object_id": t["object_id"]}, "timeout": 120}),
    "POST /api/v1/signing/verify": Row(
        "resource", 200, target=file_of(signable=True),
        body=lambda w, u, t: {"json": {"object_id": t["object_id"]}, "timeout": 120}),
    "GET /api/v1/signing/profile": Row(
        "own", 200, expect={**no_profile("truongphong.ubnd", "lanhdao.snv", "truongphong.snv"),
                            "vanthu.snv": (422, "Sở Nội vụ has no seal profile"),
                            "quantri.snv": (422, "Sở Nội vụ has no seal profile")}),
    "PUT /api/v1/signing/profile/image": Row(
        "own", 200, snapshot=lambda w, t: w.ok("vanthu.ubnd", "GET", "/api/v1/signing/profile"),  # UBND's seal
        body=lambda w, u, t: {"files": {"image": ("chu-ky.png", w.png(), "image/png")}},
        expect={**no_profile("truongphong.ubnd", "lanhdao.snv", "truongphong.snv"),
                "quantri.snv": (422, "Sở Nội vụ has no seal profile")}),
}
def delegation_body(w: World, username: str, t: Target) -> dict[str, Any]:
    """A delegation ``username`` may make: a leader's own tasks to their agency's head, a head's unit's tasks to the
    unit's officer; for a week starting a year from today (Vietnam date: the platform runs on the real clock), so that
    it is never in force while the other e2e modules of the same platform run (the deputy would act for the head)."""
    agency = username.split(".")[1]
    key = f"people.{agency}"
    if key not in w.cache:
        w.cache[key] = {p["username"]: p["subject"] for p in w.ok(f"quantri.{agency}", "GET", "/api/v1/people")}
    today = (datetime.now(UTC) + timedelta(hours=7)).date() + timedelta(days=365)
    leader = username.startswith("lanhdao.")
    return {"json": {"deputy": w.cache[key][f"{'truongphong' if leader else 'chuyenvien'}.{agency}"],
                     "unit_code": "" if leader else {"ubnd": "TH", "snv": "TCBC"}[agency],
                     "valid_from": today.isoformat(), "valid_to": (today + timedelta(days=7)).isoformat(),
                     "competence": "TUQ.", "reason": "Đi công tác"}}


def a_delegation(w: World) -> Target:
    """truongphong.ubnd's delegation of Phòng Tổng hợp's tasks to chuyenvien.ubnd."""
    made = w.ok("truongphong.ubnd", "POST", "/api/v1/workflow/delegations",
                **delegation_body(w, "truongphong.ubnd", {}))
    return {"delegation_id": made["id"]}


def delegations_of_ubnd(w: World, t: Target) -> Any:
    return w.ok("lanhdao.ubnd", "GET", "/api/v1/workflow/delegations")


ROWS.update({
    # -- workflow: ủy quyền -----------------------------------------------------------------------------------------
    "POST /api/v1/workflow/delegations": Row("own", 201, body=delegation_body, snapshot=delegations_of_ubnd),
    "GET /api/v1/workflow/delegations": Row("own", 200),
    "POST /api/v1/workflow/delegations/{delegation_id}/revoke": Row(
        "resource", 200, target=a_delegation, fresh=lambda w, u: a_delegation(w), snapshot=delegations_of_ubnd),
    # -- workflow: processing of incoming documents ------------------------------------------------------------------
    "POST /api/v1/workflow/incoming": Row(
        "resource", 201, target=lambda w: {"document_id": w.registered_arrival()["id"]},
        fresh=lambda w, u: {"document_id": w.registered_arrival()["id"]},
        body=lambda w, u, t: {"json": {"document_id": t["document_id"]}}),
    "GET /api/v1/workflow/cases/{case_id}": Row("resource", 200, target=lambda w: w.case(),
                                                expect=NOT_GIVEN_THE_ARRIVAL),
    "GET /api/v1/workflow/documents/{document_id}/case": Row("resource", 200, target=lambda w: w.case(),
                                                             expect=NOT_GIVEN_THE_ARRIVAL),
    "GET /api/v1/workflow/inbox": Row("own", 200),
    # the deadline a form previews: the service's calendar, no agency's data (everyone, every agency)
    "GET /api/v1/workflow/deadline": Row("directory", 200, body=lambda w, u, t: {"params": {"days": 5}}),
    "GET /api/v1/workflow/dashboard": Row("own", 200, body=lambda w, u, t: {"params": PERIOD}),
    "GET /api/v1/workflow/dashboard/export": Row("own", 200, body=lambda w, u, t: {"params": {**PERIOD,
                                                                                             "format": "csv"}}),
    "POST /api/v1/workflow/cases/{case_id}/assign": Row(
        "resource", 200, target=lambda w: w.case(), fresh=lambda w, u: w.case(), snapshot=case_view,
        body=lambda w, u, t: {"json": {"version": t["version"], "lead": {"kind": "unit", "id": "TH"},
                                       "deadline_days": 5}}),
    "POST /api/v1/workflow/cases/{case_id}/recall": Row(
        "resource", 200, target=lambda w: w.case("assigned"), fresh=lambda w, u: w.case("assigned"),
        snapshot=case_view, body=lambda w, u, t: {"json": {"version": t["version"]}}),
    "POST /api/v1/workflow/cases/{case_id}/extension": Row(
        "resource", 200, target=lambda w: w.case("extension_requested", "chuyenvien.ubnd"),
        fresh=lambda w, u: w.case("extension_requested", "chuyenvien.ubnd"), snapshot=case_view,
        body=lambda w, u, t: {"json": {"version": t["version"], "grant": True}}),
    "POST /api/v1/workflow/tasks/{task_id}/delegate": Row(
        "resource", 200, target=lambda w: w.case("assigned"), fresh=lambda w, u: w.case("assigned"),
        snapshot=case_view,
        body=lambda w, u, t: {"json": {"version": t["version"], "subject": w.subject_of("chuyenvien.ubnd")}}),
    **{f"POST /api/v1/workflow/tasks/{{task_id}}/{action}": Row(
        "resource", 200, target=lambda w: w.case("assigned", "chuyenvien.ubnd"),
        fresh=lambda w, u: w.case("assigned", u), snapshot=case_view,  # each person acts on a task of their own
        body=lambda w, u, t, extra=extra: {"json": {"version": t["version"], **extra}},
        extra=(("luutru.ubnd", lambda w: w.case("assigned", "chuyenvien.ubnd"), 403,
                "the task is not in their inbox"),))
       for action, extra in (("progress", {"comment": "Đã tổng hợp số liệu"}),
                             ("extension", {"days": 2, "reason": "Chờ số liệu của các xã"}),
                             ("return", {"reason": "Không thuộc chức năng của phòng"}),
                             ("complete", {"result": "Đã báo cáo"}))},
    # -- workflow: assigned work (giao việc); its tasks are acted on with the /tasks/{task_id}/… rows above ----------
    "POST /api/v1/workflow/jobs": Row(
        "own", 201, body=lambda w, u, t: {"json": {
            "title": "Tổ chức hội nghị sơ kết", "deadline_days": 5,
            "lead": {"kind": "person", "id": w.person_of("chuyenvien." + u.split(".", 1)[1])}}},
        expect={user(role, agency): (403, "only leaders, and heads within their unit, give work")
                for role in ("clerk", "officer", "archivist", "admin") for agency in (OWNER, OTHER)}),
    "GET /api/v1/workflow/jobs": Row("own", 200),
    "GET /api/v1/workflow/jobs/{case_id}": Row(
        "resource", 200, target=lambda w: w.job(),
        expect={**OUTSIDE_THE_JOB}),
    "POST /api/v1/workflow/jobs/{case_id}/reassign": Row(
        "resource", 200, target=lambda w: w.job(), fresh=lambda w, u: w.job(), snapshot=job_view,
        body=lambda w, u, t: {"json": {"version": t["version"], "lead": {"kind": "unit", "id": "TH"},
                                       "deadline_days": 3}},
        expect={**OUTSIDE_THE_JOB, **IN_THE_JOB}),
    "POST /api/v1/workflow/jobs/{case_id}/recall": Row(
        "resource", 200, target=lambda w: w.job(), fresh=lambda w, u: w.job(), snapshot=job_view,
        body=lambda w, u, t: {"json": {"version": t["version"]}}, expect={**OUTSIDE_THE_JOB, **IN_THE_JOB}),
    "POST /api/v1/workflow/jobs/{case_id}/extension": Row(
        "resource", 200, target=lambda w: w.job("extension_requested"),
        fresh=lambda w, u: w.job("extension_requested"), snapshot=job_view,
        body=lambda w, u, t: {"json": {"version": t["version"], "grant": True}},
        expect={**OUTSIDE_THE_JOB, **IN_THE_JOB}),
    # -- notifications: each person's own ----------------------------------------------------------------------------
    "GET /api/v1/notifications": Row("own", 200),
    # search: within the caller's own agency and the documents' audiences (issue 15)
    "GET /api/v1/search": Row("own", 200, body=lambda w, u, t: {"params": {"q": "quyết định"}}),
    "POST /api/v1/notifications/read": Row("own", 200, body=lambda w, u, t: {"json": {"all": True}}),
    "GET /api/v1/notifications/stream": Row("own", 200),
    "GET /api/v1/notifications/settings": Row("own", 200),
    "PUT /api/v1/notifications/settings": Row("own", 200, body=lambda w, u, t: {"json": {"email": True}}),
    # -- workflow: the outgoing circuit ------------------------------------------------------------------------------
    "POST /api/v1/workflow/outgoing": Row(
        "resource", 201, target=lambda w: {"document_id": w.draft()["id"]},
        fresh=lambda w, u: {"document_id": w.draft(u)["id"]},  # each drafter starts a draft of their own
        body=lambda w, u, t: {"json": {"document_id": t["document_id"]}},
        extra=(("truongphong.ubnd", lambda w: {"document_id": w.draft()["id"]}, 404,
                "only the drafter; another's draft is not even theirs to see (its audience)"),)),
    "POST /api/v1/workflow/cases/{case_id}/review": Row(
        "resource", 200, target=lambda w: w.outgoing(), snapshot=case_view,
        fresh=lambda w, u: w.outgoing(drafter="chuyenvien.ubnd" if u == "truongphong.ubnd" else "vanthu.ubnd"),
        body=lambda w, u, t: {"json": {"version": t["version"], "approve": True}},
        extra=(("lanhdao.ubnd", lambda w: w.outgoing(), 403, "the circuit gives it to Phòng Tổng hợp's head"),)),
    "POST /api/v1/workflow/cases/{case_id}/resend": Row(
        "resource", 200, target=lambda w: w.outgoing("returned"), snapshot=case_view,
        fresh=lambda w, u: w.outgoing("returned", drafter=u),  # each drafter resends a draft of their own
        body=lambda w, u, t: {"json": {"version": t["version"]}},
        extra=(("truongphong.ubnd", lambda w: w.outgoing("returned"), 403, "only the drafter"),)),
    "POST /api/v1/workflow/tasks/{task_id}/answer": Row(
        "resource", 200, target=lambda w: w.outgoing("consulting", drafter="vanthu.ubnd"), snapshot=case_view,
        fresh=lambda w, u: w.outgoing("consulting", drafter="vanthu.ubnd"),
        body=lambda w, u, t: {"json": {"version": t["version"], "opinion": "Phòng Tổng hợp thống nhất"}}),
    "POST /api/v1/workflow/cases/{case_id}/submit": Row(
        "resource", 200, target=lambda w: w.outgoing("approved"), snapshot=case_view,
        fresh=lambda w, u: w.outgoing("approved", drafter=u),
        body=lambda w, u, t: {"json": {"version": t["version"]}},
        extra=(("truongphong.ubnd", lambda w: w.outgoing("approved"), 403, "only the drafter"),)),
    "POST /api/v1/workflow/cases/{case_id}/sign": Row(
        "resource", 200, target=lambda w: w.outgoing("submitted"), snapshot=case_view,
        fresh=lambda w, u: w.outgoing("submitted"),
        body=lambda w, u, t: {"json": {"version": t["version"]}, "timeout": 120},
        expect={"truongphong.ubnd": (403, "the circuit gives signing to the leaders")}),
    "POST /api/v1/workflow/cases/{case_id}/prepare-signature": Row(
        "resource", 200, target=lambda w: w.outgoing("submitted"), snapshot=case_view,
        fresh=lambda w, u: w.outgoing("submitted"),
        body=lambda w, u, t: {"json": {"version": t["version"]}, "timeout": 120},
        expect={"lanhdao.ubnd": (422, "their key is held by the service: they sign with …/sign alone"),
                "truongphong.ubnd": (403, "the circuit gives signing to the leaders")}),
    "POST /api/v1/workflow/cases/{case_id}/return-unsigned": Row(
        "resource", 200, target=lambda w: w.outgoing("submitted"), snapshot=case_view,
        fresh=lambda w, u: w.outgoing("submitted"),
        body=lambda w, u, t: {"json": {"version": t["version"], "reason": "Sửa lại căn cứ ban hành"}},
        expect={"truongphong.ubnd": (403, "the circuit gives signing to the leaders")}),
    "POST /api/v1/workflow/cases/{case_id}/issue": Row(
        "resource", 200, target=lambda w: w.outgoing("signed"), snapshot=case_view,
        fresh=lambda w, u: w.outgoing("signed"),
        body=lambda w, u, t: {"json": {"version": t["version"]}, "timeout": 120}),
})


# -- the matrix ------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def operations(platform: Stack) -> dict[str, dict[str, Any]]:
    """The gateway's OpenAPI operations under /api/v1 (``"VERB path"`` → operation), as the platform serves them."""
    document = httpx.get(f"{platform.gateway_url}/openapi.json", timeout=30).json()
    return {f"{verb.upper()} {path}": op for path, item in document["paths"].items() if path.startswith("/api/v1")
            for verb, op in item.items()}



# -- records (hồ sơ, lưu trữ cơ quan): issue 16 ---------------------------------------------------------------------
RECORDS = "/api/v1/records"
#: Who sees every file of the agency besides its creator (vanthu_core.policy.RECORD_READERS).
NOT_THE_CREATOR = {"truongphong.ubnd": (404, "not the file's creator, nor one who sees every file")}
#: The other keepers of the agency see the file but only its creator changes it.
ONLY_THE_CREATOR = {**NOT_THE_CREATOR, "vanthu.ubnd": (403, "only the file's creator changes it"),
                    "lanhdao.ubnd": (403, "only the file's creator changes it")}


def plan_year(w: World) -> int:
    """A year no other plan of the matrix has (one plan per agency and year)."""
    years = w.cache.setdefault("plan_years", itertools.count(1901))
    return int(next(years))


def a_plan(w: World, approved: bool = False, submitted: bool = False) -> Target:
    """A draft (or submitted for approval, or approved) plan of UBND for a year no other plan of the matrix has, with
    one entry."""
    plan = w.ok("vanthu.ubnd", "POST", f"{RECORDS}/plans", json={"year": plan_year(w),
                                                                 "title": f"Danh mục {w.marker()}"})
    plan = w.ok("vanthu.ubnd", "PUT", f"{RECORDS}/plans/{plan['id']}", json={
        "version": plan["version"], "title": plan["title"], "headings": [
            {"title": "Tổ chức, cán bộ", "abbreviation": "TCCB",
             "entries": [{"title": "Hồ sơ tuyển dụng", "retention_years": 20}]}]})
    if submitted:
        plan = w.ok("vanthu.ubnd", "POST", f"{RECORDS}/plans/{plan['id']}/submit", json={"version": plan["version"]})
    if approved:
        plan = w.ok("lanhdao.ubnd", "POST", f"{RECORDS}/plans/{plan['id']}/approve", json={"version": plan["version"]})
    return {"plan_id": plan["id"], "version": plan["version"]}


def plan_view(w: World, t: Target) -> Any:
    return w.ok("vanthu.ubnd", "GET", f"{RECORDS}/plans/{t['plan_id']}")


def visible_document(w: World, username: str) -> str:
    """An incoming document of UBND that ``username`` may open (its audience): registered by the clerk, submitted to
    the leaders, or assigned to Phòng Tổng hợp (its head) or to the officer."""
    if username.startswith("vanthu."):
        document_id = str(w.registered_arrival()["id"])
    elif username.startswith("lanhdao."):
        document_id = str(w.case()["document_id"])
    elif username.startswith("truongphong."):
        document_id = str(w.case("assigned")["document_id"])
    else:
        document_id = str(w.case("assigned", username)["document_id"])
    # the registry widens the audience when the workflow's step event reaches it
    wait_for(lambda: w.call(username, "GET", f"/api/v1/documents/{document_id}").status_code == 200,
            f"{username} may open {document_id}")
    return document_id


def a_record(w: World, state: str = "open", creator: str = "chuyenvien.ubnd", document_id: str = "") -> Target:
    """A file of UBND opened outside the plan by ``creator``, taken to ``state`` (open, collecting, closed,
    submitted, deposited, returned), with ``document_id`` (default: an arrival entered from paper the creator may
    open)."""
    made = w.ok(creator, "POST", f"{RECORDS}/files", json={
        "title": f"Hồ sơ thử quyền {w.marker()}", "notation": f"{next(w.counter):02d}.MT", "retention_years": 10})
    path = f"{RECORDS}/files/{made['id']}"
    if state != "open":
        document_id = document_id or visible_document(w, creator)
        made = w.ok(creator, "POST", f"{path}/documents", json={"version": made["version"],
                                                                 "document_ids": [document_id]})["file"]
    if state in ("closed", "submitted", "deposited", "returned"):
        made = w.ok(creator, "POST", f"{path}/close", json={"version": made["version"],
                                                             "page_amounts": {document_id: 1}})
    if state in ("submitted", "deposited", "returned"):
        made = w.ok(creator, "POST", f"{path}/submit", json={"version": made["version"]})
    if state == "returned":
        made = w.ok("luutru.ubnd", "POST", f"{path}/return", json={"version": made["version"], **REASON})
    if state == "deposited":
        made = w.ok("luutru.ubnd", "POST", f"{path}/accept", json={"version": made["version"]}, timeout=120)
    assert made["state"] == state, made
    return {"file_id": made["id"], "version": made["version"], "document_id": document_id}


def record_view(w: World, t: Target) -> Any:
    return w.ok("luutru.ubnd", "GET", f"{RECORDS}/files/{t['file_id']}")


def version_body(w: World, u: str, t: Target) -> dict[str, Any]:
    return {"json": {"version": t["version"]}}


def with_file(w: World) -> Target:
    """A closed file of chuyenvien.ubnd holding their issued letter (a document with its signed PDF: a package
    carries each document's computer file)."""
    return a_record(w, "closed", document_id=w.issued_to(MINISTRY)["id"])


def exported(w: World) -> bytes:
    t = with_file(w)
    reply = w.call("chuyenvien.ubnd", "GET", f"{RECORDS}/files/{t['file_id']}/export")
    assert reply.status_code == 200, reply.text
    return reply.content


ROWS.update({
    f"GET {RECORDS}/plans": Row("own", 200),
    f"POST {RECORDS}/plans": Row("own", 201, body=lambda w, u, t: {"json": {
        "year": plan_year(w), "title": "Danh mục hồ sơ thử quyền"}}),
    f"GET {RECORDS}/plans/{{plan_id}}": Row("resource", 200, target=a_plan),
    f"GET {RECORDS}/plans/{{plan_id}}/export": Row("resource", 200, target=a_plan),
    f"PUT {RECORDS}/plans/{{plan_id}}": Row(
        "resource", 200, target=a_plan, fresh=lambda w, u: a_plan(w), snapshot=plan_view,
        body=lambda w, u, t: {"json": {"version": t["version"], "title": "Danh mục (đã sửa)", "headings": []}}),
    f"POST {RECORDS}/plans/{{plan_id}}/approve": Row(
        "resource", 200, target=a_plan, fresh=lambda w, u: a_plan(w), snapshot=plan_view, body=version_body),
    f"POST {RECORDS}/plans/{{plan_id}}/submit": Row(
        "resource", 200, target=a_plan, fresh=lambda w, u: a_plan(w), snapshot=plan_view, body=version_body),
    f"POST {RECORDS}/plans/{{plan_id}}/return": Row(
        "resource", 200, target=lambda w: a_plan(w, submitted=True), fresh=lambda w, u: a_plan(w, submitted=True),
        snapshot=plan_view, body=lambda w, u, t: {"json": {"version": t["version"], **REASON}}),
    f"GET {RECORDS}/files": Row("own", 200),
    f"POST {RECORDS}/files": Row("own", 201, body=lambda w, u, t: {"json": {
        "title": "Hồ sơ thử quyền", "notation": f"{next(w.counter):02d}.MT", "retention_years": 5}}),
    f"GET {RECORDS}/files/{{file_id}}": Row("resource", 200, target=a_record, expect=NOT_THE_CREATOR),
    f"GET {RECORDS}/files/{{file_id}}/history": Row("resource", 200, target=a_record, expect=NOT_THE_CREATOR),
    f"GET {RECORDS}/files/{{file_id}}/contents": Row("resource", 200, target=lambda w: a_record(w, "closed"),
                                                     expect=NOT_THE_CREATOR),
    f"GET {RECORDS}/files/{{file_id}}/export": Row("resource", 200, target=with_file, expect=NOT_THE_CREATOR),
    f"GET {RECORDS}/files/{{file_id}}/access-log": Row("resource", 200, target=lambda w: a_record(w, "deposited")),
    f"POST {RECORDS}/files/{{file_id}}/documents": Row(
        "resource", 200, target=lambda w: {**a_record(w), "document_id": w.registered_arrival()["id"]},
        snapshot=record_view, fresh=lambda w, u: {**a_record(w, creator=u), "document_id": visible_document(w, u)},
        body=lambda w, u, t: {"json": {"version": t["version"], "document_ids": [t["document_id"]]}},
        expect=ONLY_THE_CREATOR),
    f"DELETE {RECORDS}/files/{{file_id}}/documents/{{document_id}}": Row(
        "resource", 200, target=lambda w: a_record(w, "collecting"), snapshot=record_view,
        fresh=lambda w, u: a_record(w, "collecting", creator=u),
        body=lambda w, u, t: {"params": {"version": t["version"]}}, expect=ONLY_THE_CREATOR),
    f"POST {RECORDS}/files/{{file_id}}/close": Row(
        "resource", 200, target=lambda w: a_record(w, "collecting"), snapshot=record_view,
        fresh=lambda w, u: a_record(w, "collecting", creator=u),
        body=lambda w, u, t: {"json": {"version": t["version"], "page_amounts": {t["document_id"]: 2}}},
        expect=ONLY_THE_CREATOR),
    f"POST {RECORDS}/files/{{file_id}}/submit": Row(
        "resource", 200, target=lambda w: a_record(w, "closed"), snapshot=record_view,
        fresh=lambda w, u: a_record(w, "closed", creator=u), body=version_body, expect=ONLY_THE_CREATOR),
    f"POST {RECORDS}/files/{{file_id}}/accept": Row(
        "resource", 200, target=lambda w: a_record(w, "submitted"), snapshot=record_view,
        fresh=lambda w, u: a_record(w, "submitted"), body=lambda w, u, t: {**version_body(w, u, t), "timeout": 120}),
    f"POST {RECORDS}/files/{{file_id}}/return": Row(
        "resource", 200, target=lambda w: a_record(w, "submitted"), snapshot=record_view,
        fresh=lambda w, u: a_record(w, "submitted"),
        body=lambda w, u, t: {"json": {"version": t["version"], **REASON}}),
    f"POST {RECORDS}/files/{{file_id}}/reopen": Row(
        "resource", 200, target=lambda w: a_record(w, "returned"), snapshot=record_view,
        fresh=lambda w, u: a_record(w, "returned", creator=u), body=version_body, expect=ONLY_THE_CREATOR),
    f"POST {RECORDS}/files/{{file_id}}/retain": Row(
        "resource", 200, target=lambda w: a_record(w, "closed"), snapshot=record_view,
        fresh=lambda w, u: a_record(w, "closed"),
        body=lambda w, u, t: {"json": {"version": t["version"], "approval": "Công văn 01/UBND-VP", "years": 1}}),
    f"GET {RECORDS}/deposit-forms": Row(
        "resource", 200, target=lambda w: a_record(w, "deposited"),
        body=lambda w, u, t: {"params": {"form": "handover", "file_id": t["file_id"]}}),
    f"POST {RECORDS}/renew-timestamps": Row("own", 200, body=lambda w, u, t: {"json": {"within_days": 30}}),
    f"POST {RECORDS}/import": Row(
        "own", 201, target=lambda w: {"package": exported(w)}, fresh=lambda w, u: {"package": exported(w)},
        body=lambda w, u, t: {"content": t["package"], "headers": {"Content-Type": "application/zip"}},
        expect={"luutru.ubnd": (409, "the package's file (its notation and year) is UBND's own already")}),
})

@pytest.fixture(scope="module")
def world(platform: Stack, login: Callable[[str], str],
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    events = EventLog(platform.nats_url, platform.nats_password("admin")).start()
    try:
        with httpx.Client(base_url=platform.gateway_url, timeout=60) as http:
            yield World(platform, login, http, events, tmp_path_factory.mktemp("matrix"))
    finally:
        events.stop()


def test_every_route_of_the_api_has_a_row_in_the_matrix(operations: dict[str, dict[str, Any]]) -> None:
    routes = {key.split("#")[0] for key in ROWS}
    assert sorted(set(operations) - set(NOT_IN_MATRIX) - routes) == [], "routes the matrix does not call"
    assert sorted(routes - set(operations)) == [], "rows for routes the gateway does not serve"
    for key, row in ROWS.items():
        if row.case:
            assert row.case in operations[key.split("#")[0]].get("x-role-cases", {}), key


def allowed_roles(operation: dict[str, Any], row: Row) -> set[str]:
    return set(operation["x-role-cases"][row.case] if row.case else operation["x-roles"])


def expected(row: Row, allowed: set[str], role: str, agency: str) -> tuple[int, str]:
    """What the table (and the row's explicit exceptions) say ``role`` of ``agency`` gets."""
    who = user(role, agency)
    if who in row.expect:
        return row.expect[who]
    if role not in allowed:
        return 403, "the access table does not allow the role"
    if agency == OTHER and row.scope == "resource":
        return 404, "the resource belongs to another agency"
    return row.ok, "allowed"


@pytest.mark.parametrize("key", sorted(ROWS))
def test_each_role_of_the_agency_and_of_another_gets_what_the_access_table_says(
        world: World, operations: dict[str, dict[str, Any]], key: str) -> None:
    row = ROWS[key]
    verb, path = key.split("#")[0].split(" ", 1)
    allowed = allowed_roles(operations[f"{verb} {path}"], row)
    plan = [(user(role, agency), *expected(row, allowed, role, agency))
            for agency in (OWNER, OTHER) for role in USERNAMES]

    # resources: the owner's target for the refusals, a fresh one for each call expected to succeed
    target = row.target(world)
    succeed = [(who, status, why) for who, status, why in plan if 200 <= status < 300]
    fresh = {who: row.fresh(world, who) if row.fresh else target for who, _, _ in succeed}
    extras = [(who, build(world), status, why) for who, build, status, why in row.extra]
    before = row.snapshot(world, target) if row.snapshot else None

    def attempt(who: str, resource: Target, status: int, why: str) -> str | None:
        reply = world.call(who, verb, path.format(**resource), **row.body(world, who, resource))
        if reply.status_code == status:
            return None
        return f"{who}: expected {status} ({why}), got {reply.status_code} {reply.text[:300]}"

    start = world.barrier()
    wrong = [attempt(who, target, status, why) for who, status, why in plan if not 200 <= status < 300]
    wrong += [attempt(who, resource, status, why) for who, resource, status, why in extras if status >= 300]
    end = world.barrier()
    published = world.events.between(start, end)
    after = row.snapshot(world, target) if row.snapshot else None
    wrong += [attempt(who, fresh[who], status, why) for who, status, why in succeed]
    wrong += [attempt(who, resource, status, why) for who, resource, status, why in extras if status < 300]

    problems = [w for w in wrong if w]
    if published:
        problems.append(f"the refused calls published {published}")
    if after != before:
        problems.append(f"the refused calls changed the resource: before {before!r:.600}, after {after!r:.600}")
    assert problems == [], f"{key}: not as the access table says"
