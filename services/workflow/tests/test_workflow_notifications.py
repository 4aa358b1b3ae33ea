"""Notifications (issue 13 item 6) through the real gRPC API, on SQLite and PostgreSQL: who is told of a new task, a
returned draft and a decided extension (and nobody else), reminders due on the next working day and overdue at the
service's clock (once each), the caller's own list, marks and stream; and the e-mails a real SMTP server (aiosmtpd)
receives, one that is down retried later without holding up the step."""

from __future__ import annotations

import asyncio
import email
import email.policy
import time
import unicodedata
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import grpc
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope, Session
from sqlalchemy import select

from vanthu.workflow.v1 import events_pb2 as ev
from vanthu.workflow.v1 import workflow_pb2 as pb
from vanthu_core.grpc_client import bearer_metadata
from vanthu_testing.ports import free_port
from vanthu_workflow.settings import WorkflowSettings
from vanthu_workflow.store import Actor, MailRow, WorkflowStore

from .conftest import SNV, UBND, Harness

pytestmark = pytest.mark.integration

LEADER, HEAD, OFFICER, ARCHIVIST = "lanhdao.ubnd", "truongphong.ubnd", "chuyenvien.ubnd", "luutru.ubnd"
ABSTRACT = "“Về việc báo cáo tình hình triển khai chuyển đổi số năm 2031”"
BASE_URL = "https://vanthu.vinhlong.gov.vn"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'workflow.db'}"
    return str(request.getfixturevalue("postgres_url"))


async def eventually(check: Callable[[], Awaitable[bool]], what: str, timeout_s: float = 20.0) -> None:
    """Polls an async ``check`` without blocking the event loop the service runs in."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{what} did not happen within {timeout_s} s")


async def notes(h: Harness, user: str, **request: Any) -> pb.ListNotificationsResponse:
    return await h.call(h.api.ListNotifications, pb.ListNotificationsRequest(**request), user)


def at(year: int, month: int, day: int) -> datetime:
    """10:00 in Vietnam on that day."""
    return datetime(year, month, day, 3, 0, tzinfo=UTC)


async def test_an_assignment_tells_each_holder_in_vietnamese_and_only_them(harness: Harness) -> None:
    h = harness
    case = await h.assigned(cooperating=[pb.Party(kind="person", id=h.subject(OFFICER))],
                            for_information=[pb.Party(kind="person", id=h.subject(ARCHIVIST))])
    head = await notes(h, HEAD)
    assert head.unread == 1
    [lead] = head.notifications
    assert (lead.kind, lead.title, lead.read) == ("new_task", "Nhiệm vụ mới: chủ trì xử lý văn bản", False)
    assert (lead.case_id, lead.document_id, lead.task_id) == (case.id, case.document_id, h.task(case, "lead").id)
    assert ABSTRACT in lead.body and "Hạn xử lý: 18/06/2031" in lead.body
    assert "Ý kiến: Phòng Tổng hợp chủ trì, tham mưu văn bản trả lời" in lead.body
    assert unicodedata.is_normalized("NFC", lead.title + lead.body)
    assert [n.title for n in (await notes(h, OFFICER)).notifications] == ["Nhiệm vụ mới: phối hợp xử lý văn bản"]
    [informed] = (await notes(h, ARCHIVIST)).notifications
    assert informed.title == "Nhiệm vụ mới: nhận để biết văn bản" and "Hạn xử lý" not in informed.body
    # the leader who assigned, the units without a head, and another agency's people are told nothing
    assert (await notes(h, LEADER)).notifications == []
    assert (await notes(h, "chuyenvien.snv")).notifications == []

    # a stale step is refused and writes nothing
    lead_task = h.task(case, "lead")
    refused = await h.refused(h.api.DelegateTask, pb.DelegateTaskRequest(
        task_id=lead_task.id, version=case.version - 1, subject=h.subject(OFFICER)), HEAD)
    assert refused.code() == grpc.StatusCode.ABORTED
    assert len((await notes(h, OFFICER)).notifications) == 1

    # the head gives the unit's task to the officer: the officer is told, later, of the lead
    h.clock.now += timedelta(minutes=5)
    await h.call(h.api.DelegateTask, pb.DelegateTaskRequest(
        task_id=lead_task.id, version=case.version, subject=h.subject(OFFICER), comment="Giao đồng chí xử lý"), HEAD)
    officer = await notes(h, OFFICER)
    assert [n.title for n in officer.notifications] == ["Nhiệm vụ mới: chủ trì xử lý văn bản",
                                                         "Nhiệm vụ mới: phối hợp xử lý văn bản"]
    newest, older = officer.notifications

    # marks: another person's id changes nothing; own ones are read, and the unread come first
    assert (await h.call(h.api.MarkNotificationsRead, pb.MarkNotificationsReadRequest(ids=[lead.id]),
                         OFFICER)).marked == 0
    assert not (await notes(h, HEAD)).notifications[0].read
    marked = await h.call(h.api.MarkNotificationsRead, pb.MarkNotificationsReadRequest(ids=[newest.id]), OFFICER)
    assert (marked.marked, marked.unread) == (1, 1)
    officer = await notes(h, OFFICER)
    assert [(n.id, n.read) for n in officer.notifications] == [(older.id, False), (newest.id, True)]
    assert [n.id for n in (await notes(h, OFFICER, unread_only=True)).notifications] == [older.id]
    first = await notes(h, OFFICER, page_size=1)
    second = await notes(h, OFFICER, page_size=1, page_token=first.next_page_token)
    assert [n.id for n in (*first.notifications, *second.notifications)] == [older.id, newest.id]
    assert second.next_page_token == ""
    marked = await h.call(h.api.MarkNotificationsRead, pb.MarkNotificationsReadRequest(all=True), OFFICER)
    assert (marked.marked, marked.unread) == (1, 0)
    refused = await h.refused(h.api.MarkNotificationsRead, pb.MarkNotificationsReadRequest(), OFFICER)
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_a_returned_draft_and_a_decided_extension_are_told_to_the_drafter_and_the_lead(
        harness: Harness) -> None:
    h = harness
    case = await h.started()
    [review] = (await notes(h, HEAD)).notifications
    assert review.title == "Nhiệm vụ mới: duyệt dự thảo văn bản"
    await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=False, comment="Bổ sung số liệu quý III"), HEAD)
    [returned] = (await notes(h, OFFICER)).notifications
    assert (returned.kind, returned.title) == ("draft_returned", "Dự thảo bị trả lại")
    assert "Bổ sung số liệu quý III" in returned.body and "V/v triển khai chuyển đổi số năm 2031" in returned.body

    case = await h.assigned(lead=pb.Party(kind="person", id=h.subject(OFFICER)), cooperating=[])
    lead = h.task(case, "lead")
    case = (await h.call(h.api.RequestExtension, pb.RequestExtensionRequest(
        task_id=lead.id, version=case.version, days=3, reason="Chờ số liệu của các xã"), OFFICER)).case
    h.clock.now += timedelta(minutes=1)
    case = (await h.call(h.api.DecideExtension, pb.DecideExtensionRequest(
        case_id=case.id, version=case.version, grant=True), LEADER)).case
    granted = (await notes(h, OFFICER)).notifications[0]
    assert (granted.kind, granted.title) == ("extension_decided", "Đã đồng ý gia hạn xử lý")
    assert "đến ngày 23/06/2031" in granted.body
    case = (await h.call(h.api.RequestExtension, pb.RequestExtensionRequest(
        task_id=lead.id, version=case.version, deadline="2031-07-01", reason="Thêm thời gian"), OFFICER)).case
    h.clock.now += timedelta(minutes=1)
    await h.call(h.api.DecideExtension, pb.DecideExtensionRequest(
        case_id=case.id, version=case.version, grant=False, comment="Không đồng ý"), LEADER)
    refused = (await notes(h, OFFICER)).notifications[0]
    assert refused.title == "Không đồng ý gia hạn xử lý"
    assert "hạn xử lý vẫn là ngày 23/06/2031" in refused.body and "Ý kiến: Không đồng ý" in refused.body


async def test_a_task_of_a_role_is_told_to_every_holder_of_the_role_of_the_agency(harness: Harness) -> None:
    """A document to sign is the leaders' task and one to issue the clerks' (the roles the identity provider grants,
    through the registry's people directory): each holder is told, nobody else, nobody of another agency."""
    h = harness
    case = await h.started()
    case = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=case.id, version=case.version, approve=True, comment="Đồng ý"), HEAD)).case
    case = (await h.call(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(case_id=case.id, version=case.version),
                        OFFICER)).case
    [sign] = (await notes(h, LEADER)).notifications
    assert (sign.kind, sign.title, sign.task_id) == ("new_task", "Nhiệm vụ mới: ký văn bản", h.task(case, "sign").id)
    assert (await notes(h, "vanthu.ubnd")).notifications == [], "the clerks' turn has not come"
    assert (await notes(h, "lanhdao.snv")).notifications == [], "another agency's leader"
    h.clock.now += timedelta(minutes=1)
    await h.call(h.api.SignOutgoing, pb.SignOutgoingRequest(case_id=case.id, version=case.version), LEADER)
    [issue] = (await notes(h, "vanthu.ubnd")).notifications
    assert issue.title == "Nhiệm vụ mới: ban hành văn bản" and "Người giao: " in issue.body
    assert [n.kind for n in (await notes(h, LEADER)).notifications] == ["new_task"], "the signer is not told again"
    assert (await notes(h, "vanthu.snv")).notifications == []

    # the signer gives a draft back unsigned: its drafter is told why
    other = await h.started()
    other = (await h.call(h.api.ReviewOutgoing, pb.ReviewOutgoingRequest(
        case_id=other.id, version=other.version, approve=True), HEAD)).case
    other = (await h.call(h.api.SubmitOutgoing, pb.SubmitOutgoingRequest(case_id=other.id, version=other.version),
                         OFFICER)).case
    h.clock.now += timedelta(minutes=1)
    await h.call(h.api.ReturnUnsigned, pb.ReturnUnsignedRequest(
        case_id=other.id, version=other.version, comment="Sai thể thức phần nơi nhận"), LEADER)
    returned = (await notes(h, OFFICER)).notifications[0]
    assert (returned.kind, returned.title) == ("draft_returned", "Dự thảo bị trả lại")
    assert "Sai thể thức phần nơi nhận" in returned.body


async def test_a_job_is_told_to_its_parties_as_work_not_as_a_document(harness: Harness) -> None:
    h = harness
    job = (await h.call(h.api.GiveJob, pb.GiveJobRequest(
        title="Chuẩn bị báo cáo sơ kết 6 tháng đầu năm 2031", description="Số liệu đến hết quý II",
        lead=pb.Party(kind="person", id=h.subject(OFFICER)),
        for_information=[pb.Party(kind="person", id=h.subject(ARCHIVIST))], deadline_days=5), LEADER)).case
    [lead] = (await notes(h, OFFICER)).notifications
    assert lead.title == "Nhiệm vụ mới: chủ trì thực hiện công việc"
    assert "“Chuẩn bị báo cáo sơ kết 6 tháng đầu năm 2031”" in lead.body
    assert "Ý kiến: Số liệu đến hết quý II" in lead.body
    assert (lead.case_id, lead.document_id) == (job.id, ""), "a job has no document: the link is the person's work"
    [informed] = (await notes(h, ARCHIVIST)).notifications
    assert informed.title == "Nhiệm vụ mới: nhận để biết công việc"
    assert (await notes(h, LEADER)).notifications == [], "the giver is not told of their own job"


async def test_reminders_come_the_working_day_before_the_deadline_and_once_overdue(harness: Harness) -> None:
    h = harness
    # assigned Wednesday 11 June 2031, 5 working days: due Wednesday 18 June; Phòng Tổng hợp (its head) leads
    case = await h.assigned(cooperating=[pb.Party(kind="person", id=h.subject(OFFICER))])
    api = h.server.api
    h.clock.now = at(2031, 6, 16)  # Monday: the deadline is not the next working day yet
    assert await api.sweep() == 0
    h.clock.now = at(2031, 6, 17)  # Tuesday
    assert await api.sweep() == 2
    assert await api.sweep() == 0  # once
    for user in (HEAD, OFFICER):
        due = (await notes(h, user)).notifications[0]
        assert (due.kind, due.title) == ("due_tomorrow", "Sắp đến hạn xử lý")
        assert "đến hạn xử lý vào ngày 18/06/2031" in due.body
    h.clock.now = at(2031, 6, 18)  # the deadline itself: nothing new
    assert await api.sweep() == 0
    h.clock.now = at(2031, 6, 19)
    assert await api.sweep() == 2
    h.clock.now = at(2031, 6, 20)
    assert await api.sweep() == 0
    overdue = (await notes(h, OFFICER)).notifications[0]
    assert (overdue.kind, overdue.title) == ("overdue", "Quá hạn xử lý")
    assert "đã quá hạn xử lý (hạn: 18/06/2031)" in overdue.body
    reminders = [e for e in await h.events() if isinstance(e, ev.TaskReminder)]
    assert sorted((e.kind, e.task_id, tuple(e.recipients)) for e in reminders) == sorted(
        (kind, task.id, (h.subject(user),)) for kind in ("due_tomorrow", "overdue")
        for task, user in ((h.task(case, "lead"), HEAD), (h.task(case, "cooperating"), OFFICER)))
    assert {e.deadline for e in reminders} == {"2031-06-18"}
    # a completed task is not reminded
    assert (await notes(h, "chuyenvien.snv")).notifications == []


async def test_a_deadline_after_a_weekend_is_reminded_on_the_friday_before_it(harness: Harness) -> None:
    h = harness
    case = await h.assigned(lead=pb.Party(kind="person", id=h.subject(OFFICER)), cooperating=[], days=3)
    assert case.deadline == "2031-06-16"  # Thursday, Friday, Monday
    h.clock.now = at(2031, 6, 12)
    assert await h.server.api.sweep() == 0
    h.clock.now = at(2031, 6, 13)  # Friday: Monday is the next working day
    assert await h.server.api.sweep() == 1
    assert (await notes(h, OFFICER)).notifications[0].kind == "due_tomorrow"
    h.clock.now = at(2031, 6, 14)
    assert await h.server.api.sweep() == 0


async def read_notification(call: Any) -> pb.Notification:
    """The next notification of a watch, past its keep-alive messages."""
    while True:
        message = await call.read()
        assert message is not grpc.aio.EOF
        if message.HasField("notification"):
            return message.notification
        assert message.keepalive


async def test_a_watcher_receives_their_own_new_notifications_and_keepalives(harness: Harness) -> None:
    h = harness
    h.server.api.keepalive_s = 0.05
    head = h.api.WatchNotifications(pb.WatchNotificationsRequest(), metadata=bearer_metadata(h.issuer.token(HEAD)))
    other = h.api.WatchNotifications(pb.WatchNotificationsRequest(),
                                     metadata=bearer_metadata(h.issuer.token("truongphong.snv")))
    try:
        for call in (head, other):  # the stream is open: a keep-alive first
            first = await call.read()
            assert first.keepalive and not first.HasField("notification")
        assert (await head.read()).keepalive  # and one after a quiet moment
        case = await h.assigned()
        seen = await read_notification(head)
        assert (seen.case_id, seen.title) == (case.id, "Nhiệm vụ mới: chủ trì xử lý văn bản")
        # the other agency's head gets their own notification, not the one of the provincial People's Committee
        snv = (await h.call(h.api.SubmitIncoming, pb.SubmitIncomingRequest(document_id=h.registered(SNV)),
                            "vanthu.snv")).case
        await h.call(h.api.AssignIncoming, pb.AssignIncomingRequest(
            case_id=snv.id, version=snv.version, lead=pb.Party(kind="unit", id="TCBC"), deadline_days=5),
            "lanhdao.snv")
        assert (await read_notification(other)).case_id == snv.id
        # another replica (a store on the same database, not this process's hub) tells the head: the watch reads it
        # after a quiet moment, and what it was handed already is not sent again
        replica = WorkflowStore(h.server.store.sessions, clock=h.clock)
        elsewhere = await replica.submit(
            UBND, document_id=h.registered(), abstract="Về việc lấy ý kiến dự thảo quy chế", arrival_number=9,
            leader=h.subject(HEAD), comment="", actor=Actor(subject=h.subject("vanthu.ubnd"), username="vanthu.ubnd",
                                                            roles=frozenset({"clerk"})))
        assert (await read_notification(head)).case_id == elsewhere.id
    finally:
        head.cancel()
        other.cancel()
    await eventually(lambda: _nobody_watching(h), "the watchers leaving")


async def _nobody_watching(h: Harness) -> bool:
    return h.server.hub.watching(UBND, h.subject(HEAD)) == 0 and h.server.hub.watching(
        SNV, h.subject("truongphong.snv")) == 0


# -- e-mail through a real SMTP server -------------------------------------------------------------------------------
class Mailbox:
    """An aiosmtpd handler keeping every message it receives, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or envelope.content
        assert isinstance(content, bytes)
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def mailbox() -> Mailbox:
    return Mailbox()


@pytest.fixture
def smtp_server(smtp_port: int, mailbox: Mailbox) -> Iterator[Controller]:
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def workflow_settings(database_url: str, smtp_port: int) -> WorkflowSettings:
    return WorkflowSettings(grpc_port=0, database_url=database_url, smtp_host="127.0.0.1", smtp_port=smtp_port,
                            smtp_from="VanThu Vĩnh Long <vanthu@vinhlong.gov.vn>", web_base_url=BASE_URL)


def address(user: str) -> str:
    return f"{user}@vinhlong.gov.vn"


async def mails(h: Harness) -> list[MailRow]:
    async with h.server.store.sessions() as session:
        return list((await session.execute(select(MailRow).order_by(MailRow.created_at))).scalars())


async def test_the_smtp_server_receives_the_vietnamese_mail_and_nothing_for_who_turned_it_off(
        harness: Harness, smtp_server: Controller, mailbox: Mailbox) -> None:
    h = harness
    assert (await h.call(h.api.GetNotificationSettings, pb.GetNotificationSettingsRequest(), OFFICER)).settings.email
    turned = await h.call(h.api.SetNotificationSettings, pb.SetNotificationSettingsRequest(
        settings=pb.NotificationSettings(email=False)), OFFICER)
    assert not turned.settings.email
    read = await h.call(h.api.GetNotificationSettings, pb.GetNotificationSettingsRequest(), OFFICER)
    assert not read.settings.email
    case = await h.assigned(cooperating=[pb.Party(kind="person", id=h.subject(OFFICER))])

    async def head_mailed() -> bool:
        return bool(mailbox.to(address(HEAD)))

    await eventually(head_mailed, "the head's e-mail")
    [mail] = mailbox.to(address(HEAD))
    assert mail["Subject"] == "[VanThu] Nhiệm vụ mới: chủ trì xử lý văn bản"
    assert mail["From"] == "VanThu Vĩnh Long <vanthu@vinhlong.gov.vn>"
    assert mail.get_content_type() == "text/plain" and mail.get_content_charset() == "utf-8"
    body = mail.get_content()
    assert body.startswith("Kính gửi đồng chí,")
    assert ABSTRACT in body and "Hạn xử lý: 18/06/2031" in body
    assert f"Xem chi tiết: {BASE_URL}/van-ban/{case.document_id}" in body
    assert unicodedata.is_normalized("NFC", body)
    # the officer has the in-app notification, and no e-mail was even written for them
    assert len((await notes(h, OFFICER)).notifications) == 1

    async def recorded() -> bool:  # the sender marks the row sent after the server took the mail
        return all(r.state != "pending" for r in await mails(h))

    await eventually(recorded, "the head's mail recorded")
    rows = await mails(h)
    assert [(r.address, r.state, r.attempts) for r in rows] == [(address(HEAD), "sent", 1)]
    assert mailbox.to(address(OFFICER)) == []


async def test_a_mail_server_that_is_down_holds_up_no_step_and_gets_the_mail_later(
        harness: Harness, smtp_port: int, mailbox: Mailbox) -> None:
    h = harness
    case = await h.assigned(cooperating=[pb.Party(kind="person", id=h.subject(OFFICER))])  # nothing listens on SMTP
    assert case.state == "assigned"

    async def tried() -> bool:
        return [(r.state, r.attempts) for r in await mails(h)] == [("pending", 1)] * 2

    await eventually(tried, "the first attempts")
    rows = await mails(h)
    assert all(r.last_error and r.next_attempt_at == h.clock.now + timedelta(minutes=1) for r in rows)
    assert (await notes(h, HEAD)).unread == 1  # the in-app notification is there all the same
    # the officer turns e-mail off while theirs waits: it is not sent
    await h.call(h.api.SetNotificationSettings, pb.SetNotificationSettingsRequest(
        settings=pb.NotificationSettings(email=False)), OFFICER)
    controller = Controller(mailbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        assert h.server.mail is not None
        h.clock.now += timedelta(minutes=2)
        h.server.mail.kick()

        async def sent() -> bool:
            return sorted((r.address, r.state, r.attempts) for r in await mails(h)) == [
                (address(OFFICER), "cancelled", 1), (address(HEAD), "sent", 2)]

        await eventually(sent, "the retry")
        assert [m["Subject"] for m in mailbox.to(address(HEAD))] == ["[VanThu] Nhiệm vụ mới: chủ trì xử lý văn bản"]
        assert mailbox.to(address(OFFICER)) == []
    finally:
        controller.stop()


async def test_the_sweep_goes_through_every_due_task_batch_after_batch(harness: Harness) -> None:
    h = harness
    for _ in range(3):
        await h.assigned(lead=pb.Party(kind="person", id=h.subject(OFFICER)), cooperating=[], days=1)
    # a task of the agency's leaders (a role) reaches nobody in particular: it does not hold up the batches
    await h.submitted()
    h.clock.now = at(2031, 6, 13)  # all three were due on Thursday 12 June
    today = datetime(2031, 6, 13).date()
    store = h.server.store
    assert await store.sweep_reminders(today=today, next_working_day=datetime(2031, 6, 16).date(), limit=2) == 3
    assert await store.sweep_reminders(today=today, next_working_day=datetime(2031, 6, 16).date(), limit=2) == 0
    assert [n.kind for n in (await notes(h, OFFICER)).notifications].count("overdue") == 3


async def test_a_deputy_is_told_of_the_tasks_of_whom_they_act_for_once_and_mailed_as_they_chose(
        harness: Harness, smtp_server: Controller, mailbox: Mailbox) -> None:
    """Ủy quyền: while a delegation is in force, the tasks of the leader (their own, and the leaders' by role) and of
    the head's unit reach the deputy too, in the app and by e-mail as the deputy chose; twice delegated, told once."""
    h = harness
    for competence in ("TUQ.", "TUQ."):  # two delegations of the same leader to the same person: one notification
        await h.call(h.api.CreateDelegation, pb.CreateDelegationRequest(
            deputy=h.subject(ARCHIVIST), valid_from="2031-06-11", valid_to="2031-06-12", competence=competence),
            LEADER)
    await h.call(h.api.CreateDelegation, pb.CreateDelegationRequest(
        deputy=h.subject(OFFICER), unit_code="TH", valid_from="2031-06-11", valid_to="2031-06-12"), HEAD)
    await h.call(h.api.SetNotificationSettings, pb.SetNotificationSettingsRequest(
        settings=pb.NotificationSettings(email=False)), ARCHIVIST)

    case = (await h.call(h.api.SubmitIncoming, pb.SubmitIncomingRequest(
        document_id=h.registered(), leader=h.subject(LEADER)), "vanthu.ubnd")).case  # the leader's own task
    [told] = (await notes(h, ARCHIVIST)).notifications
    assert (told.kind, told.task_id) == ("new_task", h.task(case, "direct").id)
    assert [n.task_id for n in (await notes(h, LEADER)).notifications] == [told.task_id]
    case = (await h.call(h.api.AssignIncoming, pb.AssignIncomingRequest(
        case_id=case.id, version=case.version, lead=pb.Party(kind="unit", id="TH"), deadline_days=5), LEADER)).case
    lead = h.task(case, "lead")
    assert [n.task_id for n in (await notes(h, OFFICER)).notifications] == [lead.id]  # the unit's, as its deputy
    assert [n.task_id for n in (await notes(h, HEAD)).notifications] == [lead.id]

    async def mailed() -> bool:
        return bool(mailbox.to(address(OFFICER))) and bool(mailbox.to(address(LEADER)))

    await eventually(mailed, "the deputy's and the leader's e-mails")
    assert [m["Subject"] for m in mailbox.to(address(OFFICER))] == ["[VanThu] Nhiệm vụ mới: chủ trì xử lý văn bản"]
    assert ARCHIVIST not in {r.address.split("@")[0] for r in await mails(h)}  # e-mail off: none written

    h.clock.now += timedelta(days=2)  # the delegations are over: the deputies are told nothing more
    case = (await h.call(h.api.RecallIncoming, pb.RecallIncomingRequest(case_id=case.id, version=case.version),
                         LEADER)).case
    case = (await h.call(h.api.AssignIncoming, pb.AssignIncomingRequest(
        case_id=case.id, version=case.version, lead=pb.Party(kind="unit", id="TH"), deadline_days=5), LEADER)).case
    again = h.task(case, "lead").id
    assert [n.task_id for n in (await notes(h, HEAD)).notifications] == [again, lead.id]
    assert [n.task_id for n in (await notes(h, OFFICER)).notifications] == [lead.id]


async def test_a_delegation_made_after_the_task_brings_its_reminders_to_the_deputy(harness: Harness) -> None:
    """The sweep reads the delegations in force when it runs: the head's unit task given on Wednesday, the unit
    delegated to an officer on Monday, the reminder on Tuesday reaches the head and the deputy, once each; over
    the delegation's period, the overdue reminder reaches the head alone."""
    h = harness
    case = await h.assigned(cooperating=[])  # Phòng Tổng hợp leads, due Wednesday 18 June 2031
    lead = h.task(case, "lead")
    assert [n.task_id for n in (await notes(h, OFFICER)).notifications] == []
    h.clock.now = at(2031, 6, 16)
    await h.call(h.api.CreateDelegation, pb.CreateDelegationRequest(
        deputy=h.subject(OFFICER), unit_code="TH", valid_from="2031-06-16", valid_to="2031-06-17"), HEAD)
    h.clock.now = at(2031, 6, 17)
    assert await h.server.api.sweep() == 2
    assert await h.server.api.sweep() == 0
    [due] = (await notes(h, OFFICER)).notifications
    assert (due.kind, due.task_id, due.title) == ("due_tomorrow", lead.id, "Sắp đến hạn xử lý")
    [event] = [e for e in await h.events() if isinstance(e, ev.TaskReminder)]
    assert sorted(event.recipients) == sorted([h.subject(HEAD), h.subject(OFFICER)])
    h.clock.now = at(2031, 6, 19)  # the delegation ended on the 17th
    assert await h.server.api.sweep() == 1
    assert [n.kind for n in (await notes(h, OFFICER)).notifications] == ["due_tomorrow"]
    assert next(n.kind for n in (await notes(h, HEAD)).notifications) == "overdue"
