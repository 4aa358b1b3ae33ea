"""Signing's own data (SQLAlchemy 2, async): signing profiles, pending two-step signings, the signing journal
and the event outbox. One transaction per command; events go out through the outbox.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from google.protobuf.message import Message
from sqlalchemy import Index, LargeBinary, MetaData, String, UniqueConstraint, delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from vanthu_core.db import UtcDateTime
from vanthu_core.errors import FailedPrecondition, NotFound
from vanthu_core.ids import new_id
from vanthu_core.outbox import add_event, add_event_once, has_event, outbox_table
from vanthu_signing import events

log = logging.getLogger("vanthu.signing")

metadata = MetaData()
outbox = outbox_table(metadata)

PERSONAL = "personal"
AGENCY = "agency"


class Base(DeclarativeBase):
    metadata = metadata


class ProfileRow(Base):
    """Who signs with which key: a person of an agency (by subject), or the agency itself (its seal key)."""

    __tablename__ = "signing_profiles"

    profile_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(35))
    kind: Mapped[str] = mapped_column(String(10))
    #: The person's subject (``sub``, Keycloak's user ID) the profile belongs to; "" for the agency's profile; NULL
    #: for a personal profile made before profiles were bound to subjects and not bound yet (refused until it is).
    subject: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: The person's username, for display only ("" for the agency's profile): a username can change hands.
    username: Mapped[str] = mapped_column(String(100))
    #: Label of a key the service holds (PKCS#11 / PKCS#12); "" for a remote key (two-step signing only).
    key_label: Mapped[str] = mapped_column(String(64))
    #: DER of the certificate of a remote key; empty for a server key (its certificate comes with the key).
    certificate: Mapped[bytes] = mapped_column(LargeBinary)
    image: Mapped[bytes] = mapped_column(LargeBinary)
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (UniqueConstraint("agency_code", "kind", "subject", name="uq_signing_profiles_owner"),)


class PendingRow(Base):
    """A prepared two-step signing waiting for the remote party's signature value."""

    __tablename__ = "pending_signings"

    handle: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(35))
    subject: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str] = mapped_column(String(255))
    input_sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: The registry's document whose main file it was prepared for (only the registry prepares one); "": a file.
    document_id: Mapped[str] = mapped_column(String(36), default="")

    __table_args__ = (Index("ix_pending_signings_expires_at", "expires_at"),)


class SigningRow(Base):
    """The journal: every signing the service made, who asked for it, what went in and what came out."""

    __tablename__ = "signings"

    signing_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(35))
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(100))
    username: Mapped[str] = mapped_column(String(100))
    certificate_subject: Mapped[str] = mapped_column(String(500))
    field_name: Mapped[str] = mapped_column(String(64))
    input_sha256: Mapped[str] = mapped_column(String(64))
    output_sha256: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(36))
    number_symbol: Mapped[str] = mapped_column(String(100))
    signed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    #: The registry's document whose file was signed ("" for a file on its own).
    document_id: Mapped[str] = mapped_column(String(36), default="")

    __table_args__ = (Index("ix_signings_agency_signed_at", "agency_code", "signed_at"),
                      Index("ix_signings_agency_document", "agency_code", "document_id"),
                      Index("ix_signings_agency_object", "agency_code", "object_id"))


@dataclass(frozen=True)
class Profile:
    profile_id: str
    agency_code: str
    kind: str
    #: See :attr:`ProfileRow.subject` (None: not bound to a person yet).
    subject: str | None
    username: str
    key_label: str
    certificate: bytes
    image: bytes
    updated_by: str
    updated_at: datetime

    @property
    def remote(self) -> bool:
        return not self.key_label

    @classmethod
    def of(cls, row: ProfileRow) -> Profile:
        return cls(row.profile_id, row.agency_code, row.kind, row.subject, row.username, row.key_label,
                   row.certificate, row.image, row.updated_by, row.updated_at)


@dataclass(frozen=True)
class Pending:
    handle: str
    agency_code: str
    subject: str
    file_name: str
    input_sha256: str
    state: bytes
    expires_at: datetime
    #: The registry's document whose main file it signs ("" a file of no document): it is completed for that
    #: document only.
    document_id: str = ""


@dataclass(frozen=True)
class JournalEntry:
    """What :meth:`SigningStore.record` writes (one row and one event)."""

    agency_code: str
    kind: str
    subject: str
    username: str
    certificate_subject: str
    field_name: str
    input_sha256: str
    output_sha256: str
    object_id: str
    number_symbol: str
    signed_at: datetime
    document_id: str = ""


@dataclass(frozen=True)
class Earlier:
    """A signing already journalled: its id and the stored result."""

    signing_id: str
    object_id: str
    sha256: str


class SigningStore:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    # ------------------------------------------------------------ profiles
    async def profile(self, agency_code: str, kind: str, subject: str = "", username: str = "") -> Profile:
        """The agency's profile (``kind`` agency), or the personal profile of the person ``subject`` (``username`` only
        names them in the refusal). A personal profile is found by subject alone: an account recreated under
        someone's former username finds nothing, a renamed account keeps its own."""
        if kind == AGENCY:
            subject = ""
        async with self.sessions() as session:
            row = (await session.execute(select(ProfileRow).where(
                ProfileRow.agency_code == agency_code, ProfileRow.kind == kind,
                ProfileRow.subject == subject))).scalar_one_or_none()
            unbound = None
            if row is None and kind == PERSONAL and username:
                unbound = (await session.execute(select(ProfileRow.profile_id).where(
                    ProfileRow.agency_code == agency_code, ProfileRow.kind == kind, ProfileRow.subject.is_(None),
                    ProfileRow.username == username))).scalar_one_or_none()
        if row is not None:
            return Profile.of(row)
        # The person refused reads what to do next; the operator reads, in this log line, the command that fixes it
        # (ids and a shell command mean nothing to a civil servant).
        if kind == AGENCY:
            log.warning("agency %s has no agency signing profile (seal): bind one with `vanthu-signing profile set "
                        "--agency %s --seal --key … --image seal.png`", agency_code, agency_code)
            raise FailedPrecondition("Cơ quan chưa có hồ sơ ký số của cơ quan (con dấu) trên hệ thống nên chưa đóng "
                                     "dấu được. Hãy liên hệ đơn vị vận hành để được gắn khóa con dấu của cơ quan.")
        if unbound is not None:
            log.warning("the personal signing profile %s of %r (agency %s) predates subject binding: if it is theirs, "
                        "bind it with `vanthu-signing profile set --agency %s --subject %s --user %s`", unbound,
                        username, agency_code, agency_code, subject, username)
            raise FailedPrecondition(
                "Hồ sơ ký số mang tên đăng nhập của đồng chí được tạo trước khi hồ sơ gắn với từng người nên chưa gắn "
                "với đồng chí, và chưa ký số được. Hãy liên hệ đơn vị vận hành để xác nhận và gắn hồ sơ này cho "
                "đồng chí.")
        log.warning("%r (subject %s, agency %s) has no personal signing profile: bind a key with `vanthu-signing "
                    "profile set --agency %s --subject %s --user %s --key …` (or --certificate for a USB token)",
                    username, subject, agency_code, agency_code, subject, username)
        raise FailedPrecondition(
            "Đồng chí chưa có hồ sơ ký số cá nhân trên hệ thống nên chưa ký số được, cả bằng khóa do hệ thống giữ lẫn "
            "bằng USB token. Hãy liên hệ đơn vị vận hành để được gắn khóa ký số hoặc đăng ký chứng thư số trên USB "
            "token của đồng chí.")

    async def profiles(self, agency_code: str | None = None) -> list[Profile]:
        async with self.sessions() as session:
            query = select(ProfileRow).order_by(ProfileRow.agency_code, ProfileRow.kind, ProfileRow.username,
                                                ProfileRow.profile_id)
            if agency_code is not None:
                query = query.where(ProfileRow.agency_code == agency_code)
            return [Profile.of(r) for r in (await session.execute(query)).scalars()]

    async def put_profile(self, *, agency_code: str, kind: str, subject: str, username: str | None,
                          key_label: str | None, certificate: bytes | None, image: bytes | None,
                          actor: str) -> Profile:
        """Create or update the profile of ``subject`` (a person) or of the agency (``kind`` agency, subject "").

        ``username`` is kept for display (None leaves it unchanged). A personal profile not bound to anyone yet (made
        before profiles were bound to subjects) under the same username is bound to ``subject``: the operator
        confirms whose it is. None leaves key, certificate and image unchanged (a new profile needs a key or a
        certificate).
        """
        if kind == AGENCY:
            subject, username = "", ""
        now = datetime.now(UTC)
        async with self.sessions.begin() as session:
            row = (await session.execute(select(ProfileRow).where(
                ProfileRow.agency_code == agency_code, ProfileRow.kind == kind,
                ProfileRow.subject == subject).with_for_update())).scalar_one_or_none()
            if row is None and kind == PERSONAL and username:
                row = (await session.execute(select(ProfileRow).where(
                    ProfileRow.agency_code == agency_code, ProfileRow.kind == kind, ProfileRow.subject.is_(None),
                    ProfileRow.username == username).with_for_update())).scalar_one_or_none()
                if row is not None:
                    row.subject = subject
            if row is None:
                if not key_label and not certificate:
                    raise FailedPrecondition("Hồ sơ ký số mới cần nhãn khóa hoặc chứng thư số.")
                row = ProfileRow(profile_id=new_id(), agency_code=agency_code, kind=kind, subject=subject,
                                 username=username or "", key_label="", certificate=b"", image=b"", updated_by=actor,
                                 updated_at=now)
                session.add(row)
            if username is not None:
                row.username = username
            if key_label is not None:
                row.key_label, row.certificate = key_label, b""
            if certificate is not None:
                row.key_label, row.certificate = "", certificate
            if image is not None:
                row.image = image
            row.updated_by, row.updated_at = actor, now
            await add_event(session, outbox, events.profile_updated(
                profile_id=row.profile_id, agency_code=agency_code, kind=kind, subject=subject, username=row.username,
                server_key=bool(row.key_label), image_changed=image is not None, actor=actor, now=now))
            await session.flush()
            return Profile.of(row)

    async def delete_profile(self, agency_code: str, kind: str, subject: str = "") -> bool:
        """Remove the agency's profile or the personal profile of ``subject``."""
        async with self.sessions.begin() as session:
            result = await session.execute(delete(ProfileRow).where(
                ProfileRow.agency_code == agency_code, ProfileRow.kind == kind,
                ProfileRow.subject == ("" if kind == AGENCY else subject)))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    # ------------------------------------------------------------ two-step
    async def save_pending(self, pending: Pending) -> None:
        async with self.sessions.begin() as session:
            await session.execute(delete(PendingRow).where(PendingRow.expires_at < datetime.now(UTC)))
            session.add(PendingRow(handle=pending.handle, agency_code=pending.agency_code, subject=pending.subject,
                                   file_name=pending.file_name, input_sha256=pending.input_sha256,
                                   state=pending.state, expires_at=pending.expires_at,
                                   document_id=pending.document_id))

    async def pending(self, handle: str, subject: str) -> Pending:
        """A pending signing of ``subject``; another caller's, completed or expired: NotFound."""
        async with self.sessions() as session:
            row = await session.get(PendingRow, handle)
        if row is None or row.subject != subject:
            raise NotFound("Không có phiên ký đang chờ với mã này (đã xong, đã hết hạn hoặc không phải của đồng "
                           "chí): hãy ký lại.")
        if row.expires_at < datetime.now(UTC):
            raise NotFound("Phiên ký đang chờ đã hết hạn: hãy bắt đầu ký lại.")
        return Pending(row.handle, row.agency_code, row.subject, row.file_name, row.input_sha256, row.state,
                       row.expires_at, row.document_id or "")

    async def finish_pending(self, handle: str) -> None:
        """Consume the handle once its signing succeeded; a concurrent completion got it first: NotFound."""
        async with self.sessions.begin() as session:
            result = await session.execute(delete(PendingRow).where(PendingRow.handle == handle))
        if not result.rowcount:  # type: ignore[attr-defined]
            raise NotFound("Phiên ký này đã hoàn tất rồi.")

    # ------------------------------------------------------------ journal
    async def record(self, entry: JournalEntry) -> str:
        """Journal one signing and publish ``vanthu.signing.document.signed`` (same transaction)."""
        signing_id = new_id()
        async with self.sessions.begin() as session:
            session.add(SigningRow(signing_id=signing_id, **entry.__dict__))
            await add_event(session, outbox, events.signed(entry, signing_id))
        return signing_id

    async def earlier(self, agency_code: str, document_id: str, kind: str, input_sha256: str) -> Earlier | None:
        """The stored result of signing this input of this document before (a repeated issue reuses it)."""
        async with self.sessions() as session:
            row = (await session.execute(select(SigningRow).where(
                SigningRow.agency_code == agency_code, SigningRow.document_id == document_id,
                SigningRow.kind == kind, SigningRow.input_sha256 == input_sha256, SigningRow.object_id != "")
                .order_by(SigningRow.signed_at.desc()))).scalars().first()
        return Earlier(row.signing_id, row.object_id, row.output_sha256) if row is not None else None

    async def producer(self, agency_code: str, object_id: str) -> str | None:
        """The signing that produced the stored ``object_id`` (its id), if this service made it."""
        async with self.sessions() as session:
            return (await session.execute(select(SigningRow.signing_id).where(
                SigningRow.agency_code == agency_code, SigningRow.object_id == object_id))).scalars().first()

    async def publish_once(self, event: Message) -> bool:
        """An event that records no state of this service (e.g. the verdict on an arrival's files), unless the outbox
        holds its id already (its id is derived from the event it answers); True when added."""
        async with self.sessions.begin() as session:
            return await add_event_once(session, outbox, event)

    async def has_event(self, event_id: str) -> bool:
        """Whether this service made the event already (it is in the outbox until the retention removes it)."""
        async with self.sessions() as session:
            return await has_event(session, outbox, event_id)

    async def journal(self, agency_code: str, limit: int = 100) -> list[JournalEntry]:
        async with self.sessions() as session:
            rows = (await session.execute(select(SigningRow).where(SigningRow.agency_code == agency_code)
                                          .order_by(SigningRow.signed_at.desc()).limit(limit))).scalars()
            return [JournalEntry(r.agency_code, r.kind, r.subject, r.username, r.certificate_subject, r.field_name,
                                 r.input_sha256, r.output_sha256, r.object_id, r.number_symbol, r.signed_at,
                                 r.document_id) for r in rows]
