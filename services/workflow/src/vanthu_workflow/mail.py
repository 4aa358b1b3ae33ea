"""The e-mail of notifications (issue 13 item 6): a background sender empties the mail outbox through SMTP.

The e-mails are written to ``mail_outbox`` in the transaction of their notification (:meth:`WorkflowStore._notify`),
so a step never waits for the mail server and a mail server that is down loses nothing: the sender tries each due
e-mail, retries at once on a transient failure (tenacity, a few seconds), and otherwise leaves it for later (after 1,
2, 4 … minutes, at most an hour apart, :attr:`WorkflowSettings.mail_max_attempts` times in all; then ``failed``).
Plain-text UTF-8 messages (``email.message.EmailMessage``: RFC 2047 encoded subject, base64 or quoted-printable
body); STARTTLS and credentials as configured. Rows are claimed ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two
replicas do not send the same e-mail.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr, make_msgid, parseaddr

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from vanthu_core.aio import cancel_and_wait, wait_event
from vanthu_core.timeutil import Clock, utc_now
from vanthu_workflow.settings import WorkflowSettings
from vanthu_workflow.store import (
    MAIL_CANCELLED,
    MAIL_FAILED,
    MAIL_PENDING,
    MAIL_SENT,
    MailRow,
    NotificationRow,
    NotificationSettingsRow,
)

log = logging.getLogger("vanthu.workflow.mail")
#: Errors worth trying again (the server down, refusing for now, a broken connection).
TRANSIENT = (OSError, smtplib.SMTPException)
MAX_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    sender: str
    starttls: bool = False
    username: str = ""
    password: str = ""
    timeout_s: float = 30.0

    @classmethod
    def of(cls, settings: WorkflowSettings) -> SmtpConfig | None:
        """The settings' SMTP server; None when no host is configured (e-mail off)."""
        if not settings.smtp_host:
            return None
        return cls(settings.smtp_host, settings.smtp_port, settings.smtp_from, settings.smtp_starttls,
                   settings.smtp_username, settings.smtp_password.get_secret_value(), settings.smtp_timeout_s)


def message(config: SmtpConfig, row: MailRow, now: datetime) -> Message:
    """The e-mail of one outbox row: plain text, UTF-8 (base64), the subject and the sender's name as RFC 2047
    encoded words. (``email.message.EmailMessage``'s default policy folds a long Vietnamese subject into encoded
    words that lose the space between them — "xửlý" — so the headers are made with :class:`email.header.Header`.)"""
    mail = MIMEText(row.body, "plain", "utf-8")
    mail["Subject"] = Header(row.subject, "utf-8")  # type: ignore[assignment]  # compat32 takes a Header
    name, sender = parseaddr(config.sender)
    mail["From"] = formataddr((name, sender), charset="utf-8")
    mail["To"] = row.address
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = make_msgid(idstring=row.id)
    return mail


def send(config: SmtpConfig, mail: Message) -> None:
    """Sends one message (blocking: run in a thread)."""
    with smtplib.SMTP(config.host, config.port, timeout=config.timeout_s) as smtp:
        if config.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if config.username:
            smtp.login(config.username, config.password)
        smtp.send_message(mail)


class MailSender:
    """Sends the due e-mails of the mail outbox; :meth:`kick` wakes it (after a commit that wrote one)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], config: SmtpConfig, *, clock: Clock = utc_now,
                 poll_s: float = 30.0, max_attempts: int = 12, quick_retries: int = 2, batch: int = 20) -> None:
        self.sessions = sessions
        self.config = config
        self.clock = clock
        self.poll_s = poll_s
        self.max_attempts = max_attempts
        self.quick_retries = quick_retries
        self.batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def kick(self) -> None:
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="workflow-mail-sender")

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None

    async def _run(self) -> None:
        while True:
            try:
                while await self.run_once() == self.batch:
                    pass
            except Exception:  # the database away a moment: the next round tries again
                log.exception("the mail sender failed a round; it tries again")
            await wait_event(self._wake, self.poll_s)
            self._wake.clear()

    async def _deliver(self, mail: Message) -> None:
        async for attempt in AsyncRetrying(stop=stop_after_attempt(self.quick_retries),
                                           wait=wait_exponential(multiplier=0.2, max=2),
                                           retry=retry_if_exception_type(TRANSIENT), reraise=True):
            with attempt:
                await asyncio.to_thread(send, self.config, mail)

    async def run_once(self) -> int:
        """Tries every due e-mail once (at most ``batch``); returns how many it tried. An e-mail whose person turned
        e-mail off since it was written is cancelled, not sent."""
        now = self.clock()
        async with self.sessions() as session, session.begin():
            found = (await session.execute(
                select(MailRow, NotificationSettingsRow.email_enabled)
                .outerjoin(NotificationRow, NotificationRow.id == MailRow.notification_id)
                .outerjoin(NotificationSettingsRow, (NotificationSettingsRow.agency_code == MailRow.agency_code)
                           & (NotificationSettingsRow.subject == NotificationRow.recipient))
                .where(MailRow.state == MAIL_PENDING, MailRow.next_attempt_at <= now)
                .order_by(MailRow.next_attempt_at, MailRow.id).limit(self.batch)
                .with_for_update(of=MailRow, skip_locked=True))).all()
            for row, enabled in found:
                if enabled is False:
                    row.state = MAIL_CANCELLED
                    continue
                row.attempts += 1
                try:
                    await self._deliver(message(self.config, row, now))
                except TRANSIENT as error:
                    row.last_error = f"{type(error).__name__}: {error}"[:1000]
                    if row.attempts >= self.max_attempts:
                        row.state = MAIL_FAILED
                        log.warning("mail %s given up after %d attempts: %s", row.id, row.attempts, row.last_error)
                    else:
                        row.next_attempt_at = now + min(timedelta(minutes=2 ** (row.attempts - 1)), MAX_BACKOFF)
                        log.info("mail %s not sent (attempt %d), retried later: %s", row.id, row.attempts,
                                 row.last_error)
                    continue
                row.state, row.sent_at, row.last_error = MAIL_SENT, now, ""
        return len(found)
