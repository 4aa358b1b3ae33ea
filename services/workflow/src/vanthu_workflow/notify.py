"""Notifications (thông báo, issue 13 item 6): who is told, in which words, and the in-process fan-out that streams
them to the people watching.

A notification belongs to one person, keyed by their ``sub`` within their agency. The store writes it in the same
transaction as the step that causes it (a new task, a draft returned, an extension decided) or in the reminder sweep
(due on the next working day, overdue); once that transaction commits, the store hands it to :class:`NotificationHub`,
which puts it on the queue of every open ``WatchNotifications`` of that person in this process.

The words are Vietnamese, NFC-normalised, as a civil servant reads them (Decree 30/2020's vocabulary: chủ trì, phối
hợp, hạn xử lý, dự thảo).
"""

from __future__ import annotations

import asyncio
import contextlib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

#: The kinds of notification.
NEW_TASK, DRAFT_RETURNED, EXTENSION_DECIDED = "new_task", "draft_returned", "extension_decided"
DUE_TOMORROW, OVERDUE = "due_tomorrow", "overdue"
KINDS = (NEW_TASK, DRAFT_RETURNED, EXTENSION_DECIDED, DUE_TOMORROW, OVERDUE)
#: A watcher's queue holds at most this many notifications; a slower reader loses the oldest (the list has them all).
QUEUE_SIZE = 100

#: What a task asks of the person, by task kind.
TASK_WORDS = {
    "direct": "cho ý kiến chỉ đạo xử lý văn bản đến",
    "lead": "chủ trì xử lý văn bản",
    "cooperating": "phối hợp xử lý văn bản",
    "for_information": "nhận để biết văn bản",
    "extension": "quyết định việc xin gia hạn xử lý văn bản",
    "review": "duyệt dự thảo văn bản",
    "consult": "cho ý kiến về dự thảo văn bản",
    "draft": "trình ký dự thảo văn bản đã được duyệt",
    "sign": "ký văn bản",
    "issue": "ban hành văn bản",
}
#: What a task of assigned work (giao việc, a job: no document) asks of the person, by task kind.
JOB_TASK_WORDS = {
    "lead": "chủ trì thực hiện công việc",
    "cooperating": "phối hợp thực hiện công việc",
    "for_information": "nhận để biết công việc",
    "extension": "quyết định việc xin gia hạn công việc",
}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _quoted(abstract: str) -> str:
    return f"“{abstract}”" if abstract else "(chưa có trích yếu)"


def _day(value: date) -> str:
    return f"{value:%d/%m/%Y}"


@dataclass(frozen=True)
class Words:
    """A notification's title and body."""

    title: str
    body: str


def new_task_words(task_kind: str, abstract: str, *, deadline: date | None, by: str, comment: str,
                   job: bool = False) -> Words:
    """A task given to the person (any kind of :data:`TASK_WORDS`; of :data:`JOB_TASK_WORDS` for a ``job``, whose
    ``abstract`` is its title)."""
    what = (JOB_TASK_WORDS.get(task_kind, "thực hiện công việc") if job
            else TASK_WORDS.get(task_kind, "xử lý văn bản"))
    body = f"Đồng chí được giao {what} {_quoted(abstract)}."
    if by:
        body += f" Người giao: {by}."
    if deadline:
        body += f" Hạn xử lý: {_day(deadline)}."
    if comment:
        body += f" Ý kiến: {comment}"
    return Words(nfc("Nhiệm vụ mới: " + what), nfc(body))


def draft_returned_words(abstract: str, *, by: str, comment: str) -> Words:
    """The reviewer returned the person's draft (trả lại dự thảo)."""
    body = f"{by or 'Người duyệt'} đã trả lại dự thảo {_quoted(abstract)} để đồng chí chỉnh sửa."
    if comment:
        body += f" Ý kiến: {comment}"
    return Words(nfc("Dự thảo bị trả lại"), nfc(body))


def extension_words(abstract: str, *, granted: bool, deadline: date | None, by: str, comment: str,
                    job: bool = False) -> Words:
    """A leader (or a job's giver) decided the extension the lead asked for."""
    who = by or "Lãnh đạo"
    what = "thực hiện công việc" if job else "xử lý văn bản"
    if granted:
        title = "Đã đồng ý gia hạn xử lý"
        body = f"{who} đã đồng ý gia hạn {what} {_quoted(abstract)}"
        body += f" đến ngày {_day(deadline)}." if deadline else "."
    else:
        title = "Không đồng ý gia hạn xử lý"
        body = f"{who} không đồng ý gia hạn {what} {_quoted(abstract)}"
        body += f"; hạn xử lý vẫn là ngày {_day(deadline)}." if deadline else "."
    if comment:
        body += f" Ý kiến: {comment}"
    return Words(nfc(title), nfc(body))


def reminder_words(kind: str, abstract: str, deadline: date, *, job: bool = False) -> Words:
    """``due_tomorrow``: the deadline is the next working day; ``overdue``: it has passed (of a document's task, or
    of a ``job``'s)."""
    what = "Công việc" if job else "Văn bản"
    if kind == DUE_TOMORROW:
        return Words(nfc("Sắp đến hạn xử lý"),
                     nfc(f"{what} {_quoted(abstract)} đến hạn xử lý vào ngày {_day(deadline)} (ngày làm việc tiếp "
                         "theo). Đề nghị đồng chí hoàn thành đúng hạn."))
    return Words(nfc("Quá hạn xử lý"),
                 nfc(f"{what} {_quoted(abstract)} đã quá hạn xử lý (hạn: {_day(deadline)}). Đề nghị đồng chí khẩn "
                     "trương hoàn thành hoặc xin gia hạn."))


def mail_text(words: Words, *, link: str) -> tuple[str, str]:
    """The e-mail of a notification: (subject, plain-text body), Vietnamese, NFC."""
    body = (f"Kính gửi đồng chí,\n\n{words.body}\n\nXem chi tiết: {link}\n\n"
            "--\nThư này do hệ thống quản lý văn bản VanThu gửi tự động, xin đừng trả lời. Đồng chí có thể tắt nhận "
            "thông báo qua thư điện tử trong phần cài đặt thông báo.\n")
    return nfc(f"[VanThu] {words.title}"), nfc(body)


@dataclass(frozen=True)
class Audience:
    """Who a step's notifications reach, as the registry's directory says at the time of the step: the head of each
    unit (unit code → subject), the holders of each role (role → subjects: the agency's leaders for a document to
    sign, its clerks for one to issue) and each person's e-mail address (subject → address; none: no e-mail).
    ``deputies``: who deputises under the delegations in force (ủy quyền, issue 13 item 7): ``person:<subject>``
    (a leader's own tasks) or ``unit:<code>`` (a head's unit) → the deputies' subjects; their tasks' notifications
    reach them too."""

    heads: Mapping[str, str] = field(default_factory=dict)
    emails: Mapping[str, str] = field(default_factory=dict)
    roles: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    deputies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class NotificationView:
    id: str
    agency_code: str
    recipient: str
    kind: str
    title: str
    body: str
    case_id: str
    task_id: str
    document_id: str
    created_at: datetime
    read: bool = False
    #: The web app's path it leads to when it concerns no document or case (a file plan).
    link: str = ""


class NotificationHub:
    """In-process fan-out: each watcher of a person (agency, subject) has a bounded queue; :meth:`publish` puts the
    committed notifications on the queues of their recipients' watchers. Single event loop (no locks)."""

    def __init__(self) -> None:
        self._watchers: dict[tuple[str, str], set[asyncio.Queue[NotificationView]]] = {}

    def subscribe(self, agency_code: str, subject: str) -> asyncio.Queue[NotificationView]:
        queue: asyncio.Queue[NotificationView] = asyncio.Queue(QUEUE_SIZE)
        self._watchers.setdefault((agency_code, subject), set()).add(queue)
        return queue

    def unsubscribe(self, agency_code: str, subject: str, queue: asyncio.Queue[NotificationView]) -> None:
        queues = self._watchers.get((agency_code, subject))
        if queues is not None:
            queues.discard(queue)
            if not queues:
                del self._watchers[(agency_code, subject)]

    def watching(self, agency_code: str, subject: str) -> int:
        """How many watchers the person has here."""
        return len(self._watchers.get((agency_code, subject), ()))

    def publish(self, notifications: Iterable[NotificationView]) -> None:
        for note in notifications:
            for queue in self._watchers.get((note.agency_code, note.recipient), ()):
                if queue.full():
                    with contextlib.suppress(asyncio.QueueEmpty):
                        queue.get_nowait()
                queue.put_nowait(note)
